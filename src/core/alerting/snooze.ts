/**
 * Snoozing alerts: a silence per distinct scope of the alerts (their rule and model version), from
 * now for a while, that ends by itself. The rule is the one the source's records establish for the
 * alert (see alertDetails.ts); an alert whose rule is not known is snoozed by model version and
 * severity, so that the silence never mutes more than alerts like it.
 */
import { randomUUID } from 'node:crypto';
import type { Silence, SilenceMatchers } from '../model/silence';
import type { StoredAlert, StoreReader } from '../store/store';
import { checkSilence } from '../store/silenceRecords';
import { readAlertDetails } from './alertDetails';

export interface SnoozeRequest {
  readonly seconds: number;
  readonly now: number;
  readonly by: string | null;
  readonly comment?: string;
}

/** The matchers that snooze this alert: its rule and version when the rule is known, else its version and severity. */
export function snoozeMatchers(alert: StoredAlert, ruleId: string | null): SilenceMatchers {
  const version = alert.model_version === null || alert.model_version === '' ? {} : { model_version: alert.model_version };
  return ruleId !== null ? { rule_id: ruleId, ...version } : { ...version, severity: alert.severity };
}

/** The silences that snooze these alerts, one per distinct scope (not yet saved). */
export async function snoozeSilences(store: StoreReader, alerts: readonly StoredAlert[], request: SnoozeRequest): Promise<Silence[]> {
  const details = await readAlertDetails(store, alerts);
  const byScope = new Map<string, SilenceMatchers>();
  for (const alert of alerts) {
    const matchers = snoozeMatchers(alert, details.get(alert.key)?.rule_id ?? null);
    byScope.set(JSON.stringify(Object.entries(matchers).sort()), matchers);
  }
  return [...byScope.values()].map((matchers) =>
    checkSilence({
      id: randomUUID().slice(0, 8),
      matchers,
      starts_at: request.now,
      ends_at: request.now + request.seconds,
      comment: request.comment ?? `snoozed for ${request.seconds / 3600} h`,
      created_by: request.by,
      created_at: request.now,
    }),
  );
}

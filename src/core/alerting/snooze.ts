/**
 * Snoozing alerts: a silence per distinct scope of the alerts (their rule, model version and
 * segment), from now for a while, that ends by itself. The rule is the one rule of the source with
 * the alert's metric, threshold, severity and component, as the Alerts view works it out
 * (alertGroups.ts): an alert without one is not snoozed (it is returned, for the caller to say so),
 * since a silence without its rule would mute more than alerts like it.
 */
import { randomBytes } from 'node:crypto';
import { alertRule, type AlertViewContext } from '../alertGroups';
import type { AlertRule } from '../model/alertRule';
import type { Silence, SilenceMatchers } from '../model/silence';
import type { StoredAlert } from '../store/store';
import { checkSilence } from '../store/silenceRecords';

export interface SnoozeRequest {
  readonly seconds: number;
  readonly now: number;
  readonly by: string | null;
  readonly comment: string;
}

/** The segment the engine named in the alert's message (`… for v1, circuit=A`), if any. */
export function alertSegment(alert: StoredAlert): string | undefined {
  const message = alert.message ?? '';
  const prefix = alert.model_version === null ? ' for ' : ` for ${alert.model_version}, `;
  const at = message.lastIndexOf(prefix);
  if (at < 0) return undefined;
  const segment = message.slice(at + prefix.length);
  return /^[^,=\s][^,]*=[^,]+$/.test(segment) ? segment : undefined;
}

/** The matchers that snooze this alert of this rule: the rule, and the alert's version and segment when it has them. */
export function snoozeMatchers(alert: StoredAlert, rule: AlertRule): SilenceMatchers {
  const segment = alertSegment(alert);
  return {
    rule_id: rule.rule_id,
    ...(alert.model_version === null || alert.model_version === '' ? {} : { model_version: alert.model_version }),
    ...(segment === undefined ? {} : { segment }),
  };
}

/** A silence of these matchers from `now` for `seconds`, checked as every silence is. */
export function newSilence(matchers: SilenceMatchers, request: SnoozeRequest): Silence {
  return checkSilence({
    id: randomBytes(4).toString('hex'),
    matchers,
    starts_at: request.now,
    ends_at: request.now + request.seconds,
    comment: request.comment,
    created_by: request.by,
    created_at: request.now,
  });
}

/** The silences that snooze these alerts, one per distinct scope (not yet saved), and the alerts left out for want of a rule. */
export function snoozeSilences(alerts: readonly StoredAlert[], context: AlertViewContext, request: SnoozeRequest): { silences: Silence[]; unknown: StoredAlert[] } {
  const scopes = new Map<string, SilenceMatchers>();
  const unknown: StoredAlert[] = [];
  for (const alert of alerts) {
    const rule = alertRule(alert, context);
    if (rule === undefined) {
      unknown.push(alert);
      continue;
    }
    const matchers = snoozeMatchers(alert, rule);
    scopes.set(JSON.stringify(matchers), matchers);
  }
  return { silences: [...scopes.values()].map((matchers) => newSilence(matchers, request)), unknown };
}

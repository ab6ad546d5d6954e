/**
 * What an alert record does not say by itself, from what the source keeps beside it: which rule
 * raised it, whether its condition is still firing, and the acknowledgment's comment. The Python
 * alert record has no rule id and no state, so each is given only where a record establishes it:
 *
 * - rule id: the engine's firing state names the rule of the condition an alert opened; the
 *   delivery log names the rule of every alert Pitwall delivered; else exactly one rule of the
 *   source with the alert's metric, threshold, severity and component (as the Python system
 *   writes them from its rule). Several or none: no rule id, rather than a guess.
 * - state: `firing` when a firing state opened with this alert (same rule, version, segment and
 *   time), `resolved` when Pitwall's engine raised it (the delivery log says so) and no firing
 *   state holds it any longer; null for the Python system's alerts, which it keeps no state for.
 */
import type { Acknowledgment } from '../model/acknowledgment';
import type { AlertRule } from '../model/alertRule';
import type { AlertKey, StoredAlert, StoreReader } from '../store/store';

export type AlertRuleSource = 'firing-state' | 'delivery-log' | 'rule-match';

export interface AlertDetail {
  readonly rule_id: string | null;
  /** How the rule id is known; null when it is not. */
  readonly rule_from: AlertRuleSource | null;
  readonly state: 'firing' | 'resolved' | null;
  /** The comment of the newest acknowledgment that had one; null when none did. */
  readonly comment: string | null;
}

export interface AlertRecordsBeside {
  readonly rules: readonly AlertRule[];
  /** The engine's firing states: fingerprint `[rule_id, model_version, segment]` → when it fired. */
  readonly states: Readonly<Record<string, number>>;
  /** Alert key → rule id, from the delivery log's firing notices. */
  readonly delivered: ReadonlyMap<AlertKey, string>;
  readonly acknowledgments: readonly Acknowledgment[];
}

interface FiringState {
  readonly ruleId: string;
  readonly version: string | null;
  readonly segment: string | null;
  readonly at: number;
}

function parseStates(states: Readonly<Record<string, number>>): FiringState[] {
  const parsed: FiringState[] = [];
  for (const [fingerprint, at] of Object.entries(states)) {
    let value: unknown;
    try {
      value = JSON.parse(fingerprint);
    } catch {
      continue;
    }
    if (!Array.isArray(value) || typeof value[0] !== 'string') continue;
    const [ruleId, version, segment] = value as unknown[];
    parsed.push({ ruleId: ruleId as string, version: typeof version === 'string' ? version : null, segment: typeof segment === 'string' ? segment : null, at });
  }
  return parsed;
}

/** Whether the firing state opened with this alert: the engine writes the alert at the firing's time, with its scope in the message. */
function opened(state: FiringState, alert: StoredAlert, rule: AlertRule | undefined): boolean {
  if (rule === undefined || Math.abs(alert.timestamp - state.at) >= 0.001) return false;
  if (alert.model_version !== state.version || alert.metric_name !== rule.metric_name) return false;
  // Two rules on one metric may fire at the same evaluation: the alert carries its rule's threshold and severity.
  if (alert.threshold !== rule.threshold || alert.severity !== rule.severity) return false;
  const scope = [state.version, state.segment].filter((part) => part !== null).join(', ');
  return scope === '' || (alert.message ?? '').endsWith(` for ${scope}`);
}

/** The details of each alert, by key, from records already read (see readAlertDetails). */
export function detailAlerts(alerts: readonly StoredAlert[], beside: AlertRecordsBeside): Map<AlertKey, AlertDetail> {
  const rulesById = new Map(beside.rules.map((rule) => [rule.rule_id, rule]));
  const states = parseStates(beside.states);
  const comments = new Map<AlertKey, string>();
  for (const entry of beside.acknowledgments) if (entry.comment !== null && entry.comment !== '') comments.set(entry.alert_key, entry.comment);
  const details = new Map<AlertKey, AlertDetail>();
  for (const alert of alerts) {
    const comment = alert.acknowledged ? (comments.get(alert.key) ?? null) : null;
    const firing = states.find((state) => opened(state, alert, rulesById.get(state.ruleId)));
    if (firing !== undefined) {
      details.set(alert.key, { rule_id: firing.ruleId, rule_from: 'firing-state', state: 'firing', comment });
      continue;
    }
    const delivered = beside.delivered.get(alert.key);
    if (delivered !== undefined) {
      details.set(alert.key, { rule_id: delivered, rule_from: 'delivery-log', state: 'resolved', comment });
      continue;
    }
    const matching = beside.rules.filter(
      (rule) => rule.metric_name === alert.metric_name && rule.threshold === alert.threshold && rule.severity === alert.severity && rule.component === alert.component,
    );
    const only = matching.length === 1 ? matching[0] : undefined;
    details.set(alert.key, { rule_id: only?.rule_id ?? null, rule_from: only === undefined ? null : 'rule-match', state: null, comment });
  }
  return details;
}

/** Reads what the details need (rules, firing states, delivery log, acknowledgments of these alerts) and details the alerts. */
export async function readAlertDetails(store: StoreReader, alerts: readonly StoredAlert[]): Promise<Map<AlertKey, AlertDetail>> {
  const acknowledged = alerts.filter((alert) => alert.acknowledged).map((alert) => alert.key);
  const [rules, states, log, acknowledgments] = await Promise.all([
    store.readRules(),
    store.readAlertStates(),
    store.readDeliveries(),
    acknowledged.length === 0 ? Promise.resolve([]) : store.readAcknowledgments(acknowledged),
  ]);
  const delivered = new Map<AlertKey, string>();
  for (const record of log.records) if (record.kind === 'firing') delivered.set(record.alert, record.rule_id);
  return detailAlerts(alerts, { rules, states, delivered, acknowledgments });
}

/**
 * What each rule has been doing, for a rules list: whether the engine holds it firing (its
 * persisted firing states), the cooldown left after it last fired, and how many alerts it raised
 * in a recent range. The Python alert record has no rule id, so an alert counts for the rule
 * whose metric, threshold, severity and component it carries (as alertDetails matches them);
 * rules that share all four share their count, and say with whom.
 */
import { ALERT_SEVERITIES } from '../model/alert';
import type { AlertRule } from '../model/alertRule';
import type { AlertSignatureCount, StoreReader, TimeRange } from '../store/store';
import { readFiringRules, type FiringRule } from '../analytics/status';

/** The range a rules list counts alerts in by default: seven days. */
export const RULE_ACTIVITY_RANGE = 7 * 86_400;

export interface RuleActivity {
  readonly rule: AlertRule;
  /** The engine's firing conditions of this rule (one per version and segment), oldest first. */
  readonly firing: readonly FiringRule[];
  /** Seconds of cooldown left at `now`; 0 when the rule may fire. */
  readonly cooldown_remaining: number;
  /** Alerts with this rule's metric, threshold, severity and component in the range. */
  readonly fired: number;
  /** Other rules with the same four fields, whose alerts are counted here too. */
  readonly shared_with: readonly string[];
}

export interface RulesActivity {
  readonly now: number;
  readonly range: { readonly from: number; readonly to: number };
  readonly rules: readonly RuleActivity[];
}

/** Seconds of cooldown left at `now` after the rule last fired; 0 when none is left. */
export function cooldownRemaining(rule: Pick<AlertRule, 'last_triggered' | 'cooldown_minutes'>, now: number): number {
  if (rule.last_triggered === null) return 0;
  return Math.max(0, rule.last_triggered + rule.cooldown_minutes * 60 - now);
}

function signatureOf(fields: { metric_name: string | null; threshold: number | null; severity: string; component: string | null }): string {
  return JSON.stringify([fields.metric_name, fields.threshold, fields.severity, fields.component]);
}

/** Alerts in the range by signature: one grouped pass where the store has it, else the range's alerts read and grouped here. */
async function countBySignature(store: StoreReader, range: TimeRange): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const add = (row: Omit<AlertSignatureCount, 'count'>, count: number) => counts.set(signatureOf(row), (counts.get(signatureOf(row)) ?? 0) + count);
  if (store.countAlertsBySignature !== undefined) {
    for (const row of await store.countAlertsBySignature(range)) add(row, row.count);
  } else {
    for (const alert of await store.readAlerts(range)) if (ALERT_SEVERITIES.includes(alert.severity)) add(alert, 1);
  }
  return counts;
}

/** Every rule of the source with its firing state, cooldown and the alerts it raised in the `range` seconds up to `to` (default now). */
export async function readRulesActivity(store: StoreReader, options: { readonly now: number; readonly to?: number; readonly range?: number }): Promise<RulesActivity> {
  const to = options.to ?? options.now;
  const from = to - (options.range ?? RULE_ACTIVITY_RANGE);
  const [rules, firing, counts] = await Promise.all([store.readRules(), readFiringRules(store), countBySignature(store, { from, to })]);
  const bySignature = new Map<string, string[]>();
  for (const rule of rules) {
    const key = signatureOf(rule);
    bySignature.set(key, [...(bySignature.get(key) ?? []), rule.rule_id]);
  }
  return {
    now: options.now,
    range: { from, to },
    rules: rules.map((rule) => {
      const key = signatureOf(rule);
      return {
        rule,
        firing: firing.filter((state) => state.rule_id === rule.rule_id),
        cooldown_remaining: cooldownRemaining(rule, options.now),
        fired: counts.get(key) ?? 0,
        shared_with: (bySignature.get(key) ?? []).filter((id) => id !== rule.rule_id),
      };
    }),
  };
}

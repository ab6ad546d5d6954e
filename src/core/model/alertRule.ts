import { z } from 'zod';
import {
  conditions,
  count,
  finiteNumber,
  flag,
  listOf,
  nonEmptyText,
  oneOf,
  text,
  timestamp,
  type RuleConditions,
} from './fields';
import { ALERT_SEVERITIES } from './alert';
import { defineRecord } from './record';

export const METRIC_TYPES = ['threshold', 'degradation', 'drift'] as const;
export const COMPARISONS = ['<', '<=', '>', '>=', '==', '!='] as const;
/** The seed's four channels and Pitwall's webhook. */
export const ALERT_CHANNELS = ['console', 'file', 'email', 'slack', 'webhook'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];
export type Comparison = (typeof COMPARISONS)[number];

/** What each comparison means: `value <comparison> threshold`. */
export const COMPARE: Readonly<Record<Comparison, (value: number, threshold: number) => boolean>> = {
  '<': (v, t) => v < t,
  '<=': (v, t) => v <= t,
  '>': (v, t) => v > t,
  '>=': (v, t) => v >= t,
  '==': (v, t) => v === t,
  '!=': (v, t) => v !== t,
};

/**
 * One element of alert_rules.json or a row of alert_rules. Defaults are the seed's dataclass
 * defaults; `for_minutes`, `min_samples` and `last_triggered` are Pitwall's additions (a rule
 * must hold that long, over that many samples, before it fires; when it last fired, for
 * cooldowns that survive a restart).
 */
export const AlertRuleSchema = z.object({
  rule_id: nonEmptyText,
  metric_name: nonEmptyText,
  metric_type: oneOf(METRIC_TYPES),
  threshold: finiteNumber,
  comparison: oneOf(COMPARISONS),
  severity: oneOf(ALERT_SEVERITIES),
  component: text,
  enabled: flag.default(true),
  cooldown_minutes: count.default(60),
  channels: listOf(ALERT_CHANNELS).default(['console']),
  conditions: conditions.default(() => Object.create(null) as RuleConditions),
  for_minutes: count.default(0),
  min_samples: count.default(0),
  last_triggered: timestamp.nullable().default(null),
});
export type AlertRule = z.output<typeof AlertRuleSchema>;
export const alertRuleRecord = defineRecord(AlertRuleSchema, ['last_triggered']);

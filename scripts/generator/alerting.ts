/**
 * The alert rules of the simulated deployment and the Python AlertingSystem's `evaluate_rule`
 * (enabled, per-rule cooldown, comparison, `min_value` / `max_value` conditions), so that the
 * generated alerts are the ones those rules would have fired.
 */

export type Comparison = '<' | '>' | '==' | '!=';
export type Severity = 'info' | 'warning' | 'critical';
export type Channel = 'console' | 'file' | 'email' | 'slack';

export interface RuleConditions {
  minValue?: number;
  maxValue?: number;
}

export interface AlertRule {
  ruleId: string;
  metricName: string;
  metricType: 'threshold' | 'degradation' | 'drift';
  threshold: number;
  comparison: Comparison;
  severity: Severity;
  component: string;
  enabled: boolean;
  cooldownMinutes: number;
  channels: readonly Channel[];
  conditions: RuleConditions;
}

/** A handful of rules covering every comparison, severity and channel. */
export const ALERT_RULES: readonly AlertRule[] = [
  {
    ruleId: 'acc_low',
    metricName: 'accuracy',
    metricType: 'threshold',
    threshold: 0.7,
    comparison: '<',
    severity: 'critical',
    component: 'performance',
    enabled: true,
    cooldownMinutes: 360,
    channels: ['console', 'file'],
    conditions: { minValue: 0 },
  },
  {
    ruleId: 'acc_warn',
    metricName: 'accuracy',
    metricType: 'threshold',
    threshold: 0.78,
    comparison: '<',
    severity: 'warning',
    component: 'performance',
    enabled: true,
    cooldownMinutes: 720,
    channels: ['slack'],
    conditions: { minValue: 0.7 },
  },
  {
    ruleId: 'ece_high',
    metricName: 'expected_calibration_error',
    metricType: 'threshold',
    threshold: 0.1,
    comparison: '>',
    severity: 'warning',
    component: 'performance',
    enabled: true,
    cooldownMinutes: 720,
    channels: ['file'],
    conditions: {},
  },
  {
    ruleId: 'f1_degraded',
    metricName: 'f1_score',
    metricType: 'degradation',
    threshold: 0.65,
    comparison: '<',
    severity: 'critical',
    component: 'degradation',
    enabled: true,
    cooldownMinutes: 720,
    channels: ['email', 'slack', 'file'],
    conditions: { minValue: 0, maxValue: 1 },
  },
  {
    ruleId: 'track_temp_drift',
    metricName: 'track_temp_psi',
    metricType: 'drift',
    threshold: 0.2,
    comparison: '>',
    severity: 'warning',
    component: 'drift',
    enabled: true,
    cooldownMinutes: 1440,
    channels: ['console', 'file'],
    conditions: { maxValue: 10 },
  },
  {
    ruleId: 'degradation_flag',
    metricName: 'degradation_detected',
    metricType: 'degradation',
    threshold: 0,
    comparison: '!=',
    severity: 'info',
    component: 'degradation',
    enabled: true,
    cooldownMinutes: 1440,
    channels: ['console'],
    conditions: {},
  },
  {
    ruleId: 'conf_low',
    metricName: 'avg_confidence',
    metricType: 'threshold',
    threshold: 0.6,
    comparison: '<',
    severity: 'info',
    component: 'drift',
    enabled: false,
    cooldownMinutes: 60,
    channels: ['console'],
    conditions: {},
  },
  {
    ruleId: 'no_traffic',
    metricName: 'num_predictions',
    metricType: 'threshold',
    threshold: 0,
    comparison: '==',
    severity: 'critical',
    component: 'performance',
    enabled: true,
    cooldownMinutes: 60,
    channels: ['email'],
    conditions: {},
  },
];

function compare(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case '<':
      return value < threshold;
    case '>':
      return value > threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

/**
 * Whether `rule` fires for `value` at time `now` (unix seconds), given when it last fired.
 * Mirrors the Python system's evaluate_rule, cooldown per rule across model versions included.
 */
export function ruleFires(rule: AlertRule, value: number, now: number, lastFired: number | undefined): boolean {
  if (!rule.enabled) return false;
  if (lastFired !== undefined && now - lastFired < rule.cooldownMinutes * 60) return false;
  if (!compare(value, rule.comparison, rule.threshold)) return false;
  if (rule.conditions.minValue !== undefined && value < rule.conditions.minValue) return false;
  if (rule.conditions.maxValue !== undefined && value > rule.conditions.maxValue) return false;
  return true;
}

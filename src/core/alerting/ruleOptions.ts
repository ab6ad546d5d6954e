/**
 * What a rule measures, read from the seed's fields and from its `conditions` object (a
 * free-form JSON object in the Python system's AlertRule, so everything Pitwall adds there keeps
 * the rules file readable by it). Seed metric names map to the analytics' names
 * (`f1_score` → f1, `expected_calibration_error` → ece, `num_predictions` → count).
 *
 *   conditions: {
 *     "window": "6h",                         the rule window (default 1h)
 *     "min_value": 0, "max_value": 1,        the seed's bounds on the metric value
 *     "min_label_coverage": 0.5,             labelled share the window needs
 *     "model_versions": ["v1.1"],            scope (default: each version on its own)
 *     "segment": {"feature": "circuit"}      or {"metadata": "region"}, optionally "values": [...]
 *     "baseline_window": "7d",               degradation: compare with this window before the rule window
 *                                            (relative change); without it, the metric's own value
 *     "statistic": "psi"                     drift: psi | ks | wasserstein | chi_square | js
 *     "feature": "track_temp"                drift: the feature (else from metric_name, `track_temp_psi`)
 *     "resolve_notice": true                 send a notice when a firing alert resolves
 *     "query": "predictions | where … | alert when …"
 *                                            the PQL the rule was saved from: its `where` (model
 *                                            version, time bounds, `ago()` counted from each
 *                                            evaluation) chooses the predictions the rule reads
 *   }
 */
import { z } from 'zod';
import { canonicalMetricName } from '../analytics/metricNames';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import type { AlertRule } from '../model/alertRule';
import { parseDuration } from '../analytics/duration';
import { queryFilterOf, type QueryFilter } from '../query/rule';

export const DRIFT_STATISTICS = ['psi', 'ks', 'wasserstein', 'chi_square', 'js'] as const;
export type DriftStatistic = (typeof DRIFT_STATISTICS)[number];

const duration = z.string().refine((text) => {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}, 'must be a duration such as 15m, 6h or 7d');

/** The engine's keys of `conditions`; other keys are kept and ignored. */
export const RuleOptionsSchema = z
  .object({
    window: duration.optional(),
    min_value: z.number().finite().nullable().optional(),
    max_value: z.number().finite().nullable().optional(),
    min_label_coverage: z.number().min(0).max(1).optional(),
    model_versions: z.array(z.string().min(1)).min(1).optional(),
    segment: z
      .object({
        feature: z.string().min(1).optional(),
        metadata: z.string().min(1).optional(),
        values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1).optional(),
      })
      .refine((s) => (s.feature === undefined) !== (s.metadata === undefined), 'names exactly one of feature or metadata')
      .optional(),
    baseline_window: duration.optional(),
    statistic: z.enum(DRIFT_STATISTICS).optional(),
    feature: z.string().min(1).optional(),
    resolve_notice: z.boolean().optional(),
    query: z.string().min(1).optional(),
  })
  .loose();
export type RuleOptions = z.output<typeof RuleOptionsSchema>;

export interface RuleMeasure {
  readonly window: number;
  readonly options: RuleOptions;
  /** The analytics metric a threshold or degradation rule reads ('count' is the prediction count). */
  readonly metric: string;
  /** Drift rules: the feature and statistic. */
  readonly drift?: { readonly feature: string; readonly statistic: DriftStatistic };
  readonly baselineWindow: number;
  /** A rule saved from a query: the predictions its `where` keeps, at each evaluation. */
  readonly filter?: QueryFilter;
}

/** The feature and statistic a drift metric's name carries ('track_temp_psi'); null when it names none. */
export function driftMetricParts(metricName: string): { feature: string; statistic: DriftStatistic } | null {
  const match = /^(.+)_(psi|ks|wasserstein|chi_square|js)$/.exec(metricName);
  return match === null ? null : { feature: match[1] as string, statistic: match[2] as DriftStatistic };
}

/** A rule's options, checked; an input error naming the rule and the field when they are wrong. */
export function measureOf(rule: AlertRule): RuleMeasure {
  const parsed = RuleOptionsSchema.safeParse(rule.conditions);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PitwallError('input', messages.ruleOptionInvalid(rule.rule_id, `conditions.${(issue?.path ?? []).join('.')}`, issue?.message ?? 'is not valid'));
  }
  const options = parsed.data;
  const window = parseDuration(options.window ?? '1h');
  const baselineWindow = options.baseline_window === undefined ? window : parseDuration(options.baseline_window);
  const metric = canonicalMetricName(rule.metric_name) ?? rule.metric_name;
  const filter = options.query === undefined ? {} : { filter: queryFilterOf(rule.rule_id, options.query) };
  if (rule.metric_type !== 'drift') return { window, options, metric, baselineWindow, ...filter };
  let feature = options.feature;
  let statistic = options.statistic;
  if (feature === undefined || statistic === undefined) {
    const named = driftMetricParts(rule.metric_name);
    if (named === null) throw new PitwallError('input', messages.ruleDriftUnnamed(rule.rule_id, rule.metric_name));
    feature ??= named.feature;
    statistic ??= named.statistic;
  }
  return { window, options, metric, baselineWindow, drift: { feature, statistic }, ...filter };
}

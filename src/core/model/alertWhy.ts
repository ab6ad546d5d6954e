/**
 * Why an alert fired: the context Pitwall records beside an alert its engine fires (in
 * `alert_context.pitwall.jsonl` in a JSONL folder, the `pitwall_alert_context` table in a
 * database; the Python system's files and tables never change), and computes on demand for the
 * alerts the Python service fired. analytics/why.ts computes it; this is its shape, checked when a
 * stored record is read back.
 */
import { z } from 'zod';

const finite = z.number().finite();
const range = z.object({ from: finite, to: finite }).strict();

const proportion = z
  .object({
    labelled: z.number().int().min(0),
    correct: z.number().int().min(0),
    /** correct / labelled; null without labels. */
    accuracy: finite.nullable(),
  })
  .strict();

/** A slice of the predictions (a feature's value or numeric bin, a metadata value) where accuracy fell. */
export const WhySegmentSchema = z
  .object({
    dimension: z.enum(['feature', 'metadata']),
    name: z.string(),
    /** `circuit = monza`, `28.5 < track_temp ≤ 31`, `metadata.region = eu`. */
    label: z.string(),
    /** The category (null for a numeric bin). */
    value: z.string().nullable(),
    /** A numeric bin's bounds, (lower, upper] as drift.ts cuts its bins; null when open or categorical. */
    lower: finite.nullable(),
    upper: finite.nullable(),
    baseline: proportion,
    current: proportion,
    /** Baseline accuracy minus current accuracy: positive when it fell. */
    drop: finite,
    /** The one-sided pooled two-proportion z-test of current against baseline (degradation.ts). */
    z: finite,
    p_value: finite,
  })
  .strict();
export type WhySegment = z.output<typeof WhySegmentSchema>;

export const WhyDriftedFeatureSchema = z
  .object({
    feature: z.string(),
    /** PSI for a numeric feature, Jensen–Shannon distance for a categorical one. */
    statistic: z.enum(['psi', 'js_distance']),
    value: finite,
    /** The feature's share of the model's importance (feature_importance records, SHAP); null when the source has none for it. */
    importance: finite.nullable(),
    /** value × importance, by which features rank when the source has importance; null without. */
    weighted: finite.nullable(),
  })
  .strict();
export type WhyDriftedFeature = z.output<typeof WhyDriftedFeatureSchema>;

/** A drift alert's feature: its distribution in each window (drift.ts's statistics), and the rule's statistic. */
export const WhyFeatureSummarySchema = z
  .object({
    feature: z.string(),
    kind: z.enum(['numeric', 'categorical']),
    statistic: z.string(),
    /** The statistic between the windows; null when there was too little data (see `reason`). */
    value: finite.nullable(),
    reason: z.string().nullable(),
    baseline: z.record(z.string(), z.unknown()),
    current: z.record(z.string(), z.unknown()),
  })
  .strict();
export type WhyFeatureSummary = z.output<typeof WhyFeatureSummarySchema>;

export const AlertWhySchema = z
  .object({
    kind: z.enum(['performance', 'drift']),
    rule_id: z.string().nullable(),
    model_version: z.string().nullable(),
    /** What the segments compare: accuracy, the proportion the z-test applies to. */
    metric: z.literal('accuracy'),
    baseline: range,
    current: range,
    /** Labelled predictions of each window, all segments together. */
    labelled: z.object({ baseline: z.number().int().min(0), current: z.number().int().min(0) }).strict(),
    segments: z.array(WhySegmentSchema),
    drifted_features: z.array(WhyDriftedFeatureSchema),
    /** Drift alerts: the feature the rule watches; null for other alerts. */
    feature: WhyFeatureSummarySchema.nullable(),
  })
  .strict();
export type AlertWhy = z.output<typeof AlertWhySchema>;

/** One stored context: the alert's store key, when it was recorded, and the context. */
export const AlertContextRecordSchema = z
  .object({
    alert: z.string().min(1).max(1000),
    recorded_at: finite,
    why: AlertWhySchema,
  })
  .strict();
export type AlertContextRecord = z.output<typeof AlertContextRecordSchema>;

/** What a read of the stored contexts found: the good records, oldest first, and a message per damaged one. */
export interface AlertContextLog {
  readonly records: readonly AlertContextRecord[];
  readonly problems: readonly string[];
}

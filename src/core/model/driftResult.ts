import { z } from 'zod';
import { finiteNumber, flag, json, nonEmptyText, numberBetween, text, timestamp } from './fields';
import { defineRecord } from './record';

/** A row of drift_results (and a line of Pitwall's drift_results.jsonl); the stats are free-form JSON. */
export const DriftResultSchema = z.object({
  timestamp,
  feature_name: nonEmptyText,
  model_version: text.nullable().default(null),
  drift_detected: flag.nullable().default(null),
  test_statistic: finiteNumber.nullable().default(null),
  p_value: numberBetween(0, 1).nullable().default(null),
  threshold: finiteNumber.nullable().default(null),
  drift_type: text.nullable().default(null),
  baseline_stats: json.nullable().default(null),
  current_stats: json.nullable().default(null),
  severity: text.nullable().default(null),
});
export type DriftResult = z.output<typeof DriftResultSchema>;
export const driftResultRecord = defineRecord(DriftResultSchema, ['timestamp']);

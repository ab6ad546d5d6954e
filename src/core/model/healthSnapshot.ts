import { z } from 'zod';
import { count, finiteNumber, flag, numberBetween, text, timestamp } from './fields';
import { defineRecord } from './record';

const score = numberBetween(0, 1).nullable();

/** The seed's ModelHealthSnapshot; every field is present in its files, and nullable as in the database. */
export const HealthSnapshotSchema = z.object({
  timestamp,
  model_version: text,
  accuracy: score,
  precision: score,
  recall: score,
  f1_score: score,
  roc_auc: score,
  expected_calibration_error: score,
  num_predictions: count.nullable(),
  /** Change against the previous period; NULL when written through the database API. */
  prediction_accuracy_trend: finiteNumber.nullable(),
  degradation_detected: flag.nullable().default(false),
});
export type HealthSnapshot = z.output<typeof HealthSnapshotSchema>;
export const healthSnapshotRecord = defineRecord(HealthSnapshotSchema, ['timestamp']);

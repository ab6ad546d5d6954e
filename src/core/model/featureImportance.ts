import { z } from 'zod';
import { count, finiteNumber, nonEmptyText, text, timestamp } from './fields';
import { defineRecord } from './record';

/** A row of feature_importance (and a line of Pitwall's feature_importance.jsonl). */
export const FeatureImportanceSchema = z.object({
  timestamp,
  model_version: text.nullable().default(null),
  feature_name: nonEmptyText,
  importance_score: finiteNumber.nullable().default(null),
  shap_value: finiteNumber.nullable().default(null),
  percentage: finiteNumber.nullable().default(null),
  rank: count.nullable().default(null),
});
export type FeatureImportance = z.output<typeof FeatureImportanceSchema>;
export const featureImportanceRecord = defineRecord(FeatureImportanceSchema, ['timestamp']);

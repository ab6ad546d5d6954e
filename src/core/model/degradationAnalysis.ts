import { z } from 'zod';
import { count, finiteNumber, json, text, timestamp } from './fields';
import { defineRecord } from './record';

/** A row of degradation_analysis (and a line of Pitwall's degradation_analysis.jsonl). */
export const DegradationAnalysisSchema = z.object({
  timestamp,
  model_version: text.nullable().default(null),
  metric_name: text.nullable().default(null),
  baseline_value: finiteNumber.nullable().default(null),
  current_value: finiteNumber.nullable().default(null),
  degradation_percent: finiteNumber.nullable().default(null),
  failure_cohort_size: count.nullable().default(null),
  top_features: json.nullable().default(null),
  error_patterns: json.nullable().default(null),
  recommended_actions: json.nullable().default(null),
});
export type DegradationAnalysis = z.output<typeof DegradationAnalysisSchema>;
export const degradationAnalysisRecord = defineRecord(DegradationAnalysisSchema, ['timestamp']);

import { z } from 'zod';
import { count, finiteNumber, nonEmptyText, oneOf, text, timestamp } from './fields';
import { METRIC_STATUSES, type PerformanceMetric } from './performanceMetric';
import { defineRecord } from './record';

/**
 * A row of the database's metric_snapshots table, and the shape every store serves metrics in;
 * `model_version` is null for metrics read from metrics.jsonl, which does not record it.
 */
export const MetricSnapshotSchema = z.object({
  timestamp,
  model_version: text.nullable(),
  metric_name: nonEmptyText,
  value: finiteNumber,
  window_size: count.nullable().default(null),
  threshold: finiteNumber.nullable().default(null),
  status: oneOf(METRIC_STATUSES).nullable().default(null),
});
export type MetricSnapshot = z.output<typeof MetricSnapshotSchema>;
export const metricSnapshotRecord = defineRecord(MetricSnapshotSchema, ['timestamp']);

export function metricSnapshotFromPerformanceMetric(metric: PerformanceMetric): MetricSnapshot {
  return { ...metric, model_version: null };
}

import { z } from 'zod';
import { count, finiteNumber, nonEmptyText, oneOf, timestamp } from './fields';
import { defineRecord } from './record';

export const METRIC_STATUSES = ['normal', 'warning', 'alert'] as const;
export type MetricStatus = (typeof METRIC_STATUSES)[number];

/** One line of metrics.jsonl, the seed's PerformanceMetric: it has no model version. */
export const PerformanceMetricSchema = z.object({
  timestamp,
  metric_name: nonEmptyText,
  value: finiteNumber,
  window_size: count,
  threshold: finiteNumber.nullable().default(null),
  status: oneOf(METRIC_STATUSES).default('normal'),
});
export type PerformanceMetric = z.output<typeof PerformanceMetricSchema>;
export const performanceMetricRecord = defineRecord(PerformanceMetricSchema, ['timestamp']);

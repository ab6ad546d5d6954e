import { z } from 'zod';
import { finiteNumber, flag, nonEmptyText, oneOf, text, timestamp } from './fields';
import { defineRecord } from './record';

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/**
 * One line of alerts.jsonl or a row of the alerts table. `alert_id` is not unique in JSONL
 * (`alert_<unix ms>` collides within a millisecond): stores give each alert a key of their own.
 */
export const AlertSchema = z.object({
  timestamp,
  alert_id: nonEmptyText,
  severity: oneOf(ALERT_SEVERITIES),
  title: text.nullable(),
  message: text.nullable(),
  metric_name: text.nullable(),
  metric_value: finiteNumber.nullable(),
  threshold: finiteNumber.nullable(),
  component: text.nullable(),
  model_version: text.nullable(),
  // A NULL in the database means never acknowledged.
  acknowledged: flag
    .nullable()
    .default(false)
    .transform((value) => value === true),
  acknowledged_at: timestamp.nullable().default(null),
  acknowledged_by: text.nullable().default(null),
});
export type Alert = z.output<typeof AlertSchema>;
export const alertRecord = defineRecord(AlertSchema, ['timestamp', 'acknowledged_at']);

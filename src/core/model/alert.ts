import { z } from 'zod';
import { finiteNumber, flag, nonEmptyText, oneOf, text, timestamp } from './fields';
import { defineRecord, layoutOfKnownKeys, type RecordParse } from './record';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from './timestamps';

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

const ALERT_KEYS = new Set(alertRecord.keys);

function textOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

function numberOrNull(value: unknown): value is number | null {
  return value === null || (typeof value === 'number' && Number.isFinite(value));
}

function unixSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= MIN_TIMESTAMP && value <= MAX_TIMESTAMP;
}

/**
 * An alert as the Python service writes it (every field present, unix-second times, no other
 * keys), checked by hand: a hundred thousand of them load without the schema's per-field
 * machinery. Undefined for anything else, which the schema then reads (and names what is wrong);
 * where it answers, it answers exactly as parseRecord(alertRecord, …) does.
 */
export function parsePlainAlert(input: unknown): RecordParse<Alert> | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const value = input as Record<string, unknown>;
  let keys = 0;
  for (const key in value) {
    if (!ALERT_KEYS.has(key)) return undefined;
    keys++;
  }
  if (keys !== ALERT_KEYS.size) return undefined;
  const { timestamp: at, alert_id, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged, acknowledged_at, acknowledged_by } = value;
  if (
    !unixSeconds(at) ||
    typeof alert_id !== 'string' ||
    alert_id.length === 0 ||
    (severity !== 'info' && severity !== 'warning' && severity !== 'critical') ||
    !textOrNull(title) ||
    !textOrNull(message) ||
    !textOrNull(metric_name) ||
    !numberOrNull(metric_value) ||
    !numberOrNull(threshold) ||
    !textOrNull(component) ||
    !textOrNull(model_version) ||
    typeof acknowledged !== 'boolean' ||
    !(acknowledged_at === null || unixSeconds(acknowledged_at)) ||
    !textOrNull(acknowledged_by)
  ) {
    return undefined;
  }
  return {
    ok: true,
    value: { timestamp: at, alert_id, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged, acknowledged_at, acknowledged_by },
    layout: layoutOfKnownKeys(alertRecord, value),
    unknownKeys: [],
  };
}

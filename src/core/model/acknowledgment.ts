import { z } from 'zod';
import { nonEmptyText, text, timestamp } from './fields';
import { defineRecord } from './record';

/**
 * One line of Pitwall's acknowledgments.jsonl: who acknowledged which alert, when, and why.
 * The Python alert record has no room for a comment, so it is kept here, beside the alerts.
 */
export const AcknowledgmentSchema = z.object({
  alert_key: nonEmptyText,
  alert_id: nonEmptyText,
  acknowledged_at: timestamp,
  acknowledged_by: text.nullable().default(null),
  comment: text.nullable().default(null),
});
export type Acknowledgment = z.output<typeof AcknowledgmentSchema>;
export const acknowledgmentRecord = defineRecord(AcknowledgmentSchema, ['acknowledged_at']);

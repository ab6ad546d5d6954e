/**
 * A delivery record: Pitwall's own log (the Python system has none) of what became of each
 * notice on each channel, kept in the source beside its alerts (`deliveries.pitwall.jsonl` in a
 * JSONL folder, the `pitwall_deliveries` table in a database), so that a failed Slack post or a
 * hung SMTP server stays visible after the process that tried is gone.
 */
import { z } from 'zod';
import { ALERT_CHANNELS } from './alertRule';

export const DELIVERY_STATUSES = ['delivered', 'failed', 'timed-out', 'not-configured', 'silenced'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DeliveryRecordSchema = z
  .object({
    /** The alert's store key; for a resolve notice, the fingerprint of the condition that cleared. */
    alert: z.string().min(1).max(1000),
    rule_id: z.string().min(1).max(1000),
    kind: z.enum(['firing', 'resolved']),
    channel: z.enum(ALERT_CHANNELS),
    status: z.enum(DELIVERY_STATUSES),
    /** Sends attempted: 0 when silenced or not configured. */
    attempts: z.number().int().min(0).max(1000),
    /** Why it failed, secrets redacted; null when it did not. */
    error: z.string().max(10_000).nullable(),
    /** Unix seconds: the evaluation that produced the notice (its `--at`), and when the delivery ended. */
    evaluated_at: z.number().finite(),
    finished_at: z.number().finite(),
    elapsed_ms: z.number().finite().min(0),
  })
  .strict();
export type DeliveryRecord = z.output<typeof DeliveryRecordSchema>;

/** A record the user should look at: the notice was meant to go out and did not. */
export function deliveryFailed(record: Pick<DeliveryRecord, 'status'>): boolean {
  return record.status !== 'delivered' && record.status !== 'silenced';
}

export interface DeliveryQuery {
  /** Only records that failed (see deliveryFailed). */
  readonly failed?: boolean;
  readonly alert?: string;
  /** The newest this many, still oldest first. */
  readonly limit?: number;
}

/** What a read of the log found: the good records, oldest first, and a message per damaged one. */
export interface DeliveryLog {
  readonly records: readonly DeliveryRecord[];
  readonly problems: readonly string[];
}

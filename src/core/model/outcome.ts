import { z } from 'zod';
import { binaryOutcome, nonEmptyText, timestamp } from './fields';
import { defineRecord, layoutOfKnownKeys, type RecordParse } from './record';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from './timestamps';

/** One line of Pitwall's outcomes.jsonl: the ground truth of a prediction, learned at `timestamp`. */
export const OutcomeSchema = z.object({
  prediction_id: nonEmptyText,
  actual_outcome: binaryOutcome,
  timestamp,
});
export type Outcome = z.output<typeof OutcomeSchema>;
export const outcomeRecord = defineRecord(OutcomeSchema, ['timestamp']);

const OUTCOME_KEYS = new Set(outcomeRecord.keys);

/**
 * An outcome as the Python service writes it (the three fields, a unix-second time, no other
 * keys), checked by hand: a million of them load without the schema's per-field machinery.
 * Undefined for anything else, which the schema then reads (and names what is wrong); where it
 * answers, it answers exactly as parseRecord(outcomeRecord, …) does.
 */
export function parsePlainOutcome(input: unknown): RecordParse<Outcome> | undefined {
  if (!isPlainOutcome(input)) return undefined;
  const { prediction_id, actual_outcome, timestamp: at } = input;
  return { ok: true, value: { prediction_id, actual_outcome, timestamp: at }, layout: layoutOfKnownKeys(outcomeRecord, input), unknownKeys: [] };
}

/** Whether parsePlainOutcome takes this value, without allocating: the value is then the outcome itself. */
export function isPlainOutcome(input: unknown): input is Outcome {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
  const value = input as Record<string, unknown>;
  let keys = 0;
  for (const key in value) {
    if (!OUTCOME_KEYS.has(key)) return false;
    keys++;
  }
  if (keys !== OUTCOME_KEYS.size) return false;
  const { prediction_id, actual_outcome, timestamp: at } = value;
  return (
    typeof prediction_id === 'string' &&
    prediction_id.length > 0 &&
    (actual_outcome === 0 || actual_outcome === 1) &&
    typeof at === 'number' &&
    Number.isFinite(at) &&
    at >= MIN_TIMESTAMP &&
    at <= MAX_TIMESTAMP
  );
}

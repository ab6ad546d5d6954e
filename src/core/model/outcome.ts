import { z } from 'zod';
import { binaryOutcome, nonEmptyText, timestamp } from './fields';
import { defineRecord } from './record';

/** One line of Pitwall's outcomes.jsonl: the ground truth of a prediction, learned at `timestamp`. */
export const OutcomeSchema = z.object({
  prediction_id: nonEmptyText,
  actual_outcome: binaryOutcome,
  timestamp,
});
export type Outcome = z.output<typeof OutcomeSchema>;
export const outcomeRecord = defineRecord(OutcomeSchema, ['timestamp']);

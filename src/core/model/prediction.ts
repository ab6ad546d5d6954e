import { z } from 'zod';
import { binaryOutcome, features, jsonObject, nonEmptyText, numberBetween, text, timestamp } from './fields';
import { defineRecord } from './record';

/** One line of predictions.jsonl (`extra_metadata` is `metadata` here); `confidence` is that of the predicted class. */
export const PredictionSchema = z.object({
  timestamp,
  model_version: text,
  prediction_id: nonEmptyText,
  predicted_outcome: binaryOutcome,
  confidence: numberBetween(0, 1),
  features,
  metadata: jsonObject.nullable().default(null),
});
export type Prediction = z.output<typeof PredictionSchema>;
export const predictionRecord = defineRecord(PredictionSchema, ['timestamp']);

/** A prediction with its ground truth once known, as the database's predictions table holds it. */
export const PredictionWithOutcomeSchema = PredictionSchema.extend({
  actual_outcome: binaryOutcome.nullable().default(null),
  actual_outcome_timestamp: timestamp.nullable().default(null),
});
export type PredictionWithOutcome = z.output<typeof PredictionWithOutcomeSchema>;
export const predictionWithOutcomeRecord = defineRecord(PredictionWithOutcomeSchema, [
  'timestamp',
  'actual_outcome_timestamp',
]);

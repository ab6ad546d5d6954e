/**
 * The hot path of predictions.jsonl: a parsed line checked against the rules of
 * PredictionSchema without allocating, for lines as the Python system writes them (a float
 * timestamp, features and metadata as objects). A line it does not accept goes through the
 * schema, which also accepts the other encodings and words what is wrong; a property test
 * holds the two to the same verdicts.
 */
import { isFeatureValue, type Features } from '../../model/fields';
import { exceedsDepth, MAX_JSON_DEPTH, type JsonObject } from '../../model/json';
import type { Prediction } from '../../model/prediction';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../../model/timestamps';

/** A prediction as JSON.parse gives it: metadata may be absent. */
export type PlainPrediction = Omit<Prediction, 'metadata'> & { readonly metadata?: JsonObject | null };

export function isPlainPrediction(value: unknown): value is PlainPrediction {
  if (!isJsonObject(value)) return false;
  const { timestamp, model_version, prediction_id, predicted_outcome, confidence, features, metadata } = value;
  return (
    typeof timestamp === 'number' &&
    timestamp >= MIN_TIMESTAMP &&
    timestamp <= MAX_TIMESTAMP &&
    typeof model_version === 'string' &&
    typeof prediction_id === 'string' &&
    prediction_id.length > 0 &&
    (predicted_outcome === 0 || predicted_outcome === 1) &&
    typeof confidence === 'number' &&
    confidence >= 0 &&
    confidence <= 1 &&
    isJsonObject(features) &&
    hasOnlyFeatureValues(features) &&
    (metadata === undefined || metadata === null || (isJsonObject(metadata) && !exceedsDepth(metadata, MAX_JSON_DEPTH)))
  );
}

/** isPlainObject for what JSON.parse made, which is only ever a plain object or an array: no prototype lookup. */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOnlyFeatureValues(features: Record<string, unknown>): features is Features {
  for (const name in features) if (!isFeatureValue(features[name])) return false;
  return true;
}

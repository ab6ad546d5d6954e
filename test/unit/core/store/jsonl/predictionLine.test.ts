import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseRecord } from '../../../../../src/core/model/record';
import { predictionRecord } from '../../../../../src/core/model/prediction';
import { isPlainPrediction } from '../../../../../src/core/store/jsonl/predictionLine';

/** Mostly a valid value, sometimes an invalid or odd one. */
function mostly<T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: other, weight: 1 });
}

const featureValue = mostly(
  fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 3 }),
    fc.boolean(),
    fc.constant(null),
  ),
  fc.constantFrom([1], {}, Infinity, NaN),
);

/** Prediction-shaped JSON, each field sometimes wrong, missing or in another encoding. */
const predictionLike = fc.record(
  {
    timestamp: mostly(
      fc.double({ min: 0, max: 4e9, noNaN: true }),
      fc.constantFrom('2026-10-01T00:00:00Z', -62135596800.5, 253402300799.5, 1e300, NaN, null),
    ),
    model_version: mostly(fc.string({ maxLength: 4 }), fc.integer()),
    prediction_id: mostly(fc.string({ minLength: 1, maxLength: 4 }), fc.constantFrom('', null)),
    predicted_outcome: mostly(fc.constantFrom(0, 1, -0), fc.constantFrom(2, 0.5, true, '1')),
    confidence: mostly(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom(1.0000001, 1.1, -1e-9, NaN, Infinity, '0.5'),
    ),
    features: mostly(
      fc.dictionary(fc.constantFrom('a', 'b', '__proto__', 'constructor'), featureValue),
      fc.constantFrom([1], '{"a": 1}', null),
    ),
    metadata: mostly(
      fc.oneof(fc.dictionary(fc.string({ maxLength: 2 }), fc.jsonValue({ maxDepth: 2 })), fc.constant(null)),
      fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant('{}')),
    ),
  },
  { requiredKeys: ['timestamp', 'model_version', 'prediction_id', 'predicted_outcome', 'confidence'] },
);

describe('the predictions.jsonl fast path', function () {
  it('accepts only what PredictionSchema accepts, with the same values', function () {
    let accepted = 0;
    fc.assert(
      fc.property(predictionLike, (input) => {
        const viaSchema = parseRecord(predictionRecord, input);
        if (isPlainPrediction(input)) {
          accepted++;
          assert.ok(viaSchema.ok, 'the fast path accepted what the schema refuses');
          const { features, metadata, ...rest } = viaSchema.value;
          assert.deepEqual(
            { ...rest, features: { ...features }, metadata },
            { ...input, features: { ...(input.features as object) }, metadata: input.metadata ?? null },
          );
        }
      }),
      { numRuns: 5000 },
    );
    assert.ok(accepted > 500, `only ${accepted} of 5000 inputs were valid: the generator tests too little`);
  });

  it('accepts what the schema accepts in the form the Python system writes', function () {
    fc.assert(
      fc.property(predictionLike, (input) => {
        const pythonForm =
          typeof input.timestamp === 'number' &&
          typeof input.features === 'object' &&
          input.features !== null &&
          (typeof input.metadata === 'object' || input.metadata === undefined);
        if (pythonForm && parseRecord(predictionRecord, input).ok) assert.ok(isPlainPrediction(input));
      }),
      { numRuns: 5000 },
    );
  });
});

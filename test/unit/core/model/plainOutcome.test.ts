/**
 * The hand-written check of a plain outcome line answers exactly as the schema does wherever it
 * answers, and leaves to the schema everything it does not take (a differential property test,
 * the schema as the oracle).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { outcomeRecord, parsePlainOutcome } from '../../../../src/core/model/outcome';
import { parseRecord } from '../../../../src/core/model/record';

const plain = fc.record({
  prediction_id: fc.string({ minLength: 1 }),
  actual_outcome: fc.constantFrom(0, 1),
  timestamp: fc.double({ min: 1e9, max: 2e9, noNaN: true }),
});
/** Values that are wrong, or right only in another spelling, for some field. */
const odd = fc.constantFrom<unknown>(undefined, null, '', '1', 'x', '2026-10-01T00:00:00Z', 0, 1, 2, -1, 0.5, 1e300, -1e300, Number.NaN, Infinity, true, false, {}, []);
const field = fc.constantFrom(...outcomeRecord.keys, 'extra');
const outcomeLike = fc.tuple(plain, fc.option(fc.tuple(field, odd), { nil: undefined }), fc.boolean()).map(([outcome, change, reverse]) => {
  const input: Record<string, unknown> = { ...outcome };
  if (change !== undefined) {
    const [key, value] = change;
    if (value === undefined) delete input[key];
    else input[key] = value;
  }
  return reverse ? Object.fromEntries(Object.entries(input).reverse()) : input;
});

describe('parsePlainOutcome', function () {
  it('answers as parseRecord does where it answers, value and layout, and declines what it does not take', function () {
    let answered = 0;
    let declined = 0;
    fc.assert(
      fc.property(outcomeLike, (input) => {
        const fast = parsePlainOutcome(input);
        if (fast === undefined) {
          declined++;
          return;
        }
        answered++;
        assert.deepEqual(fast, parseRecord(outcomeRecord, input));
      }),
      { numRuns: 3000 },
    );
    assert.ok(answered > 0 && declined > 0, `both paths are exercised (${answered} taken, ${declined} left to the schema)`);
  });

  it('takes the Python service’s own lines', function () {
    const line = JSON.parse('{"prediction_id": "pred_1790834400_42", "actual_outcome": 1, "timestamp": 1790838000.123456}') as unknown;
    const fast = parsePlainOutcome(line);
    assert.ok(fast !== undefined);
    assert.deepEqual(fast, parseRecord(outcomeRecord, line));
  });

  it('leaves a line whose outcome is a boolean or whose time is text to the schema', function () {
    for (const line of [
      { prediction_id: 'p', actual_outcome: true, timestamp: 1790838000 },
      { prediction_id: 'p', actual_outcome: 1, timestamp: '2026-10-01T00:00:00Z' },
    ]) assert.equal(parsePlainOutcome(line), undefined);
  });
});

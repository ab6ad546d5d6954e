/**
 * The hand-written check of a plain alert line answers exactly as the schema does wherever it
 * answers, and leaves to the schema everything it does not take (a differential property test,
 * the schema as the oracle).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { alertRecord, parsePlainAlert } from '../../../../src/core/model/alert';
import { parseRecord } from '../../../../src/core/model/record';

const seconds = fc.double({ min: 1e9, max: 2e9, noNaN: true });
/** Alerts the fast path should take: every field present, of the plain types. */
const plain = fc.record({
  timestamp: seconds,
  alert_id: fc.string({ minLength: 1 }),
  severity: fc.constantFrom('info', 'warning', 'critical'),
  title: fc.option(fc.string(), { nil: null }),
  message: fc.option(fc.string(), { nil: null }),
  metric_name: fc.option(fc.string(), { nil: null }),
  metric_value: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
  threshold: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
  component: fc.option(fc.string(), { nil: null }),
  model_version: fc.option(fc.string(), { nil: null }),
  acknowledged: fc.boolean(),
  acknowledged_at: fc.option(seconds, { nil: null }),
  acknowledged_by: fc.option(fc.string(), { nil: null }),
});
/** Values that are wrong, or right only in another spelling, for some field. */
const odd = fc.constantFrom<unknown>(undefined, null, '', 'CRITICAL', '2026-10-01T00:00:00Z', '0.5', 0, 1, -1, 1e300, Number.NaN, Infinity, true, {}, []);
const field = fc.constantFrom(...alertRecord.keys, 'extra');
/** A plain alert, or one with a field changed, removed or added, its keys in either order. */
const alertLike = fc.tuple(plain, fc.option(fc.tuple(field, odd), { nil: undefined }), fc.boolean()).map(([alert, change, reverse]) => {
  const input: Record<string, unknown> = { ...alert };
  if (change !== undefined) {
    const [key, value] = change;
    if (value === undefined) delete input[key];
    else input[key] = value;
  }
  return reverse ? Object.fromEntries(Object.entries(input).reverse()) : input;
});

describe('parsePlainAlert', function () {
  it('answers as parseRecord does where it answers, value and layout', function () {
    let answered = 0;
    fc.assert(
      fc.property(alertLike, (input) => {
        const fast = parsePlainAlert(input);
        if (fast === undefined) return;
        answered++;
        assert.deepEqual(fast, parseRecord(alertRecord, input));
      }),
      { numRuns: 3000 },
    );
    assert.ok(answered > 0, 'some generated alerts take the fast path');
  });

  it('takes the Python service’s own lines, acknowledged or not', function () {
    const open = JSON.parse(
      '{"timestamp": 1790834400.8705997, "alert_id": "alert_1790834400870", "severity": "warning", "title": "PERFORMANCE: accuracy Alert", "message": "accuracy is 0.7636 (< 0.7800)", "metric_name": "accuracy", "metric_value": 0.7636363636363637, "threshold": 0.78, "component": "performance", "model_version": "v1.0", "acknowledged": false, "acknowledged_at": null, "acknowledged_by": null}',
    ) as unknown;
    const acknowledged = { ...(open as object), acknowledged: true, acknowledged_at: 1790837338.5942109, acknowledged_by: 'oncall@example.com' };
    for (const line of [open, acknowledged]) {
      const fast = parsePlainAlert(line);
      assert.ok(fast !== undefined);
      assert.deepEqual(fast, parseRecord(alertRecord, line));
    }
  });
});

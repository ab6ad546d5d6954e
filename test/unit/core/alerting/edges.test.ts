import * as assert from 'node:assert/strict';
import { AlertEngine } from '../../../../src/core/alerting/engine';
import { judgeRuleAt, TimeIndex } from '../../../../src/core/alerting/evaluate';
import { AlertRuleSchema, COMPARISONS, type AlertRule, type Comparison } from '../../../../src/core/model/alertRule';
import type { PredictionColumns } from '../../../../src/core/store/store';

const HOUR = 3600;

/** The next double above x (x finite and positive). */
function nextUp(x: number): number {
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  bits[0] = (bits[0] as bigint) + 1n;
  return new Float64Array(bits.buffer)[0] as number;
}

/** The next double below x (x finite and positive). */
function nextDown(x: number): number {
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  bits[0] = (bits[0] as bigint) - 1n;
  return new Float64Array(bits.buffer)[0] as number;
}

/** Four predictions of v1 in the first hour, three of them right: count 4, accuracy exactly 0.75. */
function fourPredictions(): TimeIndex {
  const actual = [1, 1, 1, 0];
  const columns: PredictionColumns = {
    length: 4,
    prediction_id: ['p0', 'p1', 'p2', 'p3'],
    timestamp: Float64Array.from([0, 10, 20, 30]),
    model_version: ['v1', 'v1', 'v1', 'v1'],
    predicted_outcome: Uint8Array.from([1, 1, 1, 1]),
    confidence: Float64Array.from([0.9, 0.9, 0.9, 0.9]),
    actual_outcome: Int8Array.from(actual),
    actual_outcome_timestamp: new Float64Array(4).fill(Number.NaN),
    features: new Map(),
  };
  return new TimeIndex(columns);
}

function rule(fields: Partial<AlertRule> & Pick<AlertRule, 'metric_name' | 'threshold' | 'comparison'>): AlertRule {
  return AlertRuleSchema.parse({ rule_id: 'edge', metric_type: 'threshold', severity: 'warning', component: 'performance', cooldown_minutes: 0, conditions: { window: '1h' }, ...fields });
}

/** Whether `value <comparison> threshold` holds, for value at, just below and just above the threshold. */
const EXPECTED: Readonly<Record<Comparison, { at: boolean; below: boolean; above: boolean }>> = {
  '<': { at: false, below: true, above: false },
  '<=': { at: true, below: true, above: false },
  '>': { at: false, below: false, above: true },
  '>=': { at: true, below: false, above: true },
  '==': { at: true, below: false, above: false },
  '!=': { at: false, below: true, above: true },
};

describe('rule comparisons at, just below and just above the threshold', () => {
  const index = fourPredictions();
  const holds = (r: AlertRule) => {
    const [verdict] = judgeRuleAt(index, r, HOUR);
    assert.ok(verdict !== undefined && verdict.value !== null, 'the rule is judged on a value');
    return verdict.state === 'holds';
  };

  it('covers every comparison the rule schema accepts', () => {
    assert.deepEqual(Object.keys(EXPECTED).sort(), [...COMPARISONS].sort());
  });

  for (const comparison of COMPARISONS) {
    it(`"${comparison}" on a count (4) against 4, 5 and 3`, () => {
      const expected = EXPECTED[comparison];
      assert.equal(holds(rule({ metric_name: 'count', comparison, threshold: 4 })), expected.at, 'value at the threshold');
      assert.equal(holds(rule({ metric_name: 'count', comparison, threshold: 5 })), expected.below, 'value just below the threshold');
      assert.equal(holds(rule({ metric_name: 'count', comparison, threshold: 3 })), expected.above, 'value just above the threshold');
    });

    it(`"${comparison}" on accuracy (0.75) against 0.75 and the doubles either side of it`, () => {
      const expected = EXPECTED[comparison];
      assert.equal(holds(rule({ metric_name: 'accuracy', comparison, threshold: 0.75 })), expected.at, 'value at the threshold');
      assert.equal(holds(rule({ metric_name: 'accuracy', comparison, threshold: nextUp(0.75) })), expected.below, 'value just below the threshold');
      assert.equal(holds(rule({ metric_name: 'accuracy', comparison, threshold: nextDown(0.75) })), expected.above, 'value just above the threshold');
    });
  }

  it('keeps min_value and max_value inclusive: a value on the bound holds, one step past it does not', () => {
    const base = { metric_name: 'count', comparison: '>' as const, threshold: 0 };
    assert.equal(holds(rule({ ...base, conditions: { window: '1h', min_value: 4 } })), true);
    assert.equal(holds(rule({ ...base, conditions: { window: '1h', min_value: 5 } })), false);
    assert.equal(holds(rule({ ...base, conditions: { window: '1h', max_value: 4 } })), true);
    assert.equal(holds(rule({ ...base, conditions: { window: '1h', max_value: 3 } })), false);
  });
});

describe('engine cooldown at its exact edge', () => {
  const index = fourPredictions();
  const LAST = 1000;
  // Holds at every moment of the day after the predictions: at least one prediction in the last day.
  const cooling = rule({ metric_name: 'count', comparison: '>', threshold: 0, cooldown_minutes: 60, conditions: { window: '1d' }, last_triggered: LAST });

  it('holds back one second before the cooldown ends, and fires at its end', () => {
    const engine = new AlertEngine([cooling]);
    const before = engine.step(index, LAST + 60 * 60 - 1);
    assert.deepEqual([before.fired.length, before.verdicts[0]?.outcome], [0, 'cooldown']);
    const atEnd = engine.step(index, LAST + 60 * 60);
    assert.deepEqual([atEnd.fired.length, atEnd.verdicts[0]?.outcome], [1, 'fired']);
    assert.equal(engine.lastTriggeredOf('edge'), LAST + 60 * 60);
  });
});

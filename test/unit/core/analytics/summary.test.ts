import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { classificationInRange } from '../../../../src/core/analytics/classification';
import { summarizeMetrics, summarizeStats } from '../../../../src/core/analytics/summary';
import { WHOLE_RANGE } from '../../../../src/core/analytics/versionCalibration';
import { windowStatsOf } from '../../../../src/core/analytics/windows';
import type { PredictionColumns } from '../../../../src/core/store/store';
import { addWindowStats, type WindowPlan } from '../../../../src/core/store/windowStats';
import { assertClose } from '../../assertClose';

/** Columns from (timestamp, predicted, confidence, actual or -1) rows, all of one version. */
function columnsOf(rows: readonly (readonly [number, number, number, number])[]): PredictionColumns {
  return {
    length: rows.length,
    prediction_id: rows.map((_, i) => `p${i}`),
    timestamp: Float64Array.from(rows.map((row) => row[0])),
    model_version: rows.map(() => 'v1'),
    predicted_outcome: Uint8Array.from(rows.map((row) => row[1])),
    confidence: Float64Array.from(rows.map((row) => row[2])),
    actual_outcome: Int8Array.from(rows.map((row) => row[3])),
    actual_outcome_timestamp: new Float64Array(rows.length).fill(Number.NaN),
    features: new Map(),
  };
}

/** The summary from the statistics of windows spanning the range, added up, as a database's sums give it. */
function summaryOfSums(columns: PredictionColumns, from: number, to: number) {
  const plan: WindowPlan = { every: WHOLE_RANGE, slide: WHOLE_RANGE, from, to, bins: 10, scores: true };
  const stats = windowStatsOf(columns, plan);
  return { windows: stats.length, summary: summarizeStats(addWindowStats(stats, 0, null), plan) };
}

const row = fc.tuple(
  fc.integer({ min: 0, max: 3 * 2 ** 32 }),
  fc.integer({ min: 0, max: 1 }),
  // Few distinct confidences (ties, bin edges) or any double in [1e-6, 1] (a square below 1e-308 underflows, a confidence is never that small).
  fc.oneof(fc.constantFrom(0, 0.1, 0.5, 0.7, 0.9, 1, 0.30000000000000004), fc.double({ min: 1e-6, max: 1, noNaN: true })),
  fc.constantFrom(-1, 0, 1),
);

describe('summarizeStats: a summary from summed statistics', () => {
  it('equals summarizeMetrics over the same rows, every metric and bin, to 1e-12 (ties, bin edges, no labels, windows added up); the standard deviation to its condition', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 300 }), (rows) => {
        const columns = columnsOf(rows);
        const from = 0;
        const to = 4 * 2 ** 32;
        const expected = summarizeMetrics(classificationInRange(columns, { from, to }));
        const { confidence_std: std, ...summary } = summaryOfSums(columns, from, to).summary;
        const { confidence_std: expectedStd, ...expectedSummary } = expected;
        assertClose(summary, expectedSummary, 'summary');
        // The standard deviation from Σc and Σc² (as every pushed-down window's): the subtraction
        // loses about 2⁻⁵³ · mean square / variance, relative, where one pass over the rows does not.
        if (expectedStd === null || expectedStd === 0) assert.equal(std, expectedStd);
        else {
          const n = rows.length;
          const meanSquare = rows.reduce((sum, r) => sum + r[2] * r[2], 0) / n;
          const tolerance = Math.max(1e-12, 16 * Number.EPSILON * (meanSquare / (expectedStd * expectedStd)));
          assert.ok(std !== null && Math.abs(std - expectedStd) <= tolerance * expectedStd, `confidence_std ${std} vs ${expectedStd}`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('gives a standard deviation of exactly 0 for confidences all alike, as one pass over them does (the sums leave a residue)', () => {
    // fast-check's counterexample: Σc² − (Σc)²/n of three 0.7s is not 0 in doubles.
    const columns = columnsOf([
      [0, 0, 0.7, -1],
      [0, 0, 0.7, -1],
      [0, 0, 0.7, -1],
    ]);
    assert.equal(summaryOfSums(columns, 0, 2 ** 32).summary.confidence_std, 0);
    assert.equal(summarizeMetrics(classificationInRange(columns, { from: 0, to: 2 ** 32 })).confidence_std, 0);
  });

  it('adds up windows across a window boundary, and gives null label metrics without a label', () => {
    const columns = columnsOf([
      [10, 1, 0.8, -1],
      [2 ** 32 + 5, 0, 0.6, -1],
      [2 ** 32 + 6, 1, 0.95, -1],
    ]);
    const { windows, summary } = summaryOfSums(columns, 0, 2 ** 33);
    assert.equal(windows, 2);
    assert.equal(summary.count, 3);
    assert.equal(summary.labelled, 0);
    assert.equal(summary.accuracy, null);
    assert.equal(summary.roc_auc, null);
    assert.equal(summary.ece, null);
    assert.equal(summary.max_confidence, 0.95);
    assertClose(summary, summarizeMetrics(classificationInRange(columns, { from: 0, to: 2 ** 33 })), 'summary');
  });

  it('refuses a plan without scores: ROC AUC cannot come from sums', () => {
    const columns = columnsOf([[10, 1, 0.8, 1]]);
    const plan: WindowPlan = { every: WHOLE_RANGE, slide: WHOLE_RANGE, from: 0, to: 100, bins: 10, scores: false };
    assert.throws(() => summarizeStats(windowStatsOf(columns, plan)[0]!, plan), /scores/);
  });
});

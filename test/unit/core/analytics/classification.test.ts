import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { accuracyOf, calibrationOf, confidenceStatistics, confusion, f1Of, precisionOf, recallOf } from '../../../../src/core/analytics/classification';

function columns(rows: readonly [predicted: number, confidence: number, actual: number][]) {
  return {
    length: rows.length,
    predicted: rows.map((row) => row[0]),
    confidence: rows.map((row) => row[1]),
    actual: rows.map((row) => row[2]),
  };
}

describe('classification metrics', () => {
  const sample = columns([
    [1, 0.9, 1],
    [1, 0.8, 0],
    [0, 0.7, 0],
    [0, 0.6, 1],
    [1, 0.95, -1],
  ]);

  it('counts only labelled predictions in the confusion matrix', () => {
    assert.deepEqual(confusion(sample), { labelled: 4, truePositives: 1, falsePositives: 1, trueNegatives: 1, falseNegatives: 1 });
  });

  it('computes accuracy from outcomes, not from confidence', () => {
    // Mean confidence of the labelled rows is 0.75; the realized accuracy is 2/4.
    assert.equal(accuracyOf(confusion(sample)), 0.5);
    assert.equal(precisionOf(confusion(sample)), 0.5);
    assert.equal(recallOf(confusion(sample)), 0.5);
    assert.equal(f1Of(confusion(sample)), 0.5);
  });

  it('has no accuracy at all without ground truth', () => {
    assert.equal(accuracyOf(confusion(columns([[1, 0.9, -1]]))), null);
    assert.equal(calibrationOf(columns([[1, 0.9, -1]])).ece, null);
  });

  it('computes ECE as the weighted gap between per-bin accuracy and confidence', () => {
    const calibration = calibrationOf(sample, 10);
    // Bins: 0.6 → wrong, 0.7 → right, 0.8 → wrong, 0.9 → right: gaps 0.6, 0.3, 0.8, 0.1.
    assert.ok(Math.abs((calibration.ece ?? NaN) - (0.6 + 0.3 + 0.8 + 0.1) / 4) < 1e-12);
    assert.ok(Math.abs((calibration.mce ?? NaN) - 0.8) < 1e-12);
    const bin9 = calibration.bins[9];
    assert.equal(bin9?.count, 1);
    assert.equal(bin9?.accuracy, 1);
    assert.equal(calibration.bins.reduce((sum, bin) => sum + bin.count, 0), 4);
  });

  it('puts a confidence of exactly 1 in the last bin', () => {
    const calibration = calibrationOf(columns([[1, 1, 1]]), 5);
    assert.equal(calibration.bins[4]?.count, 1);
    assert.equal(calibration.ece, 0);
  });

  it('keeps every metric within its bounds for any labelled data (property)', () => {
    const row = fc.tuple(fc.integer({ min: 0, max: 1 }), fc.double({ min: 0.5, max: 1, noNaN: true }), fc.integer({ min: -1, max: 1 }));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 200 }), fc.integer({ min: 1, max: 20 }), (rows, bins) => {
        const data = columns(rows);
        const matrix = confusion(data);
        for (const value of [accuracyOf(matrix), precisionOf(matrix), recallOf(matrix), f1Of(matrix)]) {
          assert.ok(value === null || (value >= 0 && value <= 1));
        }
        const calibration = calibrationOf(data, bins);
        assert.ok(calibration.ece === null || (calibration.ece >= 0 && calibration.ece <= 1 + 1e-12));
        assert.equal(calibration.bins.reduce((sum, bin) => sum + bin.count, 0), matrix.labelled);
      }),
    );
  });

  it('matches pandas for the confidence statistics (sample standard deviation)', () => {
    const stats = confidenceStatistics([0.5, 0.75, 1]);
    assert.equal(stats.num_predictions, 3);
    assert.equal(stats.avg_confidence, 0.75);
    assert.equal(stats.min_confidence, 0.5);
    assert.equal(stats.max_confidence, 1);
    assert.ok(Math.abs((stats.confidence_std ?? NaN) - 0.25) < 1e-15);
    assert.equal(confidenceStatistics([]).avg_confidence, null);
  });
});

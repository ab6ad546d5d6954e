import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { accuracyOf, calibrationOf, confusion, f1Of, precisionOf, recallOf, type ClassificationColumns } from '../../../../src/core/analytics/classification';
import { averagePrecision, brierScore, logLoss, reliabilityOf, rocAuc, specificityOf, wilsonInterval } from '../../../../src/core/analytics/metrics';
import { twoProportionZTest } from '../../../../src/core/analytics/degradation';
import { windowedMetrics } from '../../../../src/core/analytics/windows';

// Made by scripts/goldenMetrics.py from scikit-learn; regenerate rather than edit.
const GOLDEN = join(__dirname, '../../../fixtures/golden/metrics.json');

interface GoldenCase {
  readonly name: string;
  readonly predicted: number[];
  readonly confidence: number[];
  readonly actual: number[];
  readonly expected: {
    readonly labelled: number;
    readonly confusion: { readonly tp: number; readonly fp: number; readonly tn: number; readonly fn: number };
    readonly [metric: string]: unknown;
  };
}

interface GoldenWilson {
  readonly bin: number;
  readonly count: number;
  readonly correct: number;
  readonly lower: number;
  readonly upper: number;
}
interface GoldenZTest {
  readonly baseline: [number, number];
  readonly current: [number, number];
  readonly z: number;
  readonly p_value: number;
}
const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as { sklearn: string; scipy: string; cases: GoldenCase[]; ztests: GoldenZTest[] };
/** Golden values compared so far; the closing hook reports the total. */
let compared = 0;

function columnsOf(rows: readonly (readonly [predicted: number, confidence: number, actual: number])[]): ClassificationColumns {
  return {
    length: rows.length,
    predicted: rows.map((row) => row[0]),
    confidence: rows.map((row) => row[1]),
    actual: rows.map((row) => row[2]),
  };
}

function assertClose(actual: number | null, expected: unknown, what: string): void {
  if (expected === null) {
    assert.equal(actual, null, `${what} should be undefined`);
    return;
  }
  assert.equal(typeof expected, 'number', `${what}: golden value`);
  assert.notEqual(actual, null, `${what} should be defined`);
  const e = expected as number;
  const a = actual as number;
  assert.ok(Math.abs(a - e) <= 1e-9 * Math.max(Math.abs(e), 1e-3), `${what}: ${a} ≠ ${e}`);
  compared++;
}

describe('metrics against scikit-learn', () => {
  it('has golden cases covering ties, one class and no labels', () => {
    const names = golden.cases.map((c) => c.name);
    for (const name of ['ties_one_decimal', 'all_positive', 'all_negative', 'single_row', 'extremes', 'unlabelled_only']) assert.ok(names.includes(name), name);
  });

  for (const g of golden.cases) {
    it(`matches sklearn ${golden.sklearn} on "${g.name}"`, () => {
      const columns: ClassificationColumns = { length: g.actual.length, predicted: g.predicted, confidence: g.confidence, actual: g.actual };
      const c = confusion(columns);
      const { tp, fp, tn, fn } = g.expected.confusion;
      assert.deepEqual(c, { labelled: g.expected.labelled, truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn });
      assertClose(accuracyOf(c), g.expected['accuracy'], 'accuracy');
      assertClose(precisionOf(c), g.expected['precision'], 'precision');
      assertClose(recallOf(c), g.expected['recall'], 'recall');
      assertClose(f1Of(c), g.expected['f1'], 'f1');
      assertClose(specificityOf(c), g.expected['specificity'], 'specificity');
      assertClose(rocAuc(columns), g.expected['roc_auc'], 'roc_auc');
      assertClose(averagePrecision(columns), g.expected['average_precision'], 'average_precision');
      assertClose(logLoss(columns), g.expected['log_loss'], 'log_loss');
      assertClose(brierScore(columns), g.expected['brier'], 'brier');
      const reliability = reliabilityOf(columns, { binCount: 10 });
      assertClose(reliability.ece, g.expected['ece'], 'ece');
      assertClose(reliability.mce, g.expected['mce'], 'mce');
      const wilson = (g.expected as unknown as { wilson: GoldenWilson[] }).wilson;
      assert.deepEqual(reliability.bins.filter((bin) => bin.count > 0).map((bin) => [bin.count, bin.correct]), wilson.map((w) => [w.count, w.correct]));
      for (const w of wilson) {
        const interval = reliability.bins[w.bin]?.accuracy_interval ?? null;
        assertClose(interval?.lower ?? null, w.lower, `bin ${w.bin} Wilson lower`);
        assertClose(interval?.upper ?? null, w.upper, `bin ${w.bin} Wilson upper`);
      }
      // The windowed path (one window holding every row) gives the same numbers.
      const [window] = windowedMetrics(
        {
          length: g.actual.length,
          timestamp: new Float64Array(g.actual.length),
          model_version: g.actual.map(() => 'v'),
          predicted_outcome: Uint8Array.from(g.predicted),
          confidence: Float64Array.from(g.confidence),
          actual_outcome: Int8Array.from(g.actual),
          features: new Map(),
        },
        { every: '1d', minLabels: 0 },
      );
      for (const metric of ['accuracy', 'precision', 'recall', 'f1', 'specificity', 'roc_auc', 'average_precision', 'log_loss', 'brier', 'ece', 'mce'] as const) {
        assertClose(window?.[metric] ?? null, g.expected[metric], `windowed ${metric}`);
      }
      // Equal-mass calibration per window is reliabilityOf's, on the same rows.
      const mass = reliabilityOf(columns, { binning: 'mass', binCount: 10 });
      assert.equal(window?.ece_mass ?? null, mass.ece);
      assert.equal(window?.mce_mass ?? null, mass.mce);
    });
  }

  for (const t of golden.ztests) {
    it(`matches scipy's normal distribution in the two-proportion z-test ${JSON.stringify(t.baseline)} → ${JSON.stringify(t.current)}`, () => {
      const result = twoProportionZTest({ correct: t.baseline[0], labelled: t.baseline[1] }, { correct: t.current[0], labelled: t.current[1] });
      assertClose(result?.z ?? null, t.z, 'z');
      assertClose(result?.p_value ?? null, t.p_value, 'p_value');
    });
  }

  after(() => {
    process.stdout.write(`      ${compared} golden values from scikit-learn ${golden.sklearn} and scipy ${golden.scipy} compared to 1e-9\n`);
  });
});

describe('ranking and probabilistic metrics', () => {
  it('counts a tied positive–negative pair as one half in ROC AUC', () => {
    // sklearn's documented example, plus a tie between the 0.4 negative and a 0.4 positive.
    assert.equal(rocAuc(columnsOf([[0, 0.9, 0], [0, 0.6, 0], [0, 0.65, 1], [1, 0.8, 1]])), 0.75);
    assert.equal(rocAuc(columnsOf([[0, 0.6, 0], [0, 0.6, 1], [1, 0.8, 1]])), 0.75);
  });

  it('ignores unlabelled rows and is undefined with one class', () => {
    assert.equal(rocAuc(columnsOf([[1, 0.9, 1], [0, 0.9, 0], [0, 0.8, -1]])), 1);
    assert.equal(rocAuc(columnsOf([[1, 0.9, 1], [0, 0.9, 1]])), null);
    assert.equal(averagePrecision(columnsOf([[1, 0.9, 0]])), null);
  });

  it('scores a tied group once in average precision, without interpolation', () => {
    // p1 = 0.8 (pos), 0.8 (neg), 0.3 (pos): AP = 0.5·(1/2) + 0.5·(2/3).
    const ap = averagePrecision(columnsOf([[1, 0.8, 1], [1, 0.8, 0], [0, 0.7, 1]]));
    assert.ok(Math.abs((ap ?? NaN) - (0.25 + 1 / 3)) < 1e-15);
  });

  it('clips certain, wrong predictions at float64 epsilon in log loss', () => {
    // −log(2.220446049250313e-16); sklearn 1.2 gives the same.
    assert.equal(logLoss(columnsOf([[0, 1, 1], [1, 1, 0]])), 36.04365338911715);
    assert.equal(logLoss(columnsOf([[1, 1, 1]])), -Math.log(1 - Number.EPSILON));
  });

  it('computes the Brier score on the positive-class probability', () => {
    // p1 = 0.9 and 1 − 0.7 = 0.3: ((1 − 0.9)² + (0 − 0.3)²) / 2.
    assert.ok(Math.abs((brierScore(columnsOf([[1, 0.9, 1], [0, 0.7, 0], [1, 0.6, -1]])) ?? NaN) - 0.05) < 1e-15);
    assert.equal(brierScore(columnsOf([[1, 0.9, -1]])), null);
  });
});

describe('Wilson interval', () => {
  it('reproduces the closed form at 0 and n successes', () => {
    const z2 = 1.959963984540054 ** 2;
    const none = wilsonInterval(0, 10);
    assert.equal(none?.lower, 0);
    assert.ok(Math.abs((none?.upper ?? NaN) - z2 / (10 + z2)) < 1e-15);
    const all = wilsonInterval(10, 10);
    assert.equal(all?.upper, 1);
    assert.ok(Math.abs((all?.lower ?? NaN) - 10 / (10 + z2)) < 1e-15);
  });

  it('matches a textbook value and narrows as z falls', () => {
    // 8 of 10 at 95%: [0.4902, 0.9433] to four places.
    const interval = wilsonInterval(8, 10);
    assert.ok(Math.abs((interval?.lower ?? NaN) - 0.4902) < 5e-5);
    assert.ok(Math.abs((interval?.upper ?? NaN) - 0.9433) < 5e-5);
    const narrow = wilsonInterval(8, 10, 1);
    assert.ok((narrow?.lower ?? 0) > (interval?.lower ?? 1) && (narrow?.upper ?? 1) < (interval?.upper ?? 0));
  });

  it('is null without trials and rejects impossible counts', () => {
    assert.equal(wilsonInterval(0, 0), null);
    assert.throws(() => wilsonInterval(3, 2), RangeError);
    assert.throws(() => wilsonInterval(0.5, 2), RangeError);
  });
});

describe('reliability bins', () => {
  const sample = columnsOf([
    [1, 0.9, 1],
    [1, 0.8, 0],
    [0, 0.7, 0],
    [0, 0.6, 1],
    [1, 0.95, -1],
    [1, 0.55, 1],
    [0, 0.85, 0],
  ]);

  it('agrees with calibrationOf for equal-width bins and adds intervals', () => {
    const reliability = reliabilityOf(sample, { binning: 'width', binCount: 10 });
    const calibration = calibrationOf(sample, 10);
    assert.ok(Math.abs((reliability.ece ?? NaN) - (calibration.ece ?? NaN)) < 1e-12);
    assert.ok(Math.abs((reliability.mce ?? NaN) - (calibration.mce ?? NaN)) < 1e-12);
    assert.deepEqual(
      reliability.bins.map((bin) => bin.count),
      calibration.bins.map((bin) => bin.count),
    );
    assert.deepEqual(reliability.bins[9]?.accuracy_interval, wilsonInterval(1, 1));
    assert.equal(reliability.bins[0]?.accuracy_interval, null);
  });

  it('fills equal-mass bins with equal counts and reports their confidence range', () => {
    const reliability = reliabilityOf(sample, { binning: 'mass', binCount: 3 });
    // Six labelled rows sorted: 0.55 0.6 | 0.7 0.8 | 0.85 0.9.
    assert.deepEqual(
      reliability.bins.map((bin) => [bin.lower, bin.upper, bin.count, bin.correct]),
      [
        [0.55, 0.6, 2, 1],
        [0.7, 0.8, 2, 1],
        [0.85, 0.9, 2, 2],
      ],
    );
    // Gaps |0.5 − 0.575|, |0.5 − 0.75|, |1 − 0.875|, each weighted 1/3.
    assert.ok(Math.abs((reliability.ece ?? NaN) - (0.075 + 0.25 + 0.125) / 3) < 1e-12);
  });

  it('never splits tied confidences across equal-mass bins', () => {
    const tied = columnsOf([
      [1, 0.6, 1],
      [1, 0.7, 1],
      [1, 0.7, 0],
      [1, 0.7, 1],
      [1, 0.9, 1],
      [1, 0.9, 0],
    ]);
    // Positions 0–1 would be bin 0, but the 0.7 run starts at position 1, so bin 0 takes all of it.
    const reliability = reliabilityOf(tied, { binning: 'mass', binCount: 3 });
    assert.deepEqual(
      reliability.bins.map((bin) => [bin.lower, bin.upper, bin.count]),
      [
        [0.6, 0.7, 4],
        [0.9, 0.9, 2],
      ],
    );
    assert.equal(reliabilityOf(columnsOf([[1, 0.8, 1], [1, 0.8, 0]]), { binning: 'mass', binCount: 5 }).bins.length, 1);
  });

  it('has no ECE without labels and rejects a bad bin count', () => {
    assert.equal(reliabilityOf(columnsOf([[1, 0.9, -1]]), { binning: 'mass' }).ece, null);
    assert.throws(() => reliabilityOf(sample, { binCount: 0 }), RangeError);
  });
});

describe('metric properties', () => {
  const confidence = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 0.5, 0.7, 0.9, 1));
  const row = fc.tuple(fc.integer({ min: 0, max: 1 }), confidence, fc.integer({ min: -1, max: 1 }));
  const rows = fc.array(row, { maxLength: 150 });

  function inBounds(value: number | null): boolean {
    return value === null || (value >= 0 && value <= 1);
  }

  it('keeps AUC, AP and Brier in [0, 1] and log loss ≥ 0', () => {
    fc.assert(
      fc.property(rows, (data) => {
        const columns = columnsOf(data);
        assert.ok(inBounds(rocAuc(columns)));
        assert.ok(inBounds(averagePrecision(columns)));
        assert.ok(inBounds(brierScore(columns)));
        const loss = logLoss(columns);
        assert.ok(loss === null || (loss >= 0 && Number.isFinite(loss)));
        const labelled = confusion(columns).labelled;
        assert.equal(loss === null, labelled === 0);
      }),
    );
  });

  it('does not depend on the row order', () => {
    const shuffled = rows.chain((data) => fc.tuple(fc.constant(data), fc.array(fc.double({ noNaN: true }), { minLength: data.length, maxLength: data.length })));
    fc.assert(
      fc.property(shuffled, fc.integer({ min: 1, max: 12 }), ([data, keys], binCount) => {
        const permuted = data.map((r, i) => [keys[i] as number, r] as const).sort((a, b) => a[0] - b[0]).map(([, r]) => r);
        const a = columnsOf(data);
        const b = columnsOf(permuted);
        assert.equal(rocAuc(a), rocAuc(b));
        assert.equal(averagePrecision(a), averagePrecision(b));
        const close = (x: number | null, y: number | null) => (x === null ? y === null : y !== null && Math.abs(x - y) <= 1e-12 * Math.max(1, x));
        assert.ok(close(logLoss(a), logLoss(b)));
        assert.ok(close(brierScore(a), brierScore(b)));
        assert.deepEqual(reliabilityOf(a, { binning: 'mass', binCount }), reliabilityOf(b, { binning: 'mass', binCount }));
      }),
    );
  });

  it('puts every labelled row in exactly one equal-mass bin', () => {
    fc.assert(
      fc.property(rows, fc.integer({ min: 1, max: 20 }), (data, binCount) => {
        const columns = columnsOf(data);
        const reliability = reliabilityOf(columns, { binning: 'mass', binCount });
        assert.equal(reliability.labelled, confusion(columns).labelled);
        assert.equal(reliability.bins.reduce((sum, bin) => sum + bin.count, 0), reliability.labelled);
        assert.ok(reliability.bins.length <= binCount);
        for (const bin of reliability.bins) assert.ok(bin.count > 0 && bin.lower <= bin.upper);
        assert.ok(inBounds(reliability.ece));
      }),
    );
  });

  it('keeps the Wilson interval inside [0, 1] and around the point estimate', () => {
    const trial = fc.integer({ min: 1, max: 100_000 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));
    fc.assert(
      fc.property(trial, fc.double({ min: 0.1, max: 4, noNaN: true }), ([successes, n], z) => {
        const interval = wilsonInterval(successes, n, z);
        assert.ok(interval !== null);
        const p = successes / n;
        assert.ok(interval.lower >= 0 && interval.upper <= 1);
        assert.ok(interval.lower <= p && p <= interval.upper, `${interval.lower} ≤ ${p} ≤ ${interval.upper}`);
      }),
    );
  });
});

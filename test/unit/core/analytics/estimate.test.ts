import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { accuracyOf, confusion, f1Of, precisionOf, recallOf, type ClassificationColumns } from '../../../../src/core/analytics/classification';
import {
  applyIsotonic,
  calibrationError,
  estimatedMetricsOf,
  estimatePerformance,
  expectedConfusion,
  fitEstimator,
  fitIsotonic,
  type EstimatedMetrics,
  type IsotonicFit,
  type MetricValues,
  type PerformanceEstimate,
} from '../../../../src/core/analytics/estimate';
import { specificityOf, Z_95 } from '../../../../src/core/analytics/metrics';
import { isPitwallError } from '../../../../src/core/errors';

// Made by scripts/goldenIsotonic.py from scikit-learn; regenerate rather than edit.
const GOLDEN = join(__dirname, '../../../fixtures/golden/isotonic.json');

interface GoldenCase {
  readonly name: string;
  readonly x: number[];
  readonly y: number[];
  readonly weight: number[] | null;
  readonly knots_x: number[];
  readonly knots_y: number[];
  readonly grid: number[];
  readonly predicted: number[];
}

const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as { sklearn: string; cases: GoldenCase[] };

const METRICS = ['accuracy', 'precision', 'recall', 'f1', 'specificity'] as const;

/** mulberry32: a small seeded generator, so every simulation is the same on every run. */
function random(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Simulated extends ClassificationColumns {
  readonly predicted: Uint8Array;
  readonly confidence: Float64Array;
  readonly actual: Int8Array;
}

/**
 * n predictions whose true positive probability is π ~ U(0, 1) and outcome y ~ Bernoulli(truth(π)).
 * The model reports p1 = score(π) and predicts the likelier class with its confidence.
 */
function simulate(n: number, next: () => number, score: (pi: number) => number = (pi) => pi, truth: (pi: number) => number = (pi) => pi): Simulated {
  const predicted = new Uint8Array(n);
  const confidence = new Float64Array(n);
  const actual = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const pi = next();
    actual[i] = next() < truth(pi) ? 1 : 0;
    const p1 = score(pi);
    predicted[i] = p1 >= 0.5 ? 1 : 0;
    confidence[i] = p1 >= 0.5 ? p1 : 1 - p1;
  }
  return { length: n, predicted, confidence, actual };
}

function withoutLabels(columns: Simulated): Simulated {
  return { ...columns, actual: new Int8Array(columns.length).fill(-1) };
}

/** Tripled log-odds: confident far beyond what the outcomes bear out. */
const overconfident = (pi: number): number => 1 / (1 + ((1 - pi) / pi) ** 3);

function columnsOf(rows: readonly (readonly [predicted: number, confidence: number, actual: number])[]): ClassificationColumns {
  return { length: rows.length, predicted: rows.map((row) => row[0]), confidence: rows.map((row) => row[1]), actual: rows.map((row) => row[2]) };
}

function close(actual: number | null | undefined, expected: number, tolerance: number, what: string): void {
  assert.equal(typeof actual, 'number', `${what} should be a number`);
  assert.ok(Math.abs((actual as number) - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);
}

/** Every number reachable from the value, typed arrays included, is finite. */
function assertFinite(value: unknown, path = 'result'): void {
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${path} is ${value}`);
  else if (ArrayBuffer.isView(value)) Array.from(value as unknown as ArrayLike<number>).forEach((v, i) => assertFinite(v, `${path}[${i}]`));
  else if (Array.isArray(value)) value.forEach((v, i) => assertFinite(v, `${path}[${i}]`));
  else if (value !== null && typeof value === 'object') for (const [key, v] of Object.entries(value)) assertFinite(v, `${path}.${key}`);
}

function isInputError(error: unknown): boolean {
  return isPitwallError(error) && error.code === 'input';
}

describe('performance estimation (CBPE)', () => {
  describe('isotonic regression against scikit-learn', () => {
    it('has golden cases covering ties, weights, near-ties and calibration data', () => {
      const names = golden.cases.map((c) => c.name);
      for (const name of ['ties_and_violators', 'weighted', 'zero_weight_left_out', 'near_ties_within_resolution', 'single_point', 'calibration_two_decimals']) assert.ok(names.includes(name), name);
    });

    for (const g of golden.cases) {
      it(`matches sklearn ${golden.sklearn} on "${g.name}" to 1e-9`, () => {
        const fit = fitIsotonic(g.x, g.y, g.weight ?? undefined);
        assert.deepEqual(Array.from(fit.x), g.knots_x, 'knot positions');
        assert.equal(fit.y.length, g.knots_y.length);
        g.knots_y.forEach((y, k) => close(fit.y[k], y, 1e-9, `knot ${k}`));
        g.grid.forEach((x, k) => close(applyIsotonic(fit, x), g.predicted[k] as number, 1e-9, `prediction at ${x}`));
      });
    }
  });

  describe('isotonic regression properties', () => {
    const data = fc
      .array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.double({ min: -5, max: 5, noNaN: true }), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 60 })
      // Scores on a grid of twentieths, so that ties are frequent.
      .map((rows) => ({ x: rows.map((r) => r[0] / 20), y: rows.map((r) => r[1]), w: rows.map((r) => r[2]) }));

    it('gives knots with increasing x and non-decreasing y, and a monotone function between them', () => {
      fc.assert(
        fc.property(data, fc.array(fc.double({ min: -0.5, max: 1.5, noNaN: true }), { maxLength: 40 }), ({ x, y, w }, probes) => {
          const fit = fitIsotonic(x, y, w);
          for (let k = 1; k < fit.x.length; k++) {
            assert.ok((fit.x[k] as number) > (fit.x[k - 1] as number));
            assert.ok((fit.y[k] as number) >= (fit.y[k - 1] as number));
          }
          const values = [...probes].sort((a, b) => a - b).map((p) => applyIsotonic(fit, p));
          for (let k = 1; k < values.length; k++) assert.ok((values[k] as number) >= (values[k - 1] as number));
        }),
      );
    });

    it('keeps the weighted mean, ignores row order and is idempotent', () => {
      fc.assert(
        fc.property(data, fc.integer(), ({ x, y, w }, seed) => {
          const fit = fitIsotonic(x, y, w);
          let total = 0;
          let fitted = 0;
          let weight = 0;
          x.forEach((xi, i) => {
            total += (w[i] as number) * (y[i] as number);
            fitted += (w[i] as number) * applyIsotonic(fit, xi);
            weight += w[i] as number;
          });
          assert.ok(Math.abs(total - fitted) <= 1e-9 * Math.max(1, weight * 5));
          // Rows in another order give the same function.
          const next = random(seed);
          const order = x.map((_, i) => [next(), i] as const).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
          const shuffled = fitIsotonic(order.map((i) => x[i] as number), order.map((i) => y[i] as number), order.map((i) => w[i] as number));
          assert.deepEqual(Array.from(shuffled.x), Array.from(fit.x));
          shuffled.y.forEach((v, k) => assert.ok(Math.abs(v - (fit.y[k] as number)) <= 1e-12));
          // A non-decreasing input is its own fit.
          const again = fitIsotonic(x, x.map((xi) => applyIsotonic(fit, xi)), w);
          x.forEach((xi) => assert.ok(Math.abs(applyIsotonic(again, xi) - applyIsotonic(fit, xi)) <= 1e-12));
        }),
      );
    });

    it('pools a violating pair to its weighted mean and interpolates linearly', () => {
      // y = 0, 3, 1 at x = 0, 1, 2 with weights 1, 1, 2: the pair pools to (3 + 2)/3.
      const fit = fitIsotonic([0, 1, 2], [0, 3, 1], [1, 1, 2]);
      assert.deepEqual(Array.from(fit.x), [0, 1, 2]);
      close(fit.y[1], 5 / 3, 1e-15, 'pooled value');
      close(applyIsotonic(fit, 0.25), 5 / 12, 1e-15, 'a quarter of the way up');
      assert.equal(applyIsotonic(fit, -1), 0);
      assert.equal(applyIsotonic(fit, 9), fit.y[2]);
    });

    it('rejects rows it cannot fit', () => {
      assert.throws(() => fitIsotonic([], []), RangeError);
      assert.throws(() => fitIsotonic([0, 1], [0]), RangeError);
      assert.throws(() => fitIsotonic([0, NaN], [0, 1]), RangeError);
      assert.throws(() => fitIsotonic([0, 1], [0, 1], [0, 0]), RangeError);
      assert.throws(() => fitIsotonic([0, 1], [0, 1], [1, -1]), RangeError);
    });
  });

  describe('expected confusion matrix', () => {
    // p1 = 0.9, 0.6, 0.5 (predicted positive) and 0.2, 0.3 (predicted negative).
    const rows = columnsOf([
      [1, 0.9, -1],
      [1, 0.6, -1],
      [1, 0.5, 0],
      [0, 0.8, -1],
      [0, 0.7, 1],
    ]);

    it('sums q over predicted positives and negatives, labelled or not', () => {
      const e = expectedConfusion(rows, null);
      assert.equal(e.rows, 5);
      assert.equal(e.predictedPositives, 3);
      close(e.truePositives, 2, 1e-15, 'E[TP] = 0.9 + 0.6 + 0.5');
      close(e.falsePositives, 1, 1e-15, 'E[FP] = 0.1 + 0.4 + 0.5');
      close(e.falseNegatives, 0.5, 1e-15, 'E[FN] = 0.2 + 0.3');
      close(e.trueNegatives, 1.5, 1e-15, 'E[TN] = 0.8 + 0.7');
      close(e.positiveVariance, 0.09 + 0.24 + 0.25, 1e-15, 'Σ q(1 − q) over predicted positives');
      close(e.negativeVariance, 0.16 + 0.21, 1e-15, 'Σ q(1 − q) over predicted negatives');
      const m = estimatedMetricsOf(e);
      close(m.accuracy, 3.5 / 5, 1e-15, 'accuracy');
      close(m.precision, 2 / 3, 1e-15, 'precision');
      close(m.recall, 2 / 2.5, 1e-15, 'recall');
      close(m.f1, 4 / 5.5, 1e-15, 'F1 = 2TP / (2TP + FP + FN)');
      close(m.specificity, 1.5 / 2.5, 1e-15, 'specificity');
      close(m.standardError.accuracy, Math.sqrt(0.95) / 5, 1e-15, 'accuracy standard error √Σq(1 − q) / n');
      close(m.standardError.precision, Math.sqrt(0.58) / 3, 1e-15, 'precision standard error');
      close(m.interval.accuracy?.lower, 0.7 - Z_95 * (Math.sqrt(0.95) / 5), 1e-15, 'interval');
    });

    it('applies the calibrator to p1 before summing', () => {
      // q = 0.2 + 0.6 p1: 0.74, 0.56, 0.5 | 0.32, 0.38.
      const calibrator: IsotonicFit = { x: Float64Array.of(0, 1), y: Float64Array.of(0.2, 0.8) };
      const e = expectedConfusion(rows, calibrator);
      close(e.truePositives, 1.8, 1e-12, 'E[TP]');
      close(e.falsePositives, 1.2, 1e-12, 'E[FP]');
      close(e.falseNegatives, 0.7, 1e-12, 'E[FN]');
      close(e.trueNegatives, 1.3, 1e-12, 'E[TN]');
    });

    it('leaves a metric undefined, never NaN, where its denominator is zero', () => {
      const negativesOnly = estimatedMetricsOf(expectedConfusion(columnsOf([[0, 1, -1], [0, 1, -1]]), null));
      assert.equal(negativesOnly.precision, null);
      assert.equal(negativesOnly.recall, null);
      assert.equal(negativesOnly.f1, null);
      assert.equal(negativesOnly.standardError.recall, null);
      assert.equal(negativesOnly.interval.precision, null);
      assert.equal(negativesOnly.accuracy, 1);
      assert.equal(negativesOnly.specificity, 1);
      const empty = estimatedMetricsOf(expectedConfusion(columnsOf([]), null));
      for (const m of METRICS) assert.equal(empty[m], null, m);
      assertFinite(negativesOnly);
      assertFinite(empty);
    });

    it('keeps every estimate and interval inside [0, 1] (property)', () => {
      const row = fc.tuple(fc.integer({ min: 0, max: 1 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(-1));
      fc.assert(
        fc.property(fc.array(row, { maxLength: 100 }), (r) => {
          const m = estimatedMetricsOf(expectedConfusion(columnsOf(r), null));
          assertFinite(m);
          for (const metric of METRICS) {
            const v = m[metric];
            if (v !== null) assert.ok(v >= -1e-12 && v <= 1 + 1e-12, `${metric} ${v}`);
            const band = m.interval[metric];
            if (band !== null) assert.ok(band.lower >= 0 && band.upper <= 1 && band.lower <= band.upper);
          }
        }),
      );
    });

    it('rejects a confidence outside [0, 1], naming the prediction', () => {
      assert.throws(
        () => expectedConfusion(columnsOf([[1, 0.9, -1], [1, 1.5, -1]]), null),
        (error: unknown) => isInputError(error) && /prediction 2 of the analysis sample has confidence 1\.5/.test((error as Error).message),
      );
      assert.throws(() => expectedConfusion(columnsOf([[0, NaN, -1]]), null), isInputError);
    });
  });

  describe('standard errors', () => {
    it('match the spread of realized metrics over redrawn outcomes', () => {
      const next = random(11);
      const n = 2000;
      const columns = withoutLabels(simulate(n, next));
      const q = Array.from(columns.confidence, (c, i) => (columns.predicted[i] === 1 ? c : 1 - c));
      const estimate = estimatedMetricsOf(expectedConfusion(columns, null));
      const draws = 3000;
      const sums = new Map<string, [number, number]>(METRICS.map((m) => [m, [0, 0]]));
      for (let d = 0; d < draws; d++) {
        const actual = Int8Array.from(q, (p) => (next() < p ? 1 : 0));
        const c = confusion({ ...columns, actual });
        const realized: MetricValues = { accuracy: accuracyOf(c), precision: precisionOf(c), recall: recallOf(c), f1: f1Of(c), specificity: specificityOf(c) };
        for (const m of METRICS) {
          const s = sums.get(m) as [number, number];
          s[0] += realized[m] as number;
          s[1] += (realized[m] as number) ** 2;
        }
      }
      for (const m of METRICS) {
        const [sum, squares] = sums.get(m) as [number, number];
        const mean = sum / draws;
        const sd = Math.sqrt(squares / draws - mean * mean);
        const se = estimate.standardError[m] as number;
        // The sample SD of 3000 draws is within ±5% of the truth with overwhelming probability.
        assert.ok(Math.abs(sd / se - 1) < 0.08, `${m}: standard error ${se}, spread of realized values ${sd}`);
        close(mean, estimate[m] as number, 4 * (se / Math.sqrt(draws)) + 1e-4, `${m}: mean realized value`);
      }
    });
  });

  describe('estimates against realized performance', () => {
    function assertAgrees(result: PerformanceEstimate, tolerance: (m: (typeof METRICS)[number], estimated: EstimatedMetrics) => number): void {
      assert.equal(result.status, 'ok', result.reason);
      const estimated = result.estimated as EstimatedMetrics;
      assert.notEqual(result.realized, null);
      for (const m of METRICS) close(estimated[m], result.realized?.[m] as number, tolerance(m, estimated), m);
    }

    it('estimates a perfectly calibrated model from unlabelled rows within four standard errors', () => {
      const next = random(1);
      const estimator = fitEstimator(simulate(20_000, next));
      assert.equal(estimator.status, 'ok');
      const analysis = simulate(200_000, next);
      const blind = estimatePerformance(estimator, withoutLabels(analysis));
      assert.equal(blind.realized, null);
      const result = estimatePerformance(estimator, analysis);
      // The labels of the analysis rows play no part in the estimate.
      assert.deepEqual(result.estimated, blind.estimated);
      assertAgrees(result, (m, e) => 4 * (e.standardError[m] as number));
      // Four standard errors are a tight bound here, not a loose one.
      for (const m of METRICS) assert.ok((result.estimated?.standardError[m] as number) < 0.002, m);
      assertFinite(result);
    });

    it('recalibrates an overconfident model: off by 0.14 without, within 0.005 with', () => {
      const next = random(2);
      const reference = simulate(20_000, next, overconfident);
      const analysis = simulate(200_000, next, overconfident);
      const raw = estimatedMetricsOf(expectedConfusion(analysis, null));
      const estimator = fitEstimator(reference);
      assert.equal(estimator.status, 'ok');
      assert.equal(estimator.recalibrated, true);
      assert.ok((estimator.before?.debiasedRms as number) > 0.1, 'the raw scores are far off');
      assert.ok((estimator.after?.debiasedRms as number) < 0.03, 'the recalibrated ones are not');
      assert.match(estimator.reason, /isotonic recalibration/);
      const result = estimatePerformance(estimator, analysis);
      for (const m of METRICS) assert.ok((raw[m] as number) - (result.realized?.[m] as number) > 0.1, `${m} without recalibration`);
      assertAgrees(result, () => 0.005);

      // Without recalibration the estimator refuses instead of giving that estimate.
      const strict = fitEstimator(reference, { recalibrate: 'never' });
      assert.equal(strict.status, 'miscalibrated');
      assert.equal(strict.after, null);
      const refused = estimatePerformance(strict, analysis);
      assert.equal(refused.estimated, null);
      assert.deepEqual(refused.realized, result.realized);
      assertFinite(refused);
    });

    it('recalibrates any increasing distortion of the scores to nearly the same estimates', () => {
      const reference = simulate(5_000, random(3));
      const analysis = simulate(20_000, random(4));
      const distorted = (columns: Simulated): Simulated => {
        const again = simulate(columns.length, () => 0);
        for (let i = 0; i < columns.length; i++) {
          const p1 = columns.predicted[i] === 1 ? (columns.confidence[i] as number) : 1 - (columns.confidence[i] as number);
          const s = overconfident(p1);
          again.predicted[i] = columns.predicted[i] as number;
          again.confidence[i] = columns.predicted[i] === 1 ? s : 1 - s;
          again.actual[i] = columns.actual[i] as number;
        }
        return again;
      };
      const plain = estimatePerformance(fitEstimator(reference, { recalibrate: 'always' }), analysis);
      const warped = estimatePerformance(fitEstimator(distorted(reference), { recalibrate: 'always' }), distorted(analysis));
      const rawPlain = estimatedMetricsOf(expectedConfusion(analysis, null));
      const rawWarped = estimatedMetricsOf(expectedConfusion(distorted(analysis), null));
      for (const m of METRICS) {
        assert.ok(Math.abs((rawWarped[m] as number) - (rawPlain[m] as number)) > 0.1, `${m}: the distortion matters without recalibration`);
        // The fitted values at the knots are the same; only interpolation between knots differs.
        close(warped.estimated?.[m], plain.estimated?.[m] as number, 1e-4, m);
      }
    });

    it('gives base-rate estimates, and says the scores were miscalibrated, when scores carry no information', () => {
      const next = random(5);
      const noise = (n: number): Simulated => simulate(n, next, (pi) => pi, () => 0.3);
      const estimator = fitEstimator(noise(10_000));
      assert.equal(estimator.status, 'ok');
      assert.equal(estimator.recalibrated, true);
      assert.ok((estimator.before?.debiasedRms as number) > 0.2, `raw calibration error ${estimator.before?.debiasedRms}`);
      assert.match(estimator.reason, /isotonic recalibration .* without it/);
      const calibrated = Array.from(estimator.calibrator?.y ?? []);
      assert.ok(Math.max(...calibrated) - Math.min(...calibrated) < 0.25, 'calibrated probabilities stay near the base rate');
      const result = estimatePerformance(estimator, noise(100_000));
      close(result.estimated?.precision, 0.3, 0.02, 'precision is the base rate');
      close(result.estimated?.recall, 0.5, 0.02, 'recall is the share predicted positive');
      assertAgrees(result, (m, e) => 4 * (e.standardError[m] as number) + 0.005);
    });

    it('reports realized metrics of the labelled rows apart from estimates over all rows', () => {
      const next = random(6);
      const estimator = fitEstimator(simulate(2_000, next));
      const analysis = simulate(1_000, next);
      const partly = { ...analysis, actual: analysis.actual.map((a, i) => (i % 3 === 0 ? a : -1)) };
      const result = estimatePerformance(estimator, partly);
      const c = confusion(partly);
      assert.equal(result.estimated?.confusion.rows, 1000);
      assert.deepEqual(result.realized, { confusion: c, accuracy: accuracyOf(c), precision: precisionOf(c), recall: recallOf(c), f1: f1Of(c), specificity: specificityOf(c) });
      assert.equal(result.realized?.confusion.labelled, 334);
    });
  });

  describe('refusals', () => {
    it('refuses a reference with too few labels, and still reports realized metrics', () => {
      const reference = simulate(600, random(7));
      const partly = { ...reference, actual: reference.actual.map((a, i) => (i < 120 ? a : -1)) };
      const estimator = fitEstimator(partly);
      assert.equal(estimator.status, 'too-few-labels');
      assert.equal(estimator.labelled, 120);
      assert.match(estimator.reason, /120 labelled predictions, fewer than the 500/);
      const result = estimatePerformance(estimator, reference);
      assert.equal(result.estimated, null);
      assert.equal(result.realized?.confusion.labelled, 600);
      assertFinite(estimator);
      assertFinite(result);
      const smaller = fitEstimator(partly, { minReferenceLabels: 100 });
      assert.notEqual(smaller.status, 'too-few-labels');
      assert.notEqual(smaller.before, null, 'with a lower minimum the calibration is measured');
    });

    it('refuses a reference with one outcome only', () => {
      const reference = simulate(1_000, random(8));
      const estimator = fitEstimator({ ...reference, actual: new Int8Array(1000).fill(1) });
      assert.equal(estimator.status, 'one-class');
      assert.match(estimator.reason, /all 1000 labelled predictions of the reference have actual outcome 1/);
      assert.equal(estimatePerformance(estimator, reference).estimated, null);
      assertFinite(estimator);
    });

    it('refuses scores that no monotone recalibration can calibrate', () => {
      // Positives concentrate in the middle of the score range: the ranking itself is wrong there.
      const middle = (pi: number): number => (pi > 0.4 && pi < 0.6 ? 0.9 : 0.1);
      const next = random(9);
      const estimator = fitEstimator(simulate(10_000, next, (pi) => pi, middle));
      assert.equal(estimator.status, 'miscalibrated');
      assert.ok((estimator.before?.debiasedRms as number) > 0.05);
      assert.ok((estimator.after?.debiasedRms as number) > 0.05, `after recalibration ${estimator.after?.debiasedRms}`);
      assert.match(estimator.reason, /calibration error 0\.\d{3}, and 0\.\d{3} after isotonic recalibration .*above the limit of 0\.050/);
      const result = estimatePerformance(estimator, simulate(1_000, next, (pi) => pi, middle));
      assert.equal(result.estimated, null);
      assert.notEqual(result.realized, null);
      assertFinite(estimator);
      assertFinite(result);
    });

    it('obeys the calibration limit it is given', () => {
      const reference = simulate(4_000, random(10), (pi) => Math.min(1, pi + 0.06));
      const strict = fitEstimator(reference, { recalibrate: 'never', maxCalibrationError: 0.03 });
      assert.equal(strict.status, 'miscalibrated');
      const lenient = fitEstimator(reference, { recalibrate: 'never', maxCalibrationError: 0.1 });
      assert.equal(lenient.status, 'ok');
      assert.equal(lenient.recalibrated, false);
      assert.equal(lenient.calibrator, null);
    });

    it('rejects impossible options with an input error', () => {
      const reference = simulate(100, random(12));
      const bad = [{ maxCalibrationError: -0.1 }, { maxCalibrationError: NaN }, { minReferenceLabels: 1 }, { minReferenceLabels: 2.5 }, { folds: 1 }, { calibrationBins: 0 }, { recalibrate: 'sometimes' as 'auto' }];
      for (const options of bad) assert.throws(() => fitEstimator(reference, options), isInputError, JSON.stringify(options));
      assert.throws(() => fitEstimator(reference, { recalibrate: 'sometimes' as 'auto' }), /recalibration must be "auto", "always" or "never", not "sometimes"/);
      assert.throws(() => estimatedMetricsOf(expectedConfusion(reference, null), 0), isInputError);
      assert.throws(() => fitEstimator(columnsOf([[1, 2, 1]])), (error: unknown) => isInputError(error) && /prediction 1 of the reference sample/.test((error as Error).message));
    });
  });

  describe('the reference check', () => {
    it('does not depend on the order of the reference rows', () => {
      const reference = simulate(3_000, random(13), overconfident);
      const order = Array.from({ length: reference.length }, (_, i) => i).reverse();
      const reversed: ClassificationColumns = {
        length: reference.length,
        predicted: order.map((i) => reference.predicted[i] as number),
        confidence: order.map((i) => reference.confidence[i] as number),
        actual: order.map((i) => reference.actual[i] as number),
      };
      assert.deepEqual(fitEstimator(reversed), fitEstimator(reference));
    });

    it('judges the recalibration on rows its fit did not see', () => {
      // Labels that are coin flips: isotonic regression overfits them, and its own training
      // rows would call the result perfectly calibrated.
      const next = random(16);
      const heldOut: number[] = [];
      for (let k = 0; k < 8; k++) {
        const reference = simulate(300, next, (pi) => pi, () => 0.5);
        const p1 = Array.from(reference.confidence, (c, i) => (reference.predicted[i] === 1 ? c : 1 - c));
        const inSample = fitIsotonic(p1, reference.actual);
        assert.equal(calibrationError(p1.map((p) => applyIsotonic(inSample, p)), reference.actual).debiasedRms, 0);
        const estimator = fitEstimator(reference, { minReferenceLabels: 2, recalibrate: 'always', maxCalibrationError: 1 });
        heldOut.push(estimator.after?.debiasedRms as number);
      }
      const mean = heldOut.reduce((a, b) => a + b, 0) / heldOut.length;
      assert.ok(mean > 0.03, `held-out errors ${heldOut.map((e) => e.toFixed(3)).join(' ')}`);
    });

    it('debiases the calibration error: typically 0 for calibrated samples, where the plain ECE is not', () => {
      const next = random(14);
      const plain: number[] = [];
      const debiased: number[] = [];
      const shifted: number[] = [];
      for (let k = 0; k < 41; k++) {
        const sample = simulate(1_000, next);
        const p1 = Array.from(sample.confidence, (c, i) => (sample.predicted[i] === 1 ? c : 1 - c));
        const error = calibrationError(p1, sample.actual);
        plain.push(error.ece);
        debiased.push(error.debiasedRms);
        shifted.push(calibrationError(p1.map((p) => Math.min(1, p + 0.1)), sample.actual).debiasedRms);
      }
      const median = (values: number[]): number => [...values].sort((a, b) => a - b)[20] as number;
      assert.ok(median(plain) > 0.025, `median plain ECE ${median(plain)}`);
      // An unbiased estimate of a squared error of 0 is negative about half the time, and reads 0.
      assert.ok(debiased.filter((e) => e === 0).length >= 14, `zeros among ${debiased.map((e) => e.toFixed(3)).join(' ')}`);
      assert.ok(median(debiased) < 0.01, `median debiased error ${median(debiased)}`);
      // A shift of 0.1 (capped at 1 for the top 10% of scores) reads as about 0.1.
      close(median(shifted), 0.095, 0.015, 'median error of a 0.1 shift');
    });
  });
});

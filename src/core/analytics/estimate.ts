/**
 * Label-free performance estimates in the manner of NannyML's CBPE (confidence-based
 * performance estimation). If the positive-class probability q of each prediction is
 * calibrated (of all predictions given q, a share q are positive), the expected confusion
 * matrix of a sample follows from its scores alone: E[TP] = Σ q over predicted positives,
 * E[FP] = Σ (1 − q) over them, E[FN] = Σ q and E[TN] = Σ (1 − q) over predicted negatives.
 *
 * That premise is checked, not assumed. fitEstimator measures the calibration of a labelled
 * reference sample, of the model's own probability p1 and of an isotonic recalibration of it
 * (measured on held-out rows), keeps whichever is better calibrated and refuses when even
 * that is off by more than a limit, or when the reference is too small or has one class.
 * estimatePerformance then estimates an analysis sample whose labels may be missing, and
 * reports the realized metrics of the rows that do have labels separately. The premise
 * carries over from the reference only as long as the relation between score and outcome
 * does: a shift in the inputs is what the estimate follows, a change in that relation
 * (concept drift) it cannot see.
 *
 * Same conventions as classification.ts: `confidence` belongs to the predicted class,
 * `actual` is -1 until the ground truth arrives, p1 = predicted === 1 ? confidence : 1 − confidence.
 */

import { PitwallError } from '../errors';
import { messages } from '../messages';
import { accuracyOf, confusion, f1Of, precisionOf, recallOf, type ClassificationColumns, type Confusion } from './classification';
import { positiveProbability, specificityOf, Z_95, type Interval } from './metrics';

// --- isotonic regression ------------------------------------------------------

/**
 * A non-decreasing piecewise-linear function: knots sorted by x (distinct), y non-decreasing.
 * Between knots it interpolates linearly, outside them it is constant (clipped), as
 * scikit-learn's IsotonicRegression(out_of_bounds="clip") predicts; NannyML calibrates so.
 * Interpolation rather than a step function keeps scores between two fitted points ordered
 * as the model ordered them, instead of snapping them to one side.
 */
export interface IsotonicFit {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

/** Scores closer than this are one score, as in scikit-learn (float64 resolution). */
const TIE_RESOLUTION = 1e-15;

/** The block stack of pool-adjacent-violators, reusable across fits of up to `length` points. */
class PavBlocks {
  readonly firstX: Float64Array;
  readonly lastX: Float64Array;
  readonly weight: Float64Array;
  readonly weightedY: Float64Array;
  readonly mean: Float64Array;

  constructor(length: number) {
    this.firstX = new Float64Array(length);
    this.lastX = new Float64Array(length);
    this.weight = new Float64Array(length);
    this.weightedY = new Float64Array(length);
    this.mean = new Float64Array(length);
  }
}

/**
 * Least-squares non-decreasing fit by pool-adjacent-violators over n points sorted by x.
 * Points whose x lies within TIE_RESOLUTION of the first x of a run are one point first
 * (weighted mean of y at that first x), as scikit-learn pools them; each such point joins
 * the block stack, and the top two blocks are pooled while the lower mean is not below the
 * upper one, so the block means end strictly increasing. Each block contributes its first
 * and last x as knots: the fit scikit-learn keeps after dropping points inside a constant run.
 */
function isotonicOfSorted(x: ArrayLike<number>, y: ArrayLike<number>, weight: ArrayLike<number> | null, n: number, blocks = new PavBlocks(n)): IsotonicFit {
  const { firstX, lastX, weight: blockW, weightedY, mean } = blocks;
  let top = -1;
  for (let j = 0; j < n; ) {
    const at = x[j] as number;
    let sumY = 0;
    let sumW = 0;
    for (; j < n && (x[j] as number) - at < TIE_RESOLUTION; j++) {
      const w = weight === null ? 1 : (weight[j] as number);
      sumY += (y[j] as number) * w;
      sumW += w;
    }
    top++;
    firstX[top] = at;
    lastX[top] = at;
    blockW[top] = sumW;
    mean[top] = sumY / sumW;
    weightedY[top] = sumW * (mean[top] as number);
    while (top > 0 && (mean[top - 1] as number) >= (mean[top] as number)) {
      blockW[top - 1]! += blockW[top] as number;
      weightedY[top - 1]! += weightedY[top] as number;
      mean[top - 1] = (weightedY[top - 1] as number) / (blockW[top - 1] as number);
      lastX[top - 1] = lastX[top] as number;
      top--;
    }
  }

  let knots = 0;
  for (let b = 0; b <= top; b++) knots += firstX[b] === lastX[b] ? 1 : 2;
  const kx = new Float64Array(knots);
  const ky = new Float64Array(knots);
  let k = 0;
  for (let b = 0; b <= top; b++) {
    kx[k] = firstX[b] as number;
    ky[k++] = mean[b] as number;
    if (firstX[b] !== lastX[b]) {
      kx[k] = lastX[b] as number;
      ky[k++] = mean[b] as number;
    }
  }
  return { x: kx, y: ky };
}

/**
 * Isotonic (non-decreasing) regression of y on x, as scikit-learn's IsotonicRegression fits
 * it (test/fixtures/golden/isotonic.json holds its results). Rows of weight 0 are left out.
 */
export function fitIsotonic(x: ArrayLike<number>, y: ArrayLike<number>, weight?: ArrayLike<number>): IsotonicFit {
  const n = x.length;
  if (y.length !== n || (weight !== undefined && weight.length !== n)) throw new RangeError(`x, y and weight must have one value per row, not ${n}, ${y.length} and ${weight?.length ?? n}`);
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    const w = weight === undefined ? 1 : (weight[i] as number);
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i]) || !Number.isFinite(w) || w < 0) throw new RangeError(`row ${i} must have a finite x and y and a finite weight ≥ 0`);
    if (w > 0) rows.push(i);
  }
  if (rows.length === 0) throw new RangeError('isotonic regression needs at least one row of positive weight');
  rows.sort((a, b) => (x[a] as number) - (x[b] as number) || (y[a] as number) - (y[b] as number));
  return isotonicOfSorted(
    rows.map((i) => x[i] as number),
    rows.map((i) => y[i] as number),
    weight === undefined ? null : rows.map((i) => weight[i] as number),
    rows.length,
  );
}

/** The fitted function at `value`: clipped to the knots' range, linear between knots. */
export function applyIsotonic(fit: IsotonicFit, value: number): number {
  const { x, y } = fit;
  const last = x.length - 1;
  if (last <= 0 || value <= (x[0] as number)) return y[0] as number;
  if (value >= (x[last] as number)) return y[last] as number;
  // First knot ≥ value (value lies strictly inside the range, so 1 ≤ hi ≤ last).
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if ((x[mid] as number) < value) lo = mid;
    else hi = mid;
  }
  const y0 = y[lo] as number;
  const y1 = y[hi] as number;
  const slope = (y1 - y0) / ((x[hi] as number) - (x[lo] as number));
  // Rounding may overshoot a knot by an ulp; the clamp keeps the function monotone.
  return Math.min(y1, Math.max(y0, slope * (value - (x[lo] as number)) + y0));
}

// --- calibration error --------------------------------------------------------

export interface CalibrationError {
  /** Plain expected calibration error Σ (n_b / n) · |ȳ_b − p̄_b| over the bins. */
  readonly ece: number;
  /**
   * Root of the debiased squared calibration error Σ (n_b / n) · ((ȳ_b − p̄_b)² − ȳ_b(1 − ȳ_b)/(n_b − 1))
   * (Kumar, Liang & Ma 2019), 0 when that is negative. The plain ECE of a perfectly calibrated
   * model is not 0 but the sampling noise of the bins (about 0.035 at 1,000 rows in 10
   * bins), so a limit of 0.05 on it would refuse good models on modest references; removing
   * the noise variance leaves an estimate of the calibration error itself. The label
   * variance of a bin whose rows differ in probability is overestimated a little, by about
   * the variance of their probabilities over n_b − 1, so tiny bins lean toward "calibrated".
   */
  readonly debiasedRms: number;
  readonly labelled: number;
}

/**
 * Calibration error of `probability` against `label`, rows sorted by `order` (ascending),
 * over equal-mass bins: the j-th of n rows goes to bin ⌊j · binCount / n⌋, and a run of tied
 * `order` values all goes to the bin of its first member. With folds, each fold is binned
 * and measured on its own rows and the errors are averaged, weighted by fold size; the
 * negative debiased squared error is clipped to 0 only after that average, so that the
 * average stays unbiased.
 */
function calibrationErrorOfSorted(order: Float64Array, probability: Float64Array, label: Uint8Array, binCount: number, fold: Uint8Array | null = null, folds = 1): CalibrationError {
  const n = order.length;
  const sizes = new Float64Array(folds);
  for (let j = 0; j < n; j++) sizes[fold === null ? 0 : (fold[j] as number)]! += 1;
  let ece = 0;
  let squared = 0;
  for (let k = 0; k < folds; k++) {
    const size = sizes[k] as number;
    // At least two rows a bin, or a bin's label variance could not be estimated.
    const foldBins = Math.max(1, Math.min(binCount, Math.floor(size / 2)));
    let bin = -1;
    let rank = 0;
    let previous = NaN;
    let count = 0;
    let sumProbability = 0;
    let sumLabel = 0;
    for (let j = 0; j <= n; j++) {
      if (j < n && fold !== null && fold[j] !== k) continue;
      const value = j < n ? (order[j] as number) : NaN;
      // A new bin starts at the first of a tie run whose rank falls past the current bin.
      const next = j === n ? foldBins : value === previous ? bin : Math.floor((rank * foldBins) / size);
      if (next !== bin) {
        if (count > 0) {
          const meanLabel = sumLabel / count;
          const gap = meanLabel - sumProbability / count;
          ece += (count / n) * Math.abs(gap);
          squared += (count / n) * (gap * gap - (count > 1 ? (meanLabel * (1 - meanLabel)) / (count - 1) : 0));
        }
        bin = next;
        count = 0;
        sumProbability = 0;
        sumLabel = 0;
      }
      if (j === n) break;
      previous = value;
      rank++;
      count++;
      sumProbability += probability[j] as number;
      sumLabel += label[j] as number;
    }
  }
  return { ece, debiasedRms: Math.sqrt(Math.max(0, squared)), labelled: n };
}

interface SortedLabelled {
  readonly score: Float64Array;
  readonly label: Uint8Array;
}

/** Merges the scores of negatives and positives, each sorted ascending; a tie puts the negative first. */
function mergeByLabel(negatives: Float64Array, positives: Float64Array): SortedLabelled {
  const n = negatives.length + positives.length;
  const score = new Float64Array(n);
  const label = new Uint8Array(n);
  let a = 0;
  let b = 0;
  for (let j = 0; j < n; j++) {
    if (b === positives.length || (a < negatives.length && (negatives[a] as number) <= (positives[b] as number))) {
      score[j] = negatives[a++] as number;
    } else {
      score[j] = positives[b++] as number;
      label[j] = 1;
    }
  }
  return { score, label };
}

/**
 * Folds of equal size (±1) dealt at random by a fixed seed, so the split is the same on
 * every run and independent of the labels. It must be: a split stratified by label (as
 * dealing each outcome's rows in turn would be) makes a fold's share of positives in a bin
 * less variable than sampling, and the debiased error would then subtract too much.
 */
function dealFolds(n: number, folds: number): Uint8Array {
  const fold = new Uint8Array(n);
  for (let j = 0; j < n; j++) fold[j] = j % folds;
  // Fisher–Yates with mulberry32.
  let state = 0x9e3779b9;
  for (let j = n - 1; j > 0; j--) {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const k = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (j + 1));
    const swap = fold[j] as number;
    fold[j] = fold[k] as number;
    fold[k] = swap;
  }
  return fold;
}

/**
 * Calibration error of probabilities against 0/1 labels over `binCount` equal-mass bins of
 * the probability; rows whose label is neither 0 nor 1 are left out.
 */
export function calibrationError(probability: ArrayLike<number>, label: ArrayLike<number>, binCount = 10): CalibrationError {
  if (!Number.isInteger(binCount) || binCount < 1) throw new RangeError(`bin count must be a whole number ≥ 1, not ${binCount}`);
  const byLabel: [number[], number[]] = [[], []];
  for (let i = 0; i < probability.length; i++) {
    const l = label[i];
    if (l === 0 || l === 1) byLabel[l].push(probability[i] as number);
  }
  const sorted = mergeByLabel(Float64Array.from(byLabel[0]).sort(), Float64Array.from(byLabel[1]).sort());
  return calibrationErrorOfSorted(sorted.score, sorted.score, sorted.label, binCount);
}

// --- the estimator -------------------------------------------------------------

export type EstimatorStatus = 'ok' | 'miscalibrated' | 'too-few-labels' | 'one-class';
/** 'auto' recalibrates when that lowers the calibration error measured on held-out rows. */
export const RECALIBRATIONS = ['auto', 'always', 'never'] as const;
export type Recalibration = (typeof RECALIBRATIONS)[number];

export const DEFAULT_MAX_CALIBRATION_ERROR = 0.05;
export const DEFAULT_MIN_REFERENCE_LABELS = 500;
export const DEFAULT_FOLDS = 5;
export const DEFAULT_CALIBRATION_BINS = 10;

export interface EstimatorOptions {
  /** Limit on the calibration error (debiasedRms) of the probabilities the estimate uses. */
  readonly maxCalibrationError?: number;
  readonly minReferenceLabels?: number;
  /** Folds of the cross-fitting that measures the recalibration on held-out rows. */
  readonly folds?: number;
  readonly calibrationBins?: number;
  readonly recalibrate?: Recalibration;
}

export interface PerformanceEstimator {
  readonly status: EstimatorStatus;
  /** Why the estimator refused, or how it judged the calibration; a sentence for people. */
  readonly reason: string;
  readonly labelled: number;
  readonly positives: number;
  readonly maxCalibrationError: number;
  /** Calibration of the model's own p1 on the labelled reference; null when not measured. */
  readonly before: CalibrationError | null;
  /** Calibration of the isotonic recalibration, each row recalibrated by a fit without its fold; null when not measured. */
  readonly after: CalibrationError | null;
  readonly recalibrated: boolean;
  /** p1 → calibrated probability, fitted on the whole labelled reference; null when not recalibrated. */
  readonly calibrator: IsotonicFit | null;
}

function confidenceAt(columns: ClassificationColumns, i: number, sample: string): number {
  const c = columns.confidence[i] as number;
  if (!(c >= 0 && c <= 1)) throw new PitwallError('input', messages.estimateConfidenceInvalid(sample, i, c));
  return c;
}

function wholeOption(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PitwallError('input', messages.estimateOptionInvalid(name, max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`, value));
  }
  return value;
}

/**
 * Checks the calibration of a labelled reference and fits the isotonic calibrator the
 * estimates use. Both errors are measured over equal-mass bins of p1, as the share of
 * positives among rows the model scored alike against the mean probability used for them.
 * The model's own p1 involves no fitting, so it is measured on the whole reference. The
 * recalibration is measured by cross-fitting: the labelled rows are dealt at random (fixed
 * seed) into folds, each fold is recalibrated by a fit to the other folds, and each fold is
 * binned and scored on its own rows only. Pooling the folds into shared bins instead would
 * not be honest: a row's recalibrated value averages the labels of its bin's rows in the
 * other folds, so the pooled bin would partly be compared with itself.
 */
export function fitEstimator(reference: ClassificationColumns, options: EstimatorOptions = {}): PerformanceEstimator {
  const maxCalibrationError = options.maxCalibrationError ?? DEFAULT_MAX_CALIBRATION_ERROR;
  if (!(maxCalibrationError >= 0 && maxCalibrationError <= 1)) throw new PitwallError('input', messages.estimateOptionInvalid('maximum calibration error', 'a number from 0 to 1', maxCalibrationError));
  const minReferenceLabels = wholeOption('minimum number of reference labels', options.minReferenceLabels ?? DEFAULT_MIN_REFERENCE_LABELS, 2);
  const folds = wholeOption('number of folds', options.folds ?? DEFAULT_FOLDS, 2, 100);
  const bins = wholeOption('number of calibration bins', options.calibrationBins ?? DEFAULT_CALIBRATION_BINS, 1, 1000);
  const recalibrate = options.recalibrate ?? 'auto';
  if (!RECALIBRATIONS.includes(recalibrate)) throw new PitwallError('input', messages.estimateOptionInvalid('recalibration', '"auto", "always" or "never"', String(recalibrate)));

  let labelled = 0;
  let positives = 0;
  for (let i = 0; i < reference.length; i++) {
    const actual = reference.actual[i] as number;
    if (actual !== 0 && actual !== 1) continue;
    confidenceAt(reference, i, 'reference');
    labelled++;
    positives += actual;
  }
  const refused = (status: EstimatorStatus, reason: string, before: CalibrationError | null = null, after: CalibrationError | null = null): PerformanceEstimator => ({
    status,
    reason,
    labelled,
    positives,
    maxCalibrationError,
    before,
    after,
    recalibrated: false,
    calibrator: null,
  });
  if (labelled < minReferenceLabels) return refused('too-few-labels', messages.estimateReferenceTooSmall(labelled, minReferenceLabels));
  if (positives === 0 || positives === labelled) return refused('one-class', messages.estimateReferenceOneClass(labelled, positives === 0 ? 0 : 1));

  const negatives = new Float64Array(labelled - positives);
  const positiveScores = new Float64Array(positives);
  let a = 0;
  let b = 0;
  for (let i = 0; i < reference.length; i++) {
    const actual = reference.actual[i] as number;
    if (actual !== 0 && actual !== 1) continue;
    const p = positiveProbability(reference.predicted[i] as number, reference.confidence[i] as number);
    if (actual === 1) positiveScores[b++] = p;
    else negatives[a++] = p;
  }
  const { score, label } = mergeByLabel(negatives.sort(), positiveScores.sort());
  const before = calibrationErrorOfSorted(score, score, label, bins);

  let after: CalibrationError | null = null;
  if (recalibrate !== 'never') {
    const fold = dealFolds(labelled, folds);
    const x = new Float64Array(labelled);
    const y = new Uint8Array(labelled);
    const blocks = new PavBlocks(labelled);
    const fits: IsotonicFit[] = [];
    for (let k = 0; k < folds; k++) {
      let m = 0;
      for (let j = 0; j < labelled; j++) {
        if (fold[j] === k) continue;
        x[m] = score[j] as number;
        y[m++] = label[j] as number;
      }
      fits.push(isotonicOfSorted(x, y, null, m, blocks));
    }
    const heldOut = new Float64Array(labelled);
    for (let j = 0; j < labelled; j++) heldOut[j] = applyIsotonic(fits[fold[j] as number] as IsotonicFit, score[j] as number);
    after = calibrationErrorOfSorted(score, heldOut, label, bins, fold, folds);
  }

  const recalibrated = after !== null && (recalibrate === 'always' || after.debiasedRms < before.debiasedRms);
  const used = after !== null && recalibrated ? after : before;
  if (used.debiasedRms > maxCalibrationError) {
    return refused('miscalibrated', messages.estimateMiscalibrated(before.debiasedRms, after?.debiasedRms ?? null, maxCalibrationError, labelled), before, after);
  }
  return {
    status: 'ok',
    reason: after !== null && recalibrated ? messages.estimateRecalibrated(after.debiasedRms, before.debiasedRms, labelled) : messages.estimateCalibrated(before.debiasedRms, after?.debiasedRms ?? null, labelled),
    labelled,
    positives,
    maxCalibrationError,
    before,
    after,
    recalibrated,
    calibrator: recalibrated ? isotonicOfSorted(score, label, null, labelled) : null,
  };
}

// --- estimates -----------------------------------------------------------------

/**
 * Expected confusion matrix of a sample under calibrated probabilities, with the variances
 * of the two sums of Bernoulli outcomes it rests on (outcomes independent given q).
 */
export interface ExpectedConfusion {
  readonly rows: number;
  readonly predictedPositives: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly trueNegatives: number;
  readonly falseNegatives: number;
  /** Σ q(1 − q) over predicted positives: the variance of the number of true positives. */
  readonly positiveVariance: number;
  /** Σ q(1 − q) over predicted negatives: the variance of the number of false negatives. */
  readonly negativeVariance: number;
}

/**
 * The expected confusion matrix of every row of `columns`, labelled or not, with q the
 * calibrator's value at p1 (or p1 itself without a calibrator).
 */
export function expectedConfusion(columns: ClassificationColumns, calibrator: IsotonicFit | null): ExpectedConfusion {
  let predictedPositives = 0;
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let positiveVariance = 0;
  let negativeVariance = 0;
  for (let i = 0; i < columns.length; i++) {
    const predicted = columns.predicted[i] as number;
    const p = positiveProbability(predicted, confidenceAt(columns, i, 'analysis'));
    const q = calibrator === null ? p : applyIsotonic(calibrator, p);
    if (predicted === 1) {
      predictedPositives++;
      tp += q;
      fp += 1 - q;
      positiveVariance += q * (1 - q);
    } else {
      fn += q;
      tn += 1 - q;
      negativeVariance += q * (1 - q);
    }
  }
  return { rows: columns.length, predictedPositives, truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn, positiveVariance, negativeVariance };
}

export interface MetricValues {
  readonly accuracy: number | null;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly f1: number | null;
  readonly specificity: number | null;
}

export interface EstimatedMetrics extends MetricValues {
  readonly confusion: ExpectedConfusion;
  /**
   * How far the realized metric of this very sample is expected to fall from the estimate
   * if q is calibrated: the standard deviation of the metric over the sample's Bernoulli(q)
   * outcomes. Exact for accuracy (√Σ q(1 − q) / n) and precision; a first-order (delta
   * method) approximation for the ratios recall, specificity and F1, capped at 1/2 (no
   * quantity in [0, 1] varies more) where a tiny expected denominator makes that
   * approximation meaningless. It does not include the error of the calibrator itself.
   */
  readonly standardError: MetricValues;
  /** Estimate ± z · standard error, clipped to [0, 1]; null where the estimate is. */
  readonly interval: { readonly [M in keyof MetricValues]: Interval | null };
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/** No quantity confined to [0, 1] has a larger standard deviation than 1/2. */
const MAX_DEVIATION = 0.5;

/**
 * Standard deviation of a / (a + b) for independent sums a, b with expectations u, v
 * (delta method), written with the shares u / (u + v) and v / (u + v) so that tiny sums
 * neither overflow nor underflow.
 */
function shareDeviation(u: number, v: number, varianceU: number, varianceV: number): number | null {
  const total = u + v;
  if (!(total > 0)) return null;
  const shareU = u / total;
  const shareV = v / total;
  return Math.min(MAX_DEVIATION, Math.sqrt(shareV * shareV * varianceU + shareU * shareU * varianceV) / total);
}

function checkQuantile(z: number): void {
  if (!(z > 0 && Number.isFinite(z))) throw new PitwallError('input', messages.estimateOptionInvalid('interval quantile z', 'a finite number above 0', z));
}

/** Estimated metrics from an expected confusion matrix; null where a denominator is 0. */
export function estimatedMetricsOf(e: ExpectedConfusion, z = Z_95): EstimatedMetrics {
  checkQuantile(z);
  const { rows, predictedPositives, truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn, positiveVariance: vp, negativeVariance: vn } = e;
  const value: MetricValues = {
    accuracy: ratio(tp + tn, rows),
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    f1: ratio(2 * tp, 2 * tp + fp + fn),
    specificity: ratio(tn, tn + fp),
  };
  // TP and FN vary (variances vp, vn); FP = predicted positives − TP, TN = predicted negatives − FN.
  // F1 = 2TP / (predicted positives + TP + FN) = 2TP / d: ∂/∂TP = 2(d − TP)/d², ∂/∂FN = −2TP/d².
  const d = predictedPositives + tp + fn;
  const standardError: MetricValues = {
    accuracy: rows > 0 ? Math.sqrt(vp + vn) / rows : null,
    precision: predictedPositives > 0 ? Math.sqrt(vp) / predictedPositives : null,
    recall: value.recall === null ? null : shareDeviation(tp, fn, vp, vn),
    specificity: value.specificity === null ? null : shareDeviation(tn, fp, vn, vp),
    f1: value.f1 === null || !(d > 0) ? null : Math.min(MAX_DEVIATION, (2 * Math.sqrt(((d - tp) / d) ** 2 * vp + (tp / d) ** 2 * vn)) / d),
  };
  const band = (m: keyof MetricValues): Interval | null => {
    const v = value[m];
    const se = standardError[m];
    return v === null || se === null ? null : { lower: Math.max(0, v - z * se), upper: Math.min(1, v + z * se) };
  };
  return {
    ...value,
    confusion: e,
    standardError,
    interval: { accuracy: band('accuracy'), precision: band('precision'), recall: band('recall'), f1: band('f1'), specificity: band('specificity') },
  };
}

/** Metrics of the analysis rows that have their ground truth, from the actual outcomes. */
export interface RealizedMetrics extends MetricValues {
  readonly confusion: Confusion;
}

export interface PerformanceEstimate {
  readonly status: EstimatorStatus;
  readonly reason: string;
  readonly recalibrated: boolean;
  /** Over every analysis row, labelled or not; null unless status is 'ok'. */
  readonly estimated: EstimatedMetrics | null;
  /** Over the labelled analysis rows only; null when none is labelled. */
  readonly realized: RealizedMetrics | null;
}

export interface EstimateOptions {
  /** Normal quantile of the intervals; the default gives 95%. */
  readonly z?: number;
}

/**
 * Estimated performance of an analysis sample (its labels are not used), next to the
 * realized performance of its labelled rows. When the estimator refused, only the realized
 * part is given, with the estimator's reason.
 */
export function estimatePerformance(estimator: PerformanceEstimator, analysis: ClassificationColumns, options: EstimateOptions = {}): PerformanceEstimate {
  const z = options.z ?? Z_95;
  checkQuantile(z);
  const estimated = estimator.status === 'ok' ? estimatedMetricsOf(expectedConfusion(analysis, estimator.calibrator), z) : null;
  const c = confusion(analysis);
  const realized: RealizedMetrics | null =
    c.labelled === 0 ? null : { confusion: c, accuracy: accuracyOf(c), precision: precisionOf(c), recall: recallOf(c), f1: f1Of(c), specificity: specificityOf(c) };
  return { status: estimator.status, reason: estimator.reason, recalibrated: estimator.recalibrated, estimated, realized };
}

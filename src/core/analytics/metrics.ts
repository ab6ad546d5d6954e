/**
 * Ranking, probabilistic and calibration metrics for binary classification, defined as
 * scikit-learn defines them (test/fixtures/golden/metrics.json holds its values, made by
 * scripts/goldenMetrics.py). Same conventions as classification.ts: `confidence` belongs to
 * the predicted class, `actual` is -1 until the ground truth arrives, and a metric that
 * needs labels sees only the labelled rows. Scores are the positive-class probability
 * p1 = predicted === 1 ? confidence : 1 − confidence.
 */

import type { ClassificationColumns, Confusion } from './classification';

/** Two-sided 95% normal quantile, Φ⁻¹(0.975). */
export const Z_95 = 1.959963984540054;

/** True negatives among actual negatives; null when no labelled row is negative. */
export function specificityOf(c: Confusion): number | null {
  const negatives = c.trueNegatives + c.falsePositives;
  return negatives === 0 ? null : c.trueNegatives / negatives;
}

export interface LabelledScores {
  /** Positive-class probability of each labelled row. */
  readonly score: Float64Array;
  /** 1 for an actual positive, 0 for an actual negative. */
  readonly label: Uint8Array;
  readonly positives: number;
}

export function positiveProbability(predicted: number, confidence: number): number {
  return predicted === 1 ? confidence : 1 - confidence;
}

/** The labelled rows as (p1, label) pairs, in row order. */
export function labelledScores(columns: ClassificationColumns): LabelledScores {
  let n = 0;
  for (let i = 0; i < columns.length; i++) {
    const actual = columns.actual[i] as number;
    if (actual === 0 || actual === 1) n++;
  }
  const score = new Float64Array(n);
  const label = new Uint8Array(n);
  let positives = 0;
  let j = 0;
  for (let i = 0; i < columns.length; i++) {
    const actual = columns.actual[i] as number;
    if (actual !== 0 && actual !== 1) continue;
    score[j] = positiveProbability(columns.predicted[i] as number, columns.confidence[i] as number);
    label[j] = actual;
    positives += actual;
    j++;
  }
  return { score, label, positives };
}

function orderBy(score: Float64Array, descending: boolean): Uint32Array {
  const order = new Uint32Array(score.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const sign = descending ? -1 : 1;
  return order.sort((a, b) => sign * ((score[a] as number) - (score[b] as number)));
}

/**
 * Area under the ROC curve; null unless both classes are present. Computed as the
 * Mann–Whitney statistic with mid-ranks for tied scores, which equals sklearn's trapezoid
 * over distinct thresholds (a tie counts one half) and is exact in integer arithmetic.
 */
export function rocAuc(columns: ClassificationColumns): number | null {
  const { score, label, positives } = labelledScores(columns);
  const n = score.length;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  const order = orderBy(score, false);
  // Twice the rank sum keeps mid-ranks (k + 0.5) integral.
  let twiceRankSum = 0;
  for (let start = 0; start < n; ) {
    const value = score[order[start] as number] as number;
    let end = start + 1;
    while (end < n && score[order[end] as number] === value) end++;
    let tiedPositives = 0;
    for (let k = start; k < end; k++) tiedPositives += label[order[k] as number] as number;
    // Ranks start+1 … end share the mid-rank (start + 1 + end) / 2.
    twiceRankSum += tiedPositives * (start + 1 + end);
    start = end;
  }
  const u = (twiceRankSum - positives * (positives + 1)) / 2;
  return u / (positives * negatives);
}

/**
 * sklearn's average_precision_score: Σ (R_k − R_{k−1}) · P_k over distinct thresholds, from
 * the highest score down, with no interpolation. Null without a labelled positive.
 */
export function averagePrecision(columns: ClassificationColumns): number | null {
  const { score, label, positives } = labelledScores(columns);
  if (positives === 0) return null;
  const n = score.length;
  const order = orderBy(score, true);
  let truePositives = 0;
  let weighted = 0;
  for (let start = 0; start < n; ) {
    const value = score[order[start] as number] as number;
    let end = start;
    let gained = 0;
    while (end < n && score[order[end] as number] === value) gained += label[order[end++] as number] as number;
    truePositives += gained;
    // Dividing by the positive count once at the end keeps an all-positive set at exactly 1.
    if (gained > 0) weighted += gained * (truePositives / end);
    start = end;
  }
  return weighted / positives;
}

/**
 * Mean negative log-likelihood of the labels, as sklearn 1.2's log_loss (eps="auto"):
 * p1 is clipped to [ε, 1 − ε] with ε the float64 machine epsilon, and the pair (1 − p1, p1)
 * is renormalized. Defined with a single class present (sklearn with labels=[0, 1]); null
 * without labels.
 */
export function logLoss(columns: ClassificationColumns): number | null {
  const { score, label } = labelledScores(columns);
  if (score.length === 0) return null;
  const eps = Number.EPSILON;
  let sum = 0;
  for (let i = 0; i < score.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, score[i] as number));
    const q = 1 - p;
    sum -= Math.log((label[i] === 1 ? p : q) / (q + p));
  }
  return sum / score.length;
}

/** Mean squared difference between p1 and the label (sklearn brier_score_loss); null without labels. */
export function brierScore(columns: ClassificationColumns): number | null {
  const { score, label } = labelledScores(columns);
  if (score.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < score.length; i++) {
    const d = (label[i] as number) - (score[i] as number);
    sum += d * d;
  }
  return sum / score.length;
}

export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

/**
 * Wilson score interval for a binomial proportion; null for n = 0. Unlike the normal
 * approximation it stays inside [0, 1] and is not degenerate at 0 or n successes.
 */
export function wilsonInterval(successes: number, n: number, z = Z_95): Interval | null {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`trial count must be a whole number ≥ 0, not ${n}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) throw new RangeError(`successes must be a whole number in [0, ${n}], not ${successes}`);
  if (n === 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 or n successes the bound is exactly p; rounding must not push it past p.
  return {
    lower: successes === 0 ? 0 : Math.min(p, Math.max(0, centre - half)),
    upper: successes === n ? 1 : Math.max(p, Math.min(1, centre + half)),
  };
}

export type Binning = 'width' | 'mass';

export interface IntervalReliabilityBin {
  /** Equal width: the bin's edges. Equal mass: the smallest and largest confidence in it. */
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly correct: number;
  readonly mean_confidence: number | null;
  readonly accuracy: number | null;
  /** Wilson interval of the bin's accuracy; null for an empty bin. */
  readonly accuracy_interval: Interval | null;
}

export interface Reliability {
  readonly binning: Binning;
  /** Σ (n_b / n) · |accuracy_b − confidence_b| over the bins; null without labels. */
  readonly ece: number | null;
  readonly mce: number | null;
  readonly labelled: number;
  readonly bins: readonly IntervalReliabilityBin[];
}

export interface ReliabilityOptions {
  readonly binning?: Binning;
  readonly binCount?: number;
  /** Normal quantile of the accuracy intervals. */
  readonly z?: number;
}

/**
 * Top-label reliability bins with ECE and MCE over the labelled rows.
 *
 * 'width' uses the bins of calibrationOf (equal width on [0, 1], 1 in the last bin), all
 * of them, empty or not. 'mass' sorts the labelled confidences and puts sorted position j in
 * bin ⌊j · binCount / n⌋, so bin sizes differ by at most one; a run of tied confidences all
 * goes to the bin of its first member, so ties are never split (the result depends only on
 * the data, not the row order) at the cost of uneven sizes. Empty mass bins are left out.
 */
export function reliabilityOf(columns: ClassificationColumns, options: ReliabilityOptions = {}): Reliability {
  const binning = options.binning ?? 'width';
  const binCount = options.binCount ?? 10;
  const z = options.z ?? Z_95;
  if (!Number.isInteger(binCount) || binCount < 1) throw new RangeError(`bin count must be a whole number ≥ 1, not ${binCount}`);
  const confidence: number[] = [];
  const right: number[] = [];
  for (let i = 0; i < columns.length; i++) {
    const actual = columns.actual[i] as number;
    if (actual !== 0 && actual !== 1) continue;
    confidence.push(columns.confidence[i] as number);
    right.push((columns.predicted[i] as number) === actual ? 1 : 0);
  }
  const n = confidence.length;
  // Sums run in confidence order so that the result does not depend on the row order.
  const order = orderBy(Float64Array.from(confidence), false);
  const counts = new Float64Array(binCount);
  const sums = new Float64Array(binCount);
  const correct = new Float64Array(binCount);
  const lowest = new Float64Array(binCount).fill(Infinity);
  const highest = new Float64Array(binCount).fill(-Infinity);
  let bin = 0;
  for (let j = 0; j < n; j++) {
    const row = order[j] as number;
    const c = confidence[row] as number;
    if (binning === 'width') bin = Math.min(binCount - 1, Math.floor(c * binCount));
    else if (j === 0 || confidence[order[j - 1] as number] !== c) bin = Math.floor((j * binCount) / n);
    counts[bin]! += 1;
    sums[bin]! += c;
    correct[bin]! += right[row] as number;
    if (c < (lowest[bin] as number)) lowest[bin] = c;
    if (c > (highest[bin] as number)) highest[bin] = c;
  }
  return reliabilityOfBins(
    Array.from({ length: binCount }, (_, b) => ({ count: counts[b] as number, correct: correct[b] as number, confidenceSum: sums[b] as number, lowest: lowest[b] as number, highest: highest[b] as number })),
    binning,
    z,
  );
}

/** One bin's labelled rows: how many, how many right, their confidences' sum, lowest and highest. */
export interface BinSums {
  readonly count: number;
  readonly correct: number;
  readonly confidenceSum: number;
  readonly lowest: number;
  readonly highest: number;
}

/**
 * Reliability from bins already summed (reliabilityOf's rows, or a database's per-bin sums of a
 * pushed-down plan): equal-width bins are all listed, empty or not; equal-mass bins only when
 * they hold rows.
 */
export function reliabilityOfBins(sums: readonly BinSums[], binning: Binning, z = Z_95): Reliability {
  const binCount = sums.length;
  const n = sums.reduce((total, bin) => total + bin.count, 0);
  const bins: IntervalReliabilityBin[] = [];
  let ece = 0;
  let mce = 0;
  for (let b = 0; b < binCount; b++) {
    const { count, correct: hits, confidenceSum, lowest, highest } = sums[b] as BinSums;
    if (count === 0) {
      if (binning === 'width') bins.push({ lower: b / binCount, upper: (b + 1) / binCount, count: 0, correct: 0, mean_confidence: null, accuracy: null, accuracy_interval: null });
      continue;
    }
    const meanConfidence = confidenceSum / count;
    const accuracy = hits / count;
    const gap = Math.abs(accuracy - meanConfidence);
    ece += (count / n) * gap;
    mce = Math.max(mce, gap);
    bins.push({
      lower: binning === 'width' ? b / binCount : lowest,
      upper: binning === 'width' ? (b + 1) / binCount : highest,
      count,
      correct: hits,
      mean_confidence: meanConfidence,
      accuracy,
      accuracy_interval: wilsonInterval(hits, count, z),
    });
  }
  return { binning, ece: n === 0 ? null : ece, mce: n === 0 ? null : mce, labelled: n, bins };
}

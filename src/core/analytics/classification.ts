/**
 * Binary classification metrics over columns of predictions. `confidence` is the confidence
 * of the predicted class (the Python system's convention), so a prediction is correct when
 * `predicted === actual`, and calibration compares confidence with that correctness
 * (top-label calibration). `actual` holds -1 where the ground truth is not known yet; such
 * predictions count toward volume but never toward a metric that needs a label.
 */
import type { WindowColumns } from '../store/store';

export interface ClassificationColumns {
  readonly length: number;
  readonly predicted: ArrayLike<number>;
  readonly confidence: ArrayLike<number>;
  readonly actual: ArrayLike<number>;
}

/** The given rows of prediction columns, in that order, as classification columns. */
export function classificationOfRows(columns: Pick<WindowColumns, 'predicted_outcome' | 'confidence' | 'actual_outcome'>, rows: readonly number[]): ClassificationColumns {
  // Filled in a plain loop: TypedArray.from with a mapping function takes V8's generic iterator
  // path, several times slower over the hundred thousand rows of an estimator's reference.
  const n = rows.length;
  const predicted = new Uint8Array(n);
  const confidence = new Float64Array(n);
  const actual = new Int8Array(n);
  for (let j = 0; j < n; j++) {
    const i = rows[j] as number;
    predicted[j] = columns.predicted_outcome[i] as number;
    confidence[j] = columns.confidence[i] as number;
    actual[j] = columns.actual_outcome[i] as number;
  }
  return { length: n, predicted, confidence, actual };
}

/** The rows of the columns in a query's range (from inclusive, to exclusive) and of its model version, as classification columns. */
export function classificationInRange(columns: WindowColumns, query: { readonly modelVersion?: string; readonly from?: number; readonly to?: number }): ClassificationColumns {
  const from = query.from ?? -Infinity;
  const to = query.to ?? Infinity;
  const rows: number[] = [];
  for (let i = 0; i < columns.length; i++) {
    const t = columns.timestamp[i] as number;
    if (t >= from && t < to && (query.modelVersion === undefined || columns.model_version[i] === query.modelVersion)) rows.push(i);
  }
  return classificationOfRows(columns, rows);
}

export interface Confusion {
  readonly labelled: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly trueNegatives: number;
  readonly falseNegatives: number;
}

export function confusion(columns: ClassificationColumns): Confusion {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < columns.length; i++) {
    const actual = columns.actual[i] as number;
    if (actual !== 0 && actual !== 1) continue;
    const predicted = columns.predicted[i] as number;
    if (predicted === 1) {
      if (actual === 1) tp++;
      else fp++;
    } else if (actual === 0) tn++;
    else fn++;
  }
  return { labelled: tp + fp + tn + fn, truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn };
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

/** Realized accuracy; null when no prediction in the set has its ground truth. */
export function accuracyOf(c: Confusion): number | null {
  return ratio(c.truePositives + c.trueNegatives, c.labelled);
}

export function precisionOf(c: Confusion): number | null {
  return ratio(c.truePositives, c.truePositives + c.falsePositives);
}

export function recallOf(c: Confusion): number | null {
  return ratio(c.truePositives, c.truePositives + c.falseNegatives);
}

export function f1Of(c: Confusion): number | null {
  // F1 = 2TP / (2TP + FP + FN): defined whenever there is any positive, predicted or actual.
  return ratio(2 * c.truePositives, 2 * c.truePositives + c.falsePositives + c.falseNegatives);
}

export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean confidence of the labelled predictions in the bin; null for an empty bin. */
  readonly mean_confidence: number | null;
  /** Share of them that were right; null for an empty bin. */
  readonly accuracy: number | null;
}

export interface Calibration {
  /** Expected calibration error: Σ (n_b / n) · |accuracy_b − confidence_b|; null without labels. */
  readonly ece: number | null;
  /** Maximum calibration error over non-empty bins; null without labels. */
  readonly mce: number | null;
  readonly labelled: number;
  readonly bins: readonly ReliabilityBin[];
}

/**
 * Equal-width reliability bins over [0, 1]; a confidence of exactly 1 falls in the last bin.
 * Only predictions with ground truth take part.
 */
export function calibrationOf(columns: ClassificationColumns, binCount = 10): Calibration {
  if (!Number.isInteger(binCount) || binCount < 1) throw new RangeError(`bin count must be a whole number ≥ 1, not ${binCount}`);
  const counts = new Float64Array(binCount);
  const confidenceSums = new Float64Array(binCount);
  const correct = new Float64Array(binCount);
  let labelled = 0;
  for (let i = 0; i < columns.length; i++) {
    const actual = columns.actual[i] as number;
    if (actual !== 0 && actual !== 1) continue;
    const confidence = columns.confidence[i] as number;
    const bin = Math.min(binCount - 1, Math.floor(confidence * binCount));
    counts[bin]! += 1;
    confidenceSums[bin]! += confidence;
    if ((columns.predicted[i] as number) === actual) correct[bin]! += 1;
    labelled++;
  }
  const bins: ReliabilityBin[] = [];
  let ece = 0;
  let mce = 0;
  for (let b = 0; b < binCount; b++) {
    const n = counts[b] as number;
    const meanConfidence = n === 0 ? null : (confidenceSums[b] as number) / n;
    const accuracy = n === 0 ? null : (correct[b] as number) / n;
    if (meanConfidence !== null && accuracy !== null) {
      const gap = Math.abs(accuracy - meanConfidence);
      ece += (n / labelled) * gap;
      mce = Math.max(mce, gap);
    }
    bins.push({ lower: b / binCount, upper: (b + 1) / binCount, count: n, mean_confidence: meanConfidence, accuracy });
  }
  return { ece: labelled === 0 ? null : ece, mce: labelled === 0 ? null : mce, labelled, bins };
}

export interface ConfidenceStatistics {
  readonly num_predictions: number;
  readonly avg_confidence: number | null;
  readonly min_confidence: number | null;
  readonly max_confidence: number | null;
  /** Sample standard deviation (n − 1), as pandas' `std()` gives; null below two predictions. */
  readonly confidence_std: number | null;
}

/** The seed's confidence statistics, over every prediction (labelled or not). */
export function confidenceStatistics(confidence: ArrayLike<number>): ConfidenceStatistics {
  const n = confidence.length;
  if (n === 0) return { num_predictions: 0, avg_confidence: null, min_confidence: null, max_confidence: null, confidence_std: null };
  let mean = 0;
  let m2 = 0;
  let min = Infinity;
  let max = -Infinity;
  // Welford's update: stable for a million values close to each other.
  for (let i = 0; i < n; i++) {
    const x = confidence[i] as number;
    const delta = x - mean;
    mean += delta / (i + 1);
    m2 += delta * (x - mean);
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return {
    num_predictions: n,
    avg_confidence: mean,
    min_confidence: min,
    max_confidence: max,
    confidence_std: n < 2 ? null : Math.sqrt(m2 / (n - 1)),
  };
}

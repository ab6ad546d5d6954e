/**
 * The sufficient statistics of windowed metrics, and the plan that asks for them. A store that
 * can run the plan itself (a database, as SQL) returns the same table the analytics compute over
 * loaded records, so every metric comes from one function over these numbers, whichever path made
 * them. Sums are compensated (Kahan–Babuška–Neumaier, as SQLite's SUM since 3.43), so the two
 * paths agree to the last bit on any realistic data, whatever order they visit the rows in.
 */

/** Group rows by model version, or by the value of one feature. */
export type WindowGrouping = 'model_version' | `feature:${string}`;

export interface WindowPlan {
  /** Window length and step between window starts, in whole seconds; tumbling when equal. */
  readonly every: number;
  readonly slide: number;
  /** from ≤ timestamp < to; either may be infinite. */
  readonly from: number;
  readonly to: number;
  readonly modelVersion?: string;
  readonly by?: WindowGrouping;
  /** Equal-width calibration bins over [0, 1]. */
  readonly bins: number;
  /** Whether the positive-class scores of labelled rows are needed (ROC-AUC, PR-AUC, log loss). */
  readonly scores: boolean;
}

/**
 * One calibration bin's (or, at index 0, the unlabelled rows') share of a window. Bin b ≥ 1 holds
 * the labelled rows with ⌊confidence · bins⌋ = b − 1 (confidence 1 in the last bin).
 */
export interface BinStats {
  count: number;
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
  confidenceSum: number;
  confidenceSquareSum: number;
  confidenceMin: number;
  confidenceMax: number;
  /** Σ (label − p1)² over labelled rows. */
  brierSum: number;
}

/** Labelled rows' positive-class scores with their labels, repeated `weight` times. */
export interface ScoreCounts {
  readonly score: Float64Array;
  readonly label: Uint8Array;
  readonly weight: Uint32Array;
}

export interface WindowStats {
  readonly window_start: number;
  readonly group: string | null;
  /** Index 0: unlabelled rows; 1…bins: labelled rows by calibration bin. */
  readonly bins: readonly BinStats[];
  /** Present when the plan asked for scores. */
  readonly scores?: ScoreCounts;
}

export function emptyBin(): BinStats {
  return {
    count: 0,
    truePositives: 0,
    falsePositives: 0,
    trueNegatives: 0,
    falseNegatives: 0,
    confidenceSum: 0,
    confidenceSquareSum: 0,
    confidenceMin: Infinity,
    confidenceMax: -Infinity,
    brierSum: 0,
  };
}

/** The calibration bin (1-based, 0 for no label) of a row, as the SQL plan computes it. */
export function binOf(confidence: number, actual: number, bins: number): number {
  if (actual !== 0 && actual !== 1) return 0;
  return Math.min(bins - 1, Math.floor(confidence * bins)) + 1;
}

/** A Kahan–Babuška–Neumaier running sum: SQLite's SUM() algorithm, so both paths round alike. */
export class CompensatedSum {
  private sum = 0;
  private error = 0;

  add(x: number): void {
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.error += this.sum - t + x;
    else this.error += x - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    return this.sum + this.error;
  }
}

/** Oldest window first; within a window, the ungrouped (null) group first, then groups in code-unit order. */
export function sortWindowStats(stats: WindowStats[]): WindowStats[] {
  return stats.sort(
    (a, b) =>
      a.window_start - b.window_start ||
      (a.group === b.group ? 0 : a.group === null ? -1 : b.group === null ? 1 : a.group < b.group ? -1 : 1),
  );
}

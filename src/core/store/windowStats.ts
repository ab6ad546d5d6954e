/**
 * The sufficient statistics of windowed metrics, and the plan that asks for them. A store that
 * can run the plan itself (a database, as SQL) returns the same table the analytics compute over
 * loaded records, so every metric comes from one function over these numbers, whichever path made
 * them. Sums are compensated (Kahan–Babuška–Neumaier, as SQLite's SUM since 3.43), so the two
 * paths agree to the last bit on any realistic data, whatever order they visit the rows in.
 */

/** Group rows by model version, or by the value of one feature or metadata key (a segment). */
export type WindowGrouping = 'model_version' | `feature:${string}` | `metadata:${string}`;

/** The feature or metadata key a grouping segments by; undefined for none or the model version. */
export function segmentOf(by: WindowGrouping | undefined): { readonly kind: 'feature' | 'metadata'; readonly name: string } | undefined {
  if (by === undefined || by === 'model_version') return undefined;
  const colon = by.indexOf(':');
  return { kind: by.slice(0, colon) as 'feature' | 'metadata', name: by.slice(colon + 1) };
}

/** The feature and metadata columns a grouping needs read. */
export function segmentColumns(by: WindowGrouping | undefined): { readonly features: string[]; readonly metadata: string[] } {
  const segment = segmentOf(by);
  return { features: segment?.kind === 'feature' ? [segment.name] : [], metadata: segment?.kind === 'metadata' ? [segment.name] : [] };
}

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
  /** Whether the labelled rows themselves are needed (ROC-AUC, PR-AUC, log loss, equal-mass ECE). */
  readonly scores: boolean;
  /**
   * Sums only some metrics need: Σ confidence² (confidence_std), Σ (label − p1)² (brier) and the
   * confidence range (min and max). An engine may skip what is false (the in-memory pass does; SQL
   * computes everything in the same scan anyway); a skipped sum reads 0 and is never used.
   */
  readonly needs?: { readonly square: boolean; readonly brier: boolean; readonly range: boolean };
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

/**
 * A window's labelled rows as distinct (predicted, confidence, actual) triples, each repeated
 * `weight` times, in the canonical order (predicted, then confidence, then actual), so that any
 * sum over them runs in the same order whichever path made them.
 */
export interface ScoreCounts {
  readonly predicted: Uint8Array;
  readonly confidence: Float64Array;
  readonly actual: Uint8Array;
  readonly weight: Uint32Array;
}

/** The canonical order of labelled-row triples. */
export function compareTriples(p1: number, c1: number, a1: number, p2: number, c2: number, a2: number): number {
  return p1 - p2 || c1 - c2 || a1 - a2;
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

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The longest pane, in seconds. Every window, tumbling or sliding, is added up from panes of at
 * most this length, so that an open source can answer a change of window from panes it already
 * holds instead of reading every row again.
 */
export const MAX_PANE_SECONDS = 900;

/** The pane length of a plan: gcd(every, slide, MAX_PANE_SECONDS), so every window is a run of whole panes. */
export function paneSeconds(plan: Pick<WindowPlan, 'every' | 'slide'>): number {
  return gcd(gcd(plan.every, plan.slide), MAX_PANE_SECONDS);
}

/** The plan of the panes a plan is built from: tumbling windows of paneSeconds(plan). */
export function panePlanOf(plan: WindowPlan): WindowPlan {
  const pane = paneSeconds(plan);
  if (plan.every === pane && plan.slide === pane) return plan;
  return { ...plan, every: pane, slide: pane };
}

/**
 * Windows from their panes: window k (starting at k · slide) adds up the panes in
 * [k · slide, k · slide + every). The statistics are additive, sums compensated as everywhere,
 * and every path (memory, SQL, a page scan) combines identical panes with this same code, so
 * they agree to the bit; each row is read once however many windows it falls in.
 */
export function combinePanes(panes: readonly WindowStats[], plan: WindowPlan): WindowStats[] {
  const pane = paneSeconds(plan);
  if (plan.every === pane && plan.slide === pane) return [...panes];
  const byGroup = new Map<string | null, Map<number, WindowStats>>();
  for (const stats of panes) {
    let group = byGroup.get(stats.group);
    if (group === undefined) byGroup.set(stats.group, (group = new Map()));
    group.set(stats.window_start, stats);
  }
  const result: WindowStats[] = [];
  for (const [group, starts] of byGroup) {
    const windows = new Set<number>();
    for (const start of starts.keys()) {
      // The windows containing this pane: starts k · slide with k · slide ≤ start < k · slide + every.
      for (let k = Math.floor(start / plan.slide); k * plan.slide + plan.every > start; k--) windows.add(k * plan.slide);
    }
    for (const windowStart of windows) {
      const members: WindowStats[] = [];
      for (let t = windowStart; t < windowStart + plan.every; t += pane) {
        const stats = starts.get(t);
        if (stats !== undefined) members.push(stats);
      }
      if (members.length === 0) continue;
      result.push({ window_start: windowStart, group, bins: addBins(members), ...(plan.scores ? { scores: mergeScores(members) } : {}) });
    }
  }
  return sortWindowStats(result);
}

/** Kahan–Babuška–Neumaier addition of x to (sum, error), as CompensatedSum.add. */
function kbn(pair: Float64Array, x: number): void {
  const sum = pair[0] as number;
  const t = sum + x;
  pair[1]! += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
  pair[0] = t;
}

function addBins(members: readonly WindowStats[]): BinStats[] {
  const bins: BinStats[] = [];
  const count = (members[0] as WindowStats).bins.length;
  // Running (sum, error) pairs, reused for every bin: no object per bin and member.
  const confidence = new Float64Array(2);
  const square = new Float64Array(2);
  const brier = new Float64Array(2);
  for (let b = 0; b < count; b++) {
    const total = emptyBin();
    confidence.fill(0);
    square.fill(0);
    brier.fill(0);
    for (const member of members) {
      const bin = member.bins[b] as BinStats;
      total.count += bin.count;
      total.truePositives += bin.truePositives;
      total.falsePositives += bin.falsePositives;
      total.trueNegatives += bin.trueNegatives;
      total.falseNegatives += bin.falseNegatives;
      kbn(confidence, bin.confidenceSum);
      kbn(square, bin.confidenceSquareSum);
      kbn(brier, bin.brierSum);
      if (bin.confidenceMin < total.confidenceMin) total.confidenceMin = bin.confidenceMin;
      if (bin.confidenceMax > total.confidenceMax) total.confidenceMax = bin.confidenceMax;
    }
    total.confidenceSum = (confidence[0] as number) + (confidence[1] as number);
    total.confidenceSquareSum = (square[0] as number) + (square[1] as number);
    total.brierSum = (brier[0] as number) + (brier[1] as number);
    bins.push(total);
  }
  return bins;
}

/** The panes' labelled-row triples as one list, in the canonical order. */
function mergeScores(members: readonly WindowStats[]): ScoreCounts {
  const entries: [number, number, number, number][] = [];
  for (const member of members) {
    const scores = member.scores;
    if (scores === undefined) continue;
    for (let i = 0; i < scores.weight.length; i++) {
      entries.push([scores.predicted[i] as number, scores.confidence[i] as number, scores.actual[i] as number, scores.weight[i] as number]);
    }
  }
  entries.sort((a, b) => compareTriples(a[0], a[1], a[2], b[0], b[1], b[2]));
  return {
    predicted: Uint8Array.from(entries, (e) => e[0]),
    confidence: Float64Array.from(entries, (e) => e[1]),
    actual: Uint8Array.from(entries, (e) => e[2]),
    weight: Uint32Array.from(entries, (e) => e[3]),
  };
}

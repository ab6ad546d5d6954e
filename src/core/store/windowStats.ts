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
 * The pane, in seconds, of windows that are whole multiples of it. Every such window, tumbling
 * or sliding, is added up from panes of this length when grouped by model version or not at all,
 * so that an open source answers a change among them (15m, 1h, 6h, 1d, 7d, 10m, 1h sliding by
 * 15m…) from panes it already holds instead of reading every row again.
 */
export const PANE_SECONDS = 300;
/**
 * The pane of a segment's windows. A feature or metadata key may have many values, and cells
 * are panes × groups × bins: longer panes keep the first question on a segment as cheap as
 * reading the rows once.
 */
export const SEGMENT_PANE_SECONDS = 900;

/**
 * The pane length of a plan: the step its windows are built from. A window whose length and
 * slide are multiples of the plan's pane length (PANE_SECONDS, or SEGMENT_PANE_SECONDS for a
 * segment) is built from panes of that length; any other from panes of gcd(every, slide), its
 * own step, as panes finer than that would cost more than they could save.
 */
export function paneSeconds(plan: Pick<WindowPlan, 'every' | 'slide' | 'by'>): number {
  const step = gcd(plan.every, plan.slide);
  const pane = segmentOf(plan.by) === undefined ? PANE_SECONDS : SEGMENT_PANE_SECONDS;
  return step % pane === 0 ? pane : step;
}

/** The plan of the panes a plan is built from: tumbling windows of paneSeconds(plan). */
export function panePlanOf(plan: WindowPlan): WindowPlan {
  const pane = paneSeconds(plan);
  if (plan.every === pane && plan.slide === pane) return plan;
  return { ...plan, every: pane, slide: pane };
}

/**
 * Windows from their panes, in two steps: the panes are added up into blocks of the plan's step
 * (gcd(every, slide)), then each window adds up the blocks in [k · slide, k · slide + every).
 * The statistics are additive, sums compensated as everywhere, and every path (memory, SQL, a
 * page scan) combines identical panes with this same code, so they agree to the bit; each row is
 * read once however many windows it falls in, and each pane is added once however many windows
 * hold it.
 */
export function combinePanes(panes: readonly WindowStats[], plan: WindowPlan): WindowStats[] {
  const pane = paneSeconds(plan);
  const step = gcd(plan.every, plan.slide);
  const blocks = step === pane ? [...panes] : combineRuns(panes, step, step, plan.scores);
  return plan.every === step && plan.slide === step ? blocks : combineRuns(blocks, plan.every, plan.slide, plan.scores);
}

/**
 * Windows of length `every` starting at every multiple of `slide`, from statistics of tumbling
 * windows (units) whose length divides both, oldest first and groups in order.
 */
function combineRuns(units: readonly WindowStats[], every: number, slide: number, scores: boolean): WindowStats[] {
  const byGroup = new Map<string | null, WindowStats[]>();
  for (const stats of units) {
    let group = byGroup.get(stats.group);
    if (group === undefined) byGroup.set(stats.group, (group = []));
    group.push(stats);
  }
  const result: WindowStats[] = [];
  for (const [group, held] of byGroup) {
    // The units held, oldest first: a window adds up those in [start, start + every), in that
    // order, found by search rather than by stepping through a window's every unit (a window of
    // years holds few units, but steps through millions).
    held.sort((a, b) => a.window_start - b.window_start);
    const windows = new Set<number>();
    for (const stats of held) {
      const start = stats.window_start;
      // The windows containing this unit: starts k · slide with k · slide ≤ start < k · slide + every.
      for (let k = Math.floor(start / slide); k * slide + every > start; k--) windows.add(k * slide);
    }
    for (const windowStart of windows) {
      const members: WindowStats[] = [];
      for (let i = firstAtOrAfter(held, windowStart); i < held.length && (held[i] as WindowStats).window_start < windowStart + every; i++) members.push(held[i] as WindowStats);
      if (members.length === 0) continue;
      result.push({ window_start: windowStart, group, bins: addBins(members), ...(scores ? { scores: mergeScores(members) } : {}) });
    }
  }
  return sortWindowStats(result);
}

/**
 * Statistics of any windows and groups added up as one (window, group): the bins summed as the
 * combine step sums them, the scores merged in the canonical order (when every member has them).
 */
export function addWindowStats(members: readonly WindowStats[], window_start: number, group: string | null): WindowStats {
  if (members.length === 0) throw new RangeError('no statistics to add up');
  const scores = members.every((member) => member.scores !== undefined);
  return { window_start, group, bins: addBins(members), ...(scores ? { scores: mergeScores(members) } : {}) };
}

/** The index of the first of `held` (oldest first) starting at or after `t`. */
function firstAtOrAfter(held: readonly WindowStats[], t: number): number {
  let low = 0;
  let high = held.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((held[middle] as WindowStats).window_start < t) low = middle + 1;
    else high = middle;
  }
  return low;
}

function addBins(members: readonly WindowStats[]): BinStats[] {
  const bins: BinStats[] = [];
  const count = (members[0] as WindowStats).bins.length;
  for (let b = 0; b < count; b++) {
    const total = emptyBin();
    // Running Kahan–Babuška–Neumaier (sum, error) pairs, as CompensatedSum.add, kept in locals.
    let confidence = 0;
    let confidenceError = 0;
    let square = 0;
    let squareError = 0;
    let brier = 0;
    let brierError = 0;
    for (const member of members) {
      const bin = member.bins[b] as BinStats;
      total.count += bin.count;
      total.truePositives += bin.truePositives;
      total.falsePositives += bin.falsePositives;
      total.trueNegatives += bin.trueNegatives;
      total.falseNegatives += bin.falseNegatives;
      let x = bin.confidenceSum;
      let t = confidence + x;
      confidenceError += Math.abs(confidence) >= Math.abs(x) ? confidence - t + x : x - t + confidence;
      confidence = t;
      x = bin.confidenceSquareSum;
      t = square + x;
      squareError += Math.abs(square) >= Math.abs(x) ? square - t + x : x - t + square;
      square = t;
      x = bin.brierSum;
      t = brier + x;
      brierError += Math.abs(brier) >= Math.abs(x) ? brier - t + x : x - t + brier;
      brier = t;
      if (bin.confidenceMin < total.confidenceMin) total.confidenceMin = bin.confidenceMin;
      if (bin.confidenceMax > total.confidenceMax) total.confidenceMax = bin.confidenceMax;
    }
    total.confidenceSum = confidence + confidenceError;
    total.confidenceSquareSum = square + squareError;
    total.brierSum = brier + brierError;
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

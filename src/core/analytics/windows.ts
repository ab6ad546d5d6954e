/**
 * Time windows over prediction columns. Windows are half-open [start, end) in float unix
 * seconds and aligned to the epoch, so they fall on UTC hour and day boundaries and two runs
 * over overlapping data agree on where every window starts. Tumbling windows (no slide) put
 * each row in exactly one window; sliding windows of length `every` start at every multiple
 * of `slide`, and a row belongs to each window that contains it.
 */
import * as aq from 'arquero';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import type { PredictionColumns, StoreReader } from '../store/store';
import { binOf, CompensatedSum, emptyBin, sortWindowStats, type BinStats, type ScoreCounts, type WindowGrouping, type WindowPlan, type WindowStats } from '../store/windowStats';
import { accuracyOf, f1Of, precisionOf, recallOf, type ClassificationColumns, type Confusion } from './classification';
import { averagePrecision, logLoss, positiveProbability, rocAuc, specificityOf } from './metrics';

/** A duration as text ('15m', '1h', '7d', '90s') or as whole seconds. */
export type Duration = string | number;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };
// At most nine digits keeps every product an exact integer in a double.
const DURATION = /^([1-9][0-9]{0,8})([smhd])$/;

/** Seconds in a duration written like '90s', '15m', '1h' or '7d'. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (match === null) throw new PitwallError('input', messages.durationInvalid(text));
  return Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
}

function durationSeconds(duration: Duration): number {
  if (typeof duration === 'string') return parseDuration(duration);
  if (!Number.isSafeInteger(duration) || duration <= 0) throw new PitwallError('input', messages.durationNotPositive(duration));
  return duration;
}

export interface WindowSpec {
  readonly every: Duration;
  /** Step between window starts; tumbling (equal to `every`) when left out. */
  readonly slide?: Duration;
  /** Only rows with from ≤ timestamp < to take part; either bound may be left out. */
  readonly from?: number;
  readonly to?: number;
}

/** How many windows one row may fall in; beyond it a sliding spec is almost surely a mistake. */
export const MAX_WINDOWS_PER_ROW = 1000;

/** Row-to-window pairs: pair k puts row `row[k]` in the window starting at `start[k]`. */
export interface WindowAssignment {
  readonly every: number;
  readonly slide: number;
  readonly length: number;
  readonly row: Uint32Array;
  readonly start: Float64Array;
}

interface ResolvedSpec {
  readonly every: number;
  readonly slide: number;
  readonly from: number;
  readonly to: number;
}

export function resolveSpec(spec: WindowSpec): ResolvedSpec {
  const every = durationSeconds(spec.every);
  const slide = spec.slide === undefined ? every : durationSeconds(spec.slide);
  if (slide > every) throw new PitwallError('input', messages.windowSlideTooLong(slide, every));
  if (every / slide > MAX_WINDOWS_PER_ROW) throw new PitwallError('input', messages.windowTooManyOverlaps(every, slide, MAX_WINDOWS_PER_ROW));
  const from = spec.from ?? -Infinity;
  const to = spec.to ?? Infinity;
  if (Number.isNaN(from) || Number.isNaN(to) || to <= from) throw new PitwallError('input', messages.windowRangeInvalid(from, to));
  return { every, slide, from, to };
}

/** The largest k with k · step ≤ t; division alone can round across a boundary. */
function stepIndex(t: number, step: number): number {
  let k = Math.floor(t / step);
  if (k * step > t) k--;
  else if ((k + 1) * step <= t) k++;
  return k;
}

/** Puts each timestamp in range into its windows, rows in order and, within a row, windows oldest first. */
export function assignWindows(timestamps: ArrayLike<number>, spec: WindowSpec): WindowAssignment {
  const { every, slide, from, to } = resolveSpec(spec);
  const rows: number[] = [];
  const starts: number[] = [];
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i] as number;
    if (!(t >= from && t < to)) continue;
    const last = stepIndex(t, slide);
    // The first window still open at t, the smallest k with k · slide + every > t. t − every
    // can round onto a boundary, so the estimate is corrected with exact integer-bound tests.
    let first = stepIndex(t - every, slide) + 1;
    while ((first - 1) * slide + every > t) first--;
    while (first * slide + every <= t) first++;
    for (let k = first; k <= last; k++) {
      rows.push(i);
      starts.push(k * slide);
    }
  }
  return { every, slide, length: rows.length, row: Uint32Array.from(rows), start: Float64Array.from(starts) };
}

export const WINDOW_METRICS = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'specificity',
  'ece',
  'mce',
  'roc_auc',
  'average_precision',
  'log_loss',
  'brier',
  'avg_confidence',
  'min_confidence',
  'max_confidence',
  'confidence_std',
] as const;
export type WindowMetric = (typeof WINDOW_METRICS)[number];

/** Metrics that do not need ground truth, so they are reported even for an insufficient window. */
const LABEL_FREE: ReadonlySet<WindowMetric> = new Set<WindowMetric>(['avg_confidence', 'min_confidence', 'max_confidence', 'confidence_std']);
/** Metrics computed from the labelled rows' scores rather than from counts and sums. */
const SCORE_METRICS: ReadonlySet<WindowMetric> = new Set<WindowMetric>(['roc_auc', 'average_precision', 'log_loss']);

export type { WindowGrouping };

export interface WindowedMetricsOptions extends WindowSpec {
  readonly by?: WindowGrouping;
  /** Only this model version's predictions. */
  readonly modelVersion?: string;
  /** Below this many labelled rows a window is `insufficient` and its label metrics are null; default 30. */
  readonly minLabels?: number;
  /** Metrics to compute, all of WINDOW_METRICS when left out. */
  readonly metrics?: readonly string[];
  /** Equal-width bins of ECE and MCE; default 10. */
  readonly bins?: number;
}

export const DEFAULT_MIN_LABELS = 30;
export const DEFAULT_BINS = 10;

export interface WindowRow {
  readonly window_start: number;
  readonly window_end: number;
  /** The model version or feature value; null when not grouped, or when the feature is missing. */
  readonly group: string | null;
  readonly count: number;
  readonly labelled: number;
  readonly label_coverage: number;
  readonly insufficient: boolean;
}

/** One (window, group) with rows in it; only the metrics asked for are present. */
export type WindowMetricsRow = WindowRow & { readonly [M in WindowMetric]?: number | null };

function selectedMetrics(names: readonly string[] | undefined): readonly WindowMetric[] {
  if (names === undefined) return WINDOW_METRICS;
  const known: ReadonlySet<string> = new Set(WINDOW_METRICS);
  for (const name of names) if (!known.has(name)) throw new PitwallError('input', messages.windowMetricUnknown(name, WINDOW_METRICS));
  return WINDOW_METRICS.filter((metric) => names.includes(metric));
}

function checkGrouping(by: string | undefined): WindowGrouping | undefined {
  if (by === undefined || by === 'model_version' || (by.startsWith('feature:') && by.length > 'feature:'.length)) return by as WindowGrouping | undefined;
  throw new PitwallError('input', messages.windowGroupUnknown(by));
}

/** The plan that both paths (in memory, or pushed down to a database) carry out. */
export function planWindows(options: WindowedMetricsOptions): WindowPlan {
  const { every, slide, from, to } = resolveSpec(options);
  const bins = options.bins ?? DEFAULT_BINS;
  if (!Number.isSafeInteger(bins) || bins < 1 || bins > 1000) throw new PitwallError('input', messages.binsInvalid(bins));
  const wanted = selectedMetrics(options.metrics);
  return {
    every,
    slide,
    from,
    to,
    ...(options.modelVersion === undefined ? {} : { modelVersion: options.modelVersion }),
    ...(options.by === undefined ? {} : { by: checkGrouping(options.by) }),
    bins,
    scores: wanted.some((metric) => SCORE_METRICS.has(metric)),
  };
}

function groupKeys(columns: PredictionColumns, by: WindowGrouping | undefined): readonly (string | null)[] | null {
  if (by === undefined) return null;
  if (by === 'model_version') return columns.model_version;
  const name = by.slice('feature:'.length);
  const values = columns.features.get(name);
  if (values === undefined) throw new PitwallError('input', messages.windowFeatureMissing(name));
  return values.map((value) => (value === null ? null : String(value)));
}

/** Running sums of one bin, compensated as SQL's SUM is. */
class BinAccumulator {
  readonly bin = emptyBin();
  private readonly confidence = new CompensatedSum();
  private readonly square = new CompensatedSum();
  private readonly brier = new CompensatedSum();

  add(predicted: number, confidence: number, actual: number): void {
    const bin = this.bin;
    bin.count++;
    if (actual === 1) {
      if (predicted === 1) bin.truePositives++;
      else bin.falseNegatives++;
    } else if (actual === 0) {
      if (predicted === 1) bin.falsePositives++;
      else bin.trueNegatives++;
    }
    this.confidence.add(confidence);
    this.square.add(confidence * confidence);
    if (actual === 0 || actual === 1) {
      const d = actual - positiveProbability(predicted, confidence);
      this.brier.add(d * d);
    }
    if (confidence < bin.confidenceMin) bin.confidenceMin = confidence;
    if (confidence > bin.confidenceMax) bin.confidenceMax = confidence;
  }

  finish(): BinStats {
    this.bin.confidenceSum = this.confidence.value;
    this.bin.confidenceSquareSum = this.square.value;
    this.bin.brierSum = this.brier.value;
    return this.bin;
  }
}

/** The labelled rows' (score, label) pairs in a canonical order: by score, then label. */
function canonicalScores(score: readonly number[], label: readonly number[]): ScoreCounts {
  const order = Array.from(score.keys()).sort((a, b) => (score[a] as number) - (score[b] as number) || (label[a] as number) - (label[b] as number));
  return {
    score: Float64Array.from(order, (i) => score[i] as number),
    label: Uint8Array.from(order, (i) => label[i] as number),
    weight: new Uint32Array(order.length).fill(1),
  };
}

/**
 * The statistics of each (window, group) over loaded columns, oldest window first and groups
 * in order within a window; windows and groups without rows are left out. Arquero groups the
 * (row, window) pairs; the sums run over each group's rows in row order.
 */
export function windowStatsOf(columns: PredictionColumns, plan: WindowPlan): WindowStats[] {
  const keys = groupKeys(columns, plan.by);
  const assignment = assignWindows(columns.timestamp, plan);
  const group = new Array<string | null>(assignment.length);
  const keep = new Uint8Array(assignment.length);
  for (let k = 0; k < assignment.length; k++) {
    const row = assignment.row[k] as number;
    group[k] = keys === null ? null : (keys[row] ?? null);
    keep[k] = plan.modelVersion === undefined || columns.model_version[row] === plan.modelVersion ? 1 : 0;
  }
  const grouped = aq
    .table({ row: assignment.row, window_start: assignment.start, group, keep })
    .filter((d: { keep: number }) => d.keep === 1)
    .groupby('window_start', 'group')
    .rollup({ rows: aq.op.array_agg('row') });
  const starts = grouped.array('window_start') as ArrayLike<number>;
  const groups = grouped.array('group') as ArrayLike<string | null>;
  const members = grouped.array('rows') as ArrayLike<number[]>;

  const result: WindowStats[] = [];
  for (let g = 0; g < grouped.numRows(); g++) {
    const accumulators = Array.from({ length: plan.bins + 1 }, () => new BinAccumulator());
    const scores: number[] = [];
    const labels: number[] = [];
    for (const i of members[g] as number[]) {
      const predicted = columns.predicted_outcome[i] as number;
      const confidence = columns.confidence[i] as number;
      const actual = columns.actual_outcome[i] as number;
      (accumulators[binOf(confidence, actual, plan.bins)] as BinAccumulator).add(predicted, confidence, actual);
      if (plan.scores && (actual === 0 || actual === 1)) {
        scores.push(positiveProbability(predicted, confidence));
        labels.push(actual);
      }
    }
    result.push({
      window_start: starts[g] as number,
      group: groups[g] ?? null,
      bins: accumulators.map((accumulator) => accumulator.finish()),
      ...(plan.scores ? { scores: canonicalScores(scores, labels) } : {}),
    });
  }
  return sortWindowStats(result);
}

/** A window's rows as classification columns of (p1 as the confidence of class 1, label), for the score metrics. */
function scoreColumns(scores: ScoreCounts): ClassificationColumns {
  let n = 0;
  for (const w of scores.weight) n += w;
  const confidence = new Float64Array(n);
  const actual = new Int8Array(n);
  let j = 0;
  for (let i = 0; i < scores.score.length; i++) {
    for (let k = 0; k < (scores.weight[i] as number); k++) {
      confidence[j] = scores.score[i] as number;
      actual[j++] = scores.label[i] as number;
    }
  }
  return { length: n, predicted: new Uint8Array(n).fill(1), confidence, actual };
}

/** A window's metrics from its statistics: the one definition both paths share. */
export function metricsOfWindow(
  stats: WindowStats,
  plan: WindowPlan,
  wanted: readonly WindowMetric[],
  minLabels: number,
): WindowMetricsRow {
  const total = emptyBin();
  const confidence = new CompensatedSum();
  const square = new CompensatedSum();
  const brier = new CompensatedSum();
  for (const bin of stats.bins) {
    total.count += bin.count;
    total.truePositives += bin.truePositives;
    total.falsePositives += bin.falsePositives;
    total.trueNegatives += bin.trueNegatives;
    total.falseNegatives += bin.falseNegatives;
    confidence.add(bin.confidenceSum);
    square.add(bin.confidenceSquareSum);
    brier.add(bin.brierSum);
    total.confidenceMin = Math.min(total.confidenceMin, bin.confidenceMin);
    total.confidenceMax = Math.max(total.confidenceMax, bin.confidenceMax);
  }
  const c: Confusion = {
    labelled: total.truePositives + total.falsePositives + total.trueNegatives + total.falseNegatives,
    truePositives: total.truePositives,
    falsePositives: total.falsePositives,
    trueNegatives: total.trueNegatives,
    falseNegatives: total.falseNegatives,
  };
  const n = total.count;
  const insufficient = c.labelled < minLabels;
  const scored = stats.scores === undefined ? undefined : scoreColumns(stats.scores);
  const out: Partial<Record<WindowMetric, number | null>> = {};
  for (const metric of wanted) {
    if (insufficient && !LABEL_FREE.has(metric)) {
      out[metric] = null;
      continue;
    }
    switch (metric) {
      case 'accuracy': out[metric] = accuracyOf(c); break;
      case 'precision': out[metric] = precisionOf(c); break;
      case 'recall': out[metric] = recallOf(c); break;
      case 'f1': out[metric] = f1Of(c); break;
      case 'specificity': out[metric] = specificityOf(c); break;
      case 'ece': out[metric] = calibrationGap(stats.bins, c.labelled).ece; break;
      case 'mce': out[metric] = calibrationGap(stats.bins, c.labelled).mce; break;
      case 'roc_auc': out[metric] = scored === undefined ? null : rocAuc(scored); break;
      case 'average_precision': out[metric] = scored === undefined ? null : averagePrecision(scored); break;
      case 'log_loss': out[metric] = scored === undefined ? null : logLoss(scored); break;
      case 'brier': out[metric] = c.labelled === 0 ? null : brier.value / c.labelled; break;
      case 'avg_confidence': out[metric] = n === 0 ? null : confidence.value / n; break;
      case 'min_confidence': out[metric] = n === 0 ? null : total.confidenceMin; break;
      case 'max_confidence': out[metric] = n === 0 ? null : total.confidenceMax; break;
      case 'confidence_std': out[metric] = n < 2 ? null : Math.sqrt(Math.max(0, (square.value - (confidence.value * confidence.value) / n) / (n - 1))); break;
    }
  }
  return {
    window_start: stats.window_start,
    window_end: stats.window_start + plan.every,
    group: stats.group,
    count: n,
    labelled: c.labelled,
    label_coverage: n === 0 ? 0 : c.labelled / n,
    insufficient,
    ...out,
  };
}

/** ECE and MCE over the labelled bins, as calibrationOf defines them. */
function calibrationGap(bins: readonly BinStats[], labelled: number): { ece: number | null; mce: number | null } {
  if (labelled === 0) return { ece: null, mce: null };
  let ece = 0;
  let mce = 0;
  for (let b = 1; b < bins.length; b++) {
    const bin = bins[b] as BinStats;
    if (bin.count === 0) continue;
    const gap = Math.abs((bin.truePositives + bin.trueNegatives) / bin.count - bin.confidenceSum / bin.count);
    ece += (bin.count / labelled) * gap;
    mce = Math.max(mce, gap);
  }
  return { ece, mce };
}

function checkMinLabels(minLabels: number): number {
  if (!Number.isSafeInteger(minLabels) || minLabels < 0) throw new PitwallError('input', messages.minLabelsInvalid(minLabels));
  return minLabels;
}

/**
 * Metrics per (window, group) over loaded columns, oldest window first and groups in order
 * within a window. Windows and groups without rows are left out. Rows without ground truth
 * count toward `count` and the confidence statistics only.
 */
export function windowedMetrics(columns: PredictionColumns, options: WindowedMetricsOptions): WindowMetricsRow[] {
  const minLabels = checkMinLabels(options.minLabels ?? DEFAULT_MIN_LABELS);
  const plan = planWindows(options);
  const wanted = selectedMetrics(options.metrics);
  return windowStatsOf(columns, plan).map((stats) => metricsOfWindow(stats, plan, wanted, minLabels));
}

/** How a store's windows were computed: pushed down to its database, or over loaded records. */
export type WindowPath = 'pushdown' | 'in-memory';

/**
 * Metrics per (window, group) from a store: the plan runs inside the database when the store
 * can run it, else over the predictions it loads. Both give the same numbers.
 */
export async function readWindowedMetrics(
  store: StoreReader,
  options: WindowedMetricsOptions & { readonly path?: WindowPath },
): Promise<{ readonly rows: WindowMetricsRow[]; readonly path: WindowPath }> {
  const minLabels = checkMinLabels(options.minLabels ?? DEFAULT_MIN_LABELS);
  const plan = planWindows(options);
  const wanted = selectedMetrics(options.metrics);
  const pushed = options.path === 'in-memory' || store.aggregateWindows === undefined ? undefined : await store.aggregateWindows(plan);
  if (pushed !== undefined) return { rows: checkFeatureSeen(plan, pushed).map((stats) => metricsOfWindow(stats, plan, wanted, minLabels)), path: 'pushdown' };
  const feature = plan.by?.startsWith('feature:') ? [plan.by.slice('feature:'.length)] : [];
  const columns = await store.readPredictionColumns({
    ...(Number.isFinite(plan.from) ? { from: plan.from } : {}),
    ...(Number.isFinite(plan.to) ? { to: plan.to } : {}),
    ...(plan.modelVersion === undefined ? {} : { modelVersion: plan.modelVersion }),
    features: feature,
  });
  return { rows: checkFeatureSeen(plan, windowStatsOf(columns, plan)).map((stats) => metricsOfWindow(stats, plan, wanted, minLabels)), path: 'in-memory' };
}

/** Grouping by a feature that no prediction in range has is a typo far more often than a finding. */
function checkFeatureSeen(plan: WindowPlan, stats: WindowStats[]): WindowStats[] {
  if (plan.by?.startsWith('feature:') && stats.length > 0 && stats.every((s) => s.group === null)) {
    throw new PitwallError('input', messages.windowFeatureAbsent(plan.by.slice('feature:'.length)));
  }
  return stats;
}

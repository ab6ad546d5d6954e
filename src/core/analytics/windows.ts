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
import type { PredictionColumns } from '../store/store';
import { accuracyOf, calibrationOf, confidenceStatistics, confusion, f1Of, precisionOf, recallOf, type ClassificationColumns, type Confusion } from './classification';
import { averagePrecision, brierScore, logLoss, rocAuc, specificityOf } from './metrics';

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

function resolveSpec(spec: WindowSpec): ResolvedSpec {
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
  'brier_score',
  'avg_confidence',
] as const;
export type WindowMetric = (typeof WINDOW_METRICS)[number];

/** Metrics that do not need ground truth, so they are reported even for an insufficient window. */
const LABEL_FREE: ReadonlySet<WindowMetric> = new Set<WindowMetric>(['avg_confidence']);

export type WindowGrouping = 'model_version' | `feature:${string}`;

export interface WindowedMetricsOptions extends WindowSpec {
  readonly by?: WindowGrouping;
  /** Below this many labelled rows a window is `insufficient` and its label metrics are null; default 30. */
  readonly minLabels?: number;
  /** Metrics to compute, all of WINDOW_METRICS when left out. */
  readonly metrics?: readonly string[];
}

export const DEFAULT_MIN_LABELS = 30;

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

function groupKeys(columns: PredictionColumns, by: string | undefined): readonly (string | null)[] | null {
  if (by === undefined) return null;
  if (by === 'model_version') return columns.model_version;
  if (by.startsWith('feature:')) {
    const name = by.slice('feature:'.length);
    const values = columns.features.get(name);
    if (values === undefined) throw new PitwallError('input', messages.windowFeatureMissing(name));
    return values.map((value) => (value === null ? null : String(value)));
  }
  throw new PitwallError('input', messages.windowGroupUnknown(by));
}

function selectedMetrics(names: readonly string[] | undefined): readonly WindowMetric[] {
  if (names === undefined) return WINDOW_METRICS;
  const known: ReadonlySet<string> = new Set(WINDOW_METRICS);
  for (const name of names) if (!known.has(name)) throw new PitwallError('input', messages.windowMetricUnknown(name, WINDOW_METRICS));
  return WINDOW_METRICS.filter((metric) => names.includes(metric));
}

function gather(columns: PredictionColumns, rows: readonly number[]): ClassificationColumns {
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

function computeMetrics(
  subset: ClassificationColumns,
  c: Confusion,
  wanted: readonly WindowMetric[],
  insufficient: boolean,
): Partial<Record<WindowMetric, number | null>> {
  const calibration = wanted.includes('ece') || wanted.includes('mce') ? calibrationOf(subset) : null;
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
      case 'ece': out[metric] = calibration?.ece ?? null; break;
      case 'mce': out[metric] = calibration?.mce ?? null; break;
      case 'roc_auc': out[metric] = rocAuc(subset); break;
      case 'average_precision': out[metric] = averagePrecision(subset); break;
      case 'log_loss': out[metric] = logLoss(subset); break;
      case 'brier_score': out[metric] = brierScore(subset); break;
      case 'avg_confidence': out[metric] = confidenceStatistics(subset.confidence).avg_confidence; break;
    }
  }
  return out;
}

/**
 * Metrics per (window, group), oldest window first and groups in order within a window.
 * Windows and groups without rows are left out. Rows without ground truth count toward
 * `count` and `avg_confidence` only.
 */
export function windowedMetrics(columns: PredictionColumns, options: WindowedMetricsOptions): WindowMetricsRow[] {
  const minLabels = options.minLabels ?? DEFAULT_MIN_LABELS;
  if (!Number.isSafeInteger(minLabels) || minLabels < 0) throw new PitwallError('input', messages.minLabelsInvalid(minLabels));
  const wanted = selectedMetrics(options.metrics);
  const keys = groupKeys(columns, options.by);
  const assignment = assignWindows(columns.timestamp, options);
  const group = new Array<string | null>(assignment.length);
  for (let k = 0; k < assignment.length; k++) group[k] = keys === null ? null : (keys[assignment.row[k] as number] ?? null);

  const grouped = aq
    .table({ row: assignment.row, window_start: assignment.start, group })
    .groupby('window_start', 'group')
    .rollup({ rows: aq.op.array_agg('row') })
    .orderby('window_start', 'group');
  const starts = grouped.array('window_start') as ArrayLike<number>;
  const groups = grouped.array('group') as ArrayLike<string | null>;
  const members = grouped.array('rows') as ArrayLike<number[]>;

  const result: WindowMetricsRow[] = [];
  for (let g = 0; g < grouped.numRows(); g++) {
    const windowStart = starts[g] as number;
    const subset = gather(columns, members[g] as number[]);
    const c = confusion(subset);
    const insufficient = c.labelled < minLabels;
    result.push({
      window_start: windowStart,
      window_end: windowStart + assignment.every,
      group: groups[g] ?? null,
      count: subset.length,
      labelled: c.labelled,
      label_coverage: c.labelled / subset.length,
      insufficient,
      ...computeMetrics(subset, c, wanted, insufficient),
    });
  }
  return result;
}

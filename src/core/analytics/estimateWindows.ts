/**
 * Label-free performance per time window and model version (estimate.ts, in the manner of
 * NannyML's CBPE). Each version's estimator is fitted on its labelled predictions of a
 * reference period, then each window's predictions are estimated from their confidences
 * alone. Realized values, from the labels that have arrived, are kept beside the estimate,
 * never mixed into it. Without a reference period the oldest third of the data is the reference.
 */
import { classificationOfRows } from './classification';
import { estimatePerformance, fitEstimator, type EstimatedMetrics, type EstimatorOptions, type EstimatorStatus, type PerformanceEstimator, type RealizedMetrics } from './estimate';
import { resolveSpec } from './windows';
import { type Duration } from './duration';
import type { WindowColumns } from '../store/store';

export interface EstimateWindowsOptions {
  readonly every: Duration;
  readonly modelVersion?: string;
  /** Reference period [from, to); default the oldest third of the predictions' time span. */
  readonly reference?: { readonly from: number; readonly to: number };
  readonly from?: number;
  readonly to?: number;
  readonly estimator?: EstimatorOptions;
  /** Only the windows this accepts are estimated, the others left out (a chart asks only for those it lacks labels in). */
  readonly windows?: (modelVersion: string, windowStart: number) => boolean;
}

export interface WindowEstimate {
  readonly window_start: number;
  readonly window_end: number;
  readonly model_version: string;
  readonly count: number;
  readonly labelled: number;
  /** 'ok', or why nothing is estimated for this version (its reference failed the calibration check). */
  readonly status: EstimatorStatus;
  readonly reason: string;
  readonly recalibrated: boolean;
  /** From the confidences; null when the estimator refused. */
  readonly estimated: Omit<EstimatedMetrics, 'confusion'> | null;
  /** From the labels that have arrived; null when none has. */
  readonly realized: Omit<RealizedMetrics, 'confusion'> | null;
}

export interface EstimateReport {
  readonly reference: { readonly from: number; readonly to: number };
  readonly windows: WindowEstimate[];
}

/**
 * Estimators fitted on loaded columns, per version, reference period and options: a panel asking
 * again over the same columns (another window length, another range) does not fit them again.
 * Columns are never changed once loaded (a change loads new ones), so a fit stays theirs.
 */
const fitted = new WeakMap<WindowColumns, Map<string, PerformanceEstimator>>();

/** The distinct model versions of loaded columns (from their codes when the reader gave them), once per columns. */
const versionsOf = new WeakMap<WindowColumns, readonly string[]>();

function versionNames(columns: WindowColumns): readonly string[] {
  let names = versionsOf.get(columns);
  if (names === undefined) {
    const codes = columns.model_version_codes;
    if (codes !== undefined) {
      const seen = new Uint8Array(codes.names.length);
      for (let i = 0; i < columns.length; i++) seen[codes.codes[i] as number] = 1;
      names = codes.names.filter((_, code) => seen[code] === 1);
    } else {
      names = [...new Set(columns.model_version.slice(0, columns.length))];
    }
    versionsOf.set(columns, names);
  }
  return names;
}

/** The estimator of one version, fitted on its labelled predictions of the reference period (once per columns). */
function estimatorOf(columns: WindowColumns, version: string, reference: { from: number; to: number }, options: EstimatorOptions | undefined): PerformanceEstimator {
  let held = fitted.get(columns);
  if (held === undefined) fitted.set(columns, (held = new Map()));
  const key = [version, reference.from, reference.to, columns.length, JSON.stringify(options ?? {})].join('\u0000');
  let estimator = held.get(key);
  if (estimator === undefined) {
    const rows: number[] = [];
    for (let i = 0; i < columns.length; i++) {
      if (columns.model_version[i] !== version) continue;
      const t = columns.timestamp[i] as number;
      const actual = columns.actual_outcome[i] as number;
      if (t >= reference.from && t < reference.to && (actual === 0 || actual === 1)) rows.push(i);
    }
    held.set(key, (estimator = fitEstimator(classificationOfRows(columns, rows), options)));
  }
  return estimator;
}

/** The default reference period: the oldest third of the predictions' time span. */
function defaultReference(columns: WindowColumns): { from: number; to: number } {
  let lowest = Infinity;
  let highest = -Infinity;
  for (let i = 0; i < columns.length; i++) {
    const t = columns.timestamp[i] as number;
    if (t < lowest) lowest = t;
    if (t > highest) highest = t;
  }
  return Number.isFinite(lowest) ? { from: lowest, to: lowest + (highest - lowest) / 3 } : { from: 0, to: 0 };
}

/**
 * Fits every version's estimator on these columns ahead of the first estimate (a chart panel
 * does it while its first chart is looked at): the fit reads every labelled prediction of the
 * reference period, the costliest part of a first estimate. Later estimates with the same
 * reference and options find the fit held.
 */
export function fitEstimators(columns: WindowColumns, options: Pick<EstimateWindowsOptions, 'reference' | 'estimator'> = {}): void {
  const reference = options.reference ?? defaultReference(columns);
  for (const version of versionNames(columns)) estimatorOf(columns, version, reference, options.estimator);
}

export function estimateWindows(columns: WindowColumns, options: EstimateWindowsOptions): EstimateReport {
  const { every, from, to } = resolveSpec({ every: options.every, ...(options.from === undefined ? {} : { from: options.from }), ...(options.to === undefined ? {} : { to: options.to }) });
  const reference = options.reference ?? defaultReference(columns);

  const versions = new Map<string, Map<number, number[]>>();
  // Which versions are asked for in a window is decided once per window, not per row: the rows
  // of a window are scanned only when one of its versions is wanted (a chart asks for a few
  // windows of a million rows). Columns are in time order, so a window's rows are consecutive
  // and its decision is the last one made; out of order, decisions are looked up.
  const decided = new Map<number, ReadonlySet<string> | null>();
  const wantedIn = (start: number): ReadonlySet<string> | null => {
    let wanted = decided.get(start);
    if (wanted === undefined) {
      const asked = versionNames(columns).filter((version) => (options.modelVersion === undefined || version === options.modelVersion) && (options.windows === undefined || options.windows(version, start)));
      decided.set(start, (wanted = asked.length === 0 ? null : new Set(asked)));
    }
    return wanted;
  };
  let currentStart = Number.NaN;
  let wanted: ReadonlySet<string> | null = null;
  for (let i = 0; i < columns.length; i++) {
    const t = columns.timestamp[i] as number;
    if (!(t >= from && t < to)) continue;
    const start = Math.floor(t / every) * every;
    if (start !== currentStart) {
      currentStart = start;
      wanted = wantedIn(start);
    }
    if (wanted === null) continue;
    const version = columns.model_version[i] as string;
    if (!wanted.has(version)) continue;
    let windows = versions.get(version);
    if (windows === undefined) versions.set(version, (windows = new Map()));
    let rows = windows.get(start);
    if (rows === undefined) windows.set(start, (rows = []));
    rows.push(i);
  }

  const windows: WindowEstimate[] = [];
  for (const [version, entryWindows] of [...versions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const estimator = estimatorOf(columns, version, reference, options.estimator);
    for (const [start, rows] of [...entryWindows].sort(([a], [b]) => a - b)) {
      const analysis = classificationOfRows(columns, rows);
      const result = estimatePerformance(estimator, analysis);
      const { confusion: _expected, ...estimated } = result.estimated ?? { confusion: null };
      const { confusion: realizedConfusion, ...realized } = result.realized ?? { confusion: null };
      windows.push({
        window_start: start,
        window_end: start + every,
        model_version: version,
        count: rows.length,
        labelled: realizedConfusion?.labelled ?? 0,
        status: result.status,
        reason: result.reason,
        recalibrated: result.recalibrated,
        estimated: result.estimated === null ? null : (estimated as Omit<EstimatedMetrics, 'confusion'>),
        realized: result.realized === null ? null : (realized as Omit<RealizedMetrics, 'confusion'>),
      });
    }
  }
  return { reference, windows };
}

/**
 * Health snapshots computed from the predictions and their outcomes, not written by hand. A
 * snapshot covers one period (an epoch-aligned window, as trend windows are) for one model
 * version: realized accuracy, precision, recall, F1, ROC-AUC and ECE, the prediction count, the
 * change in accuracy against the previous period, and whether that change is a significant
 * degradation (degradation.ts). Each report also compares the period with a reference (by
 * default the seven periods before it; or the previous one, or a fixed range): a slow decline
 * looks stable period to period, never against a baseline. `recordHealth` writes them, and a
 * degradation_analysis row for each degraded version, to the source in its own encoding.
 */
import { PitwallError } from '../errors';
import { messages } from '../messages';
import type { HealthSnapshot } from '../model/healthSnapshot';
import type { Store, StoreReader } from '../store/store';
import { unknownNameError } from '../suggest';
import { detectDegradation, toDegradationAnalysis, type DegradationContext, type DegradationOptions, type DegradationVerdict } from './degradation';
import { readWindowedMetrics, resolveSpec, type WindowMetricsRow } from './windows';
import { type Duration } from './duration';

export interface HealthOptions {
  /** The period a snapshot covers; default one day. */
  readonly every?: Duration;
  /** The time the snapshot is taken at; default the newest prediction's time. Its period is the one containing it. */
  readonly at?: number;
  /** Below this many labelled predictions a period's label metrics are null; default 30. */
  readonly minLabels?: number;
  readonly degradation?: DegradationOptions;
  /** What each period is compared with besides the previous period; default the 7 periods before it. */
  readonly reference?: HealthReference;
  /** Only this model version; one the source does not have is an input error naming the nearest it has. */
  readonly modelVersion?: string;
}

/**
 * The reference (baseline) a period is compared with: `previous` (the period before), a number of
 * seconds (that span right before the period), or a fixed range (from inclusive, to exclusive).
 */
export type HealthReference = 'previous' | number | { readonly from: number; readonly to: number };

/** Periods before the current one that make the default reference. */
export const DEFAULT_REFERENCE_PERIODS = 7;

/** A period's accuracy against its reference: the labelled predictions of the reference pooled. */
export interface ReferenceComparison {
  readonly from: number;
  readonly to: number;
  /** Null when the reference has fewer labelled predictions than minLabels. */
  readonly accuracy: number | null;
  readonly labelled: number;
  readonly count: number;
  /** The period's accuracy minus the reference's; null when either is null. */
  readonly change: number | null;
  readonly degradation: DegradationVerdict;
}

export interface HealthReport {
  readonly snapshot: HealthSnapshot;
  readonly period_start: number;
  readonly period_end: number;
  readonly labelled: number;
  readonly previous: { readonly accuracy: number | null; readonly labelled: number; readonly count: number } | null;
  readonly degradation: DegradationVerdict;
  readonly reference: ReferenceComparison;
}

const HEALTH_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'ece'];

function correctOf(row: WindowMetricsRow | undefined): { correct: number; labelled: number } {
  if (row === undefined || row.labelled === 0) return { correct: 0, labelled: 0 };
  // The plan computes accuracy for every window (minLabels 0 below), so correct is exact: accuracy × labelled.
  return { correct: Math.round((row.accuracy ?? 0) * row.labelled), labelled: row.labelled };
}

function silentPeriod(start: number, every: number, version: string): WindowMetricsRow {
  return { window_start: start, window_end: start + every, group: version, count: 0, labelled: 0, label_coverage: 0, insufficient: true, partial: false, accuracy: null };
}

/**
 * One snapshot per model version with predictions in the period that contains `at` or in the
 * period before it (a version that went silent has a snapshot with num_predictions 0).
 */
export async function computeHealth(store: StoreReader, options: HealthOptions = {}): Promise<HealthReport[]> {
  const { every } = resolveSpec({ every: options.every ?? '1d' });
  const minLabels = options.minLabels ?? 30;
  const { modelVersion } = options;
  if (modelVersion !== undefined) await requireModelVersion(store, modelVersion);
  let at = options.at;
  if (at === undefined) {
    const [newest] = await store.readPredictions({ order: 'desc', limit: 1 });
    if (newest === undefined) throw new PitwallError('input', messages.healthNoPredictions((await store.describe()).path));
    at = newest.timestamp;
  }
  const periodStart = Math.floor(at / every) * every;
  const referenceRange = resolveReference(options.reference ?? DEFAULT_REFERENCE_PERIODS * every, periodStart, every);
  const { rows } = await readWindowedMetrics(store, {
    every,
    from: periodStart - every,
    to: periodStart + every,
    by: 'model_version',
    metrics: HEALTH_METRICS,
    minLabels: 0,
    ...(modelVersion === undefined ? {} : { modelVersion }),
  });
  // A version seen in the previous period but silent now gets a snapshot too: zero traffic is news.
  const versions = [...new Set(rows.map((row) => row.group as string))].sort();
  const pooled = await pooledAccuracy(store, referenceRange, every, modelVersion);
  const reports: HealthReport[] = [];
  for (const version of versions) {
    const row = rows.find((r) => r.window_start === periodStart && r.group === version) ?? silentPeriod(periodStart, every, version);
    const previousRow = rows.find((r) => r.window_start === periodStart - every && r.group === version);
    const enough = row.labelled >= minLabels;
    const label = (value: number | null | undefined) => (enough ? (value ?? null) : null);
    const previousAccuracy = previousRow !== undefined && previousRow.labelled >= minLabels ? (previousRow.accuracy ?? null) : null;
    const accuracy = label(row.accuracy);
    const degradation = detectDegradation(correctOf(previousRow), correctOf(row), options.degradation);
    const base = pooled.get(version) ?? { correct: 0, labelled: 0, count: 0 };
    const referenceAccuracy = base.labelled >= minLabels ? base.correct / base.labelled : null;
    reports.push({
      snapshot: {
        timestamp: at,
        model_version: version,
        accuracy,
        precision: label(row.precision),
        recall: label(row.recall),
        f1_score: label(row.f1),
        roc_auc: label(row.roc_auc),
        expected_calibration_error: label(row.ece),
        num_predictions: row.count,
        prediction_accuracy_trend: accuracy === null || previousAccuracy === null ? null : accuracy - previousAccuracy,
        degradation_detected: degradation.status === 'degraded',
      },
      period_start: periodStart,
      period_end: periodStart + every,
      labelled: row.labelled,
      previous: previousRow === undefined ? null : { accuracy: previousAccuracy, labelled: previousRow.labelled, count: previousRow.count },
      degradation,
      reference: {
        ...referenceRange,
        accuracy: referenceAccuracy,
        labelled: base.labelled,
        count: base.count,
        change: accuracy === null || referenceAccuracy === null ? null : accuracy - referenceAccuracy,
        degradation: detectDegradation(base, correctOf(row), options.degradation),
      },
    });
  }
  return reports;
}

/** An input error, naming the nearest version the source has, unless the source has this model version. */
export async function requireModelVersion(store: StoreReader, modelVersion: string): Promise<void> {
  const versions = await store.readModelVersions();
  if (!versions.includes(modelVersion)) throw unknownNameError('model version', modelVersion, versions, (await store.describe()).path);
}

/** The reference's range for the period starting at `periodStart`; an input error when it is empty or reaches into the period. */
export function resolveReference(reference: HealthReference, periodStart: number, every: number): { from: number; to: number } {
  if (reference === 'previous') return { from: periodStart - every, to: periodStart };
  if (typeof reference === 'number') {
    if (!(Number.isFinite(reference) && reference > 0)) throw new PitwallError('input', messages.healthReferenceInvalid(String(reference)));
    return { from: periodStart - reference, to: periodStart };
  }
  if (!(reference.to > reference.from)) throw new PitwallError('input', messages.healthReferenceInvalid(`${reference.from}..${reference.to}`));
  return { from: reference.from, to: reference.to };
}

/** Correct, labelled and all predictions of each version in the range, summed over its windows. */
async function pooledAccuracy(
  store: StoreReader,
  range: { from: number; to: number },
  every: number,
  modelVersion: string | undefined,
): Promise<Map<string, { correct: number; labelled: number; count: number }>> {
  const { rows } = await readWindowedMetrics(store, { every, from: range.from, to: range.to, by: 'model_version', metrics: ['accuracy'], minLabels: 0, ...(modelVersion === undefined ? {} : { modelVersion }) });
  const pooled = new Map<string, { correct: number; labelled: number; count: number }>();
  for (const row of rows) {
    const version = row.group as string;
    const sum = pooled.get(version) ?? { correct: 0, labelled: 0, count: 0 };
    const { correct, labelled } = correctOf(row);
    pooled.set(version, { correct: sum.correct + correct, labelled: sum.labelled + labelled, count: sum.count + row.count });
  }
  return pooled;
}

/**
 * Writes each report's snapshot to health_snapshots, and a degradation_analysis row for each
 * degraded version (with the features that drifted most, when the caller has them).
 */
export async function recordHealth(
  store: Store,
  reports: readonly HealthReport[],
  topFeatures: (report: HealthReport) => Promise<DegradationContext['top_features']> = async () => [],
): Promise<{ snapshots: number; degradations: number }> {
  let degradations = 0;
  for (const report of reports) {
    await store.recordHealthSnapshot(report.snapshot);
    if (report.degradation.status !== 'degraded') continue;
    await store.recordDegradationAnalysis(
      toDegradationAnalysis(report.degradation, {
        timestamp: report.snapshot.timestamp,
        model_version: report.snapshot.model_version,
        top_features: await topFeatures(report),
      }),
    );
    degradations++;
  }
  return { snapshots: reports.length, degradations };
}

/** The interval timer a HealthSchedule runs on: the global one, or a test's that it advances itself. */
export interface IntervalTimer {
  setInterval(run: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const GLOBAL_TIMER: IntervalTimer = {
  setInterval: (run, ms) => setInterval(run, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

/** A timer that computes and records health every `period`, taking each snapshot at the current time. */
export class HealthSchedule {
  private timer: unknown;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly periodMs: number,
    private readonly options: HealthOptions,
    private readonly onRun: (result: { reports: HealthReport[]; error?: unknown }) => void,
    private readonly now: () => number = () => Date.now() / 1000,
    private readonly intervals: IntervalTimer = GLOBAL_TIMER,
  ) {}

  /** Runs once now, then every period; a run never overlaps the one before. */
  start(): void {
    this.tick();
    this.timer = this.intervals.setInterval(() => this.tick(), this.periodMs);
  }

  private tick(): void {
    this.running = this.running.then(async () => {
      try {
        const reports = await computeHealth(this.store, { ...this.options, at: this.now() });
        await recordHealth(this.store, reports);
        this.onRun({ reports });
      } catch (error) {
        this.onRun({ reports: [], error });
      }
    });
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) this.intervals.clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

/**
 * One row per model version for a models list: its latest health (the day of the newest labelled
 * prediction, as `pitwall status` judges it), its open alerts, its predictions in the last 24 hours
 * (counted back from the source's newest prediction, and back from now: historical data has none
 * in the second), and whether it went silent for longer than `staleAfter`. Everything is a count
 * or an end of the time index, as in status.ts; no call loads the predictions.
 */
import type { StoreReader } from '../store/store';
import { computeHealth } from './health';
import { countOpenAlerts, predictionTime, readDataSpan, type SeverityCounts } from './glance';

const DAY = 86_400;
// Times are read to the millisecond: the newest prediction itself is inside its own last day.

export interface ModelHealth {
  /** The period the health covers. */
  readonly period_start: number;
  readonly period_end: number;
  readonly accuracy: number | null;
  readonly ece: number | null;
  /** Labelled share of the period's predictions; null when it had none. */
  readonly label_coverage: number | null;
  readonly predictions: number;
  readonly labelled: number;
  /** A significant drop of accuracy against the reference before the period (as status reports it). */
  readonly degraded: boolean;
  readonly reference_accuracy: number | null;
}

export type ModelState = 'critical' | 'warning' | 'ok' | 'unknown';

export interface ModelOverview {
  readonly model_version: string;
  /** Its newest prediction's time; null when the source knows the version only from other records. */
  readonly newest: number | null;
  /** No prediction for longer than staleAfter before now. */
  readonly stale: boolean;
  /** Predictions in the 24 hours up to the source's newest prediction. */
  readonly last_day_to_newest: number;
  /** Predictions in the 24 hours up to now. */
  readonly last_day_to_now: number;
  readonly open_alerts: SeverityCounts & { readonly total: number };
  /** Null when the version has no predictions in the latest health period or the one before. */
  readonly health: ModelHealth | null;
  /** critical: degraded, silent or a critical alert open; warning: a warning open or accuracy unknown; else ok. */
  readonly state: ModelState;
}

export interface ModelsOverview {
  readonly now: number;
  readonly stale_after: number;
  /** The source's newest prediction, which `last_day_to_newest` counts back from. */
  readonly newest: number | null;
  readonly versions: readonly ModelOverview[];
}

function stateOf(row: Omit<ModelOverview, 'state'>): ModelState {
  if (row.stale || row.health?.degraded === true || row.open_alerts.critical > 0) return 'critical';
  if (row.open_alerts.warning > 0) return 'warning';
  if (row.health === null || row.health.accuracy === null) return row.open_alerts.total > 0 ? 'warning' : 'unknown';
  return 'ok';
}

export async function readModelsOverview(store: StoreReader, options: { readonly now: number; readonly staleAfter: number }): Promise<ModelsOverview> {
  const { now, staleAfter } = options;
  const span = await readDataSpan(store, now);
  const open = await countOpenAlerts(store);
  // Ground truth arrives late: the latest period worth judging is the one of the newest labelled prediction.
  const healthAt = (await predictionTime(store, 'newest', { hasOutcome: true })) ?? span.newest;
  const reports = healthAt === null ? [] : await computeHealth(store, { at: healthAt });
  const versions: ModelOverview[] = [];
  for (const version of span.versions) {
    const modelVersion = version.model_version;
    const row = open.by_model.find((r) => r.model_version === modelVersion);
    const report = reports.find((r) => r.snapshot.model_version === modelVersion);
    const predictions = report?.snapshot.num_predictions ?? 0;
    const count = (to: number | null) => (to === null ? Promise.resolve(0) : store.countPredictions({ modelVersion, from: to - DAY, to: to + 0.001 }));
    const base = {
      model_version: modelVersion,
      newest: version.newest,
      stale: version.newest !== null && now - version.newest > staleAfter,
      last_day_to_newest: await count(span.newest),
      last_day_to_now: await count(now),
      open_alerts: { info: row?.info ?? 0, warning: row?.warning ?? 0, critical: row?.critical ?? 0, total: row?.total ?? 0 },
      health:
        report === undefined
          ? null
          : {
              period_start: report.period_start,
              period_end: report.period_end,
              accuracy: report.snapshot.accuracy,
              ece: report.snapshot.expected_calibration_error,
              label_coverage: predictions === 0 ? null : report.labelled / predictions,
              predictions,
              labelled: report.labelled,
              degraded: report.reference.degradation.status === 'degraded',
              reference_accuracy: report.reference.accuracy,
            },
    };
    versions.push({ ...base, state: stateOf(base) });
  }
  return { now, stale_after: staleAfter, newest: span.newest, versions };
}

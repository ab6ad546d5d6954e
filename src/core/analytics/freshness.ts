/**
 * Freshness: how old the newest prediction is, for the source and for each model version it
 * has ever had, as of a time. The built-in check of `evaluate` and `watch`: a version whose
 * newest prediction is older than `staleAfter` is stale, however long ago it went silent (the
 * production incident a rule on recent windows alone never sees). It needs no rule and creates
 * no alert; a `num_predictions == 0` rule does that.
 */
import type { WindowColumns } from '../store/store';

export interface VersionFreshness {
  readonly model_version: string;
  readonly first_prediction: number;
  readonly newest_prediction: number;
  /** Seconds from the newest prediction to the time asked about. */
  readonly age: number;
  readonly stale: boolean;
}

export interface Freshness {
  /** The time the data is judged at. */
  readonly at: number;
  readonly stale_after: number;
  /** The span of the predictions before `at`: oldest and newest; null when there is none. */
  readonly first_prediction: number | null;
  readonly newest_prediction: number | null;
  readonly age: number | null;
  /** Every version with a prediction before `at`, by name. */
  readonly versions: readonly VersionFreshness[];
}

/** Freshness of time-ordered prediction columns at `at` (predictions from `at` on are not yet known then). */
export function freshnessOf(columns: Pick<WindowColumns, 'length' | 'timestamp' | 'model_version'>, at: number, staleAfter: number): Freshness {
  const span = new Map<string, { first: number; newest: number }>();
  let first: number | null = null;
  let newest: number | null = null;
  for (let i = 0; i < columns.length; i++) {
    const time = columns.timestamp[i] as number;
    // Columns are in time order: nothing after this row is before `at`.
    if (!(time < at)) break;
    first ??= time;
    newest = time;
    const version = columns.model_version[i] as string;
    const known = span.get(version);
    if (known === undefined) span.set(version, { first: time, newest: time });
    else known.newest = time;
  }
  const versions = [...span]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([model_version, { first: firstTime, newest: newestTime }]) => ({
      model_version,
      first_prediction: firstTime,
      newest_prediction: newestTime,
      age: at - newestTime,
      stale: at - newestTime > staleAfter,
    }));
  return { at, stale_after: staleAfter, first_prediction: first, newest_prediction: newest, age: newest === null ? null : at - newest, versions };
}

/** A duration for people: "52 days", "3 h", "12 min", "40 s". */
export function formatAge(seconds: number): string {
  if (seconds >= 2 * 86400) return `${Math.floor(seconds / 86400)} days`;
  if (seconds >= 2 * 3600) return `${Math.floor(seconds / 3600)} h`;
  if (seconds >= 120) return `${Math.floor(seconds / 60)} min`;
  return `${Math.max(0, Math.round(seconds))} s`;
}

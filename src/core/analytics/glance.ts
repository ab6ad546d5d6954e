/**
 * A source at a glance: how fresh its data is (the oldest and newest prediction, in all and per
 * model version, off an end of the time order) and how many of its alerts are open (from counts).
 * Cheap questions, apart from the windowed health of status.ts: `pitwall summary`, the status bar
 * and the Models view ask them without loading the analytics.
 */
import { messages } from '../messages';
import { ALERT_SEVERITIES, type AlertSeverity } from '../model/alert';
import type { PredictionTimeFilter, StoreReader } from '../store/store';

/** When one model version last sent a prediction. */
export interface VersionFreshness {
  readonly model_version: string;
  /** Time of its newest prediction; null when the source knows the version only from other records. */
  readonly newest: number | null;
  /** Seconds from its newest prediction to `now`; null with `newest`. */
  readonly age: number | null;
}

/** The span of the predictions and how fresh they are at `now`. */
export interface DataSpan {
  readonly oldest: number | null;
  readonly newest: number | null;
  /** Seconds from the newest prediction to `now` (negative when it lies ahead of the clock). */
  readonly age: number | null;
  readonly now: number;
  readonly versions: readonly VersionFreshness[];
}

/**
 * A time to the millisecond: a database keeps microseconds as text and a JSONL file a float, which
 * can differ in the last microsecond; rounded to the millisecond, both formats of the same data agree.
 */
function toMilliseconds(seconds: number): number {
  return Math.round(seconds * 1e3) / 1e3;
}

/** The oldest or newest prediction's time, to the millisecond: off a time index where the store has one, else a one-row ordered read. */
export async function predictionTime(store: StoreReader, end: 'oldest' | 'newest', filter: PredictionTimeFilter = {}): Promise<number | null> {
  if (store.readPredictionTime !== undefined) {
    const time = await store.readPredictionTime(end, filter);
    return time === null ? null : toMilliseconds(time);
  }
  const [row] = await store.readPredictions({ ...filter, order: end === 'oldest' ? 'asc' : 'desc', limit: 1 });
  return row === undefined ? null : toMilliseconds(row.timestamp);
}

/**
 * Reads the oldest and newest prediction, in all and per model version, each from one end of the
 * time order. `versions`: the source's model versions when the caller reads them anyway (reading
 * them twice at once would walk a large table's pages twice).
 */
export async function readDataSpan(store: StoreReader, now: number, versions: Promise<readonly string[]> = store.readModelVersions()): Promise<DataSpan> {
  const [oldest, newestTime] = await Promise.all([predictionTime(store, 'oldest'), predictionTime(store, 'newest')]);
  const freshness: VersionFreshness[] = [];
  for (const version of await versions) {
    const time = await predictionTime(store, 'newest', { modelVersion: version });
    freshness.push({ model_version: version, newest: time, age: time === null ? null : now - time });
  }
  return {
    oldest,
    newest: newestTime,
    age: newestTime === null ? null : now - newestTime,
    now,
    versions: freshness,
  };
}

/** "52 days", "3 hours", "5 minutes", "under a minute". */
export function describeDuration(seconds: number): string {
  const magnitude = Math.abs(seconds);
  const units: readonly [number, 'day' | 'hour' | 'minute'][] = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (magnitude >= size) return messages.duration(Math.floor(magnitude / size), unit);
  }
  return messages.durationUnderMinute();
}

/** "52 days ago", "3 hours ago", "just now"; a time ahead of the clock says so. */
export function describeAge(seconds: number): string {
  if (Math.abs(seconds) < 60) return messages.ageNow();
  return messages.age(describeDuration(seconds), seconds < 0);
}

/** The span as one line: "2026-10-01 00:00:00Z … 2026-10-14 23:59:12Z, newest prediction 52 days ago". */
export function describeDataSpan(span: DataSpan, formatTime: (seconds: number) => string): string {
  if (span.oldest === null || span.newest === null || span.age === null) return messages.dataSpanEmpty();
  return messages.dataSpan(formatTime(span.oldest), formatTime(span.newest), describeAge(span.age));
}

export type SeverityCounts = Readonly<Record<AlertSeverity, number>>;

/** Unacknowledged alerts, counted by severity and by model version (null: alerts that name none). */
export interface OpenAlerts {
  readonly total: number;
  readonly by_severity: SeverityCounts;
  readonly by_model: readonly ({ readonly model_version: string | null; readonly total: number } & SeverityCounts)[];
}

/** No alert of any severity. */
export function zeroCounts(): Record<AlertSeverity, number> {
  return { info: 0, warning: 0, critical: 0 };
}

/** Open alerts by severity and model version, from counts: one grouped pass where the store has it, else a count each. */
export async function countOpenAlerts(store: StoreReader): Promise<OpenAlerts> {
  if (store.countOpenAlertsByModel !== undefined) return groupOpenAlerts(await store.countOpenAlertsByModel());
  const bySeverity = zeroCounts();
  for (const severity of ALERT_SEVERITIES) bySeverity[severity] = await store.countAlerts({ acknowledged: false, severity });
  const total = ALERT_SEVERITIES.reduce((sum, severity) => sum + bySeverity[severity], 0);
  const byModel: ({ model_version: string | null; total: number } & Record<AlertSeverity, number>)[] = [];
  if (total > 0) {
    const named = zeroCounts();
    for (const version of await store.readModelVersions()) {
      const counts = zeroCounts();
      for (const severity of ALERT_SEVERITIES) {
        if (bySeverity[severity] === 0) continue;
        counts[severity] = await store.countAlerts({ acknowledged: false, severity, modelVersion: version });
        named[severity] += counts[severity];
      }
      const sum = ALERT_SEVERITIES.reduce((s, severity) => s + counts[severity], 0);
      if (sum > 0) byModel.push({ model_version: version, total: sum, ...counts });
    }
    const unnamed = zeroCounts();
    for (const severity of ALERT_SEVERITIES) unnamed[severity] = bySeverity[severity] - named[severity];
    const rest = ALERT_SEVERITIES.reduce((s, severity) => s + unnamed[severity], 0);
    if (rest > 0) byModel.push({ model_version: null, total: rest, ...unnamed });
  }
  return { total, by_severity: bySeverity, by_model: byModel };
}

/** Counts per severity and version, put together as countOpenAlerts does: versions in name order, alerts naming none last. */
function groupOpenAlerts(counts: readonly { severity: AlertSeverity; model_version: string | null; open: number }[]): OpenAlerts {
  const bySeverity = zeroCounts();
  const byVersion = new Map<string | null, Record<AlertSeverity, number>>();
  for (const { severity, model_version, open } of counts) {
    bySeverity[severity] += open;
    const row = byVersion.get(model_version) ?? zeroCounts();
    row[severity] += open;
    byVersion.set(model_version, row);
  }
  const collator = new Intl.Collator('en', { numeric: true });
  const versions = [...byVersion.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : collator.compare(a, b)));
  const byModel = versions.flatMap((model_version) => {
    const row = byVersion.get(model_version) ?? zeroCounts();
    const total = ALERT_SEVERITIES.reduce((sum, severity) => sum + row[severity], 0);
    return total > 0 ? [{ model_version, total, ...row }] : [];
  });
  return { total: ALERT_SEVERITIES.reduce((sum, severity) => sum + bySeverity[severity], 0), by_severity: bySeverity, by_model: byModel };
}

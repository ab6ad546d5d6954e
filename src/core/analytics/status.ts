/**
 * "What is wrong now" for one source: the data's span and freshness, open alerts by severity and
 * model version, the rules firing (since when), each version's latest health against its
 * reference, and one line per problem, most severe first.
 *
 * Everything is read through counts and bounded queries: the oldest and newest prediction come
 * from an end of the time order (of the timestamp index in a database), open alerts from counts, health from
 * windowed sums the store pushes down where it can. No call loads the predictions table.
 */
import { messages } from '../messages';
import { ALERT_SEVERITIES, type AlertSeverity } from '../model/alert';
import type { PredictionTimeFilter, StoreReader } from '../store/store';
import { computeHealth, requireModelVersion, type HealthReference, type HealthReport } from './health';
import { resolveSpec, type Duration } from './windows';

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

function zeroCounts(): Record<AlertSeverity, number> {
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

/** The open alerts of one model version, counted as the source's are. */
function versionAlerts(open: OpenAlerts, modelVersion: string): OpenAlerts {
  const row = open.by_model.find((r) => r.model_version === modelVersion);
  if (row === undefined) return { total: 0, by_severity: zeroCounts(), by_model: [] };
  return { total: row.total, by_severity: { info: row.info, warning: row.warning, critical: row.critical }, by_model: [row] };
}

/** A condition the alerting engine holds as firing. */
export interface FiringRule {
  readonly rule_id: string;
  readonly model_version: string | null;
  readonly segment: string | null;
  readonly since: number;
  /** The rule's severity; null when the source no longer has the rule. */
  readonly severity: AlertSeverity | null;
  readonly metric_name: string | null;
}

/** The engine's firing states (fingerprints `[rule_id, model_version, segment]`), oldest first. */
export async function readFiringRules(store: StoreReader): Promise<FiringRule[]> {
  const [states, rules] = await Promise.all([store.readAlertStates(), store.readRules()]);
  const byId = new Map(rules.map((rule) => [rule.rule_id, rule]));
  const firing: FiringRule[] = [];
  for (const [fingerprint, since] of Object.entries(states)) {
    const [ruleId, version, segment] = parseFingerprint(fingerprint);
    const rule = byId.get(ruleId);
    firing.push({ rule_id: ruleId, model_version: version, segment, since, severity: rule?.severity ?? null, metric_name: rule?.metric_name ?? null });
  }
  return firing.sort((a, b) => a.since - b.since || a.rule_id.localeCompare(b.rule_id));
}

/** A fingerprint as the engine writes it; anything else stands whole for its rule id. */
function parseFingerprint(fingerprint: string): [string, string | null, string | null] {
  try {
    const value: unknown = JSON.parse(fingerprint);
    if (Array.isArray(value) && typeof value[0] === 'string') {
      const text = (item: unknown) => (typeof item === 'string' ? item : null);
      return [value[0], text(value[1]), text(value[2])];
    }
  } catch {
    // Not the engine's JSON: shown as it is.
  }
  return [fingerprint, null, null];
}

export type ProblemSeverity = AlertSeverity;

export type ProblemKind = 'silent' | 'firing' | 'degraded' | 'alerts' | 'stale' | 'unreadable';

export interface StatusProblem {
  readonly severity: ProblemSeverity;
  readonly kind: ProblemKind;
  readonly model_version: string | null;
  readonly message: string;
}

const SEVERITY_RANK: Readonly<Record<ProblemSeverity, number>> = { critical: 0, warning: 1, info: 2 };
const KIND_RANK: Readonly<Record<ProblemKind, number>> = { silent: 0, firing: 1, degraded: 2, alerts: 3, stale: 4, unreadable: 5 };

export interface StatusOptions {
  /** The clock: freshness is measured against it. */
  readonly now: number;
  /** The health period; default one day. */
  readonly every?: Duration;
  /** What each version's latest period is compared with; default the 7 periods before it. */
  readonly reference?: HealthReference;
  /** A version (or the source) with no prediction for longer than this, in seconds, is a problem; default one period. */
  readonly staleAfter?: number;
  readonly minLabels?: number;
  /**
   * Only this model version's freshness, firing rules, health and open alerts (the source's span
   * stays whole); one the source does not have is an input error naming the nearest it has.
   */
  readonly modelVersion?: string;
}

export interface StatusReport {
  readonly source: string;
  readonly now: number;
  readonly span: DataSpan;
  readonly open_alerts: OpenAlerts;
  readonly firing: readonly FiringRule[];
  /** Health in the period of `at`: the newest labelled prediction's time (else the newest prediction's). */
  readonly health: { readonly at: number | null; readonly every: number; readonly versions: readonly HealthReport[] };
  readonly stale_after: number;
  /** Most severe first. */
  readonly problems: readonly StatusProblem[];
}

/** The whole status of a source at `options.now`; see the module comment. */
export async function computeStatus(store: StoreReader, options: StatusOptions): Promise<StatusReport> {
  const { every } = resolveSpec({ every: options.every ?? '1d' });
  const staleAfter = options.staleAfter ?? every;
  const { now, modelVersion } = options;
  if (modelVersion !== undefined) await requireModelVersion(store, modelVersion);
  const whole = await readDataSpan(store, now);
  const span = modelVersion === undefined ? whole : { ...whole, versions: whole.versions.filter((v) => v.model_version === modelVersion) };
  const allAlerts = await countOpenAlerts(store);
  const openAlerts = modelVersion === undefined ? allAlerts : versionAlerts(allAlerts, modelVersion);
  const firing = (await readFiringRules(store)).filter((rule) => modelVersion === undefined || rule.model_version === modelVersion);
  // Ground truth arrives late: the latest period worth judging is the one of the newest labelled prediction.
  const healthAt = (await predictionTime(store, 'newest', { hasOutcome: true })) ?? span.newest;
  const health =
    healthAt === null
      ? []
      : await computeHealth(store, {
          at: healthAt,
          every,
          ...(options.reference === undefined ? {} : { reference: options.reference }),
          ...(options.minLabels === undefined ? {} : { minLabels: options.minLabels }),
          ...(modelVersion === undefined ? {} : { modelVersion }),
        });
  const description = await store.describe();
  const problems: StatusProblem[] = [];

  if (span.age !== null && span.age > staleAfter) {
    problems.push({ severity: 'warning', kind: 'stale', model_version: null, message: messages.statusSourceStale(describeAge(span.age)) });
  }
  for (const version of span.versions) {
    if (version.newest === null || version.age === null || span.newest === null || span.newest - version.newest <= staleAfter) continue;
    const message = messages.statusVersionSilent(version.model_version, describeAge(version.age), describeDuration(span.newest - version.newest));
    problems.push({ severity: 'critical', kind: 'silent', model_version: version.model_version, message });
  }
  for (const rule of firing) {
    const age = describeAge(now - rule.since);
    problems.push({
      severity: rule.severity ?? 'warning',
      kind: 'firing',
      model_version: rule.model_version,
      message: messages.statusRuleFiring(rule.rule_id, rule.model_version, rule.segment, age, rule.severity === null),
    });
  }
  for (const report of health) {
    const { reference } = report;
    if (reference.degradation.status !== 'degraded') continue;
    problems.push({
      severity: 'critical',
      kind: 'degraded',
      model_version: report.snapshot.model_version,
      message: messages.statusDegraded(report.snapshot.model_version, reference.degradation.current_value ?? 0, reference.degradation.baseline_value ?? 0, reference.degradation.p_value ?? 0),
    });
  }
  for (const severity of [...ALERT_SEVERITIES].reverse()) {
    const count = openAlerts.by_severity[severity];
    if (count === 0) continue;
    const models = openAlerts.by_model.filter((row) => row[severity] > 0).map((row) => ({ model: row.model_version, count: row[severity] }));
    problems.push({ severity, kind: 'alerts', model_version: null, message: messages.statusOpenAlerts(count, severity, models) });
  }
  const unreadable = description.warnings.length + description.diagnostics.length;
  if (unreadable > 0) problems.push({ severity: 'warning', kind: 'unreadable', model_version: null, message: messages.statusUnreadable(unreadable) });

  problems.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || KIND_RANK[a.kind] - KIND_RANK[b.kind] || (a.model_version ?? '').localeCompare(b.model_version ?? ''));
  return { source: description.path, now, span, open_alerts: openAlerts, firing, health: { at: healthAt, every, versions: health }, stale_after: staleAfter, problems };
}

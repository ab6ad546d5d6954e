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
import type { StoreReader } from '../store/store';
import { countOpenAlerts, describeAge, describeDuration, predictionTime, readDataSpan, zeroCounts, type DataSpan, type OpenAlerts } from './glance';
import { computeHealth, requireModelVersion, type HealthReference, type HealthReport } from './health';
import { resolveSpec } from './windows';
import { type Duration } from './duration';

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

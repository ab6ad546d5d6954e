/**
 * Why an alert fired, for one alert of a source: what the alert details panel, the CLI's
 * `explain`, the channels and the Alerts tree show. The engine records the context when it fires
 * an alert (run.ts); for the alerts the Python service fired there is none, and it is computed on
 * demand from the source, the same way.
 *
 * The windows: the alert's window ends at the alert's time. For an alert of Pitwall's engine it
 * is the rule's window as the engine judged it (`conditions.window`, 1 h by default); for an alert
 * the Python service fired, the rule's `conditions.window` when it sets one, else PYTHON_WINDOW
 * (the service judges its rules over its own recent window, which the alert does not record). The
 * baseline is the window before it: for a drift rule the one the engine compared with
 * (`baseline_window`, else the rule window's length), for other alerts the rule's
 * `baseline_window` when it sets one, else the DEFAULT_BASELINE before the alert's window, so
 * that the segments have enough labelled predictions to compare. Either may be given instead.
 */
import { explainColumns, type WhyDriftStatistic, type WhyOptions } from '../analytics/why';
import { readSegmentNames } from '../analytics/segmentNames';
import type { AlertRule } from '../model/alertRule';
import type { AlertWhy } from '../model/alertWhy';
import type { AlertKey, StoredAlert, StoreReader } from '../store/store';
import { readAlertDetails } from './alertDetails';
import { measureOf, type RuleMeasure } from './ruleOptions';

/** The baseline of an alert whose rule sets none: a day before the alert's window. */
export const DEFAULT_BASELINE = 86400;
/** The alert's window when the engine fired it and its rule sets none: the engine's default rule window. */
export const DEFAULT_WINDOW = 3600;
/** The alert's window when the Python service fired it and no rule sets one: a day. */
export const PYTHON_WINDOW = 86400;

export interface ExplainOptions extends Pick<WhyOptions, 'segments' | 'driftedFeatures' | 'minSegmentLabelled'> {
  /** The rule that fired the alert when the caller knows it (the engine does); else it is looked up (alertDetails.ts). */
  readonly rule?: AlertRule | null;
  /** Seconds: the alert's window, ending at its time. */
  readonly window?: number;
  /** Seconds: the baseline window, just before the alert's window. */
  readonly baseline?: number;
}

const DRIFT_METRIC = /^(.+)_(psi|ks|wasserstein|chi_square|js)$/;

function measureOrNull(rule: AlertRule | null): RuleMeasure | null {
  if (rule === null) return null;
  try {
    return measureOf(rule);
  } catch {
    // A rule the engine cannot read gives no windows: the defaults apply.
    return null;
  }
}

/** The alert's rule, and whether Pitwall's engine fired the alert (the caller says so, or a firing state or the delivery log does). */
async function ruleOf(store: StoreReader, alert: StoredAlert, given: AlertRule | null | undefined): Promise<{ rule: AlertRule | null; engine: boolean }> {
  if (given !== undefined) return { rule: given, engine: true };
  const detail = (await readAlertDetails(store, [alert])).get(alert.key);
  const engine = detail?.rule_from === 'firing-state' || detail?.rule_from === 'delivery-log';
  if (detail?.rule_id === null || detail === undefined) return { rule: null, engine };
  return { rule: (await store.readRules()).find((rule) => rule.rule_id === detail.rule_id) ?? null, engine };
}

/** Each feature's newest importance (|importance_score|, else |shap_value|) recorded for the version up to `at`; the version-less records when it has none. */
async function readImportance(store: StoreReader, version: string | null, at: number): Promise<Map<string, number>> {
  const newest = async (modelVersion: string | undefined) => {
    const records = await store.readFeatureImportance({ to: at, ...(modelVersion === undefined ? {} : { modelVersion }) });
    const found = new Map<string, number>();
    for (const record of records) {
      if (modelVersion === undefined && record.model_version !== null) continue;
      const value = record.importance_score ?? record.shap_value;
      if (value !== null) found.set(record.feature_name, Math.abs(value));
    }
    return found;
  };
  const ofVersion = version === null ? new Map<string, number>() : await newest(version);
  return ofVersion.size > 0 ? ofVersion : await newest(undefined);
}

/** Computes why `alert` fired from the source's predictions (see the module's note for the windows). */
export async function explainAlert(store: StoreReader, alert: StoredAlert, options: ExplainOptions = {}): Promise<AlertWhy> {
  const { rule, engine } = await ruleOf(store, alert, options.rule);
  const m = measureOrNull(rule);
  let drift: { feature: string; statistic: WhyDriftStatistic } | undefined = m?.drift;
  if (rule === null && alert.metric_name !== null) {
    const match = DRIFT_METRIC.exec(alert.metric_name);
    if (match !== null) drift = { feature: match[1] as string, statistic: match[2] as WhyDriftStatistic };
  }
  const window = options.window ?? (m !== null && (engine || m.options.window !== undefined) ? m.window : engine ? DEFAULT_WINDOW : PYTHON_WINDOW);
  // A drift rule without a baseline_window compares with a window as long as its own (as the engine does).
  const baselineLength = options.baseline ?? (m !== null && m.options.baseline_window !== undefined ? m.baselineWindow : drift !== undefined ? window : DEFAULT_BASELINE);
  const t = alert.timestamp;
  const current = { from: t - window, to: t };
  const baseline = { from: t - window - baselineLength, to: t - window };
  const version = alert.model_version;
  const scope = { from: baseline.from, to: current.to, ...(version === null ? {} : { modelVersion: version }) };
  const [features, metadata, importance] = await Promise.all([
    readSegmentNames(store, 'feature', scope),
    drift === undefined ? readSegmentNames(store, 'metadata', scope) : Promise.resolve([]),
    readImportance(store, version, t),
  ]);
  const columns = await store.readPredictionColumns({ ...scope, features: drift === undefined || features.includes(drift.feature) ? features : [...features, drift.feature], metadata });
  return explainColumns(columns, {
    kind: drift === undefined ? 'performance' : 'drift',
    rule_id: rule?.rule_id ?? null,
    model_version: version,
    baseline,
    current,
    features,
    metadata,
    importance,
    ...(drift === undefined ? {} : { drift }),
    ...(options.segments === undefined ? {} : { segments: options.segments }),
    ...(options.driftedFeatures === undefined ? {} : { driftedFeatures: options.driftedFeatures }),
    ...(options.minSegmentLabelled === undefined ? {} : { minSegmentLabelled: options.minSegmentLabelled }),
  });
}

export interface AlertWhyResult {
  readonly why: AlertWhy;
  /** When the engine recorded it; null when it was computed now. */
  readonly recorded_at: number | null;
  /** Damaged stored contexts met while reading (each skipped). */
  readonly problems: readonly string[];
}

/**
 * Why `alert` fired: the context recorded when Pitwall's engine fired it, else computed now
 * (alerts the Python service fired, or whose record is damaged). The one entry the alert
 * details panel, the CLI and the editor call. Options other than `rule` apply only when it is
 * computed; `recordedOnly` reads the record and computes nothing (a tooltip); `fresh` computes
 * it again whatever was recorded (other windows than the rule's, say).
 */
export async function readAlertWhy(
  store: StoreReader,
  alert: StoredAlert,
  options: ExplainOptions & { readonly recordedOnly?: boolean; readonly fresh?: boolean } = {},
): Promise<AlertWhyResult | null> {
  if (options.fresh === true) return { why: await explainAlert(store, alert, options), recorded_at: null, problems: [] };
  const log = await store.readAlertContexts([alert.key]);
  const recorded = log.records.find((record) => record.alert === alert.key);
  if (recorded !== undefined) return { why: recorded.why, recorded_at: recorded.recorded_at, problems: log.problems };
  if (options.recordedOnly === true) return null;
  return { why: await explainAlert(store, alert, options), recorded_at: null, problems: log.problems };
}

/** The contexts recorded for these alerts, by key (none computed): what a tree's tooltips show. */
export async function readRecordedWhy(store: StoreReader, keys: readonly AlertKey[]): Promise<Map<AlertKey, AlertWhy>> {
  if (keys.length === 0) return new Map();
  const log = await store.readAlertContexts(keys);
  return new Map(log.records.map((record) => [record.alert, record.why]));
}

/**
 * Rule evaluation over loaded prediction columns, at a given time. Pure: no store, no clock,
 * no delivery. A rule is judged once per scope (each model version, or the versions it names;
 * each value of its segment, when it has one); each scope has a fingerprint (rule + model
 * version + segment) under which alerts are deduplicated.
 *
 * - threshold: the metric over [at − window, at);
 * - degradation: with a `baseline_window`, the metric's relative change, (current − baseline) /
 *   |baseline|, the baseline being that window just before the rule window; without one, the
 *   metric's value as the Python system's degradation rules compare it (`f1_score < 0.65`). The
 *   metric `degradation_detected` is 1 or 0 from the two-proportion z-test of degradation.ts,
 *   against the baseline window (the rule window's length when not set);
 * - drift: a feature's statistic (PSI, KS, Wasserstein, chi-square, JS) between the same two windows.
 *
 * `for_minutes`: the condition must hold at `at` and at every earlier check (5-minute steps, or
 * the rule window when shorter) back to `at − for`; it is judged from the data, so a restarted
 * process, a second process and a backtest all agree on when a rule fires.
 */
import { classificationOfRows } from '../analytics/classification';
import { detectDegradation } from '../analytics/degradation';
import { featureDrift } from '../analytics/drift';
import { summarizeMetrics, type MetricsSummary } from '../analytics/summary';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import type { FeatureValue } from '../model/fields';
import { COMPARE, type AlertRule } from '../model/alertRule';
import type { PredictionScope } from '../query/plan';
import type { WindowColumns } from '../store/store';
import { measureOf, type RuleMeasure } from './ruleOptions';


/** Metrics a threshold or degradation rule can watch, as MetricsSummary fields. */
const SUMMARY_METRICS = [
  'count',
  'labelled',
  'label_coverage',
  'accuracy',
  'precision',
  'recall',
  'f1',
  'specificity',
  'roc_auc',
  'average_precision',
  'log_loss',
  'brier',
  'ece',
  'mce',
  'avg_confidence',
  'min_confidence',
  'max_confidence',
  'confidence_std',
] as const satisfies readonly (keyof MetricsSummary)[];
type SummaryMetric = (typeof SUMMARY_METRICS)[number];
const LABEL_FREE: ReadonlySet<string> = new Set(['count', 'labelled', 'label_coverage', 'avg_confidence', 'min_confidence', 'max_confidence', 'confidence_std']);
export const WATCHABLE_METRICS: readonly string[] = [...SUMMARY_METRICS, 'degradation_detected'];

/** Seconds between the checks of a `for` duration, at most. */
const FOR_STEP = 300;

export type RuleState = 'ok' | 'holds' | 'insufficient';

export interface ScopeVerdict {
  readonly rule_id: string;
  readonly fingerprint: string;
  readonly model_version: string | null;
  /** "feature=value" or "metadata.key=value"; null without a segment. */
  readonly segment: string | null;
  /** The value compared with the threshold; null when there was too little data. */
  readonly value: number | null;
  /** 'holds': the condition holds (for the whole `for` duration); 'ok': it does not. */
  readonly state: RuleState;
  /** Why, in a sentence (the value and threshold, or what data is missing). */
  readonly reason: string;
  readonly window_start: number;
  readonly window_end: number;
  readonly samples: number;
}

/** Columns sorted by time (as stores return them), with a binary search over time. */
export class TimeIndex {
  constructor(readonly columns: WindowColumns) {}

  /** First row with timestamp ≥ t. */
  lowerBound(t: number): number {
    const times = this.columns.timestamp;
    let lo = 0;
    let hi = this.columns.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((times[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  rows(from: number, to: number): [number, number] {
    return [this.lowerBound(from), this.lowerBound(to)];
  }

  /** Per column ('' for the model version), when each of its values first appears: computed once per index. */
  private readonly firstSeen = new Map<string, ReadonlyMap<string, number>>();

  /**
   * The values of a column (the model versions when `values` is the model_version column) that
   * appear before `at`, however long ago: a version that went silent is still one the source knows.
   */
  knownBefore(key: string, values: readonly (FeatureValue | undefined)[], at: number): string[] {
    let first = this.firstSeen.get(key);
    if (first === undefined) {
      const seen = new Map<string, number>();
      const times = this.columns.timestamp;
      for (let i = 0; i < this.columns.length; i++) {
        const value = values[i];
        if (value === null || value === undefined) continue;
        const text = String(value);
        if (!seen.has(text)) seen.set(text, times[i] as number);
      }
      this.firstSeen.set(key, (first = seen));
    }
    return [...first].filter(([, time]) => time < at).map(([value]) => value);
  }
}

interface Scope {
  readonly version: string | null;
  readonly segment: { readonly label: string; readonly value: string } | null;
}

function segmentValues(columns: WindowColumns, measure: RuleMeasure): readonly FeatureValue[] | undefined {
  const segment = measure.options.segment;
  if (segment === undefined) return undefined;
  return segment.feature !== undefined ? columns.features.get(segment.feature) : columns.metadata?.get(segment.metadata as string);
}

/** A range narrowed to what a saved query's `where` keeps (the whole range without one). */
function clamp(from: number, to: number, kept: PredictionScope | undefined): [number, number] {
  return [Math.max(from, kept?.from ?? -Infinity), Math.min(to, kept?.to ?? Infinity)];
}

function select(index: TimeIndex, from: number, to: number, scope: Scope, segmentColumn: readonly FeatureValue[] | undefined, kept: PredictionScope | undefined): number[] {
  const { columns } = index;
  const [start, end] = index.rows(from, Math.max(from, to));
  const rows: number[] = [];
  const keptVersion = kept?.modelVersion;
  for (let i = start; i < end; i++) {
    if (scope.version !== null && columns.model_version[i] !== scope.version) continue;
    if (keptVersion !== undefined && columns.model_version[i] !== keptVersion) continue;
    if (scope.segment !== null) {
      const value = segmentColumn?.[i];
      if (value === null || value === undefined || String(value) !== scope.segment.value) continue;
    }
    rows.push(i);
  }
  return rows;
}

/**
 * The scopes a rule is judged in: from the data of its windows, or (`from` null) from all the
 * data before `to`, however old, so that a scope that went silent long ago is still judged.
 */
function scopesOf(index: TimeIndex, measure: RuleMeasure, from: number | null, to: number): Scope[] {
  const { columns } = index;
  const [start, end] = index.rows(from ?? -Infinity, to);
  const versions = new Set<string>(measure.options.model_versions ?? []);
  if (measure.options.model_versions === undefined) {
    if (from === null) for (const version of index.knownBefore('', columns.model_version, to)) versions.add(version);
    else for (let i = start; i < end; i++) versions.add(columns.model_version[i] as string);
  }
  // A saved query's `where model_version == …` keeps that version only.
  const keptVersion = measure.filter?.scopeAt(to).modelVersion;
  if (keptVersion !== undefined) for (const version of versions) if (version !== keptVersion) versions.delete(version);
  const segmentColumn = segmentValues(columns, measure);
  const segment = measure.options.segment;
  if (segment === undefined) return [...versions].sort().map((version) => ({ version, segment: null }));
  const label = segment.feature !== undefined ? segment.feature : `metadata.${segment.metadata as string}`;
  const values = new Set<string>((segment.values ?? []).map(String));
  if (segment.values === undefined && segmentColumn !== undefined) {
    if (from === null) for (const value of index.knownBefore(JSON.stringify(segment), segmentColumn, to)) values.add(value);
    else {
      for (let i = start; i < end; i++) {
        const value = segmentColumn[i];
        if (value !== null && value !== undefined) values.add(String(value));
      }
    }
  }
  return [...versions].sort().flatMap((version) => [...values].sort().map((value) => ({ version, segment: { label, value } })));
}

export function fingerprintOf(ruleId: string, version: string | null, segment: string | null): string {
  return JSON.stringify([ruleId, version, segment]);
}

interface Measured {
  readonly value: number | null;
  readonly samples: number;
  readonly reason: string | null;
}

/**
 * Rows and metrics of (range, scope) already computed in this evaluation: rules over the same
 * window and scope share them, so fifty rules cost about as much as their distinct windows.
 */
export class MeasureCache {
  private readonly rows = new Map<string, number[]>();
  private readonly summaries = new Map<string, MetricsSummary>();

  /** `kept`: what a saved query's `where` keeps; the range is narrowed to it before the key is made, so equal selections share. */
  key(from: number, to: number, scope: Scope, segmentLabel: string | null, kept?: PredictionScope): string {
    const [start, end] = clamp(from, to, kept);
    return JSON.stringify([start, end, scope.version, segmentLabel, scope.segment?.value ?? null, kept?.modelVersion ?? null]);
  }

  rowsOf(index: TimeIndex, from: number, to: number, scope: Scope, segmentColumn: readonly FeatureValue[] | undefined, segmentLabel: string | null, kept?: PredictionScope): number[] {
    const key = this.key(from, to, scope, segmentLabel, kept);
    let rows = this.rows.get(key);
    if (rows === undefined) this.rows.set(key, (rows = select(index, ...clamp(from, to, kept), scope, segmentColumn, kept)));
    return rows;
  }

  summaryOf(index: TimeIndex, from: number, to: number, scope: Scope, segmentColumn: readonly FeatureValue[] | undefined, segmentLabel: string | null, kept?: PredictionScope): MetricsSummary {
    const key = this.key(from, to, scope, segmentLabel, kept);
    let summary = this.summaries.get(key);
    if (summary === undefined) this.summaries.set(key, (summary = summarizeMetrics(classificationOfRows(index.columns, this.rowsOf(index, from, to, scope, segmentColumn, segmentLabel, kept)))));
    return summary;
  }
}

/** The rule's value in one scope for the window ending at `at`. */
function measure(index: TimeIndex, rule: AlertRule, m: RuleMeasure, scope: Scope, at: number, cache: MeasureCache): Measured {
  const { columns } = index;
  const segmentColumn = segmentValues(columns, m);
  const label = m.options.segment === undefined ? null : JSON.stringify(m.options.segment);
  const kept = m.filter?.scopeAt(at);
  const current = cache.rowsOf(index, at - m.window, at, scope, segmentColumn, label, kept);
  if (rule.metric_type === 'drift') {
    const drift = m.drift as NonNullable<RuleMeasure['drift']>;
    const values = columns.features.get(drift.feature);
    if (values === undefined) return { value: null, samples: current.length, reason: `feature ${drift.feature} was not read` };
    const baseline = cache.rowsOf(index, at - m.window - m.baselineWindow, at - m.window, scope, segmentColumn, label, kept);
    const result = featureDrift(drift.feature, baseline.map((i) => values[i] ?? null), current.map((i) => values[i] ?? null));
    if (result.status !== 'ok') return { value: null, samples: current.length, reason: result.reason };
    const value =
      result.kind === 'numeric'
        ? { psi: result.psi, ks: result.ks_statistic, wasserstein: result.wasserstein, chi_square: null, js: null }[drift.statistic]
        : { psi: null, ks: null, wasserstein: null, chi_square: result.chi_square, js: result.js_distance }[drift.statistic];
    return value === null || value === undefined
      ? { value: null, samples: current.length, reason: `${drift.statistic} does not apply to the ${result.kind} feature ${drift.feature}` }
      : { value, samples: current.length, reason: null };
  }
  const summary = cache.summaryOf(index, at - m.window, at, scope, segmentColumn, label, kept);
  const enough = enoughData(rule, m, summary);
  if (enough !== null) return { value: null, samples: summary.labelled, reason: enough };
  if (rule.metric_type === 'degradation') {
    const baseline = cache.summaryOf(index, at - m.window - m.baselineWindow, at - m.window, scope, segmentColumn, label, kept);
    if (m.metric === 'degradation_detected') {
      const verdict = detectDegradation(
        { correct: baseline.true_positives + baseline.true_negatives, labelled: baseline.labelled },
        { correct: summary.true_positives + summary.true_negatives, labelled: summary.labelled },
      );
      return verdict.status === 'insufficient' ? { value: null, samples: summary.labelled, reason: verdict.reason } : { value: verdict.status === 'degraded' ? 1 : 0, samples: summary.labelled, reason: null };
    }
    const now = summary[m.metric as SummaryMetric];
    if (m.options.baseline_window === undefined) {
      return now === null ? { value: null, samples: summary.labelled, reason: `${m.metric} is undefined in this window` } : { value: now, samples: summary.labelled, reason: null };
    }
    const before = baseline[m.metric as SummaryMetric];
    if (now === null || before === null || before === 0) return { value: null, samples: summary.labelled, reason: `no baseline ${m.metric} to compare with` };
    return { value: (now - before) / Math.abs(before), samples: summary.labelled, reason: null };
  }
  const value = summary[m.metric as SummaryMetric];
  return value === null ? { value: null, samples: summary.labelled, reason: `${m.metric} is undefined in this window` } : { value, samples: LABEL_FREE.has(m.metric) ? summary.count : summary.labelled, reason: null };
}

function enoughData(rule: AlertRule, m: RuleMeasure, summary: MetricsSummary): string | null {
  const labels = !LABEL_FREE.has(m.metric) || rule.metric_type === 'degradation';
  const samples = labels ? summary.labelled : summary.count;
  if (samples < rule.min_samples) return `${samples} ${labels ? 'labelled predictions' : 'predictions'}, fewer than min_samples ${rule.min_samples}`;
  const coverage = m.options.min_label_coverage;
  if (coverage !== undefined && (summary.label_coverage ?? 0) < coverage) return `label coverage ${((summary.label_coverage ?? 0) * 100).toFixed(1)}% is below ${(coverage * 100).toFixed(1)}%`;
  return null;
}

function holds(rule: AlertRule, m: RuleMeasure, value: number): boolean {
  return COMPARE[rule.comparison](value, rule.threshold) && bandBound(m, value) === null;
}

/** The seed's min_value / max_value bound that keeps `value` out of the rule's band; null inside it. */
function bandBound(m: RuleMeasure, value: number): { readonly name: 'min_value' | 'max_value'; readonly bound: number } | null {
  const { min_value: min, max_value: max } = m.options;
  if (min !== undefined && min !== null && value < min) return { name: 'min_value', bound: min };
  if (max !== undefined && max !== null && value > max) return { name: 'max_value', bound: max };
  return null;
}

/** Why a measured value does not hold the rule's condition: the comparison, or the band (min_value / max_value) that excludes it. */
function whyNot(rule: AlertRule, m: RuleMeasure, value: number): string {
  const shown = value.toFixed(4);
  if (!COMPARE[rule.comparison](value, rule.threshold)) return messages.verdictComparisonFails(rule.metric_name, shown, rule.comparison, rule.threshold);
  const band = bandBound(m, value) as NonNullable<ReturnType<typeof bandBound>>;
  return messages.verdictOutsideBand(rule.metric_name, shown, rule.comparison, rule.threshold, band.name, band.bound);
}

/** Checks rule names a metric Pitwall computes; an input error naming the rule otherwise. */
export function checkRule(rule: AlertRule): RuleMeasure {
  const m = measureOf(rule);
  if (rule.metric_type !== 'drift' && !WATCHABLE_METRICS.includes(m.metric)) throw new PitwallError('input', messages.ruleMetricUnknown(rule.rule_id, rule.metric_name, WATCHABLE_METRICS));
  return m;
}

/** Judges one rule at `at`, in every scope. The columns must hold the features and metadata the rule segments or drifts by. */
export function judgeRuleAt(index: TimeIndex, rule: AlertRule, at: number, measureCache?: RuleMeasure, cache = new MeasureCache()): ScopeVerdict[] {
  const m = measureCache ?? checkRule(rule);
  const forSeconds = rule.for_minutes * 60;
  const step = Math.min(FOR_STEP, m.window);
  // Absence is a signal: a prediction count is judged for every version (and segment) the source
  // has ever had before `at`, so one that went silent fires however long ago it stopped. Other
  // rules judge the scopes in the data of their windows and one window before them.
  const judgesAbsence = rule.metric_type === 'threshold' && m.metric === 'count';
  const scopes = scopesOf(index, m, judgesAbsence ? null : at - 2 * m.window - (rule.metric_type === 'threshold' ? 0 : m.baselineWindow) - forSeconds, at);
  return scopes.map((scope) => {
    const segment = scope.segment === null ? null : `${scope.segment.label}=${scope.segment.value}`;
    const base = { rule_id: rule.rule_id, fingerprint: fingerprintOf(rule.rule_id, scope.version, segment), model_version: scope.version, segment, window_start: at - m.window, window_end: at };
    const now = measure(index, rule, m, scope, at, cache);
    if (now.value === null) return { ...base, value: null, state: 'insufficient', reason: now.reason ?? 'not enough data', samples: now.samples };
    const comparison = `${rule.metric_name} is ${now.value.toFixed(4)} (${rule.comparison} ${rule.threshold})`;
    if (!holds(rule, m, now.value)) return { ...base, value: now.value, state: 'ok', reason: whyNot(rule, m, now.value), samples: now.samples };
    // The `for` duration: every earlier check back to at − for must hold too.
    for (let t = at - step; t >= at - forSeconds; t -= step) {
      const earlier = measure(index, rule, m, scope, t, cache);
      if (earlier.value === null || !holds(rule, m, earlier.value)) {
        return { ...base, value: now.value, state: 'ok', reason: `${comparison}, but not for ${rule.for_minutes} minutes yet (pending)`, samples: now.samples };
      }
    }
    return { ...base, value: now.value, state: 'holds', reason: comparison, samples: now.samples };
  });
}

/** The features and metadata keys the rules need read with the predictions. */
export function columnsForRules(rules: readonly AlertRule[]): { features: string[]; metadata: string[] } {
  const features = new Set<string>();
  const metadata = new Set<string>();
  for (const rule of rules) {
    let m: RuleMeasure;
    try {
      m = measureOf(rule);
    } catch {
      continue;
    }
    if (m.drift !== undefined) features.add(m.drift.feature);
    if (m.options.segment?.feature !== undefined) features.add(m.options.segment.feature);
    if (m.options.segment?.metadata !== undefined) metadata.add(m.options.segment.metadata);
  }
  return { features: [...features].sort(), metadata: [...metadata].sort() };
}

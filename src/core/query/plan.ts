/**
 * The PQL planner and checker: a parsed statement becomes a plan of the kernel's existing
 * analyses (the window plan of `pitwall trend`, the summary of `pitwall metrics`, the drift,
 * health and estimate reports, the alert engine's backtest, the alert listing) plus table steps
 * over their rows (where, sort, take, select). Names are checked against the kernel's lists
 * (stages, metrics, statistics, severities, chart kinds) and, when a schema is given, the open
 * source's features, metadata keys, model versions and rule ids. Nothing here throws on bad
 * input: every problem is a QueryError with its span.
 */
import { DRIFT_STATISTICS, type DriftStatistic } from '../alerting/ruleOptions';
import { WATCHABLE_METRICS } from '../alerting/evaluate';
import { ALL_METRIC_NAMES, canonicalMetricName } from '../analytics/metricNames';
import { DEFAULT_MIN_LABELS, DEFAULT_TREND_METRICS, WINDOW_METRICS, type WindowGrouping } from '../analytics/windows';
import { messages } from '../messages';
import { ALERT_SEVERITIES, type AlertSeverity } from '../model/alert';
import { nearestName } from '../suggest';
import { SOURCES, type CompareOp, type Expr, type FieldRef, type Param, type Pipeline, type Program, type Stage } from './ast';
import type { QueryError, Span } from './lexer';

export const CHART_KINDS = ['line', 'bar', 'area', 'point', 'reliability', 'distribution', 'table'] as const;
/** What `metrics` reports over a whole range (the summary of `pitwall metrics`). */
export const SUMMARY_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'specificity', 'roc_auc', 'average_precision', 'log_loss', 'brier', 'ece', 'mce', 'avg_confidence', 'min_confidence', 'max_confidence', 'confidence_std'];
const DEFAULT_BINS = 10;

/** What the checker may know about the open source; each list is checked only when given. */
export interface SourceSchema {
  readonly features?: readonly string[];
  readonly metadata?: readonly string[];
  readonly versions?: readonly string[];
  readonly rules?: readonly string[];
}

/** The predictions an analysis covers, as the kernel's queries take them; `spans` say where each part was written. */
export interface PredictionScope {
  readonly modelVersion?: string;
  readonly from?: number;
  readonly to?: number;
}

export type Binning = 'width' | 'mass';

export type Analysis =
  | {
      readonly kind: 'windows';
      readonly every: number;
      readonly slide?: number;
      readonly by?: WindowGrouping;
      readonly fillEmpty: boolean;
      readonly metrics: readonly string[];
      readonly bins: number;
      readonly minLabels: number;
    }
  | { readonly kind: 'metrics'; readonly metrics: readonly string[]; readonly bins: number; readonly binning: Binning; readonly minLabels: number }
  | { readonly kind: 'calibration'; readonly bins: number; readonly binning: Binning }
  | { readonly kind: 'drift'; readonly baseline: { readonly from: number; readonly to: number }; readonly tests: readonly DriftTest[] | null }
  | { readonly kind: 'health'; readonly every: string; readonly at?: number; readonly minLabels: number; readonly reference?: { readonly from: number; readonly to: number } }
  | { readonly kind: 'estimate'; readonly every: number; readonly reference?: { readonly from: number; readonly to: number } }
  | { readonly kind: 'compare'; readonly versions: readonly [string, string]; readonly metrics: readonly string[]; readonly bins: number; readonly binning: Binning; readonly minLabels: number }
  | {
      readonly kind: 'alert';
      readonly metric: string;
      readonly op: CompareOp;
      readonly threshold: number;
      readonly forMinutes: number;
      readonly severity: AlertSeverity;
      readonly window: string;
      readonly by?: WindowGrouping;
    }
  | { readonly kind: 'predictions'; readonly limit: number }
  | { readonly kind: 'alerts'; readonly severity?: readonly AlertSeverity[]; readonly acknowledged?: boolean; readonly rule?: string; readonly limit?: number }
  | { readonly kind: 'rules' }
  | { readonly kind: 'health-snapshots' };

export interface DriftTest {
  readonly statistic: DriftStatistic;
  readonly feature: string;
  readonly span: Span;
}

/** A step over the rows of an analysis, in memory (they are aggregates, or a page of records). */
export type RowStep =
  | { readonly kind: 'where'; readonly condition: Expr; readonly span: Span }
  | { readonly kind: 'sort'; readonly keys: readonly { readonly column: string; readonly descending: boolean; readonly span: Span }[]; readonly span: Span }
  | { readonly kind: 'take'; readonly count: number; readonly span: Span }
  | { readonly kind: 'select'; readonly columns: readonly { readonly column: string; readonly span: Span }[]; readonly span: Span };

export interface QueryPlan {
  readonly source: 'predictions' | 'alerts' | 'rules' | 'health';
  readonly scope: PredictionScope;
  /** Where the model version was asked for (a version the source lacks is reported there). */
  readonly modelSpan?: Span;
  /** Where the grouping was asked for (a feature no prediction has is reported there). */
  readonly bySpan?: Span;
  readonly analysis: Analysis;
  /** The stage that chose the analysis: runtime errors of the kernel are reported at it. */
  readonly analysisSpan: Span;
  readonly steps: readonly RowStep[];
  readonly chart: string | null;
  readonly span: Span;
}

export interface PlannedStatement {
  /** The name a `let` gives; such a statement shows nothing by itself. */
  readonly name?: string;
  readonly plan: QueryPlan;
}

export interface PlanResult {
  readonly statements: readonly PlannedStatement[];
  readonly errors: readonly QueryError[];
}

class PlanFailure extends Error {
  constructor(readonly error: QueryError) {
    super(error.message);
  }
}

function fail(span: Span, code: string, message: string, hint?: string): never {
  throw new PlanFailure({ code, message, ...(hint === undefined ? {} : { hint }), span });
}

function unknown(span: Span, code: string, what: string, given: string, known: readonly string[], listName: string): never {
  const suggestion = nearestName(given, known);
  return fail(span, code, messages.pqlUnknownName(what, given), suggestion === undefined ? messages.pqlKnownNames(listName, known) : messages.pqlDidYouMean(suggestion));
}

/**
 * Plans every statement; `let` names are substituted into the statements after them (a name
 * stands for its pipeline, whose stages come first). `now` is what `ago()` counts back from.
 */
export function planProgram(program: Program, now: number, schema: SourceSchema = {}, lets: Map<string, Pipeline> = new Map()): PlanResult {
  const statements: PlannedStatement[] = [];
  const errors: QueryError[] = [];
  const seen = new Set<string>();
  const report = (error: QueryError) => {
    // A let's problem comes back with every statement that uses it: it is told once.
    const key = `${error.code}:${error.span.start}:${error.span.end}`;
    if (!seen.has(key)) errors.push(error);
    seen.add(key);
  };
  for (const statement of program.statements) {
    let pipeline: Pipeline;
    try {
      pipeline = expand(statement.pipeline, lets, statement.kind === 'let' ? statement.name.name : undefined);
      if (statement.kind === 'let' && (lets.has(statement.name.name) || (SOURCES as readonly string[]).includes(statement.name.name))) {
        fail(statement.name.span, 'duplicate-name', messages.pqlLetDuplicate(statement.name.name));
      }
    } catch (error) {
      if (!(error instanceof PlanFailure)) throw error;
      report(error.error);
      continue;
    }
    if (statement.kind === 'let') lets.set(statement.name.name, pipeline);
    try {
      const plan = planPipeline(pipeline, now, schema);
      statements.push(statement.kind === 'let' ? { name: statement.name.name, plan } : { plan });
    } catch (error) {
      if (!(error instanceof PlanFailure)) throw error;
      // A let may name a pipeline that later statements finish (`let late = predictions | where …`).
      if (statement.kind === 'let' && error.error.code === 'no-analysis') continue;
      report(error.error);
    }
  }
  return { statements, errors };
}

function expand(pipeline: Pipeline, lets: ReadonlyMap<string, Pipeline>, defining: string | undefined): Pipeline {
  const name = pipeline.source.name;
  if ((SOURCES as readonly string[]).includes(name)) return pipeline;
  const bound = lets.get(name);
  if (bound !== undefined) return { ...pipeline, source: bound.source, stages: [...bound.stages, ...pipeline.stages] };
  if (name === defining) fail(pipeline.source.span, 'unknown-source', messages.pqlLetSelf(name));
  return unknown(pipeline.source.span, 'unknown-source', 'source', name, [...SOURCES, ...lets.keys()], 'sources');
}

/** What a pipeline has gathered before its analysis stage. */
interface Gathered {
  scope: { modelVersion?: string; from?: number; to?: number };
  modelSpan?: Span;
  window?: { every: number; everyText: string; slide?: number; fill: boolean; span: Span };
  by?: { grouping: WindowGrouping; span: Span };
  reference?: { from: number; to: number; span: Span };
  metrics?: { names: string[]; bins: number; binning: Binning; minLabels: number; span: Span };
}

function planPipeline(pipeline: Pipeline, now: number, schema: SourceSchema): QueryPlan {
  const source = pipeline.source.name as QueryPlan['source'];
  const gathered: Gathered = { scope: {} };
  let analysis: Analysis | undefined;
  let analysisSpan: Span = pipeline.source.span;
  const steps: RowStep[] = [];
  let chart: string | null = null;
  const stages = pipeline.stages;
  let i = 0;

  if (source === 'predictions') {
    // Shaping stages, then at most one analysis, then row steps.
    for (; i < stages.length; i++) {
      const stage = stages[i] as Stage;
      if (stage.kind === 'where') whereOnPredictions(stage.condition, gathered, now, schema);
      else if (stage.kind === 'window') {
        once(gathered.window, stage);
        const every = stage.every.kind === 'duration' ? stage.every : fail(stage.every.span, 'expected-duration', messages.pqlDurationHint());
        const slide = stage.slide === null ? undefined : stage.slide.kind === 'duration' ? stage.slide.seconds : undefined;
        gathered.window = { every: every.seconds, everyText: every.text, ...(slide === undefined ? {} : { slide }), fill: stage.fill, span: stage.span };
      } else if (stage.kind === 'by') {
        once(gathered.by, stage);
        gathered.by = { grouping: groupingOf(stage.field, schema), span: stage.span };
      } else if (stage.kind === 'reference') {
        once(gathered.reference, stage);
        gathered.reference = { ...timeRange(stage.range, now), span: stage.span };
      } else if (stage.kind === 'metrics') {
        once(gathered.metrics, stage);
        gathered.metrics = metricsOf(stage, gathered.window !== undefined);
        // What follows the metrics works on their rows (or is compare / alert, which use them).
        i++;
        break;
      } else break;
    }
    const next = stages[i];
    if (next !== undefined && isAnalysis(next.kind)) {
      analysis = analysisOf(next, gathered, schema);
      analysisSpan = next.span;
      i++;
    } else if (gathered.window !== undefined) {
      analysis = windowsOf(gathered);
      analysisSpan = gathered.metrics?.span ?? gathered.window.span;
    } else if (gathered.metrics !== undefined) {
      analysis = { kind: 'metrics', metrics: gathered.metrics.names, bins: gathered.metrics.bins, binning: gathered.metrics.binning, minLabels: gathered.metrics.minLabels };
      analysisSpan = gathered.metrics.span;
    } else if (next?.kind === 'take') {
      analysis = { kind: 'predictions', limit: countOf(next.count) };
      analysisSpan = next.span;
      i++;
    } else {
      fail(next?.span ?? pipeline.span, 'no-analysis', messages.pqlNoAnalysis());
    }
    if (gathered.by !== undefined && analysis.kind !== 'windows' && analysis.kind !== 'alert') fail(gathered.by.span, 'stage-order', messages.pqlStageNeedsWindow('by'));
    if (gathered.reference !== undefined && !['drift', 'health', 'estimate'].includes(analysis.kind)) fail(gathered.reference.span, 'stage-order', messages.pqlStageNotHere('reference', `a ${analysis.kind} analysis (it serves drift, health and estimate)`));
  } else if (source === 'alerts') {
    // Conditions the store can apply are its query; the rest are row steps.
    let filter: { severity?: AlertSeverity[]; acknowledged?: boolean; rule?: string; limit?: number } = {};
    for (; i < stages.length; i++) {
      const stage = stages[i] as Stage;
      if (stage.kind === 'where' && steps.length === 0) {
        const pushed = whereOnAlerts(stage.condition, gathered, filter, now, schema);
        filter = pushed.filter;
        for (const rest of pushed.rest) steps.push({ kind: 'where', condition: rest, span: rest.span });
      } else if (stage.kind === 'take' && steps.length === 0 && filter.limit === undefined) filter.limit = countOf(stage.count);
      else break;
    }
    analysis = { kind: 'alerts', ...filter };
  } else if (source === 'rules') analysis = { kind: 'rules' };
  else analysis = { kind: 'health-snapshots' };

  for (; i < stages.length; i++) {
    const stage = stages[i] as Stage;
    switch (stage.kind) {
      case 'where':
        steps.push({ kind: 'where', condition: stage.condition, span: stage.span });
        break;
      case 'sort':
        steps.push({ kind: 'sort', keys: stage.keys.map((key) => ({ column: key.field.path.join('.'), descending: key.descending, span: key.span })), span: stage.span });
        break;
      case 'take':
        steps.push({ kind: 'take', count: countOf(stage.count), span: stage.span });
        break;
      case 'select':
        steps.push({ kind: 'select', columns: stage.fields.map((field) => ({ column: field.path.join('.'), span: field.span })), span: stage.span });
        break;
      case 'chart': {
        if (chart !== null) fail(stage.span, 'duplicate-stage', messages.pqlStageOnceOnly('chart'));
        const kind = stage.chart.name;
        if (!(CHART_KINDS as readonly string[]).includes(kind)) unknown(stage.chart.span, 'unknown-chart', 'chart kind', kind, CHART_KINDS, 'chart kinds');
        chart = kind;
        break;
      }
      default:
        fail(stage.span, 'stage-order', messages.pqlStageNotHere(stage.kind, source === 'predictions' ? 'the analysis' : `\`${source}\` (a table of records)`));
    }
  }
  return {
    source,
    scope: gathered.scope,
    ...(gathered.modelSpan === undefined ? {} : { modelSpan: gathered.modelSpan }),
    ...(gathered.by === undefined ? {} : { bySpan: gathered.by.span }),
    analysis,
    analysisSpan,
    steps,
    chart,
    span: pipeline.span,
  };
}

function once(earlier: unknown, stage: Stage): void {
  if (earlier !== undefined) fail(stage.span, 'duplicate-stage', messages.pqlStageOnceOnly(stage.kind));
}

function isAnalysis(kind: Stage['kind']): boolean {
  return ['calibration', 'drift', 'health', 'estimate', 'compare', 'alert'].includes(kind);
}

function windowsOf(gathered: Gathered): Analysis {
  const window = gathered.window as NonNullable<Gathered['window']>;
  return {
    kind: 'windows',
    every: window.every,
    ...(window.slide === undefined ? {} : { slide: window.slide }),
    ...(gathered.by === undefined ? {} : { by: gathered.by.grouping }),
    fillEmpty: window.fill,
    metrics: gathered.metrics?.names ?? DEFAULT_TREND_METRICS,
    bins: gathered.metrics?.bins ?? DEFAULT_BINS,
    minLabels: gathered.metrics?.minLabels ?? DEFAULT_MIN_LABELS,
  };
}

function analysisOf(stage: Stage, gathered: Gathered, schema: SourceSchema): Analysis {
  const metrics = gathered.metrics;
  const notAfterMetrics = () => {
    if (metrics !== undefined) fail(stage.span, 'stage-order', messages.pqlStageNotHere(stage.kind, '`metrics`'));
  };
  switch (stage.kind) {
    case 'calibration': {
      notAfterMetrics();
      const params = paramsOf(stage.kind, stage.params, ['bins', 'strategy']);
      return { kind: 'calibration', bins: binsOf(params.bins) ?? DEFAULT_BINS, binning: binningOf(params.strategy) ?? 'width' };
    }
    case 'drift': {
      notAfterMetrics();
      if (gathered.reference === undefined) fail(stage.span, 'stage-order', messages.pqlStageNotHere('drift', 'a pipeline without `reference a..b` (the baseline period)'));
      const tests = stage.tests.length === 0 ? null : stage.tests.map((test) => driftTestOf(test, schema));
      return { kind: 'drift', baseline: { from: gathered.reference.from, to: gathered.reference.to }, tests };
    }
    case 'health': {
      notAfterMetrics();
      const params = paramsOf(stage.kind, stage.params, ['at', 'min_labels']);
      const at = params.at === undefined ? undefined : timeOf(params.at, 0);
      return {
        kind: 'health',
        every: gathered.window?.everyText ?? '1d',
        ...(at === undefined ? {} : { at }),
        minLabels: countParam(params.min_labels) ?? DEFAULT_MIN_LABELS,
        ...(gathered.reference === undefined ? {} : { reference: { from: gathered.reference.from, to: gathered.reference.to } }),
      };
    }
    case 'estimate':
      notAfterMetrics();
      return { kind: 'estimate', every: gathered.window?.every ?? 86400, ...(gathered.reference === undefined ? {} : { reference: { from: gathered.reference.from, to: gathered.reference.to } }) };
    case 'compare': {
      // A comparison is over the whole range, by the summary's metrics.
      if (gathered.window !== undefined) fail(gathered.window.span, 'stage-order', messages.pqlStageNotHere('compare', '`window` (it compares the whole range)'));
      const versions = [stage.left, stage.right].map((value) => {
        const version = value.kind === 'string' ? value.value : fail(value.span, 'expected-value', messages.pqlValueType('a model version', 'a name or a string'));
        if (schema.versions !== undefined && !schema.versions.includes(version)) unknown(value.span, 'unknown-version', 'model version', version, schema.versions, 'model versions');
        return version;
      }) as [string, string];
      if (gathered.scope.modelVersion !== undefined && gathered.modelSpan !== undefined) fail(gathered.modelSpan, 'stage-order', messages.pqlStageNotHere('compare', 'a filter on one model_version'));
      return {
        kind: 'compare',
        versions,
        metrics: metrics?.names ?? SUMMARY_METRICS,
        bins: metrics?.bins ?? DEFAULT_BINS,
        binning: metrics?.binning ?? 'width',
        minLabels: metrics?.minLabels ?? DEFAULT_MIN_LABELS,
      };
    }
    case 'alert': {
      if (gathered.window === undefined) fail(stage.span, 'stage-order', messages.pqlStageNeedsWindow('alert'));
      const watchable = [...WATCHABLE_METRICS];
      // degradation_detected is the engine's own flag, not an analytics metric with a canonical name.
      const metric = canonicalMetricName(stage.metric.name) ?? (watchable.includes(stage.metric.name) ? stage.metric.name : undefined);
      if (metric === undefined || !watchable.includes(metric)) unknown(stage.metric.span, 'unknown-metric', 'metric a rule can watch', stage.metric.name, watchable, 'metrics');
      const threshold = stage.threshold.kind === 'number' ? stage.threshold.value : fail(stage.threshold.span, 'expected-number', messages.pqlValueType('the threshold', 'a number'));
      let forMinutes = 0;
      if (stage.for !== null && stage.for.kind === 'duration') {
        if (stage.for.seconds % 60 !== 0) fail(stage.for.span, 'bad-duration', messages.pqlAlertWholeMinutes(stage.for.text));
        forMinutes = stage.for.seconds / 60;
      }
      const severity = stage.severity.name;
      if (!(ALERT_SEVERITIES as readonly string[]).includes(severity)) unknown(stage.severity.span, 'unknown-severity', 'severity', severity, ALERT_SEVERITIES, 'severities');
      return {
        kind: 'alert',
        metric,
        op: stage.op,
        threshold,
        forMinutes,
        severity: severity as AlertSeverity,
        window: gathered.window.everyText,
        ...(gathered.by === undefined ? {} : { by: gathered.by.grouping }),
      };
    }
    default:
      return fail(stage.span, 'stage-order', messages.pqlStageNotHere(stage.kind, 'the stages before it'));
  }
}

function metricsOf(stage: Extract<Stage, { kind: 'metrics' }>, windowed: boolean): NonNullable<Gathered['metrics']> {
  const allowed = windowed ? [...WINDOW_METRICS] : SUMMARY_METRICS;
  const names: string[] = [];
  for (const metric of stage.metrics) {
    const canonical = canonicalMetricName(metric.name);
    // count (num_predictions) is a column of every result, never a metric to ask for.
    if (canonical === 'count') continue;
    if (canonical !== undefined && !allowed.includes(canonical) && (WINDOW_METRICS as readonly string[]).includes(canonical)) {
      fail(metric.span, 'unknown-metric', messages.pqlUnknownName('metric over a whole range', metric.name), messages.pqlWindowOnlyMetric(canonical));
    }
    if (canonical === undefined || !allowed.includes(canonical)) {
      const known = ALL_METRIC_NAMES.filter((name) => allowed.includes(canonicalMetricName(name) ?? ''));
      unknown(metric.span, 'unknown-metric', windowed ? 'window metric' : 'metric over a whole range', metric.name, known, 'metrics');
    }
    if (!names.includes(canonical)) names.push(canonical);
  }
  const params = paramsOf('metrics', stage.params, windowed ? ['bins', 'min_labels'] : ['bins', 'strategy', 'min_labels']);
  return {
    names,
    bins: binsOf(params.bins) ?? DEFAULT_BINS,
    binning: binningOf(params.strategy) ?? 'width',
    minLabels: countParam(params.min_labels) ?? DEFAULT_MIN_LABELS,
    span: stage.span,
  };
}

function paramsOf(stage: string, params: readonly Param[], known: readonly string[]): Record<string, Expr | undefined> {
  const values: Record<string, Expr | undefined> = {};
  for (const param of params) {
    const name = param.name.name;
    if (!known.includes(name)) {
      const suggestion = nearestName(name, known);
      fail(param.name.span, 'unknown-parameter', messages.pqlParamUnknown(stage, name, known), suggestion === undefined ? undefined : messages.pqlDidYouMean(suggestion));
    }
    if (values[name] !== undefined) fail(param.span, 'duplicate-parameter', messages.pqlStageOnceOnly(name));
    values[name] = param.value;
  }
  return values;
}

function countOf(expr: Expr): number {
  if (expr.kind !== 'number' || !Number.isSafeInteger(expr.value) || expr.value < 0) fail(expr.span, 'expected-count', messages.pqlValueType('the count', 'a whole number ≥ 0'));
  return expr.value;
}

function countParam(expr: Expr | undefined): number | undefined {
  return expr === undefined ? undefined : countOf(expr);
}

function binsOf(expr: Expr | undefined): number | undefined {
  if (expr === undefined) return undefined;
  const bins = countOf(expr);
  if (bins < 1 || bins > 1000) fail(expr.span, 'bad-value', messages.pqlValueType('bins', 'from 1 to 1000'));
  return bins;
}

const STRATEGIES: Readonly<Record<string, Binning>> = { uniform: 'width', width: 'width', mass: 'mass', quantile: 'mass' };

function binningOf(expr: Expr | undefined): Binning | undefined {
  if (expr === undefined) return undefined;
  const word = expr.kind === 'field' && expr.path.length === 1 ? expr.path[0] : expr.kind === 'string' ? expr.value : undefined;
  const binning = word === undefined ? undefined : STRATEGIES[word];
  if (binning === undefined) return unknown(expr.span, 'bad-value', 'binning strategy', word ?? '', Object.keys(STRATEGIES), 'strategies');
  return binning;
}

function groupingOf(field: FieldRef, schema: SourceSchema): WindowGrouping {
  const [head, ...rest] = field.path;
  const tail = rest.join('.');
  if (field.path.length === 1 && head === 'model_version') return 'model_version';
  if (head === 'metadata' && rest.length > 0) {
    if (schema.metadata !== undefined && !schema.metadata.includes(tail)) unknown(field.span, 'unknown-field', 'metadata key', tail, schema.metadata, 'metadata keys');
    return `metadata:${tail}`;
  }
  const feature = (head === 'feature' || head === 'features') && rest.length > 0 ? tail : field.path.join('.');
  if (schema.features !== undefined && !schema.features.includes(feature)) {
    unknown(field.span, 'unknown-field', 'feature', feature, ['model_version', ...schema.features, ...(schema.metadata ?? []).map((key) => `metadata.${key}`)], 'groupings');
  }
  return `feature:${feature}`;
}

function driftTestOf(test: Expr, schema: SourceSchema): DriftTest {
  if (test.kind !== 'call' || test.args.length !== 1 || test.args[0]?.kind !== 'field') return fail(test.span, 'bad-drift-test', messages.pqlValueType('a drift test', messages.pqlDriftCall(DRIFT_STATISTICS)));
  const name = test.name.name;
  if (!(DRIFT_STATISTICS as readonly string[]).includes(name)) unknown(test.name.span, 'unknown-statistic', 'drift statistic', name, DRIFT_STATISTICS, 'statistics');
  const field = test.args[0];
  const feature = field.path[0] === 'feature' || field.path[0] === 'features' ? field.path.slice(1).join('.') : field.path.join('.');
  if (schema.features !== undefined && !schema.features.includes(feature)) unknown(field.span, 'unknown-field', 'feature', feature, schema.features, 'features');
  return { statistic: name as DriftStatistic, feature, span: test.span };
}

// --- time ------------------------------------------------------------------------------

/** The smallest double above x: `timestamp > t` is `timestamp >= nextUp(t)`, exactly. */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

/** A time: a date, unix seconds, `ago(15m)` (before `now`) or `now()`. */
function timeOf(expr: Expr, now: number): number {
  if (expr.kind === 'date') return expr.seconds;
  if (expr.kind === 'number') return expr.value;
  if (expr.kind === 'call' && expr.name.name === 'ago') {
    const [arg] = expr.args;
    if (expr.args.length !== 1 || arg?.kind !== 'duration') fail(expr.span, 'bad-call', messages.pqlValueType('ago()', 'given one duration, as in ago(7d)'));
    return now - arg.seconds;
  }
  if (expr.kind === 'call' && expr.name.name === 'now') {
    if (expr.args.length !== 0) fail(expr.span, 'bad-call', messages.pqlValueType('now()', 'given no argument'));
    return now;
  }
  if (expr.kind === 'call') return unknown(expr.name.span, 'unknown-function', 'function', expr.name.name, ['ago', 'now'], 'functions');
  return fail(expr.span, 'expected-time', messages.pqlValueType('a time', 'a date (2026-10-01), unix seconds, ago(7d) or now()'));
}

function timeRange(expr: Expr, now: number): { from: number; to: number } {
  if (expr.kind !== 'range') return fail(expr.span, 'expected-range', messages.pqlValueType('the period', messages.pqlReferenceRange()));
  const from = timeOf(expr.from, now);
  const to = timeOf(expr.to, now);
  if (!(to > from)) fail(expr.span, 'bad-range', messages.pqlValueType('the period', messages.pqlReferenceRange()));
  return { from, to };
}

// --- where ------------------------------------------------------------------------------

function conjuncts(expr: Expr): Expr[] {
  return expr.kind === 'logical' && expr.op === 'and' ? [...conjuncts(expr.left), ...conjuncts(expr.right)] : [expr];
}

function fieldName(expr: Expr): string | undefined {
  return expr.kind === 'field' ? expr.path.join('.') : undefined;
}

const FLIPPED: Readonly<Record<CompareOp, CompareOp>> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** `x op value` or `value op x` as (field, op, value), the field on the left. */
function comparisonOf(expr: Expr): { field: string; fieldSpan: Span; op: CompareOp; value: Expr } | undefined {
  if (expr.kind !== 'compare') return undefined;
  const left = fieldName(expr.left);
  if (left !== undefined) return { field: left, fieldSpan: expr.left.span, op: expr.op, value: expr.right };
  const right = fieldName(expr.right);
  return right === undefined ? undefined : { field: right, fieldSpan: expr.right.span, op: FLIPPED[expr.op], value: expr.left };
}

function narrowTime(scope: Gathered['scope'], op: CompareOp, t: number, span: Span, allowed: string): void {
  if (op === '>=' || op === '>') scope.from = Math.max(scope.from ?? -Infinity, op === '>' ? nextUp(t) : t);
  else if (op === '<' || op === '<=') scope.to = Math.min(scope.to ?? Infinity, op === '<=' ? nextUp(t) : t);
  else fail(span, 'unsupported-filter', messages.pqlWhereUnsupported('timestamps', allowed));
}

function whereOnPredictions(condition: Expr, gathered: Gathered, now: number, schema: SourceSchema): void {
  const allowed = messages.pqlWherePredictionsAllowed();
  for (const part of conjuncts(condition)) {
    if (part.kind === 'in' && fieldName(part.value) === 'timestamp' && part.set.kind === 'range') {
      const range = timeRange(part.set, now);
      narrowTime(gathered.scope, '>=', range.from, part.span, allowed);
      narrowTime(gathered.scope, '<', range.to, part.span, allowed);
      continue;
    }
    const comparison = comparisonOf(part);
    if (comparison?.field === 'timestamp') {
      narrowTime(gathered.scope, comparison.op, timeOf(comparison.value, now), part.span, allowed);
      continue;
    }
    if (comparison?.field === 'model_version' && comparison.op === '==') {
      const value = comparison.value;
      const version = value.kind === 'string' ? value.value : fail(value.span, 'expected-value', messages.pqlValueType('a model version', 'a string, as in "v1.1"'));
      if (gathered.scope.modelVersion !== undefined && gathered.scope.modelVersion !== version) fail(part.span, 'unsupported-filter', messages.pqlWhereUnsupported('predictions', allowed));
      if (schema.versions !== undefined && !schema.versions.includes(version)) unknown(value.span, 'unknown-version', 'model version', version, schema.versions, 'model versions');
      gathered.scope.modelVersion = version;
      gathered.modelSpan = value.span;
      continue;
    }
    const named = comparison?.field ?? (part.kind === 'field' ? fieldName(part) : undefined);
    if (named !== undefined && !['timestamp', 'model_version'].includes(named)) {
      const suggestion = nearestName(named, ['timestamp', 'model_version']);
      fail(comparison?.fieldSpan ?? part.span, 'unsupported-filter', messages.pqlWhereUnsupported('predictions', allowed), suggestion === undefined ? undefined : messages.pqlDidYouMean(suggestion));
    }
    fail(part.span, 'unsupported-filter', messages.pqlWhereUnsupported('predictions', allowed));
  }
  const { from, to } = gathered.scope;
  if (from !== undefined && to !== undefined && !(to > from)) fail(condition.span, 'bad-range', messages.pqlValueType('the time range', 'non-empty: its end after its start'));
}

/** The alert fields a row filter may name (the columns of an alert listing). */
export const ALERT_COLUMNS = ['timestamp', 'alert_id', 'key', 'severity', 'title', 'message', 'metric_name', 'metric_value', 'threshold', 'component', 'model_version', 'acknowledged', 'acknowledged_at', 'acknowledged_by', 'rule_id', 'rule_from', 'state', 'comment'];

function whereOnAlerts(
  condition: Expr,
  gathered: Gathered,
  earlier: { severity?: AlertSeverity[]; acknowledged?: boolean; rule?: string; limit?: number },
  now: number,
  schema: SourceSchema,
): { filter: typeof earlier; rest: Expr[] } {
  const filter = { ...earlier };
  const rest: Expr[] = [];
  const severityOf = (value: Expr): AlertSeverity => {
    const name = value.kind === 'string' ? value.value : value.kind === 'field' && value.path.length === 1 ? (value.path[0] as string) : '';
    if (!(ALERT_SEVERITIES as readonly string[]).includes(name)) unknown(value.span, 'unknown-severity', 'severity', name, ALERT_SEVERITIES, 'severities');
    return name as AlertSeverity;
  };
  for (const part of conjuncts(condition)) {
    // The store's filters are applied before `take`; anything else reads every alert.
    if (filter.limit !== undefined) {
      rest.push(part);
      continue;
    }
    const comparison = comparisonOf(part);
    const bare = part.kind === 'field' ? fieldName(part) : part.kind === 'not' && part.operand.kind === 'field' ? fieldName(part.operand) : undefined;
    if (bare === 'acknowledged' && filter.acknowledged === undefined) {
      filter.acknowledged = part.kind === 'field';
      continue;
    }
    if (comparison?.field === 'severity' && comparison.op === '==' && filter.severity === undefined) {
      filter.severity = [severityOf(comparison.value)];
      continue;
    }
    if (part.kind === 'in' && fieldName(part.value) === 'severity' && part.set.kind === 'list' && filter.severity === undefined) {
      filter.severity = part.set.items.map(severityOf);
      continue;
    }
    if (comparison?.field === 'model_version' && comparison.op === '==' && comparison.value.kind === 'string' && gathered.scope.modelVersion === undefined) {
      if (schema.versions !== undefined && !schema.versions.includes(comparison.value.value)) unknown(comparison.value.span, 'unknown-version', 'model version', comparison.value.value, schema.versions, 'model versions');
      gathered.scope.modelVersion = comparison.value.value;
      gathered.modelSpan = comparison.value.span;
      continue;
    }
    if ((comparison?.field === 'rule' || comparison?.field === 'rule_id') && comparison.op === '==' && comparison.value.kind === 'string' && filter.rule === undefined) {
      if (schema.rules !== undefined && !schema.rules.includes(comparison.value.value)) unknown(comparison.value.span, 'unknown-rule', 'rule', comparison.value.value, schema.rules, 'rules');
      filter.rule = comparison.value.value;
      continue;
    }
    if (comparison?.field === 'timestamp' && (comparison.op === '>=' || comparison.op === '<')) {
      narrowTime(gathered.scope, comparison.op, timeOf(comparison.value, now), part.span, messages.pqlWhereAlertsAllowed());
      continue;
    }
    checkFields(part, ALERT_COLUMNS, 'alert field');
    rest.push(part);
  }
  return { filter, rest };
}

/** Every field an expression names is one of `known`. */
function checkFields(expr: Expr, known: readonly string[], what: string): void {
  switch (expr.kind) {
    case 'field': {
      const name = fieldName(expr) as string;
      if (!known.includes(name)) unknown(expr.span, 'unknown-field', what, name, known, 'fields');
      return;
    }
    case 'logical':
    case 'compare':
      checkFields(expr.left, known, what);
      checkFields(expr.right, known, what);
      return;
    case 'not':
      checkFields(expr.operand, known, what);
      return;
    case 'in':
      checkFields(expr.value, known, what);
      return;
    default:
      return;
  }
}


/**
 * Runs planned PQL statements on a source with the kernel's own functions, the way the CLI's
 * analytics commands run them, so that a PQL trend is `pitwall trend` row for row: a SQLite
 * file whose rows are all sound is decoded straight from its pages, anything else goes through
 * the store (which pushes the window plan down to SQL where it can). Results are typed tables
 * (`QueryResult`); errors of the kernel come back located at the stage that asked for the work.
 */
import { readOpenFirst } from '../alerting/alertList';
import { backtest } from '../alerting/engine';
import { indexFor } from '../alerting/run';
import { classificationInRange, type ClassificationColumns } from '../analytics/classification';
import { readDataScope, scopeOfColumns, type DataScope } from '../analytics/dataScope';
import type { FeatureDrift } from '../analytics/drift';
import { driftScore, readDrift } from '../analytics/driftReport';
import { estimateWindows } from '../analytics/estimateWindows';
import { computeHealth } from '../analytics/health';
import { unknownSegmentName } from '../analytics/segmentNames';
import { summarizeMetrics } from '../analytics/summary';
import { planWindows, readWindowedMetrics, windowedMetrics, type WindowedMetricsOptions, type WindowPath } from '../analytics/windows';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import { AlertRuleSchema } from '../model/alertRule';
import type { Store, WindowColumns } from '../store/store';
import { segmentColumns, segmentOf } from '../store/windowStats';
import { nearestName } from '../suggest';
import type { CompareOp, Expr, Pipeline } from './ast';
import type { QueryError, Span } from './lexer';
import { parseQuery } from './parser';
import { nextUp, planProgram, type Analysis, type QueryPlan, type RowStep, type SourceSchema } from './plan';
import { alertRuleFields, standaloneText } from './rule';

/** How a query reaches its source: the CLI opens the store per call; a notebook kernel keeps it open. */
export interface QuerySource {
  /** The predictions decoded from a SQLite file's pages, or undefined (not a file, or a row needs the store's careful reading). */
  scanColumns(features: readonly string[], metadata: readonly string[]): Promise<WindowColumns | undefined>;
  withStore<T>(use: (store: Store) => Promise<T>): Promise<T>;
}

export type ColumnType = 'time' | 'number' | 'string' | 'boolean' | 'json';

export interface ResultColumn {
  readonly name: string;
  readonly type: ColumnType;
}

export type ResultKind =
  | 'windows'
  | 'metrics'
  | 'calibration'
  | 'drift'
  | 'health'
  | 'estimate'
  | 'comparison'
  | 'firings'
  | 'predictions'
  | 'alerts'
  | 'rules'
  | 'health-snapshots'
  | 'sql';

/** One statement's answer: a table, what it is, how to chart it, and how it was computed. */
export interface QueryResult {
  readonly kind: ResultKind;
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly Record<string, unknown>[];
  /** The `chart` stage's kind, or null: an annotation for whoever draws the result. */
  readonly chart: { readonly kind: string } | null;
  /** How windows were computed: from the file's pages, pushed down to the database, or over loaded records. */
  readonly path?: 'scan' | WindowPath;
  /** The SQL that ran: a SQL query's, or the statements a trend was pushed down to. */
  readonly sql?: string;
  /** Scalars that belong to the whole result (ECE of a calibration, the rule of an alert backtest…). */
  readonly meta?: Readonly<Record<string, unknown>>;
  /** The statement's span in the query text. */
  readonly span: Span;
}

export interface QueryOutcome {
  readonly results: readonly QueryResult[];
  /** Problems of the text (all of them, nothing ran) or of the statement that failed (the ones before it ran). */
  readonly errors: readonly QueryError[];
}

export interface RunOptions {
  /** What `ago()` and `now()` count from, unix seconds. */
  readonly now: number;
  readonly schema?: SourceSchema;
  /** Names given by `let` in earlier cells; the query's own lets are added to it. */
  readonly lets?: Map<string, Pipeline>;
}

/** Parses, checks and runs a query text; statements run in order and the first runtime error stops the rest. */
export async function runQuery(text: string, source: QuerySource, options: RunOptions): Promise<QueryOutcome> {
  const parsed = parseQuery(text);
  if (parsed.errors.length > 0) return { results: [], errors: parsed.errors };
  if (parsed.program.statements.length === 0) return { results: [], errors: [{ code: 'empty-query', message: messages.pqlEmptyQuery(), span: parsed.program.span }] };
  const planned = planProgram(parsed.program, options.now, options.schema, options.lets);
  if (planned.errors.length > 0) return { results: [], errors: planned.errors };
  const shown = planned.statements.filter((statement) => statement.name === undefined);
  if (shown.length === 0) return { results: [], errors: [{ code: 'only-let', message: messages.pqlOnlyLet(), span: parsed.program.span }] };
  const results: QueryResult[] = [];
  for (const statement of shown) {
    // The statement standing alone (with the lets of this text it uses): an `alert when` keeps it as its rule's query.
    const written = parsed.program.statements.find((s) => s.kind === 'query' && s.span.start === statement.plan.span.start);
    const alone = written === undefined ? undefined : standaloneText(text, parsed.program, written);
    try {
      results.push(await runPlan(statement.plan, source, options.now, alone !== undefined && 'text' in alone ? alone.text : undefined));
    } catch (error) {
      if (error instanceof LocatedError) return { results, errors: [error.error] };
      // A missing or damaged source is not the query's fault: it is reported as the CLI reports it, without a caret.
      if (!(error instanceof PitwallError) || error.code !== 'input') throw error;
      return { results, errors: [{ code: 'runtime', message: error.message, span: statement.plan.analysisSpan }] };
    }
  }
  return { results, errors: [] };
}

class LocatedError extends Error {
  constructor(readonly error: QueryError) {
    super(error.message);
  }
}

function locatedFailure(span: Span, code: string, message: string, hint?: string): never {
  throw new LocatedError({ code, message, ...(hint === undefined ? {} : { hint }), span });
}

/**
 * Runs one plan: the kernel's analysis, then the row steps in order. `query`: the statement's
 * text standing alone, which an `alert when` replays as its rule's `conditions.query` (so the
 * replay is the saved rule's backtest); without it, the rule has no query.
 */
export async function runPlan(plan: QueryPlan, source: QuerySource, now: number, query?: string): Promise<QueryResult> {
  const answer = await analyse(plan, source, query);
  let rows = answer.rows;
  for (const step of plan.steps) rows = applyStep(step, rows, now);
  const selected = plan.steps.filter((step): step is Extract<RowStep, { kind: 'select' }> => step.kind === 'select').at(-1);
  return {
    kind: answer.kind,
    columns: selected === undefined ? columnsOf(answer.rows, answer.columns, answer.exhaustive) : columnsOf(rows, selected.columns.map((c) => c.column)),
    rows,
    chart: plan.chart === null ? null : { kind: plan.chart },
    ...(answer.path === undefined ? {} : { path: answer.path }),
    ...(answer.sql === undefined ? {} : { sql: answer.sql }),
    ...(answer.meta === undefined ? {} : { meta: answer.meta }),
    span: plan.span,
  };
}

interface Answer {
  readonly kind: ResultKind;
  readonly rows: Record<string, unknown>[];
  /** Column order when the rows may be empty or their keys vary. */
  readonly columns?: readonly string[];
  /** The declared columns are all there is to show (a key every row has, such as an ungrouped trend's null group, is left out). */
  readonly exhaustive?: boolean;
  readonly path?: QueryResult['path'];
  readonly sql?: string;
  readonly meta?: Record<string, unknown>;
}

function checkVersion(plan: QueryPlan, versions: readonly string[]): void {
  const version = plan.scope.modelVersion;
  if (version === undefined || versions.includes(version)) return;
  const suggestion = nearestName(version, versions);
  locatedFailure(plan.modelSpan ?? plan.span, 'unknown-version', messages.pqlUnknownName('model version', version), suggestion === undefined ? messages.pqlKnownNames('model versions', versions) : messages.pqlDidYouMean(suggestion));
}

async function analyse(plan: QueryPlan, source: QuerySource, query: string | undefined): Promise<Answer> {
  const analysis = plan.analysis;
  const scope = plan.scope;
  switch (analysis.kind) {
    case 'windows':
      return windows(plan, analysis, source);
    case 'metrics': {
      const { columns, data } = await classification(source, scope);
      checkVersion(plan, data.versions);
      const summary = summarizeMetrics(columns, { bins: analysis.bins, binning: analysis.binning, minLabels: analysis.minLabels });
      const row: Record<string, unknown> = { count: summary.count, labelled: summary.labelled, label_coverage: summary.label_coverage, insufficient: summary.insufficient };
      for (const metric of analysis.metrics) row[metric] = summary[metric as keyof typeof summary];
      return { kind: 'metrics', rows: [row], meta: { min_labels: summary.min_labels, calibration_binning: summary.calibration_binning, bins: analysis.bins } };
    }
    case 'calibration': {
      const { columns, data } = await classification(source, scope);
      checkVersion(plan, data.versions);
      const summary = summarizeMetrics(columns, { bins: analysis.bins, binning: analysis.binning });
      return {
        kind: 'calibration',
        rows: summary.reliability.map((bin) => ({ ...bin })),
        meta: { binning: summary.calibration_binning, ece: summary.ece, mce: summary.mce, labelled: summary.labelled, model_version: scope.modelVersion ?? null },
      };
    }
    case 'drift':
      return source.withStore(async (store) => {
        const data = await readDataScope(store, scope.modelVersion);
        checkVersion(plan, data.versions);
        const current = { from: scope.from ?? analysis.baseline.to, to: scope.to ?? nextUp(Math.max(analysis.baseline.to, data.last ?? analysis.baseline.to)) };
        const features = analysis.tests === null ? undefined : [...new Set(analysis.tests.map((test) => test.feature))];
        const results = await readDrift(store, { baseline: analysis.baseline, current, ...(scope.modelVersion === undefined ? {} : { modelVersion: scope.modelVersion }), ...(features === undefined ? {} : { features }) });
        const byName = new Map(results.map((result) => [result.feature_name, result]));
        const tests = analysis.tests ?? results.map((result) => ({ statistic: (driftScore(result)?.statistic === 'js_distance' || result.kind === 'categorical' ? 'js' : 'psi') as 'js' | 'psi', feature: result.feature_name, span: plan.analysisSpan }));
        return {
          kind: 'drift',
          rows: tests.map((test) => driftRow(byName.get(test.feature) as FeatureDrift, test.statistic, test.span)),
          columns: ['feature', 'kind', 'statistic', 'value', 'p_value', 'severity', 'status', 'n_baseline', 'n_current'],
          meta: { baseline: analysis.baseline, current },
        };
      });
    case 'health':
      return source.withStore(async (store) => {
        const data = await readDataScope(store);
        checkVersion(plan, data.versions);
        const reports = await computeHealth(store, {
          every: analysis.every,
          ...(analysis.at === undefined ? {} : { at: analysis.at }),
          minLabels: analysis.minLabels,
          ...(analysis.reference === undefined ? {} : { reference: analysis.reference }),
          ...(scope.modelVersion === undefined ? {} : { modelVersion: scope.modelVersion }),
        });
        return {
          kind: 'health',
          rows: reports.map((r) => ({
            model_version: r.snapshot.model_version,
            period_start: r.period_start,
            period_end: r.period_end,
            count: r.snapshot.num_predictions ?? 0,
            labelled: r.labelled,
            accuracy: r.snapshot.accuracy,
            f1: r.snapshot.f1_score,
            ece: r.snapshot.expected_calibration_error,
            trend: r.snapshot.prediction_accuracy_trend,
            degradation: r.degradation.status,
            reference_from: r.reference.from,
            reference_to: r.reference.to,
            reference_accuracy: r.reference.accuracy,
            change: r.reference.change,
            vs_reference: r.reference.degradation.status,
          })),
        };
      });
    case 'estimate': {
      const columns = (await source.scanColumns([], [])) ?? (await source.withStore((store) => store.readPredictionColumns({ features: [] })));
      checkVersion(plan, scopeOfColumns(columns).versions);
      const report = estimateWindows(columns, {
        every: analysis.every,
        ...(scope.modelVersion === undefined ? {} : { modelVersion: scope.modelVersion }),
        ...(scope.from === undefined ? {} : { from: scope.from }),
        ...(scope.to === undefined ? {} : { to: scope.to }),
        ...(analysis.reference === undefined ? {} : { reference: analysis.reference }),
      });
      return {
        kind: 'estimate',
        rows: report.windows.map((w) => ({
          window_start: w.window_start,
          window_end: w.window_end,
          model_version: w.model_version,
          count: w.count,
          labelled: w.labelled,
          status: w.status,
          estimated_accuracy: w.estimated?.accuracy ?? null,
          accuracy_lower: w.estimated?.interval.accuracy?.lower ?? null,
          accuracy_upper: w.estimated?.interval.accuracy?.upper ?? null,
          realized_accuracy: w.realized?.accuracy ?? null,
          estimated_f1: w.estimated?.f1 ?? null,
          realized_f1: w.realized?.f1 ?? null,
        })),
        meta: { reference: report.reference },
      };
    }
    case 'compare': {
      const [left, right] = analysis.versions;
      const summaries = [];
      for (const version of [left, right]) {
        const { columns, data } = await classification(source, { ...scope, modelVersion: version });
        checkVersion({ ...plan, scope: { ...scope, modelVersion: version } }, data.versions);
        summaries.push(summarizeMetrics(columns, { bins: analysis.bins, binning: analysis.binning, minLabels: analysis.minLabels }));
      }
      const [a, b] = summaries as [ReturnType<typeof summarizeMetrics>, ReturnType<typeof summarizeMetrics>];
      const value = (summary: typeof a, metric: string) => summary[metric as keyof typeof summary] as number | null;
      return {
        kind: 'comparison',
        rows: ['count', 'labelled', ...analysis.metrics].map((metric) => {
          const x = value(a, metric);
          const y = value(b, metric);
          return { metric, [left]: x, [right]: y, difference: x === null || y === null ? null : y - x };
        }),
        columns: ['metric', left, right, 'difference'],
      };
    }
    case 'alert':
      return source.withStore(async (store) => {
        const rule = AlertRuleSchema.parse(alertRuleFields(plan, analysis, { rule_id: 'pql', ...(query === undefined ? {} : { query }) }));
        const index = await indexFor(store, [rule]);
        const times = index.columns.timestamp;
        checkVersion(plan, scopeOfColumns(index.columns).versions);
        const from = scope.from ?? (times.length > 0 ? (times[0] as number) : 0);
        const to = scope.to ?? (times.length > 0 ? (times[times.length - 1] as number) : 0);
        const report = backtest(index, rule, { from, to });
        return {
          kind: 'firings',
          rows: report.alerts.map((a) => ({ ...a })),
          columns: ['at', 'model_version', 'segment', 'value', 'reason'],
          meta: { rule, evaluations: report.evaluations, resolutions: report.resolutions, from, to },
        };
      });
    case 'predictions':
      return source.withStore(async (store) => {
        const found = await store.readPredictions({ ...scope, limit: analysis.limit });
        return { kind: 'predictions', rows: found.map((p) => ({ ...p })) };
      });
    case 'alerts':
      return source.withStore(async (store) => {
        const filter = {
          ...(analysis.severity === undefined ? {} : { severity: analysis.severity }),
          ...(scope.modelVersion === undefined ? {} : { modelVersion: scope.modelVersion }),
          ...(scope.from === undefined ? {} : { from: scope.from }),
          ...(scope.to === undefined ? {} : { to: scope.to }),
        };
        const found = await readOpenFirst(store, filter, analysis.limit ?? Number.MAX_SAFE_INTEGER, analysis.rule, analysis.acknowledged);
        return { kind: 'alerts', rows: found.map((alert) => ({ ...alert })) };
      });
    case 'rules':
      return source.withStore(async (store) => ({ kind: 'rules', rows: (await store.readRules()).map((rule) => ({ ...rule })) }));
    case 'health-snapshots':
      return source.withStore(async (store) => ({ kind: 'health-snapshots', rows: (await store.readHealthSnapshots({ ...scope })).map((snapshot) => ({ ...snapshot })) }));
  }
}

/** The trend as `pitwall trend` computes it: the file's pages when sound, else the store (pushed down where it can). */
async function windows(plan: QueryPlan, analysis: Extract<Analysis, { kind: 'windows' }>, source: QuerySource): Promise<Answer> {
  const { scope } = plan;
  const options: WindowedMetricsOptions = {
    every: analysis.every,
    ...(analysis.slide === undefined ? {} : { slide: analysis.slide }),
    ...(analysis.by === undefined ? {} : { by: analysis.by }),
    ...(scope.modelVersion === undefined ? {} : { modelVersion: scope.modelVersion }),
    ...(scope.from === undefined ? {} : { from: scope.from }),
    ...(scope.to === undefined ? {} : { to: scope.to }),
    minLabels: analysis.minLabels,
    bins: analysis.bins,
    metrics: analysis.metrics,
    fillEmpty: analysis.fillEmpty,
  };
  planWindows(options);
  const segment = segmentColumns(analysis.by);
  const scanned = await source.scanColumns(segment.features, segment.metadata);
  const result = await (async () =>
    scanned !== undefined
      ? { rows: windowedMetrics(scanned, options), path: 'scan' as const, scope: scopeOfColumns(scanned, scope.modelVersion) }
      : await source.withStore(async (store) => {
          const computed = await readWindowedMetrics(store, options);
          // Where the database ran the plan, the result says how (what a notebook's "show SQL" shows).
          const sql = computed.path === 'pushdown' && store.explainWindows !== undefined ? (await store.explainWindows(planWindows(options))).join(';\n') : undefined;
          return { ...computed, ...(sql === undefined ? {} : { sql }), scope: await readDataScope(store, scope.modelVersion) };
        }))().catch(async (error: unknown) => {
    // A grouping by a name no prediction has: most often a typo, answered with the nearest name the source has.
    const named = segmentOf(analysis.by);
    if (!(error instanceof PitwallError) || error.code !== 'input' || named === undefined) throw error;
    const better = (await source.withStore((store) => unknownSegmentName(store, named.kind, named.name))) ?? error;
    return locatedFailure(plan.bySpan ?? plan.analysisSpan, 'unknown-field', better.message);
  });
  checkVersion(plan, result.scope.versions);
  return {
    kind: 'windows',
    rows: result.rows.map((row) => ({ ...row })),
    columns: [
      'window_start',
      'window_end',
      ...(analysis.by === undefined ? [] : ['group']),
      'count',
      'labelled',
      'label_coverage',
      'insufficient',
      'partial',
      ...(result.rows.some((row) => row.partial) ? ['covered_start', 'covered_end'] : []),
      ...analysis.metrics,
    ],
    exhaustive: true,
    path: result.path,
    ...('sql' in result && result.sql !== undefined ? { sql: result.sql } : {}),
    meta: { metrics: analysis.metrics, by: analysis.by ?? null, every: analysis.every, slide: analysis.slide ?? analysis.every },
  };
}

/** The predictions in range as classification columns, as `pitwall metrics` reads them. */
async function classification(source: QuerySource, scope: QueryPlan['scope']): Promise<{ columns: ClassificationColumns; data: DataScope }> {
  const scanned = await source.scanColumns([], []);
  if (scanned !== undefined) return { columns: classificationInRange(scanned, scope), data: scopeOfColumns(scanned, scope.modelVersion) };
  return source.withStore(async (store) => {
    const columns = await store.readPredictionColumns(scope);
    return {
      columns: { length: columns.length, predicted: columns.predicted_outcome, confidence: columns.confidence, actual: columns.actual_outcome },
      data: await readDataScope(store, scope.modelVersion),
    };
  });
}

function driftRow(result: FeatureDrift, statistic: string, span: Span): Record<string, unknown> {
  const numeric = result.kind === 'numeric';
  const pick = (): { value: number | null; p_value: number | null } => {
    if (result.kind === 'numeric') {
      if (statistic === 'psi') return { value: result.psi, p_value: null };
      if (statistic === 'ks') return { value: result.ks_statistic, p_value: result.ks_p_value };
      if (statistic === 'wasserstein') return { value: result.wasserstein, p_value: null };
    } else {
      if (statistic === 'js') return { value: result.js_distance, p_value: null };
      if (statistic === 'chi_square') return { value: result.chi_square, p_value: result.chi_square_p_value };
    }
    return locatedFailure(span, 'statistic-kind', messages.pqlDriftStatisticKind(statistic, result.feature_name, numeric ? 'numeric' : 'categorical'));
  };
  return {
    feature: result.feature_name,
    kind: result.kind,
    statistic,
    ...pick(),
    severity: result.severity,
    status: result.status,
    n_baseline: result.baseline_stats.count,
    n_current: result.current_stats.count,
  };
}

// --- row steps ---------------------------------------------------------------------------

const TIME_COLUMNS = new Set(['timestamp', 'window_start', 'window_end', 'covered_start', 'covered_end', 'period_start', 'period_end', 'reference_from', 'reference_to', 'at', 'acknowledged_at', 'last_triggered', 'actual_outcome_timestamp', 'fired_at']);

function typeOf(name: string, values: readonly unknown[]): ColumnType {
  const present = values.filter((value) => value !== null && value !== undefined);
  if (TIME_COLUMNS.has(name) && present.every((value) => typeof value === 'number')) return 'time';
  if (present.length === 0) return 'string';
  if (present.every((value) => typeof value === 'number')) return 'number';
  if (present.every((value) => typeof value === 'boolean')) return 'boolean';
  if (present.every((value) => typeof value === 'string')) return 'string';
  return 'json';
}

/** The columns of rows: the names given first (those present or declared), then any other key in the order met. */
function columnsOf(rows: readonly Record<string, unknown>[], declared: readonly string[] = [], exhaustive = false): ResultColumn[] {
  const names = [...declared];
  if (!exhaustive) for (const row of rows) for (const key of Object.keys(row)) if (!names.includes(key)) names.push(key);
  return names.map((name) => ({ name, type: typeOf(name, rows.map((row) => row[name])) }));
}

function applyStep(step: RowStep, rows: Record<string, unknown>[], now: number): Record<string, unknown>[] {
  switch (step.kind) {
    case 'where':
      return rows.filter((row) => truthy(evaluate(step.condition, row, now)));
    case 'take':
      return rows.slice(0, step.count);
    case 'sort': {
      for (const key of step.keys) checkColumn(rows, key.column, key.span);
      return rows
        .map((row, index) => ({ row, index }))
        .sort((x, y) => {
          for (const key of step.keys) {
            const a = lookup(x.row, key.column);
            const b = lookup(y.row, key.column);
            // Nulls last in either direction (docs/pql.md), as the notebook's table sorts them too.
            const missing = (v: unknown) => v === null || v === undefined;
            if (missing(a) !== missing(b)) return missing(a) ? 1 : -1;
            const order = compareValues(a, b);
            if (order !== 0) return key.descending ? -order : order;
          }
          return x.index - y.index;
        })
        .map(({ row }) => row);
    }
    case 'select':
      for (const column of step.columns) checkColumn(rows, column.column, column.span);
      return rows.map((row) => Object.fromEntries(step.columns.map(({ column }) => [column, lookup(row, column) ?? null])));
  }
}

function checkColumn(rows: readonly Record<string, unknown>[], column: string, span: Span): void {
  const [first] = rows;
  if (first === undefined || lookup(first, column) !== undefined) return;
  const known = Object.keys(first);
  const suggestion = nearestName(column, known);
  locatedFailure(span, 'unknown-column', messages.pqlUnknownName('column', column), suggestion === undefined ? messages.pqlKnownNames('columns', known) : messages.pqlDidYouMean(suggestion));
}

/** A column by name, or a dotted path into nested objects (`features.track_temp`). */
function lookup(row: Record<string, unknown>, column: string): unknown {
  if (Object.hasOwn(row, column)) return row[column];
  let value: unknown = row;
  for (const part of column.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function truthy(value: unknown): boolean {
  return value === true || (typeof value === 'number' && value !== 0) || (typeof value === 'string' && value !== '');
}

/** Nulls last; numbers by value, anything else by its text. */
function compareValues(a: unknown, b: unknown): number {
  const missing = (v: unknown) => v === null || v === undefined;
  if (missing(a) || missing(b)) return missing(a) === missing(b) ? 0 : missing(a) ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = typeof a === 'string' ? a : JSON.stringify(a);
  const y = typeof b === 'string' ? b : JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compare(op: CompareOp, a: unknown, b: unknown): boolean {
  if (op === '==') return a === b || (a === undefined && b === null);
  if (op === '!=') return !(a === b || (a === undefined && b === null));
  if (a === null || a === undefined || b === null || b === undefined || typeof a !== typeof b) return false;
  const order = compareValues(a, b);
  return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
}

function evaluate(expr: Expr, row: Record<string, unknown>, now: number): unknown {
  switch (expr.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return expr.value;
    case 'null':
      return null;
    case 'duration':
      return expr.seconds;
    case 'date':
      return expr.seconds;
    case 'field': {
      const column = expr.path.join('.');
      checkColumn([row], column, expr.span);
      return lookup(row, column);
    }
    case 'call': {
      const [arg] = expr.args;
      if (expr.name.name === 'ago' && expr.args.length === 1 && arg?.kind === 'duration') return now - arg.seconds;
      if (expr.name.name === 'now' && expr.args.length === 0) return now;
      if (expr.name.name === 'abs' && expr.args.length === 1 && arg !== undefined) {
        const value = evaluate(arg, row, now);
        return typeof value === 'number' ? Math.abs(value) : null;
      }
      const suggestion = nearestName(expr.name.name, ['ago', 'now', 'abs']);
      return locatedFailure(expr.span, 'unknown-function', messages.pqlUnknownName('function', `${expr.name.name}(…)`), suggestion === undefined ? messages.pqlKnownNames('functions', ['ago(duration)', 'now()', 'abs(x)']) : messages.pqlDidYouMean(suggestion));
    }
    case 'range':
      return locatedFailure(expr.span, 'bad-value', messages.pqlValueType('a range', 'used with `in`'));
    case 'list':
      return expr.items.map((item) => evaluate(item, row, now));
    case 'not':
      return !truthy(evaluate(expr.operand, row, now));
    case 'logical':
      return expr.op === 'and' ? truthy(evaluate(expr.left, row, now)) && truthy(evaluate(expr.right, row, now)) : truthy(evaluate(expr.left, row, now)) || truthy(evaluate(expr.right, row, now));
    case 'compare':
      return compare(expr.op, evaluate(expr.left, row, now), evaluate(expr.right, row, now));
    case 'in': {
      const value = evaluate(expr.value, row, now);
      if (expr.set.kind === 'range') {
        const from = evaluate(expr.set.from, row, now);
        const to = evaluate(expr.set.to, row, now);
        return compare('>=', value, from) && compare('<', value, to);
      }
      const set = evaluate(expr.set, row, now);
      return Array.isArray(set) ? set.some((item) => item === value) : value === set;
    }
  }
}

/** The analytics commands: metrics, trend, calibration, health. */
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import { computeHealth, HealthSchedule, recordHealth, type HealthReport } from '../core/analytics/health';
import type { Binning } from '../core/analytics/metrics';
import { estimateWindows } from '../core/analytics/estimateWindows';
import { estimateChart } from '../core/charts/estimateChart';
import { toDriftResultRow, type FeatureDrift } from '../core/analytics/drift';
import { readDrift, topDriftedFeatures } from '../core/analytics/driftReport';
import { summarizeMetrics } from '../core/analytics/summary';
import { distributionChart, distributionOfDrift } from '../core/charts/distributionChart';
import { driftScoresChart, driftScoreOf, driftThresholds } from '../core/charts/driftChart';
import { reliabilityChart } from '../core/charts/reliabilityChart';
import { trendChart, trendInputFromWindows } from '../core/charts/trendChart';
import { DEFAULT_MIN_LABELS, DEFAULT_TREND_METRICS, planWindows, readWindowedMetrics, windowedMetrics, WINDOW_METRICS, type WindowGrouping, type WindowMetricsRow } from '../core/analytics/windows';
import { parseDuration } from '../core/analytics/duration';
import { scanPredictionColumns } from '../core/store/openStore';
import { segmentColumns, segmentOf } from '../core/store/windowStats';
import type { PredictionColumnsQuery, WindowColumns } from '../core/store/store';
import { classificationInRange, type ClassificationColumns } from '../core/analytics/classification';
import { readDataScope, rangeMeetsData, scopeOfColumns, type DataScope } from '../core/analytics/dataScope';
import { resolveMetricName } from '../core/analytics/metricNames';
import { unknownSegmentName } from '../core/analytics/segmentNames';
import { parseCount, parseSince, parseTime, SOURCE } from './args';
import { defineCommand, type CliCommand } from './commandSpec';
import { withStore, type CommandEnvironment } from './context';
import { formatTime, printJson, printTable, type Output } from './output';
import { checkModel, emptyRangeNote, printScope, rangeText, scopeJson } from './scope';
import { MODEL_OPTION, parseReference, REFERENCE_OPTION } from './statusCommand';

/** A metric for a table cell: four decimals, a dash when undefined. */
function cell(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : Number.isInteger(value) ? String(value) : value.toFixed(4);
}

/** `--from`/`--to` as absolute times or ages before `now` (`--from 7d`: the last seven days). */
function columnsQuery(values: { model?: string | undefined; from?: string | undefined; to?: string | undefined }, now: number): PredictionColumnsQuery {
  const from = parseSince(values.from, 'from', now);
  const to = parseSince(values.to, 'to', now);
  if (from !== undefined && to !== undefined && to <= from) throw new PitwallError('input', `--to must be after --from.`);
  return {
    ...(values.model === undefined ? {} : { modelVersion: values.model }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
}

/** The options that choose the predictions an analysis covers. */
const RANGE = {
  model: { type: 'string', placeholder: 'VERSION', defaultText: 'every version', description: 'only the predictions of this model version' },
  from: { type: 'string', placeholder: 'TIME', defaultText: 'the first prediction', description: 'from this time on, inclusive (ISO 8601, unix seconds, or an age such as 7d: that long before now)' },
  to: { type: 'string', placeholder: 'TIME', defaultText: 'after the last prediction', description: 'up to this time, exclusive (absolute, or an age such as 1d)' },
} as const;

const BINS = { type: 'string', placeholder: 'N', default: '10', description: 'calibration bins, 1 to 1000' } as const;
const STRATEGY = { type: 'string', placeholder: 'BINNING', choices: ['width', 'mass'], default: 'width', description: 'equal-width or equal-mass calibration bins' } as const;
const MIN_LABELS = { type: 'string', placeholder: 'N', default: String(DEFAULT_MIN_LABELS), description: 'fewest labelled predictions for label metrics to be reported' } as const;
const VEGA = { type: 'boolean', description: 'print a Vega-Lite chart spec (JSON) instead of the table' } as const;

function parseBins(text: string): number {
  const bins = parseCount(text, 'bins');
  if (bins < 1 || bins > 1000) throw new PitwallError('input', `--bins must be from 1 to 1000, not ${bins}.`);
  return bins;
}

const metrics = defineCommand({
  name: 'metrics',
  summary: 'every metric over a range: accuracy, precision, recall, F1, AUC, calibration, confidence',
  positionals: [SOURCE],
  options: { ...RANGE, bins: BINS, strategy: STRATEGY, 'min-labels': MIN_LABELS },
  examples: ['pitwall metrics demo/monitoring.db --model v1.1 --from 2026-10-11 --to 2026-10-15', 'pitwall metrics demo/monitoring --json'],
  run: async ({ values, args: { source } }, env) => {
    const query = columnsQuery(values, env.now());
    const options = {
      bins: parseBins(values.bins),
      binning: values.strategy as Binning,
      // The same rule as a trend's windows, so that a range with a handful of labels is not reported with confidence.
      minLabels: parseCount(values['min-labels'], 'min-labels'),
    };
    const { columns, scope } = await classificationColumns(source, query, env);
    checkModel(scope, query.modelVersion);
    const summary = summarizeMetrics(columns, options);
    printScope(env, values.json, scope, query, null);
    if (values.json) {
      printJson(env.out, { ...summary, scope: scopeJson(scope, query, null) });
      return 0;
    }
    if (summary.count === 0) return noPredictions(env, scope, query);
    const rows: [string, string][] = [
      ['predictions', String(summary.count)],
      ['labelled', `${summary.labelled}${summary.label_coverage === null ? '' : ` (${(100 * summary.label_coverage).toFixed(1)}%)`}`],
      ['accuracy', cell(summary.accuracy)],
      ['precision', cell(summary.precision)],
      ['recall', cell(summary.recall)],
      ['f1', cell(summary.f1)],
      ['specificity', cell(summary.specificity)],
      ['roc_auc', cell(summary.roc_auc)],
      ['average_precision', cell(summary.average_precision)],
      ['log_loss', cell(summary.log_loss)],
      ['brier', cell(summary.brier)],
      [`ece (${summary.calibration_binning}, ${options.bins} bins)`, cell(summary.ece)],
      ['mce', cell(summary.mce)],
      ['avg_confidence', cell(summary.avg_confidence)],
      ['min / max confidence', `${cell(summary.min_confidence)} / ${cell(summary.max_confidence)}`],
      ['confidence_std', cell(summary.confidence_std)],
    ];
    printTable(env.out, ['METRIC', 'VALUE'], rows, { bare: true });
    if (summary.labelled === 0) env.out.write('No prediction in range has ground truth yet: label metrics are undefined (—). `pitwall estimate` gives label-free estimates.\n');
    else if (summary.insufficient) env.out.write(`${messages.metricsInsufficient(summary.labelled, summary.min_labels)}\n`);
    return 0;
  },
});

/** The end of an analysis that found no predictions: the reason was printed with the scope, or the range falls in a gap of the data. */
function noPredictions(env: CommandEnvironment, scope: DataScope, query: PredictionColumnsQuery): number {
  if (emptyRangeNote(scope, query) === undefined) env.out.write('No predictions in range.\n');
  return 0;
}

/**
 * The predictions in range as classification columns: decoded straight from a SQLite file's
 * pages when every row is sound (the fast cold start), else read through the store.
 */
async function classificationColumns(source: string, query: PredictionColumnsQuery, env: CommandEnvironment): Promise<{ columns: ClassificationColumns; scope: DataScope }> {
  const scanned = await scanPredictionColumns(source);
  if (scanned !== undefined) return { columns: classificationInRange(scanned, query), scope: scopeOfColumns(scanned, query.modelVersion) };
  return withStore(source, env, async (store) => {
    const columns = await store.readPredictionColumns(query);
    return {
      columns: { length: columns.length, predicted: columns.predicted_outcome, confidence: columns.confidence, actual: columns.actual_outcome },
      scope: await readDataScope(store, query.modelVersion),
    };
  });
}

function parseGrouping(text: string | undefined): WindowGrouping | undefined {
  if (text === undefined || text === 'none') return undefined;
  if (text === 'model_version' || text.startsWith('feature:') || text.startsWith('metadata:')) return text as WindowGrouping;
  return `feature:${text}`;
}

const trend = defineCommand({
  name: 'trend',
  summary: 'metrics per time window, overall or by model version, feature or metadata key',
  positionals: [SOURCE],
  options: {
    every: { type: 'string', placeholder: 'DURATION', required: true, description: 'window length: 15m, 1h, 1d' },
    slide: { type: 'string', placeholder: 'DURATION', defaultText: 'the window length', description: 'start a window this often; shorter than --every gives overlapping windows' },
    by: { type: 'string', placeholder: 'GROUP', defaultText: 'none', description: 'one row per model_version, per value of a feature (name or feature:NAME), or metadata:KEY' },
    metrics: { type: 'string', placeholder: 'LIST', default: DEFAULT_TREND_METRICS.join(','), description: `comma-separated, from ${WINDOW_METRICS.join(', ')}` },
    ...RANGE,
    bins: BINS,
    'min-labels': MIN_LABELS,
    'fill-empty': { type: 'boolean', description: 'list windows without predictions too' },
    vega: VEGA,
  },
  examples: [
    'pitwall trend demo/monitoring.db --every 1h --by model_version --metrics accuracy,ece',
    'pitwall trend demo/monitoring --every 1d --slide 6h --by circuit --metrics accuracy --vega > trend.vl.json',
    'pitwall trend demo/monitoring.db --every 1d --from 2026-10-01 --to 2026-10-08 --json',
  ],
  run: async ({ values, args: { source } }, env) => {
    const every = parseDuration(values.every);
    const slide = values.slide === undefined ? undefined : parseDuration(values.slide);
    // Any name of a metric (f1_score = f1, expected_calibration_error = ece); count, num_predictions: the N column, always shown.
    const metricNames = values.metrics
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean)
      .map((name) => resolveMetricName(name, [...WINDOW_METRICS, 'count']))
      .filter((name) => name !== 'count');
    const by = parseGrouping(values.by);
    const minLabels = parseCount(values['min-labels'], 'min-labels');
    const query = columnsQuery(values, env.now());
    const options = {
      every,
      ...(slide === undefined ? {} : { slide }),
      ...(by === undefined ? {} : { by }),
      ...(query.modelVersion === undefined ? {} : { modelVersion: query.modelVersion }),
      ...(query.from === undefined ? {} : { from: query.from }),
      ...(query.to === undefined ? {} : { to: query.to }),
      minLabels,
      bins: parseBins(values.bins),
      metrics: metricNames,
      fillEmpty: values['fill-empty'],
    };
    planWindows(options);
    // A SQLite file whose rows are all sound is decoded straight from its pages; anything else goes through the store.
    const segment = segmentColumns(by);
    const scanned = await scanPredictionColumns(source, segment.features, segment.metadata);
    const result = await (async () =>
      scanned !== undefined
        ? { rows: windowedMetrics(scanned, options), scope: scopeOfColumns(scanned, query.modelVersion) }
        : await withStore(source, env, async (store) => ({ ...(await readWindowedMetrics(store, options)), scope: await readDataScope(store, query.modelVersion) })))().catch(async (error: unknown) => {
      // A grouping by a name no prediction has: most often a typo, answered with the nearest name the source has.
      const named = segmentOf(by);
      if (!(error instanceof PitwallError) || error.code !== 'input' || named === undefined) throw error;
      throw (await withStore(source, env, (store) => unknownSegmentName(store, named.kind, named.name), true)) ?? error;
    });
    checkModel(result.scope, query.modelVersion);
    const window = `${values.every}${values.slide === undefined ? '' : `, starting every ${values.slide}`}${by === undefined ? '' : `, by ${by}`}`;
    if (values.vega) {
      // Alerts of the range mark the chart, and recorded degradations shade their windows; both come from the store.
      const range = { ...(query.from === undefined ? {} : { from: query.from }), ...(query.to === undefined ? {} : { to: query.to }) };
      const [alerts, degradations] = await withStore(source, env, (store) => Promise.all([store.readAlerts({ ...range, limit: 500 }), store.readDegradationAnalyses({ ...range, limit: 500 })]), true);
      const shown = WINDOW_METRICS.filter((metric) => metricNames.includes(metric));
      const bands = degradations.map((d) => {
        const start = Math.floor(d.timestamp / every) * every;
        return { start, end: start + every, ...(d.metric_name === null ? {} : { metric: d.metric_name }), ...(d.model_version === null ? {} : { model_version: d.model_version }), label: 'degradation' };
      });
      printJson(env.out, trendChart({ ...trendInputFromWindows(result.rows, shown), alerts: alerts.map((alert) => ({ ...alert })), degradations: bands }));
      return 0;
    }
    printScope(env, values.json, result.scope, query, window);
    if (values.json) {
      printJson(env.out, result.rows);
      return 0;
    }
    if (result.rows.length === 0 && emptyRangeNote(result.scope, query) !== undefined) return 0;
    printTrend(env.out, result.rows, metricNames, by);
    return 0;
  },
});

function printTrend(out: Output, rows: readonly WindowMetricsRow[], metricNames: readonly string[], by: WindowGrouping | undefined): void {
  const write = (text: string) => out.write(text);
  if (rows.length === 0) {
    write('No predictions in range.\n');
    return;
  }
  const shown = WINDOW_METRICS.filter((metric) => metricNames.includes(metric));
  const header = ['WINDOW START', ...(by === undefined ? [] : [by === 'model_version' ? 'MODEL' : (segmentOf(by)?.name ?? '').toUpperCase()]), 'N', 'LABELLED', ...shown.map((m) => m.toUpperCase())];
  printTable(
      out,
      header,
      rows.map((row) => [
        row.partial ? `${formatTime(row.window_start)} (partial: ${formatTime(row.covered_start ?? null)} – ${formatTime(row.covered_end ?? null)})` : formatTime(row.window_start),
        ...(by === undefined ? [] : [row.group ?? '(none)']),
        String(row.count),
        `${row.labelled}${row.insufficient ? ' (too few)' : ''}`,
        ...shown.map((metric) => cell(row[metric])),
      ]),
  );
  if (rows.some((row) => row.insufficient)) write('(too few): fewer labelled predictions than --min-labels; label metrics are left out (—) rather than guessed.\n');
  if (rows.some((row) => row.partial)) write('(partial): the window reaches outside --from/--to; its numbers count only the span shown.\n');
}

const calibration = defineCommand({
  name: 'calibration',
  summary: 'reliability: predicted confidence against observed accuracy, bin by bin, with ECE and MCE',
  positionals: [SOURCE],
  options: { ...RANGE, bins: BINS, strategy: STRATEGY, vega: VEGA },
  examples: ['pitwall calibration demo/monitoring.db --model v1.1 --bins 10 --strategy mass', 'pitwall calibration demo/monitoring --vega > reliability.vl.json'],
  run: async ({ values, args: { source } }, env) => {
    const query = columnsQuery(values, env.now());
    const options = { bins: parseBins(values.bins), binning: values.strategy as Binning };
    const { columns, scope } = await classificationColumns(source, query, env);
    checkModel(scope, query.modelVersion);
    const summary = summarizeMetrics(columns, options);
    if (values.vega) {
      printJson(env.out, reliabilityChart([{ name: query.modelVersion ?? 'all versions', ece: summary.ece, mce: summary.mce, labelled: summary.labelled, bins: summary.reliability }]));
      return 0;
    }
    const report = { binning: summary.calibration_binning, bins: summary.reliability, ece: summary.ece, mce: summary.mce, labelled: summary.labelled };
    printScope(env, values.json, scope, query, null);
    if (values.json) {
      printJson(env.out, { ...report, scope: scopeJson(scope, query, null) });
      return 0;
    }
    if (summary.count === 0) return noPredictions(env, scope, query);
    env.out.write(`ECE ${cell(report.ece)} · MCE ${cell(report.mce)} · ${report.labelled} labelled predictions · ${report.binning === 'width' ? 'equal-width' : 'equal-mass'} bins\n`);
    printTable(
        env.out,
        ['CONFIDENCE', 'N', 'MEAN CONFIDENCE', 'ACCURACY', '95% INTERVAL'],
        report.bins.map((bin) => [
          `${bin.lower.toFixed(3)}–${bin.upper.toFixed(3)}`,
          String(bin.count),
          cell(bin.mean_confidence),
          cell(bin.accuracy),
          bin.accuracy_interval === null ? '—' : `${bin.accuracy_interval.lower.toFixed(3)}–${bin.accuracy_interval.upper.toFixed(3)}`,
        ]),
    );
    return 0;
  },
});

function healthRows(reports: readonly HealthReport[]): string[][] {
  return reports.map((r) => [
    r.snapshot.model_version,
    `${formatTime(r.period_start)} … ${formatTime(r.period_end)}`,
    String(r.snapshot.num_predictions ?? 0),
    String(r.labelled),
    cell(r.snapshot.accuracy),
    cell(r.snapshot.f1_score),
    cell(r.snapshot.expected_calibration_error),
    r.snapshot.prediction_accuracy_trend === null ? '—' : `${r.snapshot.prediction_accuracy_trend >= 0 ? '+' : ''}${r.snapshot.prediction_accuracy_trend.toFixed(4)}`,
    r.degradation.status,
    cell(r.reference.accuracy),
    r.reference.change === null ? '—' : `${r.reference.change >= 0 ? '+' : ''}${r.reference.change.toFixed(4)}`,
    r.reference.degradation.status,
  ]);
}

// TREND and DEGRADATION compare with the previous period (the Python snapshot's meaning); the last three with the reference.
const HEALTH_HEADER = ['MODEL', 'PERIOD', 'N', 'LABELLED', 'ACCURACY', 'F1', 'ECE', 'TREND', 'DEGRADATION', 'REFERENCE', 'CHANGE', 'VS REFERENCE'];

const health = defineCommand({
  name: 'health',
  summary: 'health of each model version over the last period, against the period before and a reference',
  positionals: [SOURCE],
  options: {
    every: { type: 'string', placeholder: 'DURATION', default: '1d', description: 'length of the period' },
    at: { type: 'string', placeholder: 'TIME', defaultText: 'the newest prediction', description: 'the period ends at this time' },
    reference: REFERENCE_OPTION,
    model: MODEL_OPTION,
    record: { type: 'boolean', description: 'write the snapshots (and degradation analyses) into the source' },
    schedule: { type: 'string', placeholder: 'DURATION', description: 'record every DURATION until stopped (Ctrl-C)' },
    'min-labels': MIN_LABELS,
  },
  examples: ['pitwall health demo/monitoring.db --every 1d --reference 7d', 'pitwall health demo/monitoring.db --every 1d --model v1.1 --record', 'pitwall health demo/monitoring --schedule 1h'],
  run: async ({ values, args: { source } }, env) => {
    const every = values.every;
    parseDuration(every);
    const at = parseTime(values.at, 'at');
    const minLabels = parseCount(values['min-labels'], 'min-labels');
    const reference = parseReference(values.reference);
    const options = { every, ...(at === undefined ? {} : { at }), minLabels, ...(reference === undefined ? {} : { reference }), ...(values.model === undefined ? {} : { modelVersion: values.model }) };
    if (values.schedule !== undefined) return runSchedule(source, values.schedule, options, values.json, env);
    const outcome = await withStore(source, env, async (store) => {
      const reports = await computeHealth(store, options);
      // A degraded version's analysis names the features that drifted most from the previous period.
      const recorded = values.record
        ? await recordHealth(store, reports, async (report) =>
            topDriftedFeatures(
              await readDrift(store, {
                baseline: { from: report.period_start - (report.period_end - report.period_start), to: report.period_start },
                current: { from: report.period_start, to: report.period_end },
                modelVersion: report.snapshot.model_version,
              }),
            ),
          )
        : null;
      return { reports, recorded };
    });
    if (values.json) {
      printJson(env.out, { snapshots: outcome.reports, recorded: outcome.recorded });
      return 0;
    }
    printTable(env.out, HEALTH_HEADER, healthRows(outcome.reports));
    const [first] = outcome.reports;
    if (first !== undefined) env.out.write(`Reference: ${formatTime(first.reference.from)} … ${formatTime(first.reference.to)} (--reference).\n`);
    for (const report of outcome.reports) {
      env.out.write(`${report.snapshot.model_version}: against the previous period: ${report.degradation.reason} Against the reference: ${report.reference.degradation.reason}\n`);
    }
    if (outcome.recorded) env.out.write(`Recorded ${outcome.recorded.snapshots} health snapshot(s) and ${outcome.recorded.degradations} degradation analysis row(s) in ${source}.\n`);
    return 0;
  },
});

/** Records health every period until interrupted (SIGINT or SIGTERM), one line per run. */
async function runSchedule(source: string, schedule: string, options: Parameters<typeof computeHealth>[1], json: boolean, env: CommandEnvironment): Promise<number> {
  let periodSeconds: number;
  try {
    periodSeconds = parseDuration(schedule);
  } catch {
    throw new PitwallError('input', `--schedule needs a duration such as 15m, 1h or 1d, not "${schedule}".`);
  }
  return withStore(source, env, async (store) => {
    const { at: _fixed, ...rest } = options ?? {};
    const job = new HealthSchedule(store, periodSeconds * 1000, rest, ({ reports, error }) => {
      if (error !== undefined) env.out.error(`pitwall: health run failed: ${error instanceof Error ? error.message : String(error)}\n`);
      else if (json) env.out.write(`${JSON.stringify({ at: env.now(), snapshots: reports.map((r) => r.snapshot) })}\n`);
      else if (reports.length === 0) env.out.write(`${formatTime(env.now())} no predictions in this period or the one before: nothing recorded.\n`);
      else env.out.write(`${formatTime(env.now())} recorded ${reports.length} snapshot(s): ${reports.map((r) => `${r.snapshot.model_version} ${r.snapshot.num_predictions ?? 0} predictions, accuracy ${cell(r.snapshot.accuracy)} (${r.degradation.status})`).join(', ')}\n`);
    }, env.now);
    job.start();
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await job.stop();
    return 0;
  });
}

/** A time range written T1..T2 (each ISO 8601 or unix seconds). */
function parseRange(text: string, flag: string): { from: number; to: number };
function parseRange(text: string | undefined, flag: string): { from: number; to: number } | undefined;
function parseRange(text: string | undefined, flag: string): { from: number; to: number } | undefined {
  if (text === undefined) return undefined;
  const parts = text.split('..');
  if (parts.length !== 2) throw new PitwallError('input', `--${flag} needs a range written T1..T2 (ISO 8601 or unix seconds), not "${text}".`);
  const from = parseTime(parts[0], flag) as number;
  const to = parseTime(parts[1], flag) as number;
  if (!(to > from)) throw new PitwallError('input', `--${flag}: the range must end after it starts ("${text}").`);
  return { from, to };
}

/** The prediction columns of a source: decoded from a sound SQLite file's pages, else through the store. */
async function windowColumns(source: string, env: CommandEnvironment, features: readonly string[] = []): Promise<WindowColumns> {
  return (await scanPredictionColumns(source, features)) ?? withStore(source, env, (store) => store.readPredictionColumns({ features }));
}

const estimate = defineCommand({
  name: 'estimate',
  summary: 'label-free performance estimates per window, beside the realized metrics where labels exist',
  positionals: [SOURCE],
  options: {
    ...RANGE,
    every: { type: 'string', placeholder: 'DURATION', default: '1d', description: 'window length' },
    reference: { type: 'string', placeholder: 'T1..T2', defaultText: 'the labelled predictions of each version', description: 'the period whose labelled predictions fit the estimator' },
    vega: VEGA,
  },
  examples: ['pitwall estimate demo/monitoring.db --every 1d --reference 2026-10-01..2026-10-08', 'pitwall estimate demo/monitoring --model v1.1 --json'],
  run: async ({ values, args: { source } }, env) => {
    const every = parseDuration(values.every);
    const reference = parseRange(values.reference, 'reference');
    const query = columnsQuery(values, env.now());
    const columns = await windowColumns(source, env);
    const scope = scopeOfColumns(columns, query.modelVersion);
    checkModel(scope, query.modelVersion);
    const report = estimateWindows(columns, {
      every,
      ...(query.modelVersion === undefined ? {} : { modelVersion: query.modelVersion }),
      ...(query.from === undefined ? {} : { from: query.from }),
      ...(query.to === undefined ? {} : { to: query.to }),
      ...(reference === undefined ? {} : { reference }),
    });
    if (values.vega) {
      printJson(env.out, estimateChart(report));
      return 0;
    }
    printScope(env, values.json, scope, query, values.every);
    if (values.json) {
      printJson(env.out, { ...report, scope: scopeJson(scope, query, values.every) });
      return 0;
    }
    if (report.windows.length === 0) {
      if (emptyRangeNote(scope, query) === undefined) env.out.write('No predictions in range.\n');
      return 0;
    }
    env.out.write(`Reference: ${formatTime(report.reference.from)} … ${formatTime(report.reference.to)} (labelled predictions of each version fit its estimator)\n`);
    const reasons = new Map(report.windows.map((w) => [w.model_version, w.reason]));
    for (const [version, reason] of reasons) env.out.write(`${version}: ${reason}\n`);
    printTable(
        env.out,
        ['WINDOW START', 'MODEL', 'N', 'LABELLED', 'EST. ACCURACY', '95% INTERVAL', 'REALIZED ACCURACY', 'EST. F1', 'REALIZED F1'],
        report.windows.map((w) => [
          formatTime(w.window_start),
          w.model_version,
          String(w.count),
          String(w.labelled),
          cell(w.estimated?.accuracy),
          w.estimated?.interval.accuracy ? `${w.estimated.interval.accuracy.lower.toFixed(3)}–${w.estimated.interval.accuracy.upper.toFixed(3)}` : '—',
          cell(w.realized?.accuracy),
          cell(w.estimated?.f1),
          cell(w.realized?.f1),
        ]),
    );
    return 0;
  },
});

const drift = defineCommand({
  name: 'drift',
  summary: 'feature drift between two periods: PSI, KS, JS distance, chi-square, Wasserstein',
  positionals: [SOURCE],
  options: {
    baseline: { type: 'string', placeholder: 'T1..T2', required: true, description: 'the reference period' },
    current: { type: 'string', placeholder: 'T3..T4', required: true, description: 'the period compared with it' },
    feature: { type: 'string', placeholder: 'F[,G…]', defaultText: 'every feature', description: 'only these features' },
    model: { type: 'string', placeholder: 'VERSION', defaultText: 'every version', description: 'only the predictions of this model version' },
    record: { type: 'boolean', description: 'write the results into the source' },
    vega: VEGA,
  },
  examples: [
    'pitwall drift demo/monitoring.db --feature track_temp --baseline 2026-10-01..2026-10-08 --current 2026-10-11..2026-10-15 --record',
    'pitwall drift demo/monitoring --baseline 2026-10-01..2026-10-08 --current 2026-10-11..2026-10-15 --json',
  ],
  run: async ({ values, args: { source } }, env) => {
    const baseline = parseRange(values.baseline, 'baseline');
    const current = parseRange(values.current, 'current');
    const features = values.feature?.split(',').map((name) => name.trim()).filter(Boolean);
    const model = values.model;
    const { results, scope } = await withStore(source, env, async (store) => {
      const scope = await readDataScope(store, model);
      checkModel(scope, model);
      const found = await readDrift(store, { baseline, current, ...(model === undefined ? {} : { modelVersion: model }), ...(features === undefined ? {} : { features }) });
      if (values.record) for (const result of found) await store.recordDriftResult(toDriftResultRow(result, { timestamp: env.now(), model_version: model ?? null }));
      return { results: found, scope };
    });
    // Either period without data is said with the data's span: an empty comparison is not "no drift".
    const notes = [baseline, current].flatMap((range) => {
      const note = rangeMeetsData(scope, range.from, range.to) ? undefined : emptyRangeNote(scope, { ...range, ...(model === undefined ? {} : { modelVersion: model }) });
      return note === undefined ? [] : [note];
    });
    const shown = (range: { from: number; to: number }) => {
      const text = rangeText(scope, range.from, range.to);
      return `${text.from} … ${text.to}`;
    };
    if (values.json) for (const note of notes) env.out.error(`${note}\n`);
    else if (!values.vega) {
      env.out.write(`${messages.driftScope(shown(baseline), shown(current), model ?? null)}\n`);
      for (const note of notes) env.out.write(`${note}\n`);
    }
    if (values.vega) {
      printJson(env.out, results.length === 1 ? distributionChart(distributionOfDrift(results[0] as FeatureDrift)) : driftScoresChart({ scores: results.map((result) => driftScoreOf(result)), thresholds: driftThresholds() }));
      return 0;
    }
    if (values.json) {
      printJson(env.out, results);
      return 0;
    }
    if (results.length === 0) {
      if (notes.length > 0) return 0;
      env.out.write('No features to compare: the predictions in these ranges carry none.\n');
      return 0;
    }
    printTable(
        env.out,
        ['FEATURE', 'KIND', 'SEVERITY', 'PSI / JS', 'KS / CHI²', 'P-VALUE', 'WASSERSTEIN', 'N BASELINE', 'N CURRENT'],
        results.map((r) => [
          r.feature_name,
          r.kind,
          r.status === 'ok' ? r.severity : 'too few values',
          cell(r.kind === 'numeric' ? r.psi : r.js_distance),
          cell(r.kind === 'numeric' ? r.ks_statistic : r.chi_square),
          cell(r.kind === 'numeric' ? r.ks_p_value : r.chi_square_p_value),
          r.kind === 'numeric' ? cell(r.wasserstein) : '',
          String(r.baseline_stats.count),
          String(r.current_stats.count),
        ]),
    );
    for (const r of results) {
      if (r.kind === 'numeric' && r.non_numeric.baseline + r.non_numeric.current > 0) {
        env.out.write(`${messages.driftNonNumeric(r.feature_name, r.non_numeric.baseline, r.non_numeric.current)}\n`);
      }
    }
    if (values.record) env.out.write(`Recorded ${results.length} drift result(s) in ${source}.\n`);
    return 0;
  },
});

export const ANALYTICS_COMMANDS: readonly CliCommand[] = [metrics, trend, calibration, health, drift, estimate];

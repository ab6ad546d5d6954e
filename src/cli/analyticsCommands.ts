/** The analytics commands: metrics, trend, calibration, health. */
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import { computeHealth, HealthSchedule, recordHealth, type HealthReport } from '../core/analytics/health';
import type { Binning } from '../core/analytics/metrics';
import { estimateWindows, type EstimateReport } from '../core/analytics/estimateWindows';
import { DEFAULT_DRIFT_OPTIONS, toDriftResultRow, type FeatureDrift } from '../core/analytics/drift';
import { driftScore, readDrift, topDriftedFeatures } from '../core/analytics/driftReport';
import { summarizeMetrics } from '../core/analytics/summary';
import { distributionChart, type FeatureDistribution } from '../core/charts/distributionChart';
import { driftScoresChart, type DriftScore } from '../core/charts/driftChart';
import { reliabilityChart } from '../core/charts/reliabilityChart';
import type { ChartSpec } from '../core/charts/theme';
import { trendChart, trendInputFromWindows, type TrendPoint } from '../core/charts/trendChart';
import { DEFAULT_MIN_LABELS, parseDuration, planWindows, readWindowedMetrics, windowedMetrics, WINDOW_METRICS, type WindowGrouping, type WindowMetricsRow } from '../core/analytics/windows';
import { scanPredictionColumns } from '../core/store/openStore';
import { segmentColumns, segmentOf } from '../core/store/windowStats';
import type { PredictionColumnsQuery, WindowColumns } from '../core/store/store';
import { classificationOfRows, type ClassificationColumns } from '../core/analytics/classification';
import { parseCommand, parseCount, parseTime, requirePositional } from './args';
import { withStore, type Command } from './context';
import { parseReference } from './statusCommand';
import { formatTable, formatTime, printJson } from './output';

/** A metric for a table cell: four decimals, a dash when undefined. */
function cell(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : Number.isInteger(value) ? String(value) : value.toFixed(4);
}

function columnsQuery(values: { model?: unknown; from?: unknown; to?: unknown }): PredictionColumnsQuery {
  const from = parseTime(values.from as string | undefined, 'from');
  const to = parseTime(values.to as string | undefined, 'to');
  if (from !== undefined && to !== undefined && to <= from) throw new PitwallError('input', `--to must be after --from.`);
  return {
    ...(values.model === undefined ? {} : { modelVersion: values.model as string }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
}

const RANGE = { model: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } as const;

function parseBins(text: string | undefined): number {
  const bins = parseCount(text, 'bins') ?? 10;
  if (bins < 1 || bins > 1000) throw new PitwallError('input', `--bins must be from 1 to 1000, not ${bins}.`);
  return bins;
}

function parseStrategy(text: string | undefined): Binning {
  if (text === undefined) return 'width';
  if (text !== 'width' && text !== 'mass') throw new PitwallError('input', `--strategy must be width or mass, not "${text}".`);
  return text;
}

const metrics: Command = async (argv, env) => {
  const usage = 'pitwall metrics <source> [--model V] [--from T] [--to T] [--bins N] [--strategy width|mass] [--min-labels N] [--json]';
  const { values, positionals } = parseCommand(argv, { ...RANGE, bins: { type: 'string' }, strategy: { type: 'string' }, 'min-labels': { type: 'string' } });
  const source = requirePositional(positionals, 0, 'the source', usage);
  const query = columnsQuery(values);
  const options = {
    bins: parseBins(values.bins as string | undefined),
    binning: parseStrategy(values.strategy as string | undefined),
    // The same rule as a trend's windows, so that a range with a handful of labels is not reported with confidence.
    minLabels: parseCount(values['min-labels'] as string | undefined, 'min-labels') ?? DEFAULT_MIN_LABELS,
  };
  const summary = summarizeMetrics(await classificationColumns(source, query, env), options);
  if (values.json) {
    printJson(env.out, summary);
    return 0;
  }
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
  env.out.write(formatTable(['', ''], rows).split('\n').slice(1).join('\n'));
  if (summary.labelled === 0) env.out.write('No prediction in range has ground truth yet: label metrics are undefined (—). `pitwall estimate` gives label-free estimates.\n');
  else if (summary.insufficient) env.out.write(`${messages.metricsInsufficient(summary.labelled, summary.min_labels)}\n`);
  return 0;
};

/**
 * The predictions in range as classification columns: decoded straight from a SQLite file's
 * pages when every row is sound (the fast cold start), else read through the store.
 */
async function classificationColumns(source: string, query: PredictionColumnsQuery, env: Parameters<Command>[1]): Promise<ClassificationColumns> {
  const scanned = await scanPredictionColumns(source);
  if (scanned !== undefined) return selectRows(scanned, query);
  return withStore(source, env, async (store) => {
    const columns = await store.readPredictionColumns(query);
    return { length: columns.length, predicted: columns.predicted_outcome, confidence: columns.confidence, actual: columns.actual_outcome };
  });
}

function selectRows(columns: WindowColumns, query: PredictionColumnsQuery): ClassificationColumns {
  const from = query.from ?? -Infinity;
  const to = query.to ?? Infinity;
  const rows: number[] = [];
  for (let i = 0; i < columns.length; i++) {
    const t = columns.timestamp[i] as number;
    if (t >= from && t < to && (query.modelVersion === undefined || columns.model_version[i] === query.modelVersion)) rows.push(i);
  }
  return classificationOfRows(columns, rows);
}

function parseGrouping(text: string | undefined): WindowGrouping | undefined {
  if (text === undefined || text === 'none') return undefined;
  if (text === 'model_version' || text.startsWith('feature:') || text.startsWith('metadata:')) return text as WindowGrouping;
  return `feature:${text}`;
}

const DEFAULT_TREND_METRICS = ['accuracy', 'f1', 'ece', 'avg_confidence'];

const trend: Command = async (argv, env) => {
  const usage = 'pitwall trend <source> --every 1h [--slide 15m] [--by model_version|<feature>] [--metrics accuracy,ece,…] [--model V] [--from T] [--to T] [--min-labels N] [--fill-empty] [--json] [--vega]';
  const { values, positionals } = parseCommand(argv, {
    ...RANGE,
    every: { type: 'string' },
    slide: { type: 'string' },
    by: { type: 'string' },
    metrics: { type: 'string' },
    bins: { type: 'string' },
    'min-labels': { type: 'string' },
    'fill-empty': { type: 'boolean', default: false },
    vega: { type: 'boolean', default: false },
  });
  const source = requirePositional(positionals, 0, 'the source', usage);
  if (values.every === undefined) throw new PitwallError('input', `--every is required (for example --every 1h).\nUsage: ${usage}`);
  const every = parseDuration(values.every as string);
  const slide = values.slide === undefined ? undefined : parseDuration(values.slide as string);
  const metricNames = ((values.metrics as string | undefined)?.split(',') ?? DEFAULT_TREND_METRICS).map((name) => name.trim()).filter(Boolean);
  const by = parseGrouping(values.by as string | undefined);
  const minLabels = parseCount(values['min-labels'] as string | undefined, 'min-labels');
  const query = columnsQuery(values);
  const options = {
    every,
    ...(slide === undefined ? {} : { slide }),
    ...(by === undefined ? {} : { by }),
    ...(query.modelVersion === undefined ? {} : { modelVersion: query.modelVersion }),
    ...(query.from === undefined ? {} : { from: query.from }),
    ...(query.to === undefined ? {} : { to: query.to }),
    ...(minLabels === undefined ? {} : { minLabels }),
    bins: parseBins(values.bins as string | undefined),
    metrics: metricNames,
    fillEmpty: values['fill-empty'] === true,
  };
  planWindows(options);
  // A SQLite file whose rows are all sound is decoded straight from its pages; anything else goes through the store.
  const segment = segmentColumns(by);
  const scanned = await scanPredictionColumns(source, segment.features, segment.metadata);
  const result = scanned !== undefined ? { rows: windowedMetrics(scanned, options) } : await withStore(source, env, (store) => readWindowedMetrics(store, options));
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
  if (values.json) {
    printJson(env.out, result.rows);
    return 0;
  }
  printTrend(env.out.write.bind(env.out), result.rows, metricNames, by);
  return 0;
};

function printTrend(write: (text: string) => void, rows: readonly WindowMetricsRow[], metricNames: readonly string[], by: WindowGrouping | undefined): void {
  if (rows.length === 0) {
    write('No predictions in range.\n');
    return;
  }
  const shown = WINDOW_METRICS.filter((metric) => metricNames.includes(metric));
  const header = ['WINDOW START', ...(by === undefined ? [] : [by === 'model_version' ? 'MODEL' : (segmentOf(by)?.name ?? '').toUpperCase()]), 'N', 'LABELLED', ...shown.map((m) => m.toUpperCase())];
  write(
    formatTable(
      header,
      rows.map((row) => [
        row.partial ? `${formatTime(row.window_start)} (partial: ${formatTime(row.covered_start ?? null)} – ${formatTime(row.covered_end ?? null)})` : formatTime(row.window_start),
        ...(by === undefined ? [] : [row.group ?? '(none)']),
        String(row.count),
        `${row.labelled}${row.insufficient ? ' (too few)' : ''}`,
        ...shown.map((metric) => cell(row[metric])),
      ]),
    ),
  );
  if (rows.some((row) => row.insufficient)) write('(too few): fewer labelled predictions than --min-labels; label metrics are left out (—) rather than guessed.\n');
  if (rows.some((row) => row.partial)) write('(partial): the window reaches outside --from/--to; its numbers count only the span shown.\n');
}

const calibration: Command = async (argv, env) => {
  const usage = 'pitwall calibration <source> [--model V] [--bins 10] [--strategy width|mass] [--from T] [--to T] [--json] [--vega]';
  const { values, positionals } = parseCommand(argv, { ...RANGE, bins: { type: 'string' }, strategy: { type: 'string' }, vega: { type: 'boolean', default: false } });
  const source = requirePositional(positionals, 0, 'the source', usage);
  const query = columnsQuery(values);
  const options = { bins: parseBins(values.bins as string | undefined), binning: parseStrategy(values.strategy as string | undefined) };
  const summary = summarizeMetrics(await classificationColumns(source, query, env), options);
  if (values.vega) {
    printJson(env.out, reliabilityChart([{ name: query.modelVersion ?? 'all versions', ece: summary.ece, mce: summary.mce, labelled: summary.labelled, bins: summary.reliability }]));
    return 0;
  }
  const report = { binning: summary.calibration_binning, bins: summary.reliability, ece: summary.ece, mce: summary.mce, labelled: summary.labelled };
  if (values.json) {
    printJson(env.out, report);
    return 0;
  }
  env.out.write(`ECE ${cell(report.ece)} · MCE ${cell(report.mce)} · ${report.labelled} labelled predictions · ${report.binning === 'width' ? 'equal-width' : 'equal-mass'} bins\n`);
  env.out.write(
    formatTable(
      ['CONFIDENCE', 'N', 'MEAN CONFIDENCE', 'ACCURACY', '95% INTERVAL'],
      report.bins.map((bin) => [
        `${bin.lower.toFixed(3)}–${bin.upper.toFixed(3)}`,
        String(bin.count),
        cell(bin.mean_confidence),
        cell(bin.accuracy),
        bin.accuracy_interval === null ? '—' : `${bin.accuracy_interval.lower.toFixed(3)}–${bin.accuracy_interval.upper.toFixed(3)}`,
      ]),
    ),
  );
  return 0;
};

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

const health: Command = async (argv, env) => {
  const usage = 'pitwall health <source> [--every 1d] [--at T] [--reference previous|7d|T1..T2] [--record] [--schedule 1h] [--json]';
  const { values, positionals } = parseCommand(argv, {
    every: { type: 'string' },
    reference: { type: 'string' },
    at: { type: 'string' },
    record: { type: 'boolean', default: false },
    schedule: { type: 'string' },
    'min-labels': { type: 'string' },
  });
  const source = requirePositional(positionals, 0, 'the source', usage);
  const every = values.every === undefined ? '1d' : (values.every as string);
  parseDuration(every);
  const at = parseTime(values.at as string | undefined, 'at');
  const minLabels = parseCount(values['min-labels'] as string | undefined, 'min-labels');
  const reference = parseReference(values.reference as string | undefined);
  const options = { every, ...(at === undefined ? {} : { at }), ...(minLabels === undefined ? {} : { minLabels }), ...(reference === undefined ? {} : { reference }) };
  if (values.schedule !== undefined) return runSchedule(source, values.schedule as string, options, Boolean(values.json), env);
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
  env.out.write(formatTable(HEALTH_HEADER, healthRows(outcome.reports)));
  const [first] = outcome.reports;
  if (first !== undefined) env.out.write(`Reference: ${formatTime(first.reference.from)} … ${formatTime(first.reference.to)} (--reference).\n`);
  for (const report of outcome.reports) {
    env.out.write(`${report.snapshot.model_version}: against the previous period: ${report.degradation.reason} Against the reference: ${report.reference.degradation.reason}\n`);
  }
  if (outcome.recorded) env.out.write(`Recorded ${outcome.recorded.snapshots} health snapshot(s) and ${outcome.recorded.degradations} degradation analysis row(s) in ${source}.\n`);
  return 0;
};

/** Records health every period until interrupted (SIGINT or SIGTERM), one line per run. */
async function runSchedule(source: string, schedule: string, options: Parameters<typeof computeHealth>[1], json: boolean, env: Parameters<Command>[1]): Promise<number> {
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
async function windowColumns(source: string, env: Parameters<Command>[1], features: readonly string[] = []): Promise<WindowColumns> {
  return (await scanPredictionColumns(source, features)) ?? withStore(source, env, (store) => store.readPredictionColumns({ features }));
}

const estimate: Command = async (argv, env) => {
  const usage = 'pitwall estimate <source> [--model V] [--every 1d] [--reference T1..T2] [--from T] [--to T] [--json] [--vega]';
  const { values, positionals } = parseCommand(argv, { ...RANGE, every: { type: 'string' }, reference: { type: 'string' }, vega: { type: 'boolean', default: false } });
  const source = requirePositional(positionals, 0, 'the source', usage);
  const every = parseDuration((values.every as string | undefined) ?? '1d');
  const reference = parseRange(values.reference as string | undefined, 'reference');
  const query = columnsQuery(values);
  const report = estimateWindows(await windowColumns(source, env), {
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
  if (values.json) {
    printJson(env.out, report);
    return 0;
  }
  if (report.windows.length === 0) {
    env.out.write('No predictions in range.\n');
    return 0;
  }
  env.out.write(`Reference: ${formatTime(report.reference.from)} … ${formatTime(report.reference.to)} (labelled predictions of each version fit its estimator)\n`);
  const reasons = new Map(report.windows.map((w) => [w.model_version, w.reason]));
  for (const [version, reason] of reasons) env.out.write(`${version}: ${reason}\n`);
  env.out.write(
    formatTable(
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
    ),
  );
  return 0;
};

/** Estimated (dashed) and realized (solid) accuracy and F1 per window and version. */
function estimateChart(report: EstimateReport): ChartSpec {
  const points: TrendPoint[] = [];
  for (const w of report.windows) {
    const base = { window_start: w.window_start, window_end: w.window_end, model_version: w.model_version, count: w.count, labelled: w.labelled };
    for (const metric of ['accuracy', 'f1'] as const) {
      if (w.estimated !== null) {
        const band = w.estimated.interval[metric];
        points.push({ ...base, metric, value: w.estimated[metric], source: 'estimated', ...(band ? { lower: band.lower, upper: band.upper } : {}) });
      }
      if (w.realized !== null) points.push({ ...base, metric, value: w.realized[metric], source: 'realized' });
    }
  }
  return trendChart(
    { points, coverage: report.windows.map((w) => ({ window_start: w.window_start, window_end: w.window_end, model_version: w.model_version, label_coverage: w.count === 0 ? 0 : w.labelled / w.count, labelled: w.labelled, count: w.count })), metrics: ['accuracy', 'f1'] },
    { title: 'Estimated and realized performance' },
  );
}

const drift: Command = async (argv, env) => {
  const usage = 'pitwall drift <source> --baseline T1..T2 --current T3..T4 [--feature F[,G…]] [--model V] [--record] [--json] [--vega]';
  const { values, positionals } = parseCommand(argv, {
    feature: { type: 'string' },
    baseline: { type: 'string' },
    current: { type: 'string' },
    model: { type: 'string' },
    record: { type: 'boolean', default: false },
    vega: { type: 'boolean', default: false },
  });
  const source = requirePositional(positionals, 0, 'the source', usage);
  const baseline = parseRange(values.baseline as string | undefined, 'baseline');
  const current = parseRange(values.current as string | undefined, 'current');
  if (baseline === undefined || current === undefined) throw new PitwallError('input', `--baseline and --current are both required.\nUsage: ${usage}`);
  const features = (values.feature as string | undefined)?.split(',').map((name) => name.trim()).filter(Boolean);
  const model = values.model as string | undefined;
  const results = await withStore(source, env, async (store) => {
    const found = await readDrift(store, { baseline, current, ...(model === undefined ? {} : { modelVersion: model }), ...(features === undefined ? {} : { features }) });
    if (values.record) for (const result of found) await store.recordDriftResult(toDriftResultRow(result, { timestamp: env.now(), model_version: model ?? null }));
    return found;
  });
  if (values.vega) {
    printJson(env.out, results.length === 1 ? distributionChart(distributionOf(results[0] as FeatureDrift)) : driftScoresChart({
            scores: results.map(scoreOf),
            thresholds: [
              { kind: 'psi', value: DEFAULT_DRIFT_OPTIONS.psiWarning, severity: 'warning' },
              { kind: 'psi', value: DEFAULT_DRIFT_OPTIONS.psiDrift, severity: 'drift' },
              { kind: 'js_distance', value: DEFAULT_DRIFT_OPTIONS.jsDrift, severity: 'drift' },
            ],
          }));
    return 0;
  }
  if (values.json) {
    printJson(env.out, results);
    return 0;
  }
  if (results.length === 0) {
    env.out.write('No features to compare: the predictions in these ranges carry none.\n');
    return 0;
  }
  env.out.write(
    formatTable(
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
    ),
  );
  for (const r of results) {
    if (r.kind === 'numeric' && r.non_numeric.baseline + r.non_numeric.current > 0) {
      env.out.write(`${messages.driftNonNumeric(r.feature_name, r.non_numeric.baseline, r.non_numeric.current)}\n`);
    }
  }
  if (values.record) env.out.write(`Recorded ${results.length} drift result(s) in ${source}.\n`);
  return 0;
};

function scoreOf(result: FeatureDrift): DriftScore {
  const scored = driftScore(result);
  return {
    feature: result.feature_name,
    kind: scored?.statistic ?? (result.kind === 'numeric' ? 'psi' : 'js_distance'),
    score: scored?.score ?? null,
    severity: result.status === 'ok' ? result.severity : null,
    p_value: result.kind === 'numeric' ? result.ks_p_value : result.chi_square_p_value,
  };
}

function distributionOf(result: FeatureDrift): FeatureDistribution {
  const scored = driftScore(result);
  const score = scored === null ? {} : { score: { kind: scored.statistic, value: scored.score, ...(result.status === 'ok' ? { severity: result.severity } : {}) } };
  if (result.kind === 'numeric') {
    const edges = result.bins.length === 0 ? [] : [result.bins[0]?.lower ?? null, ...result.bins.map((bin) => bin.upper)];
    return { type: 'numeric', feature: result.feature_name, edges, baseline: result.bins.map((bin) => bin.baseline_share), current: result.bins.map((bin) => bin.current_share), ...score };
  }
  return { type: 'categorical', feature: result.feature_name, categories: result.bins.map((bin) => bin.value), baseline: result.bins.map((bin) => bin.baseline_share), current: result.bins.map((bin) => bin.current_share), ...score };
}

export const ANALYTICS_COMMANDS: Readonly<Record<string, { run: Command; summary: string }>> = {
  metrics: { run: metrics, summary: 'metrics <source> [--model V] [--from T] [--to T]   every metric over a range' },
  trend: { run: trend, summary: 'trend <source> --every 1h [--slide 15m] [--by model_version|<feature>] [--metrics a,b] [--fill-empty]' },
  calibration: { run: calibration, summary: 'calibration <source> [--model V] [--bins 10] [--strategy width|mass]' },
  health: { run: health, summary: 'health <source> [--every 1d] [--reference previous|7d|T1..T2] [--record] [--schedule 1h]   computed health snapshots' },
  drift: { run: drift, summary: 'drift <source> --baseline T1..T2 --current T3..T4 [--feature F] [--record]   feature drift' },
  estimate: { run: estimate, summary: 'estimate <source> [--model V] [--every 1d] [--reference T1..T2]   label-free performance' },
};

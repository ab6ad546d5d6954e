/**
 * The monitoring report (`pitwall report`, **Pitwall: Export Report…**): one HTML file with the
 * summary, open alerts, performance trend per version, calibration per version, feature drift
 * ranked, and label-free estimates, over a range of one source. In the manner of Evidently's and
 * NannyML's reports, but with pre-rendered SVG in place of a script bundle.
 *
 * Three steps, so that the middle one is pure and testable: `readReportData` reads the source once
 * (the prediction columns with every feature, the open alerts) and runs the kernel's analyses on
 * them; `reportCharts` turns the data into chart specs; `reportHtml` writes the page from the data
 * and the rendered SVGs. `buildReport` does all three, rendering through svg.ts.
 */
import { classificationInRange } from '../analytics/classification';
import { readDataScope, scopeOfColumns } from '../analytics/dataScope';
import { type FeatureDrift } from '../analytics/drift';
import { driftOfColumns, driftScore, readDrift, readFeatureNames } from '../analytics/driftReport';
import { estimateWindows, type EstimateReport } from '../analytics/estimateWindows';
import { summarizeMetrics, summarizeStats, type MetricsSummary } from '../analytics/summary';
import { calibrationByVersion, calibrationOfStats, WHOLE_RANGE, type VersionCalibration } from '../analytics/versionCalibration';
import { readWindowedMetrics, windowedMetrics, type WindowMetric, type WindowMetricsRow } from '../analytics/windows';
import { driftScoreOf, driftScoresChart, driftThresholds } from '../charts/driftChart';
import { estimateChart } from '../charts/estimateChart';
import { reliabilityChart } from '../charts/reliabilityChart';
import { formatUtc, type ChartSpec } from '../charts/theme';
import { trendChart, trendInputFromWindows } from '../charts/trendChart';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import { nextUp } from '../query/plan';
import type { QuerySource } from '../query/run';
import type { Store, StoredAlert, WindowColumns } from '../store/store';
import { addWindowStats, type WindowPlan } from '../store/windowStats';
import { facts, figure, html, paragraph, renderPage, table, type Html, type PageSection } from './page';
import { renderChartSvg } from './svg';

export interface ReportOptions {
  /** Unix seconds, [from, to); the data's span when left out. */
  readonly from?: number;
  readonly to?: number;
  readonly modelVersion?: string;
  /** What the header names as the source (a path as the user gave it). */
  readonly sourceName: string;
  /** The moment the report is written, unix seconds. */
  readonly now: number;
  readonly pitwallVersion: string;
  /** Most open alerts listed (the table says how many of how many); 100 when left out. */
  readonly maxAlerts?: number;
  /** Stops between steps (the editor's Cancel). */
  readonly signal?: AbortSignal;
}

export interface VersionSummary {
  /** A model version, or null for every version together. */
  readonly modelVersion: string | null;
  readonly metrics: MetricsSummary;
}

export interface RankedDrift {
  readonly feature: string;
  readonly kind: FeatureDrift['kind'];
  readonly statistic: 'psi' | 'js_distance' | null;
  readonly score: number | null;
  readonly severity: FeatureDrift['severity'] | null;
  readonly drift: FeatureDrift;
}

export interface ReportData {
  readonly sourceName: string;
  readonly generatedAt: number;
  readonly pitwallVersion: string;
  readonly modelVersion: string | null;
  /** The range covered; null when the source has no prediction in it. */
  readonly range: { readonly from: number; readonly to: number } | null;
  /** The versions with predictions in the range. */
  readonly versions: readonly string[];
  readonly summary: readonly VersionSummary[];
  readonly openAlerts: { readonly shown: readonly StoredAlert[]; readonly total: number };
  readonly trend: { readonly every: string; readonly metrics: readonly WindowMetric[]; readonly rows: readonly WindowMetricsRow[] };
  readonly calibration: readonly VersionCalibration[];
  readonly drift: { readonly baseline: { from: number; to: number }; readonly current: { from: number; to: number }; readonly ranked: readonly RankedDrift[] } | null;
  readonly estimates: EstimateReport | null;
  /** Why the estimates are left out, when the source keeps what they need (a database server's confidences). */
  readonly estimatesWithheld?: string;
  /** What the source could not read (its warnings and record problems), first ones. */
  readonly problems: readonly string[];
  readonly problemCount: number;
}

const TREND_METRICS: readonly WindowMetric[] = ['accuracy', 'f1', 'ece'];
/** The window of the trend and the estimates: the shortest that gives at most this many per version. */
const MAX_WINDOWS = 60;
const WINDOW_CHOICES: readonly (readonly [string, number])[] = [
  ['1h', 3600],
  ['6h', 6 * 3600],
  ['1d', 86400],
  ['7d', 7 * 86400],
  ['30d', 30 * 86400],
];
const SHOWN_PROBLEMS = 5;
const CALIBRATION_BINS = 10;

/** The trend's window for a span: '1h' for a day of data, '1d' for a month. */
export function reportWindow(span: number): { label: string; seconds: number } {
  const choice = WINDOW_CHOICES.find(([, seconds]) => span / seconds <= MAX_WINDOWS) ?? (WINDOW_CHOICES.at(-1) as readonly [string, number]);
  return { label: choice[0], seconds: choice[1] };
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new PitwallError('input', messages.reportCancelled());
}

/** What the report found in its range: everything but the header's facts, the alerts and the source's problems. */
type ReportAnalyses = Pick<ReportData, 'range' | 'versions' | 'summary' | 'trend' | 'calibration' | 'drift' | 'estimates' | 'estimatesWithheld'>;

function emptyAnalyses(range: ReportData['range']): ReportAnalyses {
  return { range, versions: [], summary: [], trend: { every: '1d', metrics: TREND_METRICS, rows: [] }, calibration: [], drift: null, estimates: null };
}

/**
 * Reads the source once and runs every analysis of the report. A PostgreSQL source sums on the
 * server instead (analysesOnServer): its predictions stay there.
 */
export async function readReportData(source: QuerySource, options: ReportOptions): Promise<ReportData> {
  const model = options.modelVersion;
  const maxAlerts = options.maxAlerts ?? 100;
  if (options.from !== undefined && options.to !== undefined && !(options.to > options.from)) throw new PitwallError('input', messages.reportRangeEmpty());
  const read = await source.withStore(async (store) => {
    // The features of the range's first predictions (of the whole data when no range is given).
    const features = await readFeatureNames(store, { from: options.from ?? -Number.MAX_VALUE, to: options.to ?? Number.MAX_VALUE }, model);
    const alertFilter = { acknowledged: false, ...(model === undefined ? {} : { modelVersion: model }) };
    const [shown, total, description] = await Promise.all([store.readAlerts({ ...alertFilter, limit: maxAlerts }), store.countAlerts(alertFilter), store.describe()]);
    const problems = [...description.warnings, ...description.diagnostics.map((d) => d.message)];
    return { features, openAlerts: { shown, total }, problems, onServer: description.kind === 'postgres' && store.aggregateWindows !== undefined };
  });
  checkAborted(options.signal);
  const base = {
    sourceName: options.sourceName,
    generatedAt: options.now,
    pitwallVersion: options.pitwallVersion,
    modelVersion: model ?? null,
    openAlerts: read.openAlerts,
    problems: read.problems.slice(0, SHOWN_PROBLEMS),
    problemCount: read.problems.length,
  };
  if (read.onServer) return { ...base, ...(await source.withStore((store) => analysesOnServer(store, options, read.features))) };
  // One read of the predictions serves every analysis: a SQLite file's straight from its pages.
  const columns = (await source.scanColumns(read.features, [])) ?? (await source.withStore((store) => store.readPredictionColumns({ features: read.features })));
  checkAborted(options.signal);
  return { ...base, ...analysesOfColumns(columns, options, read.features) };
}

/**
 * The report's range over a scope: the options' bounds, else the data's span; null when there is no
 * data to span. A model version the scope does not have is refused.
 */
function reportRange(
  scope: { readonly versions: readonly string[]; readonly first: number | null; readonly last: number | null },
  options: ReportOptions,
): { range: { from: number; to: number }; scoped: { from: number; to: number; modelVersion?: string } } | null {
  const model = options.modelVersion;
  if (model !== undefined && !scope.versions.includes(model)) throw new PitwallError('input', messages.reportUnknownVersion(model, scope.versions));
  const from = options.from ?? scope.first;
  // A start after the data, without an end: an empty range, told as such in every section.
  const to = options.to ?? (scope.last === null ? null : Math.max(nextUp(scope.last), from ?? -Infinity));
  if (from === null || to === null) return null;
  const range = { from, to };
  return { range, scoped: { ...range, ...(model === undefined ? {} : { modelVersion: model }) } };
}

/** The report's analyses over predictions held as columns (the whole source's, or a range's). */
function analysesOfColumns(columns: WindowColumns, options: ReportOptions, features: readonly string[]): ReportAnalyses {
  const model = options.modelVersion;
  const chosen = reportRange(scopeOfColumns(columns, model), options);
  if (chosen === null) return emptyAnalyses(null);
  const { range, scoped } = chosen;
  const inRange = new Set<string>();
  for (let i = 0; i < columns.length; i++) {
    const t = columns.timestamp[i] as number;
    const version = columns.model_version[i] as string;
    if (t >= range.from && t < range.to && (model === undefined || version === model)) inRange.add(version);
  }
  const versions = [...inRange].sort();
  if (versions.length === 0) return emptyAnalyses(range);

  const summary: VersionSummary[] = [
    ...(versions.length > 1 ? [{ modelVersion: null, metrics: summarizeMetrics(classificationInRange(columns, scoped)) }] : []),
    ...versions.map((version) => ({ modelVersion: version, metrics: summarizeMetrics(classificationInRange(columns, { ...range, modelVersion: version })) })),
  ];
  const window = reportWindow(range.to - range.from);
  const trendRows = windowedMetrics(columns, { every: window.seconds, by: 'model_version', ...scoped, metrics: TREND_METRICS });
  checkAborted(options.signal);
  const calibration = calibrationByVersion(columns, { ...range, versions, bins: CALIBRATION_BINS, binning: 'width' });
  const { reference, current } = driftRanges(range);
  const ranked = rankDrift(driftOfColumns(columns, { baseline: reference, current, features, ...(model === undefined ? {} : { modelVersion: model }) }));
  checkAborted(options.signal);
  const estimates = estimateWindows(columns, { every: window.seconds, ...scoped, reference });
  return { range, versions, summary, trend: { every: window.label, metrics: TREND_METRICS, rows: trendRows }, calibration, drift: { baseline: reference, current, ranked }, estimates };
}

/** The reference is the oldest third of the range, for drift and for the estimator alike. */
function driftRanges(range: { readonly from: number; readonly to: number }): { reference: { from: number; to: number }; current: { from: number; to: number } } {
  const reference = { from: range.from, to: range.from + (range.to - range.from) / 3 };
  return { reference, current: { from: reference.to, to: range.to } };
}

/**
 * The report's analyses summed by a database (PostgreSQL): the range's span from two one-row
 * reads; the summary and the calibration from the server's sums of the range by version (added
 * up for all versions), through the combine step (summarizeStats); the trend pushed down
 * as the Trend panel's; drift through readDrift (counted on the server). The label-free
 * estimates need every prediction's confidence, so they are withheld with a note. Memory follows
 * the answers, not the table (ROC AUC, average precision and log loss take the labelled rows'
 * distinct (predicted, confidence, label) triples, as the Trend panel's do); only when the server
 * cannot sum the range as asked (rows its light checks leave to the record schema) are that
 * range's predictions read, and analysed as every other source's are.
 */
async function analysesOnServer(store: Store, options: ReportOptions, features: readonly string[]): Promise<ReportAnalyses> {
  const model = options.modelVersion;
  const chosen = reportRange(await readDataScope(store, model), options);
  if (chosen === null) return emptyAnalyses(null);
  const { range, scoped } = chosen;
  // Windows from the epoch as long as the range may be (one per version, unless the range crosses 1970 or 2106), every sum and the labelled scores.
  const plan: WindowPlan = { every: WHOLE_RANGE, slide: WHOLE_RANGE, ...scoped, by: 'model_version', bins: CALIBRATION_BINS, scores: true };
  const stats = await store.aggregateWindows?.(plan);
  checkAborted(options.signal);
  if (stats === undefined) {
    // Rows the server's light checks leave to the record schema: the range's rows are read and analysed as every source's are.
    const columns = await store.readPredictionColumns({ ...scoped, features: [...features] });
    checkAborted(options.signal);
    // Every row of the range refused: none of its version either, which the server's scope knows.
    if (columns.length === 0) return emptyAnalyses(range);
    return analysesOfColumns(columns, { ...options, ...range }, features);
  }
  const versions = [...new Set(stats.map((s) => s.group as string))].sort();
  if (versions.length === 0) return emptyAnalyses(range);
  const versionStats = versions.map((version) => addWindowStats(stats.filter((s) => s.group === version), 0, version));
  const summary: VersionSummary[] = [
    // All versions together: the versions' sums added up, as the combine step adds panes.
    ...(versions.length > 1 ? [{ modelVersion: null, metrics: summarizeStats(addWindowStats(versionStats, 0, null), plan) }] : []),
    ...versionStats.map((own) => ({ modelVersion: own.group, metrics: summarizeStats(own, plan) })),
  ];
  const calibration = calibrationOfStats(stats, { ...range, versions, bins: CALIBRATION_BINS, binning: 'width' });
  const window = reportWindow(range.to - range.from);
  const trend = await readWindowedMetrics(store, { every: window.seconds, by: 'model_version', ...scoped, metrics: TREND_METRICS });
  checkAborted(options.signal);
  const { reference, current } = driftRanges(range);
  const ranked = rankDrift(await readDrift(store, { baseline: reference, current, features, ...(model === undefined ? {} : { modelVersion: model }) }));
  return {
    range,
    versions,
    summary,
    trend: { every: window.label, metrics: TREND_METRICS, rows: trend.rows },
    calibration,
    drift: { baseline: reference, current, ranked },
    estimates: null,
    estimatesWithheld: messages.reportEstimatesOnServer(),
  };
}

/** The features by how far they moved, furthest first; unscored ones last, by name. */
function rankDrift(results: readonly FeatureDrift[]): RankedDrift[] {
  return results
    .map((drift) => {
      const scored = driftScore(drift);
      return { feature: drift.feature_name, kind: drift.kind, statistic: scored?.statistic ?? null, score: scored?.score ?? null, severity: drift.status === 'ok' ? drift.severity : null, drift };
    })
    .sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity) || (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
}

export interface ReportCharts {
  readonly trend: ChartSpec | null;
  readonly calibration: ChartSpec | null;
  readonly drift: ChartSpec | null;
  readonly estimates: ChartSpec | null;
}

/** The report's charts, from its data; null where there is nothing to draw. */
export function reportCharts(data: ReportData): ReportCharts {
  return {
    trend: data.trend.rows.length === 0 ? null : trendChart(trendInputFromWindows(data.trend.rows, data.trend.metrics), { title: `Performance per ${data.trend.every} window` }),
    calibration:
      data.calibration.length === 0
        ? null
        : reliabilityChart(data.calibration.map((c) => ({ name: c.modelVersion, ece: c.ece, mce: c.mce, labelled: c.labelled, bins: c.bins }))),
    drift: data.drift === null || data.drift.ranked.length === 0 ? null : driftScoresChart({ scores: data.drift.ranked.map((r) => driftScoreOf(r.drift)), thresholds: driftThresholds() }),
    estimates: data.estimates === null || data.estimates.windows.length === 0 ? null : estimateChart(data.estimates),
  };
}

export type ReportSvgs = { readonly [K in keyof ReportCharts]: string | null };

const CHART_WIDTH = 860;

/** Renders the report's charts to SVG (svg.ts), one after another. */
export async function renderReportCharts(charts: ReportCharts, signal?: AbortSignal): Promise<ReportSvgs> {
  const svgs: Record<string, string | null> = {};
  for (const [name, spec] of Object.entries(charts) as [keyof ReportCharts, ChartSpec | null][]) {
    checkAborted(signal);
    svgs[name] = spec === null ? null : await renderChartSvg(spec, { width: CHART_WIDTH, idPrefix: `${name}-` });
  }
  return svgs as ReportSvgs;
}

/** Reads, analyses, draws and writes the report: the HTML text and the data it shows. */
export async function buildReport(source: QuerySource, options: ReportOptions): Promise<{ html: string; data: ReportData }> {
  const data = await readReportData(source, options);
  const svgs = await renderReportCharts(reportCharts(data), options.signal);
  return { html: reportHtml(data, svgs), data };
}

function time(seconds: number | null): string {
  return seconds === null ? '—' : formatUtc(seconds);
}

function percent(value: number | null): string {
  return value === null ? '—' : `${(100 * value).toFixed(1)}%`;
}

/** The page, from the data and its rendered charts. Pure: the same input gives the same text. */
export function reportHtml(data: ReportData, svgs: ReportSvgs): string {
  const range = data.range === null ? 'no predictions' : `${time(data.range.from)} … ${time(data.range.to)}`;
  const header = facts([
    ['Source', data.sourceName],
    ['Range', range],
    ['Model versions', data.versions.length === 0 ? '—' : data.versions.join(', ')],
    ['Generated', time(data.generatedAt)],
    ['Written by', `Pitwall ${data.pitwallVersion}`],
  ]);
  const sections: PageSection[] = [
    { id: 'summary', title: 'Summary', body: summaryBody(data) },
    { id: 'alerts', title: 'Open alerts', body: alertsBody(data) },
    { id: 'trend', title: 'Performance trend per version', body: trendBody(data, svgs.trend) },
    { id: 'calibration', title: 'Calibration', body: calibrationBody(data, svgs.calibration) },
    { id: 'drift', title: 'Feature drift', body: driftBody(data, svgs.drift) },
    { id: 'estimates', title: 'Label-free estimates', body: estimatesBody(data, svgs.estimates) },
  ];
  const title = `Pitwall monitoring report${data.modelVersion === null ? '' : ` — ${data.modelVersion}`}`;
  return renderPage({ title, header, sections, footer: `Written by Pitwall ${data.pitwallVersion} at ${time(data.generatedAt)} from ${data.sourceName}. Self-contained: no script, no external resource.` });
}

function summaryBody(data: ReportData): (Html | string)[] {
  const body: (Html | string)[] = [];
  if (data.summary.length === 0) body.push(paragraph(messages.reportNoPredictions(), 'note'));
  else {
    body.push(
      table(
        ['Model version', 'Predictions', 'Labelled', 'Coverage', 'Accuracy', 'F1', 'ROC AUC', 'ECE', 'Brier'],
        data.summary.map(({ modelVersion, metrics: m }) => [modelVersion ?? 'all versions', m.count, m.labelled, percent(m.label_coverage), m.accuracy, m.f1, m.roc_auc, m.ece, m.brier]),
      ),
    );
  }
  body.push(paragraph(`${data.openAlerts.total} open alert${data.openAlerts.total === 1 ? '' : 's'}.`));
  if (data.problemCount > 0) body.push(paragraph(messages.reportSourceProblems(data.problemCount, data.problems), 'note'));
  return body;
}

function alertsBody(data: ReportData): (Html | string)[] {
  const { shown, total } = data.openAlerts;
  if (total === 0) return [paragraph(messages.reportNoOpenAlerts(), 'note')];
  const rows = shown.map((a) => [time(a.timestamp), a.severity, a.model_version, a.title, a.message, a.metric_name, a.metric_value, a.threshold, a.alert_id]);
  const cut = total > shown.length ? [paragraph(messages.reportAlertsCut(shown.length, total), 'note')] : [];
  return [table(['Time', 'Severity', 'Model', 'Title', 'Message', 'Metric', 'Value', 'Threshold', 'Alert id'], rows), ...cut];
}

function chartOrNote(svg: string | null, note: string): Html {
  return svg === null ? paragraph(note, 'note') : figure(svg);
}

function trendBody(data: ReportData, svg: string | null): (Html | string)[] {
  if (data.trend.rows.length === 0) return [paragraph(messages.reportNoPredictions(), 'note')];
  return [
    paragraph(`Windows of ${data.trend.every}, one line per model version. Label metrics of a window with fewer than 30 labelled predictions are left out.`, 'note'),
    chartOrNote(svg, messages.reportNoPredictions()),
    table(
      ['Window start', 'Model', 'Predictions', 'Labelled', ...data.trend.metrics.map((m) => m.toUpperCase())],
      data.trend.rows.map((row) => [time(row.window_start), row.group, row.count, row.labelled, ...data.trend.metrics.map((m) => row[m] ?? null)]),
      { limit: 200 },
    ),
  ];
}

function calibrationBody(data: ReportData, svg: string | null): (Html | string)[] {
  if (data.calibration.length === 0) return [paragraph(messages.reportNoPredictions(), 'note')];
  return [
    table(
      ['Model version', 'Predictions', 'Labelled', 'ECE', 'MCE'],
      data.calibration.map((c) => [c.modelVersion, c.count, c.labelled, c.ece, c.mce]),
      { caption: 'Expected and maximum calibration error, 10 equal-width bins' },
    ),
    chartOrNote(svg, messages.reportNoPredictions()),
  ];
}

function driftBody(data: ReportData, svg: string | null): (Html | string)[] {
  if (data.drift === null) return [paragraph(messages.reportNoPredictions(), 'note')];
  const { baseline, current, ranked } = data.drift;
  if (ranked.length === 0) return [paragraph(messages.reportNoFeatures(), 'note')];
  return [
    paragraph(`Reference ${time(baseline.from)} … ${time(baseline.to)} against ${time(current.from)} … ${time(current.to)}. PSI for numeric features, Jensen–Shannon distance for categorical ones; most moved first.`, 'note'),
    chartOrNote(svg, messages.reportNoFeatures()),
    table(
      ['Feature', 'Kind', 'Statistic', 'Score', 'Severity', 'Reference n', 'Current n'],
      ranked.map((r) => [r.feature, r.kind, r.statistic, r.score, r.severity ?? r.drift.status, r.drift.baseline_stats.count, r.drift.current_stats.count]),
    ),
  ];
}

function estimatesBody(data: ReportData, svg: string | null): (Html | string)[] {
  const report = data.estimates;
  if (data.estimatesWithheld !== undefined) return [paragraph(data.estimatesWithheld, 'note')];
  if (report === null || report.windows.length === 0) return [paragraph(messages.reportNoPredictions(), 'note')];
  const reasons = [...new Map(report.windows.map((w) => [w.model_version, w.reason])).entries()];
  return [
    paragraph(`Estimated from confidences alone (CBPE), fitted on the labelled predictions of ${time(report.reference.from)} … ${time(report.reference.to)}; realized values beside them where labels have arrived.`, 'note'),
    html(`<ul>${reasons.map(([version, reason]) => `<li>${paragraph(`${version}: ${reason}`).html}</li>`).join('')}</ul>`),
    chartOrNote(svg, messages.reportNoPredictions()),
    table(
      ['Window start', 'Model', 'Predictions', 'Labelled', 'Est. accuracy', 'Realized accuracy', 'Est. F1', 'Realized F1'],
      report.windows.map((w) => [time(w.window_start), w.model_version, w.count, w.labelled, w.estimated?.accuracy ?? null, w.realized?.accuracy ?? null, w.estimated?.f1 ?? null, w.realized?.f1 ?? null]),
      { limit: 200 },
    ),
  ];
}

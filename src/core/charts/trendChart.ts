/**
 * Performance over time: one panel per metric, stacked with a shared UTC time axis, one
 * colour per model version, and a label-coverage panel at the bottom. Realized values
 * (from ground truth) are solid lines with filled points; label-free estimates are dashed
 * lines with diamond points, and say "estimated" in the legend and the tooltip. An alert is
 * a vertical rule under a marker coloured by its severity; degradation periods are shaded.
 * Every panel is a layer of its own inline data, so nothing but the time axis, the version
 * colours and the legends is shared between them.
 *
 * Windows with too few labels (`insufficient`) are never drawn as confident values: their
 * realized value, when there is one, is a hollow faint point that the line does not pass
 * through, and the line breaks there. A window missing from the data breaks the line too,
 * so a gap in monitoring is never drawn as a straight trend.
 */
import type { WindowMetric, WindowMetricsRow } from '../analytics/windows';
import {
  ALERT_SEVERITY_COLORS,
  ALERT_SEVERITY_ORDER,
  type AlertSeverityName,
  chartWidth,
  type ChartOptions,
  type ChartSpec,
  type ChartWidth,
  formatCount,
  formatFixed,
  formatUtc,
  formatUtcWindow,
  type LayerChild,
  listNames,
  metricLabel,
  NEUTRAL_COLOR,
  noDataChart,
  tooltipColumns,
  topLevel,
  type ViewSpec,
  UTC_AXIS_FORMAT,
} from './theme';

export type TrendSource = 'realized' | 'estimated';

/** One metric value of one model version in one window. */
export interface TrendPoint {
  /** Window bounds in unix seconds. */
  readonly window_start: number;
  readonly window_end: number;
  readonly model_version: string | null;
  readonly metric: string;
  readonly value: number | null;
  /** 'realized' from ground truth, 'estimated' from a label-free estimator. */
  readonly source: TrendSource;
  /** Too few labels for a confident realized value. */
  readonly insufficient?: boolean;
  readonly labelled?: number;
  readonly count?: number;
  /** Interval of an estimate, shown in its tooltip. */
  readonly lower?: number | null;
  readonly upper?: number | null;
}

/** Share of the predictions of a window that have ground truth. */
export interface TrendCoverage {
  readonly window_start: number;
  readonly window_end: number;
  readonly model_version: string | null;
  readonly label_coverage: number;
  readonly labelled?: number;
  readonly count?: number;
}

/** The fields of an alert the chart shows; an Alert record fits as it is. */
export interface TrendAlert {
  /** Unix seconds. */
  readonly timestamp: number;
  readonly severity: AlertSeverityName;
  readonly title: string | null;
  readonly metric_name?: string | null;
  readonly metric_value?: number | null;
  readonly threshold?: number | null;
  readonly model_version?: string | null;
}

/** A period of degraded performance. */
export interface TrendBand {
  /** Unix seconds. */
  readonly start: number;
  readonly end: number;
  /** The panel it belongs to; every panel when null or not charted. */
  readonly metric?: string | null;
  readonly model_version?: string | null;
  readonly label?: string | null;
}

/** A rule's threshold on a charted metric: a horizontal rule line in that metric's panel. */
export interface TrendThreshold {
  readonly metric: string;
  readonly value: number;
  readonly rule_id: string;
  readonly comparison: string;
  readonly severity: AlertSeverityName;
  /** The versions the rule watches; every version when null. */
  readonly model_version?: string | null;
}

/** A window charted as a gap rather than a value, with the reason, shown on hover. */
export interface TrendGap {
  readonly window_start: number;
  readonly window_end: number;
  readonly model_version: string | null;
  readonly metric: string;
  readonly reason: string;
}

export interface TrendChartInput {
  readonly points: readonly TrendPoint[];
  readonly thresholds?: readonly TrendThreshold[];
  /** Windows without a confident value of a metric: a faint span in its panel, the reason on hover. */
  readonly gaps?: readonly TrendGap[];
  /** Predictions per window and version as bars under the coverage (from `coverage` rows that have a `count`). */
  readonly volume?: boolean;
  readonly coverage?: readonly TrendCoverage[];
  /** An alert naming a charted metric goes on that metric's panel, any other on every panel. */
  readonly alerts?: readonly TrendAlert[];
  readonly degradations?: readonly TrendBand[];
  /** What the shaded bands are, under the title; "Shaded: periods of degraded performance." when left out. */
  readonly bandNote?: string;
  /** Panel order; metrics of `points` not listed follow in order of appearance. */
  readonly metrics?: readonly string[];
}

export interface TrendChartOptions extends ChartOptions {
  /** Height of each metric panel in pixels; 120 when left out. */
  readonly panelHeight?: number;
}

export const TREND_TITLE = 'Model performance';
const NO_DATA = 'No metric values to chart.';
const ALL_VERSIONS = 'all versions';
const INSUFFICIENT_NOTE = 'Hollow points: windows with too few labels for a confident value; the line skips them.';
const INSUFFICIENT_TOOLTIP = 'too few labels for a confident value';
const NO_VALUES = 'No values for';
const BAND_NOTE = 'Shaded: periods of degraded performance.';
const ESTIMATE_TOOLTIP = 'label-free estimate';
const X_TITLE = 'Window start (UTC)';
const COVERAGE_TITLE = 'Labelled';
const COVERAGE_HEIGHT = 50;
const VOLUME_TITLE = 'Predictions';
const VOLUME_HEIGHT = 40;

/** Metrics that need no ground truth, as in windows.ts: an insufficient window still has them. */
const LABEL_FREE_METRICS: ReadonlySet<string> = new Set<WindowMetric>(['avg_confidence', 'min_confidence', 'max_confidence', 'confidence_std']);

/** Why a window of this many labelled predictions has no value of a label metric. */
export function gapReason(labelled: number, count: number, minLabels: number): string {
  if (labelled === 0) return `No labels yet: none of ${formatCount(count)} predictions has ground truth.`;
  return `Too few labels: ${formatCount(labelled)} of ${formatCount(count)} predictions labelled, fewer than the ${formatCount(minLabels)} a confident value needs.`;
}

/**
 * Points and coverage of windowed metrics rows (grouped by model version or not at all). With
 * `minLabels` (the minimum the rows were computed with), a window without a value of a label
 * metric is also a gap whose reason names the labels it had and the minimum.
 */
export function trendInputFromWindows(rows: readonly WindowMetricsRow[], metrics: readonly WindowMetric[], minLabels?: number): Pick<TrendChartInput, 'points' | 'coverage' | 'metrics' | 'gaps'> {
  const points: TrendPoint[] = [];
  const coverage: TrendCoverage[] = [];
  const gaps: TrendGap[] = [];
  for (const row of rows) {
    const base = { window_start: row.window_start, window_end: row.window_end, model_version: row.group, labelled: row.labelled, count: row.count };
    coverage.push({ ...base, label_coverage: row.label_coverage });
    for (const metric of metrics) {
      const value = row[metric];
      if (value === undefined) continue;
      points.push({ ...base, metric, value, source: 'realized', insufficient: row.insufficient && !LABEL_FREE_METRICS.has(metric) });
      if (minLabels !== undefined && row.insufficient && !LABEL_FREE_METRICS.has(metric) && row.count > 0) {
        gaps.push({ window_start: row.window_start, window_end: row.window_end, model_version: row.group, metric, reason: gapReason(row.labelled, row.count, minLabels) });
      }
    }
  }
  return minLabels === undefined ? { points, coverage, metrics } : { points, coverage, metrics, gaps };
}

interface PointRow {
  readonly t: number;
  readonly t_end: number;
  readonly metric: string;
  readonly metric_label: string;
  readonly version: string;
  readonly source: TrendSource;
  readonly value: number | null;
  readonly window: string;
  readonly insufficient: boolean;
  readonly labelled: string;
  readonly interval: string;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly note: string;
}

function versionLabel(version: string | null | undefined): string {
  return version ?? ALL_VERSIONS;
}

function pointRow(point: TrendPoint): PointRow {
  if (!Number.isFinite(point.window_start) || !Number.isFinite(point.window_end)) throw new RangeError(`window bounds must be finite, not ${point.window_start} and ${point.window_end}`);
  const insufficient = point.source === 'realized' && point.insufficient === true;
  const labelled = point.labelled === undefined ? '' : point.count === undefined ? formatCount(point.labelled) : `${formatCount(point.labelled)} of ${formatCount(point.count)}`;
  const hasInterval = point.lower !== undefined && point.lower !== null && point.upper !== undefined && point.upper !== null;
  return {
    t: point.window_start * 1000,
    t_end: point.window_end * 1000,
    metric: point.metric,
    metric_label: metricLabel(point.metric),
    version: versionLabel(point.model_version),
    source: point.source,
    value: point.value !== null && Number.isFinite(point.value) ? point.value : null,
    window: formatUtcWindow(point.window_start, point.window_end),
    insufficient,
    labelled,
    interval: hasInterval ? `${formatFixed(point.lower)}–${formatFixed(point.upper)}` : '',
    lower: hasInterval ? (point.lower as number) : null,
    upper: hasInterval ? (point.upper as number) : null,
    note: insufficient ? INSUFFICIENT_TOOLTIP : point.source === 'estimated' ? ESTIMATE_TOOLTIP : '',
  };
}

/**
 * The rows the line is drawn through: confident values, a null where a window is
 * insufficient or missing, so the path breaks instead of bridging it.
 */
function lineRows(rows: readonly PointRow[]): PointRow[] {
  const series = new Map<string, PointRow[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.version, row.source]);
    const list = series.get(key);
    if (list === undefined) series.set(key, [row]);
    else list.push(row);
  }
  const out: PointRow[] = [];
  for (const list of series.values()) {
    const sorted = [...list].sort((a, b) => a.t - b.t);
    let previousEnd = -Infinity;
    for (const row of sorted) {
      if (row.t > previousEnd && previousEnd !== -Infinity) out.push({ ...row, t: previousEnd, value: null });
      out.push(row.insufficient ? { ...row, value: null } : row);
      previousEnd = Math.max(previousEnd, row.t_end);
    }
  }
  return out;
}

function xAxis(last: boolean) {
  const axis = last ? { format: { ...UTC_AXIS_FORMAT }, labelOverlap: true } : { labels: false, ticks: false, title: null };
  return { field: 't', type: 'temporal', scale: { type: 'utc' }, title: X_TITLE, axis } as const;
}

function colorOf(versions: readonly string[]) {
  return { field: 'version', type: 'nominal', title: 'Model version', scale: { domain: [...versions] } } as const;
}

const DASH = {
  field: 'source',
  type: 'nominal',
  title: 'Values',
  scale: { domain: ['realized', 'estimated'], range: [[1, 0], [6, 4]] },
  legend: { symbolType: 'stroke' },
} as const;

const POINT_TOOLTIP = [
  { field: 'metric_label', type: 'nominal', title: 'Metric' },
  { field: 'version', type: 'nominal', title: 'Model version' },
  { field: 'window', type: 'nominal', title: 'Window' },
  { field: 'value', type: 'quantitative', title: 'Value', format: '.3f' },
  { field: 'source', type: 'nominal', title: 'Values' },
  { field: 'labelled', type: 'nominal', title: 'Labelled' },
  { field: 'interval', type: 'nominal', title: 'Interval' },
  { field: 'note', type: 'nominal', title: 'Note' },
] as const;

interface AlertRow {
  readonly t: number;
  readonly severity: AlertSeverityName;
  readonly title: string;
  readonly time: string;
  readonly metric: string;
  readonly value: string;
  readonly version: string;
}

interface BandRow {
  readonly t: number;
  readonly t_end: number;
  readonly label: string;
  readonly period: string;
  readonly version: string;
}

interface Overlays {
  readonly alerts: readonly AlertRow[];
  readonly bands: readonly BandRow[];
  readonly thresholds: readonly ThresholdRow[];
  readonly gaps: readonly GapRow[];
}

interface ThresholdRow {
  readonly threshold: number;
  readonly rule: string;
  readonly condition: string;
  readonly severity: AlertSeverityName;
  readonly version: string;
}

interface GapRow {
  readonly t: number;
  readonly t_end: number;
  readonly version: string;
  readonly window: string;
  readonly reason: string;
}

const SEVERITY_STROKE = { field: 'severity', type: 'nominal', title: 'Alert', scale: { domain: [...ALERT_SEVERITY_ORDER], range: [...ALERT_SEVERITY_COLORS] } } as const;

function panel(metric: string, rows: readonly PointRow[], overlays: Overlays, versions: readonly string[], width: ChartWidth, height: number, last: boolean, dash: typeof DASH | Omit<typeof DASH, 'legend'> & { legend: null }): ViewSpec {
  const { alerts, bands, thresholds, gaps } = overlays;
  const y = { field: 'value', type: 'quantitative', title: metricLabel(metric), scale: { zero: false } } as const;
  const x = xAxis(last);
  const color = colorOf(versions);
  const layer: LayerChild[] = [];
  if (gaps.length > 0) {
    // A window with too few labels is a faint span (the line breaks there), its reason on hover.
    layer.push({
      data: { values: [...gaps] },
      mark: { type: 'rect', color: NEUTRAL_COLOR, opacity: 0.08 },
      encoding: {
        x,
        x2: { field: 't_end' },
        tooltip: [
          { field: 'version', type: 'nominal', title: 'Model version' },
          { field: 'window', type: 'nominal', title: 'Window' },
          { field: 'reason', type: 'nominal', title: 'No value' },
        ],
      },
    });
  }
  if (bands.length > 0) {
    layer.push({
      data: { values: [...bands] },
      mark: { type: 'rect', color: NEUTRAL_COLOR, opacity: 0.18 },
      encoding: {
        x,
        x2: { field: 't_end' },
        tooltip: tooltipColumns(
          [
            { field: 'label', type: 'nominal', title: 'Degradation' },
            { field: 'version', type: 'nominal', title: 'Model version' },
            { field: 'period', type: 'nominal', title: 'Period' },
          ] as const,
          bands,
        ),
      },
    });
  }
  const line = lineRows(rows);
  // Fewer than two values draw no line, and a layer of nulls alone has no extent.
  if (line.filter((row) => row.value !== null).length > 1) {
    layer.push({ data: { values: line }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color, strokeDash: dash } });
  }
  const confident = rows.filter((row) => row.value !== null && row.source === 'realized' && !row.insufficient);
  const doubtful = rows.filter((row) => row.value !== null && row.insufficient);
  const estimated = rows.filter((row) => row.value !== null && row.source === 'estimated');
  if (confident.length > 0) {
    layer.push({ data: { values: confident }, mark: { type: 'point', filled: true, size: 28 }, encoding: { x, y, color, tooltip: tooltipColumns(POINT_TOOLTIP, confident) } });
  }
  if (doubtful.length > 0) {
    layer.push({ data: { values: doubtful }, mark: { type: 'point', filled: false, size: 28, opacity: 0.55 }, encoding: { x, y, color, tooltip: tooltipColumns(POINT_TOOLTIP, doubtful) } });
  }
  if (estimated.length > 0) {
    const banded = estimated.filter((row) => row.lower !== null && row.upper !== null);
    if (banded.length > 0) {
      // The estimate's interval: a band in the version's colour behind its dashed line.
      layer.push({
        data: { values: banded },
        mark: { type: 'rect', opacity: 0.15 },
        encoding: { x, x2: { field: 't_end' }, y: { field: 'lower', type: 'quantitative', title: metricLabel(metric) }, y2: { field: 'upper' }, color, tooltip: tooltipColumns(POINT_TOOLTIP, banded) },
      });
    }
    layer.push({ data: { values: estimated }, mark: { type: 'point', shape: 'diamond', filled: true, size: 28 }, encoding: { x, y, color, tooltip: tooltipColumns(POINT_TOOLTIP, estimated) } });
  }
  if (thresholds.length > 0) {
    layer.push({
      data: { values: [...thresholds] },
      mark: { type: 'rule', strokeDash: [6, 3], strokeWidth: 1.5 },
      encoding: {
        y: { field: 'threshold', type: 'quantitative', title: metricLabel(metric) },
        stroke: { ...SEVERITY_STROKE, legend: null },
        tooltip: tooltipColumns(
          [
            { field: 'rule', type: 'nominal', title: 'Rule' },
            { field: 'condition', type: 'nominal', title: 'Fires when' },
            { field: 'severity', type: 'nominal', title: 'Severity' },
            { field: 'version', type: 'nominal', title: 'Model version' },
          ] as const,
          thresholds,
        ),
      },
    });
  }
  if (alerts.length > 0) {
    const tooltip = tooltipColumns([
      { field: 'title', type: 'nominal', title: 'Alert' },
      { field: 'severity', type: 'nominal', title: 'Severity' },
      { field: 'time', type: 'nominal', title: 'Time' },
      { field: 'metric', type: 'nominal', title: 'Metric' },
      { field: 'value', type: 'nominal', title: 'Value' },
      { field: 'version', type: 'nominal', title: 'Model version' },
    ] as const, alerts);
    // The rule is neutral so it never reads as a model version's line; the marker on top
    // carries the severity colour, in a shape no data point has.
    layer.push({
      data: { values: [...alerts] },
      layer: [
        { mark: { type: 'rule', color: NEUTRAL_COLOR, strokeDash: [2, 2], strokeWidth: 1 }, encoding: { x, tooltip: [...tooltip] } },
        {
          mark: { type: 'point', shape: 'triangle-down', filled: true, size: 60, opacity: 1, yOffset: 4 },
          encoding: {
            x,
            y: { value: 0 },
            fill: SEVERITY_STROKE,
            tooltip: [...tooltip],
          },
        },
      ],
    });
  }
  return { width, height, layer };
}

/** What the coverage panel's tooltip says of a window's labels: the count, and of how many predictions. */
function labelledText(row: TrendCoverage): string {
  return row.labelled === undefined ? '' : row.count === undefined ? formatCount(row.labelled) : `${formatCount(row.labelled)} of ${formatCount(row.count)}`;
}

/**
 * Predictions per window and version: translucent bars over each other, the underlay that says
 * how much each value rests on. With `labels`, each bar's tooltip also says the window's label
 * coverage (a dense chart's coverage panel draws its line without a point to hover per window).
 */
function volumePanel(coverage: readonly TrendCoverage[], versions: readonly string[], width: ChartWidth, labels = false): ViewSpec {
  const values = coverage
    .filter((row) => row.count !== undefined)
    .map((row) => ({
      t: row.window_start * 1000,
      t_end: row.window_end * 1000,
      version: versionLabel(row.model_version),
      predictions: row.count as number,
      window: formatUtcWindow(row.window_start, row.window_end),
      ...(labels ? { coverage: Number.isFinite(row.label_coverage) ? row.label_coverage : null, labelled: labelledText(row) } : {}),
    }));
  const tooltip = [
    { field: 'version', type: 'nominal', title: 'Model version' },
    { field: 'window', type: 'nominal', title: 'Window' },
    { field: 'predictions', type: 'quantitative', title: 'Predictions', format: ',' },
    ...(labels
      ? ([
          { field: 'coverage', type: 'quantitative', title: 'Label coverage', format: '.1%' },
          { field: 'labelled', type: 'nominal', title: 'Labelled' },
        ] as const)
      : []),
  ] as const;
  return {
    width,
    height: VOLUME_HEIGHT,
    data: { values },
    mark: { type: 'rect', opacity: 0.45 },
    encoding: {
      x: xAxis(true),
      x2: { field: 't_end' },
      y: { field: 'predictions', type: 'quantitative', title: VOLUME_TITLE, stack: null, axis: { tickCount: 2, format: '~s' } },
      color: colorOf(versions),
      tooltip: labels ? tooltipColumns(tooltip, values) : [...tooltip],
    },
  };
}

/** Label coverage per window and version: a step line, and with `points` a point per window to hover. */
function coveragePanel(coverage: readonly TrendCoverage[], versions: readonly string[], width: ChartWidth, last = true, points = true): ViewSpec {
  const values = coverage
    .filter((row) => Number.isFinite(row.label_coverage))
    .map((row) => ({
      t: row.window_start * 1000,
      version: versionLabel(row.model_version),
      coverage: row.label_coverage,
      window: formatUtcWindow(row.window_start, row.window_end),
      labelled: labelledText(row),
    }));
  const encoding = {
    x: xAxis(last),
    y: { field: 'coverage', type: 'quantitative' as const, title: COVERAGE_TITLE, scale: { domain: [0, 1] }, axis: { format: '%', tickCount: 2 } },
    color: colorOf(versions),
  };
  return {
    width,
    height: COVERAGE_HEIGHT,
    data: { values },
    layer: [
      { mark: { type: 'line', strokeWidth: 1, interpolate: 'step-after' }, encoding },
      ...(points
        ? [
            {
              mark: { type: 'point' as const, filled: true, size: 12 },
              encoding: {
                ...encoding,
                tooltip: tooltipColumns(
                  [
                    { field: 'version', type: 'nominal', title: 'Model version' },
                    { field: 'window', type: 'nominal', title: 'Window' },
                    { field: 'coverage', type: 'quantitative', title: 'Label coverage', format: '.1%' },
                    { field: 'labelled', type: 'nominal', title: 'Labelled' },
                  ] as const,
                  values,
                ),
              },
            },
          ]
        : []),
    ],
  };
}

function alertRow(alert: TrendAlert): AlertRow {
  const value = alert.metric_value === undefined || alert.metric_value === null ? '' : formatFixed(alert.metric_value);
  const threshold = alert.threshold === undefined || alert.threshold === null ? '' : ` (threshold ${formatFixed(alert.threshold)})`;
  return {
    t: alert.timestamp * 1000,
    severity: alert.severity,
    title: alert.title ?? alert.metric_name ?? alert.severity,
    time: formatUtc(alert.timestamp),
    metric: alert.metric_name ?? '',
    value: value + (value === '' ? '' : threshold),
    version: alert.model_version ?? '',
  };
}

/** Alert markers a panel draws one by one; more are grouped per span of time and severity. */
export const MAX_ALERT_MARKERS = 500;
/** Marks of data (points, lines, bars) above which items carry no ARIA description of their own (see trendChart). */
export const MAX_DESCRIBED_MARKS = 1000;

/**
 * The markers of a panel's alerts: one per alert up to MAX_ALERT_MARKERS; beyond, one per
 * severity and span (the chart's window, or a whole multiple of it, so that at most
 * MAX_ALERT_MARKERS remain), drawn at the span's start with the count in its title.
 */
function alertMarkers(alerts: readonly TrendAlert[], from: number, every: number): { readonly rows: AlertRow[]; readonly span: number | null } {
  if (alerts.length <= MAX_ALERT_MARKERS || !(every > 0)) return { rows: alerts.map(alertRow), span: null };
  const spanOf = (span: number) => {
    const groups = new Map<string, { start: number; severity: AlertSeverityName; alerts: TrendAlert[] }>();
    for (const alert of alerts) {
      const start = from + Math.floor((alert.timestamp - from) / span) * span;
      const key = `${start}\u0000${alert.severity}`;
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = { start, severity: alert.severity, alerts: [] }));
      group.alerts.push(alert);
    }
    return groups;
  };
  let span = every;
  let groups = spanOf(span);
  while (groups.size > MAX_ALERT_MARKERS) groups = spanOf((span *= 2));
  const rows = [...groups.values()].map((group): AlertRow => {
    const versions = [...new Set(group.alerts.map((alert) => alert.model_version ?? ''))].filter((version) => version !== '').sort();
    const metrics = [...new Set(group.alerts.map((alert) => alert.metric_name ?? ''))].filter((metric) => metric !== '').sort();
    return {
      t: group.start * 1000,
      severity: group.severity,
      title: `${formatCount(group.alerts.length)} ${group.severity} alert${group.alerts.length === 1 ? '' : 's'}`,
      time: formatUtcWindow(group.start, group.start + span),
      metric: metrics.join(', '),
      value: '',
      version: versions.join(', '),
    };
  });
  return { rows: rows.sort((a, b) => a.t - b.t), span };
}

/** The spec with every mark's items left undescribed (`aria: false`): the chart's own description stays. */
function withoutItemAria(spec: ChartSpec): ChartSpec {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'mark') out[key] = typeof value === 'string' ? { type: value, aria: false } : { ...(value as object), aria: false };
      else if (key === 'data' || key === 'encoding') out[key] = value;
      else out[key] = strip(value);
    }
    return out;
  };
  return strip(spec) as ChartSpec;
}

/** Performance trend of several metrics and model versions over time windows. */
export function trendChart(input: TrendChartInput, options?: TrendChartOptions): ChartSpec {
  const width = chartWidth(options);
  const title = options?.title ?? TREND_TITLE;
  const rows = input.points.map(pointRow);
  if (!rows.some((row) => row.value !== null)) return noDataChart(title, NO_DATA, options);

  const metrics = [...(input.metrics ?? [])];
  for (const row of rows) if (!metrics.includes(row.metric)) metrics.push(row.metric);
  // A metric without a single value gets no empty panel; the subtitle names it instead.
  const charted = metrics.filter((metric) => rows.some((row) => row.metric === metric && row.value !== null));
  const valueless = metrics.filter((metric) => !charted.includes(metric));
  const coverage = input.coverage ?? [];
  // The dash tells realized from estimated values: its legend (shared by every panel) only when there are estimates.
  const dash = rows.some((row) => row.value !== null && row.source === 'estimated') ? DASH : { ...DASH, legend: null };
  const versions = [...new Set([...rows.map((row) => row.version), ...coverage.map((row) => versionLabel(row.model_version))])].sort();

  // Alerts and bands outside the charted windows would only stretch the time axis.
  let from = Infinity;
  let to = -Infinity;
  for (const point of input.points) {
    from = Math.min(from, point.window_start);
    to = Math.max(to, point.window_end);
  }
  const alerts = (input.alerts ?? []).filter((alert) => alert.timestamp >= from && alert.timestamp <= to);
  const every = input.points.reduce((shortest, point) => Math.min(shortest, point.window_end - point.window_start), Infinity);
  let groupedSpan: number | null = null;
  const hiddenAlerts = (input.alerts ?? []).length - alerts.length;
  const bands = (input.degradations ?? []).filter((band) => band.end > from && band.start < to && band.end > band.start);
  const volume = input.volume === true && coverage.some((row) => row.count !== undefined);

  const panels: ViewSpec[] = charted.map((metric, index) => {
    const own = (name: string | null | undefined) => name === metric || name === null || name === undefined || !charted.includes(name);
    const bandRows = bands
      .filter((band) => own(band.metric))
      .map((band) => {
        const start = Math.max(band.start, from);
        const end = Math.min(band.end, to);
        return { t: start * 1000, t_end: end * 1000, label: band.label ?? metricLabel(band.metric ?? metric), period: formatUtcWindow(band.start, band.end), version: band.model_version ?? '' };
      });
    const last = index === charted.length - 1 && !coverage.some((row) => Number.isFinite(row.label_coverage)) && !volume;
    const thresholds = (input.thresholds ?? [])
      .filter((threshold) => threshold.metric === metric && Number.isFinite(threshold.value))
      .map((threshold) => ({
        threshold: threshold.value,
        rule: threshold.rule_id,
        condition: `${metricLabel(metric)} ${threshold.comparison} ${formatFixed(threshold.value)}`,
        severity: threshold.severity,
        version: threshold.model_version ?? ALL_VERSIONS,
      }));
    const markers = alertMarkers(alerts.filter((alert) => own(alert.metric_name)), from, every);
    if (markers.span !== null) groupedSpan = Math.max(groupedSpan ?? 0, markers.span);
    const gaps = (input.gaps ?? [])
      .filter((gap) => gap.metric === metric)
      .map((gap) => ({ t: gap.window_start * 1000, t_end: gap.window_end * 1000, version: versionLabel(gap.model_version), window: formatUtcWindow(gap.window_start, gap.window_end), reason: gap.reason }));
    return panel(
      metric,
      rows.filter((row) => row.metric === metric),
      { alerts: markers.rows, bands: bandRows, thresholds, gaps },
      versions,
      width,
      options?.panelHeight ?? 120,
      last,
      dash,
    );
  });
  const described = rows.length * (volume ? 3 : 2) <= MAX_DESCRIBED_MARKS;
  // Past a thousand marks, a point per window on the coverage line is one more mark per value to
  // draw (a third of a dense chart's); the volume bars under it then say each window's coverage.
  const coveragePoints = described || !volume;
  if (coverage.some((row) => Number.isFinite(row.label_coverage))) panels.push(coveragePanel(coverage, versions, width, !volume, coveragePoints));
  if (volume) panels.push(volumePanel(coverage, versions, width, !coveragePoints));

  const subtitle: string[] = [];
  if (rows.some((row) => row.insufficient && row.value !== null)) subtitle.push(INSUFFICIENT_NOTE);
  if (bands.length > 0) subtitle.push(input.bandNote ?? BAND_NOTE);
  if (valueless.length > 0) subtitle.push(`${NO_VALUES} ${listNames(valueless.map(metricLabel))}.`);
  if (hiddenAlerts > 0) subtitle.push(`${formatCount(hiddenAlerts)} alert${hiddenAlerts === 1 ? '' : 's'} outside this time range not shown.`);
  if (groupedSpan !== null) subtitle.push(`${ALERTS_GROUPED} ${formatSpan(groupedSpan)}, by severity.`);
  const description = `${title}: ${charted.map(metricLabel).join(', ')} by model version over time${described ? '' : `, ${formatCount(rows.length)} values (export the data as CSV to read them as a table)`}.`;
  const spec: ChartSpec = {
    ...topLevel(width, title, subtitle, description),
    spacing: 8,
    vconcat: panels,
    resolve: { scale: { x: 'shared', y: 'independent', color: 'shared', strokeDash: 'shared', fill: 'shared', stroke: 'shared' } },
  };
  // A description per point, line and bar is what a screen reader would read out one by one,
  // and each is an expression evaluated per item (interpreted, under the panels' CSP): past a
  // thousand marks the chart is described as a whole and its data is read from the CSV export.
  return described ? spec : withoutItemAria(spec);
}

const ALERTS_GROUPED = 'Too many alerts to mark one by one: one marker per';

/** A span of whole hours or days, as a window is named ("6 hours", "2 days"). */
function formatSpan(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? 'day' : `${seconds / 86_400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? 'hour' : `${seconds / 3600} hours`;
  return seconds % 60 === 0 ? `${seconds / 60} minutes` : `${seconds} seconds`;
}

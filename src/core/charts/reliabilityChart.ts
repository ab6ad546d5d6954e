/**
 * Reliability diagram: the observed accuracy of each confidence bin against its mean
 * confidence, with the bin's Wilson 95% interval as an error bar and the diagonal of perfect
 * calibration; below it, how many predictions fall in each bin, so a bin far off the
 * diagonal can be weighed by its size. ECE and MCE are in the subtitle. A series is one
 * model version (or any named slice); the output of reliabilityOf fits with a name added.
 */
import { chartWidth, type ChartOptions, type ChartSpec, formatCount, formatFixed, type LayerChild, NEUTRAL_COLOR, noDataChart, topLevel, type ViewSpec } from './theme';

export interface ReliabilityChartBin {
  /** The bin's confidence range. */
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly mean_confidence: number | null;
  readonly accuracy: number | null;
  readonly accuracy_interval: { readonly lower: number; readonly upper: number } | null;
}

export interface ReliabilitySeries {
  readonly name: string;
  readonly ece: number | null;
  readonly mce: number | null;
  readonly labelled: number;
  readonly bins: readonly ReliabilityChartBin[];
}

export interface ReliabilityChartOptions extends ChartOptions {
  /** Height of the diagram in pixels (the histogram below is a third of it); 240 when left out. */
  readonly height?: number;
  /** The series names the colour scale knows, when this chart is one of several; its own series when left out. */
  readonly colorDomain?: readonly string[];
}

export const RELIABILITY_TITLE = 'Calibration';
const NO_DATA = 'No labelled predictions to compare confidence with.';
const X_TITLE = 'Mean confidence';
const Y_TITLE = 'Observed accuracy';
const HISTOGRAM_X_TITLE = 'Confidence';
const HISTOGRAM_Y_TITLE = 'Predictions';
// A bin of one repeated confidence (equal-mass binning) has no width; this keeps it visible.
const MIN_BAR_HALF_WIDTH = 0.002;

interface BinRow {
  readonly series: string;
  readonly confidence: number | null;
  readonly accuracy: number | null;
  readonly interval_lower: number | null;
  readonly interval_upper: number | null;
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly range: string;
  readonly interval: string;
}

function binRow(series: string, bin: ReliabilityChartBin): BinRow {
  const widen = bin.upper - bin.lower < 2 * MIN_BAR_HALF_WIDTH;
  const middle = (bin.lower + bin.upper) / 2;
  return {
    series,
    confidence: bin.mean_confidence,
    accuracy: bin.accuracy,
    interval_lower: bin.accuracy_interval?.lower ?? null,
    interval_upper: bin.accuracy_interval?.upper ?? null,
    lower: widen ? Math.max(0, middle - MIN_BAR_HALF_WIDTH) : bin.lower,
    upper: widen ? Math.min(1, middle + MIN_BAR_HALF_WIDTH) : bin.upper,
    count: bin.count,
    range: `${formatFixed(bin.lower, 2)}–${formatFixed(bin.upper, 2)}`,
    interval: bin.accuracy_interval === null ? '' : `${formatFixed(bin.accuracy_interval.lower)}–${formatFixed(bin.accuracy_interval.upper)}`,
  };
}

function seriesLine(series: ReliabilitySeries, named: boolean): string {
  const scores = `ECE ${formatFixed(series.ece)} · MCE ${formatFixed(series.mce)} · ${formatCount(series.labelled)} labelled`;
  return named ? `${series.name}: ${scores}` : scores;
}

/** Reliability diagram of one or more series, with a histogram of the bins below it. */
export function reliabilityChart(series: readonly ReliabilitySeries[], options?: ReliabilityChartOptions): ChartSpec {
  const title = options?.title ?? RELIABILITY_TITLE;
  const rows = series.flatMap((s) => s.bins.map((bin) => binRow(s.name, bin)));
  const observed = rows.filter((row) => row.confidence !== null && row.accuracy !== null && row.count > 0);
  if (observed.length === 0) return noDataChart(title, NO_DATA, options);

  const width = chartWidth(options);
  const height = options?.height ?? 240;
  const several = series.length > 1;
  const names = series.map((s) => s.name);
  if (new Set(names).size < names.length) throw new RangeError(`series names must differ: ${names.map((name) => JSON.stringify(name)).join(', ')}`);
  // Colour by series even for one, so error bars match their points (a rule is black by
  // default, unreadable on a dark theme); one series needs no legend.
  const domain = [...(options?.colorDomain ?? names)];
  const color = { color: { field: 'series', type: 'nominal' as const, title: 'Series', scale: { domain }, ...(several ? {} : { legend: null }) } };
  const x = { field: 'confidence', type: 'quantitative' as const, title: X_TITLE, scale: { domain: [0, 1] } };
  const y = { field: 'accuracy', type: 'quantitative' as const, title: Y_TITLE, scale: { domain: [0, 1] } };
  const tooltip = [
    ...(several ? [{ field: 'series', type: 'nominal', title: 'Series' } as const] : []),
    { field: 'range', type: 'nominal', title: 'Confidence bin' },
    { field: 'confidence', type: 'quantitative', title: X_TITLE, format: '.3f' },
    { field: 'accuracy', type: 'quantitative', title: Y_TITLE, format: '.3f' },
    { field: 'interval', type: 'nominal', title: 'Accuracy interval' },
    { field: 'count', type: 'quantitative', title: HISTOGRAM_Y_TITLE, format: ',d' },
  ] as const;

  const layer: LayerChild[] = [
    {
      data: { values: [{ confidence: 0, accuracy: 0 }, { confidence: 1, accuracy: 1 }] },
      mark: { type: 'line', color: NEUTRAL_COLOR, strokeDash: [4, 4], strokeWidth: 1 },
      encoding: { x, y },
    },
  ];
  const intervals = observed.filter((row) => row.interval_lower !== null && row.interval_upper !== null);
  if (intervals.length > 0) {
    layer.push({
      data: { values: intervals },
      mark: { type: 'rule', strokeWidth: 1.5 },
      encoding: { x, y: { field: 'interval_lower', type: 'quantitative', title: Y_TITLE }, y2: { field: 'interval_upper' }, ...color, tooltip: [...tooltip] },
    });
  }
  layer.push({
    data: { values: observed },
    mark: { type: 'point', filled: true, size: 40, opacity: 1 },
    encoding: { x, y, ...color, tooltip: [...tooltip] },
  });
  const diagram: ViewSpec = { width, height, layer };

  const histogram: ViewSpec = {
    width,
    height: Math.max(40, Math.round(height / 3)),
    data: { values: rows.filter((row) => row.count > 0) },
    mark: several ? { type: 'bar', fillOpacity: 0.45, strokeWidth: 1 } : { type: 'bar' },
    encoding: {
      x: { field: 'lower', type: 'quantitative', bin: { binned: true }, title: HISTOGRAM_X_TITLE, scale: { domain: [0, 1] } },
      x2: { field: 'upper' },
      y: { field: 'count', type: 'quantitative', title: HISTOGRAM_Y_TITLE, stack: null, axis: { format: '~s', tickCount: 3 } },
      ...color,
      ...(several ? { stroke: { field: 'series', type: 'nominal' as const, title: 'Series', scale: { domain } } } : {}),
      tooltip: [...tooltip],
    },
  };

  const subtitle = series.filter((s) => s.bins.length > 0).map((s) => seriesLine(s, several || s.name !== ''));
  const description = `${title}: observed accuracy against mean confidence per bin, with 95% intervals.`;
  return {
    ...topLevel(width, title, subtitle, description),
    spacing: 8,
    vconcat: [diagram, histogram],
    resolve: { scale: { x: 'independent', color: 'shared' } },
  };
}

/** Diagrams per row when series are drawn side by side. */
const SIDE_BY_SIDE_COLUMNS = 3;

/**
 * One reliability diagram per series, side by side (wrapping after three), each with its own
 * histogram and its ECE and MCE in its subtitle. The colour scale is shared, so a series has
 * the colour it has in the overlaid chart.
 */
export function reliabilityChartsSideBySide(series: readonly ReliabilitySeries[], options?: Omit<ReliabilityChartOptions, 'width'> & { readonly width?: number }): ChartSpec {
  if (series.length <= 1) return reliabilityChart(series, options);
  const title = options?.title ?? RELIABILITY_TITLE;
  const width = options?.width ?? 320;
  const charts = series.map((s) => {
    const { $schema: _, ...chart } = reliabilityChart([s], { ...options, width, title: s.name === '' ? title : s.name, colorDomain: series.map((each) => each.name) });
    return chart;
  });
  return {
    ...topLevel(width, title, [], `${title}: one reliability diagram per series, observed accuracy against mean confidence per bin, with 95% intervals.`),
    columns: Math.min(SIDE_BY_SIDE_COLUMNS, charts.length),
    spacing: 24,
    concat: charts,
    resolve: { scale: { color: 'shared' } },
  } as ChartSpec;
}

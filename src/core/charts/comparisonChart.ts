/**
 * Model versions side by side: for each metric a group of bars, one per version, with the
 * metric's interval as an error bar where there is one. Metrics share one value axis, so
 * the chart suits metrics on a common scale (accuracy, precision, recall, F1, AUC…); chart
 * losses separately. A missing value is named in the subtitle rather than drawn as zero.
 */
import { chartWidth, type ChartOptions, type ChartSpec, formatCount, formatFixed, type LayerChild, listNames, metricLabel, NEUTRAL_COLOR, noDataChart, nominalKey, tooltipColumns, topLevel } from './theme';

/** One metric of one model version. */
export interface ComparisonValue {
  readonly model_version: string;
  readonly metric: string;
  readonly value: number | null;
  /** An interval around the value (for instance Wilson 95%); drawn when both ends are present. */
  readonly lower?: number | null;
  readonly upper?: number | null;
  /** Predictions the value is computed from, shown in the tooltip. */
  readonly count?: number | null;
}

export interface ComparisonChartOptions extends ChartOptions {
  /** Metric order; metrics not listed follow in order of appearance. */
  readonly metrics?: readonly string[];
  /** Version order; versions not listed follow in order of appearance. */
  readonly versions?: readonly string[];
}

export const COMPARISON_TITLE = 'Model versions compared';
const NO_DATA = 'No metric values to compare.';
const MISSING = 'No value for';

function ordered(wanted: readonly string[] | undefined, seen: readonly string[]): string[] {
  const out = [...new Set(wanted ?? [])].filter((name) => seen.includes(name));
  for (const name of seen) if (!out.includes(name)) out.push(name);
  return out;
}

function present(value: number | null | undefined): value is number {
  return value !== null && value !== undefined && Number.isFinite(value);
}

/** Grouped bars of metrics per model version, with optional interval error bars. */
export function comparisonChart(values: readonly ComparisonValue[], options?: ComparisonChartOptions): ChartSpec {
  const title = options?.title ?? COMPARISON_TITLE;
  const known = values.filter((v) => present(v.value));
  if (known.length === 0) return noDataChart(title, NO_DATA, options);

  const pairs = new Set<string>();
  for (const v of known) {
    const pair = JSON.stringify([v.model_version, v.metric]);
    // Two values in one place would stack into a bar as high as their sum.
    if (pairs.has(pair)) throw new RangeError(`${JSON.stringify(v.model_version)} has more than one value of ${JSON.stringify(v.metric)}`);
    pairs.add(pair);
  }
  const metrics = ordered(options?.metrics, known.map((v) => v.metric));
  const versions = ordered(options?.versions, known.map((v) => v.model_version)).map(nominalKey);
  // Display names, unless two metrics would share one and merge into a single group.
  const distinct = new Set(metrics.map(metricLabel)).size === metrics.length;
  const label = (metric: string) => nominalKey(distinct ? metricLabel(metric) : metric);
  const rows = known.map((v) => ({
    metric: v.metric,
    metric_label: label(v.metric),
    version: nominalKey(v.model_version),
    value: v.value as number,
    lower: present(v.lower) && present(v.upper) ? v.lower : null,
    upper: present(v.lower) && present(v.upper) ? v.upper : null,
    interval: present(v.lower) && present(v.upper) ? `${formatFixed(v.lower)}–${formatFixed(v.upper)}` : '',
    count: present(v.count) ? formatCount(v.count) : '',
  }));
  const width = chartWidth(options);
  const x = { field: 'metric_label', type: 'nominal', title: null, sort: metrics.map(label), axis: { labelAngle: 0, labelLimit: 120 } } as const;
  const xOffset = { field: 'version', type: 'nominal', sort: versions } as const;
  const color = { field: 'version', type: 'nominal', title: 'Model version', scale: { domain: versions } } as const;
  const tooltip = tooltipColumns([
    { field: 'metric_label', type: 'nominal', title: 'Metric' },
    { field: 'version', type: 'nominal', title: 'Model version' },
    { field: 'value', type: 'quantitative', title: 'Value', format: '.3f' },
    { field: 'interval', type: 'nominal', title: 'Interval' },
    { field: 'count', type: 'nominal', title: 'Predictions' },
  ] as const, rows);
  const layer: LayerChild[] = [
    { data: { values: rows }, mark: { type: 'bar' }, encoding: { x, xOffset, y: { field: 'value', type: 'quantitative', title: 'Value' }, color, tooltip } },
  ];
  const intervals = rows.filter((row) => row.lower !== null);
  if (intervals.length > 0) {
    layer.push({
      data: { values: intervals },
      // A neutral grey reads on every bar colour; a version's own colour would vanish on its bar.
      mark: { type: 'rule', color: NEUTRAL_COLOR, strokeWidth: 2 },
      encoding: { x, xOffset, y: { field: 'lower', type: 'quantitative', title: 'Value' }, y2: { field: 'upper' }, tooltip },
    });
  }

  const missing = values.filter((v) => !present(v.value)).map((v) => `${v.model_version} ${metricLabel(v.metric)}`);
  const subtitle = missing.length === 0 ? [] : [`${MISSING} ${listNames([...new Set(missing)])}.`];
  const description = `${title}: ${metrics.map(metricLabel).join(', ')} for ${versions.join(', ')}.`;
  return { ...topLevel(width, title, subtitle, description), width, layer };
}

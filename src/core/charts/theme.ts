/**
 * What every Pitwall chart shares: the Vega-Lite schema, sizing, the few semantic colours,
 * the "no data" chart and text formatting. Colours of axes, titles and legends are left to
 * the embedding (the webview follows the editor theme); the colours here are mid-tones
 * chosen to read on light and dark backgrounds alike. Text is only ever data or plain
 * strings, never part of an expression, so a hostile feature name stays a label.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Field } from 'vega-lite/types_unstable/channeldef.js';
import type { LayerSpec, NonNormalizedSpec, UnitSpec } from 'vega-lite/types_unstable/spec/index.js';

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export type ChartSpec = TopLevelSpec;
/** One layer of a layered view. */
export type LayerChild = LayerSpec<Field> | UnitSpec<Field>;
/** One view of a concatenation. */
export type ViewSpec = NonNormalizedSpec;

/** A width in pixels, or 'container' to fill the element the chart is embedded in. */
export type ChartWidth = number | 'container';

export interface ChartOptions {
  /** 'container' when left out. */
  readonly width?: ChartWidth;
  /** Replaces the chart's default title. */
  readonly title?: string;
}

/** Reference lines, bands and notes: a mid grey, legible on light and dark themes. */
export const NEUTRAL_COLOR = '#888888';

export const ALERT_SEVERITY_ORDER = ['info', 'warning', 'critical'] as const;
export type AlertSeverityName = (typeof ALERT_SEVERITY_ORDER)[number];
export const ALERT_SEVERITY_COLORS: readonly string[] = [NEUTRAL_COLOR, '#f58518', '#e45756'];

/**
 * Drift severities, mildest first, in both vocabularies Pitwall meets: the analytics'
 * none / warning / drift and the stored drift_results' low / medium / high.
 */
export const DRIFT_SEVERITY_ORDER = ['none', 'low', 'warning', 'medium', 'high', 'drift'] as const;
export type DriftSeverity = (typeof DRIFT_SEVERITY_ORDER)[number];
export const DRIFT_SEVERITY_COLORS: readonly string[] = [NEUTRAL_COLOR, '#4c78a8', '#f58518', '#f58518', '#e45756', '#e45756'];
/** A drift score its producer did not rate: a grey lighter than 'none'. */
export const UNRATED_COLOR = '#bab0ac';

export function chartWidth(options: ChartOptions | undefined): ChartWidth {
  return options?.width ?? 'container';
}

/**
 * Top-level properties every chart carries. A container width needs autosize 'fit-x'
 * including padding, or axes and legends would push the chart wider than its element.
 */
export function topLevel(width: ChartWidth, title: string, subtitle: readonly string[], description: string) {
  return {
    $schema: VEGA_LITE_SCHEMA,
    description,
    title: { text: title, ...(subtitle.length === 0 ? {} : { subtitle: [...subtitle] }), anchor: 'start' as const, limit: width === 'container' ? { expr: 'width' } : width },
    ...(width === 'container' ? { autosize: { type: 'fit-x' as const, contains: 'padding' as const } } : {}),
  };
}

/**
 * Multi-scale labels for a UTC time axis in 24-hour time, which d3's default (12-hour,
 * 'Wed 15') is not.
 */
export const UTC_AXIS_FORMAT = {
  year: '%Y',
  quarter: '%b %Y',
  month: '%b %Y',
  week: '%d %b',
  date: '%d %b',
  hours: '%H:%M',
  minutes: '%H:%M',
  seconds: '%H:%M:%S',
  milliseconds: '%H:%M:%S.%L',
} as const;

/**
 * The tooltip columns worth showing for these rows: one that is empty for every row (no
 * interval, no p-value in this data) is left out rather than shown blank.
 */
export function tooltipColumns<C extends { readonly field: string }>(columns: readonly C[], rows: readonly object[]): C[] {
  return columns.filter((column) =>
    rows.some((row) => {
      const value = (row as Readonly<Record<string, unknown>>)[column.field];
      return value !== '' && value !== null && value !== undefined;
    }),
  );
}

/** A valid chart that says why there is nothing to draw, in place of an empty plot. */
export function noDataChart(title: string, message: string, options: ChartOptions | undefined): ChartSpec {
  const width = chartWidth(options);
  return {
    ...topLevel(width, options?.title ?? title, [], `${title}: ${message}`),
    width,
    height: 60,
    data: { values: [{ message }] },
    mark: { type: 'text', color: NEUTRAL_COLOR, fontSize: 13 },
    encoding: { text: { field: 'message', type: 'nominal' } },
  };
}

function isoMinutes(seconds: number): string {
  const ms = seconds * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return String(seconds);
  const iso = new Date(ms).toISOString();
  // Seconds are shown only when a time does not fall on a whole minute.
  const withSeconds = iso.slice(17, 23) !== '00.000';
  return `${iso.slice(0, 10)} ${iso.slice(11, withSeconds ? 19 : 16)}`;
}

/** A UTC instant as '2025-05-01 13:00 UTC'. */
export function formatUtc(seconds: number): string {
  return `${isoMinutes(seconds)} UTC`;
}

/** A window as '2025-05-01 13:00–14:00 UTC', with the end's date only when it differs. */
export function formatUtcWindow(start: number, end: number): string {
  const from = isoMinutes(start);
  const to = isoMinutes(end);
  const sameDay = from.slice(0, 10) === to.slice(0, 10) && from.length > 10 && to.length > 10;
  return `${from}–${sameDay ? to.slice(11) : to} UTC`;
}

/** A number with fixed decimals for titles and subtitles; '–' for a missing value. */
export function formatFixed(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** 'a, b, c and 4 more': names in a note stay short however many there are. */
export function listNames(names: readonly string[], shown = 5): string {
  if (names.length <= shown) return names.join(', ');
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

const METRIC_LABELS: Readonly<Record<string, string>> = {
  accuracy: 'Accuracy',
  precision: 'Precision',
  recall: 'Recall',
  f1: 'F1',
  specificity: 'Specificity',
  ece: 'ECE',
  mce: 'MCE',
  roc_auc: 'ROC AUC',
  average_precision: 'Average precision',
  log_loss: 'Log loss',
  brier: 'Brier score',
  avg_confidence: 'Mean confidence',
};

/** A metric's display name; unknown metrics keep their own name. */
export function metricLabel(metric: string): string {
  return Object.hasOwn(METRIC_LABELS, metric) ? (METRIC_LABELS[metric] as string) : metric;
}

/**
 * A value safe as a nominal scale key: Vega keeps scale domains in plain objects, where a value
 * named like an Object.prototype member ('__proto__', 'constructor') breaks the lookup. Such a
 * value gets a zero-width space appended: it reads the same and no longer collides.
 */
export function nominalKey(text: string): string {
  return text === '__proto__' || Object.prototype.hasOwnProperty.call(Object.prototype, text) ? `${text}\u200b` : text;
}

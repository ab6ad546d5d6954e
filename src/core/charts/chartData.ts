/**
 * The rows behind a chart as CSV, for the panels' "Data (CSV)" export and the CLI's --csv: the
 * aggregated rows only (one per window and version), never predictions.
 */
import type { WindowMetric, WindowMetricsRow } from '../analytics/windows';

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180: a header row, then one record per row, CRLF line ends. */
export function formatCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((cells) => cells.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const cell = (value: number | null | undefined) => (value === null || value === undefined || !Number.isFinite(value) ? '' : String(value));

/** Windowed metrics as CSV: window bounds in ISO 8601 UTC, an empty cell where a metric has no value. */
export function toWindowsCsv(rows: readonly WindowMetricsRow[], metrics: readonly WindowMetric[]): string {
  const header = ['window_start', 'window_end', 'model_version', 'count', 'labelled', 'label_coverage', 'insufficient', ...metrics];
  return formatCsv(
    header,
    rows.map((row) => [iso(row.window_start), iso(row.window_end), row.group ?? '', String(row.count), String(row.labelled), cell(row.label_coverage), String(row.insufficient), ...metrics.map((metric) => cell(row[metric]))]),
  );
}

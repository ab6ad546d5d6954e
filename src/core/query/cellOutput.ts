/**
 * What a notebook cell shows for a result, built by the kernel so the editor only wraps it: the
 * renderer's payload (first page, total, chart, SQL, source, timing), a short plain-text table for
 * viewers without Pitwall's renderer, and the cell status bar's words (rows or windows, duration,
 * source). The first page is all an output ever holds: the host keeps the rest (notebookResults.ts).
 */
import { PAGE_SIZE, type NotebookResultOutput } from '../../shared/notebookOutput';
import type { QueryResult } from './run';

export interface OutputContext {
  /** The host's handle on the full result, or null when the first page is all of it. */
  readonly resultId: string | null;
  readonly chart: { readonly kind: string; readonly spec: Record<string, unknown> } | null;
  readonly source: string;
  readonly durationMs: number;
}

/** Whether the host must keep the result for paging (more rows than the first page). */
export function needsPaging(result: QueryResult): boolean {
  return result.rows.length > PAGE_SIZE;
}

export function resultOutput(result: QueryResult, context: OutputContext): NotebookResultOutput {
  return {
    version: 1,
    resultId: context.resultId,
    kind: result.kind,
    columns: result.columns.map((column) => ({ name: column.name, type: column.type })),
    rows: result.rows.slice(0, PAGE_SIZE),
    offset: 0,
    totalRows: result.rows.length,
    chart: context.chart,
    ...(result.sql === undefined ? {} : { sql: result.sql }),
    ...(result.path === undefined ? {} : { path: result.path }),
    ...(result.meta === undefined ? {} : { meta: result.meta }),
    source: context.source,
    durationMs: Math.round(context.durationMs),
  };
}

/** Rows the plain-text table shows; the line under it says how many there are in all. */
export const TEXT_ROWS = 20;
const TEXT_CELL_WIDTH = 32;

/** A short fixed-width table: the first rows, then "N of M rows" so nothing looks like the whole when it is not. */
export function plainTable(result: QueryResult, maxRows = TEXT_ROWS): string {
  if (result.rows.length === 0) return `No rows (${result.kind}).`;
  const columns = result.columns;
  const shown = result.rows.slice(0, maxRows);
  const cells = shown.map((row) => columns.map((column) => textCell(row[column.name], column.type)));
  const widths = columns.map((column, i) => Math.max(column.name.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (values: readonly string[]) => values.map((value, i) => value.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const footer = shown.length < result.rows.length ? `${shown.length} of ${result.rows.length} rows` : `${result.rows.length} row${result.rows.length === 1 ? '' : 's'}`;
  return [line(columns.map((column) => column.name)), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line), footer].join('\n');
}

function textCell(value: unknown, type: QueryResult['columns'][number]['type']): string {
  let text: string;
  if (value === null || value === undefined) text = '—';
  else if (type === 'time' && typeof value === 'number') text = new Date(value * 1000).toISOString().replace('T', ' ').replace(/(:00)?\.\d+Z$/, 'Z');
  else if (typeof value === 'number') text = Number.isInteger(value) ? String(value) : value.toFixed(4);
  else if (typeof value === 'string') text = value;
  else text = JSON.stringify(value);
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > TEXT_CELL_WIDTH ? `${flat.slice(0, TEXT_CELL_WIDTH - 1)}…` : flat;
}

export interface CellRunSummary {
  readonly results: readonly Pick<QueryResult, 'kind' | 'rows'>[];
  readonly durationMs: number;
  /** The source as shown (its file or folder name). */
  readonly source: string;
}

/** The cell status bar's items: rows (and windows for a trend), the duration, the source. */
export function cellStatusText(summary: CellRunSummary): { rows: string; duration: string; source: string } {
  const rows = summary.results.reduce((sum, result) => sum + result.rows.length, 0);
  const windows = summary.results
    .filter((result) => result.kind === 'windows')
    .reduce((sum, result) => sum + new Set(result.rows.map((row) => row.window_start)).size, 0);
  const rowText = `${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'}`;
  return {
    rows: windows > 0 ? `${rowText} · ${windows.toLocaleString('en-US')} window${windows === 1 ? '' : 's'}` : rowText,
    duration: formatDuration(summary.durationMs),
    source: summary.source,
  };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

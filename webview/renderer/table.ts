/**
 * What the notebook renderer's table shows, as plain functions (no DOM, so they run in Node tests):
 * a cell's text by column type, the order of a sort, the CSV of "Copy as CSV" and the "N of M rows"
 * line.
 */
import type { OutputColumnType } from '../../src/shared/notebookOutput';

export interface SortKey {
  readonly column: string;
  readonly descending: boolean;
}

export interface CellText {
  /** What the cell shows. */
  readonly text: string;
  /** The value in full, for the cell's tooltip, when `text` rounds or shortens it. */
  readonly full?: string;
  /** Numbers and times line up on the right. */
  readonly numeric: boolean;
  /** No value (null or missing): shown as a dash. */
  readonly empty: boolean;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Unix seconds as a UTC time, `2026-10-01 12:00:00Z`, with milliseconds when the time has them. */
export function formatTime(seconds: number): string {
  if (!Number.isFinite(seconds)) return formatNumber(seconds);
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) return String(seconds);
  const millis = date.getUTCMilliseconds();
  const day = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${millis === 0 ? '' : `.${pad(millis, 3)}`}`;
  return `${day} ${time}Z`;
}

/**
 * A number as people read it in a table: integers in full; fractions to four decimals (metrics
 * live in 0..1), two from a thousand up, and in scientific notation when so small that four
 * decimals would show zero (p-values).
 */
export function formatNumber(value: number, fractional = false): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  if (Number.isInteger(value) && !(fractional && Math.abs(value) < 1e15)) return String(value);
  const size = Math.abs(value);
  if (size === 0) return (0).toFixed(4);
  if (size < 0.00005) return value.toExponential(2);
  return value.toFixed(size >= 1000 ? 2 : 4);
}

/** A number with a fractional part: its column shows whole numbers with decimals too. */
export function isFraction(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value);
}

/** A confidence interval as the kernel writes one: `{ lower, upper }` with numbers. */
function intervalOf(value: unknown): { lower: number; upper: number } | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { lower, upper } = value as { lower?: unknown; upper?: unknown };
  return typeof lower === 'number' && typeof upper === 'number' && Object.keys(value).length === 2 ? { lower, upper } : null;
}

/** The longest JSON text a cell shows; the rest is in its tooltip (and in full in the CSV). */
export const JSON_CELL_LIMIT = 120;

/**
 * A cell's text for its column type; values of another type than declared still show faithfully.
 * `fractional`: the column holds fractions, so whole numbers get decimals too.
 */
export function formatCell(value: unknown, type: OutputColumnType, fractional = false): CellText {
  if (value === null || value === undefined) return { text: '—', numeric: false, empty: true };
  if (typeof value === 'number') {
    if (type === 'time') return { text: formatTime(value), full: String(value), numeric: true, empty: false };
    const text = formatNumber(value, fractional);
    return { text, ...(text === String(value) ? {} : { full: String(value) }), numeric: true, empty: false };
  }
  if (typeof value === 'string') return { text: value, numeric: false, empty: false };
  if (typeof value === 'boolean') return { text: String(value), numeric: false, empty: false };
  const interval = intervalOf(value);
  if (interval !== null) return { text: `${interval.lower.toFixed(3)}–${interval.upper.toFixed(3)}`, full: JSON.stringify(value), numeric: true, empty: false };
  const json = JSON.stringify(value) ?? String(value);
  return json.length > JSON_CELL_LIMIT ? { text: `${json.slice(0, JSON_CELL_LIMIT - 1)}…`, full: json, numeric: false, empty: false } : { text: json, numeric: false, empty: false };
}

function rank(value: unknown): number {
  if (value === null || value === undefined) return 4;
  if (typeof value === 'number') return Number.isNaN(value) ? 3 : 0;
  if (typeof value === 'boolean') return 1;
  return 2;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * The order of two cells, ascending: numbers (times are numbers), then booleans, then text (and
 * JSON by its text), NaN after them and nulls last. Intervals sort by their lower bound.
 */
export function compareCells(a: unknown, b: unknown): number {
  const left = intervalOf(a)?.lower ?? a;
  const right = intervalOf(b)?.lower ?? b;
  const kinds = rank(left) - rank(right);
  if (kinds !== 0) return kinds;
  if (typeof left === 'number' && typeof right === 'number') return Number.isNaN(left) ? 0 : left - right;
  if (typeof left === 'boolean' && typeof right === 'boolean') return Number(left) - Number(right);
  if (rank(left) === 2) return collator.compare(typeof left === 'string' ? left : JSON.stringify(left), typeof right === 'string' ? right : JSON.stringify(right));
  return 0;
}

/**
 * Rows sorted by one column, stably; descending reverses the values but keeps empty cells last,
 * as the kernel's `sort` stage does. Returns a new array.
 */
export function sortRows<Row extends Readonly<Record<string, unknown>>>(rows: readonly Row[], key: SortKey): Row[] {
  const missing = (row: Row) => rank(row[key.column]) === 4;
  return rows
    .map((row, index) => ({ row, index }))
    .sort((x, y) => {
      const emptyFirst = Number(missing(x.row)) - Number(missing(y.row));
      if (emptyFirst !== 0) return emptyFirst;
      const order = compareCells(x.row[key.column], y.row[key.column]);
      return (key.descending ? -order : order) || x.index - y.index;
    })
    .map(({ row }) => row);
}

/** The next sort when a column's header is clicked: ascending, then descending, then the result's own order. */
export function nextSort(current: SortKey | null, column: string): SortKey | null {
  if (current === null || current.column !== column) return { column, descending: false };
  return current.descending ? null : { column, descending: true };
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A value as CSV data for another program: numbers in full, times in ISO 8601 UTC, objects as JSON, no value as an empty field. */
export function csvValue(value: unknown, type: OutputColumnType): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (type === 'time' && Number.isFinite(value)) return new Date(value * 1000).toISOString();
    return String(value);
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

/** Rows as CSV: a header of column names, one record per row, CRLF line ends (as the chart panels' CSV export). */
export function toCsv(columns: readonly { readonly name: string; readonly type: OutputColumnType }[], rows: readonly Readonly<Record<string, unknown>>[]): string {
  const lines = [columns.map((column) => csvField(column.name)), ...rows.map((row) => columns.map((column) => csvField(csvValue(row[column.name], column.type))))];
  return `${lines.map((cells) => cells.join(',')).join('\r\n')}\r\n`;
}

const count = (value: number) => value.toLocaleString('en-US');

/**
 * The line that always says how much of the result is shown: `200 of 1,234 rows (1–200)`, or
 * `12 of 12 rows` when everything is on screen.
 */
export function rowsLabel(offset: number, shown: number, total: number): string {
  const label = `${count(shown)} of ${count(total)} ${total === 1 ? 'row' : 'rows'}`;
  return shown === total || shown === 0 ? label : `${label} (${count(offset + 1)}–${count(offset + shown)})`;
}

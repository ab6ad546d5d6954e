/**
 * Printing for the CLI: JSON for machines; every table through `printTable`, which renders it as
 * aligned text (coloured on a terminal) or as CSV; times through `formatTime`, in UTC or the local zone.
 */
import { formatCsv } from '../core/charts/chartData';

export { formatCsv };

/** How this invocation shows its results: chosen once from --csv, --tz, --no-color and the terminal. */
export interface Display {
  /** Tables as RFC 4180 CSV on standard output; every other line goes to standard error. */
  readonly csv: boolean;
  /** `local`: times in the process's time zone (TZ), with their offset. */
  readonly zone: 'utc' | 'local';
  /** ANSI colours on standard output / standard error. */
  readonly color: { readonly out: boolean; readonly err: boolean };
}

export const PLAIN_DISPLAY: Display = { csv: false, zone: 'utc', color: { out: false, err: false } };

export interface Output {
  readonly json: boolean;
  write(text: string): void;
  error(text: string): void;
  /** Set by `withDisplay`; absent means plain text in UTC. */
  readonly display?: Display;
  /** Where tables go when it differs from `write` (under --csv, `write` is standard error). */
  table?(text: string): void;
  /** Whether standard output and standard error are terminals (absent: neither, as when captured). */
  terminal?(): { readonly out: boolean; readonly err: boolean };
}

export const stdio: Output = {
  json: false,
  write: (text) => process.stdout.write(text),
  error: (text) => process.stderr.write(text),
  terminal: () => ({ out: process.stdout.isTTY === true, err: process.stderr.isTTY === true }),
};

/**
 * Colour when the stream is a terminal or FORCE_COLOR asks for it; never with --no-color or a
 * non-empty NO_COLOR (https://no-color.org), which win over FORCE_COLOR.
 */
export function colorWanted(terminal: boolean, environment: NodeJS.ProcessEnv, noColorFlag: boolean): boolean {
  if (noColorFlag || (environment.NO_COLOR ?? '') !== '') return false;
  const force = environment.FORCE_COLOR;
  if (force !== undefined && force !== '') return !['0', 'false'].includes(force.toLowerCase());
  return terminal;
}

const ANSI = { red: '\u001b[31m', yellow: '\u001b[33m', bold: '\u001b[1m', reset: '\u001b[0m' } as const;

export function paint(text: string, style: keyof typeof ANSI, on: boolean): string {
  return on && text !== '' ? `${ANSI[style]}${text}${ANSI.reset}` : text;
}

/** The colour of a line on standard error: warnings yellow, errors red, anything else plain. */
function problemStyle(line: string): 'yellow' | 'red' | undefined {
  if (/^\s*warning\b/i.test(line)) return 'yellow';
  if (/^\s*(pitwall:|error\b)/i.test(line)) return 'red';
  return undefined;
}

export function paintProblems(text: string, on: boolean): string {
  if (!on) return text;
  return text
    .split('\n')
    .map((line) => {
      const style = problemStyle(line);
      return style === undefined ? line : paint(line, style, true);
    })
    .join('\n');
}

/** `out` as this display shows it: under --csv only tables reach standard output; problems coloured on a terminal. */
export function withDisplay(out: Output, display: Display): Output {
  return {
    json: out.json,
    display,
    write: display.csv ? (text) => out.error(text) : (text) => out.write(text),
    error: (text) => out.error(paintProblems(text, display.color.err)),
    table: (text) => (out.table ?? out.write.bind(out))(text),
    ...(out.terminal === undefined ? {} : { terminal: out.terminal.bind(out) }),
  };
}

export function printJson(out: Output, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Columns padded to their widest cell; the last column is left ragged. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return textTable(header, rows, false, false);
}

/** Cells of these columns are coloured by their word: critical red, warning yellow. */
const STYLED_COLUMNS = new Set(['SEVERITY', 'STATUS', 'DEGRADATION', 'OUTCOME']);
const WORD_STYLES: Readonly<Record<string, 'red' | 'yellow'>> = { critical: 'red', failed: 'red', degraded: 'red', drift: 'red', warning: 'yellow', 'would fire': 'yellow', fired: 'yellow' };

function textTable(header: readonly string[], rows: readonly (readonly string[])[], color: boolean, bare: boolean): string {
  const widths = header.map((title, column) => Math.max(bare ? 0 : title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[], styleOf: (cell: string, column: number) => keyof typeof ANSI | undefined) =>
    cells
      .map((cell, column) => {
        const padded = column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0);
        const style = styleOf(cell, column);
        // Only the text is coloured, so the padding (and the alignment) is the same as without colour.
        return style === undefined ? padded : paint(cell, style, true) + padded.slice(cell.length);
      })
      .join('  ')
      .trimEnd();
  const cellStyle = (cell: string, column: number) => (color && STYLED_COLUMNS.has(header[column] ?? '') ? WORD_STYLES[cell] : undefined);
  const headerStyle = () => (color ? ('bold' as const) : undefined);
  return [...(bare ? [] : [line(header, headerStyle)]), ...rows.map((row) => line(row, cellStyle))].join('\n') + '\n';
}

export interface TableOptions {
  /** A listing of name–value pairs: the text form shows no header row (CSV keeps it). */
  readonly bare?: boolean;
}

/** The one way a command prints a table: CSV under --csv, else aligned text, coloured on a terminal. */
export function printTable(out: Output, header: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): void {
  const display = out.display ?? PLAIN_DISPLAY;
  const write = out.table ?? out.write.bind(out);
  write(display.csv ? formatCsv(header, rows) : textTable(header, rows, display.color.out, options.bare === true));
}

/** The time zone and form of `formatTime` for this invocation (one process, one display). */
let timeDisplay: { readonly zone: Display['zone']; readonly iso: boolean } = { zone: 'utc', iso: false };

/** Runs `use` with the times of `display`: ISO 8601 under --csv, the local zone under --tz local. */
export async function withTimeDisplay<T>(display: Display, use: () => Promise<T>): Promise<T> {
  const earlier = timeDisplay;
  timeDisplay = { zone: display.zone, iso: display.csv };
  try {
    return await use();
  } finally {
    timeDisplay = earlier;
  }
}

function pad(value: number): string {
  return String(Math.abs(value)).padStart(2, '0');
}

/** `2026-10-01 12:00:00Z`; `2026-10-01 14:00:00+02:00` under --tz local; with `T` (ISO 8601) under --csv. */
export function formatTime(seconds: number | null): string {
  if (seconds === null) return '';
  const date = new Date(seconds * 1000);
  const separator = timeDisplay.iso ? 'T' : ' ';
  if (timeDisplay.zone === 'utc') return date.toISOString().replace('T', separator).replace(/\.\d+Z$/, 'Z');
  const offset = -date.getTimezoneOffset();
  const shifted = new Date(date.getTime() + offset * 60_000).toISOString().replace('T', separator).replace(/\.\d+Z$/, '');
  return `${shifted}${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

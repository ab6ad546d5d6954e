/**
 * The two things the renderer receives from outside, checked before use (no DOM; tested in Node):
 * an output item's JSON and a message from the extension host. A wrong output is reported in the
 * cell, naming the field; a message that is not Pitwall's is ignored.
 */
import type { HostToRenderer, NotebookResultOutput, OutputColumnType } from '../../src/shared/notebookOutput';

const COLUMN_TYPES: readonly OutputColumnType[] = ['time', 'number', 'string', 'boolean', 'json'];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** The output, or the first thing wrong with it (a field and what it should be). */
export function readOutput(value: unknown): { output: NotebookResultOutput } | { problem: string } {
  if (!isRecord(value)) return { problem: 'it is not a JSON object.' };
  if (value.version !== 1) return { problem: `its format version is ${JSON.stringify(value.version)}, and this Pitwall draws version 1.` };
  if (value.resultId !== null && typeof value.resultId !== 'string') return { problem: '"resultId" is neither text nor null.' };
  if (typeof value.kind !== 'string') return { problem: '"kind" is not text.' };
  if (!Array.isArray(value.columns)) return { problem: '"columns" is not a list.' };
  for (const [index, column] of value.columns.entries()) {
    if (!isRecord(column) || typeof column.name !== 'string' || !COLUMN_TYPES.includes(column.type as OutputColumnType)) {
      return { problem: `column ${index + 1} needs a "name" and a "type" (one of ${COLUMN_TYPES.join(', ')}).` };
    }
  }
  if (!Array.isArray(value.rows) || !value.rows.every(isRecord)) return { problem: '"rows" is not a list of objects.' };
  if (!isCount(value.offset)) return { problem: '"offset" is not a whole number.' };
  if (!isCount(value.totalRows) || value.totalRows < value.offset + value.rows.length) return { problem: '"totalRows" is not a whole number covering the rows given.' };
  if (value.chart !== null && (!isRecord(value.chart) || typeof value.chart.kind !== 'string' || !isRecord(value.chart.spec))) return { problem: '"chart" is neither null nor a kind with a spec.' };
  if (value.sql !== undefined && typeof value.sql !== 'string') return { problem: '"sql" is not text.' };
  if (value.path !== undefined && typeof value.path !== 'string') return { problem: '"path" is not text.' };
  if (typeof value.source !== 'string') return { problem: '"source" is not text.' };
  if (typeof value.durationMs !== 'number' || !(value.durationMs >= 0)) return { problem: '"durationMs" is not a duration.' };
  return { output: value as unknown as NotebookResultOutput };
}

/** A host message meant for Pitwall's renderer, or null. */
export function readHostMessage(value: unknown): HostToRenderer | null {
  if (!isRecord(value) || typeof value.resultId !== 'string') return null;
  if (value.type === 'expired') return value as unknown as HostToRenderer;
  if (value.type === 'copied') return isCount(value.rows) ? (value as unknown as HostToRenderer) : null;
  if (value.type === 'page') return isCount(value.offset) && isCount(value.totalRows) && Array.isArray(value.rows) && value.rows.every(isRecord) ? (value as unknown as HostToRenderer) : null;
  return null;
}

/** The footer line: where the result came from, how long it took, and how it was computed. */
export function footerOf(output: NotebookResultOutput): string {
  const parts = [output.source, formatDuration(output.durationMs)];
  if (output.path !== undefined) parts.push(PATHS[output.path] ?? output.path);
  return parts.filter((part) => part !== '').join(' · ');
}

const PATHS: Readonly<Record<string, string>> = {
  scan: 'read from the file’s pages',
  pushdown: 'computed in the database (pushdown)',
  'in-memory': 'computed over the loaded records',
  records: 'computed over the loaded records',
};

/** `850 ms`, `2.4 s`, `1 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** Inline data: rows may have a column named `url`, which names nothing to load. */
const INLINE_DATA = new Set(['values', 'datasets']);

/** Every URL a chart spec names (a `url` key with text, at any depth, inline data aside): Pitwall's charts carry their data inline. */
export function urlsIn(spec: unknown): string[] {
  if (Array.isArray(spec)) return spec.flatMap(urlsIn);
  if (!isRecord(spec)) return [];
  return Object.entries(spec).flatMap(([key, value]) => (key === 'url' && typeof value === 'string' ? [value] : INLINE_DATA.has(key) ? [] : urlsIn(value)));
}

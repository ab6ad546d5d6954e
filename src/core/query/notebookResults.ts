/**
 * The full results behind notebook outputs, kept by the host so the renderer can ask for another
 * page, another sort order, or every row as CSV, while the output itself holds only the first page.
 * A result is dropped when its cell runs again or its notebook closes; beyond a total row budget
 * the oldest results go first, so memory stays bounded however many cells run. A request for a
 * dropped result is answered "expired", never with another result's rows.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { PAGE_SIZE, type HostToRenderer } from '../../shared/notebookOutput';
import type { ResultColumn } from './run';

export interface SortOrder {
  readonly column: string;
  readonly descending: boolean;
}

export interface KeptResult {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly Record<string, unknown>[];
}

/** Rows kept across every notebook before the oldest results are dropped. */
export const DEFAULT_ROW_BUDGET = 500_000;

/**
 * What every result id of Pitwall's kernel starts with. Ids carry the session that issued them, so
 * an output saved in a notebook (or left by a window before a reload) never names a result of a
 * later session: asked for, it is expired. An id without the prefix is none of the kernel's (another
 * host of the renderer's messages answers it) and is left alone.
 */
export const RESULT_ID_PREFIX = 'pitwall-result:';

interface Entry {
  readonly notebook: string;
  readonly cell: string;
  readonly result: KeptResult;
}

export class NotebookResults {
  /** In insertion order: the first entries are the oldest. */
  private readonly entries = new Map<string, Entry>();
  private rowsKept = 0;
  private next = 1;

  constructor(
    private readonly rowBudget = DEFAULT_ROW_BUDGET,
    private readonly session = randomUUID(),
  ) {}

  /** Keeps a cell's result and returns its id. */
  add(notebook: string, cell: string, result: KeptResult): string {
    const id = `${RESULT_ID_PREFIX}${this.session}:${this.next++}`;
    this.entries.set(id, { notebook, cell, result });
    this.rowsKept += result.rows.length;
    for (const [oldest, entry] of this.entries) {
      if (this.rowsKept <= this.rowBudget || oldest === id) break;
      this.remove(oldest, entry);
    }
    return id;
  }

  /** The cell runs again: its earlier results are gone. */
  dropCell(notebook: string, cell: string): void {
    for (const [id, entry] of this.entries) if (entry.notebook === notebook && entry.cell === cell) this.remove(id, entry);
  }

  /** The notebook closed. */
  dropNotebook(notebook: string): void {
    for (const [id, entry] of this.entries) if (entry.notebook === notebook) this.remove(id, entry);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Rows `offset .. offset + limit` in the order asked, or undefined when the result is gone. */
  page(id: string, offset: number, limit: number, sort?: SortOrder): { rows: Record<string, unknown>[]; totalRows: number; offset: number } | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    const rows = sorted(entry.result.rows, sort);
    const start = Math.max(0, Math.min(Math.trunc(offset), rows.length));
    const count = Math.max(0, Math.trunc(limit));
    return { rows: rows.slice(start, start + count), totalRows: rows.length, offset: start };
  }

  /** Every row as CSV (RFC 4180, a header line first), or undefined when the result is gone. */
  csv(id: string, sort?: SortOrder): { text: string; rows: number } | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    return { text: toCsv(entry.result.columns, sorted(entry.result.rows, sort)), rows: entry.result.rows.length };
  }

  private remove(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.rowsKept -= entry.result.rows.length;
  }
}

/** A stable sort by one column: nulls last either way, numbers by value, anything else by its text. */
export function sorted(rows: readonly Record<string, unknown>[], sort: SortOrder | undefined): readonly Record<string, unknown>[] {
  if (sort === undefined) return rows;
  const direction = sort.descending ? -1 : 1;
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      const x = a.row[sort.column];
      const y = b.row[sort.column];
      const missing = (v: unknown) => v === null || v === undefined;
      if (missing(x) || missing(y)) return missing(x) === missing(y) ? a.index - b.index : missing(x) ? 1 : -1;
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : textOf(x).localeCompare(textOf(y));
      return order === 0 ? a.index - b.index : order * direction;
    })
    .map(({ row }) => row);
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function toCsv(columns: readonly ResultColumn[], rows: readonly Record<string, unknown>[]): string {
  const field = (value: unknown): string => {
    if (value === null || value === undefined) return '';
    const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [columns.map((column) => field(column.name)).join(','), ...rows.map((row) => columns.map((column) => field(row[column.name])).join(','))].join('\r\n') + '\r\n';
}

const SortSchema = z.object({ column: z.string(), descending: z.boolean() }).optional();
const RendererMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('page'), resultId: z.string(), offset: z.number().int().min(0), limit: z.number().int().min(0), sort: SortSchema }),
  z.object({ type: z.literal('copyCsv'), resultId: z.string(), sort: SortSchema }),
]);

/**
 * The host's answer to a renderer's message: a page, or "copied" with the CSV to put on the
 * clipboard, or "expired" for a result of the kernel no longer kept. A message that is not one of
 * the contract's, or names a result the kernel never issues, is answered with nothing. A page never
 * holds more than PAGE_SIZE rows, whatever was asked.
 */
export function answerRendererMessage(results: NotebookResults, message: unknown): { reply: HostToRenderer; clipboard?: string } | undefined {
  const parsed = RendererMessageSchema.safeParse(message);
  if (!parsed.success || !parsed.data.resultId.startsWith(RESULT_ID_PREFIX)) return undefined;
  const asked = parsed.data;
  const sort = asked.sort === undefined ? undefined : { column: asked.sort.column, descending: asked.sort.descending };
  if (asked.type === 'page') {
    const page = results.page(asked.resultId, asked.offset, Math.min(asked.limit, PAGE_SIZE), sort);
    if (page === undefined) return { reply: { type: 'expired', resultId: asked.resultId } };
    return { reply: { type: 'page', resultId: asked.resultId, offset: page.offset, rows: page.rows, totalRows: page.totalRows } };
  }
  const csv = results.csv(asked.resultId, sort);
  if (csv === undefined) return { reply: { type: 'expired', resultId: asked.resultId } };
  return { reply: { type: 'copied', resultId: asked.resultId, rows: csv.rows }, clipboard: csv.text };
}

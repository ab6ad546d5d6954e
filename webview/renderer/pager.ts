/**
 * The rows a result's table shows and where the others come from, without DOM (tested in Node).
 * A result whose rows are all in the output pages and sorts here; a larger one asks the host for
 * each page and each order (renderer messaging), and keeps what it shows when the host cannot
 * answer: no messaging, the result expired, or no answer in time.
 */
import { PAGE_SIZE, type HostToRenderer, type NotebookResultOutput, type RendererToHost } from '../../src/shared/notebookOutput';
import { nextSort, sortRows, toCsv, type SortKey } from './table';
import { text } from './text';

export type PagerState = 'ready' | 'loading';

/** A sentence under the table's bar: a warning (what could not be done) or a confirmation (what was done). */
export interface Notice {
  readonly text: string;
  readonly done: boolean;
}

const warning = (text: string): Notice => ({ text, done: false });

/** What "Copy as CSV" does: the CSV is made here, or asked of the host, or cannot be had (with the reason). */
export type CopyPlan = { readonly kind: 'local'; readonly csv: string; readonly rows: number } | { readonly kind: 'host'; readonly message: RendererToHost } | { readonly kind: 'refused' };

type Row = Readonly<Record<string, unknown>>;

export class ResultPager {
  /** The rows on screen. */
  rows: readonly Row[];
  offset: number;
  totalRows: number;
  sort: SortKey | null = null;
  state: PagerState = 'ready';
  /** A plain sentence about the last thing that could not be done (or was done: copied), or null. */
  notice: Notice | null = null;
  /** The host said it no longer holds the result: nothing more is asked of it. */
  expired = false;
  /** Every row is in the output: paging, sorting and copying happen here. */
  readonly complete: boolean;
  private readonly all: readonly Row[];
  private pending: { offset: number; sort: SortKey | null } | null = null;

  constructor(
    private readonly output: NotebookResultOutput,
    /** False when the renderer runs without messaging (a viewer without the extension). */
    private readonly canMessage: boolean,
    readonly pageSize = PAGE_SIZE,
  ) {
    this.complete = output.resultId === null || (output.offset === 0 && output.rows.length >= output.totalRows);
    this.all = output.rows;
    this.offset = output.offset;
    this.totalRows = this.complete ? output.rows.length : output.totalRows;
    this.rows = this.complete ? output.rows.slice(0, pageSize) : output.rows;
    if (!this.complete && !canMessage) this.notice = warning(text.noMessaging(output.rows.length, output.totalRows));
  }

  get hasPrevious(): boolean {
    return this.offset > 0;
  }

  get hasNext(): boolean {
    return this.offset + this.rows.length < this.totalRows;
  }

  /** Whether the host can be asked for rows not here. */
  get reachable(): boolean {
    return this.canMessage && !this.expired && this.output.resultId !== null;
  }

  previous(): RendererToHost | null {
    return this.goTo(Math.max(0, this.offset - this.pageSize), this.sort);
  }

  next(): RendererToHost | null {
    return this.goTo(this.offset + this.pageSize, this.sort);
  }

  /** Clicking a column's header: the next order (ascending, descending, the result's own), from the first page. */
  sortBy(column: string): RendererToHost | null {
    return this.goTo(0, nextSort(this.sort, column));
  }

  /** Shows the page at `offset` in `sort` order: at once when every row is here, else returns the host request (or null, with a notice, when the host cannot be asked). */
  goTo(offset: number, sort: SortKey | null): RendererToHost | null {
    if (this.complete) {
      const ordered = sort === null ? this.all : sortRows(this.all, sort);
      this.sort = sort;
      this.offset = Math.min(offset, Math.max(0, ordered.length - 1));
      this.rows = ordered.slice(this.offset, this.offset + this.pageSize);
      this.notice = null;
      return null;
    }
    if (!this.reachable) {
      this.notice = warning(this.expired ? text.expired(this.offset, this.rows.length, this.totalRows) : text.noMessaging(this.rows.length, this.totalRows));
      return null;
    }
    this.pending = { offset, sort };
    this.state = 'loading';
    this.notice = null;
    return { type: 'page', resultId: this.output.resultId as string, offset, limit: this.pageSize, ...(sort === null ? {} : { sort }) };
  }

  /** Takes a host message; true when it was for this result and changed what is shown. */
  receive(message: HostToRenderer): boolean {
    if (message.resultId !== this.output.resultId) return false;
    if (message.type === 'expired') {
      this.expired = true;
      this.pending = null;
      this.state = 'ready';
      this.notice = warning(text.expired(this.offset, this.rows.length, this.totalRows));
      return true;
    }
    if (message.type === 'copied') {
      this.notice = { text: text.copied(message.rows), done: true };
      return true;
    }
    // A page answers the request still waiting, not an earlier one overtaken by a later click.
    if (this.pending === null || message.offset !== this.pending.offset) return false;
    this.sort = this.pending.sort;
    this.pending = null;
    this.state = 'ready';
    this.offset = message.offset;
    this.rows = message.rows;
    this.totalRows = message.totalRows;
    return true;
  }

  /** The host did not answer the waiting request in time: what is shown stays, and the notice says so. */
  noAnswer(): boolean {
    if (this.pending === null) return false;
    this.pending = null;
    this.state = 'ready';
    this.notice = warning(text.noAnswer(this.offset, this.rows.length, this.totalRows));
    return true;
  }

  /** What became of a copy made here: the clipboard took it, or refused it. */
  copiedHere(rows: number): void {
    this.notice = { text: text.copied(rows), done: true };
  }

  copyFailed(reason: string): void {
    this.notice = warning(text.copyFailed(reason));
  }

  /** "Copy as CSV": every row of the result in the order shown; a refusal sets the notice. */
  copy(): CopyPlan {
    if (this.complete) {
      const rows = this.sort === null ? this.all : sortRows(this.all, this.sort);
      return { kind: 'local', csv: toCsv(this.output.columns, rows), rows: rows.length };
    }
    if (!this.reachable) {
      this.notice = warning(this.expired ? text.expired(this.offset, this.rows.length, this.totalRows) : text.noMessaging(this.rows.length, this.totalRows));
      return { kind: 'refused' };
    }
    return { kind: 'host', message: { type: 'copyCsv', resultId: this.output.resultId as string, ...(this.sort === null ? {} : { sort: this.sort }) } };
  }
}

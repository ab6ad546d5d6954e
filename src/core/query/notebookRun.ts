/**
 * Runs a `.pitnb` notebook's cells in order, headless: `pitwall notebook run` prints what this
 * returns, and the editor's "Export as HTML" writes it as a page (report/notebookHtml.ts). PQL
 * cells share their `let` names, as in the editor; SQL cells run in SQLite's dialect on the source;
 * markdown cells are carried along for the page. The first failing cell stops the run (as the
 * editor's Run All does): the cells after it are reported as not run.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import { isPostgresSource } from '../store/postgres/connection';
import type { StoreDiagnostic } from '../store/store';
import type { Pipeline } from './ast';
import { formatQueryError } from './errorText';
import type { QueryError } from './lexer';
import type { NotebookText } from './notebook';
import { runQuery, type QueryResult, type QuerySource } from './run';

/** How a notebook reaches its source: PQL through the kernel, SQL through SQLite. */
export interface NotebookSource {
  readonly query: QuerySource;
  runSql(sql: string): Promise<{ result: QueryResult; problems: readonly StoreDiagnostic[] }>;
}

export type CellStatus = 'ok' | 'failed' | 'not-run' | 'markdown' | 'skipped';

export interface NotebookCellRun {
  /** 1-based, counting every cell (markdown too), as the editor numbers them. */
  readonly number: number;
  readonly kind: string;
  readonly text: string;
  readonly status: CellStatus;
  readonly results: readonly QueryResult[];
  /** A failed cell's problems, each as text with its line and caret (PQL) or its message (SQL, the source). */
  readonly errors: readonly string[];
  /** The PQL problems as data, with their spans in the cell's text. */
  readonly queryErrors: readonly QueryError[];
  /** Records the source could not give a SQL cell (named by file and line). */
  readonly problems: readonly string[];
  readonly ms: number;
}

export interface NotebookRun {
  readonly cells: readonly NotebookCellRun[];
  /** The first failed cell, if any. */
  readonly failed: NotebookCellRun | undefined;
}

export interface NotebookRunOptions {
  /** What `ago()` and `now()` count from, unix seconds. */
  readonly now: number;
  /** Called as each cell finishes (the CLI prints it then). */
  readonly onCell?: (cell: NotebookCellRun) => void;
  /** Stops before the next cell (the editor's Cancel). */
  readonly signal?: AbortSignal;
}

/** The source a notebook's metadata names, resolved against the notebook's folder; undefined when it names none. */
export function notebookSourcePath(metadata: Readonly<Record<string, unknown>>, notebookPath: string): string | undefined {
  const source = metadata.source;
  if (typeof source !== 'string' || source.trim() === '') return undefined;
  // A database server is named by its URL, which is no path beside the notebook.
  if (isPostgresSource(source)) return source;
  return isAbsolute(source) ? source : resolve(dirname(notebookPath), source);
}

/** The first line of a cell, short, for "Cell 3 failed (…)". */
export function cellFirstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

const RUNNABLE = new Set(['pql', 'sql']);

export async function runNotebook(notebook: NotebookText, source: NotebookSource, options: NotebookRunOptions): Promise<NotebookRun> {
  const lets = new Map<string, Pipeline>();
  const cells: NotebookCellRun[] = [];
  let failed: NotebookCellRun | undefined;
  for (const [index, cell] of notebook.cells.entries()) {
    const number = index + 1;
    const base = { number, kind: cell.kind, text: cell.text, results: [], errors: [], queryErrors: [], problems: [], ms: 0 };
    let done: NotebookCellRun;
    if (cell.kind === 'markdown') done = { ...base, status: 'markdown' };
    else if (!RUNNABLE.has(cell.kind)) done = { ...base, status: 'skipped', problems: [messages.notebookCellSkipped(cell.kind)] };
    else if (failed !== undefined || options.signal?.aborted === true) done = { ...base, status: 'not-run' };
    else if (cell.text.trim() === '') done = { ...base, status: 'ok' };
    else {
      done = await runCell(cell.kind, cell.text, number, source, lets, options.now);
      if (done.status === 'failed') failed = done;
    }
    cells.push(done);
    options.onCell?.(done);
  }
  return { cells, failed };
}

async function runCell(kind: string, text: string, number: number, source: NotebookSource, lets: Map<string, Pipeline>, now: number): Promise<NotebookCellRun> {
  const started = performance.now();
  const base = { number, kind, text, queryErrors: [] as QueryError[], problems: [] as string[] };
  const elapsed = () => Math.round(performance.now() - started);
  const label = `cell ${number}`;
  try {
    if (kind === 'sql') {
      const { result, problems } = await source.runSql(text);
      return { ...base, status: 'ok', results: [result], errors: [], problems: problems.map((p) => p.message), ms: elapsed() };
    }
    const outcome = await runQuery(text, source.query, { now, lets });
    // A cell of lets only names results for the cells after it: in a notebook that is its whole job.
    if (outcome.errors.length > 0 && !outcome.errors.every((error) => error.code === 'only-let')) {
      return { ...base, status: 'failed', results: outcome.results, errors: outcome.errors.map((error) => formatQueryError(text, error, label)), queryErrors: outcome.errors, ms: elapsed() };
    }
    return { ...base, status: 'ok', results: outcome.results, errors: [], ms: elapsed() };
  } catch (error) {
    // A SQL error, a missing or damaged source: the cell's failure, said in the kernel's words.
    if (!(error instanceof PitwallError)) throw error;
    return { ...base, status: 'failed', results: [], errors: [`${label}: ${error.message}`], ms: elapsed() };
  }
}

/**
 * Runs notebook cells on one source in a worker thread of their own (queryWorker.ts), so that the
 * editor's thread never computes a query and a cancelled cell really stops: cancelling ends the
 * thread, wherever its work is. The next cell starts a new thread and opens the source again.
 * Kernel code: no `vscode`; the notebook controller and the tests use it alike.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../platform/workerThreads';
import type { ChartSpec } from '../charts/theme';
import { PitwallError, type PitwallErrorCode } from '../errors';
import { messages } from '../messages';
import type { SerializedError } from '../store/workerStore';
import type { Pipeline } from './ast';
import type { QueryError } from './lexer';
import type { QueryResult } from './run';

export type CellLanguage = 'pql' | 'sql';

export interface QueryWorkerData {
  readonly source: string;
  readonly wasmPath?: string;
  /** A PostgreSQL source's password, kept apart from its URL (never shown). */
  readonly password?: string;
}

export interface RunMessage {
  readonly id: number;
  readonly language: CellLanguage;
  readonly text: string;
  /** What `ago()` and `now()` count from, unix seconds. */
  readonly now: number;
  /** The `let` names of the cells before this one. */
  readonly lets: ReadonlyMap<string, Pipeline>;
}

/** A cell's answer: what `runQuery` gives, each result's chart, and the `let` names the cell added. */
export interface CellRun {
  readonly results: readonly QueryResult[];
  readonly errors: readonly QueryError[];
  readonly lets: ReadonlyMap<string, Pipeline>;
  /** Records of the source that could not be read (a SQL cell on a folder), each naming its file and line. */
  readonly problems: readonly string[];
  /** Per result: its Vega-Lite spec and the chart drawn as SVG (null when Vega could not draw it), or null without a chart. */
  readonly charts: readonly ({ readonly spec: ChartSpec & Record<string, unknown>; readonly svg: string | null } | null)[];
}

export type CellRunReply =
  | { readonly type: 'done'; readonly id: number; readonly value: CellRun }
  | { readonly type: 'failed'; readonly id: number; readonly error: SerializedError }
  /** A SQL cell's SQLite child process started (its pid) or ended (null). */
  | { readonly type: 'child'; readonly pid: number | null };

/** A cell stopped by its cancellation token: the worker's work was ended, not just left unread. */
export class CellCancelledError extends PitwallError {
  constructor() {
    super('input', messages.notebookCellCancelled());
  }
}

export interface QueryRunnerOptions {
  /** The bundled queryWorker.js. */
  readonly script: string;
  readonly wasmPath?: string;
  /** A PostgreSQL source's password, given to the thread apart from the source. */
  readonly password?: string;
}

export class QueryRunner {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (run: CellRun) => void; reject: (error: Error) => void }>();
  private closed = false;
  /** Threads started so far (one more after each cancel): tests read it. */
  threadsStarted = 0;
  /** The SQLite child process of the SQL cell running now, if any: ending the thread does not end it. */
  childPid: number | undefined;

  constructor(
    readonly source: string,
    private readonly options: QueryRunnerOptions,
  ) {}

  /** Runs one cell. An abort ends the thread at once and rejects with CellCancelledError. */
  run(request: Omit<RunMessage, 'id'>, signal?: AbortSignal): Promise<CellRun> {
    if (this.closed) return Promise.reject(new PitwallError('input', messages.notebookRunnerClosed(this.source)));
    if (signal?.aborted) return Promise.reject(new CellCancelledError());
    const worker = this.thread();
    const id = this.nextId++;
    return new Promise<CellRun>((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(id);
        reject(new CellCancelledError());
        this.stop(worker, new CellCancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (run) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(run);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      worker.postMessage({ ...request, id } satisfies RunMessage);
    });
  }

  /** Whether the thread is alive (false after a cancel or close, until the next cell starts one). */
  get threadAlive(): boolean {
    return this.worker !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (worker !== undefined) await this.stop(worker, new PitwallError('input', messages.notebookRunnerClosed(this.source)));
  }

  private thread(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = startWorker(this.options.script, { workerData: { source: this.source, ...(this.options.wasmPath === undefined ? {} : { wasmPath: this.options.wasmPath }), ...(this.options.password === undefined ? {} : { password: this.options.password }) } satisfies QueryWorkerData });
    this.threadsStarted++;
    this.worker = worker;
    worker.on('message', (reply: CellRunReply) => {
      if (reply.type === 'child') {
        this.childPid = reply.pid ?? undefined;
        return;
      }
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.type === 'done') waiting?.resolve(reply.value);
      else waiting?.reject(reply.error.code === null ? new Error(reply.error.message) : new PitwallError(reply.error.code as PitwallErrorCode, reply.error.message));
    });
    worker.on('error', (error) => this.failAll(worker, new PitwallError('internal', messages.notebookWorkerFailed(this.source, error.message), { cause: error })));
    worker.on('exit', (code) => this.failAll(worker, new PitwallError('internal', messages.notebookWorkerStopped(this.source, code))));
    return worker;
  }

  private async stop(worker: Worker, reason: Error): Promise<void> {
    this.failAll(worker, reason);
    await worker.terminate();
    // A SQL cell's SQLite process is the process's child, not the thread's: it is ended here.
    const child = this.childPid;
    this.childPid = undefined;
    if (child !== undefined) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // It had already ended.
      }
    }
  }

  private failAll(worker: Worker, reason: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const waiting of this.pending.values()) waiting.reject(reason);
    this.pending.clear();
  }
}

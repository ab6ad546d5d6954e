/**
 * The SqliteWriter for runtimes without `node:sqlite`: a long-lived python3 process running
 * writerScript.ts, real SQLite with real file locking. One request is in flight at a time. A helper
 * that dies or stops answering fails the request in flight (SQLite has rolled back whatever that
 * process had not committed) and is started afresh on the next call.
 */
import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import { spawnLineProcess, type LineProcess, type ProcessExit } from '../../platform/lineProcess';
import { sqliteWriterScript } from './writerScript';
import {
  SerialQueue,
  SqliteAttemptError,
  checkStatements,
  queryFailed,
  retryWhileBusy,
  toTransactionResult,
  type SqliteParam,
  type SqliteRow,
  type SqliteStatement,
  type SqliteTransactionResult,
  type SqliteValue,
  type SqliteWriter,
  type SqliteWriterSettings,
} from './writerShared';

export interface PythonWriterSettings extends SqliteWriterSettings {
  readonly python: string;
  /** Longest wait for one answer (one attempt of a transaction) before the helper is killed. */
  readonly requestTimeoutMs: number;
  /** Longest wait for a new helper to open the database. */
  readonly startTimeoutMs: number;
}

/** Why a helper did not start: `missing` when the python program itself could not be run. */
export class PythonHelperStartError extends Error {
  constructor(
    readonly reason: 'missing' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'PythonHelperStartError';
  }
}

// How long a closing helper may take to finish and close its connection.
const CLOSE_GRACE_MS = 5000;

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
  readonly code?: number | null;
  readonly index?: number | null;
}

interface Pending {
  readonly id: number;
  readonly resolve: (reply: Reply) => void;
  readonly reject: (error: Error) => void;
}

interface Helper {
  readonly process: LineProcess;
  readonly version: string;
  pending: Pending | undefined;
}

function describeExit(exit: ProcessExit): string {
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
  const lastLine = exit.stderr.trim().split('\n').pop()?.trim();
  return lastLine ? `${how}: ${lastLine}` : how;
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function fromJsonValue(value: unknown): SqliteValue {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  const tagged = value as { blob?: string; inf?: number };
  if (typeof tagged.blob === 'string') return new Uint8Array(Buffer.from(tagged.blob, 'hex'));
  return (tagged.inf ?? 1) > 0 ? Infinity : -Infinity;
}

export class PythonSqliteWriter implements SqliteWriter {
  private readonly queue = new SerialQueue();
  private helper: Helper | undefined;
  private lastVersion = '';
  private nextId = 1;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly settings: PythonWriterSettings,
  ) {}

  /** Starts the helper and waits until it has opened the database; throws PythonHelperStartError. */
  static async start(path: string, settings: PythonWriterSettings): Promise<PythonSqliteWriter> {
    const writer = new PythonSqliteWriter(path, settings);
    writer.adopt(await writer.launch());
    return writer;
  }

  /** The helper's process id while one runs (tests kill it to prove a transaction is all or nothing). */
  get helperPid(): number | undefined {
    return this.helper?.process.pid;
  }

  describe(): string {
    return `python3 helper (${this.settings.python}, ${this.lastVersion})`;
  }

  async transaction(statements: readonly SqliteStatement[]): Promise<SqliteTransactionResult> {
    checkStatements(statements);
    const request = { op: 'transaction', statements: statements.map((each) => [each.sql, [...each.params]]) };
    return this.queue.run(async () => {
      this.assertOpen();
      if (statements.length === 0) return { changes: [], lastInsertRowids: [] };
      const reply = await retryWhileBusy(this.path, statements.length, this.settings, () => this.request(request));
      const measured = (reply.result as [number, number | null][]).map(([changes, rowid]) => ({ changes, rowid }));
      return toTransactionResult(statements, measured);
    });
  }

  async query(sql: string, params: readonly SqliteParam[] = []): Promise<SqliteRow[]> {
    checkStatements([{ sql, params }]);
    const request = { op: 'query', sql, params: [...params] };
    return this.queue.run(async () => {
      this.assertOpen();
      let reply: Reply;
      try {
        reply = await this.request(request);
      } catch (error) {
        throw error instanceof SqliteAttemptError ? queryFailed(this.path, error) : error;
      }
      const [columns, rows] = reply.result as [string[], unknown[][]];
      return rows.map((row) => {
        const record: SqliteRow = {};
        columns.forEach((column, index) => {
          record[column] = fromJsonValue(row[index]);
        });
        return record;
      });
    });
  }

  close(): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) return;
      this.closed = true;
      const helper = this.helper;
      this.helper = undefined;
      if (!helper) return;
      // End of input makes the script close its connection and exit; a stuck one is killed.
      helper.process.end();
      const timer = setTimeout(() => helper.process.kill('SIGKILL'), CLOSE_GRACE_MS);
      await helper.process.exited;
      clearTimeout(timer);
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new PitwallError('internal', messages.sqliteWriterClosed(this.path));
  }

  /** One request to the helper, restarting it first if the last one died. Rejects with SqliteAttemptError for SQLite's errors. */
  private async request(body: Record<string, unknown>): Promise<Reply> {
    const helper = this.helper ?? (await this.restart());
    const reply = await new Promise<Reply>((resolve, reject) => {
      const id = this.nextId++;
      const timer = setTimeout(() => {
        if (helper.pending?.id !== id) return;
        helper.pending = undefined;
        this.discard(helper);
        reject(new PitwallError('io', messages.sqliteWriterTimedOut(this.path, this.settings.requestTimeoutMs / 1000)));
      }, this.settings.requestTimeoutMs);
      const settle =
        <T>(then: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          then(value);
        };
      helper.pending = { id, resolve: settle(resolve), reject: settle(reject) };
      helper.process.send(JSON.stringify({ id, ...body }));
    });
    if (!reply.ok) {
      throw new SqliteAttemptError(reply.error ?? 'unknown error', reply.code ?? undefined, reply.index ?? undefined);
    }
    return reply;
  }

  private async restart(): Promise<Helper> {
    let helper: Helper;
    try {
      helper = await this.launch();
    } catch (error) {
      throw new PitwallError('io', messages.sqliteWriterRestartFailed(this.path, (error as Error).message), { cause: error });
    }
    this.adopt(helper);
    return helper;
  }

  private launch(): Promise<Helper> {
    return startHelper(this.path, this.settings, (helper, line) => this.onLine(helper, line));
  }

  private adopt(helper: Helper): void {
    this.helper = helper;
    this.lastVersion = helper.version;
    void this.watch(helper);
  }

  private onLine(helper: Helper, line: string): void {
    const message = parseLine(line);
    const pending = helper.pending;
    if (!pending || message?.id !== pending.id) {
      // Out of step with the protocol: nothing it says can be trusted any more.
      this.discard(helper);
      return;
    }
    helper.pending = undefined;
    pending.resolve(message as unknown as Reply);
  }

  /** Fails the request in flight when the helper exits, and forgets the helper so the next call starts one. */
  private async watch(helper: Helper): Promise<void> {
    const exit = await helper.process.exited;
    if (this.helper === helper) this.helper = undefined;
    const pending = helper.pending;
    helper.pending = undefined;
    pending?.reject(new PitwallError('io', messages.sqliteWriterStopped(this.path, describeExit(exit))));
  }

  private discard(helper: Helper): void {
    if (this.helper === helper) this.helper = undefined;
    helper.process.kill('SIGKILL');
  }
}

/** Spawns the script and waits for its first line: ready, or why it could not open the database. */
function startHelper(
  path: string,
  settings: PythonWriterSettings,
  onLine: (helper: Helper, line: string) => void,
): Promise<Helper> {
  return new Promise<Helper>((resolve, reject) => {
    let helper: Helper | undefined;
    let settled = false;
    const fail = (error: PythonHelperStartError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    // -I: isolated mode, so PYTHONPATH or a sqlite3.py in the working folder cannot replace the module.
    // -S: no `site` either (the helper needs the standard library alone): site-packages' .pth files
    // run at every start, tens of milliseconds of an acknowledgment on some installations.
    const child = spawnLineProcess(settings.python, ['-I', '-S', '-c', sqliteWriterScript, path, String(settings.busyTimeoutMs)], {
      onLine: (line) => {
        if (helper) {
          onLine(helper, line);
          return;
        }
        const hello = parseLine(line);
        if (hello?.ready !== true) {
          fail(new PythonHelperStartError('failed', typeof hello?.error === 'string' ? hello.error : line));
          return;
        }
        settled = true;
        clearTimeout(timer);
        helper = { process: child, version: `Python ${String(hello.python)}, SQLite ${String(hello.sqlite)}`, pending: undefined };
        resolve(helper);
      },
    });
    const timer = setTimeout(
      () => fail(new PythonHelperStartError('failed', `no answer within ${settings.startTimeoutMs / 1000} s`)),
      settings.startTimeoutMs,
    );
    void child.exited.then((exit) => {
      if (exit.spawnError) {
        const missing = exit.spawnError.code === 'ENOENT' || exit.spawnError.code === 'EACCES';
        fail(new PythonHelperStartError(missing ? 'missing' : 'failed', exit.spawnError.message));
      } else {
        fail(new PythonHelperStartError('failed', describeExit(exit)));
      }
    });
  });
}

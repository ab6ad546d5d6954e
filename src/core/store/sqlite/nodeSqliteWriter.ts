/**
 * The SqliteWriter on Node's built-in `node:sqlite` (Node 22.13+): real SQLite in process. The
 * module is looked up at run time with process.getBuiltinModule, so Node 20 and bundlers never see
 * an import of it. Its calls are synchronous and block the event loop, so SQLite's busy wait is
 * kept short and the longer waits between retries are asynchronous.
 */
import { PitwallError } from '../../errors';
import { messages } from '../../messages';
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
  type SqliteWriter,
  type SqliteWriterSettings,
} from './writerShared';

type BoundValue = string | number | bigint | null;

/** The part of `node:sqlite` used here; @types/node for Node 20 does not declare the module. */
interface StatementSync {
  run(...params: BoundValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: BoundValue[]): Record<string, unknown> | undefined;
  all(...params: BoundValue[]): Record<string, unknown>[];
}

interface DatabaseSync {
  exec(sql: string): void;
  prepare(sql: string): StatementSync;
  close(): void;
}

export interface NodeSqliteModule {
  readonly DatabaseSync: new (path: string, options?: { enableForeignKeyConstraints?: boolean }) => DatabaseSync;
}

/** `node:sqlite` when this runtime has it (without flags), else undefined. */
export function loadNodeSqlite(): NodeSqliteModule | undefined {
  try {
    const candidate = process.getBuiltinModule?.('node:sqlite') as Partial<NodeSqliteModule> | undefined;
    return typeof candidate?.DatabaseSync === 'function' ? (candidate as NodeSqliteModule) : undefined;
  } catch {
    return undefined;
  }
}

// SQLite waits for a lock at most this long per attempt while the event loop is blocked.
const BUSY_SLICE_MS = 250;

function attemptError(error: unknown, statementIndex?: number): SqliteAttemptError {
  const { errcode, errstr, message } = error as { errcode?: number; errstr?: string; message?: string };
  return new SqliteAttemptError(message ?? errstr ?? String(error), errcode, statementIndex);
}

/** Safe integers bind as INTEGER (as the python helper binds them); other numbers as REAL. */
function bind(params: readonly SqliteParam[]): BoundValue[] {
  return params.map((value) => (typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value));
}

export class NodeSqliteWriter implements SqliteWriter {
  private readonly queue = new SerialQueue();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly db: DatabaseSync,
    private readonly settings: SqliteWriterSettings,
    private readonly version: string,
  ) {}

  /** Opens an existing database file (the caller checked that it exists); throws SQLite's error. */
  static open(sqlite: NodeSqliteModule, path: string, settings: SqliteWriterSettings): NodeSqliteWriter {
    // Foreign keys stay off, as in python3's sqlite3 and the monitoring service: the same SQL behaves the same.
    const db = new sqlite.DatabaseSync(path, { enableForeignKeyConstraints: false });
    try {
      db.exec(`PRAGMA busy_timeout = ${Math.min(BUSY_SLICE_MS, settings.busyTimeoutMs)}`);
      // Reading the schema proves the file is a database without writing anything.
      db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
      const version = db.prepare('SELECT sqlite_version() AS v').get()?.v;
      // The busy budget moves from SQLite's blocking wait to asynchronous retries.
      const attempts = Math.max(settings.busyAttempts, Math.ceil(settings.busyTimeoutMs / BUSY_SLICE_MS));
      return new NodeSqliteWriter(path, db, { ...settings, busyAttempts: attempts }, String(version));
    } catch (error) {
      db.close();
      throw error;
    }
  }

  describe(): string {
    return `node:sqlite (SQLite ${this.version})`;
  }

  async transaction(statements: readonly SqliteStatement[]): Promise<SqliteTransactionResult> {
    checkStatements(statements);
    const copies = statements.map((each) => ({ sql: each.sql, params: bind(each.params) }));
    return this.queue.run(async () => {
      this.assertOpen();
      if (copies.length === 0) return { changes: [], lastInsertRowids: [] };
      const measured = await retryWhileBusy(this.path, copies.length, this.settings, async () => this.attempt(copies));
      return toTransactionResult(statements, measured);
    });
  }

  async query(sql: string, params: readonly SqliteParam[] = []): Promise<SqliteRow[]> {
    checkStatements([{ sql, params }]);
    const bound = bind(params);
    return this.queue.run(async () => {
      this.assertOpen();
      this.db.exec('PRAGMA query_only = ON');
      try {
        return this.db.prepare(sql).all(...bound) as SqliteRow[];
      } catch (error) {
        throw queryFailed(this.path, attemptError(error));
      } finally {
        this.db.exec('PRAGMA query_only = OFF');
      }
    });
  }

  close(): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) return;
      this.closed = true;
      this.db.close();
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new PitwallError('internal', messages.sqliteWriterClosed(this.path));
  }

  private attempt(statements: readonly { sql: string; params: BoundValue[] }[]): { changes: number; rowid: number | null }[] {
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      throw attemptError(error);
    }
    try {
      const totalChanges = this.db.prepare('SELECT total_changes() AS n');
      const measured = statements.map((statement, index) => {
        try {
          const before = Number(totalChanges.get()?.n);
          const { lastInsertRowid } = this.db.prepare(statement.sql).run(...statement.params);
          return { changes: Number(totalChanges.get()?.n) - before, rowid: Number(lastInsertRowid) };
        } catch (error) {
          throw attemptError(error, index);
        }
      });
      try {
        this.db.exec('COMMIT');
      } catch (error) {
        throw attemptError(error);
      }
      return measured;
    } catch (error) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // SQLite may have rolled back already (e.g. after SQLITE_FULL); nothing is left to undo.
      }
      throw error;
    }
  }
}

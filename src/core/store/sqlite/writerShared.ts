/**
 * What both SQLite writer backends share: the public types, the checks on parameters before
 * anything reaches SQLite, the retry of a transaction that found the database locked, and the
 * mapping of SQLite's result codes to Pitwall's error codes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PitwallError, type PitwallErrorCode } from '../../errors';
import { messages } from '../../messages';

/** A value bound to a `?` placeholder. Numbers must be finite; safe integers bind as INTEGER, others as REAL. */
export type SqliteParam = string | number | null;

/** One SQL statement (exactly one: no `;`-separated lists) and the values of its placeholders. */
export interface SqliteStatement {
  readonly sql: string;
  readonly params: readonly SqliteParam[];
}

/** A value read back; integers beyond ±2^53 are refused rather than rounded. */
export type SqliteValue = string | number | null | Uint8Array;

export type SqliteRow = Record<string, SqliteValue>;

export interface SqliteTransactionResult {
  /** Rows inserted, updated or deleted by each statement (including by triggers it fired). */
  readonly changes: number[];
  /** The rowid each INSERT or REPLACE statement inserted; null for other statements and for inserts that inserted nothing. */
  readonly lastInsertRowids: (number | null)[];
}

/** Writes to one existing SQLite file that other processes may have open at the same time. */
export interface SqliteWriter {
  /**
   * Runs the statements in one transaction (`BEGIN IMMEDIATE` … `COMMIT`): all of them take effect or
   * none does. A database locked by another writer is waited for (SQLite's busy timeout) and the
   * whole transaction retried a few times with backoff. Calls queue; one runs at a time.
   */
  transaction(statements: readonly SqliteStatement[]): Promise<SqliteTransactionResult>;
  /** One read-only statement (SQLite's `query_only` is on while it runs), rows as objects by column name. */
  query(sql: string, params?: readonly SqliteParam[]): Promise<SqliteRow[]>;
  /** Lets queued calls finish, then releases the database; later calls fail. */
  close(): Promise<void>;
  /** Which backend writes, for logs: e.g. `python3 helper (/usr/bin/python3, Python 3.11.2, SQLite 3.40.1)`. */
  describe(): string;
}

export interface SqliteWriterSettings {
  readonly busyTimeoutMs: number;
  /** Attempts of one transaction while the database stays locked, the first included. */
  readonly busyAttempts: number;
}

/** One attempt's failure as a backend reports it: SQLite's message and (primary) result code. */
export class SqliteAttemptError extends Error {
  constructor(
    message: string,
    /** SQLite's result code, when known. */
    readonly sqliteCode: number | undefined,
    /** The 0-based statement that failed; undefined for BEGIN or COMMIT. */
    readonly statementIndex: number | undefined,
  ) {
    // The message goes inside a sentence of Pitwall's, which brings its own full stop.
    super(message.replace(/\.$/, ''));
    this.name = 'SqliteAttemptError';
  }

  get busy(): boolean {
    const primary = this.sqliteCode === undefined ? undefined : this.sqliteCode & 0xff;
    return primary === SQLITE_BUSY || primary === SQLITE_LOCKED;
  }
}

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

function errorCodeOf(sqliteCode: number | undefined): PitwallErrorCode {
  switch (sqliteCode === undefined ? undefined : sqliteCode & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case 19: // CONSTRAINT
      return 'conflict';
    case 8: // READONLY
      return 'read-only';
    case 11: // CORRUPT
    case 26: // NOTADB
      return 'corrupt';
    case 10: // IOERR
    case 13: // FULL
    case 14: // CANTOPEN
      return 'io';
    default:
      return 'input';
  }
}

/** The user-facing error of a transaction that was rolled back. */
export function transactionFailed(path: string, count: number, error: SqliteAttemptError): PitwallError {
  const message =
    error.statementIndex === undefined
      ? messages.sqliteTransactionFailed(path, error.message)
      : messages.sqliteStatementFailed(path, error.statementIndex + 1, count, error.message);
  return new PitwallError(errorCodeOf(error.sqliteCode), message, { cause: error });
}

export function queryFailed(path: string, error: SqliteAttemptError): PitwallError {
  return new PitwallError(errorCodeOf(error.sqliteCode), messages.sqliteQueryFailed(path, error.message), { cause: error });
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function describeParam(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return 'text with an unpaired UTF-16 surrogate';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function isValidParam(value: unknown): value is SqliteParam {
  if (value === null) return true;
  if (typeof value === 'number') return Number.isFinite(value);
  // SQLite text is UTF-8: an unpaired surrogate has no UTF-8 form and would be altered on the way.
  if (typeof value === 'string') return !LONE_SURROGATE.test(value);
  return false;
}

/** Rejects what SQLite would store differently from what was given (NaN, undefined, booleans, lone surrogates). */
export function checkStatements(statements: readonly SqliteStatement[]): void {
  statements.forEach((statement, index) => {
    if (typeof statement.sql !== 'string' || !Array.isArray(statement.params)) {
      throw new PitwallError('internal', messages.sqliteStatementMalformed(index + 1));
    }
    statement.params.forEach((value: unknown, position) => {
      if (!isValidParam(value)) {
        throw new PitwallError('input', messages.sqliteParamInvalid(index + 1, position + 1, describeParam(value)));
      }
    });
  });
}

// Leading whitespace and comments, then the verb.
const INSERT_VERB = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*(?:INSERT|REPLACE)\b/i;

/** Shapes what a backend measured into the public result: rowids only where a row was inserted. */
export function toTransactionResult(
  statements: readonly SqliteStatement[],
  measured: readonly { readonly changes: number; readonly rowid: number | null }[],
): SqliteTransactionResult {
  return {
    changes: measured.map((each) => each.changes),
    lastInsertRowids: measured.map((each, index) => {
      const sql = statements[index]?.sql ?? '';
      const inserted = each.changes > 0 && INSERT_VERB.test(sql);
      return inserted && each.rowid !== null && Number.isSafeInteger(each.rowid) ? each.rowid : null;
    }),
  };
}

/**
 * Runs `attempt` until it succeeds, fails for a reason other than a locked database, or has been
 * tried `busyAttempts` times; waits between tries (100 ms doubling to 1.6 s, with jitter so two
 * retrying writers drift apart).
 */
export async function retryWhileBusy<T>(
  path: string,
  count: number,
  settings: SqliteWriterSettings,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let tried = 1; ; tried += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof SqliteAttemptError)) throw error;
      if (!error.busy) throw transactionFailed(path, count, error);
      if (tried >= settings.busyAttempts) {
        throw new PitwallError('conflict', messages.sqliteWriteBusy(path, tried), { cause: error });
      }
      const backoff = Math.min(1600, 100 * 2 ** (tried - 1));
      await sleep(backoff * (0.5 + Math.random() / 2));
    }
  }
}

/** A queue that runs one task at a time, in call order; a failed task does not stop the next. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

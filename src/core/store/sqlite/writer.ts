/**
 * Writing to SQLite files, the way that is safe when the Python monitoring service has the same file
 * open: real SQLite transactions with file locking, through `node:sqlite` where the runtime has it,
 * else through a python3 helper process; with neither, the database is read-only and the verdict
 * says why. An existing file is never rewritten or replaced (sql.js `export()` over a live database
 * loses the other process's commits); only a brand-new file is built in memory and renamed into place.
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, delimiter, dirname, join } from 'node:path';
import { PitwallError, describeError } from '../../errors';
import { messages } from '../../messages';
import { NodeSqliteWriter, loadNodeSqlite } from './nodeSqliteWriter';
import { PythonHelperStartError, PythonSqliteWriter } from './pythonWriter';
import { loadSqlJs } from './sqlJs';
import { checkStatements, type SqliteStatement, type SqliteWriter } from './writerShared';

export type {
  SqliteParam,
  SqliteRow,
  SqliteStatement,
  SqliteTransactionResult,
  SqliteValue,
  SqliteWriter,
} from './writerShared';
export { NodeSqliteWriter } from './nodeSqliteWriter';
export { PythonSqliteWriter } from './pythonWriter';

export interface SqliteWriterOptions {
  /** `auto` (default): node:sqlite if the runtime has it, else python3. `python` skips node:sqlite. */
  readonly backend?: 'auto' | 'python';
  /** The python program; default: PITWALL_PYTHON, else the system's /usr/bin/python3, else `python3`, then `python` on PATH. */
  readonly pythonPath?: string;
  /** SQLite's busy timeout for one attempt (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** Attempts of a transaction while another process holds the write lock (default 5). */
  readonly busyAttempts?: number;
  /** Longest wait for the python helper's answer to one attempt before it is killed (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Longest wait for the python helper to start and open the database (default 15 s). */
  readonly startTimeoutMs?: number;
}

/** Whether a database can be written, and with what; `reason` is a sentence for the user. */
export type SqliteWriterVerdict =
  | { readonly writable: true; readonly writer: SqliteWriter }
  | { readonly writable: false; readonly reason: string };

function isErrno(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && 'code' in error && codes.includes(String(error.code));
}

/** The system's interpreter: it starts in about 20 ms, where a version manager's shim first on PATH adds 100 ms to every write. */
const SYSTEM_PYTHON = '/usr/bin/python3';

/** The python programs to try as the writer, in order. */
function pythonCandidates(options: SqliteWriterOptions): string[] {
  if (options.pythonPath) return [options.pythonPath];
  const chosen = process.env.PITWALL_PYTHON;
  if (chosen) return [chosen];
  return [...(existsSync(SYSTEM_PYTHON) ? [SYSTEM_PYTHON] : []), 'python3', 'python'];
}

function onPath(command: string): boolean {
  if (command.includes('/')) return existsSync(command);
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Whether `openSqliteWriter` would give a writer, without opening one: a read-only caller (a
 * summary) must not connect read-write, since SQLite checkpoints and removes the -wal file when
 * its last connection closes. The real verdict comes with the first write.
 */
export function predictSqliteWriter(path: string, options: SqliteWriterOptions = {}): { writable: true } | { writable: false; reason: string } {
  if (!existsSync(path)) throw new PitwallError('not-found', messages.sqliteNotFound(path));
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    accessSync(dirname(path), constants.W_OK);
  } catch (error) {
    return { writable: false, reason: messages.sqliteReadOnlyNotWritable(path, describeError(error)) };
  }
  if (options.backend !== 'python' && loadNodeSqlite()) return { writable: true };
  const candidates = pythonCandidates(options);
  if (candidates.some(onPath)) return { writable: true };
  return { writable: false, reason: messages.sqliteReadOnlyNoWriter(path, candidates[0] ?? 'python3') };
}

/**
 * Opens a writer for an existing SQLite file. Throws a `not-found` PitwallError when there is no
 * file; every other reason it cannot write comes back as a read-only verdict.
 */
export async function openSqliteWriter(path: string, options: SqliteWriterOptions = {}): Promise<SqliteWriterVerdict> {
  if (!existsSync(path)) throw new PitwallError('not-found', messages.sqliteNotFound(path));
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch (error) {
    return { writable: false, reason: messages.sqliteReadOnlyNotWritable(path, describeError(error)) };
  }
  const settings = {
    busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    busyAttempts: Math.max(1, options.busyAttempts ?? 5),
  };

  const nodeSqlite = options.backend === 'python' ? undefined : loadNodeSqlite();
  if (nodeSqlite) {
    try {
      return { writable: true, writer: NodeSqliteWriter.open(nodeSqlite, path, settings) };
    } catch (error) {
      return { writable: false, reason: messages.sqliteReadOnlyOpenFailed(path, 'node:sqlite', describeError(error)) };
    }
  }

  const candidates = pythonCandidates(options);
  let failure: { python: string; detail: string } | undefined;
  for (const python of candidates) {
    try {
      const writer = await PythonSqliteWriter.start(path, {
        ...settings,
        python,
        requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
        startTimeoutMs: options.startTimeoutMs ?? 15_000,
      });
      return { writable: true, writer };
    } catch (error) {
      if (!(error instanceof PythonHelperStartError)) throw error;
      if (error.reason === 'failed') failure ??= { python, detail: error.message };
    }
  }
  const reason = failure
    ? messages.sqliteReadOnlyOpenFailed(path, failure.python, failure.detail)
    : messages.sqliteReadOnlyNoWriter(path, candidates[0] ?? 'python3');
  return { writable: false, reason };
}

export interface NewDatabaseOptions {
  /** `sql-wasm.wasm` next to a bundled extension; defaults to node_modules. */
  readonly wasmPath?: string;
}

/**
 * Creates a BRAND-NEW database file: runs the statements (schema and rows) in sql.js in memory,
 * writes the image to a temporary file in the same folder, fsyncs it and moves it into place.
 * Refuses when the file exists, and when a `-wal` or `-journal` of that name is left over (SQLite
 * would apply it to the new file). The statements are a list, checked whole before anything runs,
 * or a stream (a generator, sync or async), checked one by one as it is read, so that a million
 * rows never have to be held as statements at once.
 */
export async function createNewDatabase(
  path: string,
  statements: Iterable<SqliteStatement> | AsyncIterable<SqliteStatement>,
  options: NewDatabaseOptions = {},
): Promise<void> {
  const listed = Array.isArray(statements) ? (statements as readonly SqliteStatement[]) : undefined;
  if (listed) checkStatements(listed);
  refuseExisting(path);
  const sql = await loadSqlJs({ wasmPath: options.wasmPath });
  const db = new sql.Database();
  let image: Uint8Array;
  try {
    db.run('BEGIN');
    let number = 0;
    for await (const statement of statements) {
      number += 1;
      if (!listed) checkStreamed(statement, number);
      try {
        db.run(statement.sql, [...statement.params]);
      } catch (cause) {
        const detail = describeError(cause);
        const message = listed
          ? messages.sqliteNewDatabaseStatementFailed(path, number, listed.length, detail)
          : messages.migrationStatementFailed(path, number, detail);
        throw new PitwallError('input', message, { cause });
      }
    }
    db.run('COMMIT');
    image = db.export();
  } finally {
    db.close();
  }
  try {
    placeNewFile(path, image);
  } catch (cause) {
    if (cause instanceof PitwallError) throw cause;
    throw new PitwallError('io', messages.sqliteNewDatabaseWriteFailed(path, describeError(cause)), { cause });
  }
}

/** Checks one statement of a stream; a refusal names it by its place in the stream. */
function checkStreamed(statement: SqliteStatement, number: number): void {
  try {
    checkStatements([statement]);
  } catch {
    // checkStatements numbers by index and skips holes: check it again at its place, for the message.
    const placed: SqliteStatement[] = [];
    placed[number - 1] = statement;
    checkStatements(placed);
  }
}

function refuseExisting(path: string): void {
  if (existsSync(path)) throw new PitwallError('conflict', messages.sqliteNewDatabaseExists(path));
  for (const leftover of [`${path}-wal`, `${path}-journal`]) {
    if (existsSync(leftover)) throw new PitwallError('conflict', messages.sqliteNewDatabaseLeftover(path, leftover));
  }
}

function placeNewFile(path: string, image: Uint8Array): void {
  const folder = dirname(path);
  const temp = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o644);
  try {
    try {
      for (let written = 0; written < image.length; ) {
        written += writeSync(fd, image, written, image.length - written);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    moveIntoPlace(temp, path);
  } finally {
    if (existsSync(temp)) unlinkSync(temp);
  }
  syncFolder(folder);
}

/** link() fails if the target exists, so a file that appeared meanwhile is never replaced. */
function moveIntoPlace(temp: string, path: string): void {
  try {
    linkSync(temp, path);
    return;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) throw new PitwallError('conflict', messages.sqliteNewDatabaseExists(path));
    // Some file systems have no hard links; there the last check and rename are as close as it gets.
    if (existsSync(path)) throw new PitwallError('conflict', messages.sqliteNewDatabaseExists(path));
  }
  renameSync(temp, path);
}

/** Makes the new directory entry durable; folders cannot be opened for fsync on Windows. */
function syncFolder(folder: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Read-only snapshots of a SQLite file as sql.js databases: the main file and its `-wal` are read
 * together, committed WAL frames applied, and the pair re-checked afterwards, so a snapshot is
 * never a mix of before and after a writer's commit or checkpoint. A change later (size, mtime,
 * database header, WAL header) is answered with a whole new snapshot, never a patch.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database, SqlJsStatic } from 'sql.js';
import { PitwallError, describeError } from '../../errors';
import { messages } from '../../messages';
import { attachLazyFile, LazyFile } from './lazyFile';
import { PageSource } from './pageSource';
import { sqliteTables } from './schema';
import { loadSqlJs } from './sqlJs';
import { mergeWal, readDatabaseHeader, type WalMergeReport } from './wal';

const DATABASE_HEAD_BYTES = 100;
const WAL_HEAD_BYTES = 32;
const QUICK_CHECK_PROBLEMS = 10;
/**
 * A database read page by page is quick-checked at open only up to this size: the check reads
 * every page, which is what reading page by page avoids. A larger file's damage is reported by
 * the query that meets it.
 */
const LAZY_QUICK_CHECK_BYTES = 16 << 20;

/** What identifies a version of a file cheaply. */
export interface FileStamp {
  readonly size: number;
  readonly mtimeNs: bigint;
  readonly ino: bigint;
}

/** The file operations a snapshot needs, so tests can change files between the reads. */
export interface SnapshotFiles {
  /** undefined when the file does not exist. */
  stat(path: string): FileStamp | undefined;
  /** The whole file; undefined when it does not exist. */
  read(path: string): Uint8Array | undefined;
  /** The first `length` bytes (fewer for a shorter file); undefined when it does not exist. */
  readHead(path: string, length: number): Uint8Array | undefined;
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

function readFailed(path: string, cause: unknown): PitwallError {
  return new PitwallError('io', messages.sqliteReadFailed(path, describeError(cause)), { cause });
}

/**
 * A pipe or device in a database file's place would block a read forever: refuse it first.
 * False when there is no file at all.
 */
function refuseIrregular(path: string): boolean {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    if (isMissing(error)) return false;
    throw readFailed(path, error);
  }
  if (!stats.isFile()) throw new PitwallError('format', messages.notRegularFile(path));
  return true;
}

/** A descriptor for reading a regular file; undefined when there is no file. */
function openForReading(path: string): number | undefined {
  if (!refuseIrregular(path)) return undefined;
  try {
    return openSync(path, 'r');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw readFailed(path, error);
  }
}

export const nodeSnapshotFiles: SnapshotFiles = {
  stat(path) {
    try {
      const stats = statSync(path, { bigint: true });
      return { size: Number(stats.size), mtimeNs: stats.mtimeNs, ino: stats.ino };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw readFailed(path, error);
    }
  },
  read(path) {
    if (!refuseIrregular(path)) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw readFailed(path, error);
    }
  },
  readHead(path, length) {
    const fd = openForReading(path);
    if (fd === undefined) return undefined;
    try {
      const head = new Uint8Array(length);
      const read = readSync(fd, head, 0, length, 0);
      return head.subarray(0, read);
    } catch (error) {
      throw readFailed(path, error);
    } finally {
      closeSync(fd);
    }
  },
};

export type SqliteNotice =
  | { readonly kind: 'missing-table'; readonly table: string; readonly message: string }
  | { readonly kind: 'missing-column'; readonly table: string; readonly column: string; readonly message: string }
  | { readonly kind: 'wal-ignored'; readonly message: string }
  | { readonly kind: 'quick-check'; readonly problems: readonly string[]; readonly message: string };

export interface SqliteColumnRef {
  readonly table: string;
  readonly column: string;
}

export interface SqliteSnapshot {
  /** The merged image, opened in sql.js with `query_only` on: changing it could not reach the file anyway. */
  readonly database: Database;
  readonly wal: WalMergeReport;
  /** `PRAGMA quick_check`'s rows: `['ok']` for a sound database, empty when the check is off. */
  readonly quickCheck: readonly string[];
  /** Expected tables (see schema.ts) the database lacks: an older schema. */
  readonly missingTables: readonly string[];
  /** Expected columns of present tables that the database lacks. */
  readonly missingColumns: readonly SqliteColumnRef[];
  /** Everything above worth telling the user, one sentence each; none of it stopped the open. */
  readonly notices: readonly SqliteNotice[];
  /** How many reads it took to see both files unchanged from start to end. */
  readonly attempts: number;
}

export interface SqliteSnapshotOptions {
  /** `sql-wasm.wasm` next to a bundled extension; defaults to node_modules. */
  readonly wasmPath?: string;
  /** Reads of the file pair before giving up on a database that keeps changing (default 8). */
  readonly maxAttempts?: number;
  /**
   * `strict` (default): a failed `PRAGMA quick_check` is a `corrupt` error; `report`: open anyway
   * and add a notice, for salvaging what is readable; `off`: skip it (very large files).
   */
  readonly quickCheck?: 'strict' | 'report' | 'off';
  readonly files?: SnapshotFiles;
  /**
   * Read pages from the file as queries need them instead of the whole file (default: true,
   * unless `files` is given). Falls back to a whole read where sql.js cannot read that way.
   */
  readonly lazy?: boolean;
}

interface Settings {
  readonly maxAttempts: number;
  readonly quickCheck: 'strict' | 'report' | 'off';
  readonly files: SnapshotFiles;
  readonly lazy: boolean;
}

interface FileState {
  readonly stamp: FileStamp;
  readonly head: Uint8Array;
}

/** The main file and the WAL as they were when a snapshot was taken. */
interface Fingerprint {
  readonly db: FileState | undefined;
  readonly wal: FileState | undefined;
}

interface ConsistentRead {
  readonly db: Uint8Array;
  readonly wal: Uint8Array | undefined;
  readonly fingerprint: Fingerprint;
  readonly attempts: number;
}

function walPathOf(path: string): string {
  return `${path}-wal`;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}

function readFileState(files: SnapshotFiles, path: string, headBytes: number): FileState | undefined {
  const stamp = files.stat(path);
  if (!stamp) return undefined;
  const head = files.readHead(path, headBytes);
  // Deleted between the two calls: the next comparison sees the difference.
  return head ? { stamp, head } : undefined;
}

function readFingerprint(files: SnapshotFiles, path: string): Fingerprint {
  return {
    db: readFileState(files, path, DATABASE_HEAD_BYTES),
    wal: readFileState(files, walPathOf(path), WAL_HEAD_BYTES),
  };
}

function sameState(a: FileState | undefined, b: FileState | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.stamp.size === b.stamp.size &&
    a.stamp.mtimeNs === b.stamp.mtimeNs &&
    a.stamp.ino === b.stamp.ino &&
    bytesEqual(a.head, b.head)
  );
}

function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return sameState(a.db, b.db) && sameState(a.wal, b.wal);
}

/** The bytes read are the version the state describes (same length, same header). */
function matchesState(bytes: Uint8Array | undefined, state: FileState | undefined): boolean {
  if (!bytes || !state) return bytes === state;
  return bytes.length === state.stamp.size && bytesEqual(bytes.subarray(0, state.head.length), state.head);
}

/**
 * Reads the main file and the WAL, then checks that neither changed from before the first read to
 * after the second; otherwise waits a little (a writer is mid-commit or mid-checkpoint) and rereads.
 */
async function readConsistentFiles(path: string, settings: Settings): Promise<ConsistentRead> {
  const { files, maxAttempts } = settings;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const before = readFingerprint(files, path);
    if (!before.db) throw new PitwallError('not-found', messages.sqliteNotFound(path));
    const db = files.read(path);
    const wal = files.read(walPathOf(path));
    const after = readFingerprint(files, path);
    if (db && sameFingerprint(before, after) && matchesState(db, after.db) && matchesState(wal, after.wal)) {
      return { db, wal, fingerprint: after, attempts: attempt };
    }
    await sleep(5 * attempt);
  }
  throw new PitwallError('conflict', messages.sqliteKeptChanging(path, maxAttempts));
}

/** What identifies the state of a database and its WAL, to tell whether they changed between two moments. */
export type SqliteFingerprint = Fingerprint;

export function sqliteFingerprint(path: string): SqliteFingerprint {
  return readFingerprint(nodeSnapshotFiles, path);
}

export function sameSqliteFingerprint(a: SqliteFingerprint, b: SqliteFingerprint): boolean {
  return sameFingerprint(a, b);
}

/** Whether the main file is the same in both (whatever the WAL did): a page it holds reads the same. */
export function sameMainFile(a: SqliteFingerprint, b: SqliteFingerprint): boolean {
  return a.db !== undefined && sameState(a.db, b.db);
}

/** A sql.js failure on a file that passed the header checks, as a PitwallError naming the file. */
function sqliteFailure(path: string, cause: unknown): PitwallError {
  const detail = describeError(cause);
  if (/unsupported file format/i.test(detail)) {
    return new PitwallError('unsupported', messages.sqliteUnsupported(path, detail), { cause });
  }
  return new PitwallError('corrupt', messages.sqliteCorrupt(path, detail), { cause });
}

/** Rejects an image shorter than its header says, or cut inside a page, before SQLite misreads it. */
function checkImageLength(path: string, image: Uint8Array): void {
  if (image.length === 0) return;
  const header = readDatabaseHeader(image, path);
  const wholePages = Math.ceil(image.length / header.pageSize);
  const expectedBytes = Math.max(header.pageCount ?? 0, wholePages) * header.pageSize;
  if (image.length < expectedBytes) {
    throw new PitwallError('corrupt', messages.sqliteTruncated(path, expectedBytes, image.length));
  }
}

/** `PRAGMA quick_check`'s findings, one line each (SQLite packs several lines into a row). */
function runQuickCheck(database: Database): string[] {
  try {
    const result = database.exec(`PRAGMA quick_check(${QUICK_CHECK_PROBLEMS})`);
    return (result[0]?.values ?? [])
      .flatMap((row) => String(row[0]).split('\n'))
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('*** in database'));
  } catch (cause) {
    // Damage bad enough to stop the check itself is reported as its one problem.
    return [describeError(cause)];
  }
}

interface SchemaCoverage {
  readonly missingTables: string[];
  readonly missingColumns: SqliteColumnRef[];
}

function inspectSchema(database: Database): SchemaCoverage {
  const present = new Set(
    (database.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map((row) =>
      String(row[0]).toLowerCase(),
    ),
  );
  const missingTables: string[] = [];
  const missingColumns: SqliteColumnRef[] = [];
  const columnsOf = database.prepare('SELECT name FROM pragma_table_info(?)');
  try {
    for (const table of sqliteTables) {
      if (!present.has(table.name)) {
        missingTables.push(table.name);
        continue;
      }
      const columns = new Set<string>();
      columnsOf.bind([table.name]);
      while (columnsOf.step()) columns.add(String(columnsOf.get()[0]).toLowerCase());
      columnsOf.reset();
      for (const column of table.columns) {
        if (!columns.has(column.name)) missingColumns.push({ table: table.name, column: column.name });
      }
    }
  } finally {
    columnsOf.free();
  }
  return { missingTables, missingColumns };
}

function openImage(path: string, sql: SqlJsStatic, image: Uint8Array, settings: Settings) {
  let database: Database;
  try {
    database = new sql.Database(image);
  } catch (error) {
    throw sqliteFailure(path, error);
  }
  return inspectDatabase(path, database, settings, true);
}

/** Checks a freshly opened database (quick_check when asked) and what its schema lacks; closes it on failure. */
function inspectDatabase(path: string, database: Database, settings: Settings, checkNow: boolean) {
  try {
    // sql.js reads nothing until the first statement: this one makes SQLite read the header and parse the schema.
    database.exec('SELECT count(*) FROM sqlite_master');
    database.exec('PRAGMA query_only = 1');
    const quickCheck = settings.quickCheck === 'off' || !checkNow ? [] : runQuickCheck(database);
    const sound = quickCheck.length === 0 || (quickCheck.length === 1 && quickCheck[0] === 'ok');
    if (!sound && settings.quickCheck === 'strict') {
      throw new PitwallError('corrupt', messages.sqliteQuickCheckFailed(path, quickCheck));
    }
    return { database, quickCheck, sound, ...inspectSchema(database) };
  } catch (error) {
    database.close();
    throw error instanceof PitwallError ? error : sqliteFailure(path, error);
  }
}

interface TakenSnapshot {
  readonly snapshot: SqliteSnapshot;
  readonly fingerprint: Fingerprint;
  /** The file a snapshot read page by page keeps open; undefined for one read whole. */
  readonly pages?: PageSource;
}

type Opened = ReturnType<typeof inspectDatabase>;

async function takeSnapshot(path: string, sql: SqlJsStatic, settings: Settings): Promise<TakenSnapshot> {
  if (settings.lazy) {
    const lazy = await takeLazySnapshot(path, sql, settings);
    if (lazy !== undefined) return lazy;
  }
  const read = await readConsistentFiles(path, settings);
  const { image, report } = mergeWal(read.db, read.wal, path);
  checkImageLength(path, image);
  return describeSnapshot(path, openImage(path, sql, image, settings), report, read.fingerprint, read.attempts);
}

/**
 * A snapshot that reads pages as queries need them: the WAL's committed pages held, the main file
 * read in place. It is good while the main file stays as it was (a checkpoint or a rollback-mode
 * writer changes it): `SqliteSnapshotReader.isTorn` tells, and readers take a new one then.
 * Undefined for an empty file, or when this sql.js cannot read that way.
 */
async function takeLazySnapshot(path: string, sql: SqlJsStatic, settings: Settings): Promise<TakenSnapshot | undefined> {
  for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
    const pages = PageSource.open(path);
    try {
      if (pages.pageCount === 0) {
        pages.close();
        return undefined;
      }
      const header = readDatabaseHeader(pages.page(1), path);
      const expected = Math.max(header.pageCount ?? 0, pages.pageCount) * header.pageSize;
      if (pages.pageCount * pages.pageSize < expected) throw new PitwallError('corrupt', messages.sqliteTruncated(path, expected, pages.pageCount * pages.pageSize));
      let database: Database | undefined;
      try {
        database = attachLazyFile(sql, new LazyFile(pages));
      } catch (error) {
        throw sqliteFailure(path, error);
      }
      if (database === undefined) {
        pages.close();
        return undefined;
      }
      // Pages come from the file now, not memory: a larger page cache (16 MiB) keeps what the queries of one question share.
      database.exec('PRAGMA cache_size = -16384');
      const opened = inspectDatabase(path, database, settings, pages.pageCount * pages.pageSize <= LAZY_QUICK_CHECK_BYTES);
      const after = readFingerprint(settings.files, path);
      if (sameFingerprint(pages.fingerprint, after)) return { ...describeSnapshot(path, opened, pages.wal, after, attempt), pages };
      opened.database.close();
      pages.close();
    } catch (error) {
      pages.close();
      throw error;
    }
    await sleep(5 * attempt);
  }
  throw new PitwallError('conflict', messages.sqliteKeptChanging(path, settings.maxAttempts));
}

function describeSnapshot(path: string, opened: Opened, report: WalMergeReport, fingerprint: Fingerprint, attempts: number): TakenSnapshot {
  const notices: SqliteNotice[] = [];
  if (report.status === 'invalid-header') {
    notices.push({ kind: 'wal-ignored', message: messages.walInvalidHeader(walPathOf(path)) });
  }
  if (!opened.sound) {
    notices.push({
      kind: 'quick-check',
      problems: opened.quickCheck,
      message: messages.sqliteQuickCheckFailed(path, opened.quickCheck),
    });
  }
  for (const table of opened.missingTables) {
    notices.push({ kind: 'missing-table', table, message: messages.sqliteMissingTable(path, table) });
  }
  for (const { table, column } of opened.missingColumns) {
    notices.push({ kind: 'missing-column', table, column, message: messages.sqliteMissingColumn(path, table, column) });
  }
  return {
    snapshot: {
      database: opened.database,
      wal: report,
      quickCheck: opened.quickCheck,
      missingTables: opened.missingTables,
      missingColumns: opened.missingColumns,
      notices,
      attempts,
    },
    fingerprint,
  };
}

function release(taken: TakenSnapshot): void {
  taken.snapshot.database.close();
  taken.pages?.close();
}

/**
 * Holds the current snapshot of one SQLite file. Callers take `database` afresh after
 * `refreshIfChanged()` returns true: the previous one is closed then.
 */
export class SqliteSnapshotReader {
  private taken: TakenSnapshot;
  private refreshing: Promise<boolean> | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly sql: SqlJsStatic,
    private readonly settings: Settings,
    taken: TakenSnapshot,
  ) {
    this.taken = taken;
  }

  /** Loads sql.js if needed and takes the first snapshot; throws a PitwallError naming the file. */
  static async open(path: string, options: SqliteSnapshotOptions = {}): Promise<SqliteSnapshotReader> {
    const sql = await loadSqlJs({ wasmPath: options.wasmPath });
    const settings: Settings = {
      maxAttempts: Math.max(1, options.maxAttempts ?? 8),
      quickCheck: options.quickCheck ?? 'strict',
      files: options.files ?? nodeSnapshotFiles,
      lazy: options.lazy ?? options.files === undefined,
    };
    return new SqliteSnapshotReader(path, sql, settings, await takeSnapshot(path, sql, settings));
  }

  get snapshot(): SqliteSnapshot {
    return this.taken.snapshot;
  }

  get database(): Database {
    return this.taken.snapshot.database;
  }

  get notices(): readonly SqliteNotice[] {
    return this.taken.snapshot.notices;
  }

  /** True when the main file or the WAL differs (size, mtime, inode, header) from the snapshot's. */
  isStale(): boolean {
    return !sameFingerprint(this.taken.fingerprint, readFingerprint(this.settings.files, this.path));
  }

  /** The pages of a snapshot read page by page (undefined for one read whole), for readers that decode b-trees themselves. */
  get pages(): PageSource | undefined {
    return this.taken.pages;
  }

  /** Whether this snapshot reads pages from the file as queries need them. */
  get lazy(): boolean {
    return this.taken.pages !== undefined;
  }

  /**
   * True when pages read since the snapshot was taken may not belong to it: it reads the main
   * file in place, and the file changed (a checkpoint, a rollback-mode writer). A snapshot read
   * whole is never torn.
   */
  isTorn(): boolean {
    if (this.taken.pages === undefined) return false;
    return !sameState(this.taken.fingerprint.db, readFileState(this.settings.files, this.path, DATABASE_HEAD_BYTES));
  }

  /**
   * Takes a whole new snapshot if the files changed and closes the old one; true if it did. A failed
   * refresh throws and leaves the current snapshot in place.
   */
  refreshIfChanged(): Promise<boolean> {
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Frees the sql.js database; the reader is not used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    release(this.taken);
  }

  private async refresh(): Promise<boolean> {
    if (this.closed || !this.isStale()) return false;
    const next = await takeSnapshot(this.path, this.sql, this.settings);
    if (this.closed) {
      release(next);
      return false;
    }
    release(this.taken);
    this.taken = next;
    return true;
  }
}

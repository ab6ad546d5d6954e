/**
 * SQL over a monitoring source, in SQLite's dialect. A SQLite file is queried itself, read-only:
 * by real SQLite in a python3 child where it can open the file read-only (nativeSql.ts), else
 * through the same snapshot the store reads (main file and committed WAL frames together). A
 * JSONL folder is loaded into an in-memory database with the Python system's table layout (the
 * migration's mapping of records to rows), each table only when a query first names it, so
 * `select count(*) from alerts` never reads predictions.jsonl. A PostgreSQL source runs the
 * statement on its server, in PostgreSQL's dialect (postgresSql.ts).
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Database, SqlValue } from 'sql.js';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import { FolderSource } from '../store/migration/folderSource';
import { bulkInserts, TABLES, type MigrationTable } from '../store/migration/tables';
import type { StoreDiagnostic } from '../store/store';
import { sqliteSchemaStatements } from '../store/sqlite/schema';
import { SqliteSnapshotReader } from '../store/sqlite/snapshot';
import { loadSqlJs } from '../store/sqlite/sqlJs';
import { isPostgresSource } from '../store/postgres/connection';
import { runSqlNatively, type ChildWatcher } from './nativeSql';
import { runSqlOnPostgres } from './postgresSql';
import type { QueryResult, ResultColumn } from './run';

const SERVICE_TABLES = Object.keys(TABLES) as MigrationTable[];

/** The service's tables a SQL text names (a word match: naming one in a comment loads it too, which is harmless). */
export function tablesNamed(sql: string): MigrationTable[] {
  return SERVICE_TABLES.filter((table) => new RegExp(`(^|[^A-Za-z0-9_$])${table}($|[^A-Za-z0-9_$])`, 'i').test(sql));
}

/** A folder's records as the Python system's tables, in memory, loaded a table at a time as queries name them. */
export class FolderDatabase {
  private readonly loaded = new Set<MigrationTable>();
  private prepared: FolderSource | undefined;

  private constructor(
    readonly folder: string,
    readonly database: Database,
  ) {}

  static async open(folder: string, wasmPath?: string): Promise<FolderDatabase> {
    const sql = await loadSqlJs({ wasmPath });
    const database = new sql.Database();
    for (const statement of sqliteSchemaStatements) database.run(statement);
    return new FolderDatabase(folder, database);
  }

  /** Which tables have been loaded so far. */
  get tables(): readonly MigrationTable[] {
    return [...this.loaded];
  }

  /** Loads the tables that `sql` names and that are not loaded yet. */
  async ensure(sql: string): Promise<void> {
    for (const table of tablesNamed(sql)) {
      if (this.loaded.has(table)) continue;
      const source = await this.source();
      for await (const batch of source.tableRows(table)) {
        const rows = batch.flatMap((item) => (item.kind === 'row' ? [item.values] : []));
        for (const insert of bulkInserts(TABLES[table], rows)) this.database.run(insert.sql, insert.params as SqlValue[]);
      }
      this.loaded.add(table);
    }
  }

  close(): void {
    this.database.close();
  }

  /** The lines and records the tables loaded so far could not take, each naming its file, line and field. */
  get problems(): readonly StoreDiagnostic[] {
    return this.prepared?.diagnostics ?? [];
  }

  /** Each file is read once (a table is loaded once), so one prepared source serves every table. */
  private async source(): Promise<FolderSource> {
    if (this.prepared === undefined) {
      const source = new FolderSource(this.folder);
      await source.prepare();
      this.prepared = source;
    }
    return this.prepared;
  }
}

/** Runs SQL on a source path: a folder through a FolderDatabase, a file through a read-only snapshot. */
export async function runSqlOnSource(
  path: string,
  sql: string,
  options: { readonly wasmPath?: string; readonly watchChild?: ChildWatcher; readonly password?: string } = {},
): Promise<{ result: QueryResult; problems: readonly StoreDiagnostic[] }> {
  if (isPostgresSource(path)) {
    const answer = await runSqlOnPostgres(path, sql, options.password);
    return { result: resultOf(answer.columns, answer.rows, sql), problems: [] };
  }
  const absolute = resolve(path);
  const info = await stat(absolute).catch((cause: unknown) => {
    throw new PitwallError('not-found', messages.sourceNotFound(absolute), { cause });
  });
  if (info.isDirectory()) {
    const folder = await FolderDatabase.open(absolute, options.wasmPath);
    try {
      await folder.ensure(sql);
      return { result: runSql(folder.database, sql), problems: folder.problems };
    } finally {
      folder.close();
    }
  }
  // Real SQLite when it can read the file (native speed, only the pages the query needs); else a sql.js snapshot.
  if (sql.trim() === '') throw new PitwallError('input', messages.sqlNeedsStatement());
  const native = await runSqlNatively(absolute, sql, options.watchChild);
  if (native?.kind === 'sql-error') throw new PitwallError('input', messages.sqlFailed(native.message));
  if (native?.kind === 'answer') return { result: resultOf(native.answer.columns, native.answer.rows, sql), problems: [] };
  const reader = await SqliteSnapshotReader.open(absolute, { ...(options.wasmPath === undefined ? {} : { wasmPath: options.wasmPath }), quickCheck: 'report' });
  try {
    return { result: runSql(reader.database, sql), problems: [] };
  } finally {
    reader.close();
  }
}

/** Runs every statement of `sql`; the result is the last one that returns columns (or an empty table). */
export function runSql(database: Database, sql: string): QueryResult {
  if (sql.trim() === '') throw new PitwallError('input', messages.sqlNeedsStatement());
  let columns: string[] = [];
  let rows: SqlValue[][] = [];
  try {
    for (const statement of database.iterateStatements(sql)) {
      try {
        const names = statement.getColumnNames();
        const found: SqlValue[][] = [];
        while (statement.step()) found.push(statement.get());
        if (names.length > 0) {
          columns = names;
          rows = found;
        }
      } finally {
        statement.free();
      }
    }
  } catch (error) {
    throw new PitwallError('input', messages.sqlFailed(error instanceof Error ? error.message : String(error)), { cause: error });
  }
  return resultOf(columns, rows.map((row) => row.map(valueOf)), sql);
}

/** The last statement's columns and rows as a result table. */
function resultOf(columns: readonly string[], rows: readonly (readonly (string | number | null)[])[], sql: string): QueryResult {
  const names = uniqueNames(columns);
  const objects = rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i] ?? null])));
  return { kind: 'sql', columns: names.map((name) => columnOf(name, objects)), rows: objects, chart: null, sql, span: { start: 0, end: sql.length } };
}

/** `id`, `id_2`: two columns of one name (a join) both kept. */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}_${count}`;
  });
}

/** A blob as hex text (x'…'), so a row is always JSON. */
function valueOf(value: SqlValue): string | number | null {
  if (value instanceof Uint8Array) return `x'${Buffer.from(value).toString('hex')}'`;
  return value;
}

function columnOf(name: string, rows: readonly Record<string, unknown>[]): ResultColumn {
  const present = rows.map((row) => row[name]).filter((value) => value !== null);
  return { name, type: present.length > 0 && present.every((value) => typeof value === 'number') ? 'number' : 'string' };
}

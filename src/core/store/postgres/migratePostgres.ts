/**
 * Migration into and out of PostgreSQL: a JSONL folder or a SQLite file into a PostgreSQL
 * database, and a PostgreSQL database into a new SQLite file. Every table is copied row for row
 * under the same row ids (so alert keys, acknowledgment comments' alert rows and the delivery log
 * still name the same alerts), the Python system's tables and Pitwall's own (`pitwall_*`), and the
 * serial sequences continue after the copied ids.
 *
 * - Into PostgreSQL the target must hold no monitoring rows yet (a fresh database, or the schema
 *   with empty tables): rows are never merged into a database the service already writes to. The
 *   Python tables it lacks are created as SQLAlchemy creates them; Pitwall's tables only when the
 *   source has rows for them. The copy is one transaction, many rows to an INSERT: a failure leaves
 *   the target as it was. A dry run makes the same copy and rolls it back, so its counts are exact.
 * - A JSONL folder goes through the folder migration (migrate.ts) into a temporary SQLite file first:
 *   its report (lines read, skipped, renamed) is the folder's, as for a migration into SQLite.
 * - A row of a SQLite file whose value PostgreSQL would refuse (a time that is no time, JSON text
 *   that is not JSON, a boolean that is not 0 or 1) is not copied and is named (table, row, column);
 *   the rest is copied.
 * - Out of PostgreSQL the target is a new SQLite file, built whole and moved into place, or a new
 *   JSONL folder (migrateToJsonl.ts).
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Client } from 'pg';
import type { Database } from 'sql.js';
import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import { parseTimestamp, toIsoText } from '../../model/timestamps';
import { ALERT_CONTEXT_TABLE_SQL } from '../alertContextRecords';
import { migrateJsonlToSqlite, type MigrationOptions, type PrintableMigrationReport } from '../migrate';
import type { Tally } from '../migration/folderSource';
import { sqliteSchemaStatements, sqliteTables } from '../sqlite/schema';
import { SqliteSnapshotReader } from '../sqlite/snapshot';
import { ACKNOWLEDGMENTS_TABLE_SQL, ALERT_KEYS_TABLE_SQL, ALERT_STATE_TABLE_SQL, DELIVERIES_TABLE_SQL, SILENCES_TABLE_SQL } from '../sqlite/sqliteStore';
import { createNewDatabase, type SqliteStatement } from '../sqlite/writer';
import type { StoreDiagnostic } from '../store';
import { connectPostgres, describeAddress, isPostgresSource, postgresSettingsOf, toPitwallError } from './connection';
import { isFolderTarget, migratePostgresToJsonl } from './migrateToJsonl';
import { PITWALL_TABLE_SQL, type PitwallTableName } from './pitwallTables';
import { postgresTableStatements } from './schema';

/** How a column's values cross between the two databases. */
type ColumnKind = 'time' | 'bool' | 'json' | 'plain';

interface CopiedColumn {
  readonly name: string;
  readonly kind: ColumnKind;
}

interface CopiedTable {
  readonly name: string;
  readonly columns: readonly CopiedColumn[];
  /** The column rows are read in order of (SQLite: `rowid` for a table without an integer id). */
  readonly order: string;
  /** Its `id` is a serial on PostgreSQL, to continue after the copied ids. */
  readonly serial: boolean;
  readonly pitwall: boolean;
  /** SQLite's CREATE TABLE, for Pitwall's tables (the Python ones come with the schema). */
  readonly sqliteSql?: string;
}

function kindOf(definition: string): ColumnKind {
  if (definition.startsWith('DATETIME')) return 'time';
  if (definition.startsWith('BOOLEAN')) return 'bool';
  if (definition.startsWith('JSON')) return 'json';
  return 'plain';
}

const plain = (...names: string[]): CopiedColumn[] => names.map((name) => ({ name, kind: 'plain' }));

/** Every table in copy order: the Python system's (alerts before what refers to them), then Pitwall's. */
const COPIED_TABLES: readonly CopiedTable[] = [
  ...sqliteTables.map((table) => ({ name: table.name, columns: table.columns.map((c) => ({ name: c.name, kind: kindOf(c.definition) })), order: 'id', serial: true, pitwall: false })),
  {
    name: 'pitwall_acknowledgments',
    columns: [...plain('id', 'alert_row_id', 'acknowledged_by'), { name: 'acknowledged_at', kind: 'time' }, ...plain('comment'), { name: 'created_at', kind: 'time' }],
    order: 'id',
    serial: true,
    pitwall: true,
    sqliteSql: ACKNOWLEDGMENTS_TABLE_SQL,
  },
  { name: 'pitwall_silences', columns: plain('id', 'silence'), order: 'rowid', serial: false, pitwall: true, sqliteSql: SILENCES_TABLE_SQL },
  { name: 'pitwall_alert_state', columns: plain('fingerprint', 'fired_at'), order: 'fingerprint', serial: false, pitwall: true, sqliteSql: ALERT_STATE_TABLE_SQL },
  {
    name: 'pitwall_deliveries',
    columns: plain('id', 'alert', 'rule_id', 'kind', 'channel', 'status', 'attempts', 'error', 'evaluated_at', 'finished_at', 'elapsed_ms'),
    order: 'id',
    serial: true,
    pitwall: true,
    sqliteSql: DELIVERIES_TABLE_SQL,
  },
  { name: 'pitwall_alert_context', columns: plain('id', 'alert', 'recorded_at', 'why'), order: 'id', serial: true, pitwall: true, sqliteSql: ALERT_CONTEXT_TABLE_SQL },
  { name: 'pitwall_alert_keys', columns: plain('alert_key', 'alert_id'), order: 'alert_key', serial: false, pitwall: true, sqliteSql: ALERT_KEYS_TABLE_SQL },
];

/** Rows per statement: under PostgreSQL's 65535 parameters and SQLite's 32766 for the widest table. */
const ROWS_PER_INSERT = 500;
/** Rows read from PostgreSQL per query, by id. */
const ROWS_PER_READ = 5000;

export interface PostgresMigrationOptions extends Pick<MigrationOptions, 'dryRun' | 'wasmPath' | 'diagnosticsPerFile'> {
  readonly env?: NodeJS.ProcessEnv;
}

const emptyTally = (): Tally => ({ read: 0, inserted: 0, present: 0, updated: 0, skipped: 0, renamed: 0 });

type Part = PrintableMigrationReport['parts'][number];

/** The copy's counts: one part per table with rows (and the labelled predictions, as a migration reports them). */
class CopyTally {
  readonly tallies = new Map<string, Tally>();
  outcomes = 0;
  readonly diagnostics: StoreDiagnostic[] = [];
  private dropped = 0;

  constructor(private readonly cap: number) {}

  of(table: string): Tally {
    let tally = this.tallies.get(table);
    if (tally === undefined) {
      tally = emptyTally();
      this.tallies.set(table, tally);
    }
    return tally;
  }

  refuse(source: string, table: string, row: number, column: string, reason: string): void {
    this.of(table).skipped++;
    if (this.diagnostics.length >= this.cap) {
      this.dropped++;
      return;
    }
    this.diagnostics.push({ severity: 'error', file: table, row, field: column, reason, message: messages.postgresMigrationRowRefused(source, table, row, column, reason) });
  }

  parts(): Part[] {
    const parts: Part[] = [];
    for (const table of COPIED_TABLES) {
      const tally = this.tallies.get(table.name);
      if (tally === undefined) continue;
      parts.push({ part: table.name, file: table.name, ...tally });
      if (table.name === 'predictions') parts.push({ part: 'outcomes', file: 'predictions', ...emptyTally(), read: this.outcomes, inserted: this.outcomes });
    }
    return parts;
  }

  warnings(): string[] {
    return this.dropped === 0 ? [] : [messages.migrationReportMore(this.dropped)];
  }
}

/** A value of a SQLite row as PostgreSQL takes it, or the reason it cannot. */
function toPostgres(kind: ColumnKind, value: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (value === null || value === undefined) return { ok: true, value: null };
  if (value instanceof Uint8Array) return { ok: false, reason: 'holds a blob' };
  switch (kind) {
    case 'time': {
      const parsed = parseTimestamp(value);
      if (!parsed.ok) return { ok: false, reason: `is not a time: ${JSON.stringify(value)}` };
      return { ok: true, value: typeof value === 'string' ? value : toIsoText(parsed.seconds) };
    }
    case 'bool':
      if (value === 0 || value === 1) return { ok: true, value: value === 1 };
      return { ok: false, reason: `is not a boolean (0 or 1): ${JSON.stringify(value)}` };
    case 'json':
      if (typeof value === 'number') return Number.isFinite(value) ? { ok: true, value: String(value) } : { ok: false, reason: 'is not JSON' };
      try {
        JSON.parse(String(value));
        return { ok: true, value: String(value) };
      } catch {
        return { ok: false, reason: `is not JSON text PostgreSQL reads: ${String(value).slice(0, 40)}` };
      }
    case 'plain':
      return { ok: true, value };
  }
}

/** The columns of a SQLite table, lower case; empty when it has no such table. */
function sqliteColumns(db: Database, table: string): Set<string> {
  const found = db.exec(`SELECT name FROM pragma_table_info('${table}')`)[0];
  return new Set((found?.values ?? []).map((row) => String(row[0]).toLowerCase()));
}

/** The target's state: which tables it has, which it lacks columns of, and which hold rows. */
async function inspectTarget(client: Client): Promise<{ tables: Map<string, Set<string>>; filled: string[] }> {
  const found = await client.query<{ table_name: string; column_name: string }>(
    'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1::text[])',
    [COPIED_TABLES.map((table) => table.name)],
  );
  const tables = new Map<string, Set<string>>();
  for (const row of found.rows) tables.set(row.table_name, (tables.get(row.table_name) ?? new Set()).add(row.column_name));
  const filled: string[] = [];
  for (const name of tables.keys()) {
    const result = await client.query<{ filled: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${name}) AS filled`);
    if (result.rows[0]?.filled === true) filled.push(name);
  }
  return { tables, filled: COPIED_TABLES.map((table) => table.name).filter((name) => filled.includes(name)) };
}

/** Copies every table of a SQLite file into a PostgreSQL database with none of its rows; see the module comment. */
export async function migrateSqliteToPostgres(file: string, target: string, options: PostgresMigrationOptions = {}): Promise<PrintableMigrationReport> {
  const started = performance.now();
  const source = resolve(file);
  const settings = postgresSettingsOf(target, options.env);
  const address = describeAddress(settings);
  const dryRun = options.dryRun ?? false;
  const reader = await SqliteSnapshotReader.open(source, { quickCheck: 'off', ...(options.wasmPath === undefined ? {} : { wasmPath: options.wasmPath }) });
  const tally = new CopyTally(options.diagnosticsPerFile ?? 1000);
  let client: Client | undefined;
  let created: string[] = [];
  try {
    const db = reader.snapshot.database;
    client = await connectPostgres(settings);
    const { tables, filled } = await inspectTarget(client);
    if (filled.length > 0) throw new PitwallError('conflict', messages.postgresMigrationTargetNotEmpty(address, filled));
    const oldColumns = sqliteTables.flatMap((table) => {
      const has = tables.get(table.name);
      return has === undefined ? [] : table.columns.filter((column) => !has.has(column.name)).map((column) => `${table.name}.${column.name}`);
    });
    if (oldColumns.length > 0) throw new PitwallError('format', messages.migrationTargetOldSchema(address, oldColumns));
    await client.query('BEGIN READ WRITE');
    try {
      created = sqliteTables.filter((table) => !tables.has(table.name)).map((table) => table.name);
      for (const table of sqliteTables) if (!tables.has(table.name)) for (const statement of postgresTableStatements(table)) await client.query(statement);
      for (const table of COPIED_TABLES) await copyTableIn(db, client, table, source, tally);
      await client.query(dryRun ? 'ROLLBACK' : 'COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } catch (error) {
    throw client === undefined || error instanceof PitwallError ? error : toPitwallError(error, settings);
  } finally {
    reader.close();
    await client?.end().catch(() => undefined);
  }
  return {
    folder: source,
    target: address,
    dryRun,
    newDatabase: created.length === sqliteTables.length,
    parts: tally.parts(),
    renamed: [],
    diagnostics: tally.diagnostics,
    warnings: [...(created.length > 0 && created.length < sqliteTables.length ? [messages.migrationTablesCreated(address, created)] : []), ...tally.warnings()],
    elapsedMs: performance.now() - started,
  };
}

/** One table of the SQLite file into the target, inside the copy's transaction. */
async function copyTableIn(db: Database, client: Client, table: CopiedTable, source: string, tally: CopyTally): Promise<void> {
  const present = sqliteColumns(db, table.name);
  if (present.size === 0) return;
  const columns = table.columns.filter((column) => present.has(column.name));
  const order = table.order === 'rowid' ? 'rowid' : `"${table.order}"`;
  const statement = db.prepare(`SELECT rowid, ${columns.map((c) => `"${c.name}"`).join(', ')} FROM "${table.name}" ORDER BY ${order}`);
  const counts = tally.of(table.name);
  let batch: unknown[][] = [];
  let createdPitwall = false;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    if (table.pitwall && !createdPitwall) {
      await client.query(PITWALL_TABLE_SQL[table.name as PitwallTableName]);
      createdPitwall = true;
    }
    const params: unknown[] = [];
    const tuples = batch.map((row) => `(${row.map((value) => (params.push(value), `$${params.length}`)).join(', ')})`);
    await client.query(`INSERT INTO ${table.name} (${columns.map((c) => `"${c.name}"`).join(', ')}) VALUES ${tuples.join(', ')}`, params);
    counts.inserted += batch.length;
    batch = [];
  };
  const outcomeIndex = table.name === 'predictions' ? columns.findIndex((c) => c.name === 'actual_outcome') : -1;
  try {
    while (statement.step()) {
      const [rowid, ...values] = statement.get();
      counts.read++;
      const row: unknown[] = [];
      let refused = false;
      for (const [index, column] of columns.entries()) {
        const converted = toPostgres(column.kind, values[index]);
        if (!converted.ok) {
          tally.refuse(source, table.name, Number(rowid), column.name, converted.reason);
          refused = true;
          break;
        }
        row.push(converted.value);
      }
      if (refused) continue;
      if (outcomeIndex >= 0 && row[outcomeIndex] !== null) tally.outcomes++;
      batch.push(row);
      if (batch.length >= ROWS_PER_INSERT) await flush();
    }
    await flush();
  } finally {
    statement.free();
  }
  if (table.serial && (!table.pitwall || createdPitwall)) {
    await client.query(`SELECT setval(pg_get_serial_sequence('${table.name}', 'id'), coalesce((SELECT max(id) FROM ${table.name}), 0) + 1, false)`);
  }
}

/** A JSONL folder into PostgreSQL: the folder migration into a temporary SQLite file, then its copy; the report is the folder's. */
export async function migrateJsonlToPostgres(folder: string, target: string, options: PostgresMigrationOptions = {}): Promise<PrintableMigrationReport> {
  const started = performance.now();
  const settings = postgresSettingsOf(target, options.env);
  const scratch = mkdtempSync(join(tmpdir(), 'pitwall-migrate-'));
  try {
    const staged = join(scratch, 'staged.db');
    const fromFolder = await migrateJsonlToSqlite(folder, staged, { ...(options.wasmPath === undefined ? {} : { wasmPath: options.wasmPath }), ...(options.diagnosticsPerFile === undefined ? {} : { diagnosticsPerFile: options.diagnosticsPerFile }) });
    const copied = await migrateSqliteToPostgres(staged, target, options);
    return {
      ...fromFolder,
      target: describeAddress(settings),
      dryRun: copied.dryRun,
      newDatabase: copied.newDatabase,
      diagnostics: [...fromFolder.diagnostics, ...copied.diagnostics],
      warnings: [...fromFolder.warnings, ...copied.warnings],
      elapsedMs: performance.now() - started,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** SQL that reads a column of PostgreSQL as SQLite stores it: SQLAlchemy's UTC text times, 0/1 booleans, JSON text. */
function readAsSqlite(column: CopiedColumn): string {
  const name = `"${column.name}"`;
  switch (column.kind) {
    case 'time':
      return `to_char(${name} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'bool':
      return `${name}::int`;
    case 'json':
      return `${name}::text`;
    case 'plain':
      return name;
  }
}

/** Copies a PostgreSQL database into a new SQLite file (the Python schema, then every row of every table). */
export async function migratePostgresToSqlite(source: string, file: string, options: PostgresMigrationOptions = {}): Promise<PrintableMigrationReport> {
  const started = performance.now();
  const target = resolve(file);
  const settings = postgresSettingsOf(source, options.env);
  const address = describeAddress(settings);
  const dryRun = options.dryRun ?? false;
  if (existsSync(target)) throw new PitwallError('conflict', messages.postgresMigrationTargetExists(target));
  if (!existsSync(dirname(target)) || !statSync(dirname(target)).isDirectory()) throw new PitwallError('not-found', messages.migrationTargetFolderMissing(dirname(target)));
  const tally = new CopyTally(options.diagnosticsPerFile ?? 1000);
  const client = await connectPostgres(settings);
  try {
    // One snapshot of the whole database: a writer meanwhile changes nothing of the copy.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { tables } = await inspectTarget(client);
    if (!sqliteTables.some((table) => tables.has(table.name))) throw new PitwallError('not-found', messages.postgresNoMonitoringTables(address, sqliteTables.map((table) => table.name)));
    const statements = postgresRows(client, tables, tally);
    if (dryRun) for await (const _statement of statements);
    else await createNewDatabase(target, statements, { ...(options.wasmPath === undefined ? {} : { wasmPath: options.wasmPath }) });
    await client.query('COMMIT');
  } catch (error) {
    throw toPitwallError(error, settings);
  } finally {
    await client.end().catch(() => undefined);
  }
  return {
    folder: address,
    target,
    dryRun,
    newDatabase: true,
    parts: tally.parts(),
    renamed: [],
    diagnostics: tally.diagnostics,
    warnings: tally.warnings(),
    elapsedMs: performance.now() - started,
  };
}

/** The SQLite schema, then each table's rows read by id in pages, many to an INSERT. */
async function* postgresRows(client: Client, tables: ReadonlyMap<string, ReadonlySet<string>>, tally: CopyTally): AsyncGenerator<SqliteStatement> {
  for (const sql of sqliteSchemaStatements) yield { sql, params: [] };
  for (const table of COPIED_TABLES) {
    const present = tables.get(table.name);
    if (present === undefined) continue;
    const columns = table.columns.filter((column) => present.has(column.name));
    const counts = tally.of(table.name);
    const select = `SELECT ${columns.map(readAsSqlite).join(', ')} FROM ${table.name}`;
    const outcomeIndex = table.name === 'predictions' ? columns.findIndex((c) => c.name === 'actual_outcome') : -1;
    let created = !table.pitwall;
    const idIndex = columns.findIndex((column) => column.name === 'id');
    let after: number | undefined;
    for (;;) {
      // Keyset pages by id where the table has a serial id; the few rows of a keyless Pitwall table at once, in their order.
      const paged = table.serial && idIndex >= 0;
      const result = paged
        ? await client.query({ text: `${select} WHERE id > $1 ORDER BY id LIMIT ${ROWS_PER_READ}`, values: [after ?? -1], rowMode: 'array' })
        : await client.query({ text: `${select} ORDER BY ${table.name === 'pitwall_silences' ? 'row_id' : `"${table.order}"`}`, rowMode: 'array' });
      const rows = result.rows as unknown[][];
      if (rows.length > 0 && !created && table.sqliteSql !== undefined) {
        yield { sql: table.sqliteSql, params: [] };
        created = true;
      }
      for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
        const batch = rows.slice(start, start + ROWS_PER_INSERT);
        const params = batch.flatMap((row) => row.map((value) => (typeof value === 'boolean' ? Number(value) : (value as string | number | null))));
        const tuples = batch.map(() => `(${columns.map(() => '?').join(', ')})`);
        yield { sql: `INSERT INTO "${table.name}" (${columns.map((c) => `"${c.name}"`).join(', ')}) VALUES ${tuples.join(', ')}`, params };
      }
      counts.read += rows.length;
      counts.inserted += rows.length;
      if (outcomeIndex >= 0) tally.outcomes += rows.filter((row) => row[outcomeIndex] !== null).length;
      if (!paged || rows.length < ROWS_PER_READ) break;
      after = Number(rows[rows.length - 1]?.[idIndex]);
    }
  }
}

/** Whether a migration touches PostgreSQL: its source or its target is a PostgreSQL URL. */
export function isPostgresMigration(source: string, target: string): boolean {
  return isPostgresSource(source) || isPostgresSource(target);
}

/**
 * A migration with PostgreSQL on one side: into it from a folder or a SQLite file, or out of it into
 * a new SQLite file (a name ending .db, .sqlite or .sqlite3) or a new JSONL folder (any other name).
 */
export function migratePostgres(source: string, target: string, options: PostgresMigrationOptions = {}): Promise<PrintableMigrationReport> {
  if (isPostgresSource(source) && isPostgresSource(target)) return Promise.reject(new PitwallError('input', messages.postgresMigrationBothServers()));
  if (isPostgresSource(source)) return isFolderTarget(target) ? migratePostgresToJsonl(source, target, options) : migratePostgresToSqlite(source, target, options);
  let folder = false;
  try {
    folder = statSync(source).isDirectory();
  } catch (cause) {
    return Promise.reject(new PitwallError('not-found', messages.sourceNotFound(resolve(source)), { cause }));
  }
  return folder ? migrateJsonlToPostgres(source, target, options) : migrateSqliteToPostgres(source, target, options);
}

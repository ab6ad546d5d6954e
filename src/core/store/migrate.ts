/**
 * Migration of a JSONL monitoring folder (the Python system's file store, plus Pitwall's
 * outcomes.jsonl) into a SQLite database with the full SQLAlchemy schema.
 *
 * - A target that does not exist is built whole in memory and moved into place (createNewDatabase):
 *   the schema, then every row, streamed from the files.
 * - An existing target (an earlier migration, or the live service's database) is never replaced:
 *   rows whose identity it lacks are inserted through its transactional writer, a batch per
 *   transaction, and the source completes rows it knows more about (an outcome where the row has
 *   none, a later last_triggered). A second migration of the same folder adds nothing.
 * - A dry run reads everything and writes nothing: against an existing target it runs the same
 *   statements on an in-memory copy to count what they would do.
 *
 * How records become rows:
 * - Timestamps (float seconds, or text) become SQLAlchemy's `YYYY-MM-DD HH:MM:SS.ffffff`, UTC.
 * - `created_at` is the record's own time to the second: what CURRENT_TIMESTAMP stamped when the
 *   Python service stored the record, and the same on every run. Rules have no time of their own, so
 *   their `created_at` and `updated_at` take the CURRENT_TIMESTAMP default.
 * - `metadata` goes to `extra_metadata`; free-form JSON is Python's `json.dumps` text, a null one SQL
 *   NULL; booleans are 0/1; outcomes.jsonl fills `actual_outcome` and `actual_outcome_timestamp`.
 * - metrics.jsonl records no model version and the column takes no NULL: it gets ''.
 * - Alert ids: the first alert keeps its id, a later one with the same id becomes `<id>-<n>`.
 * - A rule's last_triggered is the later of its own (alert_rules.pitwall.json keeps Pitwall's) and its
 *   latest alert's (see FolderSource); its for_minutes and min_samples go inside `conditions`, where
 *   the SQLite store keeps them.
 * - Pitwall's own records follow, each into its own table as the SQLite store writes them, a table
 *   created only when it gets a row: acknowledgments.jsonl (with comments) into
 *   pitwall_acknowledgments, silences into pitwall_silences, firing states into pitwall_alert_state,
 *   the delivery log into pitwall_deliveries (an alert named by its JSONL key is named by its row's
 *   key). The JSONL key of each renamed alert (`<alert_id>#<n>`) goes to pitwall_alert_keys, so the
 *   SQLite store still finds the alert by it (and `<alert_id>#1` by its alert_id).
 * Identities: predictions by prediction_id, alerts by alert_id, rules by rule_id, health snapshots by
 * (timestamp, model_version), metric snapshots by (timestamp, model_version, metric_name), drift
 * results by (timestamp, feature_name, model_version), feature importance by (timestamp,
 * model_version, feature_name), degradation analyses by (timestamp, model_version, metric_name).
 */
import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Database, Statement } from 'sql.js';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import { FolderSource, MIGRATION_PARTS, PART_FILES, type AlertRenaming, type MigrationPart, type Tally } from './migration/folderSource';
import { advanceLastTriggered, bulkInserts, fillOutcome, insertIfMissing, type TableSpec } from './migration/tables';
import type { StoreDiagnostic } from './store';
import { createTableStatement, sqliteSchemaStatements, sqliteTables } from './sqlite/schema';
import { SqliteSnapshotReader } from './sqlite/snapshot';
import {
  createNewDatabase,
  openSqliteWriter,
  type SqliteParam,
  type SqliteStatement,
  type SqliteWriter,
  type SqliteWriterOptions,
} from './sqlite/writer';

export type { AlertRenaming, MigrationPart } from './migration/folderSource';

export type MigrationProgress =
  /** Records of one part read (and, for a new database, added to it) so far. */
  | { readonly stage: 'rows'; readonly part: MigrationPart; readonly rows: number }
  /** Every row is in; the new database is being written to disk. */
  | { readonly stage: 'saving'; readonly target: string };

export interface MigrationOptions {
  /** Read everything, count what would be written, write nothing. */
  readonly dryRun?: boolean;
  readonly onProgress?: (progress: MigrationProgress) => void;
  /**
   * Stops the migration between rows when aborted (it rejects with the signal's reason). A new
   * database is then not written at all; an existing one keeps the batches already committed,
   * and a second migration adds the rest.
   */
  readonly signal?: AbortSignal;
  /** `sql-wasm.wasm` next to a bundled extension; defaults to node_modules. */
  readonly wasmPath?: string;
  /** Statements per transaction into an existing database (default 2000). */
  readonly batchSize?: number;
  /** Problems kept per source file; the rest are counted (default 1000). */
  readonly diagnosticsPerFile?: number;
  /** How an existing database is written (node:sqlite or the python3 helper). */
  readonly writer?: SqliteWriterOptions;
}

export interface MigrationPartReport extends Readonly<Tally> {
  readonly part: MigrationPart;
  /** The source file the part comes from, in the folder. */
  readonly file: string;
}

export interface MigrationReport {
  readonly folder: string;
  readonly target: string;
  readonly dryRun: boolean;
  /** True when the target did not exist and was (or would be) built whole. */
  readonly newDatabase: boolean;
  /** Every part in the schema's order; outcomes follow predictions. */
  readonly parts: readonly MigrationPartReport[];
  /** Each alert migrated under another id than its own. */
  readonly renamed: readonly AlertRenaming[];
  /** The source's problems, line by line, as the JSONL store reports them (capped per file). */
  readonly diagnostics: readonly StoreDiagnostic[];
  readonly warnings: readonly string[];
  readonly elapsedMs: number;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Migrates the JSONL folder `folder` into the SQLite file `target`; see the module comment. */
export async function migrateJsonlToSqlite(folder: string, target: string, options: MigrationOptions = {}): Promise<MigrationReport> {
  const started = performance.now();
  const folderPath = resolve(folder);
  const targetPath = resolve(target);
  const dryRun = options.dryRun ?? false;
  options.signal?.throwIfAborted();
  await checkFolder(folderPath);
  const existing = await checkTarget(targetPath);
  const source = new FolderSource(folderPath, {
    diagnosticsPerFile: options.diagnosticsPerFile,
    onRows: (part, rows) => {
      options.signal?.throwIfAborted();
      options.onProgress?.({ stage: 'rows', part, rows });
    },
  });
  const warnings: string[] = [];
  if (existing) {
    const database = dryRun ? await CopyTarget.open(targetPath, options.wasmPath) : await WriterTarget.open(targetPath, options.writer);
    try {
      if (database.missingColumns.length > 0) throw new PitwallError('format', messages.migrationTargetOldSchema(targetPath, database.missingColumns));
      if (database.missingTables.length > 0) warnings.push(messages.migrationTablesCreated(targetPath, database.missingTables));
      await source.prepare();
      const applied = await addToExisting(source, database, options.batchSize ?? 2000);
      if (source.orphanOutcomes > applied) {
        warnings.push(messages.migrationOrphanOutcomes(PART_FILES.outcomes, source.orphanOutcomes - applied, true));
      }
    } finally {
      await database.close();
    }
  } else {
    refuseLeftovers(targetPath);
    await source.prepare();
    const statements = newDatabaseStatements(source, () => options.onProgress?.({ stage: 'saving', target: targetPath }));
    if (dryRun) {
      for await (const _statement of statements);
    } else {
      await createNewDatabase(targetPath, statements, { wasmPath: options.wasmPath });
    }
    if (source.orphanOutcomes > 0) warnings.push(messages.migrationOrphanOutcomes(PART_FILES.outcomes, source.orphanOutcomes, false));
  }
  return {
    folder: folderPath,
    target: targetPath,
    dryRun,
    newDatabase: !existing,
    parts: MIGRATION_PARTS.map((part) => ({ part, file: PART_FILES[part], ...source.tallies[part] })),
    renamed: source.renamings,
    diagnostics: source.diagnostics,
    warnings: [...source.warnings, ...warnings],
    elapsedMs: performance.now() - started,
  };
}

async function checkFolder(path: string): Promise<void> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch (cause) {
    throw new PitwallError('not-found', messages.sourceNotFound(path), { cause });
  }
  if (!isFolder) throw new PitwallError('input', messages.jsonlNotFolder(path));
}

/** Whether the target exists; throws, touching nothing, when it is not a SQLite database or cannot become one. */
async function checkTarget(path: string): Promise<boolean> {
  let size: number;
  try {
    const stats = await stat(path);
    if (stats.isDirectory()) throw new PitwallError('input', messages.migrationTargetIsFolder(path));
    size = stats.size;
  } catch (error) {
    if (error instanceof PitwallError || !isMissing(error)) throw error;
    if (!existsSync(dirname(path))) throw new PitwallError('not-found', messages.migrationTargetFolderMissing(dirname(path)));
    return false;
  }
  // An empty file is an empty database to SQLite.
  if (size === 0) return true;
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const handle = await open(path, 'r');
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  if (!head.equals(SQLITE_HEADER)) throw new PitwallError('format', messages.migrationTargetNotSqlite(path));
  return true;
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

/** createNewDatabase refuses these too, but only after the source was read. */
function refuseLeftovers(path: string): void {
  for (const leftover of [`${path}-wal`, `${path}-journal`]) {
    if (existsSync(leftover)) throw new PitwallError('conflict', messages.sqliteNewDatabaseLeftover(path, leftover));
  }
}

/** The schema, then every row, many to an INSERT; counts them as inserted as they go. */
async function* newDatabaseStatements(source: FolderSource, saving: () => void): AsyncGenerator<SqliteStatement> {
  const { tallies } = source;
  for (const sql of sqliteSchemaStatements) yield { sql, params: [] };
  for await (const batch of source.batches(false)) {
    let spec: TableSpec | undefined;
    let rows: (readonly SqliteParam[])[] = [];
    for (const item of batch) {
      if (item.kind === 'sql') {
        // Pitwall's own rows (and tables): after the rows before them, which they may refer to.
        if (spec !== undefined) yield* bulkInserts(spec, rows);
        spec = undefined;
        rows = [];
        yield item.statement;
        if (item.tally !== null) item.tally.inserted++;
        continue;
      }
      // Only rows: a new database has no rows to complete.
      if (item.kind !== 'row') continue;
      if (item.spec !== spec) {
        if (spec !== undefined) yield* bulkInserts(spec, rows);
        spec = item.spec;
        rows = [];
      }
      rows.push(item.values);
      tallies[spec.name].inserted++;
      if (item.withOutcome) tallies.outcomes.inserted++;
    }
    if (spec !== undefined) yield* bulkInserts(spec, rows);
  }
  saving();
}

/** What a statement into an existing database counts toward, once its changes are known. */
interface RowEffect {
  readonly kind: 'row';
  readonly tally: Tally;
  readonly withOutcome: boolean;
  inserted?: boolean;
}
type Effect =
  | { readonly kind: 'schema' }
  | RowEffect
  /** `row`: the prediction's own row, accounted for before (a batch runs in order, batches one after another); undefined for an outcome whose prediction the source lacks. */
  | { readonly kind: 'outcome'; readonly row: RowEffect | undefined }
  | { readonly kind: 'triggered' };

/** Adds what the target lacks, batch by batch; returns how many outcomes without a prediction in the source it applied. */
async function addToExisting(source: FolderSource, database: TargetDatabase, batchSize: number): Promise<number> {
  const { tallies } = source;
  const created = sqliteTables.filter((table) => database.missingTables.includes(table.name));
  let statements: SqliteStatement[] = created.flatMap((table) => [createTableStatement(table), ...table.indexes]).map((sql) => ({ sql, params: [] }));
  let effects: Effect[] = statements.map(() => ({ kind: 'schema' }));
  let orphansApplied = 0;
  const flush = async (): Promise<void> => {
    const changes = await database.run(statements);
    effects.forEach((effect, index) => {
      const changed = (changes[index] ?? 0) > 0;
      if (effect.kind === 'row') {
        effect.inserted = changed;
        if (!changed) effect.tally.present++;
        else {
          effect.tally.inserted++;
          if (effect.withOutcome) tallies.outcomes.inserted++;
        }
      } else if (effect.kind === 'outcome') {
        if (changed) tallies.outcomes.updated++;
        else if (effect.row?.inserted === false) tallies.outcomes.present++;
        if (changed && effect.row === undefined) orphansApplied++;
      } else if (effect.kind === 'triggered' && changed) {
        tallies.alert_rules.updated++;
      }
    });
    statements = [];
    effects = [];
  };
  // An outcome item follows the row of its prediction.
  let lastRow: RowEffect | undefined;
  for await (const batch of source.batches(true)) {
    for (const item of batch) {
      if (item.kind === 'row') {
        lastRow = { kind: 'row', tally: tallies[item.spec.name], withOutcome: item.withOutcome };
        statements.push(insertIfMissing(item.spec, item.values));
        effects.push(lastRow);
      } else if (item.kind === 'sql') {
        statements.push(item.statement);
        effects.push(item.tally === null ? { kind: 'schema' } : { kind: 'row', tally: item.tally, withOutcome: false });
      } else if (item.kind === 'outcome') {
        statements.push(fillOutcome(item.predictionId, item.outcome, item.at));
        effects.push({ kind: 'outcome', row: item.orphan ? undefined : lastRow });
      } else {
        statements.push(advanceLastTriggered(item.ruleId, item.at));
        effects.push({ kind: 'triggered' });
      }
      if (statements.length >= batchSize) await flush();
    }
  }
  if (statements.length > 0) await flush();
  return orphansApplied;
}

/** An existing database as a migration writes to it. */
interface TargetDatabase {
  readonly missingTables: readonly string[];
  /** `table.column` of tables it has. */
  readonly missingColumns: readonly string[];
  /** Runs the statements all or nothing; the rows each changed. */
  run(statements: readonly SqliteStatement[]): Promise<readonly number[]>;
  close(): Promise<void>;
}

/** The target itself, through its transactional writer. */
class WriterTarget implements TargetDatabase {
  private constructor(
    private readonly writer: SqliteWriter,
    readonly missingTables: readonly string[],
    readonly missingColumns: readonly string[],
  ) {}

  static async open(path: string, options: SqliteWriterOptions = {}): Promise<WriterTarget> {
    const verdict = await openSqliteWriter(path, options);
    if (!verdict.writable) throw new PitwallError('read-only', messages.migrationTargetReadOnly(verdict.reason));
    const { writer } = verdict;
    try {
      const tables = new Set((await writer.query("SELECT name FROM sqlite_master WHERE type = 'table'")).map((row) => String(row.name).toLowerCase()));
      const missingTables: string[] = [];
      const missingColumns: string[] = [];
      for (const table of sqliteTables) {
        if (!tables.has(table.name)) {
          missingTables.push(table.name);
          continue;
        }
        const columns = new Set((await writer.query('SELECT name FROM pragma_table_info(?)', [table.name])).map((row) => String(row.name).toLowerCase()));
        for (const column of table.columns) if (!columns.has(column.name)) missingColumns.push(`${table.name}.${column.name}`);
      }
      return new WriterTarget(writer, missingTables, missingColumns);
    } catch (error) {
      await writer.close();
      throw error;
    }
  }

  async run(statements: readonly SqliteStatement[]): Promise<readonly number[]> {
    return (await this.writer.transaction(statements)).changes;
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}

/** For a dry run: the same statements on an in-memory snapshot of the target, which is then thrown away. */
class CopyTarget implements TargetDatabase {
  private readonly prepared = new Map<string, Statement>();

  private constructor(
    private readonly reader: SqliteSnapshotReader,
    private readonly database: Database,
    readonly missingTables: readonly string[],
    readonly missingColumns: readonly string[],
  ) {}

  static async open(path: string, wasmPath: string | undefined): Promise<CopyTarget> {
    const reader = await SqliteSnapshotReader.open(path, { wasmPath, quickCheck: 'off' });
    const { snapshot } = reader;
    snapshot.database.run('PRAGMA query_only = 0');
    return new CopyTarget(
      reader,
      snapshot.database,
      snapshot.missingTables,
      snapshot.missingColumns.map(({ table, column }) => `${table}.${column}`),
    );
  }

  run(statements: readonly SqliteStatement[]): Promise<readonly number[]> {
    return Promise.resolve(
      statements.map(({ sql, params }) => {
        if (params.length === 0) {
          this.database.run(sql);
        } else {
          let statement = this.prepared.get(sql);
          if (statement === undefined) {
            statement = this.database.prepare(sql);
            this.prepared.set(sql, statement);
          }
          statement.run([...params]);
        }
        return this.database.getRowsModified();
      }),
    );
  }

  close(): Promise<void> {
    for (const statement of this.prepared.values()) statement.free();
    this.reader.close();
    return Promise.resolve();
  }
}

const REPORT_LIST_LINES = 20;
const COLUMN_LABELS = ['table', 'from', 'read', 'inserted', 'present', 'updated', 'skipped', 'renamed'] as const;
const COUNTS = ['read', 'inserted', 'present', 'updated', 'skipped', 'renamed'] as const;

/** What formatMigrationReport prints: a folder's migration, or a copy between databases (its parts named by table). */
export type PrintableMigrationReport = Omit<MigrationReport, 'parts'> & { readonly parts: readonly (Omit<MigrationPartReport, 'part'> & { readonly part: string })[] };

/** The report as text for the command line: a title, an aligned table of the parts, then what needs a look. */
export function formatMigrationReport(report: PrintableMigrationReport): string {
  const number = new Intl.NumberFormat('en-US');
  const shown = report.parts.filter((part) => COUNTS.some((count) => part[count] > 0) || part.part === 'predictions');
  const rows: string[][] = [
    [...COLUMN_LABELS],
    ...shown.map((part) => [
      part.part === 'outcomes' ? 'predictions.actual_outcome' : part.part,
      part.file,
      ...COUNTS.map((count) => number.format(part[count])),
    ]),
  ];
  const widths = COLUMN_LABELS.map((_, column) => Math.max(...rows.map((row) => (row[column] as string).length)));
  const lines = [
    messages.migrationReportTitle(report.folder, report.target, report.newDatabase, report.dryRun, (report.elapsedMs / 1000).toFixed(1)),
    '',
    ...rows.map((row) =>
      row
        .map((cell, column) => (column < 2 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number)))
        .join('  ')
        .trimEnd(),
    ),
  ];
  const list = (title: string, items: readonly string[]): void => {
    if (items.length === 0) return;
    lines.push('', title, ...items.slice(0, REPORT_LIST_LINES).map((item) => `  ${item}`));
    if (items.length > REPORT_LIST_LINES) lines.push(`  ${messages.migrationReportMore(items.length - REPORT_LIST_LINES)}`);
  };
  list(messages.migrationReportRenamed(), report.renamed.map((renaming) => renaming.message));
  list(messages.migrationReportProblems(), report.diagnostics.map((diagnostic) => diagnostic.message));
  list(messages.migrationReportWarnings(), report.warnings);
  return `${lines.join('\n')}\n`;
}

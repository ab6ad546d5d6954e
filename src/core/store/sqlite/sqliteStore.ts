/**
 * The monitoring database (SQLAlchemy's schema on SQLite) as a Store. Reads run in sql.js on a
 * snapshot of the file with its committed WAL applied, and push filters, order, paging and counts
 * down into SQL. Rows are validated at the boundary: an audit (rowAudit.ts) finds the rows the
 * schema refuses, reports each with its table, row id and field, and reads leave them out in SQL,
 * so counts and pages agree with what loads. Writes are real transactions in SQLite itself
 * (writer.ts), in the database's own encodings; the next read takes a fresh snapshot that has them.
 *
 * Calls run one at a time, so a read never sees a snapshot half replaced.
 */
import { randomUUID } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { SqlValue } from 'sql.js';
import { PitwallError, describeError } from '../../errors';
import { messages } from '../../messages';
import { ALERT_SEVERITIES, alertRecord, type AlertSeverity } from '../../model/alert';
import { alertRuleRecord, type AlertRule } from '../../model/alertRule';
import { degradationAnalysisRecord, type DegradationAnalysis } from '../../model/degradationAnalysis';
import { driftResultRecord, type DriftResult } from '../../model/driftResult';
import { featureImportanceRecord, type FeatureImportance } from '../../model/featureImportance';
import type { FeatureValue } from '../../model/fields';
import { healthSnapshotRecord, type HealthSnapshot } from '../../model/healthSnapshot';
import { metricSnapshotRecord, type MetricSnapshot } from '../../model/metricSnapshot';
import { outcomeRecord, type Outcome } from '../../model/outcome';
import { predictionRecord, type Prediction, type PredictionWithOutcome } from '../../model/prediction';
import { describeIssue, parseRecord, type RecordOf, type RecordSpec } from '../../model/record';
import {
  type AcknowledgeResult,
  type UnacknowledgeResult,
  type AlertFilter,
  type AlertGroupColumn,
  type AlertGroupCount as StoredAlertGroupCount,
  type AlertKey,
  type AlertQuery,
  type AlertSignatureCount,
  type Collection,
  type CollectionChange,
  type DegradationAnalysisQuery,
  type DriftResultQuery,
  type FeatureImportanceQuery,
  type HealthSnapshotQuery,
  type MetricSnapshotQuery,
  type NewAlert,
  type Page,
  type PredictionColumns,
  type PredictionColumnsQuery,
  type PredictionFilter,
  type PredictionQuery,
  type PredictionTimeFilter,
  type RefreshResult,
  type SortOrder,
  type Store,
  type StoreCounts,
  type StoreDescription,
  type StoreDiagnostic,
  type StoredAlert,
  type TimeRange,
} from '../store';
import {
  alertGroupsSql,
  alertWhere,
  assignmentsSql,
  columnSql,
  countSql,
  degradationAnalysisWhere,
  driftResultWhere,
  encodeRecord,
  featureImportanceWhere,
  healthSnapshotWhere,
  insertStatement,
  metricSnapshotWhere,
  predictionTimeSql,
  predictionTimeWhere,
  predictionWhere,
  selectListSql,
  selectSql,
  shapeOf,
  Where,
  type SqlText,
  type TableShape,
} from './queries';
import { ColumnsBuilder, columnsSelectList } from './predictionColumns';
import { checkSilence, parseSilence } from '../silenceRecords';
import { checkDeliveries, DELIVERIES_TABLE, DELIVERY_FIELDS, DeliverySelection, parseDelivery, ProblemList } from '../deliveryRecords';
import type { AlertContextLog, AlertContextRecord } from '../../model/alertWhy';
import { ALERT_CONTEXT_TABLE, ALERT_CONTEXT_TABLE_SQL, checkAlertContexts, CONTEXT_KEYS_PER_QUERY, INSERT_ALERT_CONTEXT_SQL, newestContexts, parseAlertContextRow, SELECT_ALERT_CONTEXTS_SQL, selectAlertContextsOf } from '../alertContextRecords';
import type { DeliveryLog, DeliveryQuery, DeliveryRecord } from '../../model/delivery';
import type { Silence } from '../../model/silence';
import { inlineParams, oddTimestampsSql, windowBinsSql, windowScoresSql, WindowStatsCollector } from './windowSql';
import { combinePanes, panePlanOf, sortWindowStats, type WindowPlan, type WindowStats } from '../windowStats';
import { eachRow, parseRow, RowAudit, scalar } from './rowAudit';
import {
  alertsTable,
  allTables,
  degradationAnalysesTable,
  driftResultsTable,
  featureImportanceTable,
  healthSnapshotsTable,
  metricSnapshotsTable,
  predictionsTable,
  quoteIdentifier,
  ruleForWriting,
  rulesTable,
  tableOfCollection,
  type TableSpec,
} from './rows';
import { SqliteSnapshotReader, type SqliteSnapshot, type SqliteSnapshotOptions } from './snapshot';
import { countTableRows, distinctFirstColumn, type TableCount, type VersionCount } from './btreeCount';
import { AlertPageCounts, type AlertPageReads, type AlertPageTotals } from './alertPageCounts';
import { ScanRefused } from './tableScan';
import type { PageSource } from './pageSource';
import { parseTimestamp, toSqlAlchemyText } from '../../model/timestamps';
import type { Acknowledgment } from '../../model/acknowledgment';
import { openSqliteWriter, predictSqliteWriter, type SqliteStatement, type SqliteTransactionResult, type SqliteWriterOptions, type SqliteWriterVerdict } from './writer';

export interface SqliteStoreOptions {
  /** `sql-wasm.wasm` next to a bundled extension; defaults to node_modules. */
  readonly wasmPath?: string;
  /** Opens the database read-only, for this reason (a sentence, e.g. the workspace is not trusted). */
  readonly readOnly?: string;
  readonly writer?: SqliteWriterOptions;
  readonly quickCheck?: SqliteSnapshotOptions['quickCheck'];
  /** Problems listed per table; the rest are counted (default 1000). */
  readonly diagnosticsPerTable?: number;
  /**
   * A file read page by page audits a table whole on open only up to this many rows (by its
   * highest id; default 20,000); a larger one is audited row by row as reads meet its rows.
   */
  readonly auditWholeRows?: number;
  /** Read the file page by page as queries need it (default); false reads it whole. */
  readonly lazy?: boolean;
  /** Start the writer (a python3 helper where there is no node:sqlite) while the file is read, for a caller about to write. */
  readonly writeSoon?: boolean;
  /**
   * False for a caller that never asks refresh() what changed (a one-off command): the store then
   * does not count its tables before each write to compare with later.
   */
  readonly followChanges?: boolean;
}

/** Reads repeated on a fresh snapshot when the main file changed under them, before giving up. */
const TORN_READ_ATTEMPTS = 8;

/** What a refresh compares to tell what changed in a collection. */
interface Signature {
  readonly count: number;
  readonly maxId: number;
  /** What in-place updates change: acknowledgments; for rules, the rules themselves. */
  readonly detail: string;
}


/** Pitwall's own table for acknowledgment comments: the service's schema has no place for them. */
export const ACKNOWLEDGMENTS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS pitwall_acknowledgments (
	id INTEGER NOT NULL PRIMARY KEY,
	alert_row_id INTEGER NOT NULL,
	acknowledged_by VARCHAR(100),
	acknowledged_at DATETIME NOT NULL,
	comment TEXT NOT NULL,
	created_at DATETIME DEFAULT (CURRENT_TIMESTAMP)
)`;
const COLLECTIONS = Object.keys(tableOfCollection) as Collection[];

/** Pitwall's own table of the alert conditions firing now (the engine's deduplication state). */
export const ALERT_STATE_TABLE_SQL = `CREATE TABLE IF NOT EXISTS pitwall_alert_state (
	fingerprint TEXT NOT NULL PRIMARY KEY,
	fired_at REAL NOT NULL
)`;

/** Pitwall's own table for silences (the service's schema has none): each row one silence as JSON. */
export const SILENCES_TABLE_SQL = `CREATE TABLE IF NOT EXISTS pitwall_silences (
	id VARCHAR(100) NOT NULL PRIMARY KEY,
	silence TEXT NOT NULL
)`;

/**
 * Pitwall's own delivery log (the service's schema has none), append-only, in plain columns so
 * that it can be queried with SQL; the column names are the record's fields.
 */
/**
 * Pitwall's own table of alert keys from before a migration: a JSONL folder names an alert
 * `<alert_id>#<n>`, and after its migration that name still finds the alert (by its new alert_id).
 */
export const ALERT_KEYS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS pitwall_alert_keys (
	alert_key TEXT NOT NULL PRIMARY KEY,
	alert_id VARCHAR(100) NOT NULL
)`;

export const DELIVERIES_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${DELIVERIES_TABLE} (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	alert TEXT NOT NULL,
	rule_id TEXT NOT NULL,
	kind TEXT NOT NULL,
	channel TEXT NOT NULL,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL,
	error TEXT,
	evaluated_at REAL NOT NULL,
	finished_at REAL NOT NULL,
	elapsed_ms REAL NOT NULL
)`;
const INSERT_DELIVERY_SQL = `INSERT INTO ${DELIVERIES_TABLE} (${DELIVERY_FIELDS.join(', ')}) VALUES (${DELIVERY_FIELDS.map(() => '?').join(', ')})`;
const SELECT_DELIVERIES_SQL = `SELECT id, ${DELIVERY_FIELDS.join(', ')} FROM ${DELIVERIES_TABLE} ORDER BY id`;

/** A row id as text: digits, few enough to be a safe integer. */
const ALERT_KEY = /^[1-9][0-9]{0,14}$/;

/** Alerts of one severity and model version: how many, and how many are open. */
interface AlertGroupCount {
  readonly severity: AlertSeverity;
  readonly model_version: string | null;
  readonly total: number;
  readonly open: number;
}

export class SqliteStore implements Store {
  private readonly file: string;
  private readonly audits: ReadonlyMap<TableSpec, RowAudit>;
  private shapes = new Map<TableSpec, TableShape>();
  /**
   * What refresh() compares with: fixed the first time the snapshot is about to change (a write,
   * a new snapshot), not on open, so that a one-off command does not count every table first.
   * Null when it could not be read (a torn snapshot): every collection then counts as reloaded.
   */
  private baseline: ReadonlyMap<Collection, Signature> | null | undefined;
  /** The snapshot changed since the last refresh() compared signatures. */
  private changedSinceRefresh = false;
  /** Problems found since the last refresh() reported them. */
  private found: StoreDiagnostic[] = [];
  /** The reader took a new snapshot that is not audited yet (an audit failed). */
  private auditPending = false;
  /** A write committed but its snapshot could not be taken: the next call takes it first. */
  private behind = false;
  /** Tables of this snapshot that could not be read (a damaged page), with the reason. */
  private readonly unreadableTables = new Map<string, string>();
  private writerVerdict: Promise<SqliteWriterVerdict> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The predictions counted from the b-tree of one snapshot's pages. */
  private predictionCount: { readonly pages: PageSource; readonly count: TableCount | undefined } | undefined;
  /** The count under way, for the pages it reads. */
  private counting: { readonly pages: PageSource; readonly done: Promise<void> } | undefined;
  /** Aborts long reads (a count over a large table) when the store closes. */
  private readonly closing = new AbortController();
  /** The alerts counted per page of their table, carried from one snapshot to the next. */
  private readonly alertPages = new AlertPageCounts();
  /** The counts of one snapshot's pages; undefined totals when SQL counts instead. */
  private alertPageTotals: { readonly pages: PageSource; readonly totals: AlertPageTotals | undefined } | undefined;
  /** The snapshot the store replayed its own writes on: its pages on disk no longer tell its counts. */
  private replayedOn: SqliteSnapshot | undefined;

  private constructor(
    readonly path: string,
    private readonly reader: SqliteSnapshotReader,
    private readonly options: SqliteStoreOptions,
  ) {
    this.file = basename(path);
    const cap = options.diagnosticsPerTable ?? 1000;
    this.audits = new Map(allTables.map((spec) => [spec, new RowAudit(spec, this.file, cap)]));
    this.takeSnapshot();
    this.changedSinceRefresh = false;
    this.found = [];
  }

  /** Opens a database for reading and audits its rows; throws a PitwallError naming the file. */
  static async open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    // SQLite keeps -wal beside the file a link points to: every read, fingerprint and write goes to that file.
    const absolute = realPathOf(resolve(path));
    // A writer's process starts in parallel with the read; a verdict of read-only is given at the write as before.
    const writer = options.writeSoon === true && options.readOnly === undefined ? openSqliteWriter(absolute, options.writer).catch(() => undefined) : undefined;
    const reader = await SqliteSnapshotReader.open(absolute, {
      ...(options.wasmPath === undefined ? {} : { wasmPath: options.wasmPath }),
      // Damage is reported, not fatal: the tables that still read load (DESIGN.md, bad input).
      quickCheck: options.quickCheck ?? 'report',
      ...(options.lazy === undefined ? {} : { lazy: options.lazy }),
    });
    try {
      const store = new SqliteStore(absolute, reader, options);
      if (writer !== undefined) store.writerVerdict = writer.then((verdict) => verdict ?? openSqliteWriter(absolute, options.writer));
      return store;
    } catch (error) {
      reader.close();
      await writer?.then((verdict) => (verdict?.writable ? verdict.writer.close() : undefined));
      throw error;
    }
  }

  describe(): Promise<StoreDescription> {
    return this.reading(async () => {
      // Describing must not connect read-write (see predictSqliteWriter); after a write, the real verdict is known.
      const verdict =
        this.options.readOnly !== undefined || this.writerVerdict !== undefined
          ? await this.verdict()
          : predictSqliteWriter(this.path, this.options.writer);
      // A zero-byte file is a database nobody has created tables in yet: one sentence, not one per missing table.
      const empty = statSync(this.path, { throwIfNoEntry: false })?.size === 0;
      const warnings = empty ? [messages.sqliteEmptyFile(this.path)] : this.reader.notices.map((notice) => notice.message);
      warnings.push(...this.unreadableTables.values());
      const damage = this.damage();
      const diagnostics: StoreDiagnostic[] = [];
      for (const audit of this.audits.values()) {
        diagnostics.push(...audit.diagnostics);
        if (audit.overflow > 0) warnings.push(messages.sqliteMoreProblems(this.file, audit.spec.table, audit.overflow));
      }
      return {
        kind: 'sqlite',
        path: this.path,
        writable: verdict.writable && !empty && damage === undefined,
        readOnlyReason: empty ? messages.sqliteEmptyFile(this.path) : damage !== undefined ? messages.sqliteDamagedReadOnly(this.path) : verdict.writable ? null : verdict.reason,
        warnings,
        diagnostics,
      };
    });
  }

  /** What the last count of the alerts from their table's pages read (alertPageCounts.ts), for tests and benchmarks. */
  get alertPageReads(): AlertPageReads {
    return this.alertPages.lastReads;
  }

  refresh(): Promise<RefreshResult> {
    return this.exclusive(async () => {
      await this.catchUp();
      const changes: CollectionChange[] = [];
      if (this.changedSinceRefresh || this.baseline === undefined) {
        const before = this.baseline;
        const current = this.signatures();
        for (const collection of COLLECTIONS) {
          if (before === undefined) break;
          const after = current.get(collection);
          const change = before === null ? { collection, kind: 'reloaded' as const, added: after?.count ?? 0 } : compareSignatures(collection, before.get(collection), after);
          if (change !== undefined) changes.push(change);
        }
        this.baseline = current;
        this.changedSinceRefresh = false;
      }
      const diagnostics = this.found;
      this.found = [];
      return { changes, diagnostics };
    });
  }

  close(): Promise<void> {
    // A count under way stops at its next slice: closing or switching a source cancels its loading.
    this.closing.abort(new PitwallError('input', messages.sqliteStoreClosed(this.path)));
    return this.exclusive(async () => {
      if (this.closed) return;
      this.closed = true;
      this.reader.close();
      const verdict = await this.writerVerdict?.catch(() => undefined);
      if (verdict?.writable) await verdict.writer.close();
    }, true);
  }

  async counts(): Promise<StoreCounts> {
    await this.countPredictionPages();
    return this.reading(() => {
      const all = (spec: TableSpec) => this.count(new Where(this.shape(spec)));
      const alerts = this.shape(alertsTable);
      const predictions = this.shape(predictionsTable);
      const counted = this.countedPredictions();
      return {
        predictions: counted?.rows ?? all(predictionsTable),
        outcomes: counted?.notNull ?? this.count(predictionWhere(predictions, { hasOutcome: true })),
        healthSnapshots: all(healthSnapshotsTable),
        metricSnapshots: all(metricSnapshotsTable),
        alerts: all(alertsTable),
        unacknowledgedAlerts: this.count(alertWhere(alerts, { acknowledged: false })),
        rules: all(rulesTable),
        driftResults: all(driftResultsTable),
        degradationAnalyses: all(degradationAnalysesTable),
        featureImportance: all(featureImportanceTable),
      };
    });
  }

  readModelVersions(): Promise<readonly string[]> {
    return this.reading(async () => {
      const parts: string[] = [];
      const params: SqlValue[] = [];
      const versions = new Set<string>();
      for (const spec of allTables) {
        const shape = this.shape(spec);
        if (!shape.columns.has('model_version')) continue;
        // A large table read page by page: its versions come from its pages, each checked on one row.
        const read = await this.versionsFromPages(spec);
        if (read !== undefined) {
          for (const version of read) versions.add(version);
          continue;
        }
        const where = this.excluding(new Where(shape).add(`${columnSql(shape, 'model_version')} IS NOT NULL`));
        parts.push(`SELECT ${columnSql(shape, 'model_version')} FROM ${quoteIdentifier(spec.table)} ${where.sql}`);
        params.push(...where.params);
      }
      if (parts.length > 0) this.query(predictionsTable, { sql: parts.join(' UNION '), params }, (row) => versions.add(String(row[0])));
      return [...versions].sort(new Intl.Collator('en', { numeric: true }).compare);
    });
  }

  readPredictions(query: PredictionQuery = {}): Promise<readonly PredictionWithOutcome[]> {
    return this.reading(() => {
      const shape = this.shape(predictionsTable);
      return this.select<PredictionWithOutcome>(predictionWhere(shape, query), query.order ?? 'asc', query);
    });
  }

  /**
   * min() or max() of the time with the filter's columns kept off the index choice: SQLite walks
   * the timestamp index (covering with idx_predictions_timestamp_model) from that end, so a
   * version's newest prediction costs the rows newer than it, not the version's rows. The rows at
   * that time are then read and checked as every read is; when none loads, the next time is asked.
   */
  readPredictionTime(end: 'oldest' | 'newest', filter: PredictionTimeFilter = {}): Promise<number | null> {
    return this.reading(() => {
      const shape = this.shape(predictionsTable);
      for (;;) {
        const query = predictionTimeSql(this.excluding(predictionTimeWhere(shape, filter)), end);
        if (query === undefined) return null;
        const found = this.scalar(predictionsTable, query);
        if (found === null || found === undefined) return null;
        const atTime = predictionTimeWhere(shape, filter).add(`${columnSql(shape, 'timestamp')} = ?`, found);
        const [row] = this.select<PredictionWithOutcome>(atTime, 'asc', { limit: 1 });
        if (row !== undefined) return row.timestamp;
      }
    });
  }

  /**
   * The window plan as SQL over the snapshot, leaving out the rows the audit refused, exactly as
   * readPredictionColumns does. Undefined (compute in memory) when a row in range keeps its time
   * in a form other than SQLAlchemy's text, which SQLite's date functions could read differently.
   */
  aggregateWindows(windows: WindowPlan): Promise<WindowStats[] | undefined> {
    // SQL sums tumbling panes; sliding windows are combined from them, as in memory.
    const plan = panePlanOf(windows);
    return this.reading(() => {
      const shape = this.shape(predictionsTable);
      // Rows not audited yet would be summed unchecked: the caller reads them as columns, which checks each.
      if (!this.audit(predictionsTable).complete) return undefined;
      const where = this.windowWhere(shape, plan);
      if (where.never) return [];
      if (Number(this.scalar(predictionsTable, oddTimestampsSql(shape, where))) > 0) return undefined;
      const collector = new WindowStatsCollector(plan);
      const bins = windowBinsSql(shape, where, plan);
      this.query(predictionsTable, bins, (row) => collector.addBinRow(row));
      if (plan.scores) {
        const scores = windowScoresSql(shape, where, plan);
        this.query(predictionsTable, scores, (row) => collector.addScoreRow(row));
      }
      return combinePanes(sortWindowStats(collector.stats()), windows);
    });
  }

  /** The statements aggregateWindows runs for a plan, their parameters written in: what "show SQL" shows. */
  explainWindows(windows: WindowPlan): Promise<readonly string[]> {
    const plan = panePlanOf(windows);
    return this.reading(() => {
      const shape = this.shape(predictionsTable);
      const where = this.windowWhere(shape, plan);
      return [windowBinsSql(shape, where, plan), ...(plan.scores ? [windowScoresSql(shape, where, plan)] : [])].map(inlineParams);
    });
  }

  private windowWhere(shape: TableShape, plan: WindowPlan): Where {
    const filter = {
      ...(Number.isFinite(plan.from) ? { from: plan.from } : {}),
      ...(Number.isFinite(plan.to) ? { to: plan.to } : {}),
      ...(plan.modelVersion === undefined ? {} : { modelVersion: plan.modelVersion }),
    };
    return this.excluding(predictionWhere(shape, filter));
  }

  readPredictionColumns(query: PredictionColumnsQuery = {}): Promise<PredictionColumns> {
    return this.reading(() => {
      const names = [...new Set(query.features ?? [])];
      try {
        return this.predictionColumns(query, names);
      } catch (error) {
        // A row rewritten in place since its audit can hold text json_extract refuses: audit the table whole and read again.
        if (!(error instanceof PitwallError) || !/malformed JSON/i.test(describeError(error.cause))) throw error;
        const audit = this.audit(predictionsTable);
        audit.invalidate();
        try {
          this.found.push(...audit.update(this.reader.database, this.shape(predictionsTable)));
        } catch (auditError) {
          throw this.readFailure(predictionsTable, auditError);
        }
        return this.predictionColumns(query, names);
      }
    });
  }

  readPrediction(predictionId: string): Promise<PredictionWithOutcome | undefined> {
    return this.reading(() => {
      const where = new Where(this.shape(predictionsTable)).equals('prediction_id', predictionId);
      return this.select<PredictionWithOutcome>(where, 'asc', { limit: 1 })[0];
    });
  }

  async countPredictions(filter: PredictionFilter = {}): Promise<number> {
    const whole = filter.from === undefined && filter.to === undefined;
    if (whole) await this.countPredictionPages();
    return this.reading(() => {
      const counted = whole ? this.countedPredictions(filter.modelVersion) : undefined;
      if (counted !== undefined) return filter.hasOutcome === undefined ? counted.rows : filter.hasOutcome ? counted.notNull : counted.rows - counted.notNull;
      return this.count(predictionWhere(this.shape(predictionsTable), filter));
    });
  }

  readHealthSnapshots(query: HealthSnapshotQuery = {}): Promise<readonly HealthSnapshot[]> {
    return this.reading(() =>
      this.select<HealthSnapshot>(healthSnapshotWhere(this.shape(healthSnapshotsTable), query), query.order ?? 'asc', query),
    );
  }

  readMetricSnapshots(query: MetricSnapshotQuery = {}): Promise<readonly MetricSnapshot[]> {
    return this.reading(() =>
      this.select<MetricSnapshot>(metricSnapshotWhere(this.shape(metricSnapshotsTable), query), query.order ?? 'asc', query),
    );
  }

  readAlerts(query: AlertQuery = {}): Promise<readonly StoredAlert[]> {
    return this.reading(() => this.selectAlerts(alertWhere(this.shape(alertsTable), query, this.readsAlongTime(query)), query.order ?? 'desc', query));
  }

  readAlert(key: AlertKey): Promise<StoredAlert | undefined> {
    return this.reading(() => this.alertByKey(key));
  }

  countAlerts(filter: AlertFilter = {}): Promise<number> {
    return this.reading(() => this.count(alertWhere(this.shape(alertsTable), filter)));
  }

  countAlertGroups(columns: readonly AlertGroupColumn[], filter: AlertFilter = {}): Promise<readonly StoredAlertGroupCount[]> {
    return this.reading(() => {
      const query = alertGroupsSql(this.excluding(alertWhere(this.shape(alertsTable), filter)), columns);
      if (query === undefined) return [];
      const groups: StoredAlertGroupCount[] = [];
      this.query(alertsTable, query, (row) => {
        const values = columns.map((column, index) => {
          const value = row[index];
          if (value === null || value === undefined) return null;
          return column === 'threshold' ? Number(value) : String(value);
        });
        groups.push({ values, total: Number(row[columns.length]), open: Number(row[columns.length + 1]) });
      });
      return groups;
    });
  }

  /** One pass over the alerts, grouped by severity, leaving out the rows known to be bad as countAlerts does. */
  countOpenAlertsByModel(): Promise<{ severity: AlertSeverity; model_version: string | null; open: number }[]> {
    return this.reading(() => this.alertGroups().flatMap(({ severity, model_version, open }) => (open > 0 ? [{ severity, model_version, open }] : [])));
  }

  /** One grouped query over the range's alerts (through the timestamp index), leaving out the rows known to be bad as countAlerts does. */
  countAlertsBySignature(range: TimeRange = {}): Promise<AlertSignatureCount[]> {
    return this.reading(() => {
      const shape = this.shape(alertsTable);
      const where = this.excluding(alertWhere(shape, range));
      if (!shape.present || where.never) return [];
      const columns = (['metric_name', 'threshold', 'severity', 'component'] as const).map((name) => columnSql(shape, name)).join(', ');
      const counts: AlertSignatureCount[] = [];
      this.query(alertsTable, { sql: `SELECT ${columns}, count(*) FROM alerts ${where.sql} GROUP BY 1, 2, 3, 4`, params: where.params }, (row) => {
        const severity = String(row[2]);
        if (!(ALERT_SEVERITIES as readonly string[]).includes(severity)) return;
        counts.push({
          metric_name: row[0] === null ? null : String(row[0]),
          threshold: typeof row[1] === 'number' ? row[1] : null,
          severity: severity as AlertSeverity,
          component: row[3] === null ? null : String(row[3]),
          count: Number(row[4]),
        });
      });
      return counts;
    });
  }

  countAlertsBySeverity(): Promise<{ severity: AlertSeverity; total: number; open: number }[]> {
    return this.reading(() => {
      const counts = new Map<AlertSeverity, { total: number; open: number }>();
      for (const group of this.alertGroups()) {
        const found = counts.get(group.severity) ?? { total: 0, open: 0 };
        counts.set(group.severity, { total: found.total + group.total, open: found.open + group.open });
      }
      return ALERT_SEVERITIES.flatMap((name) => {
        const found = counts.get(name);
        return found === undefined ? [] : [{ severity: name, ...found }];
      });
    });
  }

  /**
   * Alerts counted by severity and model version, all and open (not acknowledged): one pass over
   * the table, which `summary` asks for twice (counts, open alerts by model). Kept until the
   * snapshot is replaced, the audit refuses another row, or the store replays its own write on
   * the snapshot. A severity outside the schema's is no severity's, as in countAlerts.
   */
  private alertGroups(): readonly AlertGroupCount[] {
    const shape = this.shape(alertsTable);
    const where = this.excluding(new Where(shape));
    if (!shape.present || where.never) return [];
    const fromPages = this.alertCountsFromPages();
    if (fromPages !== undefined) return fromPages.groups;
    const key = `${where.sql}\u0000${JSON.stringify(where.params)}`;
    const cached = this.alertGroupCache;
    if (cached !== undefined && cached.snapshot === this.reader.snapshot && cached.key === key) return cached.groups;
    const severity = columnSql(shape, 'severity');
    const version = columnSql(shape, 'model_version');
    const acknowledged = columnSql(shape, 'acknowledged');
    const groups: AlertGroupCount[] = [];
    // The table read in page order (NOT INDEXED): through the severity index it is read three times over, out of order.
    const sql = `SELECT ${severity}, ${version}, count(*), sum(CASE WHEN ${acknowledged} IS NOT 1 THEN 1 ELSE 0 END) FROM alerts NOT INDEXED ${where.sql} GROUP BY 1, 2`;
    this.query(alertsTable, { sql, params: where.params }, (row) => {
      const name = String(row[0]);
      if ((ALERT_SEVERITIES as readonly string[]).includes(name)) {
        groups.push({ severity: name as AlertSeverity, model_version: row[1] === null ? null : String(row[1]), total: Number(row[2]), open: Number(row[3]) });
      }
    });
    this.alertGroupCache = { snapshot: this.reader.snapshot, key, groups };
    return groups;
  }

  readRules(): Promise<readonly AlertRule[]> {
    return this.reading(() => this.rules());
  }

  monitoringData(): Promise<readonly string[]> {
    return this.reading(() => allTables.filter((spec) => this.shape(spec).present).map((spec) => spec.table));
  }

  readSilences(): Promise<readonly Silence[]> {
    return this.reading(() => this.silences());
  }

  /** The comments live in Pitwall's own table `pitwall_acknowledgments`, one row per acknowledgment that had one. */
  readAcknowledgments(keys?: readonly AlertKey[]): Promise<readonly Acknowledgment[]> {
    return this.reading(() => {
      const db = this.reader.database;
      if (scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'pitwall_acknowledgments'") === 0) return [];
      const ids = keys?.map(Number).filter((id) => Number.isSafeInteger(id));
      if (ids !== undefined && ids.length === 0) return [];
      const where = ids === undefined ? '' : ` WHERE k.alert_row_id IN (${ids.map(() => '?').join(', ')})`;
      const found: Acknowledgment[] = [];
      eachRow(
        db,
        `SELECT k.id, k.alert_row_id, a.alert_id, k.acknowledged_by, k.acknowledged_at, k.comment FROM pitwall_acknowledgments k LEFT JOIN ${quoteIdentifier(alertsTable.table)} a ON a.id = k.alert_row_id${where} ORDER BY k.id`,
        ids ?? [],
        (row) => {
          const at = parseTimestamp(row[4]);
          // A row that does not read is left out rather than shown with a made-up time.
          if (!at.ok) return;
          found.push({
            alert_key: String(row[1]),
            alert_id: typeof row[2] === 'string' && row[2] !== '' ? row[2] : String(row[1]),
            acknowledged_at: at.seconds,
            acknowledged_by: typeof row[3] === 'string' ? row[3] : null,
            comment: typeof row[5] === 'string' ? row[5] : null,
          });
        },
      );
      return found;
    });
  }

  readAlertStates(): Promise<Readonly<Record<string, number>>> {
    return this.reading(() => {
      const db = this.reader.database;
      const states = Object.create(null) as Record<string, number>;
      if (scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'pitwall_alert_state'") === 0) return states;
      eachRow(db, 'SELECT fingerprint, fired_at FROM pitwall_alert_state', [], (row) => {
        if (typeof row[0] === 'string' && typeof row[1] === 'number' && Number.isFinite(row[1])) states[row[0]] = row[1];
      });
      return states;
    });
  }

  updateAlertStates(firing: Readonly<Record<string, number>>, cleared: readonly string[]): Promise<void> {
    return this.exclusive(async () => {
      if (Object.keys(firing).length === 0 && cleared.length === 0) return;
      const writer = await this.writable();
      await this.write(writer, [
        { sql: ALERT_STATE_TABLE_SQL, params: [] },
        ...cleared.map((fingerprint) => ({ sql: 'DELETE FROM pitwall_alert_state WHERE fingerprint = ?', params: [fingerprint] })),
        ...Object.entries(firing).map(([fingerprint, at]) => ({ sql: 'INSERT OR REPLACE INTO pitwall_alert_state (fingerprint, fired_at) VALUES (?, ?)', params: [fingerprint, at] })),
      ]);
    });
  }

  /** Silences live in Pitwall's own table, created with the first one, in the same transaction. */
  saveSilence(silence: Silence): Promise<void> {
    return this.exclusive(async () => {
      const writer = await this.writable();
      const value = checkSilence(silence);
      await this.write(writer, [
        { sql: SILENCES_TABLE_SQL, params: [] },
        { sql: 'INSERT OR REPLACE INTO pitwall_silences (id, silence) VALUES (?, ?)', params: [value.id, JSON.stringify(value)] },
      ]);
    });
  }

  expireSilence(id: string, at: number): Promise<boolean> {
    return this.exclusive(async () => {
      const silence = this.silences().find((s) => s.id === id);
      if (silence === undefined) return false;
      if (silence.ends_at <= at) return true;
      const writer = await this.writable();
      const ended = { ...silence, ends_at: Math.max(at, silence.starts_at + 1e-6) };
      await this.write(writer, [{ sql: 'UPDATE pitwall_silences SET silence = ? WHERE id = ?', params: [JSON.stringify(ended), id] }]);
      return true;
    });
  }

  /**
   * The delivery log, oldest first. Every row is validated, so that each damaged one is reported
   * whatever the query selects; only the records selected are kept in memory.
   */
  readDeliveries(query: DeliveryQuery = {}): Promise<DeliveryLog> {
    return this.reading(() => {
      const selection = new DeliverySelection(query);
      const problems = new ProblemList(this.options.diagnosticsPerTable ?? 1000, (count) => messages.sqliteMoreProblems(this.path, DELIVERIES_TABLE, count));
      const db = this.reader.database;
      try {
        if (scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [DELIVERIES_TABLE]) === 0) return { records: [], problems: [] };
        eachRow(db, SELECT_DELIVERIES_SQL, [], (row) => {
          const parsed = parseDelivery(Object.fromEntries(DELIVERY_FIELDS.map((field, index) => [field, row[index + 1]])));
          if (parsed.ok) selection.offer(parsed.value);
          else problems.add(messages.deliveryRowSkipped(this.path, DELIVERIES_TABLE, Number(row[0]), parsed.issues.map(describeIssue).join('; ')));
        });
      } catch (error) {
        if (error instanceof PitwallError) throw error;
        const detail = describeError(error);
        const code = /malformed|corrupt|not a database/i.test(detail) ? 'corrupt' : 'internal';
        throw new PitwallError(code, messages.sqliteReadQueryFailed(this.file, DELIVERIES_TABLE, detail), { cause: error });
      }
      return { records: selection.records, problems: problems.all };
    });
  }

  /** Appends to Pitwall's delivery table, created with the first record, all in one transaction. */
  recordDeliveries(records: readonly DeliveryRecord[]): Promise<void> {
    return this.exclusive(async () => {
      if (records.length === 0) return;
      const writer = await this.writable();
      const values = checkDeliveries(this.path, records);
      await this.write(writer, [
        { sql: DELIVERIES_TABLE_SQL, params: [] },
        ...values.map((record) => ({ sql: INSERT_DELIVERY_SQL, params: DELIVERY_FIELDS.map((field) => record[field]) })),
      ]);
    });
  }

  /** The alert contexts, newest per alert; every row is validated, and each damaged one reported by its row id. */
  readAlertContexts(keys?: readonly AlertKey[]): Promise<AlertContextLog> {
    return this.reading(() => {
      const problems = new ProblemList(this.options.diagnosticsPerTable ?? 1000, (count) => messages.sqliteMoreProblems(this.path, ALERT_CONTEXT_TABLE, count));
      const records: AlertContextRecord[] = [];
      const wanted = keys === undefined ? null : new Set(keys);
      const db = this.reader.database;
      try {
        if (scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [ALERT_CONTEXT_TABLE]) === 0) return { records: [], problems: [] };
        const onRow = (row: unknown[]) => {
          const parsed = parseAlertContextRow(row[1], row[2], row[3]);
          if (!parsed.ok) problems.add(messages.alertContextRowSkipped(this.path, ALERT_CONTEXT_TABLE, Number(row[0]), parsed.issues.map(describeIssue).join('; ')));
          else if (wanted === null || wanted.has(parsed.value.alert)) records.push(parsed.value);
        };
        if (wanted === null) eachRow(db, SELECT_ALERT_CONTEXTS_SQL, [], onRow);
        else {
          // Only the rows of the alerts asked for (a page of a tree), a bounded number of keys per query, in row order.
          const chunks: string[][] = [];
          const all = [...wanted];
          for (let i = 0; i < all.length; i += CONTEXT_KEYS_PER_QUERY) chunks.push(all.slice(i, i + CONTEXT_KEYS_PER_QUERY));
          const rows: unknown[][] = [];
          for (const chunk of chunks) eachRow(db, selectAlertContextsOf(chunk.length), chunk, (row) => rows.push([...row]));
          rows.sort((a, b) => Number(a[0]) - Number(b[0]));
          rows.forEach(onRow);
        }
      } catch (error) {
        if (error instanceof PitwallError) throw error;
        const detail = describeError(error);
        const code = /malformed|corrupt|not a database/i.test(detail) ? 'corrupt' : 'internal';
        throw new PitwallError(code, messages.sqliteReadQueryFailed(this.file, ALERT_CONTEXT_TABLE, detail), { cause: error });
      }
      return { records: newestContexts(records, keys), problems: problems.all };
    });
  }

  /** Appends to Pitwall's alert context table, created with the first record, all in one transaction. */
  recordAlertContexts(records: readonly AlertContextRecord[]): Promise<void> {
    return this.exclusive(async () => {
      if (records.length === 0) return;
      const writer = await this.writable();
      const values = checkAlertContexts(this.path, records);
      await this.write(writer, [
        { sql: ALERT_CONTEXT_TABLE_SQL, params: [] },
        ...values.map((record) => ({ sql: INSERT_ALERT_CONTEXT_SQL, params: [record.alert, record.recorded_at, JSON.stringify(record.why)] })),
      ]);
    });
  }

  readDriftResults(query: DriftResultQuery = {}): Promise<readonly DriftResult[]> {
    return this.reading(() =>
      this.select<DriftResult>(driftResultWhere(this.shape(driftResultsTable), query), query.order ?? 'asc', query),
    );
  }

  readDegradationAnalyses(query: DegradationAnalysisQuery = {}): Promise<readonly DegradationAnalysis[]> {
    return this.reading(() =>
      this.select<DegradationAnalysis>(
        degradationAnalysisWhere(this.shape(degradationAnalysesTable), query),
        query.order ?? 'asc',
        query,
      ),
    );
  }

  readFeatureImportance(query: FeatureImportanceQuery = {}): Promise<readonly FeatureImportance[]> {
    return this.reading(() =>
      this.select<FeatureImportance>(featureImportanceWhere(this.shape(featureImportanceTable), query), query.order ?? 'asc', query),
    );
  }

  // --- writes ----------------------------------------------------------------

  recordPrediction(prediction: Prediction): Promise<void> {
    return this.exclusive(async () => {
      const writer = await this.writable();
      const value = this.validate(predictionRecord, 'prediction', prediction);
      const shape = this.shape(predictionsTable);
      const insert = insertStatement(shape, encodeRecord(this.path, shape, value), ['prediction_id', value.prediction_id]);
      const result = await this.write(writer, [insert]);
      if (result.changes[0] === 0) throw new PitwallError('conflict', messages.sqliteDuplicatePrediction(this.path, value.prediction_id));
    });
  }

  recordOutcome(outcome: Outcome): Promise<boolean> {
    return this.exclusive(async () => {
      const writer = await this.writable();
      const value = this.validate(outcomeRecord, 'outcome', outcome);
      const shape = this.shape(predictionsTable);
      const set = assignmentsSql(
        encodeRecord(this.path, shape, { actual_outcome: value.actual_outcome, actual_outcome_timestamp: value.timestamp }),
      );
      const update = {
        sql: `UPDATE predictions SET ${set.sql} WHERE ${columnSql(shape, 'prediction_id')} = ?`,
        params: [...set.params, value.prediction_id],
      };
      return ((await this.write(writer, [update])).changes[0] ?? 0) > 0;
    });
  }

  recordHealthSnapshot(snapshot: HealthSnapshot): Promise<void> {
    return this.append(healthSnapshotsTable, healthSnapshotRecord, 'health snapshot', snapshot);
  }

  recordMetricSnapshot(snapshot: MetricSnapshot): Promise<void> {
    return this.append(metricSnapshotsTable, metricSnapshotRecord, 'metric snapshot', snapshot);
  }

  appendAlert(alert: NewAlert): Promise<StoredAlert> {
    return this.exclusive(async () => {
      const writer = await this.writable();
      const value = this.validate(alertRecord, 'alert', { ...alert, alert_id: alert.alert_id ?? randomUUID() });
      const shape = this.shape(alertsTable);
      const insert = insertStatement(shape, encodeRecord(this.path, shape, value), ['alert_id', value.alert_id]);
      const result = await this.write(writer, [insert]);
      await this.readBack();
      const id = result.lastInsertRowids[0];
      if (id === null || id === undefined) throw new PitwallError('conflict', messages.sqliteDuplicateAlert(this.path, value.alert_id));
      const key = String(id);
      return this.alertByKey(key) ?? { ...value, key };
    });
  }

  /**
   * One evaluation's firing states, cooldowns and alerts in one transaction: a process that dies
   * halfway leaves none of them, so a rerun fires and notifies once.
   */
  recordFirings(firing: Readonly<Record<string, number>>, cleared: readonly string[], triggered: readonly string[], at: number, alerts: readonly NewAlert[]): Promise<StoredAlert[]> {
    return this.exclusive(async () => {
      if (Object.keys(firing).length === 0 && cleared.length === 0 && triggered.length === 0 && alerts.length === 0) return [];
      const writer = await this.writable();
      const statements: SqliteStatement[] = [
        { sql: ALERT_STATE_TABLE_SQL, params: [] },
        ...cleared.map((fingerprint) => ({ sql: 'DELETE FROM pitwall_alert_state WHERE fingerprint = ?', params: [fingerprint] })),
        ...Object.entries(firing).map(([fingerprint, firedAt]) => ({ sql: 'INSERT OR REPLACE INTO pitwall_alert_state (fingerprint, fired_at) VALUES (?, ?)', params: [fingerprint, firedAt] })),
      ];
      const rules = this.shape(rulesTable);
      if (rules.present) {
        const set = assignmentsSql(encodeRecord(this.path, rules, { last_triggered: at }));
        for (const ruleId of triggered) statements.push({ sql: `UPDATE alert_rules SET ${set.sql}${this.touch(rules)} WHERE ${columnSql(rules, 'rule_id')} = ?`, params: [...set.params, ruleId] });
      }
      const shape = this.shape(alertsTable);
      const values = alerts.map((alert) => this.validate(alertRecord, 'alert', { ...alert, alert_id: alert.alert_id ?? randomUUID() }));
      const first = statements.length;
      for (const value of values) statements.push(insertStatement(shape, encodeRecord(this.path, shape, value), ['alert_id', value.alert_id]));
      const result = await this.write(writer, statements);
      await this.readBack();
      return values.map((value, index) => {
        const id = result.lastInsertRowids[first + index];
        if (id === null || id === undefined) throw new PitwallError('conflict', messages.sqliteDuplicateAlert(this.path, value.alert_id));
        const key = String(id);
        return this.alertByKey(key) ?? { ...value, key };
      });
    });
  }

  /**
   * A comment has no column in the service's schema: it goes to Pitwall's own table
   * `pitwall_acknowledgments`, created on the first commented acknowledgment, in the same
   * transaction as the update, and only for alerts that this call acknowledged.
   */
  acknowledgeAlerts(keys: readonly AlertKey[], acknowledgedBy: string | null, at: number, comment: string | null = null): Promise<AcknowledgeResult> {
    return this.exclusive(async () => {
      const unique = [...new Set(keys)];
      if (unique.length === 0) return { acknowledged: [], alreadyAcknowledged: [], notFound: [] };
      const writer = await this.writable();
      const shape = this.shape(alertsTable);
      const set = assignmentsSql(
        encodeRecord(this.path, shape, { acknowledged: true, acknowledged_at: at, acknowledged_by: acknowledgedBy }),
      );
      const candidates = unique.filter((key) => ALERT_KEY.test(key));
      const id = columnSql(shape, 'id');
      const acknowledged = columnSql(shape, 'acknowledged');
      const commented = comment !== null && comment !== '';
      // With a comment, each UPDATE is followed by an INSERT that runs only if the UPDATE changed a row.
      const perKey = commented ? 2 : 1;
      const statements: SqliteStatement[] = commented ? [{ sql: ACKNOWLEDGMENTS_TABLE_SQL, params: [] }] : [];
      for (const key of candidates) {
        statements.push({ sql: `UPDATE alerts SET ${set.sql} WHERE ${id} = ? AND ${acknowledged} IS NOT 1`, params: [...set.params, Number(key)] });
        if (commented) {
          statements.push({
            sql: 'INSERT INTO pitwall_acknowledgments (alert_row_id, acknowledged_by, acknowledged_at, comment) SELECT ?, ?, ?, ? WHERE changes() > 0',
            params: [Number(key), acknowledgedBy, toSqlAlchemyText(at), comment],
          });
        }
      }
      const changed = new Set<AlertKey>();
      if (candidates.length > 0) {
        const result = await this.write(writer, statements);
        const offset = commented ? 1 : 0;
        candidates.forEach((key, index) => {
          if ((result.changes[offset + index * perKey] ?? 0) > 0) changed.add(key);
        });
      }
      const existing = this.existingAlerts(shape, candidates.filter((key) => !changed.has(key)));
      return {
        acknowledged: unique.filter((key) => changed.has(key)),
        alreadyAcknowledged: unique.filter((key) => existing.has(key)),
        notFound: unique.filter((key) => !changed.has(key) && !existing.has(key)),
      };
    });
  }

  /** One transaction: each acknowledged alert's row back to never acknowledged; comments in pitwall_acknowledgments stay as history. */
  unacknowledgeAlerts(keys: readonly AlertKey[]): Promise<UnacknowledgeResult> {
    return this.exclusive(async () => {
      const unique = [...new Set(keys)];
      if (unique.length === 0) return { unacknowledged: [], notAcknowledged: [], notFound: [] };
      const writer = await this.writable();
      const shape = this.shape(alertsTable);
      const set = assignmentsSql(encodeRecord(this.path, shape, { acknowledged: false, acknowledged_at: null, acknowledged_by: null }));
      const candidates = unique.filter((key) => ALERT_KEY.test(key));
      const id = columnSql(shape, 'id');
      const acknowledged = columnSql(shape, 'acknowledged');
      const changed = new Set<AlertKey>();
      if (candidates.length > 0) {
        const result = await this.write(
          writer,
          candidates.map((key) => ({ sql: `UPDATE alerts SET ${set.sql} WHERE ${id} = ? AND ${acknowledged} = 1`, params: [...set.params, Number(key)] })),
        );
        candidates.forEach((key, index) => {
          if ((result.changes[index] ?? 0) > 0) changed.add(key);
        });
      }
      const existing = this.existingAlerts(shape, candidates.filter((key) => !changed.has(key)));
      return {
        unacknowledged: unique.filter((key) => changed.has(key)),
        notAcknowledged: unique.filter((key) => existing.has(key)),
        notFound: unique.filter((key) => !changed.has(key) && !existing.has(key)),
      };
    });
  }

  saveRule(rule: AlertRule): Promise<void> {
    return this.exclusive(async () => {
      const writer = await this.writable();
      const value = this.validate(alertRuleRecord, 'alert rule', rule);
      const shape = this.shape(rulesTable);
      // A row with this rule_id that could not be read is not ours to overwrite: its values would be lost unseen.
      if (shape.present && !this.rules().some((existing) => existing.rule_id === value.rule_id)) {
        const unreadable: number[] = [];
        this.query(rulesTable, { sql: `SELECT ${columnSql(shape, 'id')} FROM alert_rules WHERE ${columnSql(shape, 'rule_id')} = ?`, params: [value.rule_id] }, (row) =>
          unreadable.push(Number(row[0])),
        );
        if (unreadable.length > 0) throw new PitwallError('conflict', messages.sqliteRuleRowUnreadable(this.file, value.rule_id, unreadable));
      }
      const pairs = encodeRecord(this.path, shape, ruleForWriting(value));
      const set = assignmentsSql(pairs.filter(([column]) => column !== 'rule_id'));
      const update = {
        sql: `UPDATE alert_rules SET ${set.sql}${this.touch(shape)} WHERE ${columnSql(shape, 'rule_id')} = ?`,
        params: [...set.params, value.rule_id],
      };
      // Replace or add, in one transaction: the insert does nothing when the update found the rule.
      await this.write(writer, [update, insertStatement(shape, pairs, ['rule_id', value.rule_id])]);
    });
  }

  deleteRule(ruleId: string): Promise<boolean> {
    return this.exclusive(async () => {
      const writer = await this.writable();
      const shape = this.shape(rulesTable);
      if (!shape.present) return false;
      const result = await this.write(writer, [{ sql: `DELETE FROM alert_rules WHERE ${columnSql(shape, 'rule_id')} = ?`, params: [ruleId] }]);
      return (result.changes[0] ?? 0) > 0;
    });
  }

  markRuleTriggered(ruleId: string, at: number): Promise<void> {
    return this.exclusive(async () => {
      const writer = await this.writable();
      const shape = this.shape(rulesTable);
      // No rules table: no rule to keep a cooldown for.
      if (!shape.present) return;
      const set = assignmentsSql(encodeRecord(this.path, shape, { last_triggered: at }));
      await this.write(writer, [
        { sql: `UPDATE alert_rules SET ${set.sql}${this.touch(shape)} WHERE ${columnSql(shape, 'rule_id')} = ?`, params: [...set.params, ruleId] },
      ]);
    });
  }

  recordDriftResult(result: DriftResult): Promise<void> {
    return this.append(driftResultsTable, driftResultRecord, 'drift result', result);
  }

  recordDegradationAnalysis(analysis: DegradationAnalysis): Promise<void> {
    return this.append(degradationAnalysesTable, degradationAnalysisRecord, 'degradation analysis', analysis);
  }

  recordFeatureImportance(importance: FeatureImportance): Promise<void> {
    return this.append(featureImportanceTable, featureImportanceRecord, 'feature importance', importance);
  }

  // --- inside ----------------------------------------------------------------

  /** Runs `work` after every earlier call has finished. */
  private exclusive<T>(work: () => T | Promise<T>, evenClosed = false): Promise<T> {
    const run = this.queue.then(async () => {
      if (this.closed && !evenClosed) throw new PitwallError('input', messages.sqliteStoreClosed(this.path));
      if (this.behind && !this.closed) {
        await this.catchUp();
        this.behind = false;
      }
      return work();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs a read after every earlier call. A snapshot read page by page is torn when the main file
   * changed while the read ran (a checkpoint): the read is repeated on a fresh snapshot, so no
   * answer mixes pages from before and after.
   */
  private alertGroupCache: { readonly snapshot: unknown; readonly key: string; readonly groups: readonly AlertGroupCount[] } | undefined;

  private reading<T>(work: () => T | Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      for (let attempt = 1; ; attempt++) {
        let result: T | undefined;
        let failure: unknown;
        let failed = false;
        try {
          result = await work();
        } catch (error) {
          failed = true;
          failure = error;
        }
        if (attempt >= TORN_READ_ATTEMPTS || !this.reader.isTorn()) {
          if (failed) throw failure;
          return result as T;
        }
        await this.catchUp();
      }
    });
  }

  private shape(spec: TableSpec): TableShape {
    return this.shapes.get(spec) ?? shapeOf(this.reader.snapshot, spec);
  }

  private audit(spec: TableSpec): RowAudit {
    // Every table of allTables has one, made in the constructor.
    return this.audits.get(spec) as RowAudit;
  }

  /** Takes the file's current state in when it changed: a new snapshot, audited. */
  private async catchUp(): Promise<void> {
    if (this.baseline === undefined && this.reader.isStale()) this.fixBaseline();
    if (await this.reader.refreshIfChanged()) this.auditPending = true;
    if (!this.auditPending) return;
    this.takeSnapshot();
    this.auditPending = false;
  }

  /** Fixes what refresh() will compare with, from the snapshot as it is now. */
  private fixBaseline(): void {
    if (this.baseline !== undefined) return;
    try {
      this.baseline = this.signatures();
    } catch {
      this.baseline = null;
    }
  }

  /** Takes the reader's current snapshot in: the tables' shapes, and an audit of what changed. */
  private takeSnapshot(): void {
    this.shapes = new Map(allTables.map((spec) => [spec, shapeOf(this.reader.snapshot, spec)]));
    this.unreadableTables.clear();
    for (const spec of allTables) {
      try {
        const audit = this.audit(spec);
        this.found.push(...(this.auditsLazily(spec) ? audit.updateLazily(this.reader.database, this.shape(spec)) : audit.update(this.reader.database, this.shape(spec))));
      } catch (error) {
        const failure = this.readFailure(spec, error);
        if (failure.code !== 'corrupt') throw failure;
        // A damaged page costs its own table, not the whole source: the table reads as absent, and says why.
        this.unreadableTables.set(spec.table, failure.message);
        this.shapes.set(spec, { ...this.shape(spec), present: false, columns: new Set(), fields: [], nullFields: [] });
        this.audit(spec).invalidate();
      }
    }
    this.changedSinceRefresh = true;
  }

  /** A large table of a snapshot read page by page: audited as reads meet its rows, not whole on open. */
  private auditsLazily(spec: TableSpec): boolean {
    const shape = this.shape(spec);
    if (!this.reader.lazy || !shape.present) return false;
    const maxId = Number(scalar(this.reader.database, `SELECT coalesce(max(${columnSql(shape, 'id')}), 0) FROM ${quoteIdentifier(spec.table)}`));
    return maxId > (this.options.auditWholeRows ?? 20_000);
  }

  private readFailure(spec: TableSpec, error: unknown): PitwallError {
    if (error instanceof PitwallError) return error;
    const detail = describeError(error);
    const code = /malformed|corrupt|not a database/i.test(detail) ? 'corrupt' : 'internal';
    return new PitwallError(code, messages.sqliteReadQueryFailed(this.file, spec.table, detail), { cause: error });
  }

  private query(spec: TableSpec, query: SqlText, visit: (row: SqlValue[]) => void): void {
    try {
      eachRow(this.reader.database, query.sql, query.params, visit);
    } catch (error) {
      throw this.readFailure(spec, error);
    }
  }

  private excluding(where: Where): Where {
    return where.excluding(this.audit(where.shape.spec).skippedIds);
  }

  private scalar(spec: TableSpec, query: SqlText): SqlValue {
    try {
      return scalar(this.reader.database, query.sql, query.params);
    } catch (error) {
      throw this.readFailure(spec, error);
    }
  }

  private count(where: Where): number {
    const query = countSql(this.excluding(where));
    return query === undefined ? 0 : Number(this.scalar(where.shape.spec, query));
  }

  /**
   * The records a filter selects; a row the schema refuses is reported and left out. A page of a
   * table audited as it is read may meet such a row for the first time: it is read again without
   * it, so the page is still full.
   */
  private select<T>(where: Where, order: SortOrder, page: Page, make: (value: T, id: number) => T = (value) => value): T[] {
    const { shape } = where;
    // Unread rows before an offset may be bad: they are read (and checked) too, so the page starts where it should.
    const offset = page.offset ?? 0;
    const read: Page = offset > 0 && !this.audit(shape.spec).complete ? { ...(page.limit === undefined ? {} : { limit: offset + page.limit }) } : page;
    for (;;) {
      const query = selectSql(this.excluding(where), order, read);
      if (query === undefined) return [];
      const records: T[] = [];
      let refused = false;
      this.query(shape.spec, query, (row) => {
        const parsed = parseRow(shape, row);
        if (parsed.ok) records.push(make(parsed.value as T, Number(row[0])));
        else refused = this.reportRow(shape.spec, Number(row[0]), parsed.issues) || refused;
      });
      if (!refused || read.limit === undefined) return read === page ? records : records.slice(offset);
    }
  }

  /** Leaves a row out from now on; true when it was not known to be bad before. */
  private reportRow(spec: TableSpec, id: number, issues: Parameters<RowAudit['reportRow']>[1]): boolean {
    const audit = this.audit(spec);
    if (audit.isSkipped(id)) return false;
    const diagnostic = audit.reportRow(id, issues);
    if (diagnostic !== undefined) this.found.push(diagnostic);
    return true;
  }

  private selectAlerts(where: Where, order: SortOrder, page: Page): StoredAlert[] {
    return this.select<StoredAlert>(where, order, page, (alert, id) => ({ ...alert, key: String(id) }));
  }

  /** Which of these alert keys have a row. */
  private existingAlerts(shape: TableShape, keys: readonly AlertKey[]): Set<AlertKey> {
    const existing = new Set<AlertKey>();
    if (keys.length === 0) return existing;
    const id = columnSql(shape, 'id');
    const sql = `SELECT ${id} FROM alerts WHERE ${id} IN (SELECT value FROM json_each(?))`;
    this.query(alertsTable, { sql, params: [JSON.stringify(keys.map(Number))] }, (row) => existing.add(String(row[0])));
    return existing;
  }

  private alertByKey(key: AlertKey): StoredAlert | undefined {
    if (!ALERT_KEY.test(key)) return this.alertByMigratedKey(key);
    const shape = this.shape(alertsTable);
    const where = new Where(shape).add(`${columnSql(shape, 'id')} = ?`, Number(key));
    return this.selectAlerts(where, 'desc', { limit: 1 })[0];
  }

  /**
   * An alert by the key a JSONL folder gave it (`<alert_id>#<n>`), for names kept from before a
   * migration: the first alert with an id is `<alert_id>#1`, a later one is in pitwall_alert_keys.
   */
  private alertByMigratedKey(key: AlertKey): StoredAlert | undefined {
    const hash = key.lastIndexOf('#');
    if (hash <= 0) return undefined;
    const db = this.reader.database;
    let alertId = key.endsWith('#1') ? key.slice(0, hash) : undefined;
    if (scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'pitwall_alert_keys'") !== 0) {
      eachRow(db, 'SELECT alert_id FROM pitwall_alert_keys WHERE alert_key = ?', [key], (row) => {
        alertId = String(row[0]);
      });
    }
    if (alertId === undefined) return undefined;
    const where = new Where(this.shape(alertsTable)).equals('alert_id', alertId);
    return this.selectAlerts(where, 'asc', { limit: 1 })[0];
  }

  private silences(): Silence[] {
    const db = this.reader.database;
    if (scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'pitwall_silences'") === 0) return [];
    const found: Silence[] = [];
    eachRow(db, 'SELECT rowid, silence FROM pitwall_silences ORDER BY rowid', [], (row) => {
      let json: unknown;
      try {
        json = JSON.parse(String(row[1]));
      } catch (error) {
        throw new PitwallError('corrupt', messages.silenceInvalid(`${this.file} pitwall_silences row ${String(row[0])}`, describeError(error)));
      }
      found.push(parseSilence(json, `${this.file} pitwall_silences row ${String(row[0])}`));
    });
    return found;
  }

  private rules(): AlertRule[] {
    return this.select<AlertRule>(new Where(this.shape(rulesTable)), 'asc', {});
  }

  private predictionColumns(query: PredictionColumnsQuery, names: readonly string[]): PredictionColumns {
    const shape = this.shape(predictionsTable);
    const metadata = [...new Set(query.metadata ?? [])];
    const builder = new ColumnsBuilder(names, metadata);
    const sql = selectSql(this.excluding(predictionWhere(shape, query)), query.order ?? 'asc', query, columnsSelectList(shape, names, metadata));
    if (sql === undefined) return builder.build();
    this.query(predictionsTable, sql, (row) => {
      if (builder.addRow(row)) return;
      // Something the light checks do not accept: the schema decides, and names the field.
      const whole = this.predictionRow(shape, Number(row[0]));
      if (whole !== undefined) {
        const scalar = (value: unknown) => (value === undefined || (value !== null && typeof value === 'object') ? null : (value as FeatureValue));
        builder.add(whole, names.map((name) => whole.features[name] ?? null), metadata.map((name) => scalar(whole.metadata?.[name])));
      }
    });
    return builder.build();
  }

  /** One predictions row read whole and validated; undefined (and reported) when the schema refuses it. */
  private predictionRow(shape: TableShape, id: number): PredictionWithOutcome | undefined {
    let prediction: PredictionWithOutcome | undefined;
    const sql = `SELECT ${selectListSql(shape)} FROM predictions WHERE ${columnSql(shape, 'id')} = ?`;
    this.query(predictionsTable, { sql, params: [id] }, (row) => {
      const parsed = parseRow(shape, row);
      if (parsed.ok) prediction = parsed.value as PredictionWithOutcome;
      else this.reportRow(predictionsTable, id, parsed.issues);
    });
    return prediction;
  }

  /** Counts, highest ids and in-place state of every collection, for refresh() to compare. */
  private signatures(): Map<Collection, Signature> {
    const signatures = new Map<Collection, Signature>();
    for (const collection of COLLECTIONS) {
      const spec = tableOfCollection[collection];
      const shape = this.shape(spec);
      if (!shape.present) {
        signatures.set(collection, { count: 0, maxId: 0, detail: '' });
        continue;
      }
      // Over the rows that load: a bad row arriving changes nothing a reader sees.
      const loading = this.excluding(new Where(shape));
      const sql = `SELECT coalesce(max(${columnSql(shape, 'id')}), 0) FROM ${quoteIdentifier(spec.table)} ${loading.sql}`;
      const maxId = Number(this.scalar(spec, { sql, params: loading.params }));
      let count: number;
      let detail = '';
      if (spec === predictionsTable && !this.audit(spec).complete) {
        // Counting a million predictions (and their outcomes) on every change would cost more than the
        // change: rows are appended with growing ids, and any other change of the file may have set outcomes.
        signatures.set(collection, collection === 'outcomes' ? { count: 0, maxId: 0, detail: this.fileVersion() } : { count: maxId, maxId, detail: '' });
        continue;
      }
      const fromPages = collection === 'alerts' ? this.alertCountsFromPages() : undefined;
      if (fromPages !== undefined) {
        count = fromPages.count;
        detail = String(fromPages.acknowledged);
      } else if (collection === 'outcomes') {
        count = this.count(predictionWhere(shape, { hasOutcome: true }));
      } else {
        count = this.count(new Where(shape));
        if (collection === 'alerts') detail = String(this.count(alertWhere(shape, { acknowledged: true })));
        if (collection === 'rules') detail = JSON.stringify(this.rules());
      }
      signatures.set(collection, { count, maxId: collection === 'outcomes' ? 0 : maxId, detail });
    }
    return signatures;
  }

  /**
   * The alerts counted from their table's pages (alertPageCounts.ts): once per snapshot, the
   * pages that did not change since the last snapshot kept, not read. For a store that follows
   * changes, on a snapshot read page by page that it has not replayed its own writes on;
   * undefined otherwise, or when the pages are not as expected (SQL counts then).
   */
  private alertTotals(): AlertPageTotals | undefined {
    const pages = this.reader.pages;
    // A one-off command never refreshes: counts kept per page would never be used again, and
    // keeping them (a digest of every page) costs it more than SQL's one count.
    if (this.options.followChanges === false) return undefined;
    if (pages === undefined || this.replayedOn === this.reader.snapshot || !this.shape(alertsTable).present) return undefined;
    if (this.alertPageTotals?.pages === pages) return this.alertPageTotals.totals;
    let totals: AlertPageTotals | undefined;
    try {
      const columns = this.alertCountColumns();
      totals = columns === undefined ? undefined : this.alertPages.update(pages, columns.root, columns);
    } catch (error) {
      // A damaged page is SQL's to report, with its table; a b-tree not as expected is SQL's to count.
      if (!(error instanceof ScanRefused) && !(error instanceof PitwallError && error.code === 'corrupt')) throw error;
    }
    this.alertPageTotals = { pages, totals };
    return totals;
  }

  /** Where the alerts table keeps severity, model_version and acknowledged in its records; undefined when its pages cannot be counted alone. */
  private alertCountColumns(): { root: number; severity: number; modelVersion: number; acknowledged: number } | undefined {
    const db = this.reader.database;
    const root = Number(scalar(db, "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'alerts'"));
    // A generated column is not in the record: the positions would shift.
    if (!(root > 1) || Number(scalar(db, "SELECT count(*) FROM pragma_table_xinfo('alerts') WHERE hidden != 0")) > 0) return undefined;
    const cid = (name: string) => Number(scalar(db, "SELECT cid FROM pragma_table_info('alerts') WHERE name = ?", [name]) ?? -1);
    const columns = { root, severity: cid('severity'), modelVersion: cid('model_version'), acknowledged: cid('acknowledged') };
    return columns.severity < 0 || columns.modelVersion < 0 || columns.acknowledged < 0 ? undefined : columns;
  }

  /** The alerts that load (rows known to be bad taken off), counted from the pages; undefined when SQL counts. */
  private alertCountsFromPages(): { count: number; acknowledged: number; groups: AlertGroupCount[] } | undefined {
    const totals = this.alertTotals();
    if (totals === undefined) return undefined;
    const key = (severity: string, version: string | null) => `${severity}\u0000${version ?? '\u0001'}`;
    const groups = new Map<string, AlertGroupCount>();
    for (const group of totals.groups) {
      if ((ALERT_SEVERITIES as readonly string[]).includes(group.severity)) {
        groups.set(key(group.severity, group.modelVersion), { severity: group.severity as AlertSeverity, model_version: group.modelVersion, total: group.total, open: group.open });
      }
    }
    let count = totals.rows;
    let acknowledged = totals.acknowledged;
    const skipped = this.audit(alertsTable).skippedIds;
    if (skipped !== undefined) {
      const shape = this.shape(alertsTable);
      const [severity, version, ack] = ['severity', 'model_version', 'acknowledged'].map((name) => columnSql(shape, name));
      const sql = `SELECT ${severity}, ${version}, count(*), sum(CASE WHEN ${ack} IS NOT 1 THEN 1 ELSE 0 END) FROM alerts WHERE ${columnSql(shape, 'id')} IN (SELECT value FROM json_each(?)) GROUP BY 1, 2`;
      this.query(alertsTable, { sql, params: [skipped] }, (row) => {
        const total = Number(row[2]);
        const open = Number(row[3]);
        count -= total;
        acknowledged -= total - open;
        const k = key(String(row[0]), row[1] === null ? null : String(row[1]));
        const group = groups.get(k);
        if (group !== undefined) groups.set(k, { ...group, total: group.total - total, open: group.open - open });
      });
    }
    return { count, acknowledged, groups: [...groups.values()].filter((group) => group.total > 0) };
  }

  /**
   * Whether a page of alerts is read fastest along the timestamp index (the filter's columns
   * written `+column`) rather than through the index of a filtered column and then sorted: when
   * the filter selects many of the alerts, the page is met after a few rows per row wanted in time
   * order, while the column's index reads every row it selects to sort them. The counts from the
   * table's pages say how many it selects; without them SQLite chooses.
   */
  private readsAlongTime(query: AlertQuery): boolean {
    if (query.limit === undefined || query.from !== undefined || query.to !== undefined || query.alertId !== undefined || query.component !== undefined) return false;
    if ((query.text !== undefined && query.text !== '') || (query.scopes ?? []).some((condition) => condition.scopes.length > 0)) return false;
    if (query.severity === undefined && query.acknowledged === undefined && query.modelVersion === undefined) return false;
    const counted = this.alertCountsFromPages();
    if (counted === undefined) return false;
    const severities = query.severity === undefined ? undefined : new Set<string>(typeof query.severity === 'string' ? [query.severity] : query.severity);
    let selected = 0;
    for (const group of counted.groups) {
      if (severities !== undefined && !severities.has(group.severity)) continue;
      if (query.modelVersion !== undefined && group.model_version !== query.modelVersion) continue;
      selected += query.acknowledged === undefined ? group.total : query.acknowledged ? group.total - group.open : group.open;
    }
    const wanted = (query.offset ?? 0) + query.limit;
    // Rows read in time order ≈ wanted × all / selected; through the column's index ≈ selected.
    return selected > 0 && wanted * counted.count < selected * selected;
  }

  /**
   * The predictions and those with an outcome, counted from the table's b-tree pages, for a large
   * table of a snapshot read page by page (undefined otherwise, or when the pages are not as
   * expected: SQL counts then). Rows known to be bad are taken off, as SQL leaves them out.
   */
  /**
   * Counts the predictions from the table's pages, beside the store's queue so that the alerts
   * and rules still answer meanwhile, for a large table of a snapshot read page by page. The
   * count belongs to the snapshot whose pages it read; one torn by a checkpoint is not kept.
   */
  private async countPredictionPages(): Promise<void> {
    const job = await this.exclusive(() => {
      const pages = this.reader.pages;
      const shape = this.shape(predictionsTable);
      if (pages === undefined || this.audit(predictionsTable).complete || !shape.present || this.predictionCount?.pages === pages) return undefined;
      // Handed out in an object: a promise returned from the queue's work would hold the queue until it settles.
      if (this.counting?.pages === pages) return { done: this.counting.done };
      const root = Number(scalar(this.reader.database, "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'predictions'"));
      const column = (name: string) => Number(scalar(this.reader.database, 'SELECT cid FROM pragma_table_info(?) WHERE name = ?', ['predictions', name]) ?? -1);
      const outcome = column('actual_outcome');
      const version = column('model_version');
      if (!(root > 1) || outcome < 0 || version < 0) {
        this.predictionCount = { pages, count: undefined };
        return undefined;
      }
      pages.retain();
      const done = (async () => {
        try {
          const count = await countTableRows(pages, root, outcome, version, { signal: this.closing.signal });
          if (pages.unchanged()) this.predictionCount = { pages, count };
        } catch (error) {
          if (!(error instanceof ScanRefused)) throw error;
          this.predictionCount = { pages, count: undefined };
        } finally {
          pages.release();
          if (this.counting?.pages === pages) this.counting = undefined;
        }
      })();
      this.counting = { pages, done };
      return { done };
    });
    await job?.done;
  }

  /** The predictions counted from the current snapshot's pages, less the rows known to be bad; undefined when there is no such count (SQL counts then). */
  private countedPredictions(modelVersion?: string): VersionCount | undefined {
    const shape = this.shape(predictionsTable);
    if (this.predictionCount === undefined || this.predictionCount.pages !== this.reader.pages || this.predictionCount.count === undefined) return undefined;
    const { count } = this.predictionCount;
    if (this.audit(predictionsTable).complete) return undefined;
    const counted = modelVersion === undefined ? count : count.byGroup.get(modelVersion) ?? { rows: 0, notNull: 0 };
    const skipped = this.audit(predictionsTable).skippedIds;
    if (skipped === undefined) return { rows: counted.rows, notNull: counted.notNull };
    let bad = 0;
    let badWithOutcome = 0;
    const where = new Where(shape).add(`${columnSql(shape, 'id')} IN (SELECT value FROM json_each(?))`, skipped).matches('model_version', modelVersion);
    this.query(predictionsTable, { sql: `SELECT count(*), count(${columnSql(shape, 'actual_outcome')}) FROM predictions ${where.sql}`, params: where.params }, (row) => {
      bad = Number(row[0]);
      badWithOutcome = Number(row[1]);
    });
    return { rows: counted.rows - bad, notNull: counted.notNull - badWithOutcome };
  }

  /**
   * The model versions of a large table of a snapshot read page by page: from an index on
   * model_version where one exists (a few pages where the version changes), else from one pass
   * over the table's pages that yields to the event loop; each version is then checked on one of
   * its rows. Undefined for a table audited whole, or pages not as expected (SQL reads them then).
   */
  private async versionsFromPages(spec: TableSpec): Promise<Set<string> | undefined> {
    const pages = this.reader.pages;
    const shape = this.shape(spec);
    if (pages === undefined || this.audit(spec).complete || !shape.present) return undefined;
    const database = this.reader.database;
    const indexes: SqlValue[][] = [];
    eachRow(database, "SELECT rootpage, sql FROM sqlite_master WHERE type = 'index' AND lower(tbl_name) = ? AND sql IS NOT NULL", [spec.table], (row) => indexes.push(row));
    // The first column plain model_version: no collation that would interleave spellings, no WHERE that would leave rows out.
    const byVersion = indexes.find(([, sql]) => /\(\s*["`[]?model_version["`\]]?\s*(ASC|DESC)?\s*[,)]/i.test(String(sql)) && !/\bWHERE\b|\bCOLLATE\b/i.test(String(sql)));
    let found: Set<string>;
    try {
      if (byVersion !== undefined) found = distinctFirstColumn(pages, Number(byVersion[0]));
      else {
        const root = Number(scalar(database, "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND lower(name) = ?", [spec.table]));
        const column = Number(scalar(database, 'SELECT cid FROM pragma_table_info(?) WHERE name = ?', [spec.table, 'model_version']) ?? -1);
        if (!(root > 1) || column < 0) return undefined;
        found = new Set((await countTableRows(pages, root, column, column, { signal: this.closing.signal })).byGroup.keys());
      }
    } catch (error) {
      if (error instanceof ScanRefused) return undefined;
      throw error;
    }
    // A version is one some row that loads has: one row of each is read and checked.
    for (const version of found) if (!this.hasLoadingRow(new Where(shape).equals('model_version', version))) found.delete(version);
    return found;
  }

  /** Whether some row the filter selects loads, in no particular order: each row met is checked, a bad one reported. */
  private hasLoadingRow(where: Where): boolean {
    const { shape } = where;
    for (;;) {
      const loading = this.excluding(where);
      if (loading.never) return false;
      let row: SqlValue[] | undefined;
      this.query(shape.spec, { sql: `SELECT ${selectListSql(shape)} FROM ${quoteIdentifier(shape.spec.table)} ${loading.sql} LIMIT 1`, params: loading.params }, (found) => {
        row = found;
      });
      if (row === undefined) return false;
      const parsed = parseRow(shape, row);
      if (parsed.ok) return true;
      this.reportRow(shape.spec, Number(row[0]), parsed.issues);
    }
  }

  /** What tells one version of the file pair from another: sizes and modification times. */
  private fileVersion(): string {
    const stamp = (path: string) => {
      const stats = statSync(path, { throwIfNoEntry: false, bigint: true });
      return stats === undefined ? '-' : `${stats.size}:${stats.mtimeNs}:${stats.ino}`;
    };
    return `${stamp(this.path)}/${stamp(`${this.path}-wal`)}`;
  }

  /** The verdict on writing, from the readOnly option or, once asked, from opening a writer. */
  private verdict(): Promise<SqliteWriterVerdict> {
    if (this.options.readOnly !== undefined) return Promise.resolve({ writable: false, reason: this.options.readOnly });
    this.writerVerdict ??= openSqliteWriter(this.path, this.options.writer).catch((error: unknown) => {
      // A file that was missing a moment ago may be back: ask again next time.
      this.writerVerdict = undefined;
      throw error;
    });
    return this.writerVerdict;
  }

  /** Why the snapshot looks damaged (quick_check findings, an unreadable table); undefined when it does not. */
  private damage(): string | undefined {
    const notice = this.reader.notices.find((n) => n.kind === 'quick-check');
    return notice?.message ?? this.unreadableTables.values().next().value;
  }

  private async writable(): Promise<Extract<SqliteWriterVerdict, { writable: true }>['writer']> {
    // Writing into a damaged file could spread the damage: repair comes first.
    if (this.damage() !== undefined) throw new PitwallError('read-only', messages.sqliteDamagedReadOnly(this.path));
    const verdict = await this.verdict();
    if (!verdict.writable) throw new PitwallError('read-only', verdict.reason);
    return verdict.writer;
  }

  /** Runs one transaction, then takes the snapshot that holds it, so the next read sees it. */
  private async write(
    writer: Extract<SqliteWriterVerdict, { writable: true }>['writer'],
    statements: readonly SqliteStatement[],
  ): Promise<SqliteTransactionResult> {
    if (this.options.followChanges !== false) this.fixBaseline();
    const result = await writer.transaction(statements);
    // Replaying the committed statements on the in-memory snapshot shows this write to the next
    // read at once: re-reading a large file after every acknowledgment would cost seconds. The
    // next refresh() still sees the file changed and takes a whole new snapshot, with everyone's writes.
    // The b-tree counts of a snapshot read page by page read the file, not the replay: a write to the predictions takes a new snapshot instead.
    if (this.reader.lazy && statements.some((statement) => /\bpredictions\b/i.test(statement.sql))) {
      this.behind = true;
      this.changedSinceRefresh = true;
      return result;
    }
    try {
      this.replayOnSnapshot(statements);
      this.changedSinceRefresh = true;
    } catch {
      // The change is committed whatever the snapshot does: the next call takes a fresh snapshot, or says why it cannot.
      this.behind = true;
    }
    return result;
  }

  /** Takes the snapshot a write left behind at once, for a call that reads back what it wrote. */
  private async readBack(): Promise<void> {
    if (!this.behind) return;
    await this.catchUp();
    this.behind = false;
  }

  private replayOnSnapshot(statements: readonly SqliteStatement[]): void {
    // The snapshot changes in place: what was counted from it is counted again.
    this.alertGroupCache = undefined;
    this.replayedOn = this.reader.snapshot;
    const db = this.reader.database;
    // The snapshot is query_only so that nothing else writes to it; this replay is the one exception.
    db.run('PRAGMA query_only = 0');
    try {
      db.run('BEGIN');
      try {
        for (const statement of statements) db.run(statement.sql, [...statement.params]);
        db.run('COMMIT');
      } catch (error) {
        db.run('ROLLBACK');
        throw error;
      }
    } finally {
      db.run('PRAGMA query_only = 1');
    }
  }

  /** The record as its schema reads it, so nothing the schema refuses reaches the file. */
  private validate<S extends RecordSpec>(spec: S, what: string, value: unknown): RecordOf<S> {
    const parsed = parseRecord(spec, value);
    if (!parsed.ok) throw new PitwallError('input', messages.sqliteRecordInvalid(this.path, what, parsed.issues.map(describeIssue).join('; ')));
    return parsed.value;
  }

  /** `updated_at` moves with every change of a rule, as SQLAlchemy's onupdate=now() moves it. */
  private touch(shape: TableShape): string {
    return shape.columns.has('updated_at') ? `, ${quoteIdentifier('updated_at')} = CURRENT_TIMESTAMP` : '';
  }

  private append<S extends RecordSpec>(spec: TableSpec, record: S, what: string, value: RecordOf<S>): Promise<void> {
    return this.exclusive(async () => {
      const writer = await this.writable();
      const shape = this.shape(spec);
      await this.write(writer, [insertStatement(shape, encodeRecord(this.path, shape, this.validate(record, what, value)))]);
    });
  }
}

/** The file a path names, links followed; the path itself when there is no file (the open then says it is missing). */
export function realPathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** What changed in a collection between two signatures: appended rows, or anything else (a reload). */
function compareSignatures(collection: Collection, before: Signature | undefined, after: Signature | undefined): CollectionChange | undefined {
  if (before === undefined || after === undefined) return undefined;
  if (before.count === after.count && before.maxId === after.maxId && before.detail === after.detail) return undefined;
  if (after.count > before.count && after.maxId >= before.maxId && after.detail === before.detail) {
    return { collection, kind: 'appended', added: after.count - before.count };
  }
  return { collection, kind: 'reloaded', added: after.count };
}

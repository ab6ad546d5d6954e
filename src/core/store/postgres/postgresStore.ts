/**
 * The Python monitoring system's PostgreSQL database as a Store. Every selection, count and page
 * runs on the server (querySql.ts), so only what a command shows travels; rows are checked by the
 * same record schemas as the SQLite store's (sqlite/rows.ts), a row they refuse is skipped and
 * named. One session, read-only by default; each write is its own short READ WRITE transaction.
 * Pitwall's own tables (`pitwall_*`) are created by the write that first needs one; the Python
 * system's tables are never altered.
 *
 * Reads are what the CLI's summary, alerts and rules need; writes (writes.ts) cover every record
 * of the Store. What is not built yet fails with a PitwallError saying it is not supported here yet.
 */
import type { Client } from 'pg';
import { describeError, PitwallError } from '../../errors';
import { messages } from '../../messages';
import type { Acknowledgment } from '../../model/acknowledgment';
import { ALERT_SEVERITIES, type Alert, type AlertSeverity } from '../../model/alert';
import type { AlertContextLog, AlertContextRecord } from '../../model/alertWhy';
import type { AlertRule } from '../../model/alertRule';
import { degradationAnalysisRecord, type DegradationAnalysis } from '../../model/degradationAnalysis';
import type { DeliveryLog, DeliveryQuery, DeliveryRecord } from '../../model/delivery';
import { driftResultRecord, type DriftResult } from '../../model/driftResult';
import { featureImportanceRecord, type FeatureImportance } from '../../model/featureImportance';
import { healthSnapshotRecord, type HealthSnapshot } from '../../model/healthSnapshot';
import { metricSnapshotRecord, type MetricSnapshot } from '../../model/metricSnapshot';
import { outcomeRecord, type Outcome } from '../../model/outcome';
import type { Prediction, PredictionWithOutcome } from '../../model/prediction';
import { describeIssue, parseRecord } from '../../model/record';
import type { Silence } from '../../model/silence';
import { parseTimestamp, toIsoText } from '../../model/timestamps';
import { ALERT_CONTEXT_TABLE, parseAlertContextRow, newestContexts } from '../alertContextRecords';
import { DELIVERIES_TABLE, DELIVERY_FIELDS, DeliverySelection, parseDelivery, ProblemList } from '../deliveryRecords';
import { parseSilence } from '../silenceRecords';
import {
  allTables,
  alertsTable,
  degradationAnalysesTable,
  driftResultsTable,
  featureImportanceTable,
  healthSnapshotsTable,
  metricSnapshotsTable,
  predictionsTable,
  quoteIdentifier,
  rowInput,
  rulesTable,
  type TableSpec,
} from '../sqlite/rows';
import type {
  AcknowledgeResult,
  AlertFilter,
  AlertGroupColumn,
  AlertGroupCount,
  AlertKey,
  AlertQuery,
  AlertSignatureCount,
  Collection,
  DegradationAnalysisQuery,
  DriftResultQuery,
  FeatureCountsQuery,
  FeatureImportanceQuery,
  FeatureValueCounts,
  HealthSnapshotQuery,
  NewAlert,
  MetricSnapshotQuery,
  PredictionColumns,
  PredictionColumnsQuery,
  PredictionFilter,
  PredictionQuery,
  PredictionTimeFilter,
  RefreshOptions,
  RefreshResult,
  SortOrder,
  Store,
  StoreCounts,
  StoreDescription,
  StoreDiagnostic,
  StoredAlert,
  TimeRange,
  UnacknowledgeResult,
} from '../store';
import type { WindowPlan, WindowStats } from '../windowStats';
import { DEFAULT_LABEL_HORIZON_SECONDS, PostgresFollow } from './follow';
import { connectPostgres, describeAddress, isConnectionLost, postgresSettingsOf, toPitwallError, type PostgresSettings } from './connection';
import { aggregateWindows, explainWindows, readPredictionColumns, selectRecords } from './predictionRead';
import { countFeatureValues, readFeatureNames } from './featureCounts';
import {
  alertWhere,
  columnSql,
  countSql,
  PostgresWhere,
  predictionWhere,
  selectSql,
  shapeOfColumns,
  type PostgresParam,
  type PostgresSql,
  type PostgresTableShape,
} from './querySql';
import { ensurePitwallTable } from './pitwallTables';
import * as writes from './writes';

export interface PostgresStoreOptions {
  /** Open read-only, for this reason (an untrusted workspace, a CLI flag). */
  readonly readOnly?: string;
  /** Problems kept per table; more are counted. */
  readonly diagnosticsPerTable?: number;
  /** The password, when the source string carries none (the editor keeps it in SecretStorage). */
  readonly password?: string;
  /** Seconds before the newest prediction within which each refresh reads labels again (follow.ts). */
  readonly labelHorizonSeconds?: number;
  /**
   * 0 (the default): every refresh reads the label window. More: a refresh reads it only when the
   * server's count of updated rows moved, and at least this often (a quiet tick then costs what
   * the ids cost; the count reaches the server within about a second of the commit).
   */
  readonly labelRescanSeconds?: number;
}

/** A row id as text: digits, within PostgreSQL's integer (SERIAL) keys. */
const ALERT_KEY = /^[1-9][0-9]{0,9}$/;
const MAX_SERIAL = 2_147_483_647;

const COLLECTION_TABLES: Readonly<Record<Collection, TableSpec>> = {
  predictions: predictionsTable,
  outcomes: predictionsTable,
  healthSnapshots: healthSnapshotsTable,
  metricSnapshots: metricSnapshotsTable,
  alerts: alertsTable,
  rules: rulesTable,
  driftResults: driftResultsTable,
  degradationAnalyses: degradationAnalysesTable,
  featureImportance: featureImportanceTable,
};

function isAlertKey(key: string): boolean {
  return ALERT_KEY.test(key) && Number(key) <= MAX_SERIAL;
}

export class PostgresStore implements Store {
  private readonly address: string;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Problems met since the last refresh(), and all kept for describe(). */
  private found: StoreDiagnostic[] = [];
  private readonly problems = new Map<string, StoreDiagnostic>();
  private readonly overflow = new Map<string, number>();
  private readonly follow: PostgresFollow;
  /** The session was lost: the next operation connects again first. */
  private lost = false;
  /** The last reconnection, said in describe(). */
  private reconnected: string | undefined;
  /** A write's transaction is under way: a lost session is not retried (the write may or may not have been made). */
  private writing = false;
  /** What the write functions (writes.ts) use of this store. */
  private readonly writes: writes.PostgresWriteContext;

  private constructor(
    private readonly settings: PostgresSettings,
    private client: Client,
    private readonly shapes: ReadonlyMap<TableSpec, PostgresTableShape>,
    private readonly options: PostgresStoreOptions,
  ) {
    this.address = describeAddress(settings);
    this.writes = {
      address: this.address,
      shape: (spec) => this.shape(spec),
      // The session as it is at the time of the call: after a reconnection, the new one.
      query: async (sql, params = []) => (await this.client.query({ text: sql, values: params as unknown[], rowMode: 'array' })).rows as unknown[][],
    };
    const followed = (Object.entries(COLLECTION_TABLES) as [Collection, TableSpec][])
      .filter(([collection, spec]) => collection !== 'outcomes' && shapes.get(spec)?.present === true && shapes.get(spec)?.columns.has('id') === true)
      .map(([collection, spec]) => ({ collection, shape: shapes.get(spec) as PostgresTableShape }));
    this.follow = new PostgresFollow(followed, this.shape(predictionsTable), this.shape(alertsTable), this.shape(rulesTable), {
      labelHorizonSeconds: options.labelHorizonSeconds ?? DEFAULT_LABEL_HORIZON_SECONDS,
      labelRescanMs: (options.labelRescanSeconds ?? 0) * 1000,
    });
  }

  /** Connects to the source (a URL, or `postgres:` for the Python system's settings) and reads which monitoring tables it has. */
  static async open(source: string, options: PostgresStoreOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<PostgresStore> {
    const named = postgresSettingsOf(source, env);
    const settings = options.password === undefined ? named : { ...named, password: options.password };
    const client = await connectPostgres(settings);
    try {
      const tables = allTables.map((spec) => spec.table);
      const found = await client.query<{ table_name: string; column_name: string }>(
        `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1::text[])`,
        [tables],
      );
      const columns = new Map<string, Set<string>>();
      for (const row of found.rows) {
        const set = columns.get(row.table_name) ?? new Set<string>();
        set.add(row.column_name);
        columns.set(row.table_name, set);
      }
      if (columns.size === 0) throw new PitwallError('not-found', messages.postgresNoMonitoringTables(describeAddress(settings), tables));
      const shapes = new Map(allTables.map((spec) => [spec, shapeOfColumns(spec, columns.get(spec.table))]));
      const store = new PostgresStore(settings, client, shapes, options);
      // What the source holds now, so that the first refresh reports what changed after this open.
      const opened = store.follow.openedSql();
      store.follow.applyOpened((await client.query({ text: opened.sql, values: opened.params, rowMode: 'array' })).rows[0] ?? []);
      return store;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw toPitwallError(error, settings);
    }
  }

  private shape(spec: TableSpec): PostgresTableShape {
    return this.shapes.get(spec) as PostgresTableShape;
  }

  /**
   * Runs one operation at a time on the session: a write's transaction never takes in another
   * call's query. A session lost (the server restarted) is made again and a read retried once; a
   * write is not retried, since it may have been made, and says so.
   */
  private run<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      if (this.closed) throw new PitwallError('input', messages.postgresClosed(this.address));
      if (this.lost) await this.reconnect('the session ended');
      try {
        return await operation();
      } catch (error) {
        if (!isConnectionLost(error)) throw toPitwallError(error, this.settings);
        const detail = describeError(error);
        if (this.writing) {
          this.lost = true;
          throw new PitwallError('io', messages.postgresWriteConnectionLost(this.address, detail), { cause: error });
        }
        await this.reconnect(detail);
        try {
          return await operation();
        } catch (retryError) {
          throw toPitwallError(retryError, this.settings);
        }
      } finally {
        this.writing = false;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async reconnect(detail: string): Promise<void> {
    await this.client.end().catch(() => undefined);
    this.lost = true;
    this.client = await connectPostgres(this.settings);
    this.lost = false;
    this.reconnected = messages.postgresReconnected(this.address, detail);
  }

  private async rows(query: PostgresSql | undefined): Promise<unknown[][]> {
    if (query === undefined) return [];
    const result = await this.client.query({ text: query.sql, values: query.params as unknown[], rowMode: 'array' });
    return result.rows as unknown[][];
  }

  private async scalar(query: PostgresSql | undefined): Promise<unknown> {
    return (await this.rows(query))[0]?.[0] ?? null;
  }

  private async count(where: PostgresWhere): Promise<number> {
    return Number((await this.scalar(countSql(where))) ?? 0);
  }

  /** Rows read into records; a row the schema refuses is skipped and named. */
  private async select<T>(where: PostgresWhere, order: SortOrder, page: { limit?: number; offset?: number }): Promise<T[]> {
    const shape = where.shape;
    const records: T[] = [];
    for (const row of await this.rows(selectSql(where, order, page))) {
      const record = this.parseRow<T>(shape, row);
      if (record !== undefined) records.push(record);
    }
    return records;
  }

  private parseRow<T>(shape: PostgresTableShape, row: readonly unknown[]): T | undefined {
    const input = rowInput(shape.spec, shape.fields, shape.nullFields, row, 1);
    const parsed = parseRecord(shape.spec.record, input);
    if (parsed.ok) return parsed.value as T;
    this.problem(shape.spec.table, Number(row[0]), parsed.issues.map(describeIssue).join('; '), parsed.issues[0]?.field);
    return undefined;
  }

  private problem(table: string, row: number, reason: string, field?: string): void {
    const key = `${table}#${row}`;
    if (this.problems.has(key)) return;
    const diagnostic: StoreDiagnostic = {
      severity: 'error',
      file: table,
      row,
      ...(field === undefined || field === '' ? {} : { field }),
      reason,
      message: messages.postgresRowSkipped(this.address, table, row, reason),
    };
    const kept = [...this.problems.values()].filter((d) => d.file === table).length;
    if (kept >= (this.options.diagnosticsPerTable ?? 1000)) {
      this.overflow.set(table, (this.overflow.get(table) ?? 0) + 1);
      return;
    }
    this.problems.set(key, diagnostic);
    this.found.push(diagnostic);
  }

  describe(): Promise<StoreDescription> {
    return this.run(() => {
      const missing = allTables.filter((spec) => !this.shape(spec).present).map((spec) => spec.table);
      const warnings = missing.length === 0 ? [] : [messages.postgresTablesMissing(this.address, missing)];
      if (this.reconnected !== undefined) warnings.push(this.reconnected);
      for (const [table, count] of this.overflow) warnings.push(messages.sqliteMoreProblems(this.address, table, count));
      const readOnlyReason = this.options.readOnly ?? null;
      return Promise.resolve({
        kind: 'postgres' as const,
        path: this.address,
        writable: readOnlyReason === null,
        readOnlyReason,
        warnings,
        diagnostics: [...this.problems.values()],
      });
    });
  }

  /**
   * What changed since the last call, read by the live follow (follow.ts): rows above each
   * table's low-water mark and the gaps under it, labels in the trailing horizon, acknowledgments
   * and rules. The first call only takes the state in; `full` counts everything again and
   * reports what differs from what the ticks made of it.
   */
  refresh(options: RefreshOptions = {}): Promise<RefreshResult> {
    return this.run(async () => {
      const full = options.full === true || !this.follow.isSeeded;
      const query = this.follow.tickSql(full);
      // Unnamed, as every statement here: a named one would be missing on another server connection behind a transaction pooler (PgBouncer).
      const [row = []] = await this.rows({ sql: query.sql, params: query.params as PostgresParam[] });
      const changes = this.follow.apply(row, full);
      const rebase = this.follow.rebaseSql();
      if (rebase !== undefined) this.follow.applyRebase((await this.rows({ sql: rebase.sql, params: rebase.params as PostgresParam[] }))[0] ?? []);
      const diagnostics = this.found;
      this.found = [];
      return { changes, diagnostics };
    });
  }

  close(): Promise<void> {
    const done = this.queue.then(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.client.end().catch(() => undefined);
    });
    this.queue = done;
    return done;
  }

  counts(): Promise<StoreCounts> {
    return this.run(async () => {
      const countOf = (spec: TableSpec, where = ''): string => (this.shape(spec).present ? `(SELECT count(*) FROM ${quoteIdentifier(spec.table)} ${where})` : '0');
      const predictions = this.shape(predictionsTable);
      const alerts = this.shape(alertsTable);
      const [row = []] = await this.rows({
        sql: `SELECT ${[
          countOf(predictionsTable),
          countOf(predictionsTable, `WHERE ${columnSql(predictions, 'actual_outcome')} IS NOT NULL`),
          countOf(healthSnapshotsTable),
          countOf(metricSnapshotsTable),
          countOf(alertsTable),
          countOf(alertsTable, `WHERE ${columnSql(alerts, 'acknowledged')} IS NOT TRUE`),
          countOf(rulesTable),
          countOf(driftResultsTable),
          countOf(degradationAnalysesTable),
          countOf(featureImportanceTable),
        ].join(', ')}`,
        params: [],
      });
      const n = (index: number) => Number(row[index] ?? 0);
      return {
        predictions: n(0),
        outcomes: n(1),
        healthSnapshots: n(2),
        metricSnapshots: n(3),
        alerts: n(4),
        unacknowledgedAlerts: n(5),
        rules: n(6),
        driftResults: n(7),
        degradationAnalyses: n(8),
        featureImportance: n(9),
      };
    });
  }

  /** Distinct versions of every table; the predictions' read off their model_version index (a skip scan), not the whole table. */
  readModelVersions(): Promise<readonly string[]> {
    return this.run(async () => {
      const parts: string[] = [];
      for (const spec of allTables) {
        const shape = this.shape(spec);
        if (!shape.columns.has('model_version')) continue;
        const table = quoteIdentifier(spec.table);
        parts.push(
          spec === predictionsTable
            ? `(WITH RECURSIVE v(m) AS (SELECT min(model_version) FROM ${table} UNION ALL SELECT (SELECT min(model_version) FROM ${table} WHERE model_version > v.m) FROM v WHERE v.m IS NOT NULL) SELECT m FROM v WHERE m IS NOT NULL)`
            : `(SELECT DISTINCT model_version FROM ${table} WHERE model_version IS NOT NULL)`,
        );
      }
      if (parts.length === 0) return [];
      const rows = await this.rows({ sql: parts.join(' UNION '), params: [] });
      return rows.map((row) => String(row[0])).sort(new Intl.Collator('en', { numeric: true }).compare);
    });
  }

  readPredictions(query: PredictionQuery = {}): Promise<readonly PredictionWithOutcome[]> {
    const shape = this.shape(predictionsTable);
    return this.run(() => selectRecords(this.client, predictionWhere(shape, query), query.order ?? 'asc', query, (row) => this.parseRow<PredictionWithOutcome>(shape, row)));
  }

  readPredictionColumns(query: PredictionColumnsQuery = {}): Promise<PredictionColumns> {
    const shape = this.shape(predictionsTable);
    return this.run(() => readPredictionColumns(this.client, shape, query, (row) => this.parseRow<PredictionWithOutcome>(shape, row)));
  }

  /** The plan as SQL on the server (per pane, group and bin sums), combined by the kernel's step: see predictionRead.ts. */
  aggregateWindows(plan: WindowPlan): Promise<WindowStats[] | undefined> {
    const shape = this.shape(predictionsTable);
    return this.run(() => aggregateWindows(this.client, shape, plan, (row) => this.parseRow<PredictionWithOutcome>(shape, row)));
  }

  countFeatureValues(query: FeatureCountsQuery): Promise<ReadonlyMap<string, FeatureValueCounts>> {
    const shape = this.shape(predictionsTable);
    return this.run(() => countFeatureValues(this.client, shape, query, (row) => this.parseRow<PredictionWithOutcome>(shape, row)));
  }

  readFeatureNames(filter: PredictionFilter, limit: number, order: SortOrder = 'asc'): Promise<readonly string[]> {
    const shape = this.shape(predictionsTable);
    return this.run(() => readFeatureNames(this.client, shape, filter, limit, order, (row) => this.parseRow<PredictionWithOutcome>(shape, row)));
  }

  /** The statements aggregateWindows runs for a plan, parameters written in. */
  explainWindows(plan: WindowPlan): Promise<readonly string[]> {
    return Promise.resolve(explainWindows(this.shape(predictionsTable), plan));
  }

  readPrediction(predictionId: string): Promise<PredictionWithOutcome | undefined> {
    return this.run(async () => {
      const where = new PostgresWhere(this.shape(predictionsTable)).matches('prediction_id', predictionId);
      return (await this.select<PredictionWithOutcome>(where, 'asc', { limit: 1 }))[0];
    });
  }

  countPredictions(filter: PredictionFilter = {}): Promise<number> {
    return this.run(() => this.count(predictionWhere(this.shape(predictionsTable), filter)));
  }

  /** min() or max() of the time, which the server reads off the end of the timestamp index. */
  readPredictionTime(end: 'oldest' | 'newest', filter: PredictionTimeFilter = {}): Promise<number | null> {
    return this.run(async () => {
      const shape = this.shape(predictionsTable);
      const where = new PostgresWhere(shape).matches('model_version', filter.modelVersion).known('actual_outcome', filter.hasOutcome);
      if (where.never) return null;
      const found = await this.scalar({ sql: `SELECT ${end === 'oldest' ? 'min' : 'max'}("timestamp") FROM predictions ${where.sql}`, params: where.params });
      if (found === null) return null;
      const parsed = parseTimestamp(found);
      return parsed.ok ? parsed.seconds : null;
    });
  }

  readHealthSnapshots(query: HealthSnapshotQuery = {}): Promise<readonly HealthSnapshot[]> {
    return this.run(() =>
      selectRecords(
        this.client,
        new PostgresWhere(this.shape(healthSnapshotsTable)).timeRange(query).matches('model_version', query.modelVersion),
        query.order ?? 'asc',
        query,
        (row) => this.parseRow<HealthSnapshot>(this.shape(healthSnapshotsTable), row),
      ),
    );
  }

  readMetricSnapshots(query: MetricSnapshotQuery = {}): Promise<readonly MetricSnapshot[]> {
    return this.run(() =>
      selectRecords(
        this.client,
        new PostgresWhere(this.shape(metricSnapshotsTable)).timeRange(query).matches('model_version', query.modelVersion).matches('metric_name', query.metricName),
        query.order ?? 'asc',
        query,
        (row) => this.parseRow<MetricSnapshot>(this.shape(metricSnapshotsTable), row),
      ),
    );
  }

  readDriftResults(query: DriftResultQuery = {}): Promise<readonly DriftResult[]> {
    return this.run(() =>
      selectRecords(
        this.client,
        new PostgresWhere(this.shape(driftResultsTable))
          .timeRange(query)
          .matches('model_version', query.modelVersion)
          .matches('feature_name', query.featureName)
          .flag('drift_detected', query.driftDetected),
        query.order ?? 'asc',
        query,
        (row) => this.parseRow<DriftResult>(this.shape(driftResultsTable), row),
      ),
    );
  }

  readDegradationAnalyses(query: DegradationAnalysisQuery = {}): Promise<readonly DegradationAnalysis[]> {
    return this.run(() =>
      selectRecords(
        this.client,
        new PostgresWhere(this.shape(degradationAnalysesTable)).timeRange(query).matches('model_version', query.modelVersion).matches('metric_name', query.metricName),
        query.order ?? 'asc',
        query,
        (row) => this.parseRow<DegradationAnalysis>(this.shape(degradationAnalysesTable), row),
      ),
    );
  }

  readFeatureImportance(query: FeatureImportanceQuery = {}): Promise<readonly FeatureImportance[]> {
    return this.run(() =>
      selectRecords(
        this.client,
        new PostgresWhere(this.shape(featureImportanceTable)).timeRange(query).matches('model_version', query.modelVersion).matches('feature_name', query.featureName),
        query.order ?? 'asc',
        query,
        (row) => this.parseRow<FeatureImportance>(this.shape(featureImportanceTable), row),
      ),
    );
  }

  readAlerts(query: AlertQuery = {}): Promise<readonly StoredAlert[]> {
    return this.run(() => this.selectAlerts(alertWhere(this.shape(alertsTable), query), query.order ?? 'desc', query));
  }

  private async selectAlerts(where: PostgresWhere, order: SortOrder, page: { limit?: number; offset?: number }): Promise<StoredAlert[]> {
    const alerts: StoredAlert[] = [];
    for (const row of await this.rows(selectSql(where, order, page))) {
      const alert = this.parseRow<Omit<StoredAlert, 'key'>>(where.shape, row);
      if (alert !== undefined) alerts.push({ ...alert, key: String(row[0]) });
    }
    return alerts;
  }

  readAlert(key: AlertKey): Promise<StoredAlert | undefined> {
    return this.run(async () => {
      if (!isAlertKey(key)) return undefined;
      const where = new PostgresWhere(this.shape(alertsTable)).add('id = ?::int', Number(key));
      return (await this.selectAlerts(where, 'desc', { limit: 1 }))[0];
    });
  }

  countAlerts(filter: AlertFilter = {}): Promise<number> {
    return this.run(() => this.count(alertWhere(this.shape(alertsTable), filter)));
  }

  countAlertGroups(columns: readonly AlertGroupColumn[], filter: AlertFilter = {}): Promise<readonly AlertGroupCount[]> {
    return this.run(async () => {
      const where = alertWhere(this.shape(alertsTable), filter);
      if (where.never) return [];
      const shape = where.shape;
      const selected = columns.map((column) => columnSql(shape, column));
      const groupBy = columns.length === 0 ? '' : `GROUP BY ${columns.map((_, index) => index + 1).join(', ')}`;
      const sql = `SELECT ${[...selected, 'count(*)', `count(*) FILTER (WHERE ${columnSql(shape, 'acknowledged')} IS NOT TRUE)`].join(', ')} FROM alerts ${where.sql} ${groupBy}`;
      return (await this.rows({ sql, params: where.params })).map((row) => ({
        values: columns.map((column, index) => {
          const value = row[index];
          if (value === null || value === undefined) return null;
          return column === 'threshold' ? Number(value) : String(value);
        }),
        total: Number(row[columns.length]),
        open: Number(row[columns.length + 1]),
      }));
    });
  }

  /** Alerts per severity and model version, all and open, in one grouped query; a severity outside the schema's is no severity's. */
  private async alertGroups(): Promise<{ severity: AlertSeverity; model_version: string | null; total: number; open: number }[]> {
    const shape = this.shape(alertsTable);
    if (!shape.present) return [];
    const sql = `SELECT severity, ${columnSql(shape, 'model_version')}, count(*), count(*) FILTER (WHERE ${columnSql(shape, 'acknowledged')} IS NOT TRUE) FROM alerts GROUP BY 1, 2`;
    return (await this.rows({ sql, params: [] })).flatMap((row) =>
      (ALERT_SEVERITIES as readonly string[]).includes(String(row[0]))
        ? [{ severity: String(row[0]) as AlertSeverity, model_version: row[1] === null ? null : String(row[1]), total: Number(row[2]), open: Number(row[3]) }]
        : [],
    );
  }

  countOpenAlertsByModel(): Promise<{ severity: AlertSeverity; model_version: string | null; open: number }[]> {
    return this.run(async () => (await this.alertGroups()).flatMap(({ severity, model_version, open }) => (open > 0 ? [{ severity, model_version, open }] : [])));
  }

  countAlertsBySeverity(): Promise<{ severity: AlertSeverity; total: number; open: number }[]> {
    return this.run(async () => {
      const counts = new Map<AlertSeverity, { total: number; open: number }>();
      for (const group of await this.alertGroups()) {
        const found = counts.get(group.severity) ?? { total: 0, open: 0 };
        counts.set(group.severity, { total: found.total + group.total, open: found.open + group.open });
      }
      return ALERT_SEVERITIES.flatMap((name) => {
        const found = counts.get(name);
        return found === undefined ? [] : [{ severity: name, ...found }];
      });
    });
  }

  countAlertsBySignature(range: TimeRange = {}): Promise<AlertSignatureCount[]> {
    return this.run(async () => {
      const shape = this.shape(alertsTable);
      const where = alertWhere(shape, range);
      if (where.never) return [];
      const columns = (['metric_name', 'threshold', 'severity', 'component'] as const).map((name) => columnSql(shape, name)).join(', ');
      return (await this.rows({ sql: `SELECT ${columns}, count(*) FROM alerts ${where.sql} GROUP BY 1, 2, 3, 4`, params: where.params })).flatMap((row) => {
        const severity = String(row[2]);
        if (!(ALERT_SEVERITIES as readonly string[]).includes(severity)) return [];
        return [
          {
            metric_name: row[0] === null ? null : String(row[0]),
            threshold: typeof row[1] === 'number' ? row[1] : null,
            severity: severity as AlertSeverity,
            component: row[3] === null ? null : String(row[3]),
            count: Number(row[4]),
          },
        ];
      });
    });
  }

  readRules(): Promise<readonly AlertRule[]> {
    return this.run(() => this.select<AlertRule>(new PostgresWhere(this.shape(rulesTable)), 'asc', {}));
  }

  /** Whether one of Pitwall's own tables exists yet (they are made by the first write that needs one). */
  private async hasTable(name: string): Promise<boolean> {
    return (await this.scalar({ sql: 'SELECT to_regclass($1::text) IS NOT NULL', params: [name] })) === true;
  }

  readAlertStates(): Promise<Readonly<Record<string, number>>> {
    return this.run(async () => {
      const states = Object.create(null) as Record<string, number>;
      if (!(await this.hasTable('pitwall_alert_state'))) return states;
      for (const row of await this.rows({ sql: 'SELECT fingerprint, fired_at FROM pitwall_alert_state', params: [] })) {
        if (typeof row[0] === 'string' && typeof row[1] === 'number' && Number.isFinite(row[1])) states[row[0]] = row[1];
      }
      return states;
    });
  }

  readAcknowledgments(keys?: readonly AlertKey[]): Promise<readonly Acknowledgment[]> {
    return this.run(async () => {
      if (!(await this.hasTable('pitwall_acknowledgments'))) return [];
      const ids = keys?.filter(isAlertKey).map(Number);
      if (ids !== undefined && ids.length === 0) return [];
      const params: PostgresParam[] = ids === undefined ? [] : [ids];
      const where = ids === undefined ? '' : ' WHERE k.alert_row_id = ANY($1::int[])';
      const rows = await this.rows({
        sql: `SELECT k.id, k.alert_row_id, a.alert_id, k.acknowledged_by, k.acknowledged_at, k.comment FROM pitwall_acknowledgments k LEFT JOIN alerts a ON a.id = k.alert_row_id${where} ORDER BY k.id`,
        params,
      });
      return rows.flatMap((row) => {
        const at = parseTimestamp(row[4]);
        if (!at.ok) return [];
        return [
          {
            alert_key: String(row[1]),
            alert_id: typeof row[2] === 'string' && row[2] !== '' ? row[2] : String(row[1]),
            acknowledged_at: at.seconds,
            acknowledged_by: typeof row[3] === 'string' ? row[3] : null,
            comment: typeof row[5] === 'string' ? row[5] : null,
          },
        ];
      });
    });
  }

  readSilences(): Promise<readonly Silence[]> {
    return this.run(async () => {
      if (!(await this.hasTable('pitwall_silences'))) return [];
      const rows = await this.rows({ sql: 'SELECT id, silence FROM pitwall_silences ORDER BY row_id', params: [] });
      return rows.map((row) => {
        const where = `${this.address} pitwall_silences row ${String(row[0])}`;
        let json: unknown;
        try {
          json = JSON.parse(String(row[1]));
        } catch (error) {
          throw new PitwallError('corrupt', messages.silenceInvalid(where, describeError(error)));
        }
        return parseSilence(json, where);
      });
    });
  }

  readDeliveries(query: DeliveryQuery = {}): Promise<DeliveryLog> {
    return this.run(async () => {
      const selection = new DeliverySelection(query);
      const problems = new ProblemList(this.options.diagnosticsPerTable ?? 1000, (count) => messages.sqliteMoreProblems(this.address, DELIVERIES_TABLE, count));
      if (!(await this.hasTable(DELIVERIES_TABLE))) return { records: [], problems: [] };
      const filter = query.alert === undefined ? { sql: '', params: [] } : { sql: 'WHERE alert = $1', params: [query.alert] };
      const rows = await this.rows({ sql: `SELECT id, ${DELIVERY_FIELDS.join(', ')} FROM ${DELIVERIES_TABLE} ${filter.sql} ORDER BY id`, params: filter.params });
      for (const row of rows) {
        const parsed = parseDelivery(Object.fromEntries(DELIVERY_FIELDS.map((field, index) => [field, row[index + 1]])));
        if (parsed.ok) selection.offer(parsed.value);
        else problems.add(messages.deliveryRowSkipped(this.address, DELIVERIES_TABLE, Number(row[0]), parsed.issues.map(describeIssue).join('; ')));
      }
      return { records: selection.records, problems: problems.all };
    });
  }

  readAlertContexts(keys?: readonly AlertKey[]): Promise<AlertContextLog> {
    return this.run(async () => {
      const problems = new ProblemList(this.options.diagnosticsPerTable ?? 1000, (count) => messages.sqliteMoreProblems(this.address, ALERT_CONTEXT_TABLE, count));
      if (!(await this.hasTable(ALERT_CONTEXT_TABLE))) return { records: [], problems: [] };
      const filter = keys === undefined ? { sql: '', params: [] } : { sql: 'WHERE alert = ANY($1::text[])', params: [keys] };
      const rows = await this.rows({ sql: `SELECT id, alert, recorded_at, why FROM ${ALERT_CONTEXT_TABLE} ${filter.sql} ORDER BY id`, params: filter.params });
      const records = rows.flatMap((row) => {
        const parsed = parseAlertContextRow(row[1], row[2], row[3]);
        if (parsed.ok) return [parsed.value];
        problems.add(messages.alertContextRowSkipped(this.address, ALERT_CONTEXT_TABLE, Number(row[0]), parsed.issues.map(describeIssue).join('; ')));
        return [];
      });
      return { records: newestContexts(records, keys), problems: problems.all };
    });
  }

  /** One short READ WRITE transaction (the session is read-only otherwise), rolled back on any error. */
  private async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.options.readOnly !== undefined) throw new PitwallError('read-only', messages.postgresReadOnly(this.address, this.options.readOnly));
    this.writing = true;
    await this.client.query('BEGIN READ WRITE');
    try {
      const result = await work();
      await this.client.query('COMMIT');
      this.writing = false;
      return result;
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private requireTable(spec: TableSpec): PostgresTableShape {
    const shape = this.shape(spec);
    if (!shape.present) throw new PitwallError('unsupported', messages.postgresTableMissing(this.address, spec.table));
    return shape;
  }

  /** The keys of these that are alerts of the table. */
  private async existingAlerts(keys: readonly AlertKey[]): Promise<Set<AlertKey>> {
    if (keys.length === 0) return new Set();
    const rows = await this.rows({ sql: 'SELECT id FROM alerts WHERE id = ANY($1::int[])', params: [keys.map(Number)] });
    return new Set(rows.map((row) => String(row[0])));
  }

  /**
   * One transaction: the alerts not yet acknowledged get who and when (row locks keep a concurrent
   * writer's change whole), and a comment goes to Pitwall's own `pitwall_acknowledgments`, created
   * with the first one, for the alerts this call acknowledged.
   */
  acknowledgeAlerts(keys: readonly AlertKey[], acknowledgedBy: string | null, at: number, comment: string | null = null): Promise<AcknowledgeResult> {
    return this.run(async () => {
      const unique = [...new Set(keys)];
      if (unique.length === 0) return { acknowledged: [], alreadyAcknowledged: [], notFound: [] };
      this.requireTable(alertsTable);
      const candidates = unique.filter(isAlertKey);
      const changed = await this.transaction(async () => {
        const updated = await this.rows({
          sql: 'UPDATE alerts SET acknowledged = true, acknowledged_at = $1::timestamptz, acknowledged_by = $2 WHERE id = ANY($3::int[]) AND acknowledged IS NOT TRUE RETURNING id',
          params: [toIsoText(at), acknowledgedBy, candidates.map(Number)],
        });
        // The comments in the order the keys were given, as one after another would add them.
        const returned = new Set(updated.map((row) => Number(row[0])));
        const ids = candidates.map(Number).filter((id) => returned.has(id));
        if (comment !== null && comment !== '' && ids.length > 0) {
          await ensurePitwallTable(this.writes.query, 'pitwall_acknowledgments');
          await this.client.query(
            'INSERT INTO pitwall_acknowledgments (alert_row_id, acknowledged_by, acknowledged_at, comment) SELECT unnest($1::int[]), $2, $3::timestamptz, $4',
            [ids, acknowledgedBy, toIsoText(at), comment],
          );
        }
        return new Set(ids.map(String));
      });
      const existing = await this.existingAlerts(candidates.filter((key) => !changed.has(key)));
      return {
        acknowledged: unique.filter((key) => changed.has(key)),
        alreadyAcknowledged: unique.filter((key) => existing.has(key)),
        notFound: unique.filter((key) => !changed.has(key) && !existing.has(key)),
      };
    });
  }

  /** One transaction: each acknowledged alert back to never acknowledged; comments stay in pitwall_acknowledgments as history. */
  unacknowledgeAlerts(keys: readonly AlertKey[]): Promise<UnacknowledgeResult> {
    return this.run(async () => {
      const unique = [...new Set(keys)];
      if (unique.length === 0) return { unacknowledged: [], notAcknowledged: [], notFound: [] };
      this.requireTable(alertsTable);
      const candidates = unique.filter(isAlertKey);
      const changed = await this.transaction(async () => {
        const updated = await this.rows({
          sql: 'UPDATE alerts SET acknowledged = false, acknowledged_at = NULL, acknowledged_by = NULL WHERE id = ANY($1::int[]) AND acknowledged IS TRUE RETURNING id',
          params: [candidates.map(Number)],
        });
        return new Set(updated.map((row) => String(row[0])));
      });
      const existing = await this.existingAlerts(candidates.filter((key) => !changed.has(key)));
      return {
        unacknowledged: unique.filter((key) => changed.has(key)),
        notAcknowledged: unique.filter((key) => existing.has(key)),
        notFound: unique.filter((key) => !changed.has(key) && !existing.has(key)),
      };
    });
  }

  /** The label and its time on the prediction's row, as the Python system's record_actual_outcome() updates it. */
  recordOutcome(outcome: Outcome): Promise<boolean> {
    return this.run(async () => {
      const parsed = parseRecord(outcomeRecord, outcome);
      if (!parsed.ok) throw new PitwallError('input', messages.postgresRecordInvalid(this.address, 'outcome', parsed.issues.map(describeIssue).join('; ')));
      this.requireTable(predictionsTable);
      const value = parsed.value;
      const updated = await this.transaction(() =>
        this.rows({
          sql: 'UPDATE predictions SET actual_outcome = $1, actual_outcome_timestamp = $2::timestamptz WHERE prediction_id = $3 RETURNING id',
          params: [value.actual_outcome, toIsoText(value.timestamp), value.prediction_id],
        }),
      );
      return updated.length > 0;
    });
  }

  /** The Python system's record_prediction(): one row, refused when its prediction_id is recorded already. */
  recordPrediction(prediction: Prediction): Promise<void> {
    return this.run(() => this.transaction(() => writes.insertPrediction(this.writes, prediction)));
  }

  recordHealthSnapshot(snapshot: HealthSnapshot): Promise<void> {
    return this.run(() => this.transaction(() => writes.appendRecord(this.writes, healthSnapshotsTable, healthSnapshotRecord, 'health snapshot', snapshot)));
  }

  recordMetricSnapshot(snapshot: MetricSnapshot): Promise<void> {
    return this.run(() => this.transaction(() => writes.appendRecord(this.writes, metricSnapshotsTable, metricSnapshotRecord, 'metric snapshot', snapshot)));
  }

  /** The alert as stored, read back by the key (row id) the server gave it. */
  appendAlert(alert: NewAlert): Promise<StoredAlert> {
    return this.run(async () => {
      const values = writes.newAlerts(this.writes, [alert]);
      const ids = await this.transaction(() => writes.insertAlerts(this.writes, values));
      return (await this.alertsOf(ids, values))[0] as StoredAlert;
    });
  }

  /**
   * One evaluation's firing states, cooldowns and alerts in one transaction: a process that dies
   * halfway leaves none of them, so a rerun fires and notifies once.
   */
  recordFirings(firing: Readonly<Record<string, number>>, cleared: readonly string[], triggered: readonly string[], at: number, alerts: readonly NewAlert[]): Promise<StoredAlert[]> {
    return this.run(async () => {
      if (Object.keys(firing).length === 0 && cleared.length === 0 && triggered.length === 0 && alerts.length === 0) return [];
      const values = writes.newAlerts(this.writes, alerts);
      const ids = await this.transaction(async () => {
        await writes.updateAlertStates(this.writes, firing, cleared);
        await writes.markRulesTriggered(this.writes, triggered, at);
        return writes.insertAlerts(this.writes, values);
      });
      return this.alertsOf(ids, values);
    });
  }

  saveRule(rule: AlertRule): Promise<void> {
    return this.run(() => this.transaction(() => writes.saveRule(this.writes, rule)));
  }

  deleteRule(ruleId: string): Promise<boolean> {
    return this.run(() => this.transaction(() => writes.deleteRule(this.writes, ruleId)));
  }

  markRuleTriggered(ruleId: string, at: number): Promise<void> {
    return this.run(() => this.transaction(() => writes.markRulesTriggered(this.writes, [ruleId], at)));
  }

  updateAlertStates(firing: Readonly<Record<string, number>>, cleared: readonly string[]): Promise<void> {
    return this.run(async () => {
      if (Object.keys(firing).length === 0 && cleared.length === 0) return;
      await this.transaction(() => writes.updateAlertStates(this.writes, firing, cleared));
    });
  }

  saveSilence(silence: Silence): Promise<void> {
    return this.run(() => this.transaction(() => writes.saveSilence(this.writes, silence)));
  }

  expireSilence(id: string, at: number): Promise<boolean> {
    return this.run(async () => {
      if (!(await this.hasTable('pitwall_silences'))) return false;
      return this.transaction(() => writes.expireSilence(this.writes, id, at));
    });
  }

  recordDeliveries(records: readonly DeliveryRecord[]): Promise<void> {
    return this.run(async () => {
      if (records.length === 0) return;
      await this.transaction(() => writes.recordDeliveries(this.writes, records));
    });
  }

  recordAlertContexts(records: readonly AlertContextRecord[]): Promise<void> {
    return this.run(async () => {
      if (records.length === 0) return;
      await this.transaction(() => writes.recordAlertContexts(this.writes, records));
    });
  }

  recordDriftResult(result: DriftResult): Promise<void> {
    return this.run(() => this.transaction(() => writes.appendRecord(this.writes, driftResultsTable, driftResultRecord, 'drift result', result)));
  }

  recordDegradationAnalysis(analysis: DegradationAnalysis): Promise<void> {
    return this.run(() => this.transaction(() => writes.appendRecord(this.writes, degradationAnalysesTable, degradationAnalysisRecord, 'degradation analysis', analysis)));
  }

  recordFeatureImportance(importance: FeatureImportance): Promise<void> {
    return this.run(() => this.transaction(() => writes.appendRecord(this.writes, featureImportanceTable, featureImportanceRecord, 'feature importance', importance)));
  }

  /** The alerts just written, read back by row id in the order given (as written, should the read refuse a row). */
  private async alertsOf(ids: readonly number[], written: readonly Alert[]): Promise<StoredAlert[]> {
    if (ids.length === 0) return [];
    const found = await this.selectAlerts(new PostgresWhere(this.shape(alertsTable)).add('id = ANY(?::int[])', [...ids]), 'asc', {});
    return ids.map((id, index) => found.find((alert) => alert.key === String(id)) ?? { ...(written[index] as Alert), key: String(id) });
  }
}

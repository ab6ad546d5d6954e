/**
 * Store queries as SQL over the SQLAlchemy schema: filters become WHERE clauses with bound
 * parameters, time bounds become the database's own timestamp text (so `timestamp >= ?` compares
 * text the way the timestamp indexes are ordered, and uses them), order and paging become ORDER BY
 * and LIMIT / OFFSET. A column an older schema lacks reads as NULL, so every query still runs.
 */
import type { SqlValue } from 'sql.js';
import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import { MAX_TIMESTAMP, MIN_TIMESTAMP, toSqlAlchemyText } from '../../model/timestamps';
import { asciiLower, segmentSuffixes } from '../alertFilter';
import type {
  AlertFilter,
  AlertGroupColumn,
  AlertScope,
  DegradationAnalysisQuery,
  DriftResultQuery,
  FeatureImportanceQuery,
  HealthSnapshotQuery,
  MetricSnapshotQuery,
  Page,
  PredictionFilter,
  PredictionTimeFilter,
  SortOrder,
  TimeRange,
} from '../store';
import { encodeValue, quoteIdentifier, type FieldSpec, type TableSpec } from './rows';
import { sqliteTables } from './schema';
import type { SqliteSnapshot } from './snapshot';
import type { SqliteParam, SqliteStatement } from './writerShared';

export interface SqlText {
  readonly sql: string;
  readonly params: SqlValue[];
}

/** A table as one snapshot has it. */
export interface TableShape {
  readonly spec: TableSpec;
  readonly present: boolean;
  /** The columns the snapshot's table has, of those the schema (schema.ts) expects. */
  readonly columns: ReadonlySet<string>;
  /** The spec's fields whose columns exist: what a row is read into. */
  readonly fields: readonly FieldSpec[];
  /** Nullable fields whose columns do not exist: null in every row. */
  readonly nullFields: readonly FieldSpec[];
}

export function shapeOf(snapshot: SqliteSnapshot, spec: TableSpec): TableShape {
  const present = !snapshot.missingTables.includes(spec.table);
  const missing = new Set(snapshot.missingColumns.filter((ref) => ref.table === spec.table).map((ref) => ref.column));
  const expected = sqliteTables.find((table) => table.name === spec.table)?.columns.map((c) => c.name) ?? [];
  const columns = new Set(present ? expected.filter((c) => !missing.has(c)) : []);
  return {
    spec,
    present,
    columns,
    fields: spec.fields.filter((f) => columns.has(f.column)),
    nullFields: spec.fields.filter((f) => !columns.has(f.column) && f.nulls === 'nullable'),
  };
}

/** A column's SQL: its quoted name, or NULL when the table lacks it. */
export function columnSql(shape: TableShape, column: string): string {
  if (column === 'id' && !shape.columns.has('id')) return 'rowid';
  return shape.columns.has(column) ? quoteIdentifier(column) : 'NULL';
}

/**
 * The least whole microsecond at or after `seconds`, as timestamp text: for a time parsed from the
 * database (`micros / 1e6`), `time >= seconds` exactly when its text is ≥ this text. A whole second
 * is written without a fraction, so text stored without one compares right too.
 */
function boundText(seconds: number): string {
  let micros = Math.ceil(seconds * 1e6);
  // seconds * 1e6 may round either way: settle on the least microsecond whose time is ≥ seconds
  // (past the year 2255 a double no longer holds every microsecond, and the first guess stands).
  if (Number.isSafeInteger(micros)) {
    while ((micros - 1) / 1e6 >= seconds) micros -= 1;
    while (micros / 1e6 < seconds) micros += 1;
  }
  const text = toSqlAlchemyText(micros / 1e6);
  return text.endsWith('.000000') ? text.slice(0, -7) : text;
}

/**
 * A WHERE clause under construction; `never` once some condition can match no row. Builders add
 * the time range first: once there is one, the other filters (a few distinct values each: severity,
 * acknowledged, model version) are written `+column`, which keeps SQLite from choosing their
 * indexes over the timestamp index, the one that narrows a time window.
 */
export class Where {
  private readonly clauses: string[] = [];
  readonly params: SqlValue[] = [];
  private impossible = false;
  private timed = false;

  constructor(readonly shape: TableShape) {}

  get never(): boolean {
    return this.impossible || !this.shape.present;
  }

  get sql(): string {
    return this.clauses.length === 0 ? '' : `WHERE ${this.clauses.join(' AND ')}`;
  }

  add(clause: string, ...params: SqlValue[]): this {
    this.clauses.push(clause);
    this.params.push(...params);
    return this;
  }

  nothing(): this {
    this.impossible = true;
    return this;
  }

  /** An identifier (alert_id, prediction_id): its unique index is the best path whatever else is asked. */
  equals(column: string, value: string | undefined): this {
    return value === undefined ? this : this.add(`${columnSql(this.shape, column)} = ?`, value);
  }

  /** A column of few distinct values (a model version, a metric name). */
  matches(column: string, value: string | undefined): this {
    return value === undefined ? this : this.add(`${this.filtered(column)} = ?`, value);
  }

  /** As matches, where null selects the rows that leave the column empty. */
  matchesOrNone(column: string, value: string | null | undefined): this {
    return value === null ? this.add(`${this.filtered(column)} IS NULL`) : this.matches(column, value);
  }

  oneOf(column: string, values: readonly string[] | undefined): this {
    if (values === undefined) return this;
    if (values.length === 0) return this.nothing();
    return this.add(`${this.filtered(column)} IN (${values.map(() => '?').join(', ')})`, ...values);
  }

  /** A 0/1 column; `nullIsFalse` when the record reads NULL as false. */
  flag(column: string, value: boolean | undefined, nullIsFalse = false): this {
    if (value === undefined) return this;
    const c = this.filtered(column);
    if (value) return this.add(`${c} = 1`);
    return this.add(nullIsFalse ? `${c} IS NOT 1` : `${c} = 0`);
  }

  known(column: string, value: boolean | undefined): this {
    if (value === undefined) return this;
    return this.add(`${this.filtered(column)} IS ${value ? 'NOT NULL' : 'NULL'}`);
  }

  /** `from` inclusive, `to` exclusive, compared as the database's timestamp text. */
  timeRange(range: TimeRange): this {
    const column = this.shape.spec.timeColumn;
    if (column === undefined) return this;
    const c = columnSql(this.shape, column);
    const { from, to } = range;
    if (Number.isNaN(from)) throw new PitwallError('input', messages.sqliteTimeBoundNaN('from'));
    if (Number.isNaN(to)) throw new PitwallError('input', messages.sqliteTimeBoundNaN('to'));
    if (from !== undefined && from > MIN_TIMESTAMP) {
      if (from > MAX_TIMESTAMP) return this.nothing();
      this.add(`${c} >= ?`, boundText(from));
      this.timed = true;
    }
    if (to !== undefined && to <= MAX_TIMESTAMP) {
      if (to <= MIN_TIMESTAMP) return this.nothing();
      this.add(`${c} < ?`, boundText(to));
      this.timed = true;
    }
    return this;
  }

  /**
   * For min() or max() of the time, or a page in time order: the other filters are written
   * `+column`, as after a time range, so SQLite reads the timestamp index from that end and stops
   * once it has the rows asked for.
   */
  alongTime(): this {
    this.timed = true;
    return this;
  }

  private filtered(column: string): string {
    const c = columnSql(this.shape, column);
    return this.timed && c !== 'NULL' ? `+${c}` : c;
  }

  /** Leaves out the rows with these ids (a JSON array), found bad by the audit. */
  excluding(idsJson: string | undefined): this {
    if (idsJson === undefined) return this;
    return this.add(`${columnSql(this.shape, 'id')} NOT IN (SELECT value FROM json_each(?))`, idsJson);
  }
}

/** LIMIT and OFFSET, or undefined when the page is empty. */
function pageSql(page: Page): SqlText | undefined {
  const { limit, offset } = page;
  if (limit !== undefined && !(limit >= 1)) return undefined;
  if (offset !== undefined && offset === Infinity) return undefined;
  const rows = limit === undefined || limit === Infinity ? -1 : Math.floor(limit);
  const skip = offset === undefined || !(offset > 0) ? 0 : Math.floor(offset);
  return { sql: 'LIMIT ? OFFSET ?', params: [rows, skip] };
}

/** ORDER BY time, ties in row order whichever way time runs (as a stable sort keeps them). */
function orderSql(shape: TableShape, order: SortOrder): string {
  const id = columnSql(shape, 'id');
  const time = shape.spec.timeColumn;
  if (time === undefined) return `ORDER BY ${id}`;
  return `ORDER BY ${columnSql(shape, time)} ${order === 'desc' ? 'DESC' : 'ASC'}, ${id}`;
}

/** `id` and then the shape's fields, in order. */
export function selectListSql(shape: TableShape): string {
  return [columnSql(shape, 'id'), ...shape.fields.map((f) => quoteIdentifier(f.column))].join(', ');
}

/** The rows a filter selects, ordered and paged; undefined when it selects none. */
export function selectSql(where: Where, order: SortOrder, page: Page, selectList = selectListSql(where.shape)): SqlText | undefined {
  const paging = pageSql(page);
  if (where.never || paging === undefined) return undefined;
  const { shape } = where;
  return {
    sql: `SELECT ${selectList} FROM ${quoteIdentifier(shape.spec.table)} ${where.sql} ${orderSql(shape, order)} ${paging.sql}`,
    params: [...where.params, ...paging.params],
  };
}

export function countSql(where: Where): SqlText | undefined {
  if (where.never) return undefined;
  return { sql: `SELECT count(*) FROM ${quoteIdentifier(where.shape.spec.table)} ${where.sql}`, params: where.params };
}

export function predictionWhere(shape: TableShape, filter: PredictionFilter): Where {
  return new Where(shape).timeRange(filter).matches('model_version', filter.modelVersion).known('actual_outcome', filter.hasOutcome);
}

/** The predictions readPredictionTime looks among: the filter's columns written `+column`, off the index choice. */
export function predictionTimeWhere(shape: TableShape, filter: PredictionTimeFilter): Where {
  return new Where(shape).alongTime().matches('model_version', filter.modelVersion).known('actual_outcome', filter.hasOutcome);
}

/** min() or max() of the time a filter selects, which SQLite reads off that end of the timestamp index; undefined when it selects none. */
export function predictionTimeSql(where: Where, end: 'oldest' | 'newest'): SqlText | undefined {
  if (where.never) return undefined;
  const time = columnSql(where.shape, 'timestamp');
  return { sql: `SELECT ${end === 'oldest' ? 'min' : 'max'}(${time}) FROM ${quoteIdentifier(where.shape.spec.table)} ${where.sql}`, params: where.params };
}

/** One scope as SQL (a row matches when it holds), as alertFilter.ts's scopeMatches; undefined when it matches every row. */
function scopeSql(shape: TableShape, scope: AlertScope): SqlText | undefined {
  const parts: string[] = [];
  const params: SqlValue[] = [];
  for (const field of ['metric_name', 'threshold', 'severity', 'component', 'model_version'] as const) {
    const value = scope[field];
    if (value === undefined) continue;
    parts.push(`${columnSql(shape, field)} IS ?`);
    params.push(value);
  }
  if (scope.segment !== undefined) {
    const message = `coalesce(${columnSql(shape, 'message')}, '')`;
    // substr() counts characters from the end: the suffix's length in code points.
    const suffixes = segmentSuffixes(scope.segment);
    parts.push(`(${suffixes.map(() => `substr(${message}, -?) = ?`).join(' OR ')})`);
    for (const suffix of suffixes) params.push([...suffix].length, suffix);
  }
  return parts.length === 0 ? undefined : { sql: `(${parts.join(' AND ')})`, params };
}

/** `alongTime`: the filter's columns written `+column`, so that SQLite reads the rows in time order (see Where). */
export function alertWhere(shape: TableShape, filter: AlertFilter, alongTime = false): Where {
  const severities = filter.severity === undefined ? undefined : typeof filter.severity === 'string' ? [filter.severity] : filter.severity;
  const start = new Where(shape);
  if (alongTime) start.alongTime();
  const where = start
    .timeRange(filter)
    .oneOf('severity', severities)
    .flag('acknowledged', filter.acknowledged, true)
    .matchesOrNone('model_version', filter.modelVersion)
    .equals('alert_id', filter.alertId)
    .matchesOrNone('component', filter.component);
  if (filter.text !== undefined && filter.text !== '') {
    const text = asciiLower(filter.text);
    const fields = ['title', 'message', 'alert_id'].map((field) => `instr(lower(coalesce(${columnSql(shape, field)}, '')), ?) > 0`);
    where.add(`(${fields.join(' OR ')})`, text, text, text);
  }
  for (const condition of filter.scopes ?? []) {
    const scopes = condition.scopes.map((scope) => scopeSql(shape, scope));
    // A scope without fields matches every row.
    if (scopes.some((scope) => scope === undefined)) {
      if (condition.match === 'none') where.nothing();
      continue;
    }
    const texts = scopes as SqlText[];
    if (texts.length === 0) {
      if (condition.match === 'any') where.nothing();
      continue;
    }
    const any = texts.map((t) => t.sql).join(' OR ');
    where.add(condition.match === 'any' ? `(${any})` : `NOT (${any})`, ...texts.flatMap((t) => t.params));
  }
  return where;
}

/** The columns countAlertGroups groups by, then the total and open counts, grouped; undefined when the filter selects none. */
export function alertGroupsSql(where: Where, columns: readonly AlertGroupColumn[]): SqlText | undefined {
  if (where.never) return undefined;
  const { shape } = where;
  const acknowledged = columnSql(shape, 'acknowledged');
  const selected = columns.map((column) => columnSql(shape, column));
  const groupBy = columns.length === 0 ? '' : `GROUP BY ${columns.map((_, index) => index + 1).join(', ')}`;
  return {
    sql: `SELECT ${[...selected, 'count(*)', `sum(CASE WHEN ${acknowledged} IS NOT 1 THEN 1 ELSE 0 END)`].join(', ')} FROM ${quoteIdentifier(shape.spec.table)} ${where.sql} ${groupBy}`,
    params: where.params,
  };
}

export function healthSnapshotWhere(shape: TableShape, query: HealthSnapshotQuery): Where {
  return new Where(shape).timeRange(query).matches('model_version', query.modelVersion);
}

export function metricSnapshotWhere(shape: TableShape, query: MetricSnapshotQuery): Where {
  return new Where(shape).timeRange(query).matches('model_version', query.modelVersion).matches('metric_name', query.metricName);
}

export function driftResultWhere(shape: TableShape, query: DriftResultQuery): Where {
  return new Where(shape)
    .timeRange(query)
    .matches('model_version', query.modelVersion)
    .matches('feature_name', query.featureName)
    .flag('drift_detected', query.driftDetected);
}

export function degradationAnalysisWhere(shape: TableShape, query: DegradationAnalysisQuery): Where {
  return new Where(shape).timeRange(query).matches('model_version', query.modelVersion).matches('metric_name', query.metricName);
}

export function featureImportanceWhere(shape: TableShape, query: FeatureImportanceQuery): Where {
  return new Where(shape).timeRange(query).matches('model_version', query.modelVersion).matches('feature_name', query.featureName);
}

/** Columns the schema declares NOT NULL, by table. */
const requiredColumns = new Map(
  sqliteTables.map((table) => [table.name, new Set(table.columns.filter((c) => c.definition.includes('NOT NULL')).map((c) => c.name))]),
);

/**
 * The record's fields (those it has) as column/value pairs in the database's encoding. Refuses, with
 * a sentence naming the file, a table the database lacks, a value for a column it lacks, and a
 * null for a NOT NULL column.
 */
export function encodeRecord(path: string, shape: TableShape, record: Readonly<Record<string, unknown>>): [string, SqliteParam][] {
  const { table } = shape.spec;
  if (!shape.present) throw new PitwallError('unsupported', messages.sqliteWriteTableMissing(path, table));
  const pairs: [string, SqliteParam][] = [];
  for (const f of shape.spec.fields) {
    if (!Object.hasOwn(record, f.field)) continue;
    const value = encodeValue(f.kind, record[f.field]);
    if (!shape.columns.has(f.column)) {
      if (value === null) continue;
      throw new PitwallError('unsupported', messages.sqliteWriteColumnMissing(path, table, f.column));
    }
    if (value === null && requiredColumns.get(table)?.has(f.column)) {
      throw new PitwallError('input', messages.sqliteWriteColumnRequired(path, table, f.column));
    }
    pairs.push([f.column, value]);
  }
  return pairs;
}

/**
 * An INSERT of the pairs; with `unless`, one that inserts nothing when a row already has that value
 * in that column (one statement, so the check and the insert are one step of the transaction).
 */
export function insertStatement(
  shape: TableShape,
  pairs: readonly [string, SqliteParam][],
  unless?: readonly [string, SqliteParam],
): SqliteStatement {
  const table = quoteIdentifier(shape.spec.table);
  const columns = pairs.map(([column]) => quoteIdentifier(column)).join(', ');
  const values = pairs.map(([, value]) => value);
  const marks = pairs.map(() => '?').join(', ');
  if (unless === undefined) return { sql: `INSERT INTO ${table} (${columns}) VALUES (${marks})`, params: values };
  return {
    sql: `INSERT INTO ${table} (${columns}) SELECT ${marks} WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE ${quoteIdentifier(unless[0])} = ?)`,
    params: [...values, unless[1]],
  };
}

/** `"a" = ?, "b" = ?` and the values. */
export function assignmentsSql(pairs: readonly [string, SqliteParam][]): { sql: string; params: SqliteParam[] } {
  return { sql: pairs.map(([column]) => `${quoteIdentifier(column)} = ?`).join(', '), params: pairs.map(([, value]) => value) };
}

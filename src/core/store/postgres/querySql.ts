/**
 * Store queries as PostgreSQL: filters become WHERE clauses with `$n` parameters, time bounds
 * `timestamptz` values to the microsecond, order and paging ORDER BY and LIMIT / OFFSET; the
 * same selections as the SQLite store's queries (sqlite/queries.ts), in this dialect. Booleans may
 * be NULL (the Python defaults are client-side): an alert whose `acknowledged` is NULL is open.
 */
import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import { MAX_TIMESTAMP, MIN_TIMESTAMP, toIsoText } from '../../model/timestamps';
import { asciiLower, segmentSuffixes } from '../alertFilter';
import type { AlertFilter, AlertScope, Page, PredictionFilter, SortOrder, TimeRange } from '../store';
import { quoteIdentifier, type FieldSpec, type TableSpec } from '../sqlite/rows';

export type PostgresParam = string | number | boolean | null | readonly (string | number)[];

export interface PostgresSql {
  readonly sql: string;
  readonly params: PostgresParam[];
}

/** A table as the database has it. */
export interface PostgresTableShape {
  readonly spec: TableSpec;
  readonly present: boolean;
  readonly columns: ReadonlySet<string>;
  /** The spec's fields whose columns exist: what a row is read into. */
  readonly fields: readonly FieldSpec[];
  /** Nullable fields whose columns do not exist: null in every row. */
  readonly nullFields: readonly FieldSpec[];
}

export function shapeOfColumns(spec: TableSpec, columns: ReadonlySet<string> | undefined): PostgresTableShape {
  const has = columns ?? new Set<string>();
  return {
    spec,
    present: columns !== undefined,
    columns: has,
    fields: spec.fields.filter((f) => has.has(f.column)),
    nullFields: spec.fields.filter((f) => !has.has(f.column) && f.nulls === 'nullable'),
  };
}

/** A column's SQL: its quoted name, or NULL when the table lacks it. */
export function columnSql(shape: PostgresTableShape, column: string): string {
  return shape.columns.has(column) ? quoteIdentifier(column) : 'NULL';
}

/** The least whole microsecond at or after `seconds`, as ISO text: `time >= seconds` exactly when the stored time is ≥ it. */
export function boundText(seconds: number): string {
  let micros = Math.ceil(seconds * 1e6);
  if (Number.isSafeInteger(micros)) {
    while ((micros - 1) / 1e6 >= seconds) micros -= 1;
    while (micros / 1e6 < seconds) micros += 1;
  }
  return toIsoText(micros / 1e6);
}

/** A WHERE clause under construction; `never` once some condition can match no row. Clauses are written with `?`, numbered as added. */
export class PostgresWhere {
  private readonly clauses: string[] = [];
  readonly params: PostgresParam[] = [];
  private impossible = false;

  constructor(
    readonly shape: PostgresTableShape,
    /** Parameters already numbered before this clause (in an enclosing statement). */
    private readonly offset = 0,
  ) {}

  get never(): boolean {
    return this.impossible || !this.shape.present;
  }

  get sql(): string {
    return this.clauses.length === 0 ? '' : `WHERE ${this.clauses.join(' AND ')}`;
  }

  add(clause: string, ...params: PostgresParam[]): this {
    let next = 0;
    this.clauses.push(clause.replace(/\?/g, () => `$${this.offset + this.params.length + ++next}`));
    this.params.push(...params);
    return this;
  }

  nothing(): this {
    this.impossible = true;
    return this;
  }

  matches(column: string, value: string | undefined): this {
    return value === undefined ? this : this.add(`${columnSql(this.shape, column)} = ?`, value);
  }

  matchesOrNone(column: string, value: string | null | undefined): this {
    return value === null ? this.add(`${columnSql(this.shape, column)} IS NULL`) : this.matches(column, value);
  }

  oneOf(column: string, values: readonly string[] | undefined): this {
    if (values === undefined) return this;
    if (values.length === 0) return this.nothing();
    return this.add(`${columnSql(this.shape, column)} = ANY(?::text[])`, values);
  }

  /** A boolean column; `nullIsFalse` when the record reads NULL as false. */
  flag(column: string, value: boolean | undefined, nullIsFalse = false): this {
    if (value === undefined) return this;
    const c = columnSql(this.shape, column);
    if (value) return this.add(`${c} IS TRUE`);
    return this.add(nullIsFalse ? `${c} IS NOT TRUE` : `${c} IS FALSE`);
  }

  known(column: string, value: boolean | undefined): this {
    if (value === undefined) return this;
    return this.add(`${columnSql(this.shape, column)} IS ${value ? 'NOT NULL' : 'NULL'}`);
  }

  /** `from` inclusive, `to` exclusive. */
  timeRange(range: TimeRange): this {
    const column = this.shape.spec.timeColumn;
    if (column === undefined) return this;
    const c = columnSql(this.shape, column);
    const { from, to } = range;
    if (Number.isNaN(from)) throw new PitwallError('input', messages.sqliteTimeBoundNaN('from'));
    if (Number.isNaN(to)) throw new PitwallError('input', messages.sqliteTimeBoundNaN('to'));
    if (from !== undefined && from > MIN_TIMESTAMP) {
      if (from > MAX_TIMESTAMP) return this.nothing();
      this.add(`${c} >= ?::timestamptz`, boundText(from));
    }
    if (to !== undefined && to <= MAX_TIMESTAMP) {
      if (to <= MIN_TIMESTAMP) return this.nothing();
      this.add(`${c} < ?::timestamptz`, boundText(to));
    }
    return this;
  }
}

/** LIMIT and OFFSET, or undefined when the page is empty. */
function pageSql(page: Page): string | undefined {
  const { limit, offset } = page;
  if (limit !== undefined && !(limit >= 1)) return undefined;
  if (offset !== undefined && offset === Infinity) return undefined;
  const rows = limit === undefined || limit === Infinity ? 'ALL' : String(Math.floor(limit));
  const skip = offset === undefined || !(offset > 0) ? 0 : Math.floor(offset);
  return `LIMIT ${rows} OFFSET ${skip}`;
}

/** ORDER BY time, ties in row order whichever way time runs (as a stable sort keeps them). */
function orderSql(shape: PostgresTableShape, order: SortOrder): string {
  const time = shape.spec.timeColumn;
  if (time === undefined) return 'ORDER BY id';
  return `ORDER BY ${columnSql(shape, time)} ${order === 'desc' ? 'DESC' : 'ASC'}, id`;
}

/** `id` and then the shape's fields, in order. */
export function selectListSql(shape: PostgresTableShape): string {
  return ['id', ...shape.fields.map((f) => quoteIdentifier(f.column))].join(', ');
}

/** The rows a filter selects, ordered and paged; undefined when it selects none. */
export function selectSql(where: PostgresWhere, order: SortOrder, page: Page, selectList = selectListSql(where.shape)): PostgresSql | undefined {
  const paging = pageSql(page);
  if (where.never || paging === undefined) return undefined;
  const { shape } = where;
  return { sql: `SELECT ${selectList} FROM ${quoteIdentifier(shape.spec.table)} ${where.sql} ${orderSql(shape, order)} ${paging}`, params: where.params };
}

export function countSql(where: PostgresWhere): PostgresSql | undefined {
  if (where.never) return undefined;
  return { sql: `SELECT count(*) FROM ${quoteIdentifier(where.shape.spec.table)} ${where.sql}`, params: where.params };
}

export function predictionWhere(shape: PostgresTableShape, filter: PredictionFilter): PostgresWhere {
  return new PostgresWhere(shape).timeRange(filter).matches('model_version', filter.modelVersion).known('actual_outcome', filter.hasOutcome);
}

/** ASCII letters to lower case, nothing else: what asciiLower does to the text searched for. */
function asciiLowerSql(c: string): string {
  return `translate(${c}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`;
}

/** One scope as SQL, as alertFilter.ts's scopeMatches; undefined when it matches every row. */
function scopeSql(shape: PostgresTableShape, scope: AlertScope): { sql: string; params: PostgresParam[] } | undefined {
  const parts: string[] = [];
  const params: PostgresParam[] = [];
  for (const field of ['metric_name', 'threshold', 'severity', 'component', 'model_version'] as const) {
    const value = scope[field];
    if (value === undefined) continue;
    const c = columnSql(shape, field);
    if (value === null) parts.push(`${c} IS NULL`);
    else {
      parts.push(field === 'threshold' ? `${c} = ?::float8` : `${c} = ?::text`);
      params.push(value);
    }
  }
  if (scope.segment !== undefined) {
    const message = `coalesce(${columnSql(shape, 'message')}, '')`;
    const suffixes = segmentSuffixes(scope.segment);
    parts.push(`(${suffixes.map(() => `right(${message}, char_length(?::text)) = ?::text`).join(' OR ')})`);
    for (const suffix of suffixes) params.push(suffix, suffix);
  }
  // A row with a NULL in a compared column matches no `=`: coalesce keeps NOT (…) true for it, as SQLite's IS does.
  return parts.length === 0 ? undefined : { sql: `coalesce((${parts.join(' AND ')}), false)`, params };
}

export function alertWhere(shape: PostgresTableShape, filter: AlertFilter): PostgresWhere {
  const severities = filter.severity === undefined ? undefined : typeof filter.severity === 'string' ? [filter.severity] : filter.severity;
  const where = new PostgresWhere(shape)
    .timeRange(filter)
    .oneOf('severity', severities)
    .flag('acknowledged', filter.acknowledged, true)
    .matchesOrNone('model_version', filter.modelVersion)
    .matches('alert_id', filter.alertId)
    .matchesOrNone('component', filter.component);
  if (filter.text !== undefined && filter.text !== '') {
    const text = asciiLower(filter.text);
    const fields = ['title', 'message', 'alert_id'].map((field) => `strpos(${asciiLowerSql(`coalesce(${columnSql(shape, field)}, '')`)}, ?::text) > 0`);
    where.add(`(${fields.join(' OR ')})`, text, text, text);
  }
  for (const condition of filter.scopes ?? []) {
    const scopes = condition.scopes.map((scope) => scopeSql(shape, scope));
    if (scopes.some((scope) => scope === undefined)) {
      if (condition.match === 'none') where.nothing();
      continue;
    }
    const texts = scopes as { sql: string; params: PostgresParam[] }[];
    if (texts.length === 0) {
      if (condition.match === 'any') where.nothing();
      continue;
    }
    const any = texts.map((t) => t.sql).join(' OR ');
    where.add(condition.match === 'any' ? `(${any})` : `NOT (${any})`, ...texts.flatMap((t) => t.params));
  }
  return where;
}

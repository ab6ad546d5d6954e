/**
 * A window plan as PostgreSQL (sliding windows are combined from tumbling panes, windowStats.ts):
 * one scan that sums each (window, group, calibration bin), and, when the plan needs scores, one
 * that counts each labelled (window, group, score, label), the same rows as the SQLite dialect's
 * (sqlite/windowSql.ts) so the kernel's collector and combine step turn them into metrics.
 *
 * - Windows: `date_bin` from the epoch over the exact (microsecond) time, as the memory path
 *   floors the time to a multiple of the window length.
 * - Bins: `floor(confidence · bins)` in float8, the very IEEE product and floor the memory path
 *   and SQLite compute, so a confidence one ulp either side of an edge lands in the same bin
 *   (`width_bucket` does not agree there).
 * - Sums: PostgreSQL's float8 sum() is not compensated, and its float8 → numeric cast keeps 15
 *   digits only. Every summed value lies in [0, 1], so each is scaled by 2^62 (exact) to an int8
 *   (exact to 2^-63), summed exactly (sum(int8) is numeric), rounded once to float8 and scaled
 *   back (exact): the correctly rounded sum, as the compensated sums of the other paths are to
 *   the last bit or so, in whatever order the rows are visited. (Summing `::numeric` differed by
 *   1e-12 in a confidence standard deviation, where the variance cancels.)
 * - Squares: PostgreSQL refuses a float8 product that underflows to 0, so a square below the
 *   smallest double is written 0, as JS rounds it.
 * - Rows the record schema may refuse (a confidence outside [0, 1], an outcome other than 0/1,
 *   an infinite time, features that are not a flat JSON object…) go to bin -1 and into no sum;
 *   the store reads those few rows whole and lets the schema decide, as every other read does.
 */
import { MAX_JSON_DEPTH } from '../../model/json';
import { inlineParams as inlineSqliteParams } from '../sqlite/windowSql';
import { segmentOf, type WindowPlan } from '../windowStats';
import { columnSql, type PostgresParam, type PostgresSql, type PostgresTableShape, type PostgresWhere } from './querySql';

/** The work memory the aggregate's transaction asks for: the hash of its groups fits, instead of sorting on disk. */
export const AGGREGATE_WORK_MEM = '64MB';

/** The statements that open and close the aggregate's own read-only transaction. */
export const AGGREGATE_BEGIN = ['BEGIN READ ONLY', `SET LOCAL work_mem = '${AGGREGATE_WORK_MEM}'`, 'SET LOCAL jit = off'];

/**
 * True where the light checks accept a predictions row, false where the record schema must
 * decide (a superset of the rows it refuses: a string feature holding a bracket is sent there too).
 * Only cheap tests on the JSON text: parsing every row's features would cost more than the
 * aggregate. `extracting`: values will be taken out of the JSON with ->>, which fails on a
 * \u0000 the schema accepts, so such rows go to the schema too.
 */
export function acceptedRowSql(shape: PostgresTableShape, extracting: boolean): string {
  const c = (column: string) => columnSql(shape, column);
  const features = `(${c('features')})::text`;
  const metadata = `(${c('extra_metadata')})::text`;
  const checks = [
    `isfinite((${c('timestamp')})::timestamptz)`,
    `(${c('actual_outcome_timestamp')} IS NULL OR isfinite((${c('actual_outcome_timestamp')})::timestamptz))`,
    `${c('model_version')} IS NOT NULL`,
    `${c('prediction_id')} <> ''`,
    `${c('predicted_outcome')} IN (0, 1)`,
    `${c('confidence')} >= 0`,
    `${c('confidence')} <= 1`,
    `(${c('actual_outcome')} IS NULL OR ${c('actual_outcome')} IN (0, 1))`,
    // A flat object: one opening brace, first; no bracket.
    `${features} LIKE '{%'`,
    `${features} NOT LIKE '{%{%'`,
    `strpos(${features}, '[') = 0`,
    `(${metadata} IS NULL OR left(${metadata}, 1) = '{' OR ${metadata} = 'null')`,
    // Nested deeper than the schema reads (MAX_JSON_DEPTH) takes that many opening brackets, and twice as many characters.
    `(octet_length(${metadata}) IS NULL OR octet_length(${metadata}) <= ${2 * MAX_JSON_DEPTH} OR length(${metadata}) - length(translate(${metadata}, '{[', '')) <= ${MAX_JSON_DEPTH})`,
    ...(extracting ? [`strpos(${features}, '\\u0000') = 0`, `strpos(coalesce(${metadata}, ''), '\\u0000') = 0`] : []),
  ];
  return `coalesce((${checks.join(' AND ')}), false)`;
}

/**
 * The group of a row: its value and type as groupKey (sqlite/windowSql.ts) reads them: 'text'
 * for a version or a string, 'number' for a number (its JSON text, read as a number by the
 * store), 'true' / 'false' for a boolean; NULL for none, JSON null, a nested value or no key.
 */
function groupSql(shape: PostgresTableShape, plan: WindowPlan, params: PostgresParam[], accepted: string): { value: string; type: string } {
  if (plan.by === 'model_version') return { value: columnSql(shape, 'model_version'), type: `'text'` };
  const segment = segmentOf(plan.by);
  if (segment === undefined) return { value: 'NULL', type: 'NULL' };
  params.push(segment.name);
  const column = `(${columnSql(shape, segment.kind === 'feature' ? 'features' : 'extra_metadata')})::json`;
  const field = `${column} -> $${params.length}::text`;
  const text = `${column} ->> $${params.length}::text`;
  // Only an accepted row's JSON is looked into (->> fails on some text the schema would refuse).
  const kind = `CASE WHEN ${accepted} THEN json_typeof(${field}) END`;
  return {
    value: `CASE ${kind} WHEN 'string' THEN ${text} WHEN 'number' THEN ${text} WHEN 'boolean' THEN ${text} END`,
    type: `CASE ${kind} WHEN 'string' THEN 'text' WHEN 'number' THEN 'number' WHEN 'boolean' THEN ${text} END`,
  };
}

/**
 * The plan's rows with window start (a timestamptz), group, type, predicted, confidence, label
 * (-1 unknown) and whether accepted. OFFSET 0 keeps the subquery whole: merged into the
 * aggregate, its acceptance test would be evaluated again in each aggregate's FILTER (12 times).
 */
function windowedRows(where: PostgresWhere, plan: WindowPlan): PostgresSql {
  const shape = where.shape;
  const params: PostgresParam[] = [...where.params];
  const accepted = acceptedRowSql(shape, segmentOf(plan.by) !== undefined);
  const group = groupSql(shape, plan, params, accepted);
  const actual = columnSql(shape, 'actual_outcome');
  const every = `${Math.round(plan.every)} seconds`;
  return {
    sql: `SELECT date_bin('${every}'::interval, ${columnSql(shape, 'timestamp')}, timestamptz '1970-01-01 00:00:00+00') AS ws,
      ${group.value} AS g, ${group.type} AS gt, ${columnSql(shape, 'predicted_outcome')} AS y, ${columnSql(shape, 'confidence')} AS c,
      CASE WHEN ${actual} IN (0, 1) THEN ${actual} ELSE -1 END AS a, ${accepted} AS ok
      FROM predictions ${where.sql} OFFSET 0`,
    params,
  };
}

/** 2^62: a value in [0, 1] times this is a whole number to within 2^-63 of the value, and fits an int8. */
const SCALE = '4611686018427387904::float8';

/** x², or 0 where it would underflow (PostgreSQL raises an error there; JS rounds to 0 or the least subnormal, nothing in a sum). */
function square(x: string): string {
  return `CASE WHEN abs(${x}) < 1.6e-162::float8 THEN 0::float8 ELSE ${x} * ${x} END`;
}

/** One scan: sums per (window, group, bin); bin 0 holds the unlabelled rows, bin -1 the rows the schema must look at (counted only). */
export function windowBinsSql(where: PostgresWhere, plan: WindowPlan): PostgresSql {
  const rows = windowedRows(where, plan);
  const { bins } = plan;
  const bin = `CASE WHEN NOT r.ok THEN -1 WHEN r.a < 0 THEN 0 ELSE least(floor(r.c * ${bins}::float8), ${bins - 1})::int + 1 END`;
  const p1 = 'CASE WHEN w.y = 1 THEN w.c ELSE 1 - w.c END';
  const sum = (x: string) => `coalesce(sum(((${x}) * ${SCALE})::int8) FILTER (WHERE w.ok), 0)::float8 / ${SCALE}`;
  return {
    sql: `SELECT extract(epoch FROM w.ws)::float8 AS ws, w.g, w.gt, b, count(*),
        count(*) FILTER (WHERE w.ok AND w.a = 1 AND w.y = 1), count(*) FILTER (WHERE w.ok AND w.a = 0 AND w.y = 1),
        count(*) FILTER (WHERE w.ok AND w.a = 0 AND w.y <> 1), count(*) FILTER (WHERE w.ok AND w.a = 1 AND w.y <> 1),
        ${sum('w.c')}, ${sum(square('w.c'))}, min(w.c) FILTER (WHERE w.ok), max(w.c) FILTER (WHERE w.ok),
        ${sum(`CASE WHEN w.a >= 0 THEN ${square(`(w.a - ${p1})`)} END`)}
      FROM (SELECT r.*, ${bin} AS b FROM (${rows.sql}) AS r) AS w GROUP BY w.ws, w.gt, w.g, b`,
    params: rows.params,
  };
}

/** Accepted labelled rows counted per (window, group, predicted, confidence, actual), in the canonical order. */
export function windowScoresSql(where: PostgresWhere, plan: WindowPlan): PostgresSql {
  const rows = windowedRows(where, plan);
  return {
    sql: `SELECT extract(epoch FROM w.ws)::float8, w.g, w.gt, w.y, w.c, w.a, count(*)
      FROM (${rows.sql}) AS w WHERE w.ok AND w.a >= 0 GROUP BY w.ws, w.gt, w.g, w.y, w.c, w.a ORDER BY w.y, w.c, w.a`,
    params: rows.params,
  };
}

/** The plan's rows the schema must look at (those windowBinsSql puts in bin -1), whole (id, then the shape's fields), by id. */
export function refusedRowsSql(where: PostgresWhere, plan: WindowPlan, selectList: string): PostgresSql {
  const accepted = acceptedRowSql(where.shape, segmentOf(plan.by) !== undefined);
  const clause = where.sql === '' ? `WHERE NOT ${accepted}` : `${where.sql} AND NOT ${accepted}`;
  return { sql: `SELECT ${selectList} FROM predictions ${clause} ORDER BY id`, params: where.params };
}

/** A statement with its `$n` parameters written in as SQL literals, for people to read (and run in psql). */
export function inlineParams(text: PostgresSql): string {
  const literal = (value: string | number | boolean | null) => (typeof value === 'boolean' ? String(value) : inlineSqliteParams({ sql: '?', params: [value] }));
  return text.sql.replace(/\$(\d+)/g, (_, n: string) => {
    const value = text.params[Number(n) - 1] ?? null;
    return Array.isArray(value) ? `ARRAY[${value.map(literal).join(', ')}]` : literal(value as string | number | boolean | null);
  });
}

/**
 * Drift's reads on PostgreSQL, run on the server: each feature's values over a range counted in
 * SQL, one row per (feature, distinct number) or (feature, category), and the feature names of a
 * range's first predictions; the predictions themselves never travel. The kernel's drift
 * (analytics/drift.ts) reads a sample as its distinct values and running counts, so these counts
 * give the very numbers the in-memory path gives.
 *
 * Why a row per distinct number and not the PSI bins alone: the KS statistic (and so its p-value)
 * and the Wasserstein distance read both empirical distribution functions at every pooled value,
 * and PSI's edges are baseline order statistics (numpy's linear quantiles); a bin count or a sum
 * cannot give them exactly. A feature of few values (integers, flags, a zero-inflated feature)
 * is a few rows; a continuous one is as many rows as distinct values: 16 bytes each in Node.
 *
 * - Numbers: a JSON number's text cast to float8 (float8in rounds correctly, as JSON.parse does)
 *   and grouped by that double. A row whose text may hold a number float8in would refuse (beyond
 *   the double range, or a nonzero value below the least subnormal, which JSON.parse reads as
 *   ±Infinity or 0) goes to the schema, as does anything the light checks (acceptedRowSql) do not accept.
 * - Text and booleans: by the value's text (`->>`), a boolean as 'true' / 'false', which is the
 *   category drift makes of it; JSON null and an absent key count as missing.
 * - Rows for the schema: counted in the same scan (feature 0), then read whole, by id, in the
 *   same read-only transaction; the values of those the schema takes are added here, the others
 *   are named and left out, as every other read of the predictions leaves them out.
 */
import type { Client } from 'pg';
import type { FeatureValue } from '../../model/fields';
import type { FeatureCountsQuery, FeatureValueCounts, PredictionFilter, SortOrder } from '../store';
import { cursorRows, inReadTransaction, type ParsePredictionRow } from './predictionRead';
import { columnSql, predictionWhere, selectListSql, selectSql, type PostgresSql, type PostgresTableShape, type PostgresWhere } from './querySql';
import { acceptedRowSql, AGGREGATE_BEGIN } from './windowSql';

/**
 * True for a row whose features SQL can count as the light path reads them: accepted (a flat
 * object, so no feature is an object or an array), and no number float8in could refuse. That is
 * a test of the JSON text, so the JSON is parsed once per feature and not again to check it:
 * every number whose text has an exponent of at most two digits and no run of 200 digits lies
 * within 1e±299. A text that merely looks so (inside a string) sends its row to the schema,
 * which reads it right, only slower.
 */
function countableSql(shape: PostgresTableShape): string {
  return `coalesce(${acceptedRowSql(shape, true)} AND (${columnSql(shape, 'features')})::text !~ '[eE][-+]?[0-9]{3}|[0-9]{200}', false)`;
}

/**
 * One scan of the range: per (feature number from 1, JSON type, number, text) the rows holding
 * it, numbers ascending within a feature; feature 0 counts the rows for the schema. Each feature
 * is taken out of the JSON once (OFFSET 0 keeps the planner from repeating `->` per use).
 */
export function featureCountsSql(where: PostgresWhere, names: readonly string[]): PostgresSql {
  const shape = where.shape;
  const parameter = where.params.length + 1;
  return {
    sql: `SELECT e.i, e.t, CASE WHEN e.t = 'number' THEN e.x::float8 END AS x, CASE WHEN e.t IN ('string', 'boolean') THEN e.x END AS s, count(*)::float8
      FROM (SELECT (${columnSql(shape, 'features')})::json AS j, ${countableSql(shape)} AS ok FROM predictions ${where.sql} OFFSET 0) AS r
      CROSS JOIN LATERAL (
        SELECT f.i, json_typeof(f.v) AS t, f.v #>> '{}' AS x
          FROM (SELECT n.i::int AS i, r.j -> n.name AS v FROM unnest($${parameter}::text[]) WITH ORDINALITY AS n(name, i) WHERE r.ok OFFSET 0) AS f
        UNION ALL SELECT 0, NULL, NULL WHERE NOT r.ok
      ) AS e
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 3`,
    params: [...where.params, names],
  };
}

/** The range's rows that featureCountsSql leaves to the schema, whole (id, then the shape's fields), by id. */
export function uncountedRowsSql(where: PostgresWhere): PostgresSql {
  const clause = `${where.sql === '' ? 'WHERE' : `${where.sql} AND`} NOT ${countableSql(where.shape)}`;
  return { sql: `SELECT ${selectListSql(where.shape)} FROM predictions ${clause} ORDER BY id`, params: where.params };
}

/** One feature's counts while they are read. */
class FeatureTally {
  private readonly values: number[] = [];
  private readonly counts: number[] = [];
  /** Numbers from rows the schema read, merged in at the end. */
  private readonly extra = new Map<number, number>();
  readonly others = new Map<string, number>();
  missing = 0;

  /** A number's row from SQL (ascending, each distinct once). */
  addNumber(value: number, count: number): void {
    this.values.push(value);
    this.counts.push(count);
  }

  addOther(text: string, count: number): void {
    this.others.set(text, (this.others.get(text) ?? 0) + count);
  }

  /** A value of a row the schema read, as drift reads it: a non-finite number is missing. */
  addValue(value: FeatureValue | undefined): void {
    if (value === undefined || value === null || (typeof value === 'number' && !Number.isFinite(value))) this.missing++;
    else if (typeof value === 'number') this.extra.set(value, (this.extra.get(value) ?? 0) + 1);
    else this.addOther(String(value), 1);
  }

  counted(): FeatureValueCounts {
    if (this.extra.size === 0) return { numbers: { values: Float64Array.from(this.values), counts: Float64Array.from(this.counts) }, others: this.others, missing: this.missing };
    const pairs: [number, number][] = this.values.map((value, index) => [value, this.counts[index] as number]);
    pairs.push(...this.extra);
    pairs.sort((a, b) => a[0] - b[0]);
    const values: number[] = [];
    const counts: number[] = [];
    for (const [value, count] of pairs) {
      if (values.length > 0 && values[values.length - 1] === value) counts[counts.length - 1] = (counts[counts.length - 1] as number) + count;
      else {
        values.push(value);
        counts.push(count);
      }
    }
    return { numbers: { values: Float64Array.from(values), counts: Float64Array.from(counts) }, others: this.others, missing: this.missing };
  }
}

function toQuery(query: PostgresSql): { text: string; values: unknown[] } {
  return { text: query.sql, values: query.params as unknown[] };
}

/** Each requested feature's values over the query's range, counted on the server (see the top of this file). */
export async function countFeatureValues(client: Client, shape: PostgresTableShape, query: FeatureCountsQuery, parse: ParsePredictionRow): Promise<Map<string, FeatureValueCounts>> {
  const names = [...new Set(query.features)];
  const tallies = names.map(() => new FeatureTally());
  const counted = () => new Map(names.map((name, index) => [name, (tallies[index] as FeatureTally).counted()]));
  const where = predictionWhere(shape, query);
  if (names.length === 0 || where.never) return counted();
  await inReadTransaction(client, AGGREGATE_BEGIN, async () => {
    let uncounted = 0;
    await cursorRows(client, featureCountsSql(where, names), (rows) => {
      for (const [i, type, number, text, count] of rows as [number, string | null, number | null, string | null, number][]) {
        if (i === 0) {
          uncounted += count;
          continue;
        }
        const tally = tallies[i - 1] as FeatureTally;
        if (type === 'number') tally.addNumber(number as number, count);
        else if (type === 'string' || type === 'boolean') tally.addOther(text as string, count);
        else tally.missing += count;
      }
    });
    if (uncounted === 0) return;
    await cursorRows(client, uncountedRowsSql(where), (rows) => {
      for (const row of rows) {
        const prediction = parse(row);
        if (prediction === undefined) continue;
        names.forEach((name, index) => (tallies[index] as FeatureTally).addValue(Object.hasOwn(prediction.features, name) ? prediction.features[name] : null));
      }
    });
  });
  return counted();
}

/**
 * The first `limit` predictions a filter selects in an order (as readPredictions reads them):
 * the keys of their features, distinct, for an accepted row; the id of a row for the schema.
 */
export function featureNamesSql(where: PostgresWhere, limit: number, order: SortOrder): PostgresSql | undefined {
  const shape = where.shape;
  const first = selectSql(where, order, { limit }, `id, ${acceptedRowSql(shape, true)} AS ok, (${columnSql(shape, 'features')})::json AS j`);
  if (first === undefined) return undefined;
  return {
    sql: `WITH first AS (${first.sql})
      SELECT k, NULL::int8 FROM first, json_object_keys(CASE WHEN first.ok THEN first.j ELSE '{}'::json END) AS k GROUP BY k
      UNION ALL SELECT NULL, id FROM first WHERE NOT first.ok`,
    params: first.params,
  };
}

/** The feature names of the first `limit` predictions a filter selects, read on the server; rows the light checks do not accept are read whole and left to the schema. */
export async function readFeatureNames(client: Client, shape: PostgresTableShape, filter: PredictionFilter, limit: number, order: SortOrder, parse: ParsePredictionRow): Promise<string[]> {
  const query = featureNamesSql(predictionWhere(shape, filter), limit, order);
  if (query === undefined) return [];
  return inReadTransaction(client, ['BEGIN READ ONLY'], async () => {
    const names = new Set<string>();
    const ids: number[] = [];
    const found = await client.query({ ...toQuery(query), rowMode: 'array' });
    for (const [name, id] of found.rows as [string | null, number | null][]) {
      if (name !== null) names.add(name);
      else if (id !== null) ids.push(id);
    }
    if (ids.length > 0) {
      const rows = await client.query({ text: `SELECT ${selectListSql(shape)} FROM predictions WHERE id = ANY($1::int8[]) ORDER BY id`, values: [ids], rowMode: 'array' });
      for (const row of rows.rows as unknown[][]) {
        const prediction = parse(row);
        if (prediction !== undefined) for (const name of Object.keys(prediction.features)) names.add(name);
      }
    }
    return [...names].sort();
  });
}

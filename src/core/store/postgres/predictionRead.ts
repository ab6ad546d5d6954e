/**
 * Reads on PostgreSQL that may select many rows, streamed through a server-side cursor
 * (`DECLARE … NO SCROLL CURSOR` in a read-only transaction, `FETCH` a batch at a time), so the
 * driver never holds more than one batch of raw rows: Node's memory follows what the caller
 * asked for (the records or columns it gets back), not the table. Rows decode as the SQLite
 * store decodes them: times from the server's text to the microsecond, json parsed by the
 * record schemas; prediction columns take the requested features out of the JSON on the server
 * (`->`, `->>`) and check the scalars in JS, the record schema deciding only for a row the light
 * checks do not accept (which it then names, or takes).
 */
import type { Client } from 'pg';
import type { FeatureValue } from '../../model/fields';
import type { PredictionWithOutcome } from '../../model/prediction';
import { ColumnsBuilder } from '../sqlite/predictionColumns';
import { WindowStatsCollector } from '../sqlite/windowSql';
import { binOf, combinePanes, segmentOf, sortWindowStats, type WindowPlan, type WindowStats } from '../windowStats';
import type { PredictionColumns, PredictionColumnsQuery, SortOrder } from '../store';
import { columnSql, predictionWhere, type PostgresWhere, selectListSql, selectSql, type PostgresSql, type PostgresTableShape } from './querySql';
import { acceptedRowSql, AGGREGATE_BEGIN, inlineParams, refusedRowsSql, windowBinsSql, windowScoresSql } from './windowSql';

/** Rows per FETCH: large enough that round trips cost little, small enough that a batch is small. */
export const CURSOR_BATCH = 2000;

/** A predictions row read whole (id, then the shape's fields) into a record, or undefined when the schema refuses it (and names it). */
export type ParsePredictionRow = (row: readonly unknown[]) => PredictionWithOutcome | undefined;

/**
 * Runs `work` in a read-only transaction of its own, rolled back on any error; `begin` are the
 * statements that open it (BEGIN and any SET LOCAL).
 */
export async function inReadTransaction<T>(client: Client, begin: readonly string[], work: () => Promise<T>): Promise<T> {
  for (const statement of begin) await client.query(statement);
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Every row of a statement, a batch at a time, through a server-side cursor in a read-only transaction. */
export async function streamRows(
  client: Client,
  query: PostgresSql | undefined,
  onBatch: (rows: readonly unknown[][]) => Promise<void> | void,
  begin: readonly string[] = ['BEGIN READ ONLY'],
): Promise<void> {
  if (query === undefined) return;
  await inReadTransaction(client, begin, () => cursorRows(client, query, onBatch));
}

/** Every row of a statement, a batch at a time, through a server-side cursor in the transaction already open. */
export async function cursorRows(client: Client, query: PostgresSql, onBatch: (rows: readonly unknown[][]) => Promise<void> | void): Promise<void> {
  await client.query(`DECLARE pitwall_rows NO SCROLL CURSOR FOR ${query.sql}`, query.params as unknown[]);
  for (;;) {
    const batch = await client.query({ text: `FETCH ${CURSOR_BATCH} FROM pitwall_rows`, rowMode: 'array' });
    const rows = batch.rows as unknown[][];
    if (rows.length > 0) await onBatch(rows);
    if (rows.length < CURSOR_BATCH) break;
  }
  await client.query('CLOSE pitwall_rows');
}

/** Records a filter selects, ordered and paged, streamed; a row the parser refuses is left out. */
export async function selectRecords<T>(client: Client, where: PostgresWhere, order: SortOrder, page: { limit?: number; offset?: number }, parse: (row: readonly unknown[]) => T | undefined): Promise<T[]> {
  const records: T[] = [];
  await streamRows(client, selectSql(where, order, page), (rows) => {
    for (const row of rows) {
      const record = parse(row);
      if (record !== undefined) records.push(record);
    }
  });
  return records;
}

const SCALAR_COLUMNS = ['id', 'timestamp', 'model_version', 'prediction_id', 'predicted_outcome', 'confidence', 'actual_outcome', 'actual_outcome_timestamp'] as const;
const JSON_COLUMNS = ['features', 'extra_metadata'] as const;
/** Where a columns row's feature and metadata pairs start. */
const PAIRS = SCALAR_COLUMNS.length + 1 + JSON_COLUMNS.length;

/** A JSON value's text and its type as SQLite's json_type names it (what ColumnsBuilder reads); NULL for a row not accepted. */
function jsonFieldSql(column: string, parameter: number, accepted: string): [string, string] {
  const field = `${column} -> $${parameter}::text`;
  const text = `${column} ->> $${parameter}::text`;
  const kind = `json_typeof(${field})`;
  return [
    `CASE WHEN ${accepted} THEN ${text} END`,
    `CASE WHEN ${accepted} THEN (CASE ${kind} WHEN 'string' THEN 'text' WHEN 'number' THEN 'real' WHEN 'boolean' THEN ${text} ELSE ${kind} END) END`,
  ];
}

/**
 * The scalar columns, whether the row is accepted, the JSON columns of a row that is not (for the
 * schema to read whole), then each feature's and metadata key's value and type.
 */
function columnsSelect(shape: PostgresTableShape, features: readonly string[], metadata: readonly string[], firstParameter: number): { list: string; params: string[] } {
  const accepted = acceptedRowSql(shape, features.length + metadata.length > 0);
  const params: string[] = [];
  const pairs = (column: string, names: readonly string[]) =>
    names.flatMap((name) => {
      params.push(name);
      return jsonFieldSql(`(${columnSql(shape, column)})::json`, firstParameter + params.length - 1, accepted);
    });
  const whole = JSON_COLUMNS.map((column) => `CASE WHEN NOT ${accepted} THEN ${columnSql(shape, column)} END`);
  const list = [...SCALAR_COLUMNS.map((column) => columnSql(shape, column)), accepted, ...whole, ...pairs('features', features), ...pairs('extra_metadata', metadata)];
  return { list: list.join(', '), params };
}

/** A value from jsonFieldSql as ColumnsBuilder reads it: a JSON number's text as the number JSON.parse makes of it. */
function featureCell(value: unknown, type: unknown): unknown {
  return type === 'real' && typeof value === 'string' ? Number(value) : value;
}

/**
 * A columns row as the schema reads it (id, then the shape's fields): from the row itself when it
 * carries its JSON columns (a row not accepted), else read again by id (an accepted row whose
 * requested feature the light checks refuse, a number beyond a double's range).
 */
async function wholeRow(client: Client, shape: PostgresTableShape, row: readonly unknown[]): Promise<readonly unknown[]> {
  if (row[SCALAR_COLUMNS.length] !== true) {
    const values = new Map<string, unknown>([...SCALAR_COLUMNS.map((column, index) => [column, row[index]] as const), ...JSON_COLUMNS.map((column, index) => [column, row[SCALAR_COLUMNS.length + 1 + index]] as const)]);
    return [row[0], ...shape.fields.map((field) => values.get(field.column) ?? null)];
  }
  const found = await client.query({ text: `SELECT ${selectListSql(shape)} FROM predictions WHERE id = $1`, values: [row[0]], rowMode: 'array' });
  return (found.rows[0] as unknown[] | undefined) ?? [row[0]];
}

/** The predictions a query selects as columns, streamed; a row the light checks do not accept is read whole and left to the schema. */
export async function readPredictionColumns(client: Client, shape: PostgresTableShape, query: PredictionColumnsQuery, parse: ParsePredictionRow): Promise<PredictionColumns> {
  const names = [...new Set(query.features ?? [])];
  const metadata = [...new Set(query.metadata ?? [])];
  const builder = new ColumnsBuilder(names, metadata);
  const where = predictionWhere(shape, query);
  const select = columnsSelect(shape, names, metadata, where.params.length + 1);
  const sql = selectSql(where, query.order ?? 'asc', query, select.list);
  if (sql === undefined) return builder.build();
  await streamRows(client, { sql: sql.sql, params: [...sql.params, ...select.params] }, async (rows) => {
    for (const row of rows) {
      if (row[SCALAR_COLUMNS.length] === true) {
        const cells = row.slice(0, SCALAR_COLUMNS.length);
        for (let index = PAIRS; index < row.length; index += 2) cells.push(featureCell(row[index], row[index + 1]), row[index + 1]);
        if (builder.addRow(cells as never)) continue;
      }
      const prediction = parse(await wholeRow(client, shape, row));
      if (prediction === undefined) continue;
      const scalar = (value: unknown) => (value === undefined || (value !== null && typeof value === 'object') ? null : (value as FeatureValue));
      builder.add(prediction, names.map((name) => prediction.features[name] ?? null), metadata.map((name) => scalar(prediction.metadata?.[name])));
    }
  });
  return builder.build();
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The tumbling plan the server sums: windows of the plan's step (gcd of length and slide), which
 * every window of the plan is a run of. Not the kernel's 5-minute panes: nothing keeps panes of a
 * server's rows, and an hourly trend over 10M rows is then 24 × days × groups × bins rows, not 12 times that.
 */
function stepPlanOf(plan: WindowPlan): WindowPlan {
  const step = gcd(plan.every, plan.slide);
  return { ...plan, every: step, slide: step };
}

/** The filter of a plan's rows. */
function windowWhere(shape: PostgresTableShape, plan: WindowPlan): PostgresWhere {
  return predictionWhere(shape, {
    ...(Number.isFinite(plan.from) ? { from: plan.from } : {}),
    ...(Number.isFinite(plan.to) ? { to: plan.to } : {}),
    ...(plan.modelVersion === undefined ? {} : { modelVersion: plan.modelVersion }),
  });
}

/** A statistics row from SQL as the collector reads it: a JSON number's text as a number. */
function statsRow(row: readonly unknown[]): unknown[] {
  const cells = [...row];
  if (cells[2] === 'number' && typeof cells[1] === 'string') cells[1] = Number(cells[1]);
  return cells;
}

/** A row's group value and type as groupKey reads them, for a row the schema took (features and metadata parsed). */
function groupOfRecord(prediction: PredictionWithOutcome, plan: WindowPlan): [unknown, unknown] {
  if (plan.by === 'model_version') return [prediction.model_version, 'text'];
  const segment = segmentOf(plan.by);
  if (segment === undefined) return [null, null];
  const value = segment.kind === 'feature' ? prediction.features[segment.name] : prediction.metadata?.[segment.name];
  if (typeof value === 'string') return [value, 'text'];
  if (typeof value === 'number') return [value, 'number'];
  if (typeof value === 'boolean') return [value, String(value)];
  return [null, null];
}

/**
 * A window plan on the server: tumbling panes summed in SQL, in one read-only transaction with
 * more work memory, sliding windows combined from them as on every path. Rows the light checks
 * do not accept are read whole: those the schema takes are added to their bins here, the others
 * are named and left out, as the in-memory path leaves them out; when the plan needs scores and
 * such rows exist, undefined (the caller computes over loaded columns, which does the same).
 */
export async function aggregateWindows(client: Client, shape: PostgresTableShape, windows: WindowPlan, parse: ParsePredictionRow): Promise<WindowStats[] | undefined> {
  const plan = stepPlanOf(windows);
  const where = windowWhere(shape, plan);
  if (where.never) return [];
  const collector = new WindowStatsCollector(plan);
  return inReadTransaction(client, AGGREGATE_BEGIN, async () => {
    let refused = 0;
    const bins = await client.query({ ...toQuery(windowBinsSql(where, plan)), rowMode: 'array' });
    for (const row of bins.rows as unknown[][]) {
      if (row[3] === -1) refused += Number(row[4]);
      else collector.addBinRow(statsRow(row) as never);
    }
    if (refused > 0) {
      if (plan.scores) return undefined;
      const rows = await client.query({ ...toQuery(refusedRowsSql(where, plan, selectListSql(shape))), rowMode: 'array' });
      for (const row of rows.rows as unknown[][]) {
        const prediction = parse(row);
        if (prediction !== undefined) collector.addBinRow(recordBinRow(prediction, plan) as never);
      }
    }
    if (plan.scores) {
      const scores = await client.query({ ...toQuery(windowScoresSql(where, plan)), rowMode: 'array' });
      for (const row of scores.rows as unknown[][]) collector.addScoreRow(statsRow(row) as never);
    }
    return combinePanes(sortWindowStats(collector.stats()), windows);
  });
}

function toQuery(query: PostgresSql): { text: string; values: unknown[] } {
  return { text: query.sql, values: query.params as unknown[] };
}

/** One accepted record as a statistics row of its (pane, group, bin), as windowBinsSql would sum it. */
function recordBinRow(prediction: PredictionWithOutcome, plan: WindowPlan): unknown[] {
  const { every } = plan;
  const t = prediction.timestamp;
  // The multiple of `every` at or below t, exactly (a quotient can round up across a boundary).
  let k = Math.floor(t / every);
  while (k * every > t) k--;
  while ((k + 1) * every <= t) k++;
  const ws = k * every;
  const [g, gt] = groupOfRecord(prediction, plan);
  const a = prediction.actual_outcome ?? -1;
  const y = prediction.predicted_outcome;
  const c = prediction.confidence;
  const p1 = y === 1 ? c : 1 - c;
  return [ws, g, gt, binOf(c, a, plan.bins), 1, a === 1 && y === 1 ? 1 : 0, a === 0 && y === 1 ? 1 : 0, a === 0 && y !== 1 ? 1 : 0, a === 1 && y !== 1 ? 1 : 0, c, c * c, c, c, a >= 0 ? (a - p1) * (a - p1) : 0];
}

/** The statements aggregateWindows runs for a plan, parameters written in: what "show SQL" shows. */
export function explainWindows(shape: PostgresTableShape, windows: WindowPlan): string[] {
  const plan = stepPlanOf(windows);
  const where = windowWhere(shape, plan);
  return [...AGGREGATE_BEGIN, inlineParams(windowBinsSql(where, plan)), ...(plan.scores ? [inlineParams(windowScoresSql(where, plan))] : []), 'COMMIT'];
}

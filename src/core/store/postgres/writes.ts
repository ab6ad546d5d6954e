/**
 * The PostgreSQL store's writes, each run by the store inside its own short READ WRITE
 * transaction: the Python system's tables (rules, predictions, alerts, snapshots, drift,
 * degradation, importance) in the columns SQLAlchemy created, and Pitwall's own records in its
 * `pitwall_*` tables (pitwallTables.ts), created by the first write that needs one.
 *
 * Values go in PostgreSQL's types, not SQLite's text: times as ISO text with an offset (to the
 * microsecond, into `timestamptz`), booleans as booleans, JSON as the Python `json.dumps` text the
 * SQLite store writes. Identities that the Python schema declares unique (prediction_id, alert_id,
 * rule_id) are kept by the unique index itself (`ON CONFLICT DO NOTHING`), so a second process
 * inserting the same id at the same moment cannot make a duplicate: one of the two is refused.
 * The store assigns an alert's alert_id (a UUID) when the caller gives none, as the Python system does.
 */
import { randomUUID } from 'node:crypto';
import { describeError, PitwallError } from '../../errors';
import { messages } from '../../messages';
import { alertRecord } from '../../model/alert';
import { alertRuleRecord, type AlertRule } from '../../model/alertRule';
import type { AlertContextRecord } from '../../model/alertWhy';
import type { DeliveryRecord } from '../../model/delivery';
import { predictionRecord, type Prediction } from '../../model/prediction';
import { describeIssue, parseRecord, type RecordOf, type RecordSpec } from '../../model/record';
import type { Silence } from '../../model/silence';
import { toIsoText } from '../../model/timestamps';
import { checkAlertContexts } from '../alertContextRecords';
import { checkDeliveries, DELIVERY_FIELDS } from '../deliveryRecords';
import { checkSilence, parseSilence } from '../silenceRecords';
import { alertsTable, encodeValue, predictionsTable, quoteIdentifier, rowInput, ruleForWriting, rulesTable, type FieldKind, type TableSpec } from '../sqlite/rows';
import { sqliteTables } from '../sqlite/schema';
import type { NewAlert } from '../store';
import { ensurePitwallTable, PITWALL_TABLE_COLUMNS, type PitwallTableName, type PostgresQuery } from './pitwallTables';
import type { PostgresTableShape } from './querySql';

/** What a write needs of the store: its address, the tables it found, its session, and its transaction. */
export interface PostgresWriteContext {
  readonly address: string;
  shape(spec: TableSpec): PostgresTableShape;
  readonly query: PostgresQuery;
}

/** Rows per INSERT: well under PostgreSQL's 65535 parameters. */
const ROWS_PER_INSERT = 1000;

/** Columns the Python schema declares NOT NULL, by table. */
const REQUIRED_COLUMNS = new Map(sqliteTables.map((table) => [table.name, new Set(table.columns.filter((c) => c.definition.includes('NOT NULL')).map((c) => c.name))]));

type PostgresValue = string | number | boolean | null;

function encode(kind: FieldKind, value: unknown): PostgresValue {
  if (value === null || value === undefined) return null;
  if (kind === 'timestamp') return toIsoText(value as number);
  if (kind === 'flag') return value === true;
  return encodeValue(kind, value);
}

/** A record checked by its schema; nothing is written otherwise. */
export function validated<S extends RecordSpec>(context: PostgresWriteContext, spec: S, what: string, value: unknown): RecordOf<S> {
  const parsed = parseRecord(spec, value);
  if (!parsed.ok) throw new PitwallError('input', messages.postgresRecordInvalid(context.address, what, parsed.issues.map(describeIssue).join('; ')));
  return parsed.value;
}

export function requireTable(context: PostgresWriteContext, spec: TableSpec): PostgresTableShape {
  const shape = context.shape(spec);
  if (!shape.present) throw new PitwallError('unsupported', messages.postgresTableMissing(context.address, spec.table));
  return shape;
}

/** The record's fields (those it has) as column/value pairs; refuses a value for a column the table lacks and a null for a NOT NULL one. */
function encodeRecord(context: PostgresWriteContext, shape: PostgresTableShape, record: Readonly<Record<string, unknown>>): [string, PostgresValue][] {
  const { table } = shape.spec;
  const pairs: [string, PostgresValue][] = [];
  for (const f of shape.spec.fields) {
    if (!Object.hasOwn(record, f.field)) continue;
    const value = encode(f.kind, record[f.field]);
    if (!shape.columns.has(f.column)) {
      if (value === null) continue;
      throw new PitwallError('unsupported', messages.postgresWriteColumnMissing(context.address, table, f.column));
    }
    if (value === null && REQUIRED_COLUMNS.get(table)?.has(f.column)) throw new PitwallError('input', messages.postgresWriteColumnRequired(context.address, table, f.column));
    pairs.push([f.column, value]);
  }
  return pairs;
}

/** INSERT of one row, returning its id; with `unique`, nothing when the unique index already holds the value (no id then). */
async function insertRow(context: PostgresWriteContext, shape: PostgresTableShape, pairs: readonly [string, PostgresValue][], unique: boolean): Promise<number | undefined> {
  const columns = pairs.map(([column]) => quoteIdentifier(column)).join(', ');
  const marks = pairs.map((_, index) => `$${index + 1}`).join(', ');
  const conflict = unique ? ' ON CONFLICT DO NOTHING' : '';
  const rows = await context.query(`INSERT INTO ${quoteIdentifier(shape.spec.table)} (${columns}) VALUES (${marks})${conflict} RETURNING id`, pairs.map(([, value]) => value));
  const id = rows[0]?.[0];
  return id === undefined ? undefined : Number(id);
}

/** `"a" = $n, …` from `first`, and the values. */
function assignments(pairs: readonly [string, PostgresValue][], first: number): { sql: string; params: PostgresValue[] } {
  return { sql: pairs.map(([column], index) => `${quoteIdentifier(column)} = $${first + index}`).join(', '), params: pairs.map(([, value]) => value) };
}

/** `updated_at` moves with every change of a rule, as SQLAlchemy's onupdate=now() moves it. */
function touch(shape: PostgresTableShape): string {
  return shape.columns.has('updated_at') ? ', updated_at = now()' : '';
}

/** One record into one of the Python system's append-only tables. */
export async function appendRecord<S extends RecordSpec>(context: PostgresWriteContext, spec: TableSpec, record: S, what: string, value: unknown): Promise<void> {
  const checked = validated(context, record, what, value);
  const shape = requireTable(context, spec);
  await insertRow(context, shape, encodeRecord(context, shape, checked), false);
}

/** A prediction, refused when its prediction_id is already recorded. */
export async function insertPrediction(context: PostgresWriteContext, prediction: Prediction): Promise<void> {
  const checked = validated(context, predictionRecord, 'prediction', prediction);
  const shape = requireTable(context, predictionsTable);
  const id = await insertRow(context, shape, encodeRecord(context, shape, checked), true);
  if (id === undefined) throw new PitwallError('conflict', messages.postgresDuplicate(context.address, 'prediction', 'prediction_id', checked.prediction_id));
}

/** The alerts checked and given their alert_id, before any is written. */
export function newAlerts(context: PostgresWriteContext, alerts: readonly NewAlert[]): RecordOf<typeof alertRecord>[] {
  return alerts.map((alert) => validated(context, alertRecord, 'alert', { ...alert, alert_id: alert.alert_id ?? randomUUID() }));
}

/** Inserts the alerts; their row ids (keys), in order. An alert_id already recorded refuses them all (the transaction rolls back). */
export async function insertAlerts(context: PostgresWriteContext, alerts: readonly RecordOf<typeof alertRecord>[]): Promise<number[]> {
  if (alerts.length === 0) return [];
  const shape = requireTable(context, alertsTable);
  const ids: number[] = [];
  for (const alert of alerts) {
    const id = await insertRow(context, shape, encodeRecord(context, shape, alert), true);
    if (id === undefined) throw new PitwallError('conflict', messages.postgresDuplicate(context.address, 'alert', 'alert_id', alert.alert_id));
    ids.push(id);
  }
  return ids;
}

/**
 * Adds a rule or replaces the one with its rule_id. A row with that rule_id that the schema
 * refuses is not overwritten unseen. The row is locked first; when no row has the id, the insert
 * defers to the unique index, and a rule that another process added meanwhile is updated instead.
 */
export async function saveRule(context: PostgresWriteContext, rule: AlertRule): Promise<void> {
  const value = validated(context, alertRuleRecord, 'alert rule', rule);
  const shape = requireTable(context, rulesTable);
  const fields = shape.fields.map((f) => quoteIdentifier(f.column)).join(', ');
  const existing = await context.query(`SELECT id, ${fields} FROM alert_rules WHERE rule_id = $1 ORDER BY id FOR UPDATE`, [value.rule_id]);
  const readable = existing.some((row) => parseRecord(rulesTable.record, rowInput(rulesTable, shape.fields, shape.nullFields, row, 1)).ok);
  if (existing.length > 0 && !readable) {
    throw new PitwallError('conflict', messages.postgresRuleRowUnreadable(context.address, value.rule_id, existing.map((row) => Number(row[0]))));
  }
  const pairs = encodeRecord(context, shape, ruleForWriting(value));
  const set = assignments(
    pairs.filter(([column]) => column !== 'rule_id'),
    1,
  );
  const update = async (): Promise<boolean> =>
    (await context.query(`UPDATE alert_rules SET ${set.sql}${touch(shape)} WHERE rule_id = $${set.params.length + 1} RETURNING id`, [...set.params, value.rule_id])).length > 0;
  if (await update()) return;
  if ((await insertRow(context, shape, pairs, true)) !== undefined) return;
  await update();
}

/** False when no rule has that id (or there is no rules table). */
export async function deleteRule(context: PostgresWriteContext, ruleId: string): Promise<boolean> {
  if (!context.shape(rulesTable).present) return false;
  return (await context.query('DELETE FROM alert_rules WHERE rule_id = $1 RETURNING id', [ruleId])).length > 0;
}

/** Each rule's cooldown: when it last fired. No rules table: no rule to keep a cooldown for. */
export async function markRulesTriggered(context: PostgresWriteContext, ruleIds: readonly string[], at: number): Promise<void> {
  const shape = context.shape(rulesTable);
  if (!shape.present || ruleIds.length === 0) return;
  await context.query(`UPDATE alert_rules SET last_triggered = $1::timestamptz${touch(shape)} WHERE rule_id = ANY($2::text[])`, [toIsoText(at), [...ruleIds]]);
}

/** Conditions firing (with when) and cleared; the other fingerprints stay as they are. */
export async function updateAlertStates(context: PostgresWriteContext, firing: Readonly<Record<string, number>>, cleared: readonly string[]): Promise<void> {
  const entries = Object.entries(firing);
  if (entries.length === 0 && cleared.length === 0) return;
  await ensurePitwallTable(context.query, 'pitwall_alert_state');
  if (cleared.length > 0) await context.query('DELETE FROM pitwall_alert_state WHERE fingerprint = ANY($1::text[])', [[...cleared]]);
  if (entries.length > 0) {
    await context.query(
      'INSERT INTO pitwall_alert_state (fingerprint, fired_at) SELECT * FROM unnest($1::text[], $2::float8[]) ON CONFLICT (fingerprint) DO UPDATE SET fired_at = EXCLUDED.fired_at',
      [entries.map(([fingerprint]) => fingerprint), entries.map(([, at]) => at)],
    );
  }
}

/** Adds a silence, or replaces the one with its id (which then reads last, as in SQLite). */
export async function saveSilence(context: PostgresWriteContext, silence: Silence): Promise<void> {
  const value = checkSilence(silence);
  await ensurePitwallTable(context.query, 'pitwall_silences');
  await context.query('INSERT INTO pitwall_silences (id, silence) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET silence = EXCLUDED.silence, row_id = EXCLUDED.row_id', [
    value.id,
    JSON.stringify(value),
  ]);
}

/** Ends a silence at `at` if it ends later; false when no silence has that id. The row is locked while it is read and changed. */
export async function expireSilence(context: PostgresWriteContext, id: string, at: number): Promise<boolean> {
  const [row] = await context.query('SELECT silence FROM pitwall_silences WHERE id = $1 FOR UPDATE', [id]);
  if (row === undefined) return false;
  const where = `${context.address} pitwall_silences id ${id}`;
  let json: unknown;
  try {
    json = JSON.parse(String(row[0]));
  } catch (error) {
    throw new PitwallError('corrupt', messages.silenceInvalid(where, describeError(error)));
  }
  const silence = parseSilence(json, where);
  if (silence.ends_at <= at) return true;
  const ended = { ...silence, ends_at: Math.max(at, silence.starts_at + 1e-6) };
  await context.query('UPDATE pitwall_silences SET silence = $1 WHERE id = $2', [JSON.stringify(ended), id]);
  return true;
}

/** Rows into one of Pitwall's tables, many to an INSERT, the table created first if need be. */
export async function insertPitwallRows(context: PostgresWriteContext, table: PitwallTableName, rows: readonly (readonly unknown[])[]): Promise<void> {
  if (rows.length === 0) return;
  await ensurePitwallTable(context.query, table);
  const columns = PITWALL_TABLE_COLUMNS[table];
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const params: unknown[] = [];
    const tuples = rows.slice(start, start + ROWS_PER_INSERT).map((row) => `(${columns.map((_, index) => (params.push(row[index] ?? null), `$${params.length}`)).join(', ')})`);
    await context.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params);
  }
}

export async function recordDeliveries(context: PostgresWriteContext, records: readonly DeliveryRecord[]): Promise<void> {
  const values = checkDeliveries(context.address, records);
  await insertPitwallRows(
    context,
    'pitwall_deliveries',
    values.map((record) => DELIVERY_FIELDS.map((field) => record[field])),
  );
}

export async function recordAlertContexts(context: PostgresWriteContext, records: readonly AlertContextRecord[]): Promise<void> {
  const values = checkAlertContexts(context.address, records);
  await insertPitwallRows(
    context,
    'pitwall_alert_context',
    values.map((record) => [record.alert, record.recorded_at, JSON.stringify(record.why)]),
  );
}

/**
 * Pitwall's own tables on PostgreSQL (`pitwall_*`): the records the Python schema has no place for
 * (acknowledgment comments, silences, firing state, the delivery log, alert contexts, alert keys
 * from before a migration), in the same columns as the SQLite store's, with PostgreSQL's types.
 * None exists until a write needs it: that write creates it in its own transaction. Two writers
 * creating the same table at once would collide in the catalog (CREATE TABLE IF NOT EXISTS is not
 * safe against a concurrent create), so a creator first takes a transaction-scoped advisory lock;
 * the second creator waits for the first to commit and then finds the table. The Python system's
 * tables are never altered.
 */
import { ALERT_CONTEXT_TABLE } from '../alertContextRecords';
import { DELIVERIES_TABLE, DELIVERY_FIELDS } from '../deliveryRecords';

export type PitwallTableName =
  | 'pitwall_acknowledgments'
  | 'pitwall_alert_state'
  | 'pitwall_silences'
  | 'pitwall_deliveries'
  | 'pitwall_alert_context'
  | 'pitwall_alert_keys';

/** The columns each table is written and copied with, in order, without its generated row id. */
export const PITWALL_TABLE_COLUMNS: Readonly<Record<PitwallTableName, readonly string[]>> = {
  pitwall_acknowledgments: ['alert_row_id', 'acknowledged_by', 'acknowledged_at', 'comment'],
  pitwall_alert_state: ['fingerprint', 'fired_at'],
  pitwall_silences: ['id', 'silence'],
  pitwall_deliveries: DELIVERY_FIELDS,
  pitwall_alert_context: ['alert', 'recorded_at', 'why'],
  pitwall_alert_keys: ['alert_key', 'alert_id'],
};

/**
 * `CREATE TABLE IF NOT EXISTS` of each. Silences keep a `row_id` so that they read back oldest
 * first, as the SQLite store reads them in rowid order (a replaced silence takes a new one there too).
 */
export const PITWALL_TABLE_SQL: Readonly<Record<PitwallTableName, string>> = {
  pitwall_acknowledgments: `CREATE TABLE IF NOT EXISTS pitwall_acknowledgments (
	id SERIAL NOT NULL PRIMARY KEY,
	alert_row_id INTEGER NOT NULL,
	acknowledged_by VARCHAR(100),
	acknowledged_at TIMESTAMP WITH TIME ZONE NOT NULL,
	comment TEXT NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE DEFAULT now()
)`,
  pitwall_alert_state: `CREATE TABLE IF NOT EXISTS pitwall_alert_state (
	fingerprint TEXT NOT NULL PRIMARY KEY,
	fired_at DOUBLE PRECISION NOT NULL
)`,
  pitwall_silences: `CREATE TABLE IF NOT EXISTS pitwall_silences (
	id VARCHAR(100) NOT NULL PRIMARY KEY,
	silence TEXT NOT NULL,
	row_id BIGSERIAL NOT NULL
)`,
  [DELIVERIES_TABLE]: `CREATE TABLE IF NOT EXISTS ${DELIVERIES_TABLE} (
	id SERIAL NOT NULL PRIMARY KEY,
	alert TEXT NOT NULL,
	rule_id TEXT NOT NULL,
	kind TEXT NOT NULL,
	channel TEXT NOT NULL,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL,
	error TEXT,
	evaluated_at DOUBLE PRECISION NOT NULL,
	finished_at DOUBLE PRECISION NOT NULL,
	elapsed_ms DOUBLE PRECISION NOT NULL
)`,
  [ALERT_CONTEXT_TABLE]: `CREATE TABLE IF NOT EXISTS ${ALERT_CONTEXT_TABLE} (
	id SERIAL NOT NULL PRIMARY KEY,
	alert TEXT NOT NULL,
	recorded_at DOUBLE PRECISION NOT NULL,
	why TEXT NOT NULL
)`,
  pitwall_alert_keys: `CREATE TABLE IF NOT EXISTS pitwall_alert_keys (
	alert_key TEXT NOT NULL PRIMARY KEY,
	alert_id VARCHAR(100) NOT NULL
)`,
};

export const PITWALL_TABLES = Object.keys(PITWALL_TABLE_COLUMNS) as readonly PitwallTableName[];

/** The advisory lock a creator of Pitwall's tables holds until its transaction ends (any constant shared by all Pitwall processes). */
const CREATE_LOCK = 0x7069_7477;

export type PostgresQuery = (sql: string, params?: readonly unknown[]) => Promise<unknown[][]>;

/** Inside a write's transaction: creates the table unless it exists, safe against another process creating it at the same time. */
export async function ensurePitwallTable(query: PostgresQuery, name: PitwallTableName): Promise<void> {
  const [[exists] = []] = await query('SELECT to_regclass($1::text) IS NOT NULL', [name]);
  if (exists === true) return;
  await query('SELECT pg_advisory_xact_lock($1::bigint)', [CREATE_LOCK]);
  await query(PITWALL_TABLE_SQL[name]);
}

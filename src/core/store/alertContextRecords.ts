/**
 * The alert contexts ("why it fired") as stored: one JSON line per record in a JSONL folder's
 * alert_context.pitwall.jsonl, one row per record (the context as JSON text) in a database's
 * pitwall_alert_context table. Append-only, like the delivery log: Pitwall never rewrites it, a
 * damaged record is reported (file and line, or table and row) and skipped on reading, and a
 * later record for the same alert supersedes an earlier one.
 */
import { PitwallError } from '../errors';
import { messages } from '../messages';
import { AlertContextRecordSchema, type AlertContextRecord } from '../model/alertWhy';
import { describeValue, isPlainObject } from '../model/json';
import type { FieldIssue } from '../model/record';
import { describeIssue } from '../model/record';

export const ALERT_CONTEXT_FILE = 'alert_context.pitwall.jsonl';
export const ALERT_CONTEXT_TABLE = 'pitwall_alert_context';

export const ALERT_CONTEXT_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ${ALERT_CONTEXT_TABLE} (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	alert TEXT NOT NULL,
	recorded_at REAL NOT NULL,
	why TEXT NOT NULL
)`;
export const INSERT_ALERT_CONTEXT_SQL = `INSERT INTO ${ALERT_CONTEXT_TABLE} (alert, recorded_at, why) VALUES (?, ?, ?)`;
export const SELECT_ALERT_CONTEXTS_SQL = `SELECT id, alert, recorded_at, why FROM ${ALERT_CONTEXT_TABLE} ORDER BY id`;
/** Alert keys bound in one query, below SQLite's oldest limit of 999 parameters. */
export const CONTEXT_KEYS_PER_QUERY = 500;

/** The rows of `count` alerts, bound as parameters. */
export function selectAlertContextsOf(count: number): string {
  return `SELECT id, alert, recorded_at, why FROM ${ALERT_CONTEXT_TABLE} WHERE alert IN (${Array.from({ length: count }, () => '?').join(', ')}) ORDER BY id`;
}

export type AlertContextParse = { readonly ok: true; readonly value: AlertContextRecord } | { readonly ok: false; readonly issues: readonly FieldIssue[] };

/** One stored record, validated; never throws. */
export function parseAlertContext(value: unknown): AlertContextParse {
  if (!isPlainObject(value)) return { ok: false, issues: [{ field: '', reason: messages.recordNotObject(describeValue(value)) }] };
  const parsed = AlertContextRecordSchema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, issues: parsed.error.issues.map((issue) => ({ field: issue.path.map(String).join('.'), reason: issue.message })) };
}

/** A table row (id, alert, recorded_at, why as JSON text) as a record; never throws. */
export function parseAlertContextRow(alert: unknown, recordedAt: unknown, why: unknown): AlertContextParse {
  let value: unknown;
  try {
    value = typeof why === 'string' ? JSON.parse(why) : why;
  } catch {
    return { ok: false, issues: [{ field: 'why', reason: messages.alertContextNotJson() }] };
  }
  return parseAlertContext({ alert, recorded_at: recordedAt, why: value });
}

/** The records to append, validated; an `input` error naming the record and field otherwise, so nothing is written. */
export function checkAlertContexts(where: string, records: readonly unknown[]): AlertContextRecord[] {
  return records.map((value, index) => {
    const parsed = parseAlertContext(value);
    if (!parsed.ok) throw new PitwallError('input', messages.alertContextRefused(where, index + 1, records.length, parsed.issues.map(describeIssue).join('; ')));
    return parsed.value;
  });
}

/** A record's line: keys in schema order. */
export function alertContextLine(record: AlertContextRecord): string {
  return `${JSON.stringify({ alert: record.alert, recorded_at: record.recorded_at, why: record.why })}\n`;
}

/** The newest record of each alert asked for (of every alert when `keys` is undefined), from records oldest first. */
export function newestContexts(records: readonly AlertContextRecord[], keys: readonly string[] | undefined): AlertContextRecord[] {
  const wanted = keys === undefined ? null : new Set(keys);
  const newest = new Map<string, number>();
  records.forEach((record, index) => {
    if (wanted === null || wanted.has(record.alert)) newest.set(record.alert, index);
  });
  return [...newest.values()].sort((a, b) => a - b).map((index) => records[index] as AlertContextRecord);
}

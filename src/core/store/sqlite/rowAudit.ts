/**
 * Which rows of one table the schema refuses, kept current across snapshots so that reads and
 * counts can leave them out in SQL. An audit asks SQLite for the rows holding a suspect value
 * (rows.ts) and has the schema check only those. Later snapshots audit the rows added since (by
 * id) and the rows found bad before, because the monitoring service appends rows and updates only
 * outcomes and acknowledgments in place; when rows vanished or ids went back, the table is audited
 * whole again. A bad row that slips past is reported by the read that meets it: one rewritten in
 * place, or JSON holding a number beyond a double's range (`1e400` is JSON to SQLite and Infinity
 * to JavaScript).
 */
import type { Database, SqlValue } from 'sql.js';
import { messages } from '../../messages';
import { describeValue } from '../../model/json';
import { describeIssue, parseRecord, type FieldIssue, type RecordParse } from '../../model/record';
import type { StoreDiagnostic } from '../store';
import { columnSql, selectListSql, type TableShape } from './queries';
import { columnPath, quoteIdentifier, rowInput, suspectRowSql, type TableSpec } from './rows';

/** Runs a query and hands each row to `visit`. */
export function eachRow(database: Database, sql: string, params: readonly SqlValue[], visit: (row: SqlValue[]) => void): void {
  const statement = database.prepare(sql);
  try {
    statement.bind([...params]);
    while (statement.step()) visit(statement.get());
  } finally {
    statement.free();
  }
}

/** The first value of the first row. */
export function scalar(database: Database, sql: string, params: readonly SqlValue[] = []): SqlValue {
  const statement = database.prepare(sql);
  try {
    statement.bind([...params]);
    return statement.step() ? (statement.get()[0] ?? null) : null;
  } finally {
    statement.free();
  }
}

/** Validates one row read from `shape` (its id first, then the shape's fields). */
export function parseRow(shape: TableShape, row: readonly SqlValue[]): RecordParse<Record<string, unknown>> {
  const input = rowInput(shape.spec, shape.fields, shape.nullFields, row, 1);
  return parseRecord(shape.spec.record, input) as RecordParse<Record<string, unknown>>;
}

export class RowAudit {
  private audited = false;
  /** The highest id audited, and how many rows had an id up to it then. */
  private auditedUpTo = 0;
  private auditedRows = 0;
  private readonly skipped = new Set<number>();
  /** Every row with a problem, by id; null past the cap (counted, not kept). */
  private readonly problems = new Map<number, StoreDiagnostic | null>();
  private kept = 0;
  private skippedJson: string | undefined;
  private skippedJsonStale = false;

  constructor(
    readonly spec: TableSpec,
    /** The database's file name, for messages. */
    private readonly file: string,
    private readonly cap: number,
  ) {}

  /** The ids of the rows to leave out, as a JSON array; undefined when there are none. */
  get skippedIds(): string | undefined {
    if (this.skippedJsonStale) {
      this.skippedJson = this.skipped.size === 0 ? undefined : JSON.stringify([...this.skipped]);
      this.skippedJsonStale = false;
    }
    return this.skippedJson;
  }

  /** The kept problems, by row id. */
  get diagnostics(): StoreDiagnostic[] {
    const kept: StoreDiagnostic[] = [];
    for (const diagnostic of this.problems.values()) if (diagnostic !== null) kept.push(diagnostic);
    return kept.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  }

  /** Problems found beyond the cap. */
  get overflow(): number {
    return this.problems.size - this.kept;
  }

  /** Makes the next update audit the whole table. */
  invalidate(): void {
    this.audited = false;
  }

  /** Whether every row of the table was audited (else only the rows reads have met). */
  get complete(): boolean {
    return this.audited;
  }

  /**
   * Brings the audit to a new snapshot without reading the table: the rows found bad before are
   * checked again, and the rest are checked by the reads that meet them (reportRow). For tables
   * too large to read whole on every open; the next `update` audits the table whole.
   */
  updateLazily(database: Database, shape: TableShape): StoreDiagnostic[] {
    const known = new Set(this.problems.keys());
    this.audited = false;
    if (!shape.present) {
      this.clear();
      return [];
    }
    const recheck = this.skippedIds;
    for (const row of this.skipped) this.forget(row);
    if (recheck !== undefined) {
      const select = `SELECT ${selectListSql(shape)} FROM ${quoteIdentifier(shape.spec.table)}`;
      eachRow(database, `${select} WHERE ${columnSql(shape, 'id')} IN (SELECT value FROM json_each(?))`, [recheck], (row) => this.check(shape, row));
    }
    const found: StoreDiagnostic[] = [];
    for (const [row, diagnostic] of this.problems) if (diagnostic !== null && !known.has(row)) found.push(diagnostic);
    return found;
  }

  /** Brings the audit up to date with a new snapshot; returns the problems it had not reported before. */
  update(database: Database, shape: TableShape): StoreDiagnostic[] {
    const known = new Set(this.problems.keys());
    if (!shape.present) {
      this.clear();
      this.audited = false;
      return [];
    }
    const table = quoteIdentifier(shape.spec.table);
    const id = columnSql(shape, 'id');
    let maxId = 0;
    let rows = 0;
    eachRow(database, `SELECT coalesce(max(${id}), 0), count(*) FROM ${table}`, [], (row) => {
      maxId = Number(row[0]);
      rows = Number(row[1]);
    });
    const suspect = suspectRowSql(shape.spec, (column) => shape.columns.has(column));
    let whole = !this.audited || suspect === '1' || maxId < this.auditedUpTo;
    if (!whole) {
      whole = Number(scalar(database, `SELECT count(*) FROM ${table} WHERE ${id} <= ?`, [this.auditedUpTo])) !== this.auditedRows;
    }
    const select = `SELECT ${selectListSql(shape)} FROM ${table}`;
    const visit = (row: SqlValue[]): void => this.check(shape, row);
    if (whole) {
      this.clear();
      eachRow(database, `${select} WHERE ${suspect}`, [], visit);
    } else {
      const recheck = this.skippedIds;
      for (const row of this.skipped) this.forget(row);
      if (recheck !== undefined) eachRow(database, `${select} WHERE ${id} IN (SELECT value FROM json_each(?))`, [recheck], visit);
      eachRow(database, `${select} WHERE ${id} > ? AND (${suspect})`, [this.auditedUpTo], visit);
    }
    this.audited = true;
    this.auditedUpTo = maxId;
    this.auditedRows = rows;
    const found: StoreDiagnostic[] = [];
    for (const [row, diagnostic] of this.problems) if (diagnostic !== null && !known.has(row)) found.push(diagnostic);
    return found;
  }

  /** Whether a row is known to be bad (and left out). */
  isSkipped(id: number): boolean {
    return this.skipped.has(id);
  }

  /** A row a read found bad that the audit let through; it is left out from now on. */
  reportRow(id: number, issues: readonly FieldIssue[]): StoreDiagnostic | undefined {
    if (this.skipped.has(id)) return undefined;
    return this.skip(id, issues) ?? undefined;
  }

  private check(shape: TableShape, row: SqlValue[]): void {
    const id = Number(row[0]);
    const parsed = parseRow(shape, row);
    if (!parsed.ok) {
      this.skip(id, parsed.issues);
      return;
    }
    for (const field of shape.spec.record.timestampFields) {
      const encoding = parsed.layout.timestamps[field];
      if (encoding === undefined || encoding === 'sqlalchemy-text') continue;
      const position = shape.fields.findIndex((f) => f.field === field);
      const reason = messages.sqliteTimestampNotText(field, describeValue(row[position + 1]));
      this.note(id, this.diagnostic('warning', id, field, reason));
      return;
    }
  }

  private skip(id: number, issues: readonly FieldIssue[]): StoreDiagnostic | null {
    const named = issues.map((issue) => ({ ...issue, field: columnPath(this.spec, issue.field) }));
    const reason = named.map(describeIssue).join('; ');
    const kept = this.note(id, this.diagnostic('error', id, named[0]?.field || undefined, reason));
    this.skipped.add(id);
    this.skippedJsonStale = true;
    return kept;
  }

  private note(id: number, diagnostic: StoreDiagnostic): StoreDiagnostic | null {
    this.forget(id);
    const kept = this.kept < this.cap ? diagnostic : null;
    if (kept !== null) this.kept++;
    this.problems.set(id, kept);
    return kept;
  }

  private forget(id: number): void {
    if (this.problems.get(id)) this.kept--;
    this.problems.delete(id);
    if (this.skipped.delete(id)) this.skippedJsonStale = true;
  }

  private clear(): void {
    this.problems.clear();
    this.skipped.clear();
    this.kept = 0;
    this.skippedJsonStale = true;
  }

  private diagnostic(severity: 'error' | 'warning', id: number, field: string | undefined, reason: string): StoreDiagnostic {
    const table = this.spec.table;
    return {
      severity,
      file: table,
      row: id,
      ...(field === undefined ? {} : { field }),
      reason,
      message:
        severity === 'error' ? messages.sqliteRowSkipped(this.file, table, id, reason) : messages.sqliteRowNote(this.file, table, id, reason),
    };
  }
}

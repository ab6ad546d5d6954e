/**
 * SQL cells and `pitwall query --sql` on a PostgreSQL source: the statement runs on the server,
 * in PostgreSQL's dialect, inside a READ ONLY transaction that is rolled back, so a cell can
 * read everything the session may read and change nothing. One statement per cell: it goes
 * through the extended protocol, which takes one command, so nothing can end the read-only
 * transaction and run on after it.
 */
import { PitwallError } from '../errors';
import { messages } from '../messages';
import { connectPostgres, postgresSettingsOf, toPitwallError } from '../store/postgres/connection';

export interface PostgresAnswer {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number | null)[])[];
}

/** The SQLSTATE of "cannot insert multiple commands into a prepared statement". */
const MULTIPLE_COMMANDS = '42601';

/** `password` stands in for the source's own (the editor keeps it apart, in SecretStorage). */
export async function runSqlOnPostgres(source: string, sql: string, password?: string): Promise<PostgresAnswer> {
  if (sql.trim() === '') throw new PitwallError('input', messages.sqlNeedsStatement());
  const settings = { ...postgresSettingsOf(source), ...(password === undefined ? {} : { password }) };
  const client = await connectPostgres(settings);
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    try {
      // A named statement goes through the extended protocol (the driver sends text without a
      // name or values as a simple query, which would run several commands).
      const result = await client.query({ name: 'pitwall_cell', text: sql, values: [], rowMode: 'array' });
      return { columns: result.fields.map((field) => field.name), rows: (result.rows as unknown[][]).map((row) => row.map(cellValue)) };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const detail = error instanceof Error ? error.message : String(error);
      if (code === MULTIPLE_COMMANDS && /multiple commands/i.test(detail)) throw new PitwallError('input', messages.postgresSqlOneStatement(), { cause: error });
      // A statement the server refused (syntax, a missing table, a write in a read-only transaction) is the cell's error.
      if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57')) throw new PitwallError('input', messages.sqlFailed(detail), { cause: error });
      throw toPitwallError(error, settings);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A value as a result cell: numbers and text as they are, booleans as words, arrays and objects as JSON, bytes as x'…'. */
function cellValue(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return Number(value);
  if (Buffer.isBuffer(value)) return `x'${value.toString('hex')}'`;
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

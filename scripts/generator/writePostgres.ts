/**
 * Generated data into PostgreSQL: the Python system's schema as SQLAlchemy creates it there, then
 * every row of a generated SQLite database copied over as it is stored (SQLAlchemy's UTC text
 * times, json text, 0/1 booleans, the same row ids), so that both databases hold the same records
 * under the same keys. For tests and demos.
 */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { loadSqlJs } from '../../src/core/store/sqlite/sqlJs';
import { sqliteTables } from '../../src/core/store/sqlite/schema';
import { postgresSchemaStatements } from '../../src/core/store/postgres/schema';

/** Rows per INSERT: well under PostgreSQL's 65535 parameters for the widest table. */
const BATCH = 500;

/** Creates the schema in an empty database and copies the SQLite file's rows into it. */
export async function writePostgresFromSqlite(sqliteFile: string, url: string, options: { readonly schema?: boolean } = {}): Promise<void> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(sqliteFile));
  const client = new Client({ connectionString: url, options: '-c TimeZone=UTC' });
  await client.connect();
  try {
    await client.query('BEGIN');
    if (options.schema !== false) for (const statement of postgresSchemaStatements) await client.query(statement);
    for (const table of sqliteTables) {
      const columns = table.columns.map((column) => column.name).filter((name) => name !== 'created_at' && name !== 'updated_at');
      const booleans = new Set(columns.flatMap((name, index) => (table.columns.find((c) => c.name === name)?.definition === 'BOOLEAN' ? [index] : [])));
      const found = db.exec(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM ${table.name} ORDER BY id`)[0];
      const rows = found?.values ?? [];
      for (let start = 0; start < rows.length; start += BATCH) {
        const batch = rows.slice(start, start + BATCH);
        const params: (string | number | null)[] = [];
        const tuples = batch.map((row) => {
          const marks = row.map((value, index) => {
            // Text or numbers as stored: PostgreSQL reads '0'/'1' as booleans and UTC text as timestamptz.
            params.push(value instanceof Uint8Array ? null : typeof value === 'number' && booleans.has(index) ? String(value) : value);
            return `$${params.length}`;
          });
          return `(${marks.join(', ')})`;
        });
        await client.query(`INSERT INTO ${table.name} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`, params);
      }
      await client.query(`SELECT setval(pg_get_serial_sequence('${table.name}', 'id'), coalesce((SELECT max(id) FROM ${table.name}), 0) + 1, false)`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    db.close();
    await client.end();
  }
}

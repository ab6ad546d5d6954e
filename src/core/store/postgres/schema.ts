/**
 * The Python monitoring system's schema as SQLAlchemy creates it on PostgreSQL
 * (`Base.metadata.create_all()` with the postgresql dialect): the same tables, columns and indexes
 * as on SQLite (sqlite/schema.ts, one list), with PostgreSQL's types — integer keys `SERIAL`,
 * `DateTime(timezone=True)` as `TIMESTAMP WITH TIME ZONE`, `JSON` as `json` (not jsonb), and
 * `server_default=func.now()` as `DEFAULT now()`. Tests and a migration into PostgreSQL create it.
 */
import { sqliteTables, type SqliteColumn, type SqliteTable } from '../sqlite/schema';

/** The tables the Python system creates, by name. */
export const pythonTableNames: readonly string[] = sqliteTables.map((table) => table.name);

function columnType(table: SqliteTable, column: SqliteColumn): string {
  if (column.name === 'id' && column.definition === 'INTEGER NOT NULL') return 'SERIAL NOT NULL';
  return column.definition
    .replace(/^DATETIME DEFAULT \(CURRENT_TIMESTAMP\)$/, 'TIMESTAMP WITH TIME ZONE DEFAULT now()')
    .replace(/^DATETIME/, 'TIMESTAMP WITH TIME ZONE');
}

/** `CREATE TABLE` as SQLAlchemy's PostgreSQL dialect writes it. */
export function createPostgresTableStatement(table: SqliteTable): string {
  const lines = [...table.columns.map((column) => `${column.name} ${columnType(table, column)}`), ...table.constraints];
  return `CREATE TABLE ${table.name} (\n\t${lines.join(', \n\t')}\n)`;
}

/** Index statements quote "timestamp", which PostgreSQL reads as a type name in a column list otherwise. */
function postgresIndex(statement: string): string {
  return statement.replace(/\btimestamp\b/g, '"timestamp"');
}

/** One table's statements: the table, then its indexes. */
export function postgresTableStatements(table: SqliteTable): string[] {
  return [createPostgresTableStatement(table), ...table.indexes.map(postgresIndex)];
}

/** Every statement of the schema in SQLAlchemy's order (each table, then its indexes). */
export const postgresSchemaStatements: readonly string[] = sqliteTables.flatMap((table) => [
  createPostgresTableStatement(table),
  ...table.indexes.map(postgresIndex),
]);

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { loadSqlJs } from '../../../../../src/core/store/sqlite/sqlJs';
import { sqliteSchemaSql, sqliteSchemaStatements, sqliteTables } from '../../../../../src/core/store/sqlite/schema';
import { fixturePath } from './support';

describe('sqlite schema', function () {
  it('is byte for byte the committed schema.sql of the SQLAlchemy sample', function () {
    assert.equal(sqliteSchemaSql, readFileSync(fixturePath('sqlite', 'schema.sql'), 'utf8'));
  });

  it('is, statement by statement and in order, what the sample database stores in sqlite_master', async function () {
    const sql = await loadSqlJs();
    const db = new sql.Database(readFileSync(fixturePath('sqlite', 'monitoring.db')));
    try {
      const stored = db.exec('SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid')[0]?.values ?? [];
      assert.deepEqual(
        stored.map((row) => row[0]),
        sqliteSchemaStatements,
      );
    } finally {
      db.close();
    }
  });

  it('creates, in a new database, exactly the listed tables and columns', async function () {
    const sql = await loadSqlJs();
    const db = new sql.Database();
    try {
      db.exec(sqliteSchemaSql);
      for (const table of sqliteTables) {
        const columns = db.exec(`SELECT name FROM pragma_table_info('${table.name}')`)[0]?.values ?? [];
        assert.deepEqual(
          columns.map((row) => row[0]),
          table.columns.map((column) => column.name),
          table.name,
        );
      }
      const tables = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")[0]?.values ?? [];
      assert.deepEqual(
        tables.map((row) => row[0]),
        [
          'predictions',
          'health_snapshots',
          'alerts',
          'alert_rules',
          'drift_results',
          'feature_importance',
          'degradation_analysis',
          'metric_snapshots',
        ],
      );
    } finally {
      db.close();
    }
  });
});

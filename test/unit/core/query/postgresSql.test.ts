/**
 * SQL on a PostgreSQL source (a notebook's sql cell, `pitwall query --sql`) on a real throw-away
 * server: the answers equal SQLite's on the same data, nothing a cell runs can write, and every
 * refusal says what to do.
 */
import * as assert from 'node:assert/strict';
import { runSqlOnSource } from '../../../../src/core/query/sql';
import { PitwallError } from '../../../../src/core/errors';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryRunner } from '../../../../src/core/query/queryRunner';
import { splitPostgresPassword } from '../../../../src/core/store/postgres/sourceForm';
import { pitwall } from '../../cli/runCli';
import { bundleQueryWorker } from './bundleWorker';
import { startPostgresFixture, type PostgresFixture } from '../store/postgres/support';

describe('SQL on a PostgreSQL source, on a real server', function () {
  this.timeout(120_000);
  let fixture: PostgresFixture;
  let url: string;

  before(async () => {
    fixture = await startPostgresFixture(3000, 21);
    url = fixture.clone('sqlcells');
  });
  after(() => fixture?.close());

  it('answers as the SQLite file of the same data does, in PostgreSQL\'s dialect', async () => {
    const counts = 'select model_version, count(*) as n, sum(case when actual_outcome is null then 0 else 1 end) as labelled from predictions group by model_version order by model_version';
    const pg = await runSqlOnSource(url, counts);
    const sqlite = await runSqlOnSource(fixture.sqlite, counts);
    assert.deepEqual(pg.result.rows, sqlite.result.rows);
    assert.deepEqual(pg.result.columns, [{ name: 'model_version', type: 'string' }, { name: 'n', type: 'number' }, { name: 'labelled', type: 'number' }]);
    assert.ok((pg.result.rows[0]?.n as number) > 0);
    // PostgreSQL's own functions: the dialect is the server's.
    const dialect = await runSqlOnSource(url, "select date_trunc('day', timestamp) as day, count(*)::int as n, bool_or(acknowledged) as any_ack from alerts group by 1 order by 1 limit 3");
    assert.deepEqual(dialect.result.columns.map((column) => column.name), ['day', 'n', 'any_ack']);
    assert.match(String(dialect.result.rows[0]?.day), /^\d{4}-\d\d-\d\d 00:00:00\+00$/, 'a timestamptz as the server writes it, in UTC');
    assert.ok(['true', 'false'].includes(String(dialect.result.rows[0]?.any_ack)));
  });

  it('cannot write: an UPDATE is refused by the read-only transaction and the data is unchanged', async () => {
    const before = await runSqlOnSource(url, 'select count(*) as open from alerts where not coalesce(acknowledged, false)');
    await assert.rejects(runSqlOnSource(url, "update alerts set acknowledged = true, acknowledged_by = 'cell'"), (error: unknown) => error instanceof PitwallError && error.code === 'input' && /read-only transaction/.test(error.message));
    // Ending the transaction from inside the cell does not open a way to write: one command only.
    for (const escape of ['commit; update alerts set acknowledged = true', 'commit; set default_transaction_read_only = off; update alerts set acknowledged = true']) {
      await assert.rejects(runSqlOnSource(url, escape), (error: unknown) => error instanceof PitwallError && /one statement at a time/.test(error.message), escape);
    }
    const after = await runSqlOnSource(url, 'select count(*) as open from alerts where not coalesce(acknowledged, false)');
    assert.deepEqual(after.result.rows, before.result.rows);
    assert.ok((after.result.rows[0]?.open as number) > 0);
  });

  it('names the problem of a statement the server refuses, and of an empty cell', async () => {
    await assert.rejects(runSqlOnSource(url, 'select nope from predictions'), (error: unknown) => error instanceof PitwallError && error.code === 'input' && /^SQL: column "nope" does not exist/.test(error.message));
    await assert.rejects(runSqlOnSource(url, '  '), /holds no statement/);
  });

  it('pitwall query --sql prints the server\'s answer', async () => {
    const { status, stdout } = await pitwall('query', url, '--sql', 'select count(*) as n from alerts', '--json');
    assert.equal(status, 0);
    const sqlite = await runSqlOnSource(fixture.sqlite, 'select count(*) as n from alerts');
    assert.deepEqual((JSON.parse(stdout) as { rows: unknown[] }).rows, sqlite.result.rows);
  });

  it('runs a notebook\'s PQL and SQL cells in its query thread on the server, the password given apart from the URL', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'pitwall-pg-runner-'));
    const script = join(dir, 'queryWorker.js');
    await bundleQueryWorker(script);
    const { source, password } = splitPostgresPassword(url);
    assert.ok(password !== undefined && !source.includes(password), 'the source shown holds no password');
    const runner = new QueryRunner(source, { script, password });
    try {
      const sql = await runner.run({ language: 'sql', text: 'select count(*) as n from predictions', now: 1_800_000_000, lets: new Map() });
      assert.deepEqual(sql.results[0]?.rows, (await runSqlOnSource(fixture.sqlite, 'select count(*) as n from predictions')).result.rows);
      const pql = await runner.run({ language: 'pql', text: 'predictions | window 1d | by model_version | metrics accuracy', now: 1_800_000_000, lets: new Map() });
      assert.deepEqual(pql.errors, []);
      assert.ok((pql.results[0]?.rows.length ?? 0) > 0);
      // Without the password the server refuses, and the cell says so.
      const refused = new QueryRunner(source, { script });
      try {
        await assert.rejects(refused.run({ language: 'sql', text: 'select 1', now: 1_800_000_000, lets: new Map() }), /password/);
      } finally {
        await refused.close();
      }
    } finally {
      await runner.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

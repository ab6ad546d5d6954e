import * as assert from 'node:assert/strict';
import { pitwall, type CliResult } from './runCli';
import { startPostgresFixture, type PostgresFixture } from '../core/store/postgres/support';
import { assertClose } from '../assertClose';

/** What differs by nature between the two sources: their names, and how a query was run (SQLite's page scan, PostgreSQL's SQL). */
function sourceFree(result: CliResult, source: string): CliResult {
  return { ...result, stdout: result.stdout.split(source).join('SOURCE'), stderr: result.stderr.split(source).join('SOURCE') };
}

describe('pitwall analytics on a PostgreSQL URL: trend, calibration, health, drift, compare, status and PQL print what they print for the SQLite file', function () {
  this.timeout(240_000);
  let fixture: PostgresFixture;
  let url: string;

  before(async () => {
    fixture = await startPostgresFixture(4000, 17);
    url = fixture.clone('analytics');
  });
  after(() => fixture?.close());

  const address = () => url.replace(/\/\/postgres:[^@]*@/, '//postgres@');

  it('prints the same tables, and the same JSON to 1e-12 relative', async () => {
    const commands = [
      ['trend', '--every', '1d'],
      ['trend', '--every', '6h', '--slide', '1h', '--by', 'model_version', '--metrics', 'accuracy,ece,f1,roc_auc'],
      ['trend', '--every', '1d', '--by', 'circuit', '--metrics', 'accuracy,ece,brier,confidence_std'],
      ['trend', '--every', '1h', '--model', 'v1.1', '--from', '2026-10-05T00:00:00Z', '--to', '2026-10-07T00:00:00Z', '--fill-empty'],
      ['calibration'],
      ['calibration', '--bins', '5', '--model', 'v1.0'],
      ['calibration', '--bins', '8', '--strategy', 'mass'],
      ['metrics', '--model', 'v1.1'],
      ['health', '--at', '2026-10-12T00:00:00Z'],
      ['drift', '--baseline', '2026-10-01T00:00:00Z..2026-10-08T00:00:00Z', '--current', '2026-10-10T00:00:00Z..2026-10-15T00:00:00Z'],
      ['drift', '--baseline', '2026-10-01T00:00:00Z..2026-10-08T00:00:00Z', '--current', '2026-10-10T00:00:00Z..2026-10-15T00:00:00Z', '--model', 'v1.1', '--feature', 'track_temp'],
      ['status'],
      ['status', '--reference', 'previous', '--model', 'v1.1'],
    ];
    for (const [command, ...rest] of commands) {
      const label = [command, ...rest].join(' ');
      const onSqlite = sourceFree(await pitwall(command as string, fixture.sqlite, ...rest), fixture.sqlite);
      const onPostgres = sourceFree(await pitwall(command as string, url, ...rest), address());
      assert.equal(onSqlite.status, 0, `${label}: ${onSqlite.stderr}`);
      assert.ok(onSqlite.stdout.length > 100, label);
      assert.deepEqual(onPostgres, onSqlite, label);
      const jsonOnSqlite = await pitwall(command as string, fixture.sqlite, ...rest, '--json');
      const jsonOnPostgres = await pitwall(command as string, url, ...rest, '--json');
      assert.equal(jsonOnPostgres.status, 0, `${label} --json: ${jsonOnPostgres.stderr}`);
      assertClose(JSON.parse(jsonOnPostgres.stdout.split(address()).join('SOURCE')), JSON.parse(jsonOnSqlite.stdout.split(fixture.sqlite).join('SOURCE')), `${label} --json`, { keyOrder: true });
    }
  });

  it('runs PQL windows on the server (the SQL it ran shown) and compare, drift, health and calibration stages, with the numbers of the SQLite file', async () => {
    const queries = [
      'predictions | window 1h | by model_version | metrics accuracy, ece',
      'predictions | where timestamp in 2026-10-03..2026-10-09 | window 1d slide 6h | by circuit | metrics accuracy, f1, log_loss',
      'predictions | compare v1.0 v1.1',
      'predictions | where model_version == "v1.1" | calibration bins=8',
      'predictions | reference 2026-10-01..2026-10-08 | where timestamp in 2026-10-11..2026-10-15 | drift psi(track_temp), js(circuit), ks(track_temp)',
      'predictions | window 1d | health min_labels=10',
    ];
    for (const text of queries) {
      const onSqlite = await pitwall('query', fixture.sqlite, text, '--json');
      const onPostgres = await pitwall('query', url, text, '--json');
      assert.equal(onSqlite.status, 0, `${text}: ${onSqlite.stderr}`);
      assert.equal(onPostgres.status, 0, `${text}: ${onPostgres.stderr}`);
      const expected = JSON.parse(onSqlite.stdout) as Record<string, unknown>;
      const actual = JSON.parse(onPostgres.stdout) as Record<string, unknown>;
      if (text.includes('| metrics')) {
        assert.equal(actual.path, 'pushdown', text);
        assert.match(String(actual.sql), /SET LOCAL work_mem = '64MB'[\s\S]*date_bin\('3600 seconds'|date_bin\('21600 seconds'|date_bin\('86400 seconds'/, text);
      }
      for (const key of ['path', 'sql']) {
        delete expected[key];
        delete actual[key];
      }
      assertClose(actual, expected, text, { keyOrder: true });
    }
    const table = await pitwall('query', url, 'predictions | window 1d | by model_version | metrics accuracy, ece');
    assert.equal(table.status, 0, table.stderr);
    assert.equal(table.stdout, (await pitwall('query', fixture.sqlite, 'predictions | window 1d | by model_version | metrics accuracy, ece')).stdout);
  });

  it('names an unknown feature or model version as for a file (exit 2), and a bad row in the table does not stop a trend', async () => {
    for (const args of [['trend', '--every', '1d', '--by', 'no_such_feature'], ['trend', '--every', '1d', '--model', 'v9'], ['calibration', '--model', 'v9']]) {
      const onSqlite = sourceFree(await pitwall(args[0] as string, fixture.sqlite, ...args.slice(1)), fixture.sqlite);
      const onPostgres = sourceFree(await pitwall(args[0] as string, url, ...args.slice(1)), address());
      assert.equal(onPostgres.status, 2, args.join(' '));
      assert.deepEqual(onPostgres, onSqlite, args.join(' '));
    }
    const damaged = fixture.clone('damaged');
    fixture.cluster.psql('damaged', `UPDATE predictions SET confidence = 'NaN' WHERE id = 7`);
    const trend = await pitwall('trend', damaged, '--every', '1d', '--json');
    assert.equal(trend.status, 0, trend.stderr);
    const rows = JSON.parse(trend.stdout) as { count: number }[];
    assert.equal(rows.reduce((n, row) => n + row.count, 0), 3999, 'the NaN row is left out, the rest counted');
    assert.match(trend.stderr, /predictions row 7 skipped: .*confidence/);
  });
});

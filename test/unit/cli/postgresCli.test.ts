import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { pitwall } from './runCli';
import { startPostgresFixture, type PostgresFixture } from '../core/store/postgres/support';

/** The real CLI in its own process, as a user runs it. */
function pitwallProcess(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-r', 'tsx/cjs', join(__dirname, '../../../src/cli/main.ts'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) =>
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    );
  });
}

describe('pitwall on a PostgreSQL URL: summary, alerts, rules, ack, unack and outcome on a real server', function () {
  this.timeout(120_000);
  let fixture: PostgresFixture;
  let url: string;

  before(async () => {
    fixture = await startPostgresFixture(3000, 13);
    url = fixture.clone('cli');
  });
  after(() => fixture?.close());

  it('prints the same summary, alerts and rules as for the SQLite file of the same data', async () => {
    const cases = [
      ['summary'],
      ['summary', '--json'],
      ['alerts', '--json', '--limit', '1000'],
      ['alerts', '--severity', 'critical,warning', '--limit', '20'],
      ['alerts', '--unacknowledged', '--since', '30d', '--json'],
      ['alerts', '--model', 'v1.1', '--json'],
      ['alerts', '--rule', 'acc_warn', '--json'],
      ['rules'],
      ['rules', '--json'],
    ];
    for (const [command, ...rest] of cases) {
      const fromSqlite = await pitwall(command as string, fixture.sqlite, ...rest);
      const fromPostgres = await pitwall(command as string, url, ...rest);
      assert.equal(fromSqlite.status, 0, fromSqlite.stderr);
      assert.deepEqual(fromPostgres, fromSqlite, [command, ...rest].join(' '));
    }
    const summary = await pitwall('summary', url);
    assert.match(summary.stdout, /^predictions\s+3000$/m);
    assert.match(summary.stdout, /^writable\s+yes$/m);
  });

  it('names an unknown model version or rule the way it does for a file (exit 2)', async () => {
    const model = await pitwall('alerts', url, '--model', 'v9');
    assert.equal(model.status, 2);
    assert.match(model.stderr, /model version "v9"/);
    const rule = await pitwall('alerts', url, '--rule', 'nope');
    assert.equal(rule.status, 2);
  });

  it('acknowledges with who and why, takes it back, and records an outcome, as for a SQLite copy', async () => {
    const writable = fixture.clone('cli_writes');
    const copy = join(fixture.root, 'cli-writes.db');
    copyFileSync(fixture.sqlite, copy);
    const open = JSON.parse((await pitwall('alerts', copy, '--unacknowledged', '--limit', '2', '--json')).stdout) as { key: string; alert_id: string }[];
    const [first, second] = open;
    assert.ok(first !== undefined && second !== undefined);
    const steps = [
      ['ack', first.key, '--by', 'oncall', '--comment', 'retraining v1.1'],
      ['ack', second.alert_id, '--json'],
      ['ack', first.key],
      ['alerts', '--limit', '1000', '--json'],
      ['unack', first.key, '--json'],
      ['unack', first.key],
      ['ack', 'no-such-alert'],
      ['summary', '--json'],
    ];
    for (const [command, ...rest] of steps) {
      const onSqlite = await pitwall(command as string, copy, ...rest);
      const onPostgres = await pitwall(command as string, writable, ...rest);
      assert.deepEqual(
        { ...onPostgres, stderr: onPostgres.stderr.replace(writable, 'SOURCE') },
        { ...onSqlite, stderr: onSqlite.stderr.replace(copy, 'SOURCE') },
        [command, ...rest].join(' '),
      );
    }
    assert.equal((await pitwall('ack', writable, 'no-such-alert')).status, 2);
    const listed = JSON.parse((await pitwall('alerts', writable, '--limit', '1000', '--json')).stdout) as { key: string; acknowledged: boolean; acknowledged_by: string | null; comment: string | null }[];
    assert.deepEqual(listed.find((alert) => alert.key === second.key)?.acknowledged, true);
    assert.equal(fixture.cluster.psql('cli_writes', `SELECT acknowledged_by FROM alerts WHERE id = ${first.key}`), '', 'taken back in the database itself');
    const [unlabelled] = JSON.parse(fixture.cluster.psql('cli_writes', "SELECT json_agg(prediction_id) FROM (SELECT prediction_id FROM predictions WHERE actual_outcome IS NULL ORDER BY id LIMIT 1) p")) as string[];
    const outcome = await pitwall('outcome', writable, unlabelled as string, '1', '--json');
    assert.equal(outcome.status, 0, outcome.stderr);
    assert.deepEqual(JSON.parse(outcome.stdout), JSON.parse((await pitwall('outcome', copy, unlabelled as string, '1', '--json')).stdout));
    assert.equal(fixture.cluster.psql('cli_writes', `SELECT actual_outcome FROM predictions WHERE prediction_id = '${unlabelled as string}'`), '1');
  });

  it('reads the Python system\'s MONITORING_DB_* settings for the source `postgres:`', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { MONITORING_DB_HOST: '127.0.0.1', MONITORING_DB_PORT: String(fixture.cluster.port), MONITORING_DB_USER: 'postgres', MONITORING_DB_PASSWORD: fixture.cluster.password, MONITORING_DB_NAME: 'cli' });
    try {
      const result = await pitwall('summary', 'postgres:', '--json');
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), JSON.parse((await pitwall('summary', url, '--json')).stdout));
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    }
  });

  it('exits 2 with a clear sentence for a wrong password or an unreachable server, and never prints the password', async () => {
    const wrong = await pitwallProcess('summary', fixture.cluster.url('cli', 'not-the-password'));
    assert.equal(wrong.status, 2, wrong.stderr);
    assert.match(wrong.stderr, /^pitwall: PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/cli refused user "postgres": wrong password or no such user/);
    assert.doesNotMatch(wrong.stderr, /not-the-password/);
    assert.equal(wrong.stdout, '');
    const unreachable = await pitwall('alerts', 'postgresql://postgres:secret@127.0.0.1:1/monitoring');
    assert.equal(unreachable.status, 2);
    assert.match(unreachable.stderr, /^Cannot reach PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/monitoring: .*ECONNREFUSED/);
    assert.doesNotMatch(unreachable.stderr, /secret/);
  });
});

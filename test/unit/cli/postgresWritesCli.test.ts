import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PitwallError } from '../../../src/core/errors';
import { openStore } from '../../../src/core/store/openStore';
import { pitwall, type CliResult } from './runCli';
import { startPostgresFixture, type PostgresFixture } from '../core/store/postgres/support';

const DAY = 86400;
const HOUR = 3600;
const START = Date.parse('2026-10-01T00:00:00Z') / 1000;
const MAIN = join(__dirname, '../../../src/cli/main.ts');

/** The CLI as its own process, from source: a second process sees only what the first stored. */
function cliProcess(...args: string[]): CliResult {
  const run = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
  return { status: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
}

describe('pitwall writes on a PostgreSQL URL: rules, silences, evaluate, deliveries and outcome on a real server, as on SQLite', function () {
  this.timeout(180_000);
  let fixture: PostgresFixture;

  before(async () => {
    fixture = await startPostgresFixture(6000, 13);
    writeFileSync(
      join(fixture.root, 'traffic.json'),
      JSON.stringify({ rule_id: 'traffic', metric_name: 'num_predictions', metric_type: 'threshold', threshold: 0, comparison: '>', severity: 'info', component: 'traffic', cooldown_minutes: 600, channels: ['console'], conditions: { window: '1h' } }),
    );
  });
  after(() => fixture?.close());

  /** A fresh PostgreSQL clone and a SQLite copy of the same rows; `SOURCE` in arguments and messages stands for either. */
  function pair(name: string): { pg: string; sqlite: string; both: (...args: string[]) => Promise<{ pg: CliResult; sqlite: CliResult }> } {
    const pg = fixture.clone(name);
    const sqlite = join(fixture.root, `${name}.db`);
    copyFileSync(fixture.sqlite, sqlite);
    const run = async (source: string, args: readonly string[]): Promise<CliResult> => {
      const result = await pitwall(...args.map((arg) => (arg === 'SOURCE' ? source : arg)));
      return { ...result, stdout: result.stdout.split(source).join('SOURCE'), stderr: result.stderr.split(source).join('SOURCE') };
    };
    return { pg, sqlite, both: async (...args) => ({ pg: await run(pg, args), sqlite: await run(sqlite, args) }) };
  }

  it('adds, edits, disables, enables and removes rules with the same output and exit codes as on SQLite', async () => {
    const { both } = pair('cli_rules');
    const steps = [
      ['rule', 'add', 'SOURCE', join(fixture.root, 'traffic.json')],
      ['rule', 'add', 'SOURCE', join(fixture.root, 'traffic.json')],
      ['rule', 'edit', 'SOURCE', 'traffic', '--set', 'threshold=5', '--set', 'severity=warning'],
      ['rule', 'edit', 'SOURCE', 'traffic', '--set', 'comparison=≈'],
      ['rule', 'disable', 'SOURCE', 'acc_low'],
      ['rule', 'disable', 'SOURCE', 'acc_low'],
      ['rule', 'enable', 'SOURCE', 'acc_low', '--json'],
      ['rule', 'disable', 'SOURCE', 'no_such_rule'],
      ['rules', 'SOURCE', '--json'],
      ['rule', 'remove', 'SOURCE', 'traffic'],
      ['rule', 'remove', 'SOURCE', 'traffic'],
      ['rules', 'SOURCE'],
    ];
    const statuses: number[] = [];
    for (const step of steps) {
      const { pg: onPostgres, sqlite: onSqlite } = await both(...step);
      assert.deepEqual(onPostgres, onSqlite, step.join(' '));
      statuses.push(onPostgres.status);
    }
    // A duplicate rule, a comparison the schema refuses, an unknown rule and a second removal exit 2; the rest 0.
    assert.deepEqual(statuses, [0, 2, 0, 2, 0, 0, 0, 2, 0, 0, 2, 0]);
    assert.equal(fixture.cluster.psql('cli_rules', "SELECT count(*) FROM alert_rules WHERE rule_id = 'traffic'"), '0');
    assert.equal(fixture.cluster.psql('cli_rules', "SELECT enabled FROM alert_rules WHERE rule_id = 'acc_low'"), 't');
    assert.equal(fixture.cluster.psql('cli_rules', "SELECT to_regclass('pitwall_silences') IS NULL"), 't', 'rule changes create none of Pitwall\'s tables');
  });

  it('adds, lists and ends silences as on SQLite (the same matchers, times and messages), and refuses a silence matching nothing with exit 2', async () => {
    const { pg, both } = pair('cli_silences');
    const add = await both('silence', 'add', 'SOURCE', '--rule', 'acc_low', '--model', 'v1.1', '--from', String(START), '--for', '2d', '--comment', 'deploying v1.2', '--by', 'ana', '--json');
    assert.equal(add.pg.status, 0, add.pg.stderr);
    const added = JSON.parse(add.pg.stdout) as { id: string };
    const { id: _pgId, ...pgSilence } = added;
    const { id: _sqliteId, ...sqliteSilence } = JSON.parse(add.sqlite.stdout) as { id: string };
    assert.deepEqual(pgSilence, sqliteSilence);
    const nothing = await both('silence', 'add', 'SOURCE', '--rule', 'no_such_rule', '--for', '1h');
    assert.deepEqual(nothing.pg, nothing.sqlite);
    assert.equal(nothing.pg.status, 2);
    const list = await both('silence', 'list', 'SOURCE', '--all', '--json');
    assert.deepEqual(
      (JSON.parse(list.pg.stdout) as { id: string }[]).map(({ id: _id, ...rest }) => rest),
      (JSON.parse(list.sqlite.stdout) as { id: string }[]).map(({ id: _id, ...rest }) => rest),
    );
    const expire = await pitwall('silence', 'expire', pg, added.id);
    assert.equal(expire.status, 0, expire.stderr);
    assert.match(expire.stdout, new RegExp(`^Silence ${added.id} ended at `));
    const active = await pitwall('silence', 'list', pg);
    assert.equal(active.stdout, 'No active silences (--all lists ended ones too).\n');
    const unknown = await both('silence', 'expire', 'SOURCE', 'nope');
    assert.deepEqual(unknown.pg, unknown.sqlite);
    assert.equal(unknown.pg.status, 2, unknown.pg.stderr);
    assert.equal(fixture.cluster.psql('cli_silences', 'SELECT count(*) FROM pitwall_silences'), '1');
  });

  it('evaluates: fires, deduplicates, resolves and keeps the cooldown across separate processes, recording alerts, firing states and deliveries in the database', async function () {
    const { pg, sqlite } = pair('cli_evaluate');
    // Evaluation reads predictions as columns, which the PostgreSQL store gains with its analytics (a separate change):
    // until then this test is reported pending, not passed.
    const probe = await openStore(pg);
    const columns = await probe.readPredictionColumns({ limit: 1 }).then(
      () => true,
      (error: PitwallError) => (error.code === 'unsupported' ? false : Promise.reject(error)),
    );
    await probe.close();
    if (!columns) this.skip();
    const ours = async (source: string) =>
      (JSON.parse((await pitwall('alerts', source, '--json', '--limit', '100000')).stdout) as { title: string; model_version: string }[]).filter((a) => a.title === 'TRAFFIC: num_predictions Alert').length;
    const outcomes = (run: CliResult) => (JSON.parse(run.stdout) as { verdicts: { rule_id: string; outcome: string }[] }).verdicts.filter((v) => v.rule_id === 'traffic').map((v) => v.outcome);
    const at = START + 5 * DAY;
    const end = START + 14 * DAY;
    const sequence: [number, string[], number][] = [
      [at, ['fired', 'fired'], 2],
      [at + 1800, ['firing', 'firing'], 2],
      [end + 1.5 * HOUR, ['resolved', 'resolved'], 2],
      [at + HOUR, ['cooldown', 'cooldown'], 2],
      [at + 11 * HOUR, ['fired', 'fired'], 4],
    ];
    for (const source of [pg, sqlite]) {
      assert.equal((await pitwall('rule', 'add', source, join(fixture.root, 'traffic.json'))).status, 0);
      for (const [when, expected, count] of sequence) {
        // Each evaluation in its own process: the firing state and the cooldown come from the database.
        const run = cliProcess('evaluate', source, '--at', String(when), '--json');
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(outcomes(run), expected, `${source} at ${when}`);
        assert.equal(await ours(source), count, `${source} at ${when}`);
      }
    }
    const deliveries = await pitwall('deliveries', pg, '--json', '--limit', '1000');
    assert.equal(deliveries.status, 0, deliveries.stderr);
    const strip = (text: string) => (JSON.parse(text) as { records: { rule_id: string; kind: string; channel: string; status: string; evaluated_at: number }[] }).records.map((r) => [r.rule_id, r.kind, r.channel, r.status, r.evaluated_at]);
    const fromPg = strip(deliveries.stdout);
    assert.deepEqual(fromPg, strip((await pitwall('deliveries', sqlite, '--json', '--limit', '1000')).stdout));
    assert.ok(fromPg.some((r) => r[0] === 'traffic' && r[1] === 'firing' && r[2] === 'console'), JSON.stringify(fromPg));
    assert.equal(fixture.cluster.psql('cli_evaluate', "SELECT last_triggered = to_timestamp(" + String(at + 11 * HOUR) + ") FROM alert_rules WHERE rule_id = 'traffic'"), 't', 'the cooldown in alert_rules.last_triggered');
    assert.ok(Number(fixture.cluster.psql('cli_evaluate', 'SELECT count(*) FROM pitwall_alert_state')) >= 2);
    const text = await pitwall('deliveries', pg);
    assert.match(text.stdout, /^FINISHED\s+ALERT\s+RULE/);
  });

  it('records an outcome once, exits 2 for an unknown prediction or a label other than 0/1, as on SQLite', async () => {
    const { both } = pair('cli_outcomes');
    const [unlabelled] = JSON.parse(fixture.cluster.psql('cli_outcomes', "SELECT json_agg(prediction_id) FROM (SELECT prediction_id FROM predictions WHERE actual_outcome IS NULL ORDER BY id LIMIT 1) p")) as string[];
    for (const step of [
      ['outcome', 'SOURCE', unlabelled as string, '0', '--json'],
      ['outcome', 'SOURCE', unlabelled as string, '1'],
      ['outcome', 'SOURCE', 'no-such-prediction', '1'],
      ['outcome', 'SOURCE', unlabelled as string, '2'],
    ]) {
      const result = await both(...step);
      assert.deepEqual(result.pg, result.sqlite, step.join(' '));
    }
    assert.equal((await both('outcome', 'SOURCE', 'no-such-prediction', '1')).pg.status, 2);
    assert.equal(fixture.cluster.psql('cli_outcomes', `SELECT actual_outcome FROM predictions WHERE prediction_id = '${unlabelled as string}'`), '1', 'the later outcome supersedes');
  });
});

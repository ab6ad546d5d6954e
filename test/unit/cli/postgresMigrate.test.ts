import * as assert from 'node:assert/strict';
import { copyFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../../src/core/store/openStore';
import { openSqliteWriter } from '../../../src/core/store/sqlite/writer';
import type { Store } from '../../../src/core/store/store';
import { pitwall } from './runCli';
import { startPostgresFixture, type PostgresFixture } from '../core/store/postgres/support';

interface Report {
  readonly target: string;
  readonly dryRun: boolean;
  readonly parts: readonly { part: string; read: number; inserted: number; skipped: number }[];
  readonly diagnostics: readonly { file: string; row?: number; field?: string; message: string }[];
  readonly warnings: readonly string[];
}

const T = Date.parse('2026-10-20T00:00:00Z') / 1000;

/** Everything a user sees of a source: summary, alerts, rules, and Pitwall's own records. */
async function snapshot(source: string): Promise<Record<string, unknown>> {
  const summary = await pitwall('summary', source, '--json');
  assert.equal(summary.status, 0, summary.stderr);
  const alerts = await pitwall('alerts', source, '--json', '--limit', '100000');
  const rules = await pitwall('rules', source, '--json');
  const store: Store = await openStore(source);
  try {
    const { path: _path, kind: _kind, ...rest } = JSON.parse(summary.stdout) as Record<string, unknown>;
    return {
      summary: rest,
      alerts: JSON.parse(alerts.stdout) as unknown,
      rules: JSON.parse(rules.stdout) as unknown,
      acknowledgments: await store.readAcknowledgments(),
      silences: await store.readSilences(),
      deliveries: await store.readDeliveries(),
      states: { ...(await store.readAlertStates()) },
      predictions: await store.readPredictions({ limit: 50, order: 'desc' }),
      health: await store.readHealthSnapshots(),
      drift: await store.readDriftResults(),
    };
  } finally {
    await store.close();
  }
}

describe('pitwall migrate into and out of PostgreSQL on a real server', function () {
  this.timeout(180_000);
  let fixture: PostgresFixture;
  let folder: string;

  before(async () => {
    fixture = await startPostgresFixture(3000, 21);
    // Pitwall's own records in the folder: a commented acknowledgment, a silence, firing states and deliveries.
    folder = join(fixture.root, 'with-records');
    cpSync(join(fixture.root, 'monitoring'), folder, { recursive: true });
    const open = JSON.parse((await pitwall('alerts', folder, '--unacknowledged', '--limit', '2', '--json')).stdout) as { key: string }[];
    assert.equal((await pitwall('ack', folder, ...open.map((alert) => alert.key), '--by', 'oncall', '--comment', 'retraining v1.1')).status, 0);
    assert.equal((await pitwall('silence', 'add', folder, '--rule', 'acc_low', '--from', String(T), '--for', '1d', '--comment', 'deploying')).status, 0);
    const store = await openStore(folder);
    try {
      await store.updateAlertStates({ 'acc_low|v1.1': T }, []);
      await store.recordDeliveries([
        { alert: open[0]?.key as string, rule_id: 'acc_low', kind: 'firing', channel: 'webhook', status: 'failed', attempts: 3, error: 'HTTP 503', evaluated_at: T, finished_at: T + 1, elapsed_ms: 1000 },
      ]);
    } finally {
      await store.close();
    }
  });
  after(() => fixture?.close());

  it('JSONL → PostgreSQL → SQLite gives the same summary, alerts, rules, acknowledgments, silences, deliveries and firing states as JSONL → SQLite', async () => {
    fixture.cluster.createDatabase('from_jsonl');
    const url = fixture.cluster.url('from_jsonl');
    const into = await pitwall('migrate', folder, url, '--json');
    assert.equal(into.status, 0, into.stderr);
    const report = JSON.parse(into.stdout) as Report;
    assert.match(report.target, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/from_jsonl$/);
    assert.equal(report.parts.find((p) => p.part === 'predictions')?.inserted, 3000);
    assert.equal(report.parts.find((p) => p.part === 'pitwall_acknowledgments')?.inserted, 2);
    assert.equal(report.parts.find((p) => p.part === 'pitwall_silences')?.inserted, 1);
    const direct = join(fixture.root, 'direct.db');
    assert.equal((await pitwall('migrate', folder, direct)).status, 0);
    const back = join(fixture.root, 'round-trip.db');
    const out = await pitwall('migrate', url, back);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /pitwall_deliveries\s+pitwall_deliveries\s+1\s+1/);
    const expected = await snapshot(direct);
    assert.deepEqual(await snapshot(back), expected);
    assert.deepEqual(await snapshot(url), expected, 'and PostgreSQL itself reads the same');
    assert.equal((expected.acknowledgments as unknown[]).length, 2);
    assert.equal(fixture.cluster.psql('from_jsonl', "SELECT count(*) FROM pitwall_acknowledgments WHERE comment = 'retraining v1.1'"), '2');
  });

  it('SQLite → PostgreSQL keeps the row ids, continues the sequences after them, and a dry run writes nothing', async () => {
    fixture.cluster.createDatabase('from_sqlite');
    const url = fixture.cluster.url('from_sqlite');
    const dry = await pitwall('migrate', fixture.sqlite, url, '--dry-run', '--json');
    assert.equal(dry.status, 0, dry.stderr);
    assert.equal((JSON.parse(dry.stdout) as Report).dryRun, true);
    assert.equal(fixture.cluster.psql('from_sqlite', "SELECT to_regclass('predictions') IS NULL"), 't', 'the dry run created nothing');
    const text = await pitwall('migrate', fixture.sqlite, url);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^predictions\s+predictions\s+3,000\s+3,000/m);
    assert.deepEqual(await snapshot(url), await snapshot(fixture.sqlite));
    const store = await openStore(url);
    try {
      const [newest] = await store.readAlerts({ limit: 1 });
      const maxKey = Number(fixture.cluster.psql('from_sqlite', 'SELECT max(id) FROM alerts'));
      const added = await store.appendAlert({ ...(newest as NonNullable<typeof newest>), alert_id: 'after-migration' });
      assert.equal(added.key, String(maxKey + 1), 'the serial continues after the copied ids');
    } finally {
      await store.close();
    }
  });

  it('PostgreSQL → JSONL folder: the folder\'s own alert keys and formats, Pitwall\'s records under those keys; back into PostgreSQL it reads the same', async () => {
    const url = fixture.clone('to_jsonl');
    const store = await openStore(url);
    let acked: string;
    try {
      const [open] = await store.readAlerts({ acknowledged: false, limit: 1, order: 'asc' });
      acked = open?.key as string;
      await store.acknowledgeAlerts([acked], 'oncall', T, 'known issue');
      await store.saveSilence({ id: 'quiet', matchers: { model_version: 'v1.1' }, starts_at: T, ends_at: T + 3600, comment: '', created_by: null, created_at: T });
      await store.updateAlertStates({ 'acc_low|v1.1': T }, []);
      await store.recordDeliveries([{ alert: acked, rule_id: 'acc_low', kind: 'firing', channel: 'file', status: 'delivered', attempts: 1, error: null, evaluated_at: T, finished_at: T, elapsed_ms: 2 }]);
    } finally {
      await store.close();
    }
    const out = join(fixture.root, 'exported');
    const result = await pitwall('migrate', url, out, '--json');
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.deepEqual(
      report.parts.filter((p) => ['predictions', 'alerts', 'pitwall_acknowledgments', 'pitwall_deliveries'].includes(p.part)).map((p) => [p.part, p.inserted]),
      [['predictions', 3000], ['alerts', Number(fixture.cluster.psql('to_jsonl', 'SELECT count(*) FROM alerts'))], ['pitwall_acknowledgments', 1], ['pitwall_deliveries', 1]],
    );
    // The same alerts, each under the folder's key `<alert_id>#<n>` (the UUIDs are unique: #1), every field to the microsecond.
    type Listed = { key: string; alert_id: string };
    const listed = async (source: string) => (JSON.parse((await pitwall('alerts', source, '--json', '--limit', '100000')).stdout) as Listed[]).sort((a, b) => a.key.localeCompare(b.key));
    const fromPostgres = (await listed(url)).map((alert) => ({ ...alert, key: `${alert.alert_id}#1` })).sort((a, b) => a.key.localeCompare(b.key));
    assert.deepEqual(await listed(out), fromPostgres);
    const exported = await openStore(out);
    try {
      const [ack] = await exported.readAcknowledgments();
      assert.match(ack?.alert_key ?? '', /#\d+$/, 'named by the folder\'s key');
      assert.equal((await exported.readAlert(ack?.alert_key as string))?.acknowledged_by, 'oncall');
      assert.equal((await exported.readDeliveries()).records[0]?.alert, ack?.alert_key);
    } finally {
      await exported.close();
    }
    fixture.cluster.createDatabase('from_export');
    const back = await pitwall('migrate', out, fixture.cluster.url('from_export'));
    assert.equal(back.status, 0, back.stderr);
    // metrics.jsonl has no model_version (the report says so): the metric snapshots come back under '', all else as it was.
    assert.match(report.warnings.join(' '), /metrics\.jsonl has no model_version/);
    type Summary = { model_versions: string[]; data_span: { versions: { model_version: string }[] } };
    const again = await snapshot(fixture.cluster.url('from_export'));
    const source = await snapshot(url);
    const summary = again.summary as Summary;
    assert.deepEqual(summary.model_versions, ['', ...(source.summary as Summary).model_versions]);
    summary.model_versions = summary.model_versions.filter((version) => version !== '');
    summary.data_span.versions = summary.data_span.versions.filter((version) => version.model_version !== '');
    assert.deepEqual(again, source);
    const taken = await pitwall('migrate', url, out);
    assert.equal(taken.status, 2);
    assert.match(taken.stderr, /exported already exists: nothing was migrated/);
  });

  it('refuses a target that holds monitoring rows (exit 2, nothing written) and a copy out into an existing file', async () => {
    const url = fixture.clone('filled');
    const before = fixture.cluster.psql('filled', 'SELECT count(*) FROM predictions');
    const refused = await pitwall('migrate', folder, url);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /already holds rows in predictions, health_snapshots, alerts, alert_rules.*nothing was migrated/);
    assert.equal(fixture.cluster.psql('filled', 'SELECT count(*) FROM predictions'), before);
    const existing = join(fixture.root, 'existing.db');
    copyFileSync(fixture.sqlite, existing);
    const out = await pitwall('migrate', url, existing);
    assert.equal(out.status, 2);
    assert.match(out.stderr, /existing\.db already exists: nothing was migrated/);
    const both = await pitwall('migrate', url, fixture.cluster.url('other'));
    assert.equal(both.status, 2);
    assert.match(both.stderr, /pg_dump/);
    const missing = await pitwall('migrate', join(fixture.root, 'no-such-folder'), url);
    assert.equal(missing.status, 2);
  });

  it('copies the rest of a SQLite file when a row holds a value PostgreSQL refuses, naming table, row and column', async () => {
    const damaged = join(fixture.root, 'damaged.db');
    copyFileSync(fixture.sqlite, damaged);
    const verdict = await openSqliteWriter(damaged);
    assert.ok(verdict.writable);
    await verdict.writer.transaction([{ sql: "UPDATE predictions SET features = '{not json' WHERE id = 7", params: [] }]);
    await verdict.writer.close();
    fixture.cluster.createDatabase('from_damaged');
    const result = await pitwall('migrate', damaged, fixture.cluster.url('from_damaged'), '--json');
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.deepEqual(report.parts.find((p) => p.part === 'predictions'), { ...report.parts.find((p) => p.part === 'predictions'), read: 3000, inserted: 2999, skipped: 1 });
    assert.equal(report.diagnostics.length, 1);
    assert.match(report.diagnostics[0]?.message ?? '', /damaged\.db, predictions row 7: features is not JSON text PostgreSQL reads/);
    assert.equal(fixture.cluster.psql('from_damaged', 'SELECT count(*) FROM predictions'), '2999');
  });
});

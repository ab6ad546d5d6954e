import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import type { PitwallError } from '../../../../../src/core/errors';
import { openStore } from '../../../../../src/core/store/openStore';
import { postgresSettingsOf } from '../../../../../src/core/store/postgres/connection';
import { PostgresStore } from '../../../../../src/core/store/postgres/postgresStore';
import type { AlertQuery, Store } from '../../../../../src/core/store/store';
import { startPostgresFixture, type PostgresFixture } from './support';

/** The tables and columns of the Python schema, to check that Pitwall never alters them. */
function pythonColumns(fixture: PostgresFixture, database: string): string {
  return fixture.cluster.psql(
    database,
    "SELECT table_name || '.' || column_name || ':' || data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE 'pitwall%' ORDER BY 1",
  );
}

describe('PostgreSQL store on a real server: the same answers as the SQLite store on the same data', function () {
  this.timeout(120_000);
  let fixture: PostgresFixture;
  let pg: Store;
  let sqlite: Store;

  before(async () => {
    fixture = await startPostgresFixture();
    pg = await openStore(fixture.clone('reads'));
    sqlite = await openStore(fixture.sqlite);
  });
  after(async () => {
    await pg?.close();
    await sqlite?.close();
    fixture?.close();
  });

  it('counts, model versions, labelled counts and the data span equal SQLite\'s', async () => {
    assert.deepEqual(await pg.counts(), await sqlite.counts());
    assert.deepEqual(await pg.readModelVersions(), await sqlite.readModelVersions());
    const versions = await sqlite.readModelVersions();
    assert.ok(versions.length >= 2);
    for (const filter of [{}, { hasOutcome: true }, { hasOutcome: false }, { modelVersion: versions[0] as string }, { from: 1790000000, to: 1790500000 }, { modelVersion: 'nope' }]) {
      assert.equal(await pg.countPredictions(filter), await sqlite.countPredictions(filter), JSON.stringify(filter));
    }
    for (const end of ['oldest', 'newest'] as const) {
      for (const filter of [{}, { modelVersion: versions[1] as string }, { hasOutcome: true }, { modelVersion: 'nope' }]) {
        assert.equal(await pg.readPredictionTime?.(end, filter), await sqlite.readPredictionTime?.(end, filter), `${end} ${JSON.stringify(filter)}`);
      }
    }
  });

  it('reads predictions to the microsecond, ordered, ranged and paged as SQLite does', async () => {
    const [first] = await sqlite.readPredictions({ limit: 1 });
    assert.ok(first !== undefined && !Number.isInteger(first.timestamp * 1e3), 'the data has sub-millisecond times');
    for (const query of [{ limit: 50 }, { order: 'desc' as const, limit: 20, offset: 7 }, { from: first.timestamp, to: first.timestamp + 86_400, hasOutcome: true }, { modelVersion: 'v1.1', limit: 30, offset: 100 }]) {
      assert.deepEqual(await pg.readPredictions(query), await sqlite.readPredictions(query), JSON.stringify(query));
    }
    assert.deepEqual(await pg.readPrediction(first.prediction_id), await sqlite.readPrediction(first.prediction_id));
    assert.equal(await pg.readPrediction('no-such-prediction'), undefined);
  });

  it('reads alerts newest first with every filter, counts and groups them as SQLite does', async () => {
    const [newest] = await sqlite.readAlerts({ limit: 1 });
    assert.ok(newest !== undefined);
    const queries: AlertQuery[] = [
      {},
      { limit: 10, offset: 5 },
      { order: 'asc', limit: 7 },
      { severity: ['critical', 'warning'] },
      { severity: 'info', acknowledged: false },
      { acknowledged: true },
      { modelVersion: 'v1.0' },
      { modelVersion: null },
      { component: null },
      { text: 'ACCURACY' },
      { text: 'aLeRt', severity: 'warning' },
      { from: newest.timestamp - 3 * 86_400, to: newest.timestamp },
      { alertId: newest.alert_id },
      { scopes: [{ match: 'any', scopes: [{ metric_name: 'accuracy', severity: 'warning' }, { model_version: 'v1.1', segment: 'v1.1' }] }] },
      { scopes: [{ match: 'none', scopes: [{ metric_name: 'accuracy' }, { threshold: 0.2 }] }] },
      { scopes: [{ match: 'any', scopes: [] }] },
    ];
    for (const query of queries) {
      const expected = await sqlite.readAlerts(query);
      assert.deepEqual(await pg.readAlerts(query), expected, JSON.stringify(query));
      assert.equal(await pg.countAlerts(query), await sqlite.countAlerts(query), JSON.stringify(query));
    }
    assert.ok((await sqlite.readAlerts({ text: 'ACCURACY' })).length > 0, 'the text filter selects some');
    assert.ok((await sqlite.readAlerts({ text: 'aLeRt', severity: 'warning' })).length > 0, 'titles hold capitals that the filter compares without case');
    assert.deepEqual(await pg.readAlert(newest.key), newest);
    assert.equal(await pg.readAlert('99999999999'), undefined);
    assert.equal(await pg.readAlert('x'), undefined);
    const sorted = <T>(rows: readonly T[]) => [...rows].map((row) => JSON.stringify(row)).sort();
    assert.deepEqual(sorted(await pg.countAlertGroups(['severity', 'model_version', 'threshold'], { acknowledged: false })), sorted(await sqlite.countAlertGroups(['severity', 'model_version', 'threshold'], { acknowledged: false })));
    assert.deepEqual(sorted((await pg.countOpenAlertsByModel?.()) ?? []), sorted((await sqlite.countOpenAlertsByModel?.()) ?? []));
    assert.deepEqual(await pg.countAlertsBySeverity?.(), await sqlite.countAlertsBySeverity?.());
    assert.deepEqual(sorted((await pg.countAlertsBySignature?.({ from: newest.timestamp - 5 * 86_400 })) ?? []), sorted((await sqlite.countAlertsBySignature?.({ from: newest.timestamp - 5 * 86_400 })) ?? []));
  });

  it('reads rules (Pitwall fields kept inside conditions), snapshots, drift, importance and Pitwall records as SQLite does', async () => {
    assert.deepEqual(await pg.readRules(), await sqlite.readRules());
    assert.ok((await pg.readRules()).length > 0);
    assert.deepEqual(await pg.readHealthSnapshots({ modelVersion: 'v1.1', order: 'desc', limit: 10 }), await sqlite.readHealthSnapshots({ modelVersion: 'v1.1', order: 'desc', limit: 10 }));
    assert.deepEqual(await pg.readMetricSnapshots(), await sqlite.readMetricSnapshots());
    assert.deepEqual(await pg.readDriftResults({ driftDetected: true }), await sqlite.readDriftResults({ driftDetected: true }));
    assert.deepEqual(await pg.readFeatureImportance(), await sqlite.readFeatureImportance());
    assert.deepEqual(await pg.readDegradationAnalyses(), await sqlite.readDegradationAnalyses());
    assert.deepEqual({ ...(await pg.readAlertStates()) }, { ...(await sqlite.readAlertStates()) });
    assert.deepEqual(await pg.readSilences(), []);
    assert.deepEqual(await pg.readDeliveries(), { records: [], problems: [] });
    assert.deepEqual(await pg.readAcknowledgments(), []);
    const description = await pg.describe();
    assert.equal(description.kind, 'postgres');
    assert.doesNotMatch(description.path, /password/);
    assert.deepEqual([description.writable, description.warnings, description.diagnostics], [true, [], []]);
  });

  it('acknowledges and takes back exactly as SQLite does, the comment in pitwall_acknowledgments created by that write only', async () => {
    const url = fixture.clone('acks');
    const before = pythonColumns(fixture, 'acks');
    const store = await openStore(url);
    const copy = `${fixture.root}/acks.db`;
    (await import('node:fs')).copyFileSync(fixture.sqlite, copy);
    const reference = await openStore(copy);
    try {
      await store.readAlerts();
      await store.readAcknowledgments();
      assert.equal(fixture.cluster.psql('acks', "SELECT to_regclass('pitwall_acknowledgments') IS NULL"), 't', 'reads create no table');
      const open = (await reference.readAlerts({ acknowledged: false, limit: 3 })).map((alert) => alert.key);
      const done = (await reference.readAlerts({ acknowledged: true, limit: 1 })).map((alert) => alert.key);
      const keys = [...open, ...done, '999999', 'nope'];
      const at = 1_795_000_000.123456;
      const acked = await store.acknowledgeAlerts(keys, 'oncall', at, 'retraining v1.1');
      assert.deepEqual(acked, await reference.acknowledgeAlerts(keys, 'oncall', at, 'retraining v1.1'));
      assert.deepEqual(acked.acknowledged, open);
      assert.deepEqual(await store.readAlerts(), await reference.readAlerts());
      assert.deepEqual(await store.readAcknowledgments(open), await reference.readAcknowledgments(open));
      assert.equal((await store.readAlert(open[0] as string))?.acknowledged_at, at, 'acknowledged_at to the microsecond');
      const back = await store.unacknowledgeAlerts([open[0] as string, open[0] as string, '999999']);
      assert.deepEqual(back, await reference.unacknowledgeAlerts([open[0] as string, '999999']));
      assert.deepEqual(await store.counts(), await reference.counts());
      assert.equal(pythonColumns(fixture, 'acks'), before, 'the Python tables are as they were');
    } finally {
      await store.close();
      await reference.close();
    }
  });

  it('records an outcome on the prediction\'s row; an unknown prediction is false', async () => {
    const url = fixture.clone('outcomes');
    const store = await openStore(url);
    try {
      const [unlabelled] = await store.readPredictions({ hasOutcome: false, limit: 1 });
      assert.ok(unlabelled !== undefined);
      assert.equal(await store.recordOutcome({ prediction_id: unlabelled.prediction_id, actual_outcome: 1, timestamp: 1_795_000_000.5 }), true);
      const after = await store.readPrediction(unlabelled.prediction_id);
      assert.deepEqual([after?.actual_outcome, after?.actual_outcome_timestamp], [1, 1_795_000_000.5]);
      assert.equal(await store.recordOutcome({ prediction_id: 'no-such', actual_outcome: 0, timestamp: 1_795_000_000 }), false);
      await assert.rejects(store.recordOutcome({ prediction_id: unlabelled.prediction_id, actual_outcome: 2, timestamp: 1 } as never), (error: PitwallError) => error.code === 'input');
    } finally {
      await store.close();
    }
  });

  it('reads a NULL acknowledged (another writer, no Python default) as open, and a row the schema refuses is skipped and named', async () => {
    const url = fixture.clone('nulls');
    const [one, two] = (await sqlite.readAlerts({ acknowledged: true, limit: 2 })).map((alert) => alert.key);
    fixture.cluster.psql('nulls', `UPDATE alerts SET acknowledged = NULL WHERE id = ${one}; UPDATE alerts SET severity = 'bogus' WHERE id = ${two}`);
    const store = await openStore(url);
    try {
      assert.equal((await store.readAlert(one as string))?.acknowledged, false);
      assert.ok((await store.readAlerts({ acknowledged: false })).some((alert) => alert.key === one));
      assert.equal(await store.countAlerts({ acknowledged: false }), (await sqlite.countAlerts({ acknowledged: false })) + 1);
      assert.equal((await store.readAlerts()).some((alert) => alert.key === two), false);
      const { diagnostics } = await store.describe();
      assert.equal(diagnostics.length, 1);
      assert.match(diagnostics[0]?.message ?? '', new RegExp(`alerts row ${two} skipped: .*severity`));
    } finally {
      await store.close();
    }
  });

  it('keeps every write of a second process that writes while Pitwall acknowledges', async () => {
    const url = fixture.clone('concurrent');
    const keys = (await sqlite.readAlerts({ acknowledged: false })).map((alert) => alert.key);
    assert.ok(keys.length >= 10);
    const mine = keys.slice(0, Math.floor(keys.length / 2));
    const theirs = keys.slice(mine.length);
    // The other process acknowledges its half one alert per transaction and inserts alerts, with pauses, while Pitwall works.
    const other = fixture.cluster.psqlAsync(
      'concurrent',
      `DO $$ DECLARE k int; BEGIN FOREACH k IN ARRAY ARRAY[${theirs.join(',')}] LOOP
         UPDATE alerts SET acknowledged = true, acknowledged_by = 'python', acknowledged_at = now() WHERE id = k;
         INSERT INTO alerts (alert_id, timestamp, severity, acknowledged) VALUES ('py-' || k, now(), 'info', false);
         COMMIT; PERFORM pg_sleep(0.02); END LOOP; END $$`,
    );
    const store = await openStore(url);
    try {
      for (const key of mine) assert.deepEqual((await store.acknowledgeAlerts([key], 'pitwall', 1_795_000_000, 'mine')).acknowledged, [key]);
      await other;
      const all = await store.readAlerts();
      for (const key of mine) assert.equal(all.find((alert) => alert.key === key)?.acknowledged_by, 'pitwall', key);
      for (const key of theirs) assert.equal(all.find((alert) => alert.key === key)?.acknowledged_by, 'python', key);
      assert.equal(all.filter((alert) => alert.alert_id.startsWith('py-')).length, theirs.length);
      assert.equal((await store.readAcknowledgments()).length, mine.length);
    } finally {
      await store.close();
    }
  });

  it('refresh() tells what another process changed, as the SQLite store does: predictions appended, a label arrived, an acknowledgment', async () => {
    const url = fixture.clone('refresh');
    const store = await openStore(url);
    try {
      assert.deepEqual((await store.refresh()).changes, []);
      fixture.cluster.psql(
        'refresh',
        `INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features) VALUES (now(), 'v1.1', 'new-1', 1, 0.9, '{}'), (now(), 'v1.1', 'new-2', 0, 0.6, '{}')`,
      );
      assert.deepEqual((await store.refresh()).changes, [{ collection: 'predictions', kind: 'appended', added: 2 }]);
      fixture.cluster.psql('refresh', "UPDATE predictions SET actual_outcome = 1, actual_outcome_timestamp = now() WHERE prediction_id = 'new-1'; UPDATE alerts SET acknowledged = true WHERE id = (SELECT min(id) FROM alerts WHERE acknowledged IS NOT TRUE)");
      const changed = (await store.refresh()).changes.map((change) => `${change.collection}:${change.kind}:${change.added}`).sort();
      const alerts = (await store.counts()).alerts;
      assert.deepEqual(changed, [`alerts:reloaded:${alerts}`, 'outcomes:appended:1']);
      assert.deepEqual((await store.refresh()).changes, []);
    } finally {
      await store.close();
    }
  });

  it('the first refresh() reports what another process changed between the open and it: an alert inserted, a rule edited, an acknowledgment, a label, a lower id committed late', async () => {
    const url = fixture.clone('refresh_first');
    const reported = async (change: string): Promise<string[]> => {
      const store = await openStore(url);
      try {
        fixture.cluster.psql('refresh_first', change);
        const changed = (await store.refresh()).changes.map((c) => c.collection).sort();
        assert.deepEqual((await store.refresh()).changes, [], 'reported once');
        return changed;
      } finally {
        await store.close();
      }
    };
    assert.deepEqual(
      await reported(
        "INSERT INTO alerts (alert_id, timestamp, severity, title, message, acknowledged) VALUES ('after-open', now(), 'critical', 'PERFORMANCE: after open', 'inserted by psql', false); " +
          'UPDATE alert_rules SET threshold = threshold + 1 WHERE id = (SELECT min(id) FROM alert_rules)',
      ),
      ['alerts', 'rules'],
    );
    assert.deepEqual(await reported('UPDATE alerts SET acknowledged = true WHERE id = (SELECT min(id) FROM alerts WHERE acknowledged IS NOT TRUE)'), ['alerts']);
    // A label within the horizon (a day before the newest prediction) of a prediction not labelled yet.
    assert.deepEqual(
      await reported(`UPDATE predictions SET actual_outcome = 1 - predicted_outcome WHERE id = (SELECT max(id) FROM predictions WHERE actual_outcome IS NULL AND "timestamp" > (SELECT max("timestamp") - interval '1 hour' FROM predictions))`),
      ['outcomes'],
    );
    // Nothing changed between the open and the first refresh: nothing is reported.
    assert.deepEqual(await reported('SELECT 1'), []);

    // An insert that took its id before another one but commits after the open: the highest id is the same.
    const early = new Client({ connectionString: url });
    await early.connect();
    try {
      await early.query('BEGIN');
      await early.query("INSERT INTO alerts (alert_id, timestamp, severity, title, message, acknowledged) VALUES ('early', now(), 'warning', 'early', 'took its id first', false)");
      fixture.cluster.psql('refresh_first', "INSERT INTO alerts (alert_id, timestamp, severity, title, message, acknowledged) VALUES ('later', now(), 'warning', 'later', 'committed first', false)");
      const store = await openStore(url);
      try {
        await early.query('COMMIT');
        assert.deepEqual((await store.refresh()).changes.map((c) => c.collection), ['alerts']);
        assert.deepEqual((await store.refresh()).changes, []);
      } finally {
        await store.close();
      }
    } finally {
      await early.end();
    }
  });

  it('connects again when the server restarts mid-session, answers the same, and says so', async () => {
    const url = fixture.clone('restart');
    const store = await openStore(url);
    try {
      const before = await store.counts();
      assert.deepEqual((await store.describe()).warnings, []);
      fixture.cluster.restart();
      assert.deepEqual(await store.counts(), before);
      assert.match((await store.describe()).warnings.join(' '), /The connection to postgres:\/\/postgres@127\.0\.0\.1:\d+\/restart was lost \(.*\) and made again/);
      const [open] = await store.readAlerts({ acknowledged: false, limit: 1 });
      assert.deepEqual((await store.acknowledgeAlerts([open?.key as string], 'after', 1_795_000_000)).acknowledged, [open?.key]);
    } finally {
      await store.close();
    }
    // The other tests' sessions were cut too: the shared reading store connects again on its next read.
    assert.deepEqual(await pg.counts(), await sqlite.counts());
  });

  it('refuses a wrong password, an unreachable host, a missing database and a database without the monitoring tables, clearly', async () => {
    const { cluster } = fixture;
    await assert.rejects(openStore(cluster.url('reads', 'wrong')), (error: PitwallError) => error.code === 'input' && /refused user "postgres": wrong password/.test(error.message) && !error.message.includes('wrong@'));
    await assert.rejects(openStore('postgres://postgres:x@127.0.0.1:1/db'), (error: PitwallError) => error.code === 'not-found' && /Cannot reach PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/db/.test(error.message));
    await assert.rejects(openStore(cluster.url('nosuch')), (error: PitwallError) => error.code === 'not-found' && /has no database .*nosuch/.test(error.message));
    cluster.createDatabase('empty');
    await assert.rejects(openStore(cluster.url('empty')), (error: PitwallError) => error.code === 'not-found' && /holds none of the monitoring tables/.test(error.message));
  });

  it('opens a database missing one table: a warning names it, it reads as empty, a write to it is refused', async () => {
    const url = fixture.clone('partial');
    fixture.cluster.psql('partial', 'DROP TABLE feature_importance; DROP TABLE alerts');
    const store = await openStore(url);
    try {
      assert.match((await store.describe()).warnings.join(' '), /lacks the monitoring tables alerts, feature_importance/);
      assert.deepEqual(await store.readFeatureImportance(), []);
      assert.equal((await store.counts()).alerts, 0);
      await assert.rejects(store.acknowledgeAlerts(['1'], null, 1), (error: PitwallError) => error.code === 'unsupported' && /has no table alerts/.test(error.message));
    } finally {
      await store.close();
    }
  });

  it('opens read-only when asked, and a write is refused with the reason', async () => {
    const store = await PostgresStore.open(fixture.base.replace('/base', '/reads'), { readOnly: 'untrusted workspace' });
    try {
      assert.deepEqual([(await store.describe()).writable, (await store.describe()).readOnlyReason], [false, 'untrusted workspace']);
      await assert.rejects(store.acknowledgeAlerts(['1'], null, 1), (error: PitwallError) => error.code === 'read-only' && /untrusted workspace/.test(error.message));
    } finally {
      await store.close();
    }
  });

  it('runs its sessions read-only, in UTC, named pitwall, with a statement timeout', async () => {
    const client = new Client({ connectionString: fixture.cluster.url('postgres') });
    await client.connect();
    try {
      const found = await client.query<{ application_name: string }>("SELECT application_name FROM pg_stat_activity WHERE datname = 'reads' AND application_name = 'pitwall'");
      assert.equal(found.rows.length, 1, 'the open store is one session named pitwall');
    } finally {
      await client.end();
    }
    // A write outside the store's own transactions is refused by the session itself.
    const store = pg as unknown as { client: Client };
    await assert.rejects(store.client.query('UPDATE alerts SET acknowledged = true'), /read-only transaction/);
    const settings = await store.client.query<{ tz: string; to: string }>("SELECT current_setting('TimeZone') AS tz, current_setting('statement_timeout') AS to");
    assert.deepEqual(settings.rows[0], { tz: 'UTC', to: '2min' });
  });

  it('reads the Python system\'s settings first, then a URL', () => {
    assert.deepEqual(postgresSettingsOf('postgres:', { MONITORING_DB_HOST: 'db', MONITORING_DB_PASSWORD: 'p@ss:/word', MONITORING_DB_URL: 'postgres://u@elsewhere/x' }), {
      host: 'db',
      port: 5432,
      user: 'postgres',
      password: 'p@ss:/word',
      database: 'f1_predict_monitoring',
    });
    assert.deepEqual(postgresSettingsOf('postgresql:', { MONITORING_DB_URL: 'postgresql+psycopg2://u:p%40@h:6000/x' }), { host: 'h', port: 6000, user: 'u', password: 'p@', database: 'x' });
    assert.throws(() => postgresSettingsOf('postgres:', {}), (error: PitwallError) => error.code === 'input' && /MONITORING_DB_HOST/.test(error.message));
    assert.throws(() => postgresSettingsOf('postgres:', { MONITORING_DB_PORT: 'abc' }), /MONITORING_DB_PORT must be a port number/);
  });
});

import * as assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PitwallError } from '../../../../../src/core/errors';
import type { AlertRule } from '../../../../../src/core/model/alertRule';
import type { AlertContextRecord, AlertWhy } from '../../../../../src/core/model/alertWhy';
import type { DeliveryRecord } from '../../../../../src/core/model/delivery';
import type { Silence } from '../../../../../src/core/model/silence';
import { openStore } from '../../../../../src/core/store/openStore';
import { PostgresStore } from '../../../../../src/core/store/postgres/postgresStore';
import type { NewAlert, Store } from '../../../../../src/core/store/store';
import { startPostgresFixture, type PostgresFixture } from './support';

const T = 1_795_000_000.123456;

function pythonColumns(fixture: PostgresFixture, database: string): string {
  return fixture.cluster.psql(
    database,
    "SELECT table_name || '.' || column_name || ':' || data_type || ':' || coalesce(column_default, '') FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE 'pitwall%' ORDER BY 1",
  );
}

function pitwallTables(fixture: PostgresFixture, database: string): string[] {
  const found = fixture.cluster.psql(database, "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'pitwall%'");
  return found === '' ? [] : found.split(',');
}

const silence = (id: string, fields: Partial<Silence> = {}): Silence => ({
  id,
  matchers: { rule_id: 'acc_low' },
  starts_at: T,
  ends_at: T + 7200,
  comment: 'deploying v1.2',
  created_by: 'oncall',
  created_at: T,
  ...fields,
});

const delivery = (alert: string, status: DeliveryRecord['status'], error: string | null = null): DeliveryRecord => ({
  alert,
  rule_id: 'acc_low',
  kind: 'firing',
  channel: 'webhook',
  status,
  attempts: status === 'delivered' ? 1 : 3,
  error,
  evaluated_at: T,
  finished_at: T + 0.25,
  elapsed_ms: 250.5,
});

const why: AlertWhy = {
  kind: 'performance',
  rule_id: 'acc_low',
  model_version: 'v1.1',
  metric: 'accuracy',
  baseline: { from: 0, to: 10 },
  current: { from: 10, to: 20 },
  labelled: { baseline: 3, current: 4 },
  segments: [],
  drifted_features: [{ feature: 'track_temp', statistic: 'psi', value: 0.5, importance: null, weighted: null }],
  feature: null,
};

const newAlert = (alertId: string | undefined, at: number): NewAlert => ({
  ...(alertId === undefined ? {} : { alert_id: alertId }),
  timestamp: at,
  severity: 'warning',
  title: 'Accuracy below 0.8',
  message: 'accuracy 0.71 < 0.8',
  metric_name: 'accuracy',
  metric_value: 0.71,
  threshold: 0.8,
  component: 'model',
  model_version: 'v1.1',
  acknowledged: false,
  acknowledged_at: null,
  acknowledged_by: null,
});

describe('PostgreSQL store writes on a real server: the same records as the SQLite store writes', function () {
  this.timeout(120_000);
  let fixture: PostgresFixture;

  before(async () => {
    fixture = await startPostgresFixture();
  });
  after(() => fixture?.close());

  /** The same write on a fresh clone and on a copy of the SQLite file with the same rows. */
  async function both(name: string, work: (pg: Store, sqlite: Store) => Promise<void>): Promise<void> {
    const url = fixture.clone(name);
    const copy = join(fixture.root, `${name}.db`);
    copyFileSync(fixture.sqlite, copy);
    const pg = await openStore(url);
    const sqlite = await openStore(copy);
    try {
      await work(pg, sqlite);
    } finally {
      await pg.close();
      await sqlite.close();
    }
  }

  it('adds, replaces, disables, removes rules and records cooldowns as SQLite does, updated_at moved, the Python tables untouched', async () => {
    const before = pythonColumns(fixture, 'base');
    await both('rules', async (pg, sqlite) => {
      const [existing] = await sqlite.readRules();
      assert.ok(existing !== undefined);
      const added: AlertRule = { ...existing, rule_id: 'latency_high', metric_name: 'latency_p95', threshold: 250.5, comparison: '>', for_minutes: 15, min_samples: 40, last_triggered: null };
      for (const store of [pg, sqlite]) {
        await store.saveRule(added);
        await store.saveRule({ ...existing, enabled: false, threshold: 0.61 });
        await store.markRuleTriggered(added.rule_id, T);
        await store.markRuleTriggered('no-such-rule', T);
      }
      const rules = await pg.readRules();
      assert.deepEqual(rules, await sqlite.readRules());
      assert.deepEqual(rules.find((rule) => rule.rule_id === 'latency_high'), { ...added, last_triggered: T }, 'Pitwall fields and the cooldown to the microsecond');
      assert.equal(rules.find((rule) => rule.rule_id === existing.rule_id)?.enabled, false);
      const touched = fixture.cluster.psql('rules', `SELECT updated_at > created_at FROM alert_rules WHERE rule_id = '${existing.rule_id}'`);
      assert.equal(touched, 't', 'updated_at moves as SQLAlchemy onupdate moves it');
      assert.deepEqual([await pg.deleteRule('latency_high'), await pg.deleteRule('latency_high')], [true, false]);
      assert.deepEqual([await sqlite.deleteRule('latency_high'), await sqlite.deleteRule('latency_high')], [true, false]);
      assert.deepEqual(await pg.readRules(), await sqlite.readRules());
      await assert.rejects(pg.saveRule({ ...existing, threshold: Number.NaN }), (error: PitwallError) => error.code === 'input' && /alert rule is not valid: threshold/.test(error.message));
      assert.deepEqual(pitwallTables(fixture, 'rules'), [], 'rule writes create none of Pitwall\'s tables');
    });
    assert.equal(pythonColumns(fixture, 'rules'), before);
  });

  it('refuses to overwrite a rule row it cannot read, naming the row', async () => {
    await both('unreadable', async (pg) => {
      const [rule] = await pg.readRules();
      assert.ok(rule !== undefined);
      fixture.cluster.psql('unreadable', `UPDATE alert_rules SET comparison = 'bogus' WHERE rule_id = '${rule.rule_id}'`);
      const id = fixture.cluster.psql('unreadable', `SELECT id FROM alert_rules WHERE rule_id = '${rule.rule_id}'`);
      await assert.rejects(pg.saveRule(rule), (error: PitwallError) => error.code === 'conflict' && new RegExp(`alert_rules row ${id} already has rule_id "${rule.rule_id}"`).test(error.message));
      assert.equal(fixture.cluster.psql('unreadable', `SELECT comparison FROM alert_rules WHERE rule_id = '${rule.rule_id}'`), 'bogus', 'left as it was');
    });
  });

  it('records firing states, silences (added, replaced, ended), deliveries and alert contexts in pitwall_* tables each write creates, read back as SQLite reads them', async () => {
    const before = pythonColumns(fixture, 'base');
    await both('records', async (pg, sqlite) => {
      assert.deepEqual(pitwallTables(fixture, 'records'), []);
      for (const store of [pg, sqlite]) {
        await store.updateAlertStates({ 'acc_low|v1.1': T, 'drift|v1.0': T + 1 }, []);
        await store.updateAlertStates({ 'ece|v1.1': T + 2 }, ['drift|v1.0', 'never-fired']);
        await store.saveSilence(silence('b'));
        await store.saveSilence(silence('a', { matchers: { model_version: 'v1.1', severity: 'critical' } }));
        await store.saveSilence(silence('b', { comment: 'extended', ends_at: T + 9000 }));
        assert.equal(await store.expireSilence('a', T + 60), true);
        assert.equal(await store.expireSilence('nope', T), false);
        await store.recordDeliveries([delivery('12', 'delivered'), delivery('12', 'failed', 'HTTP 503')]);
        await store.recordAlertContexts([{ alert: '12', recorded_at: T, why }, { alert: '13', recorded_at: T, why: { ...why, rule_id: 'other' } }]);
        await store.recordAlertContexts([{ alert: '12', recorded_at: T + 5, why: { ...why, model_version: 'v1.2' } }]);
      }
      assert.deepEqual({ ...(await pg.readAlertStates()) }, { 'acc_low|v1.1': T, 'ece|v1.1': T + 2 });
      assert.deepEqual({ ...(await pg.readAlertStates()) }, { ...(await sqlite.readAlertStates()) });
      const silences = await pg.readSilences();
      assert.deepEqual(silences, await sqlite.readSilences());
      assert.deepEqual(silences.map((s) => [s.id, s.ends_at]), [['a', T + 60], ['b', T + 9000]], 'a replaced silence reads last, an ended one ends then');
      assert.deepEqual(await pg.readDeliveries(), await sqlite.readDeliveries());
      assert.deepEqual((await pg.readDeliveries({ alert: '12' })).records.map((d) => d.error), [null, 'HTTP 503']);
      assert.deepEqual(await pg.readAlertContexts(), await sqlite.readAlertContexts());
      assert.deepEqual((await pg.readAlertContexts(['12'])).records.map((r) => [r.recorded_at, r.why.model_version]), [[T + 5, 'v1.2']]);
      assert.deepEqual(pitwallTables(fixture, 'records'), ['pitwall_alert_context', 'pitwall_alert_state', 'pitwall_deliveries', 'pitwall_silences']);
      await assert.rejects(pg.recordDeliveries([delivery('14', 'delivered'), { ...delivery('15', 'delivered'), attempts: -1 }]), (error: PitwallError) => error.code === 'input');
      await assert.rejects(pg.recordAlertContexts([{ alert: '', recorded_at: T, why } as AlertContextRecord]), (error: PitwallError) => error.code === 'input');
      assert.equal((await pg.readDeliveries()).records.length, 2, 'a refused batch writes nothing');
    });
    assert.equal(pythonColumns(fixture, 'records'), before);
  });

  it('records alerts (a UUID alert_id when none is given), one evaluation\'s firings in one transaction, and refuses a duplicate alert_id writing nothing', async () => {
    await both('alerts', async (pg, sqlite) => {
      const given = await pg.appendAlert(newAlert('given-1', T));
      assert.deepEqual(given, await sqlite.appendAlert(newAlert('given-1', T)));
      const assigned = await pg.appendAlert(newAlert(undefined, T + 1));
      assert.match(assigned.alert_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.deepEqual(await pg.readAlert(assigned.key), assigned);
      assert.equal(assigned.timestamp, T + 1);
      const [rule] = await pg.readRules();
      assert.ok(rule !== undefined);
      const fired = await pg.recordFirings?.({ 'acc_low|v1.1': T + 2 }, [], [rule.rule_id], T + 2, [newAlert('fired-1', T + 2), newAlert('fired-2', T + 2)]);
      assert.deepEqual(fired?.map((alert) => [alert.alert_id, Number(alert.key)]), [
        ['fired-1', Number(assigned.key) + 1],
        ['fired-2', Number(assigned.key) + 2],
      ]);
      assert.equal((await pg.readRules()).find((r) => r.rule_id === rule.rule_id)?.last_triggered, T + 2);
      const counts = await pg.counts();
      // A duplicate alert_id among an evaluation's alerts: none of its parts is written.
      await assert.rejects(
        pg.recordFirings?.({ 'other|v1.0': T + 3 }, ['acc_low|v1.1'], [], T + 3, [newAlert('fresh', T + 3), newAlert('fired-1', T + 3)]) ?? Promise.resolve(),
        (error: PitwallError) => error.code === 'conflict' && /alert_id "fired-1" is already recorded/.test(error.message),
      );
      assert.deepEqual(await pg.counts(), counts);
      assert.deepEqual({ ...(await pg.readAlertStates()) }, { 'acc_low|v1.1': T + 2 });
      await assert.rejects(pg.appendAlert({ ...newAlert('bad', T), severity: 'loud' } as never), (error: PitwallError) => error.code === 'input' && /severity/.test(error.message));
    });
  });

  it('records predictions, health and metric snapshots, drift results, degradation analyses and feature importance as SQLite does, to the microsecond', async () => {
    await both('python', async (pg, sqlite) => {
      const prediction = { timestamp: T, model_version: 'v1.2', prediction_id: 'p-new', predicted_outcome: 1, confidence: 0.875, features: { track_temp: 31.5, team: 'red' }, metadata: { source: 'test' } } as const;
      const [health] = await sqlite.readHealthSnapshots({ limit: 1 });
      const [metric] = await sqlite.readMetricSnapshots({ limit: 1 });
      const [drift] = await sqlite.readDriftResults({ limit: 1 });
      const [degradation] = await sqlite.readDegradationAnalyses({ limit: 1 });
      assert.ok(health && metric && drift && degradation);
      const importance = { timestamp: T, model_version: 'v1.1', feature_name: 'track_temp', importance_score: 0.42, shap_value: -0.013, percentage: 12.5, rank: 2 };
      for (const store of [pg, sqlite]) {
        await store.recordPrediction(prediction);
        await store.recordHealthSnapshot({ ...health, timestamp: T, degradation_detected: true });
        await store.recordMetricSnapshot({ ...metric, timestamp: T });
        await store.recordDriftResult({ ...drift, timestamp: T });
        await store.recordDegradationAnalysis({ ...degradation, timestamp: T });
        await store.recordFeatureImportance(importance);
      }
      assert.deepEqual(await pg.readPrediction('p-new'), await sqlite.readPrediction('p-new'));
      assert.equal((await pg.readPrediction('p-new'))?.timestamp, T);
      const recent = { from: T - 1 };
      assert.deepEqual(await pg.readHealthSnapshots(recent), await sqlite.readHealthSnapshots(recent));
      assert.equal((await pg.readHealthSnapshots(recent)).length, 1);
      assert.deepEqual(await pg.readMetricSnapshots(recent), await sqlite.readMetricSnapshots(recent));
      assert.deepEqual(await pg.readDriftResults(recent), await sqlite.readDriftResults(recent));
      assert.deepEqual(await pg.readDegradationAnalyses(recent), await sqlite.readDegradationAnalyses(recent));
      assert.deepEqual(await pg.readFeatureImportance(recent), await sqlite.readFeatureImportance(recent));
      assert.deepEqual(await pg.counts(), await sqlite.counts());
      await assert.rejects(pg.recordPrediction(prediction), (error: PitwallError) => error.code === 'conflict' && /prediction_id "p-new" is already recorded/.test(error.message));
      await assert.rejects(pg.recordPrediction({ ...prediction, prediction_id: 'p-bad', confidence: 2 }), (error: PitwallError) => error.code === 'input' && /confidence/.test(error.message));
    });
  });

  it('creates a Pitwall table once when two processes write their first silence at the same moment', async () => {
    const url = fixture.clone('race');
    const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
    try {
      await Promise.all(stores.map((store, index) => store.saveSilence(silence(`s${index}`))));
      await Promise.all(stores.map((store, index) => store.updateAlertStates({ [`f${index}`]: T }, [])));
      assert.deepEqual((await stores[0]?.readSilences())?.map((s) => s.id).sort(), ['s0', 's1', 's2']);
      assert.deepEqual(Object.keys((await stores[1]?.readAlertStates()) ?? {}).sort(), ['f0', 'f1', 'f2']);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('keeps every write of a second process that inserts alerts while Pitwall adds rules, silences and firing states', async () => {
    const url = fixture.clone('concurrent_writes');
    const other = fixture.cluster.psqlAsync(
      'concurrent_writes',
      `DO $$ BEGIN FOR k IN 1..40 LOOP
         INSERT INTO alerts (alert_id, timestamp, severity, acknowledged) VALUES ('py-' || k, now(), 'info', false);
         INSERT INTO alert_rules (rule_id, metric_name, metric_type, threshold, comparison, severity, component, enabled, cooldown_minutes, channels, conditions)
           SELECT 'py-rule-' || k, metric_name, metric_type, threshold, comparison, severity, component, enabled, cooldown_minutes, channels, conditions FROM alert_rules ORDER BY id LIMIT 1;
         COMMIT; PERFORM pg_sleep(0.01); END LOOP; END $$`,
    );
    const store = await openStore(url);
    try {
      const [template] = await store.readRules();
      assert.ok(template !== undefined);
      for (let index = 0; index < 20; index++) {
        await store.saveRule({ ...template, rule_id: `mine-${index}` });
        await store.saveSilence(silence(`mine-${index}`));
        await store.recordFirings?.({ [`mine-${index}`]: T + index }, [], [template.rule_id], T + index, [newAlert(`mine-${index}`, T + index)]);
      }
      await other;
      const rules = (await store.readRules()).map((rule) => rule.rule_id);
      assert.equal(rules.filter((id) => id.startsWith('mine-')).length, 20);
      assert.equal(rules.filter((id) => id.startsWith('py-rule-')).length, 40);
      const alerts = (await store.readAlerts()).map((alert) => alert.alert_id);
      assert.equal(alerts.filter((id) => id.startsWith('py-')).length, 40);
      assert.equal(alerts.filter((id) => id.startsWith('mine-')).length, 20);
      assert.equal((await store.readSilences()).length, 20);
      assert.equal(Object.keys(await store.readAlertStates()).length, 20);
    } finally {
      await store.close();
    }
  });

  it('refuses every write on a store opened read-only, and a write to a table the database lacks, writing nothing', async () => {
    const url = fixture.clone('refusals');
    fixture.cluster.psql('refusals', 'DROP TABLE drift_results');
    const readOnly = await PostgresStore.open(url, { readOnly: 'untrusted workspace' });
    const store = await openStore(url);
    try {
      await assert.rejects(readOnly.saveSilence(silence('x')), (error: PitwallError) => error.code === 'read-only' && /untrusted workspace/.test(error.message));
      await assert.rejects(readOnly.saveRule((await readOnly.readRules())[0] as AlertRule), (error: PitwallError) => error.code === 'read-only');
      const [drift] = await (await openStore(fixture.sqlite)).readDriftResults({ limit: 1 });
      await assert.rejects(store.recordDriftResult(drift as never), (error: PitwallError) => error.code === 'unsupported' && /has no table drift_results/.test(error.message));
      assert.deepEqual(pitwallTables(fixture, 'refusals'), []);
    } finally {
      await readOnly.close();
      await store.close();
    }
  });
});

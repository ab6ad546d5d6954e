import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { formatMigrationReport, migrateJsonlToSqlite, type MigrationReport } from '../../../../src/core/store/migrate';
import { pitwall } from '../../cli/runCli';
import { withOpenStore } from '../../withOpenStore';

function sql(db: string, query: string): string {
  const result = spawnSync('sqlite3', [db, query], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

function part(report: MigrationReport, name: string) {
  const found = report.parts.find((each) => each.part === name);
  assert.ok(found, `the report has ${name}`);
  return found;
}

const AT = Date.UTC(2026, 9, 20) / 1000;
const SILENCE = { id: 'maint', matchers: { model_version: 'v1.0' }, starts_at: AT, ends_at: AT + 3600, comment: 'deploy', created_by: 'ops', created_at: AT };

/**
 * A generated folder with everything Pitwall keeps of its own: two alerts with one alert_id (the
 * second one's key is `<id>#2`), acknowledged with and without a comment, a silence, a firing
 * state, deliveries naming alerts by key and a condition by fingerprint, and a rule's cooldown
 * and for_minutes in alert_rules.pitwall.json.
 */
async function folderWithPitwallRecords(root: string): Promise<{ folder: string; twin: string; fingerprint: string; ruleId: string }> {
  await generateDataset({ outDir: root, predictions: 1500, seed: 3, format: 'jsonl' });
  const folder = join(root, 'monitoring');
  const twin = 'alert_twin';
  const fingerprint = JSON.stringify(['acc_low', 'v1.1', null]);
  let ruleId = '';
  await withOpenStore(folder, async (store) => {
    const base = { severity: 'warning' as const, title: 't', message: 'm', metric_name: 'accuracy', metric_value: 0.5, threshold: 0.7, component: 'performance', model_version: 'v1.1', acknowledged: false, acknowledged_at: null, acknowledged_by: null };
    const first = await store.appendAlert({ ...base, alert_id: twin, timestamp: AT });
    const second = await store.appendAlert({ ...base, alert_id: twin, timestamp: AT + 60 });
    assert.deepEqual([first.key, second.key], [`${twin}#1`, `${twin}#2`]);
    await store.acknowledgeAlerts([second.key], 'alice', AT + 120, 'retraining tonight');
    await store.acknowledgeAlerts([first.key], 'bob', AT + 180);
    await store.saveSilence(SILENCE);
    await store.updateAlertStates({ [fingerprint]: AT + 60 }, []);
    const delivery = { rule_id: 'acc_low', channel: 'console' as const, status: 'delivered' as const, attempts: 1, error: null, evaluated_at: AT + 60, finished_at: AT + 61, elapsed_ms: 5 };
    await store.recordDeliveries([
      { ...delivery, alert: second.key, kind: 'firing' },
      { ...delivery, alert: fingerprint, kind: 'resolved', evaluated_at: AT + 600, finished_at: AT + 601 },
    ]);
    const [rule] = await store.readRules();
    assert.ok(rule);
    ruleId = rule.rule_id;
    await store.saveRule({ ...rule, for_minutes: 15, min_samples: 40 });
    await store.markRuleTriggered(rule.rule_id, AT + 7200);
  });
  return { folder, twin, fingerprint, ruleId };
}

describe('migrate keeps Pitwall’s own records', () => {
  let root: string;
  let made: Awaited<ReturnType<typeof folderWithPitwallRecords>>;
  let target: string;
  let report: MigrationReport;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-migrate-own-'));
    made = await folderWithPitwallRecords(root);
    target = join(root, 'migrated.db');
    report = await migrateJsonlToSqlite(made.folder, target);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('counts every Pitwall table it wrote, and lists them in the printed report', () => {
    assert.deepEqual([part(report, 'pitwall_acknowledgments').inserted, part(report, 'pitwall_silences').inserted, part(report, 'pitwall_alert_state').inserted, part(report, 'pitwall_deliveries').inserted, part(report, 'pitwall_alert_keys').inserted], [2, 1, 1, 2, 1]);
    const text = formatMigrationReport(report);
    for (const table of ['pitwall_acknowledgments', 'pitwall_silences', 'pitwall_alert_state', 'pitwall_deliveries', 'pitwall_alert_keys']) {
      assert.match(text, new RegExp(`^${table} +\\S+ +\\d`, 'm'), table);
    }
    assert.deepEqual(report.diagnostics, []);
  });

  it('keeps alert keys resolvable: `<id>#1` and `<id>#2` find the same alerts as before', async () => {
    await withOpenStore(target, async (store) => {
      const first = await store.readAlert(`${made.twin}#1`);
      const second = await store.readAlert(`${made.twin}#2`);
      assert.equal(first?.alert_id, made.twin);
      assert.equal(first?.acknowledged_by, 'bob');
      assert.equal(second?.alert_id, `${made.twin}-2`);
      assert.equal(second?.acknowledged_by, 'alice');
      assert.equal(await store.readAlert(`${made.twin}#3`), undefined);
    });
  });

  it('carries acknowledgment comments, tied to the right alert rows', async () => {
    const rows = sql(target, `SELECT a.alert_id, p.acknowledged_by, p.comment FROM pitwall_acknowledgments p JOIN alerts a ON a.id = p.alert_row_id ORDER BY p.id`);
    assert.equal(rows, `${made.twin}-2|alice|retraining tonight\n${made.twin}|bob|`);
  });

  it('carries silences, firing states, cooldowns and rule fields as the store reads them back', async () => {
    await withOpenStore(target, async (store) => {
      assert.deepEqual(await store.readSilences(), [SILENCE]);
      assert.deepEqual({ ...(await store.readAlertStates()) }, { [made.fingerprint]: AT + 60 });
      const rule = (await store.readRules()).find((r) => r.rule_id === made.ruleId);
      assert.equal(rule?.for_minutes, 15);
      assert.equal(rule?.min_samples, 40);
      assert.equal(rule?.last_triggered, AT + 7200);
    });
  });

  it('carries the delivery log, a delivery naming its alert by the row key the database gives it', async () => {
    await withOpenStore(target, async (store) => {
      const second = await store.readAlert(`${made.twin}#2`);
      const { records, problems } = await store.readDeliveries();
      assert.deepEqual(problems, []);
      assert.deepEqual(records.map((r) => [r.alert, r.kind]), [[second?.key, 'firing'], [made.fingerprint, 'resolved']]);
    });
  });

  it('adds nothing the second time', async () => {
    const again = await migrateJsonlToSqlite(made.folder, target);
    for (const each of again.parts) assert.equal(each.inserted, 0, `${each.part} adds nothing the second time`);
    assert.equal(part(again, 'pitwall_acknowledgments').present, 2);
    assert.equal(part(again, 'pitwall_deliveries').present, 2);
    assert.equal(sql(target, 'SELECT count(*) FROM pitwall_acknowledgments'), '2');
  });

  it('names a damaged silences file and an acknowledgment of an unknown alert, and migrates the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pitwall-migrate-own-bad-'));
    try {
      const bad = await folderWithPitwallRecords(dir);
      writeFileSync(join(bad.folder, 'silences.pitwall.json'), '[{"id": "x"');
      writeFileSync(join(bad.folder, 'acknowledgments.jsonl'), `${JSON.stringify({ alert_key: 'alert_nope#1', alert_id: 'alert_nope', acknowledged_at: AT, acknowledged_by: 'eve', comment: 'lost?' })}\n`, { flag: 'a' });
      const result = await migrateJsonlToSqlite(bad.folder, join(dir, 'out.db'));
      const messages = result.diagnostics.map((d) => d.message).join('\n');
      assert.match(messages, /silences\.pitwall\.json was not migrated/);
      assert.match(messages, /acknowledgments\.jsonl line 3.*alert_nope#1/);
      assert.equal(part(result, 'pitwall_silences').skipped, 1);
      assert.equal(part(result, 'pitwall_acknowledgments').inserted, 2);
      assert.equal(part(result, 'pitwall_deliveries').inserted, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('through the CLI: lists the tables, and `ack`/`unack` on the new database find alerts by their old keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pitwall-migrate-own-cli-'));
    try {
      const cli = await folderWithPitwallRecords(dir);
      const db = join(dir, 'cli.db');
      const run = await pitwall('migrate', cli.folder, db);
      assert.equal(run.status, 0, run.stderr);
      for (const table of ['pitwall_acknowledgments', 'pitwall_silences', 'pitwall_alert_state', 'pitwall_deliveries', 'pitwall_alert_keys']) assert.match(run.stdout, new RegExp(`^${table} `, 'm'));
      const unack = await pitwall('unack', db, `${cli.twin}#2`);
      assert.equal(unack.status, 0, unack.stderr);
      assert.match(unack.stdout, /^unacknowledged \d+$/m);
      const missing = await pitwall('unack', db, `${cli.twin}#9`);
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /alert_twin#9/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

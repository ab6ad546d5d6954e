/**
 * An evaluation's firing states, cooldowns and alerts go to a database in one transaction: when
 * any part fails, none of it is written, so a rerun neither skips nor repeats a notification.
 */
import assert from 'node:assert/strict';
import { generateDataset } from '../../../../../scripts/generator/generateDataset';
import { SqliteStore } from '../../../../../src/core/store/sqlite/sqliteStore';
import { NEW_ALERT } from '../jsonl/support';
import { makeTempDir, runPython } from './support';

/** An open alert as the evaluation creates it. */
const alert = NEW_ALERT;

describe('SqliteStore.recordFirings', function () {
  this.timeout(60_000);
  const dir = makeTempDir();
  let path = '';
  before(async function () {
    path = (await generateDataset({ outDir: dir.path, predictions: 300, seed: 3, format: 'sqlite' })).databasePath as string;
  });
  after(() => dir.remove());

  it('writes the firing state, the cooldown and the alert together', async function () {
    const store = await SqliteStore.open(path);
    try {
      const rule = (await store.readRules())[0];
      assert.ok(rule !== undefined);
      const before = await store.countAlerts();
      const created = await store.recordFirings({ 'fp-together': 1_791_000_000 }, [], [rule.rule_id], 1_791_000_000, [alert]);
      assert.equal(created.length, 1);
      assert.equal(created[0]?.message, alert.message);
      assert.equal(await store.countAlerts(), before + 1);
      assert.equal((await store.readAlertStates())['fp-together'], 1_791_000_000);
      assert.equal((await store.readRules()).find((r) => r.rule_id === rule.rule_id)?.last_triggered, 1_791_000_000);
    } finally {
      await store.close();
    }
  });

  it('writes none of them when the alert cannot be written', async function () {
    // The database itself refuses the alert, after the state and the cooldown in the same transaction.
    runPython([{ op: 'open', path }, { op: 'exec', sql: "CREATE TRIGGER refuse_alerts BEFORE INSERT ON alerts BEGIN SELECT RAISE(ABORT, 'no new alerts'); END" }, { op: 'close' }]);
    const store = await SqliteStore.open(path);
    try {
      const rule = (await store.readRules())[1];
      assert.ok(rule !== undefined);
      const before = { alerts: await store.countAlerts(), triggered: rule.last_triggered };
      await assert.rejects(store.recordFirings({ 'fp-refused': 1_791_100_000 }, [], [rule.rule_id], 1_791_100_000, [alert]), /no new alerts/);
      assert.equal(await store.countAlerts(), before.alerts);
      assert.equal((await store.readAlertStates())['fp-refused'], undefined);
      assert.equal((await store.readRules()).find((r) => r.rule_id === rule.rule_id)?.last_triggered, before.triggered);
    } finally {
      await store.close();
    }
  });
});

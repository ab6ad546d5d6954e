import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../../scripts/generator/generateDataset';
import { openStore } from '../../../../../src/core/store/openStore';
import type { SqliteStore } from '../../../../../src/core/store/sqlite/sqliteStore';

describe('SQLite alert counts by severity and by model, from one pass', function () {
  this.timeout(60_000);
  let root = '';
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-alert-counts-'));
    await generateDataset({ outDir: root, predictions: 3000, seed: 12 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  function shell(db: string, sql: string): string {
    const run = spawnSync('sqlite3', [db, sql], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return run.stdout.trim();
  }

  it('agree with the sqlite3 shell, and follow an acknowledgment made here and one made by another process', async () => {
    const db = join(root, 'monitoring.db');
    const store = (await openStore(db)) as SqliteStore;
    try {
      const check = async () => {
        const bySeverity = await store.countAlertsBySeverity();
        const byModel = await store.countOpenAlertsByModel();
        const expected = shell(db, "SELECT severity, count(*), sum(acknowledged IS NOT 1) FROM alerts GROUP BY severity ORDER BY severity");
        assert.equal(bySeverity.map((g) => `${g.severity}|${g.total}|${g.open}`).sort().join('\n'), expected);
        const open = shell(db, "SELECT severity, coalesce(model_version, ''), count(*) FROM alerts WHERE acknowledged IS NOT 1 GROUP BY 1, 2 ORDER BY 1, 2");
        assert.equal(byModel.map((g) => `${g.severity}|${g.model_version ?? ''}|${g.open}`).sort().join('\n'), open);
        return bySeverity.reduce((sum, g) => sum + g.open, 0);
      };
      // Some alerts open, of more than one severity.
      shell(db, 'UPDATE alerts SET acknowledged = 0, acknowledged_at = NULL, acknowledged_by = NULL WHERE id IN (SELECT id FROM alerts ORDER BY id LIMIT 6)');
      await store.refresh();
      const before = await check();
      assert.ok(before >= 2, `${before} open alerts`);
      const [first] = await store.readAlerts({ acknowledged: false, limit: 1 });
      assert.ok(first);
      await store.acknowledgeAlerts([first.key], 'counts-test', 1_800_000_000);
      assert.equal(await check(), before - 1);
      shell(db, 'UPDATE alerts SET acknowledged = 1 WHERE id = (SELECT max(id) FROM alerts WHERE acknowledged IS NOT 1)');
      await store.refresh();
      assert.equal(await check(), before - 2);
    } finally {
      await store.close();
    }
  });
});

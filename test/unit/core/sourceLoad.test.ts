/**
 * The editor's first screen and its alert pages: groups as the store counts them, pages of a
 * group in the Alerts view's order (open newest first, then acknowledged newest first) that add
 * up to the whole group, on a folder and on a database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import { loadFirstScreen, loadPredictionCounts, readAlertGroupPage, readAlertGroups } from '../../../src/core/sourceLoad';
import { openStore } from '../../../src/core/store/openStore';

describe('sourceLoad', function () {
  this.timeout(60_000);
  let dir = '';
  let sources: string[] = [];
  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'pitwall-source-load-'));
    const generated = await generateDataset({ outDir: dir, predictions: 6000, seed: 9 });
    sources = [generated.jsonlDir as string, generated.databasePath as string];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('pages every group in the view’s order, the pages adding up to the whole group', async function () {
    for (const path of sources) {
      const store = await openStore(path, { readOnly: 'test' });
      try {
        const groups = await readAlertGroups(store);
        assert.ok(groups.length > 0);
        for (const group of groups) {
          const open = await store.readAlerts({ severity: group.severity, acknowledged: false });
          const acknowledged = await store.readAlerts({ severity: group.severity, acknowledged: true });
          const whole = [...open, ...acknowledged].map((alert) => alert.key);
          assert.equal(whole.length, group.total);
          assert.equal(open.length, group.open);
          for (const size of [1, 3, 7]) {
            const paged: string[] = [];
            for (let offset = 0; offset < group.total; offset += size) paged.push(...(await readAlertGroupPage(store, group.severity, group.open, offset, size)).map((alert) => alert.key));
            assert.deepEqual(paged, whole, `${path} ${group.severity} in pages of ${size}`);
          }
        }
      } finally {
        await store.close();
      }
    }
  });

  it('reads the first screen and the prediction counts as the store counts them', async function () {
    for (const path of sources) {
      const store = await openStore(path, { readOnly: 'test' });
      try {
        const first = await loadFirstScreen(store, 5);
        const counts = await store.counts();
        assert.equal(first.alerts, counts.alerts);
        assert.equal(first.unacknowledgedAlerts, counts.unacknowledgedAlerts);
        assert.equal(first.rules.length, counts.rules);
        assert.ok(first.firstPage.length > 0 && first.firstPage.length <= 5);
        assert.equal(first.firstPage[0]?.severity, first.groups[0]?.severity);
        const predictions = await loadPredictionCounts(store);
        assert.equal(predictions.predictions, counts.predictions);
        assert.equal(predictions.labelled, await store.countPredictions({ hasOutcome: true }));
        assert.equal(predictions.versions.reduce((sum, version) => sum + version.predictions, 0), counts.predictions);
      } finally {
        await store.close();
      }
    }
  });
});

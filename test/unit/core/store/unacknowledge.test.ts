import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { openStore } from '../../../../src/core/store/openStore';
import { pitwall } from '../../cli/runCli';

describe('taking acknowledgments back', function () {
  this.timeout(60_000);
  let root = '';
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-unack-'));
    await generateDataset({ outDir: root, predictions: 6000, seed: 8 });
  });
  after(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`returns acknowledged alerts to open, one or many, and leaves the rest alone (${kind})`, async () => {
      const source = kind === 'jsonl' ? join(root, 'monitoring') : join(root, 'monitoring.db');
      const before = kind === 'jsonl' ? readFileSync(join(source, 'alerts.jsonl'), 'utf8').split('\n') : [];
      const store = await openStore(source);
      try {
        const open = await store.readAlerts({ acknowledged: false, limit: 3 });
        const keys = open.map((a) => a.key);
        assert.equal(keys.length, 3);
        await store.acknowledgeAlerts(keys, 'ana', 1_790_900_000, 'looking');
        const result = await store.unacknowledgeAlerts([...keys.slice(0, 2), keys[0] as string, 'no-such-key']);
        assert.deepEqual(result.unacknowledged, keys.slice(0, 2));
        assert.deepEqual(result.notFound, ['no-such-key']);
        for (const key of keys.slice(0, 2)) {
          const alert = await store.readAlert(key);
          assert.deepEqual([alert?.acknowledged, alert?.acknowledged_at, alert?.acknowledged_by], [false, null, null]);
        }
        assert.equal((await store.readAlert(keys[2] as string))?.acknowledged, true, 'the third stays acknowledged');
        assert.deepEqual((await store.unacknowledgeAlerts([keys[0] as string])).notAcknowledged, [keys[0]]);
      } finally {
        await store.close();
      }
      if (kind === 'jsonl') {
        // Only the third alert's line differs from before; the Python reader still takes every line.
        const after = readFileSync(join(source, 'alerts.jsonl'), 'utf8').split('\n');
        assert.equal(after.length, before.length);
        assert.equal(after.filter((line, i) => line !== before[i]).length, 1);
        const python = spawnSync('python3', ['-c', 'import json,sys\nfor line in open(sys.argv[1]):\n    json.loads(line)\nprint("ok")', join(source, 'alerts.jsonl')], { encoding: 'utf8' });
        assert.equal(python.stdout.trim(), 'ok', python.stderr);
      }
    });
  }

  it('is a CLI command that exits 2 for an unknown alert', async () => {
    const db = join(root, 'monitoring.db');
    const open = JSON.parse((await pitwall('alerts', db, '--json', '--unacknowledged', '--limit', '1')).stdout) as { alert_id: string }[];
    const id = (open[0] as { alert_id: string }).alert_id;
    assert.equal((await pitwall('ack', db, id, '--by', 'ana')).status, 0);
    const result = await pitwall('unack', db, id, '--json');
    assert.equal(result.status, 0, result.stderr);
    assert.ok((JSON.parse(result.stdout) as { unacknowledged: string[] }).unacknowledged.length >= 1);
    assert.equal((await pitwall('unack', db, 'alert_nope')).status, 2);
  });
});

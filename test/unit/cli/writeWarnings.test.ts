import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pitwall } from './runCli';
import { generateDataset } from '../../../scripts/generator/generateDataset';

describe('a command that writes reports the problems of what it read', () => {
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-write-warnings-'));
    await generateDataset({ outDir: root, predictions: 2000, seed: 8 });
    // One damaged alert in each source: the rest still loads, and every command says so.
    appendFileSync(join(root, 'monitoring', 'alerts.jsonl'), '{"timestamp": 1790000000, "alert_id": \n');
    const update = spawnSync('sqlite3', [join(root, 'monitoring.db'), "UPDATE alerts SET severity = 'bogus' WHERE id = (SELECT min(id) FROM alerts)"], { encoding: 'utf8' });
    assert.equal(update.status, 0, update.stderr);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const name of ['monitoring', 'monitoring.db']) {
    it(`acknowledges on ${name} and warns once about the damaged alert`, async () => {
      const source = join(root, name);
      const open = JSON.parse((await pitwall('alerts', source, '--json', '--unacknowledged')).stdout) as { key: string }[];
      const target = open[0];
      assert.ok(target, 'there is an open alert');
      const ack = await pitwall('ack', source, target.key, '--by', 'warnings-test');
      assert.equal(ack.status, 0, ack.stderr);
      const warnings = ack.stderr.split('\n').filter((line) => line.startsWith('warning:'));
      assert.equal(warnings.length, 1, ack.stderr);
      assert.match(warnings[0] as string, /1 problem reading .*alerts/);
      // The write itself added no problem: a fresh read finds the same one.
      const summary = JSON.parse((await pitwall('summary', source, '--json')).stdout) as { warnings: string[] };
      assert.equal(summary.warnings.length, 1, summary.warnings.join('\n'));
    });
  }
});

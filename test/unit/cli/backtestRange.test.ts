import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import { pitwall } from './runCli';

describe('pitwall backtest over a chosen range', function () {
  this.timeout(60_000);
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-backtest-range-'));
    await generateDataset({ outDir: root, predictions: 2000, seed: 8 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const source of ['monitoring', 'monitoring.db']) {
    it(`replays only the range asked for, and refuses an end before the start with exit 2, on ${source}`, async () => {
      const path = join(root, source);
      const all = await pitwall('backtest', path, 'acc_low', '--every', '1h', '--json');
      assert.equal(all.status, 0, all.stderr);
      const whole = JSON.parse(all.stdout) as { from: number; to: number; evaluations: number; every: number };
      assert.equal(whole.every, 3600);
      const from = '2026-10-05T00:00:00Z';
      const to = '2026-10-06T00:00:00Z';
      const day = await pitwall('backtest', path, 'acc_low', '--every', '1h', '--from', from, '--to', to, '--json');
      assert.equal(day.status, 0, day.stderr);
      const report = JSON.parse(day.stdout) as { from: number; to: number; evaluations: number; alerts: { at: number }[] };
      assert.deepEqual([report.from, report.to, report.evaluations], [Date.parse(from) / 1000, Date.parse(to) / 1000, 25]);
      assert.ok(report.alerts.every((a) => a.at >= report.from && a.at <= report.to));
      assert.ok(whole.evaluations > report.evaluations);

      const backwards = await pitwall('backtest', path, 'acc_low', '--from', to, '--to', from);
      assert.equal(backwards.status, 2);
      assert.match(backwards.stderr, /The replay's end must be after its start \(--to after --from\)/);
      assert.equal(backwards.stdout, '');
    });
  }
});

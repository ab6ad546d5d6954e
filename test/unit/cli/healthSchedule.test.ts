import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import { openStore } from '../../../src/core/store/openStore';

const MAIN = join(__dirname, '../../../src/cli/main.ts');

interface ScheduleLine {
  readonly at: number;
  readonly snapshots: { model_version: string; num_predictions: number }[];
}

async function healthSnapshots(folder: string): Promise<number> {
  const store = await openStore(folder);
  try {
    return (await store.readHealthSnapshots()).length;
  } finally {
    await store.close();
  }
}

describe('pitwall health --schedule', function () {
  this.timeout(60_000);
  let root = '';
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-health-schedule-'));
    await generateDataset({ outDir: root, predictions: 500, seed: 5, format: 'jsonl' });
  });
  after(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  it('records the current period at start, one JSON line per run, and keeps running until SIGINT, then exits 0', async () => {
    const folder = join(root, 'monitoring');
    // Traffic in the current period, so that the run taken now has something to record.
    const now = Date.now() / 1000;
    const live = (i: number, version: string) =>
      `${JSON.stringify({ timestamp: now - 60 - i, model_version: version, prediction_id: `live-${version}-${i}`, predicted_outcome: 1, confidence: 0.9, features: {}, metadata: {} })}\n`;
    appendFileSync(join(folder, 'predictions.jsonl'), [live(1, 'v7'), live(2, 'v7'), live(3, 'v8')].join(''));
    const before = await healthSnapshots(folder);
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'health', folder, '--schedule', '1h', '--json'], { env: { ...process.env, TZ: 'UTC' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let running = true;
    void exited.then(() => (running = false));
    try {
      // The first line is the run at start; the next would come an hour later.
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        void exited.then((code) => reject(new Error(`exited with ${code} before its first run: ${stderr}`)));
      });
      const line = JSON.parse(first) as ScheduleLine;
      assert.deepEqual(line.snapshots.map((s) => [s.model_version, s.num_predictions]).sort(), [['v7', 2], ['v8', 1]]);
      assert.equal(await healthSnapshots(folder), before + 2, 'the run at start is recorded in the source');
      assert.equal(running, true, 'and the schedule keeps running after it');
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, stderr);
    assert.equal(await healthSnapshots(folder), before + 2);
  });
});

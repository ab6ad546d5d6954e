/**
 * A store in a worker thread answers as the store itself does, keeps its errors' codes and
 * messages, leaves the calling thread free while it works, and ends its thread when closed or
 * when its open is cancelled.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { PitwallError } from '../../../../src/core/errors';
import { openStore } from '../../../../src/core/store/openStore';
import type { Store } from '../../../../src/core/store/store';
import { openStoreInWorker, startSpareStoreWorker } from '../../../../src/core/store/workerStore';

describe('a store in a worker thread', function () {
  this.timeout(120_000);
  let dir = '';
  let script = '';
  let db = '';
  let folder = '';
  const wasmPath = require.resolve('sql.js/dist/sql-wasm.wasm');

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'pitwall-worker-store-'));
    // The worker as the extension ships it: bundled by esbuild, sql.js's wasm found in node_modules.
    script = join(dir, 'bundle', 'storeWorker.js');
    buildSync({ entryPoints: [join(__dirname, '../../../../src/core/store/storeWorker.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: script, logLevel: 'silent' });
    const generated = await generateDataset({ outDir: join(dir, 'data'), predictions: 20_000, seed: 5 });
    db = generated.databasePath as string;
    folder = generated.jsonlDir as string;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const kind of ['sqlite', 'jsonl'] as const) {
    it(`answers as the ${kind} store does, reads and writes`, async function () {
      const path = kind === 'sqlite' ? db : folder;
      const inProcess = await openStore(path);
      const remote = await openStoreInWorker(path, script, { wasmPath });
      try {
        assert.deepEqual(await remote.counts(), await inProcess.counts());
        assert.deepEqual(await remote.readModelVersions(), await inProcess.readModelVersions());
        assert.deepEqual(await remote.readAlerts({ limit: 7, acknowledged: false }), await inProcess.readAlerts({ limit: 7, acknowledged: false }));
        assert.deepEqual(await remote.readPredictionColumns({ features: ['circuit'], limit: 500 }), await inProcess.readPredictionColumns({ features: ['circuit'], limit: 500 }));
        assert.equal(typeof remote.aggregateWindows, typeof inProcess.aggregateWindows);
        const open = (await remote.readAlerts({ acknowledged: false, limit: 1 }))[0];
        assert.ok(open !== undefined);
        const result = await remote.acknowledgeAlerts([open.key], 'worker-test', 1_792_000_000);
        assert.deepEqual(result.acknowledged, [open.key]);
        assert.equal((await remote.readAlert(open.key))?.acknowledged_by, 'worker-test');
      } finally {
        await remote.close();
        await inProcess.close();
      }
    });
  }

  it('keeps an error’s code and message, and fails the open of a missing source with the store’s own words', async function () {
    const remote = await openStoreInWorker(db, script, { wasmPath, readOnly: 'a test opens it read-only' });
    try {
      await assert.rejects(remote.acknowledgeAlerts(['1'], 'x', 1), (error: unknown) => error instanceof PitwallError && error.code === 'read-only' && /a test opens it read-only/.test(error.message));
    } finally {
      await remote.close();
    }
    const missing = join(dir, 'nothing-here.db');
    const expected = await openStore(missing).then(
      () => undefined,
      (error: unknown) => error,
    );
    await assert.rejects(openStoreInWorker(missing, script, { wasmPath }), (error: unknown) => error instanceof PitwallError && error.code === (expected as PitwallError).code && error.message === (expected as PitwallError).message);
  });

  it('leaves the calling thread free while it reads every prediction', async function () {
    const remote = await openStoreInWorker(folder, script, { wasmPath });
    // Turns of this thread's event loop while the worker reads: an in-process read runs inside one turn.
    let turns = 0;
    let counting = true;
    const tick = () => {
      turns++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    try {
      const columns = await remote.readPredictionColumns({ features: ['circuit', 'track_temp'] });
      assert.equal(columns.length, 20_000);
    } finally {
      counting = false;
      await remote.close();
    }
    assert.ok(turns > 10, `${turns} turns of the event loop while the worker read`);
  });

  it('opens a source in a spare thread started before it was named, and in a thread of its own when the spare has ended', async function () {
    const inProcess = await openStore(db);
    const spare = startSpareStoreWorker(script, wasmPath);
    const remote = await openStoreInWorker(db, script, { wasmPath, spare });
    try {
      assert.deepEqual(await remote.counts(), await inProcess.counts());
    } finally {
      await remote.close();
    }
    const ended = startSpareStoreWorker(script, wasmPath);
    await new Promise((resolve) => {
      ended.once('exit', resolve);
      void ended.terminate();
    });
    const fresh = await openStoreInWorker(db, script, { wasmPath, spare: ended });
    try {
      assert.deepEqual(await fresh.counts(), await inProcess.counts());
    } finally {
      await fresh.close();
      await inProcess.close();
    }
  });

  it('ends its thread on close, and a call after close is refused', async function () {
    const remote: Store = await openStoreInWorker(db, script, { wasmPath });
    await remote.close();
    await assert.rejects(remote.counts());
  });

  it('cancels an open under way when its signal aborts', async function () {
    const controller = new AbortController();
    const opening = openStoreInWorker(folder, script, { wasmPath, signal: controller.signal });
    controller.abort();
    await assert.rejects(opening, /was cancelled/);
  });
});

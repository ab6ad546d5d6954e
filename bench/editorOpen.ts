/**
 * Opening a source as the editor does (the extension's SourceManager: the store in a worker thread kept ready, the first screen then the counts), timed in
 * Node for 1M predictions and 100,000 alerts, SQLite and JSONL: when the Alerts view's data is
 * ready (groups with counts, the first page of the most severe group, the rules), when the counts
 * that need the predictions are, and the event loop's delay meanwhile (its 99th percentile must
 * stay under 50 ms: the extension host keeps answering). Targets: Alerts view data ≤ 0.5 s on
 * SQLite; p99 delay < 50 ms on both. A missed target prints MISSED and exits non-zero.
 */
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadFirstScreen, loadPredictionCounts } from '../src/core/sourceLoad';
import { openStoreInWorker, startSpareStoreWorker } from '../src/core/store/workerStore';
import { largeJsonl, largeSqlite } from './largeSqlite';

/** The source is opened as the extension opens it: in the bundled store worker. */
const DIST = join(__dirname, '..', 'dist');
const SCRIPT = join(DIST, 'storeWorker.js');
const WASM = join(DIST, 'sql-wasm.wasm');
/** The extension keeps a thread ready from activation on: each open here gets one started a second before. */
async function readySpare() {
  const spare = startSpareStoreWorker(SCRIPT, WASM);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return spare;
}
const open = async (path: string, spare?: Awaited<ReturnType<typeof readySpare>>) => openStoreInWorker(path, SCRIPT, { wasmPath: WASM, ...(spare === undefined ? {} : { spare }) });

const missed: string[] = [];
function check(ok: boolean, line: string): void {
  console.log(`  ${ok ? 'ok    ' : 'MISSED'} ${line}`);
  if (!ok) missed.push(line);
}

async function measure(kind: string, path: string, alertsTarget: number | undefined): Promise<void> {
  const spare = await readySpare();
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const start = performance.now();
  delay.enable();
  const store = await open(path, spare);
  const first = await loadFirstScreen(store);
  const alertsReady = performance.now() - start;
  const counts = await loadPredictionCounts(store);
  const countsReady = performance.now() - start;
  delay.disable();
  await store.close();
  const p99 = delay.percentile(99) / 1e6;
  console.log(
    `  ${kind}: Alerts view data in ${alertsReady.toFixed(0)} ms (${first.groups.map((g) => `${g.severity} ${g.total}`).join(', ')}), prediction counts in ${countsReady.toFixed(0)} ms (${counts.predictions} predictions, ${counts.versions.length} versions); event-loop delay p99 ${p99.toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`,
  );
  if (alertsTarget !== undefined) check(alertsReady <= alertsTarget, `${kind}: Alerts view data ready in ${alertsReady.toFixed(0)} ms (target ≤ ${alertsTarget})`);
  check(p99 < 50, `${kind}: event-loop delay p99 ${p99.toFixed(1)} ms while loading (target < 50)`);
}

async function main(): Promise<void> {
  const sqlite = await largeSqlite(1);
  const jsonl = await largeJsonl();
  // One untimed open of each: files in the page cache, code compiled.
  for (const path of [sqlite, jsonl]) {
    const store = await open(path);
    await loadFirstScreen(store);
    await store.close();
  }
  for (let run = 1; run <= 3; run++) {
    console.log(`run ${run}`);
    await measure('SQLite 1M/100k', sqlite, 500);
    await measure('JSONL 1M/100k', jsonl, undefined);
  }
  if (missed.length > 0) {
    console.log(`\n${missed.length} target${missed.length === 1 ? '' : 's'} missed`);
    process.exitCode = 1;
  }
}

void main();

/**
 * Acknowledging one alert in a large alerts.jsonl: Pitwall's JsonlStore.acknowledgeAlerts
 * against the least that any safe rewrite of the file must do, in the same process: read it,
 * write a temporary copy, fsync it, rename it into place. Runs alternate between the two; each
 * acknowledgment takes a different alert (the first, the last, others between). Prints the
 * ratio of the medians (target ≤ 1.5), also counting until the store may run its next call
 * (after it watched the replaced file for late appends), and checks that every other alert is
 * intact, byte for byte.
 *
 *   node --expose-gc --import tsx bench/jsonlAcknowledge.ts [alerts=100000] [runs=11]
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { JSONL_WRITE_DEFAULTS, openJsonlStore } from '../src/core/store/jsonl/jsonlStore';
import { toPythonAlert, toPythonLine } from '../src/core/store/jsonl/pythonRecords';
import { checkTarget } from './data';

const AT = 1792000000.5;

function alertLine(i: number): string {
  return toPythonLine(
    toPythonAlert({
      timestamp: 1790000000 + i * 0.75,
      alert_id: `alert_${1790000000000 + i}`,
      severity: (['info', 'warning', 'critical'] as const)[i % 3] as 'info',
      title: 'PERFORMANCE: accuracy Alert',
      message: `accuracy is 0.${String(6000 + (i % 1000)).padStart(4, '0')} (< 0.7000)`,
      metric_name: 'accuracy',
      metric_value: 0.6 + (i % 1000) / 10000,
      threshold: 0.7,
      component: 'performance',
      model_version: i % 2 === 0 ? 'v1.0' : 'v1.1',
      acknowledged: false,
      acknowledged_at: null,
      acknowledged_by: null,
    }),
  );
}

function writeAlerts(path: string, count: number): void {
  const fd = openSync(path, 'w');
  for (let i = 0; i < count; i += 10_000) {
    writeSync(fd, Array.from({ length: Math.min(10_000, count - i) }, (_, j) => alertLine(i + j)).join(''));
  }
  closeSync(fd);
}

const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The baseline: an atomic copy of the file onto itself, read and written in chunks of the size
 * Pitwall's rewrite uses (faster here than one whole-file read and write).
 */
async function copyWithFsync(path: string): Promise<void> {
  const temporary = `${path}.copy`;
  const source = await open(path, 'r');
  const target = await open(temporary, 'w');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    for (let position = 0; ; ) {
      const { bytesRead } = await source.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      await target.write(chunk, 0, bytesRead);
      position += bytesRead;
    }
    await target.sync();
  } finally {
    await source.close();
    await target.close();
  }
  await rename(temporary, path);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100_000);
  const runs = Number(process.argv[3] ?? 11);
  const root = join(__dirname, 'data', 'jsonlAcknowledge');
  rmSync(root, { recursive: true, force: true });
  const storeFolder = join(root, 'store');
  const copyFolder = join(root, 'copy');
  mkdirSync(storeFolder, { recursive: true });
  mkdirSync(copyFolder, { recursive: true });
  writeAlerts(join(storeFolder, 'alerts.jsonl'), count);
  writeAlerts(join(copyFolder, 'alerts.jsonl'), count);
  const original = readFileSync(join(storeFolder, 'alerts.jsonl'));

  const store = await openJsonlStore(storeFolder);
  const targets = Array.from({ length: runs }, (_, i) => Math.round((i * (count - 1)) / Math.max(1, runs - 1)));
  const pitwall: number[] = [];
  const idle: number[] = [];
  const baseline: number[] = [];
  for (const [run, index] of targets.entries()) {
    globalThis.gc?.();
    let start = performance.now();
    await copyWithFsync(join(copyFolder, 'alerts.jsonl'));
    baseline.push(performance.now() - start);
    globalThis.gc?.();
    start = performance.now();
    const result = await store.acknowledgeAlerts([`alert_${1790000000000 + index}#1`], 'bench', AT + run);
    pitwall.push(performance.now() - start);
    // The next call (a cheap one) waits for the watch over late appends to the replaced file.
    await store.readRules();
    idle.push(performance.now() - start);
    if (result.acknowledged.length !== 1) throw new Error(`alert ${index} was not acknowledged`);
  }
  await store.close();

  // Every line but the acknowledged ones is the original, byte for byte.
  const before = original.toString('utf8').split('\n');
  const after = readFileSync(join(storeFolder, 'alerts.jsonl'), 'utf8').split('\n');
  if (after.length !== before.length) throw new Error(`${after.length - 1} lines after, ${before.length - 1} before`);
  const acknowledged = new Set(targets);
  let intact = 0;
  for (let i = 0; i < count; i++) {
    const line = after[i] as string;
    if (acknowledged.has(i)) {
      const alert = JSON.parse(line) as { acknowledged: boolean; acknowledged_by: string };
      if (!alert.acknowledged || alert.acknowledged_by !== 'bench') throw new Error(`line ${i + 1} is not acknowledged`);
    } else if (line === before[i]) intact++;
    else throw new Error(`line ${i + 1} changed`);
  }

  const ratio = median(pitwall) / median(baseline);
  const mb = (original.length / 1e6).toFixed(1);
  console.log(`alerts.jsonl: ${count} alerts, ${mb} MB; ${runs} acknowledgments, median`);
  console.log(`  copy with fsync and rename:  ${median(baseline).toFixed(1)} ms`);
  console.log(`  Pitwall acknowledgeAlerts:   ${median(pitwall).toFixed(1)} ms`);
  console.log(`    and until the next call may run (the ${JSONL_WRITE_DEFAULTS.lateAppendGraceMs} ms watch for late appends included): ${median(idle).toFixed(1)} ms`);
  console.log(`  ratio ${ratio.toFixed(2)} (target ≤ 1.50), ${(median(idle) / median(baseline)).toFixed(2)} until the next call;`);
  checkTarget(ratio <= 1.5, `acknowledging in alerts.jsonl: ${ratio.toFixed(2)}× a copy with fsync and rename (target ≤ 1.5)`);
  console.log(`  ${intact} other alerts intact, ${acknowledged.size} acknowledged`);
  rmSync(root, { recursive: true, force: true });
}

void main();

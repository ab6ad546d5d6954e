/**
 * Loading a large predictions.jsonl: Pitwall's JSONL store against the plainest baseline, a
 * loop that reads the file and JSON.parses every line. Each run is a fresh child process so
 * its peak memory is its own. The store runs bundled by esbuild, as the extension and the CLI
 * ship it, and also from source through tsx, as the tests run it (where every call across
 * modules goes through an export getter). Prints the throughput ratios (target ≥ 0.8) and the
 * peak memory over the file size (target ≤ 2).
 *
 * The file is the generator's predictions.jsonl (1,000,000 predictions by default).
 *
 *   node --expose-gc --import tsx bench/jsonlLoad.ts [predictions=1000000] [runs=3]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { openJsonlStore as OpenJsonlStore } from '../src/core/store/jsonl/jsonlStore';
import { benchDataset, checkTarget } from './data';

interface Run {
  readonly ms: number;
  readonly records: number;
  readonly peakBytes: number;
}

/**
 * A folder holding only the generator's predictions.jsonl (hard-linked, not copied), so the
 * store and the baseline read exactly the same bytes and nothing else.
 */
async function predictionsFolder(predictions: number): Promise<string> {
  const { jsonl } = await benchDataset(predictions);
  const folder = join(__dirname, 'data', `jsonlLoad-${predictions}`);
  const path = join(folder, 'predictions.jsonl');
  if (!existsSync(path)) {
    mkdirSync(folder, { recursive: true });
    linkSync(join(jsonl, 'predictions.jsonl'), path);
  }
  return folder;
}

async function child(mode: string, folder: string, bundle: string): Promise<void> {
  const open =
    mode === 'bundled'
      ? (createRequire(__filename)(bundle) as { openJsonlStore: typeof OpenJsonlStore }).openJsonlStore
      : (await import('../src/core/store/jsonl/jsonlStore')).openJsonlStore;
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  let records = 0;
  if (mode === 'baseline') {
    for (const line of readFileSync(join(folder, 'predictions.jsonl'), 'utf8').split('\n')) {
      if (line !== '') {
        JSON.parse(line);
        records++;
      }
    }
  } else {
    const store = await open(folder);
    records = (await store.counts()).predictions;
  }
  const ms = performance.now() - start;
  const peakBytes = process.resourceUsage().maxRSS * 1024 - rssBefore;
  process.stdout.write(JSON.stringify({ ms, records, peakBytes } satisfies Run));
}

function run(mode: string, folder: string, bundle: string): Run {
  const args = [...process.execArgv, __filename, '--child', mode, folder, bundle];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${mode} run failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Run;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const lines = Number(process.argv[2] ?? 1_000_000);
  const runs = Number(process.argv[3] ?? 3);
  const folder = await predictionsFolder(lines);
  const size = statSync(join(folder, 'predictions.jsonl')).size;
  const bundle = join(__dirname, 'data', 'jsonlStore.cjs');
  buildSync({
    entryPoints: [join(__dirname, '..', 'src', 'core', 'store', 'jsonl', 'jsonlStore.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: bundle,
    logLevel: 'warning',
  });
  const modes = ['baseline', 'bundled', 'source'] as const;
  const results = new Map<string, Run[]>(modes.map((mode) => [mode, []]));
  for (let i = 0; i < runs; i++) for (const mode of modes) results.get(mode)?.push(run(mode, folder, bundle));
  const ms = (mode: string): number => median((results.get(mode) ?? []).map((r) => r.ms));
  const peak = (mode: string): number => median((results.get(mode) ?? []).map((r) => r.peakBytes));
  const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
  console.log(`predictions.jsonl: ${lines} lines, ${mb(size)}; median of ${runs} runs each`);
  console.log(`  JSON.parse loop:          ${ms('baseline').toFixed(0)} ms, peak +${mb(peak('baseline'))}`);
  for (const [mode, label] of [
    ['bundled', 'Pitwall, bundled:       '],
    ['source', 'Pitwall, source (tsx):  '],
  ] as const) {
    const records = results.get(mode)?.[0]?.records;
    console.log(`  ${label} ${ms(mode).toFixed(0)} ms, peak +${mb(peak(mode))}, ${records} records`);
    console.log(
      `    throughput ratio ${(ms('baseline') / ms(mode)).toFixed(2)} (target ≥ 0.80), peak memory / file size ${(peak(mode) / size).toFixed(2)} (target ≤ 2.00)`,
    );
    // The bundle is what ships; the source run through tsx is for the record.
    if (mode === 'bundled') {
      checkTarget(ms('baseline') / ms(mode) >= 0.8, `JSONL load, bundled: throughput ${(ms('baseline') / ms(mode)).toFixed(2)} of the JSON.parse loop (target ≥ 0.80)`);
      checkTarget(peak(mode) / size <= 2, `JSONL load, bundled: peak memory ${(peak(mode) / size).toFixed(2)}× the file (target ≤ 2.00)`);
    }
  }
}

if (process.argv[2] === '--child')
  void child(process.argv[3] as string, process.argv[4] as string, process.argv[5] as string);
else void main();

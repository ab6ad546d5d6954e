import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDataset } from '../scripts/generator/generateDataset';

export const BENCH_DATA = join(__dirname, 'data');

/** The generator's dataset of `predictions` predictions (both formats), made once into bench/data/. */
export async function benchDataset(predictions = 1_000_000, seed = 42): Promise<{ jsonl: string; sqlite: string }> {
  const dir = join(BENCH_DATA, `generated-${predictions}-${seed}`);
  const done = join(dir, '.complete');
  if (!existsSync(done)) {
    process.stdout.write(`generating ${predictions.toLocaleString('en-US')} predictions into ${dir} (once)…\n`);
    mkdirSync(dir, { recursive: true });
    await generateDataset({ outDir: dir, predictions, seed });
    writeFileSync(done, new Date().toISOString());
  }
  return { jsonl: join(dir, 'monitoring'), sqlite: join(dir, 'monitoring.db') };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Prints a target's line, `ok` or `MISSED`; a missed target makes the benchmark's process exit
 * non-zero (npm run bench then names it at the end).
 */
export function checkTarget(ok: boolean, line: string): void {
  process.stdout.write(`  ${ok ? 'ok    ' : 'MISSED'} ${line}\n`);
  if (!ok) process.exitCode = 1;
}

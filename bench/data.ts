import { execFileSync } from 'node:child_process';
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

/** Runs a command in a child, timed and measured by python3 (wall seconds, the child's peak kilobytes). */
const MEASURE = String.raw`
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - start
if done.returncode != 0:
    sys.stderr.write(done.stderr.decode())
    sys.exit(done.returncode)
print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
`;

export interface Sample {
  readonly ms: number;
  /** Peak resident memory of the command's process. */
  readonly mb: number;
}

/** A command's wall time and peak memory, the same way in every benchmark and every run. */
export function measure(command: readonly string[]): Sample {
  const [seconds, kb] = execFileSync('python3', ['-c', MEASURE, ...command], { maxBuffer: 1 << 26 }).toString().trim().split(/\s+/).map(Number);
  return { ms: (seconds as number) * 1000, mb: (kb as number) / 1024 };
}

/** Hourly accuracy and top-label ECE (10 equal-width bins) per model version, as the sqlite3 shell computes it. */
export const TREND_SHELL_SQL = `
WITH p AS (
  SELECT (unixepoch(timestamp) / 3600) * 3600 AS w, model_version AS g, predicted_outcome AS y, confidence AS c, actual_outcome AS a
  FROM predictions
), b AS (
  SELECT w, g, CASE WHEN a IS NULL THEN -1 ELSE min(CAST(c * 10 AS INTEGER), 9) END AS bin, count(*) AS n, sum(a = y) AS correct, sum(c) AS conf
  FROM p GROUP BY w, g, bin
)
SELECT w, g, sum(n), sum(CASE WHEN bin >= 0 THEN n END),
  1.0 * sum(CASE WHEN bin >= 0 THEN correct END) / sum(CASE WHEN bin >= 0 THEN n END),
  sum(CASE WHEN bin >= 0 THEN abs(correct - conf) END) / sum(CASE WHEN bin >= 0 THEN n END)
FROM b GROUP BY w, g ORDER BY w, g;`;

/** The arguments of \`pitwall trend\` that ask the question of TREND_SHELL_SQL. */
export const TREND_ARGS = ['--every', '1h', '--by', 'model_version', '--metrics', 'accuracy,ece', '--min-labels', '0', '--json'] as const;

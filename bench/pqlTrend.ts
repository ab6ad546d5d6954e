/**
 * A PQL trend against `pitwall trend` at 1,000,000 predictions (generator data), as a ratio in one
 * run: the hourly trend per model version (accuracy and ECE) from a cold start on the SQLite file,
 * each a fresh CLI process, `pitwall query SOURCE 'predictions | window 1h | by model_version |
 * metrics accuracy, ece min_labels=0'` against `pitwall trend` with the same options (target ≤ 1.1×:
 * parsing and planning the query cost next to nothing). Both answers are compared, row for row.
 *
 *   node --expose-gc --import tsx bench/pqlTrend.ts    (npm run bench -- pqlTrend; builds dist/ first)
 */
import { spawnSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { benchDataset, checkTarget, median, TREND_ARGS } from './data';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const RUNS = 7;
const QUERY = 'predictions | window 1h | by model_version | metrics accuracy, ece min_labels=0';

function timed(args: readonly string[]): { ms: number; stdout: string } {
  const start = performance.now();
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const elapsed = performance.now() - start;
  if (run.status !== 0) throw new Error(`pitwall ${args.join(' ')} failed: ${run.stderr}`);
  return { ms: elapsed, stdout: run.stdout };
}

async function main(): Promise<void> {
  const { sqlite } = await benchDataset();
  const trendArgs = ['trend', sqlite, ...TREND_ARGS];
  const queryArgs = ['query', sqlite, QUERY, '--json'];
  // One untimed run of each: the file in the page cache, the CLI's compiled code in its cache.
  timed(trendArgs);
  timed(queryArgs);
  const trend: number[] = [];
  const query: number[] = [];
  let trendRows: unknown = [];
  let queryRows: unknown = [];
  // Interleaved, so that a slower moment of a shared machine falls on both.
  for (let run = 0; run < RUNS; run++) {
    const t = timed(trendArgs);
    trend.push(t.ms);
    trendRows = JSON.parse(t.stdout);
    const q = timed(queryArgs);
    query.push(q.ms);
    queryRows = (JSON.parse(q.stdout) as { rows: unknown }).rows;
  }
  if (!isDeepStrictEqual(queryRows, trendRows)) throw new Error('the PQL trend and pitwall trend differ');
  const ratio = median(query) / median(trend);
  process.stdout.write(
    `hourly trend per model version, cold, SQLite 1M: pitwall query ${median(query).toFixed(0)} ms, pitwall trend ${median(trend).toFixed(0)} ms → ratio ${ratio.toFixed(2)}× (target ≤ 1.1×); ${(trendRows as unknown[]).length} windows identical\n`,
  );
  checkTarget(ratio <= 1.1, `PQL trend at 1M: ${ratio.toFixed(2)}× pitwall trend (target ≤ 1.1)`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

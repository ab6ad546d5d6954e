/**
 * A notebook's SQL cell against the sqlite3 shell at 1,000,000 predictions (generator data), as a
 * ratio in one run: `select count(*) from predictions` on the SQLite file.
 * - The target (≤ 2×): a SQL cell in a running notebook kernel — the query thread the editor keeps
 *   per notebook (dist/queryWorker.js, as shipped), from the cell's request to its answer — against
 *   the whole `sqlite3` shell process. The notebook's first cell, which also starts the thread, is
 *   printed apart.
 * - For the record: the same kernel call in a cold Node process (`runSqlOnSource`, as `pitwall query
 *   --sql` and `notebook run` make it) and the whole `pitwall query --sql` process.
 * The answers are compared.
 *
 *   node --expose-gc --import tsx bench/sqlCell.ts    (npm run bench -- sqlCell; builds dist/ first)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { QueryRunner } from '../src/core/query/queryRunner';
import { runSqlOnSource } from '../src/core/query/sql';
import { benchDataset, checkTarget, median } from './data';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const RUNS = 9;
const SQL = 'select count(*) from predictions';

/** In the child: one kernel call, timed, then its answer and time as JSON. */
async function child(db: string): Promise<void> {
  const start = performance.now();
  const { result } = await runSqlOnSource(db, SQL);
  const ms = performance.now() - start;
  process.stdout.write(JSON.stringify({ ms, count: result.rows[0]?.['count(*)'] }));
}

function kernel(db: string): { ms: number; count: unknown } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', db], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the kernel's child failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { ms: number; count: unknown };
}

function timed(command: string, args: readonly string[]): { ms: number; stdout: string } {
  const start = performance.now();
  const run = spawnSync(command, args, { encoding: 'utf8' });
  const ms = performance.now() - start;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${run.stderr}`);
  return { ms, stdout: run.stdout };
}

async function main(): Promise<void> {
  const { sqlite } = await benchDataset();
  // One untimed run of each: the file in the page cache, python's and Node's code in theirs.
  kernel(sqlite);
  timed('sqlite3', [sqlite, SQL]);
  const dist = join(__dirname, '..', 'dist');
  const notebook = new QueryRunner(sqlite, { script: join(dist, 'queryWorker.js'), wasmPath: join(dist, 'sql-wasm.wasm') });
  const cell = async (): Promise<{ ms: number; count: unknown }> => {
    const start = performance.now();
    const run = await notebook.run({ language: 'sql', text: SQL, now: Date.now() / 1000, lets: new Map() });
    return { ms: performance.now() - start, count: run.results[0]?.rows[0]?.['count(*)'] };
  };
  const first = await cell();
  const cells: number[] = [];
  const cold: number[] = [];
  const shell: number[] = [];
  const cli: number[] = [];
  const answers = new Set<unknown>([first.count]);
  try {
    // Interleaved, so that a slower moment of a shared machine falls on each.
    for (let run = 0; run < RUNS; run++) {
      const c = await cell();
      cells.push(c.ms);
      const k = kernel(sqlite);
      cold.push(k.ms);
      const s = timed('sqlite3', [sqlite, SQL]);
      shell.push(s.ms);
      cli.push(timed(process.execPath, [CLI, 'query', sqlite, '--sql', SQL]).ms);
      for (const answer of [c.count, k.count, Number(s.stdout.trim())]) answers.add(answer);
    }
  } finally {
    await notebook.close();
  }
  if (answers.size !== 1) throw new Error(`the answers differ: ${[...answers].map(String).join(', ')}`);
  const ratio = median(cells) / median(shell);
  process.stdout.write(
    [
      `SQL cell \`${SQL}\` on the 1M SQLite file (count ${String(first.count)}):`,
      `  a cell in a running notebook kernel ${median(cells).toFixed(0)} ms, sqlite3 shell ${median(shell).toFixed(0)} ms → ratio ${ratio.toFixed(2)}× (target ≤ 2×)`,
      `  the notebook's first cell (starting its query thread) ${first.ms.toFixed(0)} ms`,
      `  for the record: the kernel call in a cold Node process ${median(cold).toFixed(0)} ms (${(median(cold) / median(shell)).toFixed(2)}×), the whole \`pitwall query --sql\` process ${median(cli).toFixed(0)} ms`,
      '',
    ].join('\n'),
  );
  checkTarget(ratio <= 2, `SQL cell at 1M: ${ratio.toFixed(2)}× the sqlite3 shell (target ≤ 2)`);
}

const at = process.argv.indexOf('--child');
(at >= 0 ? child(process.argv[at + 1] as string) : main()).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

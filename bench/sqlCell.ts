/**
 * A notebook's SQL cell against the sqlite3 shell at 1,000,000 predictions (generator data), as a
 * ratio in one run: `select count(*) from predictions` on the SQLite file, each side a cold process.
 * Pitwall's side is the kernel call a SQL cell (and `pitwall query --sql`) makes, runSqlOnSource,
 * timed inside a fresh Node process from the call to its answer (the notebook kernel lives in the
 * editor's extension host, which is already running); the shell's side is the whole `sqlite3`
 * process. Target ≤ 2×. For the record it also prints the whole `pitwall query --sql` process.
 * Both answers are compared.
 *
 *   node --expose-gc --import tsx bench/sqlCell.ts    (npm run bench -- sqlCell; builds dist/ first)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
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
  const pitwall: number[] = [];
  const shell: number[] = [];
  const cli: number[] = [];
  let answers: [unknown, unknown] = [undefined, undefined];
  // Interleaved, so that a slower moment of a shared machine falls on both.
  for (let run = 0; run < RUNS; run++) {
    const k = kernel(sqlite);
    pitwall.push(k.ms);
    const s = timed('sqlite3', [sqlite, SQL]);
    shell.push(s.ms);
    cli.push(timed(process.execPath, [CLI, 'query', sqlite, '--sql', SQL]).ms);
    answers = [k.count, Number(s.stdout.trim())];
  }
  if (answers[0] !== answers[1]) throw new Error(`the answers differ: Pitwall ${String(answers[0])}, sqlite3 ${String(answers[1])}`);
  const ratio = median(pitwall) / median(shell);
  process.stdout.write(
    `SQL cell \`${SQL}\` on the 1M SQLite file, cold: Pitwall's kernel call ${median(pitwall).toFixed(0)} ms, sqlite3 shell ${median(shell).toFixed(0)} ms → ratio ${ratio.toFixed(2)}× (target ≤ 2×); whole \`pitwall query --sql\` process ${median(cli).toFixed(0)} ms; both count ${String(answers[0])}\n`,
  );
  checkTarget(ratio <= 2, `SQL cell at 1M: ${ratio.toFixed(2)}× the sqlite3 shell (target ≤ 2)`);
}

const at = process.argv.indexOf('--child');
(at >= 0 ? child(process.argv[at + 1] as string) : main()).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

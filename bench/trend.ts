/**
 * Windowed metrics at 1,000,000 predictions (generator data), as ratios in one run:
 * - the hourly trend per model version (accuracy and ECE) from a cold start on the SQLite file,
 *   `pitwall trend` as a fresh CLI process, against the sqlite3 shell running the equivalent SQL
 *   on the same file (target ≤ 1.0×); both results are compared, window by window;
 * - changing the window or the model version on an already open source (target < 100 ms);
 * - the same trend on the JSONL folder, against the JSON.parse floor: a process that reads
 *   predictions.jsonl and outcomes.jsonl and parses every line, and nothing else.
 *
 *   node --expose-gc --import tsx bench/trend.ts    (npm run bench -- trend; builds dist/ first)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AnalysisSession } from '../src/core/analytics/session';
import { openStore } from '../src/core/store/openStore';
import { benchDataset, checkTarget, median, TREND_ARGS, TREND_SHELL_SQL } from './data';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const RUNS = 7;

function timed(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): { ms: number; stdout: string } {
  const start = performance.now();
  const run = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, env });
  const elapsed = performance.now() - start;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${run.stderr}`);
  return { ms: elapsed, stdout: run.stdout };
}

interface TrendRow {
  readonly window_start: number;
  readonly group: string;
  readonly count: number;
  readonly labelled: number;
  readonly accuracy: number | null;
  readonly ece: number | null;
}

/** Every window of the shell's answer has Pitwall's count, labelled count, accuracy and ECE. */
function compare(pitwall: readonly TrendRow[], shell: string): number {
  const lines = shell.trim().split('\n');
  if (lines.length !== pitwall.length) throw new Error(`${pitwall.length} windows from pitwall, ${lines.length} from the shell`);
  lines.forEach((line, i) => {
    const [w, g, n, labelled, accuracy, ece] = line.split('|');
    const row = pitwall[i] as TrendRow;
    const close = (a: number | null, b: string | undefined) => (a === null ? b === '' : Math.abs(a - Number(b)) <= 1e-9 * Math.max(1, Math.abs(a)));
    if (row.window_start !== Number(w) || row.group !== g || row.count !== Number(n) || row.labelled !== Number(labelled || 0) || !close(row.accuracy, accuracy) || !close(row.ece, ece)) {
      throw new Error(`window ${i} differs: pitwall ${JSON.stringify(row)}, shell ${line}`);
    }
  });
  return lines.length;
}

async function main(): Promise<void> {
  const { jsonl, sqlite } = await benchDataset();
  const trendArgs = TREND_ARGS;

  // 1. Cold start on the SQLite file: a fresh process each run, after one untimed run of each
  // (the file in the page cache for both, the CLI's compiled code in its cache as after any
  // first run). For the record, the CLI is also timed with its compile cache off.
  const pitwall: number[] = [];
  const uncached: number[] = [];
  const shell: number[] = [];
  const noCache = { ...process.env, PITWALL_COMPILE_CACHE: '0' };
  timed(process.execPath, [CLI, 'trend', sqlite, ...trendArgs]);
  timed('sqlite3', [sqlite, TREND_SHELL_SQL]);
  let pitwallRows: TrendRow[] = [];
  let shellOut = '';
  for (let run = 0; run < RUNS; run++) {
    const p = timed(process.execPath, [CLI, 'trend', sqlite, ...trendArgs]);
    pitwall.push(p.ms);
    pitwallRows = JSON.parse(p.stdout) as TrendRow[];
    const s = timed('sqlite3', [sqlite, TREND_SHELL_SQL]);
    shell.push(s.ms);
    shellOut = s.stdout;
    uncached.push(timed(process.execPath, [CLI, 'trend', sqlite, ...trendArgs], noCache).ms);
  }
  const windows = compare(pitwallRows, shellOut);
  process.stdout.write(
    `hourly trend per model version, cold, SQLite 1M: pitwall ${median(pitwall).toFixed(0)} ms, sqlite3 shell ${median(shell).toFixed(0)} ms → ratio ${(median(pitwall) / median(shell)).toFixed(2)}× (target ≤ 1.0×); ${windows} windows agree to 1e-9\n` +
      `  with the CLI's compile cache off: ${median(uncached).toFixed(0)} ms → ratio ${(median(uncached) / median(shell)).toFixed(2)}×\n`,
  );
  checkTarget(median(pitwall) / median(shell) <= 1.0, `cold hourly trend at 1M: ${(median(pitwall) / median(shell)).toFixed(2)}× the sqlite3 shell (target ≤ 1.0)`);

  // 2. An open source: the columns are loaded once. Each change is timed the first time it is
  // asked, right after the view it changes from: held panes answer what they can, the rest is
  // re-aggregated from the loaded records. Between runs the held panes are dropped.
  const store = await openStore(sqlite);
  try {
    const session = new AnalysisSession(store);
    const initial = { every: '1h', by: 'model_version', metrics: ['accuracy', 'ece'] } as const;
    let start = performance.now();
    await session.trend(initial);
    const first = performance.now() - start;
    const versions = { by: 'model_version', metrics: ['accuracy', 'ece'] } as const;
    const changes: [string, Parameters<AnalysisSession['trend']>[0]][] = [
      ['6h windows', { every: '6h', ...versions }],
      ['1d windows', { every: '1d', ...versions }],
      ['7d windows', { every: '7d', ...versions }],
      ['15m windows', { every: '15m', ...versions }],
      ['10m windows', { every: '10m', ...versions }],
      ['5m windows', { every: '5m', ...versions }],
      ['1h sliding by 15m', { every: '1h', slide: '15m', ...versions }],
      ['1d sliding by 1h', { every: '1d', slide: '1h', ...versions }],
      ['model v1.0', { every: '1h', modelVersion: 'v1.0', metrics: ['accuracy', 'ece'] }],
      ['model v1.1', { every: '1h', modelVersion: 'v1.1', metrics: ['accuracy', 'ece'] }],
      // Beyond the target, for the record: these read the 1M records again.
      ['7m windows (new panes)', { every: '7m', ...versions }],
      ['by circuit (new grouping)', { every: '1h', by: 'feature:circuit', metrics: ['accuracy', 'ece'] }],
    ];
    await session.columns(['circuit']);
    const times: string[] = [];
    const all: number[] = [];
    const rereads: string[] = [];
    for (const [name, options] of changes) {
      const runs: number[] = [];
      for (let run = 0; run < 7; run++) {
        session.forgetPanes();
        await session.trend(initial);
        start = performance.now();
        await session.trend(options);
        runs.push(performance.now() - start);
      }
      if (name.includes('(new')) {
        rereads.push(`${name} ${median(runs).toFixed(0)} ms`);
        continue;
      }
      all.push(median(runs));
      times.push(`${name} ${median(runs).toFixed(0)} ms`);
    }
    process.stdout.write(`open source (columns loaded once in ${first.toFixed(0)} ms), each change the first time it is asked: ${times.join(', ')} → slowest ${Math.max(...all).toFixed(0)} ms (target < 100 ms)\n`);
    checkTarget(Math.max(...all) < 100, `changing the window or version on an open source: slowest ${Math.max(...all).toFixed(0)} ms (target < 100)`);
    process.stdout.write(`re-reading the records: ${rereads.join(', ')}\n`);
  } finally {
    await store.close();
  }

  // 3. The JSONL folder, against the JSON.parse floor.
  const floorScript = `
const { readFileSync } = require('node:fs');
let n = 0;
for (const name of ['predictions.jsonl', 'outcomes.jsonl']) {
  let text;
  try { text = readFileSync(require('node:path').join(process.argv[1], name), 'utf8'); } catch { continue; }
  for (const line of text.split('\\n')) if (line !== '') { JSON.parse(line); n++; }
}
process.stdout.write(String(n));`;
  const jsonlTimes: number[] = [];
  const floor: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    jsonlTimes.push(timed(process.execPath, [CLI, 'trend', jsonl, ...trendArgs]).ms);
    floor.push(timed(process.execPath, ['-e', floorScript, jsonl]).ms);
  }
  process.stdout.write(
    `hourly trend per model version, cold, JSONL 1M: pitwall ${median(jsonlTimes).toFixed(0)} ms, JSON.parse floor ${median(floor).toFixed(0)} ms → ratio ${(median(jsonlTimes) / median(floor)).toFixed(2)}×\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

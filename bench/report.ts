/**
 * The monitoring report's size and build time: `pitwall report` on the demo data (the generator's
 * defaults, as `npm run generate -- --out demo` writes it, 50,000 predictions) from a JSONL folder
 * and a SQLite file (median of three), and once on the 1,000,000-prediction SQLite file, each a cold
 * CLI process. Targets for the demo: ≤ 1 MB (charts are aggregates drawn as SVG, never the rows) and
 * built in ≤ 10 s, a guard against regressions on a shared machine rather than a promise (about
 * half of it is the analyses, a third drawing the SVG).
 *
 *   node --expose-gc --import tsx bench/report.ts    (npm run bench -- report; builds dist/ first)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS } from '../scripts/generator/generateDataset';
import { benchDataset, checkTarget, median } from './data';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const RUNS = 3;
const MAX_BYTES = 1_000_000;
const MAX_MS = 10_000;

function report(source: string, out: string): number {
  const start = performance.now();
  const run = spawnSync(process.execPath, [CLI, 'report', source, '--out', out], { encoding: 'utf8' });
  const ms = performance.now() - start;
  if (run.status !== 0) throw new Error(`pitwall report ${source} failed: ${run.stderr}`);
  return ms;
}

async function main(): Promise<void> {
  const demo = await benchDataset(DEFAULTS.predictions, DEFAULTS.seed);
  const large = await benchDataset();
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-bench-report-'));
  try {
    for (const [name, source, targets] of [
      ['demo, JSONL folder', demo.jsonl, true],
      ['demo, SQLite file', demo.sqlite, true],
      ['1M, SQLite file', large.sqlite, false],
    ] as const) {
      const out = join(dir, 'report.html');
      if (targets) report(source, out);
      const times: number[] = [];
      for (let run = 0; run < (targets ? RUNS : 1); run++) times.push(report(source, out));
      const bytes = statSync(out).size;
      const ms = median(times);
      process.stdout.write(`report, ${name}: ${bytes.toLocaleString('en-US')} bytes, built in ${ms.toFixed(0)} ms (cold process${targets ? `, median of ${RUNS}` : ''})\n`);
      if (targets) {
        checkTarget(bytes <= MAX_BYTES, `${name} report size ${bytes.toLocaleString('en-US')} bytes (target ≤ ${MAX_BYTES.toLocaleString('en-US')})`);
        checkTarget(ms <= MAX_MS, `${name} report build ${ms.toFixed(0)} ms (target ≤ ${MAX_MS} ms)`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

/**
 * A control change in a chart panel, measured in the real workbench (code-server + Chromium): on
 * the 1M-prediction SQLite source, the trend panel's window, range and version controls are changed
 * as a person would, and the panel's page stamps when the control asked and when the new chart was
 * drawn (host compute + messages + Vega drawing). Baseline, in the same run: the host posts the chart
 * it already has again, without the kernel. Target: the 95th percentile of a change under 300 ms.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchDataset, checkTarget, median } from './data';

const TARGET_MS = 300;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function main(): Promise<void> {
  const { sqlite } = await benchDataset(1_000_000);
  const root = join(__dirname, '..');
  const out = join(root, 'test-results', 'bench-panel.json');
  rmSync(out, { force: true });
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(process.execPath, [join(root, 'scripts/testIntegration.mjs'), '--phase=bench'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PITWALL_BENCH_SOURCE: sqlite, PITWALL_BENCH_OUT: out },
  });
  if (!existsSync(out)) throw new Error('the workbench benchmark wrote no result (see test-results/code-server-bench.log)');
  const result = JSON.parse(readFileSync(out, 'utf8')) as { openMs: number; change: { label: string; ms: number }[]; repost: number[] };
  const changes = result.change.map((sample) => sample.ms);
  const line = (name: string, values: readonly number[]) => `${name}: median ${median(values).toFixed(0)} ms, p95 ${percentile(values, 95).toFixed(0)} ms over ${values.length}`;
  process.stdout.write(`  source opened with its predictions in ${(result.openMs / 1000).toFixed(1)} s\n`);
  process.stdout.write(`  ${line('control change → repainted chart', changes)}\n`);
  process.stdout.write(`  ${line('baseline: the same chart posted again', result.repost)}\n`);
  const byKind = new Map<string, number[]>();
  for (const sample of result.change) {
    const kind = sample.label.split(' ')[0] ?? sample.label;
    byKind.set(kind, [...(byKind.get(kind) ?? []), sample.ms]);
  }
  for (const [kind, values] of byKind) process.stdout.write(`    ${line(kind, values)}\n`);
  process.stdout.write(`  ratio of medians (change / baseline): ${(median(changes) / Math.max(1, median(result.repost))).toFixed(2)}×\n`);
  checkTarget(percentile(changes, 95) < TARGET_MS, `p95 of a control change ${percentile(changes, 95).toFixed(0)} ms < ${TARGET_MS} ms`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

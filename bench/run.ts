/**
 * `npm run bench`: every benchmark, each in its own process (so peak memory is its own), each
 * printing ratios against a baseline measured in the same run. Data comes from the project's
 * generator into bench/data/ (made once, reused).
 *
 *   npm run bench [-- name ...]     e.g. npm run bench -- sqliteStore
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BENCHMARKS = ['open', 'editorOpen', 'alertsView', 'jsonlLoad', 'jsonlAcknowledge', 'sqliteStore', 'trend', 'pqlTrend', 'panelControl', 'sqlCell', 'report', 'alerting', 'tenMillion', 'postgres', 'postgresLive'];
const chosen = process.argv.slice(2).filter((name) => !name.startsWith('-'));
const failed: string[] = [];
for (const name of chosen.length > 0 ? chosen : BENCHMARKS) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(__dirname, `${name}.ts`)], { stdio: 'inherit' });
  if (run.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  process.stderr.write(`\nbenchmarks that failed: ${failed.join(', ')}\n`);
  process.exitCode = 1;
}

/**
 * The SQLite store at 1,000,000 predictions (generator data):
 * - `pitwall summary` (a cold CLI process) against the sqlite3 shell counting the same rows;
 * - acknowledging one alert with 1,000 vs 100,000 alerts in the file (time must stay flat, < 50 ms);
 * - looking up one prediction by id once the store is open (< 10 ms).
 *
 *   node --expose-gc --import tsx bench/sqliteStore.ts
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SqliteStore } from '../src/core/store/sqlite/sqliteStore';
import { benchDataset, checkTarget, median, ms } from './data';

const ROOT = join(__dirname, '..');
const RUNS = 5;
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** A copy of the database holding exactly `alerts` alerts, made once (setup, not measured). */
function withAlerts(base: string, alerts: number): string {
  const path = join(dirname(base), `alerts-${alerts}.db`);
  if (existsSync(path) && !existsSync(`${path}.partial`)) return path;
  rmSync(`${path}-wal`, { force: true });
  copyFileSync(base, path);
  if (existsSync(`${base}-wal`)) copyFileSync(`${base}-wal`, `${path}-wal`);
  const script = `
import sqlite3, sys, uuid
db = sqlite3.connect(sys.argv[1])
have = db.execute("select count(*) from alerts").fetchone()[0]
rows = []
for i in range(have, int(sys.argv[2])):
    rows.append((str(uuid.UUID(int=i)), "2026-10-%02d %02d:%02d:00.000000" % (1 + i % 14, i % 24, i % 60), ["info","warning","critical"][i % 3],
                 "accuracy Alert", "accuracy is 0.6 (threshold: 0.7)", "accuracy", 0.6, 0.7, "performance", "v1.1", 0))
db.executemany("insert into alerts (alert_id, timestamp, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged) values (?,?,?,?,?,?,?,?,?,?,?)", rows)
db.commit()
db.execute("pragma wal_checkpoint(TRUNCATE)")
`;
  const run = spawnSync(PYTHON, ['-c', script, path, String(alerts)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return path;
}

function timeCommand(command: string, args: readonly string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const elapsed = ms(start);
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${run.stderr}`);
  return elapsed;
}

const SUMMARY_SQL = [
  'SELECT count(*) FROM predictions',
  'SELECT count(*) FROM predictions WHERE actual_outcome IS NOT NULL',
  'SELECT DISTINCT model_version FROM predictions ORDER BY 1',
  'SELECT count(*) FROM health_snapshots',
  'SELECT count(*) FROM alerts',
  'SELECT count(*) FROM alerts WHERE acknowledged IS NOT 1',
  'SELECT count(*) FROM alert_rules',
].join('; ');

const ACKNOWLEDGMENTS = 25;

/**
 * Acknowledges ACKNOWLEDGMENTS open alerts one by one in each database, alternating between the
 * two so that drift in the machine's load falls on both alike.
 */
async function acknowledgeTimes(paths: readonly string[]): Promise<number[][]> {
  const stores = await Promise.all(paths.map((path) => SqliteStore.open(path)));
  try {
    const queues = await Promise.all(stores.map((store) => store.readAlerts({ acknowledged: false, limit: ACKNOWLEDGMENTS + 1 })));
    queues.forEach((queue, index) => {
      if (queue.length < ACKNOWLEDGMENTS + 1) throw new Error(`${paths[index]}: not enough open alerts left; delete it to rebuild`);
    });
    // The first write of a store starts its writer process: not part of one acknowledgment's cost.
    for (const [index, store] of stores.entries()) await store.acknowledgeAlerts([(queues[index]?.[0] as { key: string }).key], 'bench', Date.now() / 1000);
    const times: number[][] = stores.map(() => []);
    for (let i = 1; i <= ACKNOWLEDGMENTS; i++) {
      for (const [index, store] of stores.entries()) {
        const alert = queues[index]?.[i] as { key: string };
        const start = process.hrtime.bigint();
        const result = await store.acknowledgeAlerts([alert.key], 'bench', Date.now() / 1000);
        times[index]?.push(ms(start));
        if (result.acknowledged.length !== 1) throw new Error('acknowledgment did not take');
      }
    }
    return times;
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
}

async function main(): Promise<void> {
  const { sqlite } = await benchDataset();
  const cli = join(ROOT, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: `npm run bench` builds it first');

  const pitwall: number[] = [];
  const shell: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    shell.push(timeCommand('sqlite3', [sqlite, SUMMARY_SQL]));
    pitwall.push(timeCommand(process.execPath, [cli, 'summary', sqlite, '--json']));
  }
  const summaryRatio = median(pitwall) / median(shell);
  process.stdout.write(
    `summary, 1M predictions: pitwall ${median(pitwall).toFixed(0)} ms, sqlite3 shell ${median(shell).toFixed(0)} ms → ratio ${summaryRatio.toFixed(2)}×\n`,
  );

  const [smallTimes, largeTimes] = await acknowledgeTimes([withAlerts(sqlite, 1_000), withAlerts(sqlite, 100_000)]);
  const small = median(smallTimes ?? []);
  const large = median(largeTimes ?? []);
  process.stdout.write(
    `acknowledge one alert: ${small.toFixed(1)} ms with 1,000 alerts, ${large.toFixed(1)} ms with 100,000 (median of ${ACKNOWLEDGMENTS}) → ratio ${(large / small).toFixed(2)}× (target ≤ 2×, < 50 ms)\n`,
  );
  checkTarget(large / small <= 2 && large < 50, `acknowledging one alert: ${(large / small).toFixed(2)}× with 100,000 alerts as with 1,000, ${large.toFixed(1)} ms (target ≤ 2×, < 50 ms)`);

  const openStart = process.hrtime.bigint();
  const store = await SqliteStore.open(sqlite);
  const openMs = ms(openStart);
  const lookups: number[] = [];
  for (let i = 0; i < 200; i++) {
    const id = `pred-${String((i * 4999) % 1_000_000).padStart(7, '0')}`;
    const start = process.hrtime.bigint();
    const prediction = await store.readPrediction(id);
    lookups.push(ms(start));
    if (!prediction) throw new Error(`${id} not found`);
  }
  await store.close();
  const sorted = [...lookups].sort((a, b) => a - b);
  process.stdout.write(
    `lookup by prediction_id in 1M (open took ${(openMs / 1000).toFixed(1)} s): median ${median(lookups).toFixed(3)} ms, p99 ${(sorted[197] ?? NaN).toFixed(3)} ms (target < 10 ms)\n`,
  );
  checkTarget((sorted[197] ?? Infinity) < 10, `lookup by prediction_id: p99 ${(sorted[197] ?? NaN).toFixed(3)} ms (target < 10)`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

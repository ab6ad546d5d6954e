/**
 * Opening a production-sized SQLite source from a cold `pitwall` process (issue: open in well
 * under a second at any size). For 1M and 4M predictions with 100,000 alerts: `summary`,
 * `alerts --limit 50` and `ack` of one alert, against the floor of the `sqlite3` shell answering
 * the same question in its own cold process plus Node's own start-up (`node -e 0`), and each
 * command's peak memory (the child's maxrss, read by a python3 wrapper that runs it). Targets:
 * ≤ 3× the floor, ≤ 200 MB, and the same memory (± 20 %) at 1M and 4M. A missed target is
 * printed as a MISSED line and makes the benchmark exit non-zero.
 *
 * The same folder of 1M predictions and 100,000 alerts as JSONL: `alerts` and `ack` against a
 * cold process that JSON.parses alerts.jsonl alone (target ≤ 1.5×), `summary` against one that
 * JSON.parses every file summary reads (≤ 1.5×). The untimed first run of each leaves the alert
 * index of alerts.jsonl in a cache folder of the benchmark's own, as a user's earlier command
 * would; each is also timed without the index (PITWALL_ALERT_INDEX=0), for the record.
 *
 * BENCH_OPEN=jsonl runs the JSONL part alone.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { measure, median, type Sample } from './data';
import { largeJsonl, largeSqlite, SUMMARY_SHELL_SQL, trendAt } from './largeSqlite';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const RUNS = 7;

function shell(db: string, sql: string): string[] {
  return ['sqlite3', db, sql];
}

const missed: string[] = [];
function check(ok: boolean, line: string): void {
  console.log(`  ${ok ? 'ok    ' : 'MISSED'} ${line}`);
  if (!ok) missed.push(line);
}

async function main(): Promise<void> {
  const peaks = new Map<string, number>();
  if (process.env.BENCH_OPEN === 'jsonl') {
    await jsonl();
    return finish();
  }
  for (const factor of [1, 4]) {
    const db = await largeSqlite(factor);
    const unacknowledged = execFileSync('sqlite3', [db, `SELECT id FROM alerts WHERE acknowledged = 0 ORDER BY id DESC LIMIT ${RUNS + 1}`]).toString().trim().split('\n');
    console.log(`\n${factor}M predictions, 100,000 alerts (${db})`);
    const questions: { name: string; pitwall: (run: number) => string[]; sqlite: (run: number) => string[] }[] = [
      {
        name: 'summary',
        pitwall: () => ['node', CLI, 'summary', db],
        sqlite: () =>
          shell(
            db,
            SUMMARY_SHELL_SQL,
          ),
      },
      {
        name: 'alerts --limit 50',
        pitwall: () => ['node', CLI, 'alerts', db, '--limit', '50'],
        sqlite: () => shell(db, 'SELECT * FROM alerts ORDER BY timestamp DESC, id DESC LIMIT 50;'),
      },
      {
        name: 'ack one alert',
        // Each run acknowledges another open alert; the shell's UPDATE acknowledges one more.
        pitwall: (run) => ['node', CLI, 'ack', db, unacknowledged[run] as string, '--by', 'bench'],
        sqlite: (run) => shell(db, `UPDATE alerts SET acknowledged = 1, acknowledged_at = '2026-10-20 00:00:00.000000', acknowledged_by = 'bench' WHERE id = ${Number(unacknowledged[RUNS - run]) - 100};`),
      },
    ];
    for (const question of questions) {
      const ours: Sample[] = [];
      const theirs: Sample[] = [];
      const node: Sample[] = [];
      // One untimed run of each: the file in the page cache, the CLI's code in its compile cache.
      measure(question.pitwall(RUNS));
      measure(question.sqlite(RUNS));
      for (let run = 0; run < RUNS; run++) {
        ours.push(measure(question.pitwall(run)));
        theirs.push(measure(question.sqlite(run)));
        node.push(measure(['node', '-e', '0']));
      }
      const oursMs = median(ours.map((s) => s.ms));
      const floor = median(theirs.map((s) => s.ms)) + median(node.map((s) => s.ms));
      const peak = Math.max(...ours.map((s) => s.mb));
      peaks.set(`${question.name}@${factor}`, peak);
      console.log(`  ${question.name}: pitwall ${oursMs.toFixed(0)} ms, sqlite3 ${median(theirs.map((s) => s.ms)).toFixed(0)} ms + node -e 0 ${median(node.map((s) => s.ms)).toFixed(0)} ms, peak ${peak.toFixed(0)} MB`);
      check(oursMs / floor <= 3, `${question.name} at ${factor}M: ${(oursMs / floor).toFixed(2)}× the floor (target ≤ 3)`);
      check(peak <= 200, `${question.name} at ${factor}M: peak ${peak.toFixed(0)} MB (target ≤ 200)`);
    }
    if (factor === 4) trendAt(db, '4M', 3, (peak) => check(peak <= 500, `cold hourly trend at 4M: peak ${peak.toFixed(0)} MB (target ≤ 500)`));
  }
  await jsonl();
  console.log('');
  for (const name of ['summary', 'alerts --limit 50', 'ack one alert']) {
    const one = peaks.get(`${name}@1`) as number;
    const four = peaks.get(`${name}@4`) as number;
    check(Math.abs(four / one - 1) <= 0.2, `${name}: peak at 4M / at 1M = ${(four / one).toFixed(2)} (target 0.80–1.20)`);
  }
  finish();
}

function finish(): void {
  if (missed.length > 0) {
    console.log(`\n${missed.length} target${missed.length === 1 ? '' : 's'} missed`);
    process.exitCode = 1;
  }
}

/** A cold process that reads these files and JSON.parses every line: the floor of reading them at all. */
function parseFloor(files: readonly string[]): string[] {
  const script = `const fs = require('node:fs'); let n = 0; for (const f of ${JSON.stringify(files)}) for (const line of fs.readFileSync(f, 'utf8').split('\\n')) if (line) { JSON.parse(line); n++; }`;
  return ['node', '-e', script];
}

async function jsonl(): Promise<void> {
  const folder = await largeJsonl();
  console.log(`\nJSONL folder, 1M predictions, 100,000 alerts (${folder})`);
  // The benchmark's own cache folder, emptied first: the first run of each question parses alerts.jsonl and leaves its index.
  const cache = join(folder, '..', 'alert-index-cache');
  rmSync(cache, { recursive: true, force: true });
  process.env.XDG_CACHE_HOME = cache;
  const keys = execFileSync('node', [CLI, 'alerts', folder, '--unacknowledged', '--limit', String(RUNS * 2 + 2), '--json']).toString();
  const open = (JSON.parse(keys) as { key: string }[]).map((alert) => alert.key);
  const summaryFiles = ['predictions.jsonl', 'outcomes.jsonl', 'alerts.jsonl', 'health_snapshots.jsonl'].map((name) => join(folder, name));
  const questions: { name: string; pitwall: (run: number) => string[]; floor: string[] }[] = [
    { name: 'alerts --limit 50', pitwall: () => ['node', CLI, 'alerts', folder, '--limit', '50'], floor: parseFloor([join(folder, 'alerts.jsonl')]) },
    { name: 'ack one alert', pitwall: (run) => ['node', CLI, 'ack', folder, open[run] as string, '--by', 'bench'], floor: parseFloor([join(folder, 'alerts.jsonl')]) },
    { name: 'summary', pitwall: () => ['node', CLI, 'summary', folder], floor: parseFloor(summaryFiles) },
  ];
  for (const question of questions) {
    measure(question.pitwall(RUNS));
    measure(question.floor);
    const ours: Sample[] = [];
    const floor: Sample[] = [];
    for (let run = 0; run < RUNS; run++) {
      ours.push(measure(question.pitwall(run)));
      floor.push(measure(question.floor));
    }
    const oursMs = median(ours.map((s) => s.ms));
    const floorMs = median(floor.map((s) => s.ms));
    // For the record: the same question with no index to use, as the first command after another program rewrote alerts.jsonl.
    const unindexed: Sample[] = [];
    process.env.PITWALL_ALERT_INDEX = '0';
    for (let run = 0; run < 3; run++) unindexed.push(measure(question.pitwall(RUNS + 1 + run)));
    delete process.env.PITWALL_ALERT_INDEX;
    console.log(`  ${question.name}: pitwall ${oursMs.toFixed(0)} ms, JSON.parse floor ${floorMs.toFixed(0)} ms, peak ${Math.max(...ours.map((s) => s.mb)).toFixed(0)} MB; without the alert index ${median(unindexed.map((s) => s.ms)).toFixed(0)} ms (${(median(unindexed.map((s) => s.ms)) / floorMs).toFixed(2)}×)`);
    check(oursMs / floorMs <= 1.5, `JSONL ${question.name}: ${(oursMs / floorMs).toFixed(2)}× the JSON.parse floor (target ≤ 1.5)`);
  }
}

void main();

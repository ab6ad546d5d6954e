/**
 * A 10M-prediction SQLite file (3.8 GB, 100,000 alerts; built once by largeSqlite.ts from the
 * generator's data): a cold `pitwall` process opens it and answers `summary`, lists the newest
 * alerts, acknowledges one and draws the hourly trend, each timed against the sqlite3 shell
 * answering the same question in its own cold process. Targets: the brief commands within
 * 200 MB, as at 1M and 4M (memory must not grow with the predictions table); the times and the
 * trend's ratio to the shell are reported.
 *
 *   node --import tsx bench/tenMillion.ts    (npm run bench -- tenMillion; builds dist/ first)
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { checkTarget, measure, median } from './data';
import { largeSqlite, SUMMARY_SHELL_SQL, trendAt } from './largeSqlite';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const RUNS = 3;

async function main(): Promise<void> {
  const db = await largeSqlite(10);
  const open = execFileSync('sqlite3', [db, `SELECT id FROM alerts WHERE acknowledged = 0 ORDER BY id DESC LIMIT ${2 * RUNS + 1}`]).toString().trim().split('\n');
  console.log(`\n10M predictions, 100,000 alerts (${db})`);
  const questions: { name: string; pitwall: (run: number) => string[]; sqlite: (run: number) => string[] }[] = [
    {
      name: 'summary',
      pitwall: () => ['node', CLI, 'summary', db],
      sqlite: () => ['sqlite3', db, SUMMARY_SHELL_SQL],
    },
    { name: 'alerts --limit 50', pitwall: () => ['node', CLI, 'alerts', db, '--limit', '50'], sqlite: () => ['sqlite3', db, 'SELECT * FROM alerts ORDER BY timestamp DESC, id DESC LIMIT 50;'] },
    {
      name: 'ack one alert',
      pitwall: (run) => ['node', CLI, 'ack', db, open[run] as string, '--by', 'bench'],
      sqlite: (run) => ['sqlite3', db, `UPDATE alerts SET acknowledged = 1, acknowledged_at = '2026-10-20 00:00:00.000000', acknowledged_by = 'bench' WHERE id = ${open[RUNS + run] as string};`],
    },
  ];
  for (const question of questions) {
    measure(question.pitwall(RUNS * 2));
    const ours = Array.from({ length: RUNS }, (_, run) => measure(question.pitwall(run)));
    const theirs = Array.from({ length: RUNS }, (_, run) => measure(question.sqlite(run)));
    const peak = Math.max(...ours.map((s) => s.mb));
    console.log(`  ${question.name}: pitwall ${median(ours.map((s) => s.ms)).toFixed(0)} ms, sqlite3 ${median(theirs.map((s) => s.ms)).toFixed(0)} ms, peak ${peak.toFixed(0)} MB`);
    checkTarget(peak <= 200, `${question.name} at 10M: peak ${peak.toFixed(0)} MB (target ≤ 200)`);
  }
  trendAt(db, '10M', 1, () => undefined);
}

void main();

/**
 * Production-sized SQLite files for the open benchmarks, made from the generator's million
 * predictions with the sqlite3 shell (native speed): the predictions copied `factor` times with
 * their times shifted back by the dataset's span (so a 4M file holds four periods one after the
 * other, the Python schema and indexes unchanged), and `alerts` alerts in all, spread over the same span.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_DATA, benchDataset, measure, median, TREND_ARGS, TREND_SHELL_SQL, type Sample } from './data';

const CLI = join(__dirname, '..', 'dist', 'cli.js');

/**
 * What `pitwall summary` answers, as the sqlite3 shell answers it best: counts, model versions,
 * the data span and each version's newest prediction (from the timestamp index's end), open
 * alerts by severity and model version.
 */
export const SUMMARY_SHELL_SQL = [
  'SELECT count(*), count(actual_outcome) FROM predictions;',
  'SELECT DISTINCT model_version FROM predictions;',
  'SELECT count(*) FROM health_snapshots;',
  'SELECT count(*), sum(NOT acknowledged) FROM alerts;',
  'SELECT count(*) FROM alert_rules;',
  'SELECT min(timestamp), max(timestamp) FROM predictions;',
  'SELECT v, (SELECT max(timestamp) FROM predictions WHERE +model_version = v) FROM (SELECT DISTINCT model_version AS v FROM predictions);',
  'SELECT severity, model_version, count(*) FROM alerts WHERE acknowledged IS NOT 1 GROUP BY 1, 2;',
].join(' ');

export async function largeSqlite(factor: number, alerts = 100_000): Promise<string> {
  const { sqlite } = await benchDataset(1_000_000);
  const path = join(BENCH_DATA, `large-${factor}m-${alerts}a.db`);
  const done = `${path}.complete`;
  if (existsSync(done)) return path;
  process.stdout.write(`building ${factor}M predictions with ${alerts.toLocaleString('en-US')} alerts into ${path} (once)…\n`);
  const partial = `${path}.partial`;
  rmSync(partial, { force: true });
  rmSync(`${partial}-wal`, { force: true });
  copyFileSync(sqlite, partial);
  const copies: string[] = [];
  for (let k = 1; k < factor; k++) {
    // Shifts by k spans of 14 days; ids and prediction ids continue past the originals.
    copies.push(`INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, actual_outcome, actual_outcome_timestamp, features, extra_metadata, created_at)
      SELECT strftime('%Y-%m-%d %H:%M:%f', timestamp, '-${14 * k} days') || substr(timestamp, 24), model_version, prediction_id || '-${k}', predicted_outcome, confidence, actual_outcome,
        CASE WHEN actual_outcome_timestamp IS NULL THEN NULL ELSE strftime('%Y-%m-%d %H:%M:%f', actual_outcome_timestamp, '-${14 * k} days') || substr(actual_outcome_timestamp, 24) END,
        features, extra_metadata, created_at FROM predictions WHERE id <= 1000000;`);
  }
  const existing = Number(execFileSync('sqlite3', [partial, 'SELECT count(*) FROM alerts']).toString().trim());
  const more = Math.max(0, alerts - existing);
  const sql = `PRAGMA journal_mode = WAL;
BEGIN;
${copies.join('\n')}
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${more})
INSERT INTO alerts (alert_id, timestamp, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged, acknowledged_at, acknowledged_by, created_at)
SELECT printf('bench-%08d', i),
  strftime('%Y-%m-%d %H:%M:%f', '2026-10-01', '+' || (i * 12) || ' seconds') || '000',
  CASE i % 10 WHEN 0 THEN 'critical' WHEN 1 THEN 'critical' WHEN 2 THEN 'info' ELSE 'warning' END,
  'accuracy Alert', 'accuracy is ' || (0.6 + (i % 17) / 100.0) || ' (threshold: 0.78)', 'accuracy', 0.6 + (i % 17) / 100.0, 0.78, 'performance',
  CASE i % 2 WHEN 0 THEN 'v1.0' ELSE 'v1.1' END,
  CASE WHEN i % 3 = 0 THEN 0 ELSE 1 END,
  CASE WHEN i % 3 = 0 THEN NULL ELSE strftime('%Y-%m-%d %H:%M:%f', '2026-10-01', '+' || (i * 12 + 600) || ' seconds') || '000' END,
  CASE WHEN i % 3 = 0 THEN NULL ELSE 'oncall@example.com' END,
  strftime('%Y-%m-%d %H:%M:%S', '2026-10-01', '+' || (i * 12) || ' seconds')
FROM n;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
PRAGMA journal_mode = WAL;
`;
  execFileSync('sqlite3', [partial], { input: sql, stdio: ['pipe', 'ignore', 'inherit'], maxBuffer: 1 << 20 });
  renameSync(partial, path);
  rmSync(`${partial}-wal`, { force: true });
  rmSync(`${partial}-shm`, { force: true });
  writeFileSync(done, new Date().toISOString());
  return path;
}

/**
 * The generator's million predictions as a JSONL folder with `alerts` alerts in alerts.jsonl (the
 * Python service's line format, a third of them open); the other files are hard links to the
 * generated ones, which acknowledging never rewrites.
 */
export async function largeJsonl(alerts = 100_000): Promise<string> {
  const { jsonl } = await benchDataset(1_000_000);
  const folder = join(BENCH_DATA, `large-jsonl-1m-${alerts}a`);
  const done = join(folder, '.complete');
  if (existsSync(done)) return folder;
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const name of readdirSync(jsonl)) if (name !== 'alerts.jsonl') linkSync(join(jsonl, name), join(folder, name));
  const start = Date.parse('2026-10-01T00:00:00Z') / 1000;
  const lines: string[] = [];
  for (let i = 1; i <= alerts; i++) {
    const at = start + i * 12 + 0.25;
    const open = i % 3 === 0;
    const severity = i % 10 < 2 ? 'critical' : i % 10 === 2 ? 'info' : 'warning';
    const value = 0.6 + (i % 17) / 100;
    lines.push(
      JSON.stringify({
        timestamp: at,
        alert_id: `alert_${Math.round(at * 1000)}`,
        severity,
        title: 'PERFORMANCE: accuracy Alert',
        message: `accuracy is ${value.toFixed(4)} (< 0.7800)`,
        metric_name: 'accuracy',
        metric_value: value,
        threshold: 0.78,
        component: 'performance',
        model_version: i % 2 === 0 ? 'v1.0' : 'v1.1',
        acknowledged: !open,
        acknowledged_at: open ? null : at + 600,
        acknowledged_by: open ? null : 'oncall@example.com',
      }).replace(/":/g, '": ').replace(/,"/g, ', "'),
    );
  }
  writeFileSync(join(folder, 'alerts.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(done, new Date().toISOString());
  return folder;
}

/**
 * The cold hourly trend per model version against the sqlite3 shell's SQL for it: times and the
 * ratio printed, the peak memory handed to `judge`. Shared with the 10M benchmark.
 */
export function trendAt(db: string, label: string, runs: number, judge: (peakMb: number) => void): void {
  const ours: Sample[] = [];
  const theirs: Sample[] = [];
  measure(['node', CLI, 'trend', db, ...TREND_ARGS]);
  for (let run = 0; run < runs; run++) {
    ours.push(measure(['node', CLI, 'trend', db, ...TREND_ARGS]));
    theirs.push(measure(['sqlite3', db, TREND_SHELL_SQL]));
  }
  const oursMs = median(ours.map((s) => s.ms));
  const theirsMs = median(theirs.map((s) => s.ms));
  const peak = Math.max(...ours.map((s) => s.mb));
  console.log(`  trend --every 1h (cold), ${label}: pitwall ${oursMs.toFixed(0)} ms, sqlite3 ${theirsMs.toFixed(0)} ms → ${(oursMs / theirsMs).toFixed(2)}× the shell; peak ${peak.toFixed(0)} MB (shell ${Math.max(...theirs.map((s) => s.mb)).toFixed(0)} MB)`);
  judge(peak);
}

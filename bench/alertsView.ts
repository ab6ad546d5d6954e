/**
 * The Alerts view at 100,000 alerts (issue 14), timed in Node on the store as the editor holds it
 * (in the bundled store worker), for a SQLite file and a JSONL folder of 1M predictions:
 * - once the source is open (as the editor's SourceManager opens it: the store described, its
 *   alerts counted per severity, its rules read), the view's first level (groups with counts, the rules and silences
 *   its states come from) and the first page of the leading group: target ≤ 200 ms;
 * - after the service appends one alert, the refresh (the store reads what was appended) and the
 *   same listing again, against the first load (open + listing): their ratio is reported, the
 *   refresh alone and with the listing. SQLite in WAL mode is appended to as the service does it
 *   (one python3 sqlite3 connection held open, so the commits stay in the WAL), and in rollback-
 *   journal mode by the sqlite3 shell; the pages of the alerts table a refresh read and decoded
 *   are printed too.
 * The sources are copies in a temporary folder (the JSONL one hard-links everything but
 * alerts.jsonl), so the appended alert never reaches bench/data.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { appendFileSync, copyFileSync, linkSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAlertViewContext, readAlertViewGroups, readAlertViewPage } from '../src/core/alertGroups';
import { ALERT_PAGE, readAlertGroups } from '../src/core/sourceLoad';
import type { Store } from '../src/core/store/store';
import { openStoreInWorker } from '../src/core/store/workerStore';
import { SqliteStore } from '../src/core/store/sqlite/sqliteStore';
import { checkTarget, median } from './data';
import { largeJsonl, largeSqlite } from './largeSqlite';

const DIST = join(__dirname, '..', 'dist');
const SCRIPT = join(DIST, 'storeWorker.js');
const WASM = join(DIST, 'sql-wasm.wasm');
const RUNS = 3;

/** The first level and the first page of the leading group, as the view lists them; the time it took. */
async function listing(store: Store): Promise<{ ms: number; groups: number; page: number }> {
  const start = performance.now();
  const context = await readAlertViewContext(store, Date.now() / 1000);
  const groups = await readAlertViewGroups(store, 'severity', {}, context);
  const leading = groups[0];
  const page = leading === undefined ? [] : await readAlertViewPage(store, leading, {}, context, 0, ALERT_PAGE);
  return { ms: performance.now() - start, groups: groups.length, page: page.length };
}

/** The monitoring service's connection: held open, one transaction per statement, as SQLAlchemy's pool keeps it. */
function serviceConnection(path: string): { run(sql: string): Promise<void>; close(): Promise<void> } {
  const script = 'import sqlite3, sys\ncon = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)\nfor line in sys.stdin:\n    con.execute(line)\n    print("ok", flush=True)\n';
  const child = spawn('python3', ['-c', script, path], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: (() => void)[] = [];
  createInterface({ input: child.stdout }).on('line', () => waiting.shift()?.());
  return {
    run: (sql) => new Promise((resolve) => {
      waiting.push(resolve);
      child.stdin.write(`${sql.replace(/\s+/g, ' ')}\n`);
    }),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

const ALERT_SQL = (n: number) =>
  `INSERT INTO alerts (alert_id, timestamp, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged, created_at) VALUES ('bench_${Date.now()}_${n}', strftime('%Y-%m-%d %H:%M:%S.000000', 'now'), 'critical', 'bench ${n}', 'accuracy is 0.5 (< 0.7)', 'accuracy', 0.5, 0.7, 'performance', 'v1.1', 0, strftime('%Y-%m-%d %H:%M:%S', 'now'))`;

/** The alerts table's pages a refresh read after one appended alert (the store in this thread, to ask it). */
async function pagesRead(kind: string, path: string, append: () => Promise<void>): Promise<void> {
  const store = await SqliteStore.open(path, { wasmPath: WASM });
  try {
    await readAlertGroups(store);
    await append();
    await store.refresh();
    const reads = store.alertPageReads;
    console.log(`  ${kind}: after one appended alert the refresh took ${reads.fromFile} of the alerts table's ${reads.pages} pages from the main file, ${reads.fromWal} from the WAL, and decoded ${reads.decoded}`);
  } finally {
    await store.close();
  }
}

async function measure(kind: string, path: string, append: () => void | Promise<void>): Promise<void> {
  const firsts: number[] = [];
  const ratios: number[] = [];
  const refreshRatios: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const opened = performance.now();
    const store = await openStoreInWorker(path, SCRIPT, { wasmPath: WASM });
    // What the editor's SourceManager reads to open a source, before the views list anything.
    await store.describe();
    await readAlertGroups(store);
    await store.readRules();
    const openMs = performance.now() - opened;
    const first = await listing(store);
    firsts.push(first.ms);
    await append();
    const refreshed = performance.now();
    const result = await store.refresh();
    const refreshOnly = performance.now() - refreshed;
    const again = await listing(store);
    const refreshMs = performance.now() - refreshed;
    ratios.push(refreshMs / (openMs + first.ms));
    refreshRatios.push(refreshOnly / (openMs + first.ms));
    console.log(
      `  ${kind} run ${run + 1}: open ${openMs.toFixed(0)} ms, first level (${first.groups} groups) + first page (${first.page} alerts) ${first.ms.toFixed(0)} ms; one appended alert: refresh ${refreshOnly.toFixed(0)} ms + listing ${again.ms.toFixed(0)} ms (${result.changes.map((change) => `${change.collection} ${change.kind} ${change.added}`).join(', ') || 'no change'})`,
    );
    await store.close();
  }
  checkTarget(median(firsts) <= 200, `${kind}: first level and first page ${median(firsts).toFixed(0)} ms after the source is open (target ≤ 200)`);
  console.log(`  ${kind}: after one appended alert, the refresh = ${median(refreshRatios).toFixed(3)} × the first load (open + listing), refresh + listing = ${median(ratios).toFixed(3)} ×, median of ${RUNS}`);
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'pitwall-bench-alerts-view-'));
  try {
    const sqlite = join(work, 'monitoring.db');
    copyFileSync(await largeSqlite(1), sqlite);
    let n = 0;
    const service = serviceConnection(sqlite);
    try {
      const append = () => service.run(ALERT_SQL(++n));
      await measure('SQLite 1M/100k, WAL', sqlite, append);
      await pagesRead('SQLite 1M/100k, WAL', sqlite, append);
    } finally {
      await service.close();
    }
    const rollback = join(work, 'rollback.db');
    copyFileSync(sqlite, rollback);
    execFileSync('sqlite3', [rollback, 'PRAGMA journal_mode = DELETE'], { stdio: 'ignore' });
    const shellAppend = () => {
      execFileSync('sqlite3', [rollback, ALERT_SQL(++n)]);
    };
    await measure('SQLite 1M/100k, rollback journal', rollback, shellAppend);
    await pagesRead('SQLite 1M/100k, rollback journal', rollback, async () => shellAppend());
    const source = await largeJsonl();
    const folder = join(work, 'monitoring');
    execFileSync('mkdir', [folder]);
    for (const name of readdirSync(source)) if (name !== 'alerts.jsonl' && !name.startsWith('.')) linkSync(join(source, name), join(folder, name));
    copyFileSync(join(source, 'alerts.jsonl'), join(folder, 'alerts.jsonl'));
    const model = readFileSync(join(folder, 'alerts.jsonl'), 'utf8').slice(0, 4096).split('\n')[0] as string;
    await measure('JSONL 1M/100k', folder, () => {
      n++;
      const alert = { ...(JSON.parse(model) as Record<string, unknown>), alert_id: `alert_${Date.now()}${n}`, timestamp: Date.now() / 1000, acknowledged: false };
      appendFileSync(join(folder, 'alerts.jsonl'), `${JSON.stringify(alert)}\n`);
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

void main();

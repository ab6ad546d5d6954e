/**
 * The Alerts view at 100,000 alerts (issue 14), timed in Node on the store as the editor holds it
 * (in the bundled store worker), for a SQLite file and a JSONL folder of 1M predictions:
 * - once the source is open (as the editor's SourceManager opens it: the store described, its
 *   alerts counted per severity, its rules read), the view's first level (groups with counts, the rules and silences
 *   its states come from) and the first page of the leading group: target ≤ 200 ms;
 * - after the service appends one alert, the refresh (the store reads what was appended) and the
 *   same listing again, against the first load (open + listing): their ratio is reported.
 * The sources are copies in a temporary folder (the JSONL one hard-links everything but
 * alerts.jsonl), so the appended alert never reaches bench/data.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, linkSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAlertViewContext, readAlertViewGroups, readAlertViewPage } from '../src/core/alertGroups';
import { ALERT_PAGE, readAlertGroups } from '../src/core/sourceLoad';
import type { Store } from '../src/core/store/store';
import { openStoreInWorker } from '../src/core/store/workerStore';
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

async function measure(kind: string, path: string, append: () => void): Promise<void> {
  const firsts: number[] = [];
  const ratios: number[] = [];
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
    append();
    const refreshed = performance.now();
    const result = await store.refresh();
    const again = await listing(store);
    const refreshMs = performance.now() - refreshed;
    ratios.push(refreshMs / (openMs + first.ms));
    console.log(
      `  ${kind} run ${run + 1}: open ${openMs.toFixed(0)} ms, first level (${first.groups} groups) + first page (${first.page} alerts) ${first.ms.toFixed(0)} ms; one appended alert: refresh + listing ${refreshMs.toFixed(0)} ms (${result.changes.length} change${result.changes.length === 1 ? '' : 's'}, listing ${again.ms.toFixed(0)} ms)`,
    );
    await store.close();
  }
  checkTarget(median(firsts) <= 200, `${kind}: first level and first page ${median(firsts).toFixed(0)} ms after the source is open (target ≤ 200)`);
  console.log(`  ${kind}: refresh after one appended alert = ${median(ratios).toFixed(3)} × the first load (open + listing), median of ${RUNS}`);
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'pitwall-bench-alerts-view-'));
  try {
    const sqlite = join(work, 'monitoring.db');
    copyFileSync(await largeSqlite(1), sqlite);
    let n = 0;
    await measure('SQLite 1M/100k', sqlite, () => {
      n++;
      execFileSync('sqlite3', [sqlite, `INSERT INTO alerts (alert_id, timestamp, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged, created_at) VALUES ('bench_${Date.now()}_${n}', strftime('%Y-%m-%d %H:%M:%S.000000', 'now'), 'critical', 'bench ${n}', 'accuracy is 0.5 (< 0.7)', 'accuracy', 0.5, 0.7, 'performance', 'v1.1', 0, strftime('%Y-%m-%d %H:%M:%S', 'now'))`]);
    });
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

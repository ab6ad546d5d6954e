/**
 * A notebook's cells run in a worker thread of their own: the same results as the kernel in
 * process (PQL on both stores, SQL on a folder and on a file), `let` names carried from cell to
 * cell, errors located, and a cancelled cell's work stopped — the thread ends and the CPU it was
 * burning goes quiet — after which the next cell runs on a new thread.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bundleQueryWorker } from './bundleWorker';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { openStore, scanPredictionColumns } from '../../../../src/core/store/openStore';
import type { Pipeline } from '../../../../src/core/query/ast';
import { CellCancelledError, QueryRunner } from '../../../../src/core/query/queryRunner';
import { runQuery } from '../../../../src/core/query/run';
import { runSqlOnSource } from '../../../../src/core/query/sql';
import { referenceOf, starterNotebook } from '../../../../src/core/query/starterNotebook';
import { readDataScope } from '../../../../src/core/analytics/dataScope';

const NOW = 1_800_000_000;
/** Counts to ten billion: minutes of SQLite work unless something ends it. */
const ENDLESS_SQL = 'with recursive c(x) as (select 1 union all select x + 1 from c where x < 10000000000) select count(*) from c';

/** The process's OS threads (Linux), or undefined elsewhere. */
function osThreads(): number | undefined {
  try {
    return readdirSync('/proc/self/task').length;
  } catch {
    return undefined;
  }
}

/** CPU seconds a process has used (Linux /proc), or undefined once it has ended (gone, or a zombie not yet reaped). */
function processCpu(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU time (µs) the whole process, worker threads included, spends over the next `ms`. */
async function cpuOver(ms: number): Promise<number> {
  const from = process.cpuUsage();
  await sleep(ms);
  const used = process.cpuUsage(from);
  return used.user + used.system;
}

describe('notebook cells in a query thread', function () {
  this.timeout(120_000);
  let dir = '';
  let script = '';
  let db = '';
  let folder = '';
  const wasmPath = require.resolve('sql.js/dist/sql-wasm.wasm');
  const runners: QueryRunner[] = [];
  const runner = (source: string) => {
    const made = new QueryRunner(source, { script, wasmPath });
    runners.push(made);
    return made;
  };

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'pitwall-query-runner-'));
    script = join(dir, 'bundle', 'queryWorker.js');
    await bundleQueryWorker(script);
    const generated = await generateDataset({ outDir: join(dir, 'data'), predictions: 6_000, seed: 11 });
    db = generated.databasePath as string;
    folder = generated.jsonlDir as string;
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((made) => made.close()));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const kind of ['sqlite', 'jsonl'] as const) {
    it(`gives a PQL trend and a SQL count as the kernel does in process (${kind}), with the trend's chart as Vega-Lite and SVG`, async function () {
      const path = kind === 'sqlite' ? db : folder;
      const text = 'predictions | window 1d | by model_version | metrics accuracy, ece | chart line';
      const cells = runner(path);
      const remote = await cells.run({ language: 'pql', text, now: NOW, lets: new Map() });
      const store = await openStore(path);
      try {
        const local = await runQuery(text, { scanColumns: (f, m) => scanPredictionColumns(path, f, m), withStore: (use) => use(store) }, { now: NOW });
        assert.deepEqual(remote.errors, []);
        assert.deepEqual(remote.results, local.results);
        assert.ok(remote.results[0] !== undefined && remote.results[0].rows.length > 3);
      } finally {
        await store.close();
      }
      const chart = remote.charts[0];
      assert.ok(chart !== null && chart !== undefined);
      assert.match(String(chart.spec.$schema), /vega-lite/);
      assert.match(chart.svg ?? '', /^<svg[^>]*>.*<path/s);

      const sql = 'select model_version, count(*) as n from predictions group by model_version order by model_version';
      const viaThread = await cells.run({ language: 'sql', text: sql, now: NOW, lets: new Map() });
      const direct = await runSqlOnSource(path, sql, { wasmPath });
      assert.deepEqual(viaThread.results[0]?.rows, direct.result.rows);
      assert.equal(viaThread.charts[0], null);
      assert.equal(cells.threadsStarted, 1, 'both cells ran on the one thread kept open');
    });
  }

  it('carries a let from one cell to the next, and reports only the names a cell added', async function () {
    const cells = runner(db);
    const first = await cells.run({ language: 'pql', text: 'let daily = predictions | window 1d | metrics accuracy\ndaily | take 2', now: NOW, lets: new Map() });
    assert.deepEqual([...first.lets.keys()], ['daily']);
    const lets = new Map<string, Pipeline>(first.lets);
    const second = await cells.run({ language: 'pql', text: 'daily | take 3', now: NOW, lets });
    assert.deepEqual(second.errors, []);
    assert.equal(second.results[0]?.rows.length, 3);
    assert.deepEqual([...second.lets.keys()], []);
    const unknown = await cells.run({ language: 'pql', text: 'weekly | take 3', now: NOW, lets: new Map() });
    assert.equal(unknown.errors[0]?.code, 'unknown-source');
  });

  it('returns a query error with its span, and a SQL error as a rejection naming SQLite’s complaint', async function () {
    const cells = runner(folder);
    const text = 'predictions | window 1h | metrics acuracy';
    const bad = await cells.run({ language: 'pql', text, now: NOW, lets: new Map() });
    assert.equal(bad.results.length, 0);
    assert.equal(bad.errors[0]?.code, 'unknown-metric');
    assert.equal(text.slice(bad.errors[0]?.span.start, bad.errors[0]?.span.end), 'acuracy');
    await assert.rejects(cells.run({ language: 'sql', text: 'selec 1', now: NOW, lets: new Map() }), /SQL: .*syntax error/);
    // The thread survives a failed cell.
    const fine = await cells.run({ language: 'sql', text: 'select count(*) as n from alerts', now: NOW, lets: new Map() });
    assert.equal(typeof fine.results[0]?.rows[0]?.n, 'number');
  });

  it('stops a cancelled cell’s work in its thread: the OS thread is gone, CPU use falls to nothing, and the next cell runs on a new thread', async function () {
    // On a folder, SQL runs in the thread itself (its tables in sql.js).
    const cells = runner(folder);
    const idleThreads = osThreads();
    const controller = new AbortController();
    const running = cells.run({ language: 'sql', text: ENDLESS_SQL, now: NOW, lets: new Map() }, controller.signal);
    await sleep(1500);
    const runningThreads = osThreads();
    if (idleThreads !== undefined && runningThreads !== undefined) assert.ok(runningThreads > idleThreads, `the cell runs on a thread of its own (${idleThreads} → ${runningThreads})`);
    // While it runs, the thread burns CPU (as much as the machine's load leaves it).
    const busy = await cpuOver(1000);
    controller.abort();
    await assert.rejects(running, CellCancelledError);
    assert.equal(cells.threadAlive, false);
    await sleep(300);
    const quiet = await cpuOver(1000);
    assert.ok(busy > 20_000 && quiet * 4 < busy, `no work goes on after the cancel: ${quiet} µs of CPU in 1 s, against ${busy} µs while it ran`);
    const afterThreads = osThreads();
    if (runningThreads !== undefined && afterThreads !== undefined) assert.ok(afterThreads < runningThreads, `the thread ended (${runningThreads} → ${afterThreads})`);
    const next = await cells.run({ language: 'sql', text: 'select 41 + 1 as answer', now: NOW, lets: new Map() });
    assert.equal(next.results[0]?.rows[0]?.answer, 42);
    assert.equal(cells.threadsStarted, 2);
  });

  it('ends a cancelled SQL cell’s SQLite process on a file: it burned CPU while the cell ran, and is gone after', async function () {
    if (!existsSync('/proc/self/stat')) this.skip();
    // On a SQLite file, SQL runs in real SQLite in a child process, which outlives a thread that ends.
    const cells = runner(db);
    const controller = new AbortController();
    const running = cells.run({ language: 'sql', text: ENDLESS_SQL, now: NOW, lets: new Map() }, controller.signal);
    let pid: number | undefined;
    for (let waited = 0; pid === undefined && waited < 10_000; waited += 100) {
      await sleep(100);
      pid = cells.childPid;
    }
    assert.ok(pid !== undefined, 'the cell runs in a SQLite child process');
    const first = processCpu(pid);
    await sleep(1000);
    const busy = (processCpu(pid) ?? 0) - (first ?? 0);
    assert.ok(busy > 0.2, `the child works while the cell runs (${busy.toFixed(2)} s of CPU in 1 s)`);
    controller.abort();
    await assert.rejects(running, CellCancelledError);
    await sleep(300);
    assert.equal(processCpu(pid), undefined, `the child ${pid} ended with the cell`);
    assert.equal(cells.childPid, undefined);
    const next = await cells.run({ language: 'sql', text: 'select count(*) as n from predictions', now: NOW, lets: new Map() });
    assert.equal(next.results[0]?.rows[0]?.n, 6000);
  });

  it('refuses to run a cell already cancelled, and after close', async function () {
    const cells = runner(db);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(cells.run({ language: 'sql', text: 'select 1', now: NOW, lets: new Map() }, controller.signal), CellCancelledError);
    assert.equal(cells.threadsStarted, 0);
    await cells.close();
    await assert.rejects(cells.run({ language: 'sql', text: 'select 1', now: NOW, lets: new Map() }), /closed/);
  });
});

describe('the starter notebook', function () {
  this.timeout(120_000);
  let dir = '';
  let script = '';
  const wasmPath = require.resolve('sql.js/dist/sql-wasm.wasm');

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'pitwall-starter-'));
    script = join(dir, 'bundle', 'queryWorker.js');
    await bundleQueryWorker(script);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('puts the drift reference inside the data: its first week, or its first half when shorter', () => {
    assert.equal(referenceOf({ first: 1_790_812_800, last: 1_790_812_800 + 14 * 86_400 }), '2026-10-01T00:00Z..2026-10-08T00:00Z');
    assert.equal(referenceOf({ first: 1_790_812_800, last: 1_790_812_800 + 2 * 86_400 }), '2026-10-01T00:00Z..2026-10-02T00:00Z');
    assert.equal(referenceOf({ first: null, last: null }), 'ago(30d)..ago(23d)');
  });

  for (const kind of ['sqlite', 'jsonl'] as const) {
    it(`runs every example cell without an error, in order, on a ${kind} source`, async function () {
      const generated = await generateDataset({ outDir: join(dir, kind), predictions: 5_000, seed: 3 });
      const path = (kind === 'sqlite' ? generated.databasePath : generated.jsonlDir) as string;
      const store = await openStore(path);
      const scope = await readDataScope(store).finally(() => store.close());
      const notebook = starterNotebook({ source: path, scope });
      assert.equal(notebook.metadata.source, path);
      const code = notebook.cells.filter((cell) => cell.kind !== 'markdown');
      assert.deepEqual(code.map((cell) => cell.kind), ['pql', 'pql', 'pql', 'pql', 'pql', 'pql', 'sql']);
      const cells = new QueryRunner(path, { script, wasmPath });
      const lets = new Map<string, Pipeline>();
      try {
        for (const cell of code) {
          const run = await cells.run({ language: cell.kind as 'pql' | 'sql', text: cell.text, now: NOW, lets });
          assert.deepEqual(run.errors, [], cell.text);
          assert.ok(run.results.every((result) => result.rows.length > 0), `${cell.text} gives rows`);
          for (const [name, pipeline] of run.lets) lets.set(name, pipeline);
        }
      } finally {
        await cells.close();
      }
    });
  }
});

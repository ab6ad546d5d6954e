/**
 * A database read page by page, its large tables audited as reads meet their rows, gives the
 * same records as one read whole and audited whole: generated databases, changed by a live
 * python3 sqlite3 writer (bad rows, acknowledgments, outcomes, appended rows) whose WAL is left
 * unCheckpointed, so every committed frame has to be found.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { generateDataset } from '../../../../../scripts/generator/generateDataset';
import { SqliteSnapshotReader } from '../../../../../src/core/store/sqlite/snapshot';
import { SqliteStore } from '../../../../../src/core/store/sqlite/sqliteStore';
import type { AlertQuery, SortOrder } from '../../../../../src/core/store/store';
import { makeTempDir, PythonWriter, runPython, type PythonStep } from './support';

type Change =
  | { kind: 'bad-alert'; severity: string }
  | { kind: 'bad-prediction'; confidence: string; version: string }
  | { kind: 'outcome-text'; id: number }
  | { kind: 'acknowledge'; id: number }
  | { kind: 'append-alert'; at: string }
  | { kind: 'append-prediction'; n: number };

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('bad-alert' as const), severity: fc.constantFrom('bogus', '', 'CRITICAL!') }),
  fc.record({ kind: fc.constant('bad-prediction' as const), confidence: fc.constantFrom('high', 'NaN', ''), version: fc.constantFrom('v1.0', 'v-bad-only') }),
  fc.record({ kind: fc.constant('outcome-text' as const), id: fc.integer({ min: 1, max: 4000 }) }),
  fc.record({ kind: fc.constant('acknowledge' as const), id: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('append-alert' as const), at: fc.constantFrom('2026-10-03 10:00:00.000000', '2026-10-20 10:00:00.000000') }),
  fc.record({ kind: fc.constant('append-prediction' as const), n: fc.integer({ min: 1, max: 5 }) }),
);

function statementOf(c: Change, index: number): [string, unknown[]] {
  switch (c.kind) {
    case 'bad-alert':
      return [
        "INSERT INTO alerts (alert_id, timestamp, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged) VALUES (?, '2026-10-05 12:00:00.000000', ?, 't', 'm', 'accuracy', 0.5, 0.7, 'performance', 'v1.1', 0)",
        [`lazy-bad-${index}`, c.severity],
      ];
    case 'bad-prediction':
      return [
        "INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features) VALUES ('2026-10-06 00:00:00.000000', ?, ?, 1, ?, '{}')",
        [c.version, `lazy-bad-${index}`, c.confidence],
      ];
    case 'outcome-text':
      return ["UPDATE predictions SET actual_outcome = 'yes' WHERE id = ?", [c.id]];
    case 'acknowledge':
      return ["UPDATE alerts SET acknowledged = 1, acknowledged_at = '2026-10-10 00:00:00.000000', acknowledged_by = 'lazy' WHERE id = ?", [c.id]];
    case 'append-alert':
      return [
        "INSERT INTO alerts (alert_id, timestamp, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged) VALUES (?, ?, 'warning', 't', 'm', 'accuracy', 0.5, 0.7, 'performance', 'v1.0', 0)",
        [`lazy-new-${index}`, c.at],
      ];
    case 'append-prediction':
      return [
        `INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, actual_outcome, features)
         SELECT timestamp, model_version, prediction_id || '-again-${index}', predicted_outcome, confidence, actual_outcome, features FROM predictions ORDER BY id LIMIT ?`,
        [c.n],
      ];
  }
}

describe('SQLite read page by page', function () {
  this.timeout(120_000);
  const dir = makeTempDir();
  let base = '';

  before(async function () {
    const { databasePath } = await generateDataset({ outDir: dir.path, predictions: 4000, seed: 7, format: 'sqlite' });
    base = databasePath as string;
  });
  after(() => dir.remove());

  const alertQuery = fc.record({
    acknowledged: fc.option(fc.boolean(), { nil: undefined }),
    limit: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
    offset: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
    order: fc.option(fc.constantFrom<SortOrder>('asc', 'desc'), { nil: undefined }),
  });

  it('reads the records, counts and problems that a whole read and a whole audit give, WAL frames included', async function () {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 12 }), fc.array(alertQuery, { minLength: 1, maxLength: 4 }), async (changes, queries) => {
        run++;
        const live = join(dir.path, `live-${run}.db`);
        const copy = join(dir.path, `copy-${run}.db`);
        copyFileSync(base, live);
        if (existsSync(`${base}-wal`)) copyFileSync(`${base}-wal`, `${live}-wal`);
        // The copy is taken while the writer is connected: the WAL as it left it, frames not checkpointed.
        const steps: PythonStep[] = [
          { op: 'open', path: live },
          ...changes.map((c, i): PythonStep => ({ op: 'tx', statements: [statementOf(c, i)] })),
          { op: 'copy', to: join(dir.path, `copied-${run}`) },
          { op: 'close' },
        ];
        runPython(steps);
        const copied = join(dir.path, `copied-${run}`, `live-${run}.db`);
        copyFileSync(copied, copy);
        if (existsSync(`${copied}-wal`)) copyFileSync(`${copied}-wal`, `${copy}-wal`);

        const lazy = await SqliteStore.open(copy, { readOnly: 'test', auditWholeRows: 0 });
        const whole = await SqliteStore.open(copy, { readOnly: 'test', lazy: false });
        try {
          for (const query of queries) {
            const q = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as AlertQuery;
            assert.deepEqual(await lazy.readAlerts(q), await whole.readAlerts(q), JSON.stringify(q));
          }
          assert.deepEqual(await lazy.readModelVersions(), await whole.readModelVersions());
          assert.deepEqual(await lazy.readPredictions({ limit: 25, offset: 3990, order: 'asc' }), await whole.readPredictions({ limit: 25, offset: 3990, order: 'asc' }));
          const columns = { features: ['track_temp'], metadata: ['region'] };
          assert.deepEqual(await lazy.readPredictionColumns(columns), await whole.readPredictionColumns(columns));
          // Every row has been read now: the counts and the problems agree too.
          await lazy.readAlerts();
          await lazy.readPredictions();
          assert.deepEqual(await lazy.counts(), await whole.counts());
          assert.equal(await lazy.countPredictions({ hasOutcome: true }), await whole.countPredictions({ hasOutcome: true }));
          const problems = async (store: SqliteStore) => (await store.describe()).diagnostics.map((d) => d.message).sort();
          assert.deepEqual(await problems(lazy), await problems(whole));
        } finally {
          await lazy.close();
          await whole.close();
        }
      }),
      { numRuns: 12 },
    );
  });

  it('counts the predictions from their pages beside the queue: alerts and rules answer meanwhile, and the counts are the ones SQL gives', async function () {
    const lazy = await SqliteStore.open(base, { readOnly: 'test', auditWholeRows: 0 });
    const whole = await SqliteStore.open(base, { readOnly: 'test', lazy: false });
    try {
      const finished: string[] = [];
      const counting = lazy.counts().then((counts) => {
        finished.push('counts');
        return counts;
      });
      const alerts = lazy.readAlerts({ limit: 3 }).then(() => finished.push('alerts'));
      const rules = lazy.readRules().then(() => finished.push('rules'));
      await Promise.all([alerts, rules]);
      assert.deepEqual(await counting, await whole.counts());
      assert.deepEqual(finished, ['alerts', 'rules', 'counts']);
      for (const modelVersion of await whole.readModelVersions()) {
        for (const hasOutcome of [undefined, true, false]) {
          const filter = { modelVersion, ...(hasOutcome === undefined ? {} : { hasOutcome }) };
          assert.equal(await lazy.countPredictions(filter), await whole.countPredictions(filter), JSON.stringify(filter));
        }
      }
    } finally {
      await lazy.close();
      await whole.close();
    }
  });

  it('reads a large file page by page even when its schema lies in the first block it reads ahead', async function () {
    // 20 MB: blocks of 64 pages, the whole schema in the first, read when sql.js opens the file.
    const big = join(dir.path, 'big.db');
    runPython([
      { op: 'open', path: big, wal: false },
      { op: 'exec', sql: 'CREATE TABLE filler (id INTEGER PRIMARY KEY, data BLOB)' },
      { op: 'exec', sql: 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO filler (data) SELECT randomblob(4000) FROM n' },
      { op: 'close' },
    ]);
    const reader = await SqliteSnapshotReader.open(big, { quickCheck: 'off' });
    try {
      assert.equal(reader.lazy, true);
      assert.equal(reader.database.exec('SELECT count(*) FROM filler')[0]?.values[0]?.[0], 5000);
    } finally {
      reader.close();
    }
  });

  it('reads only the pages a question needs: the newest predictions read a small part of the file', async function () {
    const reader = await SqliteSnapshotReader.open(base, { quickCheck: 'off' });
    try {
      const size = statSync(base).size;
      const before = reader.pages?.bytesRead ?? Number.NaN;
      const rows = reader.database.exec('SELECT id FROM predictions ORDER BY timestamp DESC LIMIT 5')[0]?.values ?? [];
      assert.equal(rows.length, 5);
      const read = (reader.pages?.bytesRead ?? Number.NaN) - before;
      assert.ok(read > 0 && read < size / 10, `read ${read} of ${size} bytes`);
    } finally {
      reader.close();
    }
  });

  it('takes a fresh snapshot when a checkpoint rewrites the main file under a read, and never answers from a mix of both', async function () {
    const live = join(dir.path, 'torn.db');
    copyFileSync(base, live);
    if (existsSync(`${base}-wal`)) copyFileSync(`${base}-wal`, `${live}-wal`);
    const writer = new PythonWriter();
    try {
      await writer.run([{ op: 'open', path: live }]);
      // Committed to the WAL only: the store's snapshot holds these pages from the log.
      const insert = (from: number, count: number): PythonStep => ({
        op: 'tx',
        statements: Array.from({ length: count }, (_, i) => [
          "INSERT INTO alerts (alert_id, timestamp, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged) VALUES (?, '2026-10-09 09:00:00.000000', 'critical', ?, 'm', 'accuracy', 0.5, 0.7, 'performance', 'v1.1', 0)",
          [`torn-${from + i}`, 'x'.repeat(300)],
        ]),
      });
      await writer.run([insert(0, 200)]);
      const store = await SqliteStore.open(live, { readOnly: 'test', auditWholeRows: 0 });
      try {
        const before = await store.countAlerts();
        // Another 400 alerts and a checkpoint that copies every page into the main file and empties the log.
        await writer.run([insert(200, 400), { op: 'checkpoint', mode: 'TRUNCATE' }]);
        const fresh = await SqliteStore.open(live, { readOnly: 'test', lazy: false });
        try {
          assert.deepEqual(await store.readAlerts({ severity: 'critical', limit: 50 }), await fresh.readAlerts({ severity: 'critical', limit: 50 }));
          assert.equal(await store.countAlerts(), await fresh.countAlerts());
          assert.equal(await store.countAlerts(), before + 400);
        } finally {
          await fresh.close();
        }
      } finally {
        await store.close();
      }
    } finally {
      await writer.close();
    }
  });
});

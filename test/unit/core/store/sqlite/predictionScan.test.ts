import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { generateDataset } from '../../../../../scripts/generator/generateDataset';
import { windowedMetrics } from '../../../../../src/core/analytics/windows';
import { openStore } from '../../../../../src/core/store/openStore';
import { buildSync } from 'esbuild';
import { assembleChunks, columnNamesOf, isPlainJson, planScan, runScanRequest, scanPredictionFile, scanPredictions, type ScanRequest } from '../../../../../src/core/store/sqlite/predictionScan';
import { imagePages } from '../../../../../src/core/store/sqlite/tableScan';
import type { PredictionColumns } from '../../../../../src/core/store/store';

/** The columns of a file as the CLI reads them (on this thread), or undefined when the careful path is needed. */
async function scanFile(path: string, features: readonly string[] = [], metadata: readonly string[] = []) {
  const outcome = await scanPredictionFile(path, undefined, features, metadata);
  return typeof outcome === 'object' ? outcome.columns : undefined;
}

/** A database file with no WAL, whole, as an image. */
function imageOf(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

function python(script: string, ...args: string[]): string {
  const run = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

describe('reading predictions straight from database pages', function () {
  this.timeout(120_000);
  let dir = '';
  let reference: PredictionColumns;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitwall-scan-'));
    await generateDataset({ outDir: dir, predictions: 6000, seed: 21 });
    const store = await openStore(join(dir, 'monitoring.db'));
    reference = await store.readPredictionColumns({ features: ['circuit', 'grid_position', 'track_temp'] });
    await store.close();
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  function copyDatabase(name: string): string {
    const target = join(dir, name);
    copyFileSync(join(dir, 'monitoring.db'), target);
    for (const suffix of ['-wal', '-shm']) if (existsSync(join(dir, `monitoring.db${suffix}`))) copyFileSync(join(dir, `monitoring.db${suffix}`), `${target}${suffix}`);
    return target;
  }

  it('gives exactly the columns the store reads through SQLite and the schema', async () => {
    const scanned = scanPredictions(imageOf(join(dir, 'monitoring.db')), ['circuit', 'grid_position', 'track_temp']);
    assert.deepEqual(await scanFile(join(dir, 'monitoring.db'), ['circuit', 'grid_position', 'track_temp']), scanned);
    assert.ok(scanned, 'the generated database scans');
    assert.equal(scanned.length, 6000);
    assert.deepEqual(scanned.timestamp, reference.timestamp);
    assert.deepEqual(scanned.model_version, reference.model_version);
    // The versions as codes, handed to the analytics, name the same version on every row.
    const codes = scanned.model_version_codes;
    assert.ok(codes);
    assert.deepEqual(Array.from(codes.codes, (code) => codes.names[code]), reference.model_version);
    assert.deepEqual(scanned.predicted_outcome, reference.predicted_outcome);
    assert.deepEqual(scanned.confidence, reference.confidence);
    assert.deepEqual(scanned.actual_outcome, reference.actual_outcome);
    assert.deepEqual(scanned.features, reference.features);
    assert.deepEqual(
      windowedMetrics(scanned as PredictionColumns, { every: '6h', by: 'feature:circuit', minLabels: 5 }),
      windowedMetrics(reference, { every: '6h', by: 'feature:circuit', minLabels: 5 }),
    );
  });

  it('sees rows committed only to the WAL, as SQLite does', async () => {
    const file = copyDatabase('wal.db');
    // A second process writes in WAL mode and keeps the WAL (no checkpoint on close).
    python(`
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA wal_autocheckpoint=0")
db.execute("UPDATE predictions SET actual_outcome = 1 - coalesce(actual_outcome, 0) WHERE id <= 10")
db.execute("INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, actual_outcome, features) SELECT timestamp, model_version, prediction_id || '-copy', predicted_outcome, confidence, actual_outcome, features FROM predictions WHERE id <= 500")
db.commit()
import os
os._exit(0)
`, file);
    assert.ok(existsSync(`${file}-wal`));
    const scanned = await scanFile(file);
    const store = await openStore(file);
    try {
      const columns = await store.readPredictionColumns();
      assert.ok(scanned);
      assert.equal(scanned.length, 6500);
      const differences = [...scanned.actual_outcome].flatMap((value, i) => (value === columns.actual_outcome[i] ? [] : [[i, value, columns.actual_outcome[i]]]));
      assert.deepEqual(differences.slice(0, 5), []);
      assert.deepEqual(scanned.timestamp, columns.timestamp);
    } finally {
      await store.close();
    }
  });

  it('puts rows appended in a few time-ordered runs (a backfilled period) in time order, ties by row, as the store does', async () => {
    const file = copyDatabase('runs.db');
    // Two earlier periods appended after the original rows, and one row at a time already present: three runs, a tie.
    python(`
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for days in (14, 28):
    db.execute("""INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, actual_outcome, features)
      SELECT strftime('%Y-%m-%d %H:%M:%f', timestamp, ?) || substr(timestamp, 24), model_version, prediction_id || ?, predicted_outcome, confidence, actual_outcome, features
      FROM predictions WHERE id <= 6000""", ('-%d days' % days, '-%d' % days))
db.execute("INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, actual_outcome, features) SELECT timestamp, model_version, 'tie', 1 - predicted_outcome, confidence, NULL, features FROM predictions WHERE id = 3000")
db.commit()
`, file);
    const scanned = await scanFile(file);
    const store = await openStore(file);
    try {
      const columns = await store.readPredictionColumns();
      assert.ok(scanned);
      assert.equal(scanned.length, 18_001);
      assert.deepEqual(scanned.timestamp, columns.timestamp);
      assert.deepEqual(scanned.model_version, columns.model_version);
      assert.deepEqual(scanned.predicted_outcome, columns.predicted_outcome);
      assert.deepEqual(scanned.actual_outcome, columns.actual_outcome);
    } finally {
      await store.close();
    }
  });

  it('follows rows that spill onto overflow pages', async () => {
    const file = copyDatabase('overflow.db');
    python(`
import sqlite3, sys, json
db = sqlite3.connect(sys.argv[1])
big = json.dumps({"circuit": "monza", "note": "x" * 20000})
db.execute("UPDATE predictions SET features = ? WHERE id IN (3, 4000)", (big,))
db.commit()
`, file);
    const scanned = await scanFile(file, ['circuit']);
    assert.ok(scanned);
    assert.equal(scanned.length, 6000);
    assert.equal(scanned.features.get('circuit')?.[2], 'monza');
    assert.equal(scanned.features.get('circuit')?.[3999], 'monza');
  });

  for (const [name, statement] of [
    ['a timestamp that is not SQLAlchemy text', "UPDATE predictions SET timestamp = '2026-10-01T00:00:00Z' WHERE id = 7"],
    ['an impossible date', "UPDATE predictions SET timestamp = '2026-02-30 10:00:00.000000' WHERE id = 7"],
    ['a confidence above 1', 'UPDATE predictions SET confidence = 1.5 WHERE id = 7'],
    ['a confidence stored as text', "UPDATE predictions SET confidence = 'high' WHERE id = 7"],
    ['a predicted outcome of 2', 'UPDATE predictions SET predicted_outcome = 2 WHERE id = 7'],
    ['features that are not JSON', "UPDATE predictions SET features = '{\"a\": }' WHERE id = 7"],
    ['nested features', "UPDATE predictions SET features = '{\"a\": {\"b\": 1}}' WHERE id = 7"],
    ['a number beyond a double', "UPDATE predictions SET features = '{\"a\": 1e400}' WHERE id = 7"],
    ['an empty prediction id', "UPDATE predictions SET prediction_id = '' WHERE id = 7"],
    ['an actual outcome of -1', 'UPDATE predictions SET actual_outcome = -1 WHERE id = 7'],
  ] as const) {
    it(`gives way to the careful path for ${name}`, async () => {
      const file = copyDatabase(`suspect-${name.replace(/\W+/g, '-')}.db`);
      python(`
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute(sys.argv[2])
db.commit()
`, file, statement);
      assert.equal(await scanFile(file), undefined);
    });
  }

  it('gives way on a damaged page instead of reading garbage', async () => {
    const image = imageOf(join(dir, 'monitoring.db'));
    const damaged = new Uint8Array(image);
    const pageSize = ((damaged[16] as number) << 8) | (damaged[17] as number);
    // Every page after the schema: its type byte becomes one no b-tree page has.
    for (let page = 2; page * pageSize <= damaged.length; page++) damaged[(page - 1) * pageSize] = 0x42;
    assert.equal(scanPredictions(damaged), undefined);
    assert.equal(scanPredictions(damaged.subarray(0, 50)), undefined);
  });

  it('reads the same columns on two threads, from the file page by page, with the WAL pages over it', async () => {
    // The worker as the bundles ship it: built by esbuild next to a temporary "bundle".
    const out = join(dir, 'bundle');
    buildSync({ entryPoints: [join(__dirname, '../../../../../src/core/store/sqlite/scanWorker.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: join(out, 'scanWorker.js'), logLevel: 'silent' });
    const worker = join(out, 'scanWorker.js');
    const features = ['circuit', 'track_temp'];
    const single = scanPredictions(imageOf(join(dir, 'monitoring.db')), features);
    const checkpointed = copyDatabase('threads.db');
    python('import sqlite3, sys\ndb = sqlite3.connect(sys.argv[1])\ndb.execute("PRAGMA wal_checkpoint(TRUNCATE)")\n', checkpointed);
    const direct = await scanPredictionFile(checkpointed, worker, features);
    assert.ok(typeof direct === 'object', `direct scan: ${String(direct)}`);
    assert.deepEqual(direct.columns, single);
    const codes = direct.columns.model_version_codes;
    assert.deepEqual(Array.from(codes?.codes ?? [], (code) => codes?.names[code]), single?.model_version);
    // With WAL frames, the pages the WAL replaces are read from it instead of the file.
    const live = copyDatabase('threads-wal.db');
    python(`
import sqlite3, sys, os
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA wal_autocheckpoint=0")
db.execute("UPDATE predictions SET confidence = 0.5 WHERE id = 1")
db.commit()
os._exit(0)
`, live);
    const merged = await scanPredictionFile(live, worker, features);
    assert.ok(typeof merged === 'object', `WAL scan: ${String(merged)}`);
    assert.equal(merged.columns.confidence[0], 0.5);
    assert.deepEqual(merged.columns.timestamp, single?.timestamp);
    // A row that needs care on the worker's half makes the whole scan give way.
    const suspect = copyDatabase('threads-suspect.db');
    python('import sqlite3, sys\ndb = sqlite3.connect(sys.argv[1])\ndb.execute("UPDATE predictions SET confidence = 7 WHERE id = 5990")\ndb.commit()\ndb.execute("PRAGMA wal_checkpoint(TRUNCATE)")\n', suspect);
    assert.equal(await scanPredictionFile(suspect, worker, features), 'careful');
  });

  it('reads a file a few pages at a time and gives the same columns as the whole image', () => {
    const file = join(dir, 'monitoring.db');
    const features = ['circuit', 'track_temp'];
    const reader = imagePages(imageOf(file));
    const plan = planScan(reader);
    assert.ok(plan);
    const request: ScanRequest = { path: file, layout: reader.layout, wal: new Map(), plan, leaves: plan.leaves, features, metadata: [] };
    // Batches of 4 pages: the reader holds no more than that, and the rows come out the same.
    const chunks = runScanRequest(request, 4 * reader.layout.pageSize);
    assert.equal(chunks.length, Math.ceil(plan.leaves.length / 4));
    assert.ok(chunks.length > 10, `${plan.leaves.length} leaves`);
    assert.deepEqual(assembleChunks(chunks, features), scanPredictions(imageOf(file), features));
  });

  it('gives way, without an unhandled failure, when the two-thread scan finds no table it can read', async () => {
    const out = join(dir, 'bundle-2');
    buildSync({ entryPoints: [join(__dirname, '../../../../../src/core/store/sqlite/scanWorker.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: join(out, 'scanWorker.js'), logLevel: 'silent' });
    const other = join(dir, 'no-predictions.db');
    python('import sqlite3, sys\ndb = sqlite3.connect(sys.argv[1])\ndb.execute("CREATE TABLE x (a)")\ndb.commit()\n', other);
    const stray: unknown[] = [];
    const listener = (reason: unknown) => void stray.push(reason);
    process.on('unhandledRejection', listener);
    try {
      assert.equal(await scanPredictionFile(other, join(out, 'scanWorker.js')), 'careful');
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      process.off('unhandledRejection', listener);
    }
    assert.deepEqual(stray, []);
  });

  it('refuses a cell whose size is larger than the file, before allocating it', async () => {
    const image = imageOf(join(dir, 'monitoring.db'));
    const plan = planScan(imagePages(image));
    assert.ok(plan);
    const page = plan.leaves[0] as number;
    const base = (page - 1) * plan.layout.pageSize;
    const cell = base + (((image[base + 8] as number) << 8) | (image[base + 9] as number));
    image.set([0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 0xff], cell);
    assert.equal(scanPredictions(image), undefined);
  });

  it('leaves features with a key given twice to the store, which reads them as SQLite does', async () => {
    const file = copyDatabase('duplicate-key.db');
    python(`
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute('''UPDATE predictions SET features = '{"circuit": "monza", "circuit": "spa"}' WHERE id <= 3''')
db.commit()
`, file);
    assert.equal(await scanFile(file, ['circuit']), undefined);
    // Not grouping by features, the key is never read: the fast path stands.
    assert.ok(await scanFile(file));
  });

  it('reads column names from CREATE TABLE as SQLAlchemy and people write it', () => {
    assert.deepEqual(columnNamesOf('CREATE TABLE predictions (\n\tid INTEGER NOT NULL, \n\t"timestamp" DATETIME NOT NULL, \n\tfeatures JSON NOT NULL, \n\tPRIMARY KEY (id)\n)'), ['id', 'timestamp', 'features']);
    assert.deepEqual(columnNamesOf('CREATE TABLE t ([a b] TEXT, `c` REAL DEFAULT (1.0), d NUMERIC(10, 2), CONSTRAINT x UNIQUE (d))'), ['a b', 'c', 'd']);
    assert.equal(columnNamesOf('CREATE TABLE t (a INTEGER PRIMARY KEY) WITHOUT ROWID'), undefined);
    assert.equal(columnNamesOf('CREATE VIEW v AS SELECT 1'), undefined);
    // Comments and generated columns would shift positions: SQLite reads such a table.
    assert.equal(columnNamesOf('CREATE TABLE t (a TEXT /* b, c */, d REAL)'), undefined);
    assert.equal(columnNamesOf('CREATE TABLE t (a TEXT, -- note, here\n d REAL)'), undefined);
    assert.equal(columnNamesOf('CREATE TABLE t (a REAL, b REAL GENERATED ALWAYS AS (a * 2) VIRTUAL, c TEXT)'), undefined);
  });

  it('validates JSON as JSON.parse does, for JSON without exponents', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.json(), (text) => {
        const bytes = encoder.encode(text);
        const expected = !/[eE][+-]?\d/.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'));
        assert.equal(isPlainJson(bytes, 0, bytes.length, 64), expected || false, text);
      }),
      { numRuns: 300 },
    );
    for (const bad of ['{', '{"a":1,}', '[1 2]', '"\\x"', '01', '1.', '-', 'tru', '{"a" 1}', '{} {}', '"\u0001"']) {
      const bytes = encoder.encode(bad);
      assert.equal(isPlainJson(bytes, 0, bytes.length, 64), false, bad);
    }
  });
});

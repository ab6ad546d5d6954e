import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Database, SqlJsStatic } from 'sql.js';
import { PitwallError } from '../../../../../src/core/errors';
import { loadSqlJs } from '../../../../../src/core/store/sqlite/sqlJs';
import { mergeWal, readDatabaseHeader, type WalMergeResult } from '../../../../../src/core/store/sqlite/wal';
import {
  buildWal,
  dumpDatabase,
  fixturePath,
  framesOfImage,
  makeTempDir,
  runPython,
  type PythonStep,
  type TableDump,
} from './support';

const liveDb = readFileSync(fixturePath('live-wal', 'monitoring.db'));
const liveWal = readFileSync(fixturePath('live-wal', 'monitoring.db-wal'));

describe('mergeWal', function () {
  let sql: SqlJsStatic;
  let temp: ReturnType<typeof makeTempDir>;

  before(async function () {
    sql = await loadSqlJs();
  });
  beforeEach(function () {
    temp = makeTempDir();
  });
  afterEach(function () {
    temp.remove();
  });

  function withImage<T>(image: Uint8Array, use: (db: Database) => T): T {
    const db = new sql.Database(image);
    try {
      return use(db);
    } finally {
      db.close();
    }
  }

  function scalar(db: Database, query: string): unknown {
    return db.exec(query)[0]?.values[0]?.[0];
  }

  function dumpImage(image: Uint8Array): TableDump {
    return withImage(image, dumpDatabase);
  }

  /** Writes a db/wal pair into the temp dir and returns what SQLite reads from it. */
  function sqliteView(name: string, db: Uint8Array, wal: Uint8Array | undefined): TableDump {
    const path = join(temp.path, name);
    writeFileSync(path, db);
    if (wal) writeFileSync(`${path}-wal`, wal);
    return runPython([{ op: 'dump', path }])[0] as TableDump;
  }

  /** Runs a writer session that ends with copying the pair to `snap/`; returns the copy and SQLite's view of it. */
  function liveScenario(steps: PythonStep[], dropWalBytes = 0) {
    const path = join(temp.path, 'live.db');
    const snapDir = join(temp.path, 'snap');
    const copy = join(snapDir, 'live.db');
    const results = runPython([
      ...steps.map((step) => (step.op === 'open' ? { ...step, path } : step)),
      { op: 'copy', to: snapDir },
      ...(dropWalBytes > 0 ? [{ op: 'truncate' as const, path: `${copy}-wal`, dropBytes: dropWalBytes }] : []),
      { op: 'dump', path: copy },
    ]);
    const merged = mergeWal(readFileSync(copy), readFileSync(`${copy}-wal`), copy);
    return { merged, expected: results[results.length - 1] as TableDump };
  }

  const createTable: PythonStep = {
    op: 'exec',
    sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL, v TEXT)',
  };
  const insert = (k: string, v: string): [string, unknown[]] => ['INSERT INTO t (k, v) VALUES (?, ?)', [k, v]];

  describe('the live-wal sample', function () {
    it('applies every committed transaction: 450 predictions, wal-000…wal-049, alert 2 acknowledged by wal-writer', function () {
      const { image, report } = mergeWal(liveDb, liveWal, 'live-wal/monitoring.db');
      assert.equal(report.status, 'applied');
      assert.equal(report.tornTail, false);
      assert.equal(report.framesApplied, report.framesInFile);
      // The writer grew the database: the image is extended to the last commit's page count.
      assert.equal(image.length, report.pageCount * report.pageSize);
      assert.ok(image.length > liveDb.length);
      withImage(image, (db) => {
        assert.equal(scalar(db, 'SELECT count(*) FROM predictions'), 450);
        const walIds = db.exec("SELECT prediction_id FROM predictions WHERE prediction_id LIKE 'wal-%' ORDER BY 1");
        const expectedIds = Array.from({ length: 50 }, (_, i) => `wal-${String(i).padStart(3, '0')}`);
        assert.deepEqual(walIds[0]?.values.map((row) => row[0]), expectedIds);
        assert.equal(scalar(db, 'SELECT acknowledged_by FROM alerts WHERE id = 2'), 'wal-writer');
        assert.equal(scalar(db, 'PRAGMA quick_check'), 'ok');
      });
    });

    it('reads the main file alone as the stale 400 predictions', function () {
      const { image, report } = mergeWal(liveDb, undefined);
      assert.equal(report.status, 'absent');
      withImage(image, (db) => assert.equal(scalar(db, 'SELECT count(*) FROM predictions'), 400));
    });

    it('gives exactly the rows SQLite itself reads from the pair', function () {
      const expected = sqliteView('monitoring.db', liveDb, liveWal);
      assert.equal(expected.predictions?.length, 450);
      assert.deepEqual(dumpImage(mergeWal(liveDb, liveWal).image), expected);
    });

    it('ignores a torn last frame and keeps every earlier commit, as SQLite does', function () {
      // The sample's last transaction is the acknowledgment of alert 2; tearing it leaves the 450 inserts.
      const torn = liveWal.subarray(0, liveWal.length - 5);
      const { image, report } = mergeWal(liveDb, torn);
      assert.equal(report.scanEnd, 'partial-frame');
      assert.equal(report.tornTail, true);
      assert.equal(report.commits, 50);
      withImage(image, (db) => {
        assert.equal(scalar(db, 'SELECT count(*) FROM predictions'), 450);
        assert.equal(scalar(db, 'SELECT acknowledged_by FROM alerts WHERE id = 2'), null);
      });
      assert.deepEqual(dumpImage(image), sqliteView('torn.db', liveDb, torn));
    });

    it('stops at a frame whose checksum fails and applies the commits before it', function () {
      const damaged = Buffer.from(liveWal);
      const frameSize = 24 + 4096;
      const lastFrame = 32 + (mergeWal(liveDb, liveWal).report.framesInFile - 1) * frameSize;
      damaged[lastFrame + 24 + 100] = (damaged[lastFrame + 24 + 100] ?? 0) ^ 0xff;
      const merged = mergeWal(liveDb, damaged);
      assert.equal(merged.report.scanEnd, 'checksum-mismatch');
      assert.equal(merged.report.tornTail, true);
      assert.deepEqual(dumpImage(merged.image), sqliteView('damaged.db', liveDb, damaged));
    });
  });

  describe('a WAL with nothing to apply leaves the database as it is', function () {
    function assertUnchanged(result: WalMergeResult): void {
      assert.equal(result.image.length, liveDb.length);
      const expected = Buffer.from(liveDb);
      expected[18] = 1;
      expected[19] = 1;
      assert.ok(Buffer.from(result.image).equals(expected));
    }

    it('an empty WAL file', function () {
      const result = mergeWal(liveDb, new Uint8Array(0));
      assert.equal(result.report.status, 'absent');
      assertUnchanged(result);
    });

    it('a WAL holding only its header', function () {
      const result = mergeWal(liveDb, liveWal.subarray(0, 32));
      assert.equal(result.report.status, 'no-frames');
      assertUnchanged(result);
    });

    it('a WAL whose header checksum fails, or whose magic is wrong (ignored, like SQLite)', function () {
      for (const offset of [0, 17]) {
        const broken = Buffer.from(liveWal);
        broken[offset] = (broken[offset] ?? 0) ^ 0x01;
        const result = mergeWal(liveDb, broken);
        assert.equal(result.report.status, 'invalid-header');
        assertUnchanged(result);
        assert.equal(sqliteView(`broken${offset}.db`, liveDb, broken).predictions?.length, 400);
      }
    });

    it('a WAL next to an empty main file, which SQLite deletes unread', function () {
      const result = mergeWal(new Uint8Array(0), liveWal);
      assert.equal(result.report.status, 'empty-database');
      assert.equal(result.image.length, 0);
      assert.deepEqual(sqliteView('empty.db', new Uint8Array(0), liveWal), {});
    });
  });

  it('marks the image as rollback-journal (bytes 18, 19 = 1) so sql.js does not switch to WAL mode, and leaves its inputs untouched', function () {
    const dbBefore = Buffer.from(liveDb);
    const walBefore = Buffer.from(liveWal);
    for (const wal of [liveWal, undefined]) {
      const { image } = mergeWal(liveDb, wal);
      assert.deepEqual([image[18], image[19]], [1, 1]);
    }
    assert.ok(dbBefore.equals(liveDb) && walBefore.equals(liveWal));
    const { image } = mergeWal(liveDb, liveWal);
    withImage(image, (db) => assert.equal(scalar(db, 'PRAGMA journal_mode'), 'delete'));
    withImage(liveDb, (db) => assert.equal(scalar(db, 'PRAGMA journal_mode'), 'wal'));
  });

  it('refuses a WAL of another format version, as SQLite refuses to open it', function () {
    const header = readDatabaseHeader(liveDb, 'db');
    const wal = buildWal({
      pageSize: header.pageSize,
      frames: framesOfImage(liveDb.subarray(0, header.pageSize), header.pageSize),
      version: 3007001,
    });
    assert.throws(
      () => mergeWal(liveDb, wal, '/data/monitoring.db'),
      (error: unknown) =>
        error instanceof PitwallError && error.code === 'unsupported' && error.message.includes('/data/monitoring.db-wal'),
    );
  });

  it('rejects a main file that is not SQLite, naming it', function () {
    assert.throws(
      () => mergeWal(new TextEncoder().encode('id,prediction\n1,0\n'), liveWal, '/data/predictions.csv'),
      (error: unknown) =>
        error instanceof PitwallError && error.code === 'format' && error.message.includes('/data/predictions.csv'),
    );
  });

  describe('WALs written by a live python3 sqlite3 writer', function () {
    it('applies N committed transactions of a writer copied mid-life', function () {
      const { merged, expected } = liveScenario([
        { op: 'open', path: '' },
        createTable,
        ...Array.from({ length: 25 }, (_, i): PythonStep => ({ op: 'tx', statements: [insert(`k${i}`, `value ${i}`)] })),
      ]);
      assert.equal(merged.report.status, 'applied');
      assert.equal(merged.report.commits, 26);
      assert.equal(expected.t?.length, 25);
      assert.deepEqual(dumpImage(merged.image), expected);
    });

    it("ignores an open transaction's pages spilled into the WAL", function () {
      const { merged, expected } = liveScenario([
        { op: 'open', path: '', cacheSize: 2, pageSize: 1024 },
        createTable,
        { op: 'tx', statements: [insert('committed', 'yes')] },
        { op: 'begin' },
        ...Array.from({ length: 60 }, (_, i): PythonStep => ({
          op: 'exec',
          sql: 'INSERT INTO t (k, v) VALUES (?, ?)',
          params: [`open${i}`, 'x'.repeat(900)],
        })),
      ]);
      assert.ok(merged.report.uncommittedFrames > 0, 'the open transaction spilled pages into the WAL');
      assert.deepEqual(expected.t?.map((row) => row[1]), ['committed']);
      assert.deepEqual(dumpImage(merged.image), expected);
    });

    it('drops the last transaction when its commit frame is cut off', function () {
      const pageSize = 1024;
      const { merged, expected } = liveScenario(
        [
          { op: 'open', path: '', pageSize },
          createTable,
          { op: 'tx', statements: [insert('first', 'a')] },
          { op: 'tx', statements: Array.from({ length: 8 }, (_, i) => insert(`big${i}`, 'y'.repeat(2000))) },
        ],
        24 + pageSize + 100,
      );
      assert.equal(merged.report.tornTail, true);
      assert.ok(merged.report.uncommittedFrames > 0);
      assert.deepEqual(expected.t?.map((row) => row[1]), ['first']);
      assert.deepEqual(dumpImage(merged.image), expected);
    });

    it('stops at frames left from before a WAL restart (stale salts) and reads the checkpointed pages', function () {
      const { merged, expected } = liveScenario([
        { op: 'open', path: '' },
        createTable,
        ...Array.from({ length: 20 }, (_, i): PythonStep => ({ op: 'tx', statements: [insert(`old${i}`, 'z'.repeat(300))] })),
        { op: 'checkpoint', mode: 'RESTART' },
        ...Array.from({ length: 3 }, (_, i): PythonStep => ({ op: 'tx', statements: [insert(`new${i}`, 'n')] })),
      ]);
      assert.equal(merged.report.scanEnd, 'salt-mismatch');
      assert.equal(merged.report.commits, 3);
      assert.ok(merged.report.framesInFile > merged.report.validFrames, 'stale frames remain after the valid ones');
      assert.equal(merged.report.checkpointSequence, 1);
      assert.equal(expected.t?.length, 23);
      assert.deepEqual(dumpImage(merged.image), expected);
    });

    it("cuts the image to the last commit's page count when a VACUUM shrank the database", function () {
      const { merged, expected } = liveScenario([
        { op: 'open', path: '' },
        createTable,
        { op: 'tx', statements: Array.from({ length: 60 }, (_, i) => insert(`r${i}`, 's'.repeat(1500))) },
        { op: 'checkpoint', mode: 'PASSIVE' },
        { op: 'exec', sql: 'DELETE FROM t WHERE id > ?', params: [5] },
        { op: 'exec', sql: 'VACUUM' },
      ]);
      const mainLength = readFileSync(join(temp.path, 'snap', 'live.db')).length;
      assert.equal(merged.image.length, merged.report.pageCount * merged.report.pageSize);
      assert.ok(merged.image.length < mainLength, `${merged.image.length} < ${mainLength}`);
      assert.equal(expected.t?.length, 5);
      assert.deepEqual(dumpImage(merged.image), expected);
    });

    for (const pageSize of [512, 65536]) {
      it(`handles ${pageSize}-byte pages`, function () {
        const { merged, expected } = liveScenario([
          { op: 'open', path: '', pageSize },
          createTable,
          ...Array.from({ length: 6 }, (_, i): PythonStep => ({ op: 'tx', statements: [insert(`p${i}`, 'q'.repeat(700))] })),
        ]);
        assert.equal(merged.report.pageSize, pageSize);
        assert.equal(readDatabaseHeader(merged.image, 'image').pageSize, pageSize);
        assert.deepEqual(dumpImage(merged.image), expected);
      });
    }
  });

  describe('WALs built by the letter of the format, read back by real SQLite', function () {
    /** A finished database in rollback mode, its page 1 marked WAL as a WAL's copy of it would be. */
    function writtenDatabase(name: string, pageSize: number, rows: number): { image: Uint8Array; view: TableDump } {
      const path = join(temp.path, name);
      const [, , , view] = runPython([
        { op: 'open', path, pageSize, wal: false },
        createTable,
        { op: 'tx', statements: Array.from({ length: rows }, (_, i) => insert(`${name}${i}`, 'w'.repeat(i * 37))) },
        { op: 'dump', path },
      ]);
      const image = readFileSync(path);
      image[18] = 2;
      image[19] = 2;
      return { image, view: view as TableDump };
    }

    function walModeBase(pageSize: number): Uint8Array {
      const path = join(temp.path, `base${pageSize}.db`);
      runPython([{ op: 'open', path, pageSize }, createTable, { op: 'close' }]);
      return readFileSync(path);
    }

    it('reads a WAL with big-endian checksums (magic 0x377f0683)', function () {
      const target = writtenDatabase('big', 1024, 40);
      const base = walModeBase(1024);
      const wal = buildWal({ pageSize: 1024, frames: framesOfImage(target.image, 1024), bigEndian: true });
      assert.deepEqual(sqliteView('bigendian.db', base, wal), target.view);
      const merged = mergeWal(base, wal);
      assert.equal(merged.report.status, 'applied');
      assert.deepEqual(dumpImage(merged.image), target.view);
    });

    it("takes the WAL's page size when the log rewrites page 1 of a database with another page size", function () {
      const target = writtenDatabase('small', 1024, 30);
      const base = walModeBase(4096);
      const wal = buildWal({ pageSize: 1024, frames: framesOfImage(target.image, 1024) });
      assert.deepEqual(sqliteView('resized.db', base, wal), target.view);
      const merged = mergeWal(base, wal);
      assert.equal(merged.report.pageSize, 1024);
      assert.deepEqual(dumpImage(merged.image), target.view);
    });

    it('rejects pages of another size when the log does not rewrite page 1', function () {
      const target = writtenDatabase('orphan', 1024, 30);
      const base = walModeBase(4096);
      const wal = buildWal({ pageSize: 1024, frames: framesOfImage(target.image, 1024).slice(1) });
      assert.throws(
        () => mergeWal(base, wal, '/data/orphan.db'),
        (error: unknown) =>
          error instanceof PitwallError && error.code === 'corrupt' && error.message.includes('/data/orphan.db-wal'),
      );
    });
  });

  describe('property: random transactions, checkpoints and an open tail', function () {
    type Operation =
      | { kind: 'insert'; size: number }
      | { kind: 'update'; pick: number; size: number }
      | { kind: 'delete'; pick: number };

    const operation: fc.Arbitrary<Operation> = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), size: fc.integer({ min: 0, max: 2500 }) }),
      fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), size: fc.integer({ min: 0, max: 2500 }) }),
      fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
    );

    function statementOf(op: Operation, serial: number): [string, unknown[]] {
      const nth = 'SELECT id FROM t ORDER BY id LIMIT 1 OFFSET (? % max(1, (SELECT count(*) FROM t)))';
      switch (op.kind) {
        case 'insert':
          return ['INSERT INTO t (k, v) VALUES (?, ?)', [`row${serial}`, `${serial}:`.padEnd(op.size, 'abc')]];
        case 'update':
          return [`UPDATE t SET v = ? WHERE id = (${nth})`, [`u${serial}:`.padEnd(op.size, 'xyz'), op.pick]];
        case 'delete':
          return [`DELETE FROM t WHERE id = (${nth})`, [op.pick]];
      }
    }

    it('the merged image equals what SQLite reads from the same copied pair', function () {
      this.timeout(30_000);
      fc.assert(
        fc.property(
          fc.record({
            pageSize: fc.constantFrom(512, 1024, 4096),
            transactions: fc.array(fc.array(operation, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 12 }),
            checkpoint: fc.option(
              fc.record({ after: fc.nat(), mode: fc.constantFrom('PASSIVE' as const, 'RESTART' as const, 'TRUNCATE' as const) }),
            ),
            openTail: fc.array(operation, { maxLength: 30 }),
          }),
          ({ pageSize, transactions, checkpoint, openTail }) => {
            let serial = 0;
            const steps: PythonStep[] = [{ op: 'open', path: '', pageSize, cacheSize: 4 }, createTable];
            transactions.forEach((tx, index) => {
              steps.push({ op: 'tx', statements: tx.map((op) => statementOf(op, serial++)) });
              if (checkpoint && checkpoint.after % transactions.length === index) {
                steps.push({ op: 'checkpoint', mode: checkpoint.mode });
              }
            });
            if (openTail.length > 0) {
              steps.push({ op: 'begin' });
              for (const op of openTail) {
                const [statement, params] = statementOf(op, serial++);
                steps.push({ op: 'exec', sql: statement, params });
              }
            }
            temp.remove();
            temp = makeTempDir();
            const { merged, expected } = liveScenario(steps);
            assert.deepEqual(dumpImage(merged.image), expected);
          },
        ),
        { numRuns: 6 },
      );
    });
  });
});

import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Database } from 'sql.js';
import { PitwallError, type PitwallErrorCode } from '../../../../../src/core/errors';
import { createTableStatement, sqliteTables } from '../../../../../src/core/store/sqlite/schema';
import {
  SqliteSnapshotReader,
  nodeSnapshotFiles,
  type SnapshotFiles,
} from '../../../../../src/core/store/sqlite/snapshot';
import { loadSqlJs } from '../../../../../src/core/store/sqlite/sqlJs';
import { dumpDatabase, fixturePath, makeTempDir, PythonWriter, runPython, type PythonStep, type TableDump } from './support';

function scalar(db: Database, query: string): unknown {
  return db.exec(query)[0]?.values[0]?.[0];
}

function isPitwallError(code: PitwallErrorCode, mentioning: string) {
  return (error: unknown): boolean =>
    error instanceof PitwallError && error.code === code && error.message.includes(mentioning);
}

const createT: PythonStep = { op: 'exec', sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL)' };
const insertK = (k: string): PythonStep => ({ op: 'tx', statements: [['INSERT INTO t (k) VALUES (?)', [k]]] });

describe('SqliteSnapshotReader', function () {
  let temp: ReturnType<typeof makeTempDir>;
  const readers: SqliteSnapshotReader[] = [];

  async function open(path: string, options?: Parameters<typeof SqliteSnapshotReader.open>[1]) {
    const reader = await SqliteSnapshotReader.open(path, options);
    readers.push(reader);
    return reader;
  }

  beforeEach(function () {
    temp = makeTempDir();
  });
  afterEach(function () {
    for (const reader of readers.splice(0)) reader.close();
    temp.remove();
  });

  function copyOfSample(name: string): string {
    const path = join(temp.path, name);
    copyFileSync(fixturePath('sqlite', 'monitoring.db'), path);
    return path;
  }

  describe('the samples', function () {
    it('opens the SQLAlchemy sample with its exact row counts, a clean quick_check and no notices', async function () {
      const reader = await open(fixturePath('sqlite', 'monitoring.db'));
      const counts = Object.fromEntries(
        sqliteTables.map((table) => [table.name, scalar(reader.database, `SELECT count(*) FROM ${table.name}`)]),
      );
      // Counted with the sqlite3 shell.
      assert.deepEqual(counts, {
        predictions: 400,
        health_snapshots: 98,
        alerts: 2,
        alert_rules: 3,
        drift_results: 0,
        feature_importance: 0,
        degradation_analysis: 0,
        metric_snapshots: 0,
      });
      assert.equal(scalar(reader.database, 'SELECT count(*) FROM predictions WHERE actual_outcome IS NOT NULL'), 330);
      assert.equal(scalar(reader.database, 'SELECT count(*) FROM alerts WHERE acknowledged = 1'), 1);
      assert.deepEqual(reader.snapshot.quickCheck, ['ok']);
      assert.deepEqual(reader.notices, []);
      assert.equal(reader.snapshot.wal.status, 'absent');
      assert.equal(reader.snapshot.attempts, 1);
    });

    it('opens the live-wal sample with its committed WAL applied', async function () {
      const reader = await open(fixturePath('live-wal', 'monitoring.db'));
      assert.equal(scalar(reader.database, 'SELECT count(*) FROM predictions'), 450);
      assert.equal(scalar(reader.database, "SELECT count(*) FROM predictions WHERE prediction_id LIKE 'wal-%'"), 50);
      assert.equal(scalar(reader.database, 'SELECT acknowledged_by FROM alerts WHERE id = 2'), 'wal-writer');
      assert.equal(reader.snapshot.wal.status, 'applied');
      assert.equal(reader.isStale(), false);
    });

    it('ignores a WAL whose header is damaged, as SQLite does, and says so', async function () {
      const path = join(temp.path, 'monitoring.db');
      copyFileSync(fixturePath('live-wal', 'monitoring.db'), path);
      const wal = readFileSync(fixturePath('live-wal', 'monitoring.db-wal'));
      wal[20] = (wal[20] ?? 0) ^ 0xff;
      writeFileSync(`${path}-wal`, wal);
      const reader = await open(path);
      assert.equal(scalar(reader.database, 'SELECT count(*) FROM predictions'), 400);
      assert.deepEqual(
        reader.notices.map((notice) => notice.kind),
        ['wal-ignored'],
      );
      assert.match(reader.notices[0]?.message ?? '', /monitoring\.db-wal has no valid write-ahead-log header/);
    });

    it('is read-only: the snapshot refuses writes', async function () {
      const reader = await open(fixturePath('live-wal', 'monitoring.db'));
      assert.throws(() => reader.database.exec("UPDATE alerts SET acknowledged_by = 'x'"), /readonly|query_only/i);
    });
  });

  describe('an older schema', function () {
    it('opens it and lists the missing tables and columns as notices', async function () {
      const path = join(temp.path, 'old.db');
      const dropped = new Set(['predictions.actual_outcome', 'predictions.actual_outcome_timestamp', 'alert_rules.last_triggered']);
      const oldTables = sqliteTables
        .filter((table) => table.name !== 'degradation_analysis' && table.name !== 'metric_snapshots')
        .map((table) => ({
          ...table,
          columns: table.columns.filter((column) => !dropped.has(`${table.name}.${column.name}`)),
        }));
      runPython([
        { op: 'open', path },
        ...oldTables.map((table): PythonStep => ({ op: 'exec', sql: createTableStatement(table) })),
        { op: 'close' },
      ]);
      const reader = await open(path);
      assert.deepEqual(reader.snapshot.missingTables, ['degradation_analysis', 'metric_snapshots']);
      assert.deepEqual(reader.snapshot.missingColumns, [
        { table: 'predictions', column: 'actual_outcome' },
        { table: 'predictions', column: 'actual_outcome_timestamp' },
        { table: 'alert_rules', column: 'last_triggered' },
      ]);
      assert.deepEqual(
        reader.notices.map((notice) => notice.kind),
        ['missing-table', 'missing-table', 'missing-column', 'missing-column', 'missing-column'],
      );
      const notice = reader.notices.find((n) => n.kind === 'missing-column' && n.column === 'actual_outcome');
      assert.match(notice?.message ?? '', /old\.db has no predictions\.actual_outcome column/);
      assert.equal(scalar(reader.database, 'SELECT count(*) FROM predictions'), 0);
    });

    it('opens an empty file as an empty database that lacks every table', async function () {
      const path = join(temp.path, 'empty.db');
      writeFileSync(path, '');
      const reader = await open(path);
      assert.deepEqual(reader.snapshot.missingTables, sqliteTables.map((table) => table.name));
    });
  });

  describe('bad input gives a PitwallError naming the file, never a crash or a hang', function () {
    it('a missing file', async function () {
      const path = join(temp.path, 'nowhere.db');
      await assert.rejects(open(path), isPitwallError('not-found', path));
    });

    it('a directory', async function () {
      const path = join(temp.path, 'folder.db');
      mkdirSync(path);
      await assert.rejects(open(path), isPitwallError('format', path));
    });

    it('a text file', async function () {
      const path = join(temp.path, 'notes.db');
      writeFileSync(path, 'timestamp,prediction\n1790000000,1\n');
      await assert.rejects(open(path), isPitwallError('format', path));
    });

    it('random bytes', async function () {
      const path = join(temp.path, 'random.db');
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 20_000 }), async (bytes) => {
          writeFileSync(path, bytes);
          await assert.rejects(open(path), isPitwallError('format', path));
        }),
        { numRuns: 25 },
      );
    });

    it('a database cut short, inside a page or at a page boundary', async function () {
      const sample = readFileSync(fixturePath('sqlite', 'monitoring.db'));
      for (const length of [60, 200_000, 40 * 4096]) {
        const path = join(temp.path, `cut${length}.db`);
        writeFileSync(path, sample.subarray(0, length));
        await assert.rejects(open(path), isPitwallError('corrupt', path));
      }
    });

    it('a header with an impossible page size', async function () {
      const path = copyOfSample('pagesize.db');
      const bytes = readFileSync(path);
      bytes.writeUInt16BE(768, 16);
      writeFileSync(path, bytes);
      await assert.rejects(open(path), isPitwallError('corrupt', '768'));
    });

    it('a newer on-disk schema format than SQLite knows', async function () {
      const path = copyOfSample('future.db');
      const bytes = readFileSync(path);
      bytes.writeUInt32BE(9, 44);
      writeFileSync(path, bytes);
      await assert.rejects(open(path), isPitwallError('unsupported', path));
    });

    it('a garbled schema page', async function () {
      const path = copyOfSample('schema.db');
      const bytes = readFileSync(path);
      bytes.fill(0xa5, 100, 4096);
      writeFileSync(path, bytes);
      await assert.rejects(open(path), isPitwallError('corrupt', path));
    });

    it("a garbled table page: quick_check's findings are an error, or a notice when asked to open anyway", async function () {
      const path = copyOfSample('garbled.db');
      const probe = await open(path);
      const rootPage = Number(scalar(probe.database, "SELECT rootpage FROM sqlite_master WHERE name = 'predictions'"));
      const bytes = readFileSync(path);
      bytes.fill(0xa5, (rootPage - 1) * 4096, rootPage * 4096);
      writeFileSync(path, bytes);

      await assert.rejects(open(path), isPitwallError('corrupt', 'quick_check'));
      const salvaged = await open(path, { quickCheck: 'report' });
      const notice = salvaged.notices.find((n) => n.kind === 'quick-check');
      assert.ok(notice && notice.kind === 'quick-check' && notice.problems.length > 0);
      assert.ok(notice.problems.every((problem) => !problem.includes('\n')), 'one line a problem');
      assert.equal(scalar(salvaged.database, 'SELECT count(*) FROM health_snapshots'), 98);
    });

    it('random damage anywhere in the file', async function () {
      const sample = readFileSync(fixturePath('sqlite', 'monitoring.db'));
      const path = join(temp.path, 'damaged.db');
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ offset: fc.nat({ max: sample.length - 1 }), value: fc.integer({ min: 0, max: 255 }) }), {
            minLength: 1,
            maxLength: 40,
          }),
          async (damage) => {
            const bytes = Buffer.from(sample);
            for (const { offset, value } of damage) bytes[offset] = value;
            writeFileSync(path, bytes);
            try {
              const reader = await open(path);
              dumpDatabase(reader.database);
            } catch (error) {
              assert.ok(error instanceof PitwallError, `not a PitwallError: ${String(error)}`);
              assert.ok(error.message.includes(path), error.message);
            }
          },
        ),
        { numRuns: 25 },
      );
    });

    it('a wasm file that is not there', async function () {
      await assert.rejects(
        open(fixturePath('sqlite', 'monitoring.db'), { wasmPath: '/nonexistent/sql-wasm.wasm' }),
        isPitwallError('unsupported', '/nonexistent/sql-wasm.wasm'),
      );
    });
  });

  it('loads sql.js once', function () {
    assert.equal(loadSqlJs(), loadSqlJs());
  });

  describe('a database that a python3 writer keeps changing', function () {
    let writer: PythonWriter;
    let path: string;

    beforeEach(async function () {
      writer = new PythonWriter();
      path = join(temp.path, 'live.db');
      await writer.run([{ op: 'open', path }, createT, insertK('a'), insertK('b'), insertK('c')]);
    });
    afterEach(async function () {
      await writer.close();
    });

    async function sqliteView(): Promise<TableDump> {
      const [view] = await writer.run([{ op: 'dump', path }]);
      return view as TableDump;
    }

    it('refreshIfChanged() takes a whole new snapshot after commits, a WAL restart, a truncation and the last close', async function () {
      const reader = await open(path);
      assert.equal(scalar(reader.database, 'SELECT count(*) FROM t'), 3);
      assert.equal(reader.isStale(), false);
      assert.equal(await reader.refreshIfChanged(), false);

      await writer.run([insertK('d'), insertK('e')]);
      assert.equal(reader.isStale(), true);
      const first = reader.database;
      assert.equal(await reader.refreshIfChanged(), true);
      assert.equal(scalar(reader.database, 'SELECT count(*) FROM t'), 5);
      assert.throws(() => first.exec('SELECT 1'), 'the previous snapshot is closed');
      assert.equal(reader.isStale(), false);

      await writer.run([{ op: 'checkpoint', mode: 'RESTART' }, insertK('f')]);
      assert.equal(await reader.refreshIfChanged(), true);
      assert.equal(reader.snapshot.wal.checkpointSequence, 1);
      assert.deepEqual(dumpDatabase(reader.database), await sqliteView());

      await writer.run([{ op: 'checkpoint', mode: 'TRUNCATE' }]);
      assert.equal(await reader.refreshIfChanged(), true);
      assert.equal(reader.snapshot.wal.status, 'absent');
      assert.equal(scalar(reader.database, 'SELECT count(*) FROM t'), 6);

      await writer.run([insertK('g'), { op: 'close' }]);
      assert.equal(await reader.refreshIfChanged(), true);
      assert.equal(scalar(reader.database, "SELECT group_concat(k, '') FROM t"), 'abcdefg');
    });

    it('rereads when a commit lands in the middle of a read, so the snapshot is never a mix', async function () {
      let commits = 0;
      const files: SnapshotFiles = {
        ...nodeSnapshotFiles,
        read(file) {
          const bytes = nodeSnapshotFiles.read(file);
          if (file === path && commits === 0) {
            commits++;
            runPython([{ op: 'open', path }, insertK('between'), { op: 'close' }]);
          }
          return bytes;
        },
      };
      const reader = await open(path, { files });
      assert.equal(reader.snapshot.attempts, 2);
      assert.equal(scalar(reader.database, "SELECT count(*) FROM t WHERE k = 'between'"), 1);
      assert.deepEqual(dumpDatabase(reader.database), await sqliteView());
    });

    it('gives up with a clear error when every read is overtaken by a commit', async function () {
      const files: SnapshotFiles = {
        ...nodeSnapshotFiles,
        read(file) {
          const bytes = nodeSnapshotFiles.read(file);
          if (file === path) runPython([{ op: 'open', path }, insertK('again'), { op: 'close' }]);
          return bytes;
        },
      };
      await assert.rejects(open(path, { files, maxAttempts: 3 }), (error: unknown) => {
        return isPitwallError('conflict', path)(error) && /3 attempts/.test((error as Error).message);
      });
    });
  });
});

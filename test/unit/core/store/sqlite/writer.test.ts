import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import fc from 'fast-check';
import { PitwallError, type PitwallErrorCode } from '../../../../../src/core/errors';
import { sqliteSchemaSql, sqliteSchemaStatements } from '../../../../../src/core/store/sqlite/schema';
import { SqliteSnapshotReader } from '../../../../../src/core/store/sqlite/snapshot';
import {
  PythonSqliteWriter,
  createNewDatabase,
  openSqliteWriter,
  type SqliteWriter,
  type SqliteWriterOptions,
} from '../../../../../src/core/store/sqlite/writer';
import { makeTempDir } from './support';
import {
  createPitwallDatabase,
  headerJournalVersions,
  insertAlerts,
  integrityCheck,
  pythonPath,
  runSqlite,
  selectRows,
} from './writerSupport';

function rejectsWith(code: PitwallErrorCode, ...mentioning: string[]) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof PitwallError, `expected a PitwallError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    for (const text of mentioning) assert.ok(error.message.includes(text), `"${error.message}" lacks "${text}"`);
    return true;
  };
}

const ACK = 'UPDATE alerts SET acknowledged = 1, acknowledged_at = ?, acknowledged_by = ? WHERE id = ?';

describe('SqliteWriter (python3 helper)', function () {
  let temp: ReturnType<typeof makeTempDir>;
  let dbPath: string;
  const writers: SqliteWriter[] = [];

  async function open(path = dbPath, options: SqliteWriterOptions = {}): Promise<PythonSqliteWriter> {
    const verdict = await openSqliteWriter(path, { backend: 'python', pythonPath, ...options });
    assert.ok(verdict.writable, verdict.writable ? '' : verdict.reason);
    writers.push(verdict.writer);
    assert.ok(verdict.writer instanceof PythonSqliteWriter);
    return verdict.writer;
  }

  beforeEach(function () {
    temp = makeTempDir();
    dbPath = join(temp.path, 'monitoring.db');
  });
  afterEach(async function () {
    await Promise.all(writers.splice(0).map((writer) => writer.close()));
    temp.remove();
  });

  describe('transactions', function () {
    beforeEach(function () {
      createPitwallDatabase(dbPath);
      insertAlerts(dbPath, 5);
    });

    it('says which backend writes', async function () {
      const writer = await open();
      assert.match(writer.describe(), /^python3 helper \(.*python3, Python 3\.\d+\.\d+, SQLite 3\.\d+\.\d+\)$/);
    });

    it('rolls back the first two statements when the third fails', async function () {
      const writer = await open();
      const failing = writer.transaction([
        { sql: ACK, params: ['2026-10-02 00:00:00.000000', 'ops', 1] },
        { sql: "INSERT INTO alerts (alert_id, timestamp, severity) VALUES (?, '2026-10-02 00:00:00', 'info')", params: ['new-1'] },
        // alert_id is UNIQUE: alert-2 exists.
        { sql: "INSERT INTO alerts (alert_id, timestamp, severity) VALUES (?, '2026-10-02 00:00:00', 'info')", params: ['alert-2'] },
      ]);
      await assert.rejects(failing, rejectsWith('conflict', 'statement 3 of 3', 'UNIQUE constraint failed: alerts.alert_id'));
      assert.deepEqual(selectRows(dbPath, 'SELECT id, acknowledged, acknowledged_by FROM alerts WHERE id = 1'), [[1, 0, null]]);
      assert.deepEqual(selectRows(dbPath, "SELECT count(*) FROM alerts WHERE alert_id = 'new-1'"), [[0]]);
      assert.deepEqual(selectRows(dbPath, 'SELECT count(*) FROM alerts'), [[5]]);
      // The writer is still usable after the rollback.
      const done = await writer.transaction([{ sql: ACK, params: ['2026-10-02 00:00:00.000000', 'ops', 1] }]);
      assert.deepEqual(done, { changes: [1], lastInsertRowids: [null] });
    });

    it('writes a database whose path holds a space, ?, #, % and non-ASCII letters (its URI is escaped)', async function () {
      const folder = join(temp.path, 'on call ?#% ünï');
      mkdirSync(folder);
      const odd = join(folder, 'a b?c#d%20.db');
      copyFileSync(dbPath, odd);
      const writer = await open(odd);
      assert.deepEqual(await writer.transaction([{ sql: ACK, params: ['2026-10-02 00:00:00.000000', 'ops', 2] }]), { changes: [1], lastInsertRowids: [null] });
      assert.deepEqual(selectRows(odd, 'SELECT acknowledged_by FROM alerts WHERE id = 2'), [['ops']]);
      assert.deepEqual(selectRows(dbPath, 'SELECT acknowledged_by FROM alerts WHERE id = 2'), [[null]], 'the other file is untouched');
    });

    it('reports changes per statement and rowids for inserts only', async function () {
      const writer = await open();
      const result = await writer.transaction([
        { sql: 'UPDATE alerts SET acknowledged = 1 WHERE id <= ?', params: [3] },
        { sql: "/* new */ INSERT INTO alerts (alert_id, timestamp, severity) VALUES (?, '2026-10-02 00:00:00', 'info')", params: ['n1'] },
        { sql: 'UPDATE alerts SET acknowledged = 1 WHERE id = ?', params: [999] },
        { sql: "INSERT OR IGNORE INTO alerts (alert_id, timestamp, severity) VALUES (?, '2026-10-02 00:00:00', 'info')", params: ['n1'] },
        { sql: 'DELETE FROM alerts WHERE id = ?', params: [5] },
      ]);
      assert.deepEqual(result, { changes: [3, 1, 0, 0, 1], lastInsertRowids: [null, 6, null, null, null] });
    });

    it('stores text, numbers and null exactly as given', async function () {
      runSqlite(dbPath, [['CREATE TABLE t (id INTEGER PRIMARY KEY, v)', []]]);
      const values: (string | number | null)[] = [
        `it's "quoted"; DROP TABLE alerts; --`,
        'back\\slash \\n not a newline',
        'nul \u0000 inside',
        'ünïcødé ✓ 😀 عربى 𝔘 e\u0301',
        'x'.repeat(2_000_000),
        '',
        null,
        0.1,
        -1e-300,
        1.7976931348623157e308,
        5e-324,
        9007199254740991,
        -9007199254740991,
        0,
        -0.5,
      ];
      const writer = await open();
      const result = await writer.transaction(values.map((value) => ({ sql: 'INSERT INTO t (v) VALUES (?)', params: [value] })));
      assert.deepEqual(result.changes, values.map(() => 1));
      const rows = selectRows(dbPath, 'SELECT v, typeof(v), hex(CAST(v AS BLOB)) FROM t ORDER BY id');
      assert.equal(rows.length, values.length);
      rows.forEach(([stored, type, hex], index) => {
        const given = values[index] ?? null;
        assert.equal(stored, given, `value ${index}`);
        if (typeof given === 'string') {
          assert.equal(type, 'text');
          // Byte for byte: NUL and all, as UTF-8.
          assert.equal(String(hex).toLowerCase(), Buffer.from(given, 'utf8').toString('hex'));
        }
        if (typeof given === 'number') assert.equal(type, Number.isSafeInteger(given) ? 'integer' : 'real', `value ${index}`);
        if (given === null) assert.equal(type, 'null');
      });
      assert.deepEqual(
        (await writer.query('SELECT v FROM t WHERE id <= ? ORDER BY id', [4])).map((row) => row.v),
        values.slice(0, 4),
      );
    });

    it('round-trips any unicode text through a bound parameter', async function () {
      runSqlite(dbPath, [['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', []]]);
      const writer = await open();
      await fc.assert(
        fc.asyncProperty(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { minLength: 1, maxLength: 8 }), async (texts) => {
          const { lastInsertRowids } = await writer.transaction(
            texts.map((text) => ({ sql: 'INSERT INTO t (v) VALUES (?)', params: [text] })),
          );
          const ids = lastInsertRowids.map((id) => {
            assert.ok(id !== null);
            return id;
          });
          const rows = await writer.query(`SELECT v FROM t WHERE id BETWEEN ? AND ? ORDER BY id`, [ids[0] ?? 0, ids.at(-1) ?? 0]);
          assert.deepEqual(
            rows.map((row) => row.v),
            texts,
          );
        }),
        { numRuns: 60 },
      );
    });

    it('refuses values SQLite would store differently, before anything is written', async function () {
      const writer = await open();
      const bad: unknown[] = [NaN, Infinity, undefined, true, { a: 1 }, 'lone \ud800 surrogate', 10n];
      for (const value of bad) {
        await assert.rejects(
          writer.transaction([
            { sql: ACK, params: ['t', 'ops', 1] },
            { sql: ACK, params: [value as string, 'ops', 2] },
          ]),
          rejectsWith('input', 'Statement 2, parameter 1'),
        );
      }
      assert.deepEqual(selectRows(dbPath, 'SELECT count(*) FROM alerts WHERE acknowledged = 1'), [[0]]);
    });

    it('runs one statement per entry: a second statement in the text is an error, not executed', async function () {
      const writer = await open();
      await assert.rejects(
        writer.transaction([{ sql: 'UPDATE alerts SET acknowledged = 1; DELETE FROM alerts', params: [] }]),
        rejectsWith('input', 'one statement at a time'),
      );
      assert.deepEqual(selectRows(dbPath, 'SELECT count(*), sum(acknowledged) FROM alerts'), [[5, 0]]);
    });

    it('reads with query() but cannot write through it', async function () {
      const writer = await open();
      assert.deepEqual(await writer.query('SELECT id, alert_id FROM alerts WHERE id = ?', [2]), [{ id: 2, alert_id: 'alert-2' }]);
      assert.deepEqual(await writer.query("SELECT x'00ff' AS b, 1e999 AS inf"), [{ b: new Uint8Array([0, 255]), inf: Infinity }]);
      await assert.rejects(writer.query('DELETE FROM alerts'), rejectsWith('read-only', 'readonly'));
      await assert.rejects(writer.query('SELECT 9223372036854775807 AS big'), rejectsWith('input', 'JavaScript number'));
      assert.deepEqual(selectRows(dbPath, 'SELECT count(*) FROM alerts'), [[5]]);
      // query_only was switched off again.
      assert.deepEqual((await writer.transaction([{ sql: 'DELETE FROM alerts WHERE id = ?', params: [5] }])).changes, [1]);
    });

    it('keeps the journal mode the database has, WAL or rollback journal', async function () {
      const rollback = join(temp.path, 'rollback.db');
      createPitwallDatabase(rollback, 'delete');
      insertAlerts(rollback, 2);
      for (const [path, expected] of [
        [dbPath, 'wal'],
        [rollback, 'delete'],
      ] as const) {
        const writer = await open(path);
        await writer.transaction([{ sql: ACK, params: ['2026-10-02 00:00:00.000000', 'ops', 1] }]);
        await writer.close();
        assert.deepEqual(selectRows(path, 'PRAGMA journal_mode'), [[expected]]);
        assert.deepEqual(headerJournalVersions(readFileSync(path)), expected === 'wal' ? [2, 2] : [1, 1]);
        assert.deepEqual(selectRows(path, 'SELECT acknowledged_by FROM alerts WHERE id = 1'), [['ops']]);
      }
    });

    it('queues concurrent calls and runs each as its own transaction', async function () {
      const writer = await open();
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((id) => writer.transaction([{ sql: ACK, params: [`2026-10-02 00:00:0${id}.000000`, `user-${id}`, id] }])),
      );
      assert.deepEqual(
        results.map((result) => result.changes),
        [[1], [1], [1], [1], [1]],
      );
      assert.deepEqual(
        selectRows(dbPath, 'SELECT acknowledged_by FROM alerts ORDER BY id').map((row) => row[0]),
        ['user-1', 'user-2', 'user-3', 'user-4', 'user-5'],
      );
    });

    it('finishes queued work on close and refuses calls afterwards', async function () {
      const writer = await open();
      const pending = writer.transaction([{ sql: ACK, params: ['t', 'ops', 3] }]);
      await writer.close();
      assert.deepEqual((await pending).changes, [1]);
      await assert.rejects(writer.transaction([{ sql: ACK, params: ['t', 'ops', 4] }]), rejectsWith('internal', 'closed'));
      assert.equal(writer.helperPid, undefined);
    });
  });

  describe('another process holding the write lock', function () {
    /**
     * A python3 process that takes the write lock, runs `statement` inside it (if any), says so,
     * and commits after `holdMs`.
     */
    function holdWriteLock(path: string, holdMs: number, statement = ''): Promise<{ released: Promise<void> }> {
      const script = `import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute('BEGIN IMMEDIATE')
if sys.argv[3]: con.execute(sys.argv[3])
print('locked', flush=True)
time.sleep(float(sys.argv[2]) / 1000)
con.execute('COMMIT')
`;
      const child = spawn(pythonPath, ['-c', script, path, String(holdMs), statement]);
      const released = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      return new Promise((resolve, reject) => {
        child.once('error', reject);
        createInterface({ input: child.stdout }).once('line', () => resolve({ released }));
      });
    }

    beforeEach(function () {
      createPitwallDatabase(dbPath);
      insertAlerts(dbPath, 3);
    });

    it('waits and retries until the lock is released', async function () {
      const writer = await open(dbPath, { busyTimeoutMs: 200, busyAttempts: 10 });
      // The holder marks alert 1 inside its lock; the write matches only a row that mark is on,
      // so it changes a row only if it ran after the holder committed, that is, if it waited.
      const lock = await holdWriteLock(dbPath, 800, "UPDATE alerts SET acknowledged_by = 'holder' WHERE id = 1");
      const result = await writer.transaction([{ sql: "UPDATE alerts SET acknowledged = 1, acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_by = 'holder'", params: ['t', 'ops', 1] }]);
      assert.deepEqual(result.changes, [1], 'the write saw the holder’s committed mark');
      await lock.released;
      assert.deepEqual(selectRows(dbPath, 'SELECT acknowledged, acknowledged_by FROM alerts WHERE id = 1'), [[1, 'ops']]);
    });

    it('gives up after its attempts with a conflict error, having written nothing', async function () {
      const writer = await open(dbPath, { busyTimeoutMs: 100, busyAttempts: 2 });
      const lock = await holdWriteLock(dbPath, 1000);
      await assert.rejects(writer.transaction([{ sql: ACK, params: ['t', 'ops', 1] }]), rejectsWith('conflict', 'locked through 2 attempts'));
      await lock.released;
      assert.deepEqual(selectRows(dbPath, 'SELECT acknowledged FROM alerts WHERE id = 1'), [[0]]);
    });
  });

  describe('the helper process', function () {
    beforeEach(function () {
      createPitwallDatabase(dbPath);
      insertAlerts(dbPath, 3);
    });
    afterEach(function () {
      delete process.env.PITWALL_SQLITE_WRITER_STEP_DELAY_MS;
    });

    it('is started afresh by the next call after it died', async function () {
      const writer = await open();
      const first = writer.helperPid;
      assert.ok(first);
      process.kill(first, 'SIGKILL');
      await waitUntil(() => writer.helperPid === undefined);
      assert.deepEqual((await writer.transaction([{ sql: ACK, params: ['t', 'ops', 1] }])).changes, [1]);
      assert.ok(writer.helperPid && writer.helperPid !== first);
    });

    it('fails the call in flight when it is killed, with a sentence that says what that means', async function () {
      process.env.PITWALL_SQLITE_WRITER_STEP_DELAY_MS = '200';
      const writer = await open();
      const pid = writer.helperPid;
      assert.ok(pid);
      const call = writer.transaction([
        { sql: ACK, params: ['t', 'ops', 1] },
        { sql: ACK, params: ['t', 'ops', 2] },
      ]);
      setTimeout(() => process.kill(pid, 'SIGKILL'), 300);
      await assert.rejects(call, rejectsWith('io', 'stopped (killed by SIGKILL)', 'applied entirely or not at all'));
      assert.deepEqual(selectRows(dbPath, 'SELECT count(*) FROM alerts WHERE acknowledged = 1'), [[0]]);
    });

    it('is killed when it does not answer in time, and the next call works', async function () {
      process.env.PITWALL_SQLITE_WRITER_STEP_DELAY_MS = '600';
      const writer = await open(dbPath, { requestTimeoutMs: 300 });
      const slow = writer.transaction([{ sql: ACK, params: ['t', 'ops', 1] }]);
      await assert.rejects(slow, rejectsWith('io', 'did not answer within 0.3 s'));
      delete process.env.PITWALL_SQLITE_WRITER_STEP_DELAY_MS;
      assert.deepEqual((await writer.transaction([{ sql: ACK, params: ['t', 'ops', 2] }])).changes, [1]);
      assert.deepEqual(selectRows(dbPath, 'SELECT id FROM alerts WHERE acknowledged = 1'), [[2]]);
    });

    it('never creates the database: a file deleted under it stays deleted', async function () {
      const writer = await open();
      const pid = writer.helperPid;
      assert.ok(pid);
      process.kill(pid, 'SIGKILL');
      await waitUntil(() => writer.helperPid === undefined);
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(dbPath + suffix)) unlinkSync(dbPath + suffix);
      await assert.rejects(
        writer.transaction([{ sql: ACK, params: ['t', 'ops', 1] }]),
        rejectsWith('io', 'could not be started again', 'unable to open database file'),
      );
      assert.equal(existsSync(dbPath), false);
    });
  });

  describe('opening', function () {
    it('is read-only, saying why, when there is no node:sqlite and no python3', async function () {
      createPitwallDatabase(dbPath);
      const verdict = await openSqliteWriter(dbPath, { backend: 'python', pythonPath: join(temp.path, 'no-such-python3') });
      assert.deepEqual(verdict, {
        writable: false,
        reason: `Pitwall cannot write to ${dbPath}: Node.js has no node:sqlite and ${join(temp.path, 'no-such-python3')} was not found. It is open read-only.`,
      });
    });

    it('runs the python that PITWALL_PYTHON names, and says so when it is missing', async function () {
      createPitwallDatabase(dbPath);
      const missing = join(temp.path, 'chosen-python3');
      const before = process.env.PITWALL_PYTHON;
      process.env.PITWALL_PYTHON = missing;
      try {
        const verdict = await openSqliteWriter(dbPath, { backend: 'python' });
        assert.deepEqual(verdict, { writable: false, reason: `Pitwall cannot write to ${dbPath}: Node.js has no node:sqlite and ${missing} was not found. It is open read-only.` });
      } finally {
        if (before === undefined) delete process.env.PITWALL_PYTHON;
        else process.env.PITWALL_PYTHON = before;
      }
    });

    it('is read-only when the file is not a database, and writes nothing to it', async function () {
      const junk = 'not a database '.repeat(100);
      writeFileSync(dbPath, junk);
      const verdict = await openSqliteWriter(dbPath, { backend: 'python', pythonPath });
      assert.equal(verdict.writable, false);
      assert.match(verdict.writable ? '' : verdict.reason, /could not open it for writing \(file is not a database\)\. It is open read-only\.$/);
      assert.equal(readFileSync(dbPath, 'utf8'), junk);
    });

    it('throws not-found for a missing file and does not create it', async function () {
      await assert.rejects(openSqliteWriter(dbPath, { pythonPath }), rejectsWith('not-found', dbPath));
      assert.equal(existsSync(dbPath), false);
    });
  });

  describe('reading while writing', function () {
    it('a snapshot reader sees a committed write through the -wal file', async function () {
      createPitwallDatabase(dbPath);
      insertAlerts(dbPath, 3);
      const reader = await SqliteSnapshotReader.open(dbPath);
      try {
        const writer = await open();
        await writer.transaction([{ sql: ACK, params: ['2026-10-02 10:00:00.000000', 'pitwall', 2] }]);
        // The writer's connection is open, so the commit sits in the WAL, not yet in the main file.
        assert.ok(statSync(`${dbPath}-wal`).size > 32);
        assert.equal(await reader.refreshIfChanged(), true);
        assert.ok(reader.snapshot.wal.commits >= 1);
        assert.deepEqual(reader.database.exec('SELECT acknowledged, acknowledged_by FROM alerts WHERE id = 2')[0]?.values, [[1, 'pitwall']]);
        assert.equal(await reader.refreshIfChanged(), false);
      } finally {
        reader.close();
      }
    });
  });
});

describe('createNewDatabase', function () {
  let temp: ReturnType<typeof makeTempDir>;
  let dbPath: string;

  beforeEach(function () {
    temp = makeTempDir();
    dbPath = join(temp.path, 'migrated.db');
  });
  afterEach(function () {
    temp.remove();
  });

  const schema = sqliteSchemaStatements.map((sql) => ({ sql, params: [] }));

  it('writes a complete database that real SQLite reads, with the schema and the rows', async function () {
    await createNewDatabase(dbPath, [
      ...schema,
      { sql: "INSERT INTO alerts (alert_id, timestamp, severity, message, threshold) VALUES (?, ?, 'info', ?, ?)", params: ['a-1', '2026-10-01 00:00:00.000000', `it's "x" \\ ✓`, 0.25] },
      { sql: 'INSERT INTO metric_snapshots (timestamp, model_version, metric_name, value, window_size) VALUES (?, ?, ?, ?, ?)', params: ['2026-10-01 00:00:00', 'v1', 'acc', 0.5, 9007199254740991] },
    ]);
    assert.equal(integrityCheck(dbPath), 'ok');
    const ddl = selectRows(dbPath, "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid").map((row) => `${String(row[0])};\n`);
    assert.equal(ddl.join(''), sqliteSchemaSql);
    assert.deepEqual(selectRows(dbPath, 'SELECT alert_id, message, threshold FROM alerts'), [['a-1', `it's "x" \\ ✓`, 0.25]]);
    assert.deepEqual(selectRows(dbPath, 'SELECT window_size, typeof(window_size) FROM metric_snapshots'), [[9007199254740991, 'integer']]);
    // Nothing is left behind but the database.
    assert.deepEqual(readdirSync(temp.path), ['migrated.db']);
  });

  it('refuses an existing file and leaves it untouched', async function () {
    writeFileSync(dbPath, 'precious');
    await assert.rejects(createNewDatabase(dbPath, schema), rejectsWith('conflict', 'already exists'));
    assert.equal(readFileSync(dbPath, 'utf8'), 'precious');
    assert.deepEqual(readdirSync(temp.path), ['migrated.db']);
  });

  it('refuses when a -wal of an earlier database of that name is left over', async function () {
    writeFileSync(`${dbPath}-wal`, 'old log');
    await assert.rejects(createNewDatabase(dbPath, schema), rejectsWith('conflict', `${dbPath}-wal is left over`));
    assert.equal(existsSync(dbPath), false);
  });

  it('writes no file at all when a statement fails', async function () {
    await assert.rejects(
      createNewDatabase(dbPath, [...schema, { sql: 'INSERT INTO nowhere VALUES (?)', params: [1] }]),
      rejectsWith('input', `statement ${schema.length + 1} of ${schema.length + 1}`, 'no such table: nowhere'),
    );
    assert.deepEqual(readdirSync(temp.path), []);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

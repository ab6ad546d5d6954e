import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { runSqlNatively } from '../../../../src/core/query/nativeSql';
import { runSqlOnSource } from '../../../../src/core/query/sql';

const LIVE_WAL = join(__dirname, '..', '..', '..', 'fixtures', 'formats', 'live-wal');
const QUERY = "select model_version, count(*) as n, round(avg(confidence), 9) as c from predictions group by 1 order by 1; select x'00ff' as b, 1.5 as r, null as z, 'text' as t";

/** runSqlOnSource with no python3 to be found: the sql.js snapshot answers. */
async function withoutPython<T>(use: () => Promise<T>): Promise<T> {
  const earlier = process.env.PITWALL_PYTHON;
  process.env.PITWALL_PYTHON = '/nonexistent/python3';
  try {
    return await use();
  } finally {
    if (earlier === undefined) delete process.env.PITWALL_PYTHON;
    else process.env.PITWALL_PYTHON = earlier;
  }
}

/** A python writer that keeps the database open in WAL mode after committing a row (as the live service does). */
function liveWriter(db: string): Promise<ChildProcessWithoutNullStreams> {
  const script = `
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("PRAGMA journal_mode=WAL")
con.execute("UPDATE alerts SET acknowledged_by = 'live-writer' WHERE id = 1")
con.commit()
print("ready", flush=True)
sys.stdin.read()
`;
  const child = spawn('python3', ['-c', script, db]);
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve(child));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the writer exited ${code}`)));
  });
}

describe('SQL on a SQLite file through real SQLite (python3), read-only, leaving the folder as it was', function () {
  this.timeout(60_000);
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-native-sql-'));
    await generateDataset({ outDir: join(root, 'gen'), predictions: 1500, seed: 2 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('answers what the sql.js snapshot answers, on a closed database, and creates no file beside it', async () => {
    const folder = join(root, 'gen');
    const db = join(folder, 'monitoring.db');
    const files = readdirSync(folder).sort();
    const bytes = readFileSync(db);
    const native = await runSqlNatively(db, QUERY);
    assert.deepEqual(native, { kind: 'answer', answer: { columns: ['b', 'r', 'z', 't'], rows: [["x'00ff'", 1.5, null, 'text']] } });
    const fast = await runSqlOnSource(db, QUERY.split(';')[0] as string);
    const slow = await withoutPython(() => runSqlOnSource(db, QUERY.split(';')[0] as string));
    assert.deepEqual(fast.result, slow.result);
    assert.equal(fast.result.rows.length, 2);
    assert.deepEqual(readdirSync(folder).sort(), files, 'no -wal or -shm created');
    assert.deepEqual(readFileSync(db), bytes);
  });

  it('refuses writes and says what is wrong with the SQL in SQLite\'s words', async () => {
    const db = join(root, 'gen', 'monitoring.db');
    assert.deepEqual(await runSqlNatively(db, 'delete from predictions'), { kind: 'sql-error', message: 'attempt to write a readonly database' });
    assert.deepEqual(await runSqlNatively(db, 'select nope from predictions'), { kind: 'sql-error', message: 'no such column: nope' });
    await assert.rejects(runSqlOnSource(db, 'select * from nope'), /SQL: no such table: nope/);
  });

  it('leaves a WAL without its -shm (a crashed writer\'s) to the sql.js snapshot, which applies it', async () => {
    const dir = mkdtempSync(join(root, 'crashed-'));
    for (const name of ['monitoring.db', 'monitoring.db-wal']) copyFileSync(join(LIVE_WAL, name), join(dir, name));
    const db = join(dir, 'monitoring.db');
    assert.equal(await runSqlNatively(db, 'select count(*) from predictions'), undefined);
    const { result } = await runSqlOnSource(db, "select count(*) as n, sum(prediction_id like 'wal-%') as wal from predictions");
    assert.deepEqual(result.rows, [{ n: 450, wal: 50 }]);
    assert.deepEqual(readdirSync(dir).sort(), ['monitoring.db', 'monitoring.db-wal']);
  });

  it('reads a database a live writer holds open, its committed WAL frames included', async () => {
    const dir = mkdtempSync(join(root, 'live-'));
    for (const name of ['monitoring.db', 'monitoring.db-wal']) copyFileSync(join(LIVE_WAL, name), join(dir, name));
    const db = join(dir, 'monitoring.db');
    const writer = await liveWriter(db);
    try {
      const native = await runSqlNatively(db, "select count(*) as n, sum(prediction_id like 'wal-%') as wal from predictions; select acknowledged_by from alerts where id = 1");
      assert.deepEqual(native, { kind: 'answer', answer: { columns: ['acknowledged_by'], rows: [['live-writer']] } });
      const counts = await runSqlNatively(db, "select count(*) as n, sum(prediction_id like 'wal-%') as wal from predictions");
      assert.deepEqual(counts, { kind: 'answer', answer: { columns: ['n', 'wal'], rows: [[450, 50]] } });
    } finally {
      writer.stdin.end();
      await new Promise((resolve) => writer.once('exit', resolve));
    }
  });

  it('falls back to sql.js when no python3 is found', async () => {
    const db = join(root, 'gen', 'monitoring.db');
    assert.equal(await withoutPython(() => runSqlNatively(db, 'select 1')), undefined);
    const { result } = await withoutPython(() => runSqlOnSource(db, 'select count(*) as n from predictions'));
    assert.deepEqual(result.rows, [{ n: 1500 }]);
  });
});

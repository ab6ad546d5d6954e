/**
 * Test support for the SQLite byte level: real SQLite (python3's sqlite3 module) writes the
 * databases and says what it reads from them; sql.js dumps are compared with that.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Database, SqlValue } from 'sql.js';

export const fixtureDir = resolve(__dirname, '../../../../fixtures/formats');

export function fixturePath(...parts: string[]): string {
  return join(fixtureDir, ...parts);
}

/** A fresh temporary directory, removed by the returned function. */
export function makeTempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'pitwall-sqlite-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export type TableDump = Record<string, unknown[][]>;

/**
 * One step of a python3 sqlite3 session. SQL text is fixed by the test; every value travels as a
 * bound parameter. `copy` copies the database and its `-wal` byte for byte while the connection
 * stays open; `dump` reads every table from a fresh copy of a pair, as SQLite sees it.
 */
export type PythonStep =
  | { op: 'open'; path: string; pageSize?: number; wal?: boolean; cacheSize?: number }
  | { op: 'exec'; sql: string; params?: unknown[] }
  | { op: 'tx'; statements: [string, unknown[]][] }
  | { op: 'begin' }
  | { op: 'rollback' }
  | { op: 'checkpoint'; mode: 'PASSIVE' | 'FULL' | 'RESTART' | 'TRUNCATE' }
  | { op: 'copy'; to: string }
  | { op: 'truncate'; path: string; dropBytes: number }
  | { op: 'dump'; path: string }
  | { op: 'close' };

const pythonSession = String.raw`
import json, os, shutil, sqlite3, sys, tempfile

con = None
db_path = None

def copy_pair(src, dest_dir):
    os.makedirs(dest_dir, exist_ok=True)
    dest = os.path.join(dest_dir, os.path.basename(src))
    for suffix in ('', '-wal'):
        if os.path.exists(src + suffix):
            shutil.copyfile(src + suffix, dest + suffix)
        elif os.path.exists(dest + suffix):
            os.remove(dest + suffix)
    return dest

def dump(path):
    scratch = tempfile.mkdtemp(prefix='pitwall-verify-')
    try:
        reader = sqlite3.connect(copy_pair(path, scratch))
        try:
            names = [r[0] for r in reader.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            tables = {}
            for name in names:
                rows = reader.execute('SELECT * FROM "' + name.replace('"', '""') + '" ORDER BY rowid').fetchall()
                tables[name] = [[v.hex() if isinstance(v, bytes) else v for v in row] for row in rows]
            return tables
        finally:
            reader.close()
    finally:
        shutil.rmtree(scratch)

def run(step):
    global con, db_path
    op = step['op']
    if op == 'open':
        db_path = step['path']
        con = sqlite3.connect(db_path, isolation_level=None, timeout=10)
        if 'pageSize' in step:
            con.execute('PRAGMA page_size = %d' % int(step['pageSize']))
        if 'cacheSize' in step:
            con.execute('PRAGMA cache_size = %d' % int(step['cacheSize']))
        if step.get('wal', True):
            con.execute('PRAGMA journal_mode = WAL')
            con.execute('PRAGMA wal_autocheckpoint = 0')
        return None
    if op == 'exec':
        con.execute(step['sql'], step.get('params', []))
        return None
    if op == 'tx':
        con.execute('BEGIN IMMEDIATE')
        for sql, params in step['statements']:
            con.execute(sql, params)
        con.execute('COMMIT')
        return None
    if op == 'begin':
        con.execute('BEGIN IMMEDIATE')
        return None
    if op == 'rollback':
        con.execute('ROLLBACK')
        return None
    if op == 'checkpoint':
        mode = step['mode']
        if mode not in ('PASSIVE', 'FULL', 'RESTART', 'TRUNCATE'):
            raise ValueError(mode)
        return list(con.execute('PRAGMA wal_checkpoint(%s)' % mode).fetchone())
    if op == 'copy':
        return copy_pair(db_path, step['to'])
    if op == 'truncate':
        size = os.path.getsize(step['path'])
        os.truncate(step['path'], max(0, size - int(step['dropBytes'])))
        return None
    if op == 'dump':
        return dump(step['path'])
    if op == 'close':
        con.close()
        con = None
        return None
    raise ValueError(op)

for line in sys.stdin:
    try:
        results = [run(step) for step in json.loads(line)]
        print(json.dumps({'ok': True, 'results': results}), flush=True)
    except Exception as error:
        print(json.dumps({'ok': False, 'error': repr(error)}), flush=True)
`;

interface PythonReply {
  ok: boolean;
  results?: unknown[];
  error?: string;
}

function parseReply(line: string | undefined, stderr: string): unknown[] {
  if (!line) throw new Error(`python3 gave no answer: ${stderr}`);
  const reply = JSON.parse(line) as PythonReply;
  if (!reply.ok || !reply.results) throw new Error(`python3 sqlite3 failed: ${reply.error ?? 'no results'}`);
  return reply.results;
}

/** Runs the steps in one python3 process and returns each step's result. */
export function runPython(steps: PythonStep[]): unknown[] {
  const child = spawnSync('python3', ['-c', pythonSession], {
    input: `${JSON.stringify(steps)}\n`,
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (child.error) throw child.error;
  return parseReply(child.stdout.split('\n')[0], child.stderr);
}

/** A python3 process that keeps its connection open between batches of steps: a live writer. */
export class PythonWriter {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';

  constructor() {
    this.child = spawn('python3', ['-c', pythonSession]);
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
  }

  run(steps: PythonStep[]): Promise<unknown[]> {
    return new Promise((resolveRun, rejectRun) => {
      this.waiting.push((line) => {
        try {
          resolveRun(parseReply(line, this.stderr));
        } catch (error) {
          rejectRun(error);
        }
      });
      this.child.stdin.write(`${JSON.stringify(steps)}\n`);
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((resolveExit) => this.child.once('exit', resolveExit));
    this.child.stdin.end();
    await exited;
    this.lines.close();
  }
}

/** Every table as sql.js reads it, in the shape `dump` gives from python. */
export function dumpDatabase(db: Database): TableDump {
  const names = db.exec(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  );
  const tables: TableDump = {};
  for (const [name] of names[0]?.values ?? []) {
    const quoted = `"${String(name).replace(/"/g, '""')}"`;
    const rows = db.exec(`SELECT * FROM ${quoted} ORDER BY rowid`)[0]?.values ?? [];
    tables[String(name)] = rows.map((row) =>
      row.map((value: SqlValue) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value)),
    );
  }
  return tables;
}

export interface WalFrameSpec {
  readonly pageNumber: number;
  readonly data: Uint8Array;
  /** Set on a commit frame: the database size in pages after the commit. */
  readonly commitPageCount?: number;
}

export interface WalSpec {
  readonly pageSize: number;
  readonly frames: readonly WalFrameSpec[];
  readonly bigEndian?: boolean;
  readonly version?: number;
  readonly salts?: readonly [number, number];
}

/**
 * Writes a WAL file by the letter of the file-format document, for cases no SQLite on this machine
 * writes (big-endian checksums, another page size); the tests have real SQLite read what it builds.
 */
export function buildWal(spec: WalSpec): Uint8Array {
  const frameSize = 24 + spec.pageSize;
  const wal = new Uint8Array(32 + spec.frames.length * frameSize);
  const view = new DataView(wal.buffer);
  const littleEndian = !spec.bigEndian;
  const sum = (start: number, end: number, seed: [number, number]): [number, number] => {
    let [a, b] = seed;
    for (let i = start; i < end; i += 8) {
      a = (a + view.getUint32(i, littleEndian) + b) % 2 ** 32;
      b = (b + view.getUint32(i + 4, littleEndian) + a) % 2 ** 32;
    }
    return [a, b];
  };
  const [salt1, salt2] = spec.salts ?? [0x1234abcd, 0x0badf00d];
  view.setUint32(0, spec.bigEndian ? 0x377f0683 : 0x377f0682);
  view.setUint32(4, spec.version ?? 3007000);
  view.setUint32(8, spec.pageSize);
  view.setUint32(12, 0);
  view.setUint32(16, salt1);
  view.setUint32(20, salt2);
  let checksum = sum(0, 24, [0, 0]);
  view.setUint32(24, checksum[0]);
  view.setUint32(28, checksum[1]);
  spec.frames.forEach((frame, index) => {
    const offset = 32 + index * frameSize;
    view.setUint32(offset, frame.pageNumber);
    view.setUint32(offset + 4, frame.commitPageCount ?? 0);
    view.setUint32(offset + 8, salt1);
    view.setUint32(offset + 12, salt2);
    wal.set(frame.data, offset + 24);
    checksum = sum(offset, offset + 8, checksum);
    checksum = sum(offset + 24, offset + frameSize, checksum);
    view.setUint32(offset + 16, checksum[0]);
    view.setUint32(offset + 20, checksum[1]);
  });
  return wal;
}

/** Every page of a database image as frames of one transaction that commits the whole image. */
export function framesOfImage(image: Uint8Array, pageSize: number): WalFrameSpec[] {
  const pageCount = image.length / pageSize;
  return Array.from({ length: pageCount }, (_, index) => ({
    pageNumber: index + 1,
    data: image.subarray(index * pageSize, (index + 1) * pageSize),
    ...(index === pageCount - 1 ? { commitPageCount: pageCount } : {}),
  }));
}

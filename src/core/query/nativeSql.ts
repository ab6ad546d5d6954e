/**
 * SQL on a SQLite file through real SQLite, read-only: Python's sqlite3 module in a short child
 * process (on every machine that runs the Python monitoring system), opened read-only and
 * `query_only`. Real SQLite reads only the pages a query needs, with the file's own locking and
 * its WAL, at native speed: `select count(*) from predictions` on a million rows takes tens of
 * milliseconds where sql.js, walking the same index in WebAssembly, takes seconds.
 *
 * Undefined when no python3 is found or SQLite cannot open the file read-only (a WAL without its
 * shared-memory file, say): the caller then reads a snapshot with sql.js, as before. A problem of
 * the SQL itself is SQLite's message, as sql.js would give it.
 */
import { existsSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { childProcessModule } from '../platform/lineProcess';

export interface NativeSqlAnswer {
  readonly columns: readonly string[];
  /** Values as SQLite gives them; a blob as hex text (x'…'). */
  readonly rows: readonly (readonly (string | number | null)[])[];
}

export type NativeSqlOutcome = { readonly kind: 'answer'; readonly answer: NativeSqlAnswer } | { readonly kind: 'sql-error'; readonly message: string };

/**
 * Runs every statement (split where sqlite3.complete_statement says one ends); the answer is the
 * last one that returns columns, as runSql does.
 */
const SCRIPT = String.raw`
import json, sqlite3, sys
def done(obj):
    sys.stdout.write(json.dumps(obj))
    sys.exit(0)
sql = sys.stdin.read()
try:
    con = sqlite3.connect(sys.argv[1], uri=True, timeout=5, isolation_level=None)
    con.execute('PRAGMA query_only = ON')
    con.execute('SELECT count(*) FROM sqlite_master').fetchone()
except sqlite3.Error as e:
    done({'open': str(e)})
statements, start = [], 0
for i, c in enumerate(sql):
    if c == ';' and sqlite3.complete_statement(sql[start:i + 1]):
        statements.append(sql[start:i + 1])
        start = i + 1
if sql[start:].strip():
    statements.append(sql[start:])
def value(v):
    if isinstance(v, bytes):
        return "x'" + v.hex() + "'"
    if isinstance(v, float) and (v != v or v in (float('inf'), float('-inf'))):
        return str(v)
    return v
columns, rows = [], []
try:
    for statement in statements:
        cursor = con.execute(statement)
        if cursor.description is not None:
            found = cursor.fetchall()
            columns, rows = [d[0] for d in cursor.description], found
except (sqlite3.Error, sqlite3.Warning) as e:
    done({'error': str(e)})
done({'columns': columns, 'rows': [[value(v) for v in row] for row in rows]})
`;

const SYSTEM_PYTHON = '/usr/bin/python3';

function pythonCandidates(): string[] {
  const chosen = process.env.PITWALL_PYTHON;
  if (chosen !== undefined && chosen !== '') return [chosen];
  return [...(existsSync(SYSTEM_PYTHON) ? [SYSTEM_PYTHON] : []), 'python3'];
}

/** Told the child's process id when it starts and null when it ends, so that a cancelled cell's owner can end it. */
export type ChildWatcher = (pid: number | null) => void;

function runPython(python: string, uri: string, sql: string, watch?: ChildWatcher): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = childProcessModule().spawn(python, ['-c', SCRIPT, uri], { stdio: ['pipe', 'pipe', 'pipe'] });
    if (child.pid !== undefined) watch?.(child.pid);
    child.on('exit', () => watch?.(null));
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.resume();
    // Not found, not runnable: the next candidate (or the caller's sql.js) answers.
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => resolve(code === 0 ? Buffer.concat(chunks).toString('utf8') : undefined));
    child.stdin.on('error', () => undefined);
    child.stdin.end(sql, 'utf8');
  });
}

function stampOf(path: string): string | undefined {
  try {
    const info = statSync(path);
    return `${info.size}:${info.mtimeMs}:${info.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * The SQL's answer from real SQLite, or undefined when no native engine can read the file as it is.
 *
 * A reader must leave the folder as it found it. Opening a WAL database read-only makes SQLite
 * create its `-wal` and `-shm` files when they are missing, so: with both present (a live writer
 * has it open) SQLite reads it with its locks, WAL included; with neither (a closed database, all
 * its content in the main file) it reads the file as immutable, which creates nothing, and the
 * answer counts only if the file did not change meanwhile and no WAL appeared; with a WAL but no
 * `-shm` (a crashed writer's leftovers), sql.js applies the WAL instead.
 */
export async function runSqlNatively(path: string, sql: string, watch?: ChildWatcher): Promise<NativeSqlOutcome | undefined> {
  const wal = existsSync(`${path}-wal`);
  if (wal && !existsSync(`${path}-shm`)) return undefined;
  const before = wal ? undefined : stampOf(path);
  const uri = `${pathToFileURL(path).href}?mode=ro${wal ? '' : '&immutable=1'}`;
  for (const python of pythonCandidates()) {
    const output = await runPython(python, uri, sql, watch);
    if (output === undefined) continue;
    if (!wal && (stampOf(path) !== before || existsSync(`${path}-wal`))) return undefined;
    let parsed: { open?: string; error?: string; columns?: string[]; rows?: (string | number | null)[][] };
    try {
      parsed = JSON.parse(output) as typeof parsed;
    } catch {
      return undefined;
    }
    if (parsed.open !== undefined) return undefined;
    if (parsed.error !== undefined) return { kind: 'sql-error', message: parsed.error };
    return { kind: 'answer', answer: { columns: parsed.columns ?? [], rows: parsed.rows ?? [] } };
  }
  return undefined;
}

/**
 * Test support for the SQLite writer: real SQLite in a separate python3 process creates the
 * databases and checks what the writer left in them, so no test trusts the writer's own reading.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { sqliteSchemaStatements } from '../../../../../src/core/store/sqlite/schema';

/** The Debian python3 where it exists: the one on PATH may be a slow version-manager shim. */
export const pythonPath = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const pythonTool = String.raw`
import json, sqlite3, sys

request = json.loads(sys.stdin.read())
con = sqlite3.connect(request['path'], isolation_level=None, timeout=10)
if request.get('journal'):
    con.execute('PRAGMA journal_mode = ' + {'wal': 'WAL', 'delete': 'DELETE'}[request['journal']])
results = []
for sql, params in request.get('script', []):
    cursor = con.execute(sql, params)
    rows = cursor.fetchall()
    results.append([[v.hex() if isinstance(v, bytes) else v for v in row] for row in rows])
con.close()
print(json.dumps(results))
`;

export type Row = (string | number | null)[];

/**
 * Runs statements in order in a fresh python3 sqlite3 connection (autocommit) and returns each
 * statement's rows. `journal` sets the journal mode first (for creating test databases only).
 */
export function runSqlite(path: string, script: [string, unknown[]][], journal?: 'wal' | 'delete'): Row[][] {
  const child = spawnSync(pythonPath, ['-c', pythonTool], {
    input: JSON.stringify({ path, script, journal }),
    encoding: 'utf8',
    timeout: 30_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (child.error) throw child.error;
  if (child.status !== 0) throw new Error(`python3 sqlite3 failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as Row[][];
}

/** The rows of one query, read by real SQLite in another process. */
export function selectRows(path: string, sql: string, params: unknown[] = []): Row[] {
  return runSqlite(path, [[sql, params]])[0] ?? [];
}

export function integrityCheck(path: string): string {
  return selectRows(path, 'PRAGMA integrity_check').map((row) => String(row[0])).join('; ');
}

/** A new database with the Pitwall (SQLAlchemy) schema, created by python3's sqlite3. */
export function createPitwallDatabase(path: string, journal: 'wal' | 'delete' = 'wal'): void {
  runSqlite(
    path,
    sqliteSchemaStatements.map((statement) => [statement, []]),
    journal,
  );
}

/** `count` unacknowledged alerts with ids 1..count and alert_id `alert-<id>`. */
export function insertAlerts(path: string, count: number): void {
  const script: [string, unknown[]][] = [['BEGIN', []]];
  for (let id = 1; id <= count; id += 1) {
    script.push([
      "INSERT INTO alerts (id, alert_id, timestamp, severity, title, acknowledged) VALUES (?, ?, '2026-10-01 00:00:00.000000', 'warning', ?, 0)",
      [id, `alert-${id}`, `alert ${id}`],
    ]);
  }
  script.push(['COMMIT', []]);
  runSqlite(path, script);
}

/** The journal mode written in the database header (bytes 18 and 19): 1 rollback journal, 2 WAL. */
export function headerJournalVersions(bytes: Uint8Array): [number | undefined, number | undefined] {
  return [bytes[18], bytes[19]];
}

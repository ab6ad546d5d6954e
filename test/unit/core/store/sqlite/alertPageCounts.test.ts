import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import fc from 'fast-check';
import { SqliteStore } from '../../../../../src/core/store/sqlite/sqliteStore';
import { createPitwallDatabase, pythonPath, runSqlite, selectRows, type Row } from './writerSupport';

/**
 * The monitoring service as it runs: one python3 sqlite3 connection held open, each statement its
 * own transaction. In WAL mode its commits stay in the WAL until it checkpoints (or the log grows).
 */
class ServiceConnection {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];

  constructor(path: string) {
    const script = String.raw`
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
for line in sys.stdin:
    rows = []
    try:
        for sql, params in json.loads(line):
            rows = con.execute(sql, params).fetchall()
        print(json.dumps({'rows': rows}), flush=True)
    except Exception as error:
        print(json.dumps({'error': str(error)}), flush=True)
`;
    this.child = spawn(pythonPath, ['-c', script, path]);
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
  }

  run(script: [string, unknown[]][]): Promise<Row[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        const answer = JSON.parse(line) as { rows?: Row[]; error?: string };
        if (answer.error !== undefined) reject(new Error(answer.error));
        else resolve(answer.rows ?? []);
      });
      this.child.stdin.write(`${JSON.stringify(script)}\n`);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

type Severity = 'critical' | 'warning' | 'info' | 'urgent';
interface NewAlert {
  readonly severity: Severity;
  readonly version: string | null;
  readonly acknowledged: boolean;
}
type Op =
  | { readonly kind: 'append'; readonly alerts: readonly NewAlert[] }
  | { readonly kind: 'acknowledge' | 'reopen'; readonly pick: number }
  | { readonly kind: 'checkpoint' };

const newAlert = fc.record({
  // 'urgent' is no severity: a row the schema refuses, which every count leaves out.
  severity: fc.constantFrom<Severity>('critical', 'critical', 'warning', 'warning', 'info', 'urgent'),
  version: fc.constantFrom('v1.0', 'v1.1', null),
  acknowledged: fc.boolean(),
});
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('append' as const), alerts: fc.array(newAlert, { minLength: 1, maxLength: 12 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('acknowledge' as const, 'reopen' as const), pick: fc.nat(5000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('checkpoint' as const) }) },
);

let appended = 0;

/** The statements of one change, as the service would write it. */
function statementsOf(change: Op): [string, unknown[]][] {
  switch (change.kind) {
    case 'append':
      return change.alerts.map((alert) => {
        appended++;
        // Two alerts a second: ties in time, which the order breaks by id.
        const second = 3600 + Math.floor(appended / 2);
        const time = `2026-10-02 ${String(Math.floor(second / 3600)).padStart(2, '0')}:${String(Math.floor(second / 60) % 60).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}.000000`;
        return [
          `INSERT INTO alerts (alert_id, timestamp, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged, created_at)
           VALUES (?, ?, ?, 'accuracy Alert', 'accuracy is 0.5 (< 0.7)', 'accuracy', 0.5, 0.7, 'performance', ?, ?, ?)`,
          [`appended-${appended}`, time, alert.severity, alert.version, alert.acknowledged ? 1 : 0, time.slice(0, 19)],
        ];
      });
    case 'acknowledge':
    case 'reopen': {
      const from = change.kind === 'acknowledge' ? 'acknowledged IS NOT 1' : 'acknowledged = 1';
      const to = change.kind === 'acknowledge' ? 1 : 0;
      return [[`UPDATE alerts SET acknowledged = ? WHERE id = (SELECT id FROM alerts WHERE ${from} ORDER BY id LIMIT 1 OFFSET ? % max(1, (SELECT count(*) FROM alerts WHERE ${from})))`, [to, change.pick]]];
    }
    case 'checkpoint':
      return [['PRAGMA wal_checkpoint(TRUNCATE)', []]];
  }
}

/** What the store lists, to compare with a store opened afresh and with SQLite itself. */
async function listing(store: SqliteStore) {
  const counts = await store.counts();
  return {
    bySeverity: await store.countAlertsBySeverity(),
    openByModel: (await store.countOpenAlertsByModel()).sort((a, b) => `${a.severity}${a.model_version}`.localeCompare(`${b.severity}${b.model_version}`)),
    alerts: counts.alerts,
    open: counts.unacknowledgedAlerts,
    criticalPage: (await store.readAlerts({ severity: 'critical', acknowledged: false, limit: 30 })).map((alert) => Number(alert.key)),
    infoPage: (await store.readAlerts({ severity: 'info', limit: 30 })).map((alert) => Number(alert.key)),
  };
}

function fromSqlite(path: string) {
  const bySeverity = selectRows(path, "SELECT severity, count(*), sum(acknowledged IS NOT 1) FROM alerts WHERE severity IN ('info', 'warning', 'critical') GROUP BY severity");
  const order = ['info', 'warning', 'critical'];
  return {
    bySeverity: bySeverity.sort((a, b) => order.indexOf(String(a[0])) - order.indexOf(String(b[0]))).map(([severity, total, open]) => ({ severity, total, open })),
    alerts: Number(selectRows(path, "SELECT count(*) FROM alerts WHERE severity IN ('info', 'warning', 'critical')")[0]?.[0]),
    criticalPage: selectRows(path, "SELECT id FROM alerts WHERE severity = 'critical' AND acknowledged IS NOT 1 ORDER BY timestamp DESC, id LIMIT 30").map((row) => Number(row[0])),
    infoPage: selectRows(path, "SELECT id FROM alerts WHERE severity = 'info' ORDER BY timestamp DESC, id LIMIT 30").map((row) => Number(row[0])),
  };
}

describe('SQLite alert counts kept per page of the alerts table across refreshes', function () {
  this.timeout(300_000);
  let root = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-alert-pages-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A database of 3,000 alerts (several hundred pages), as SQLite writes it. */
  function seed(journal: 'wal' | 'delete'): string {
    const path = join(root, `monitoring-${journal}-${Date.now()}-${Math.random().toString(36).slice(2)}.db`);
    createPitwallDatabase(path, journal);
    runSqlite(path, [
      [
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
         INSERT INTO alerts (alert_id, timestamp, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged, created_at)
         SELECT printf('seed-%05d', i), strftime('%Y-%m-%d %H:%M:%f', '2026-10-01', '+' || (i * 7) || ' seconds') || '000',
           CASE i % 5 WHEN 0 THEN 'critical' WHEN 1 THEN 'info' ELSE 'warning' END, 'accuracy Alert',
           'accuracy is ' || (0.6 + (i % 17) / 100.0) || ' — a message long enough to fill pages', 'accuracy', 0.6, 0.78, 'performance',
           CASE i % 3 WHEN 0 THEN 'v1.0' WHEN 1 THEN 'v1.1' ELSE NULL END, i % 2, '2026-10-01 00:00:00' FROM n`,
        [],
      ],
    ]);
    return path;
  }

  for (const journal of ['wal', 'delete'] as const) {
    it(`${journal === 'wal' ? 'WAL mode, the service holding its connection' : 'rollback-journal mode'}: after appends, acknowledgments${journal === 'wal' ? ' and checkpoints' : ''} by the other process, the counts and pages equal a fresh open and SQLite's, and a refresh decodes only the changed pages`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (ops) => {
          const path = seed(journal);
          const service = journal === 'wal' ? new ServiceConnection(path) : undefined;
          const store = await SqliteStore.open(path);
          try {
            await listing(store);
            await store.refresh();
            const pages = store.alertPageReads.pages;
            assert.ok(pages > 50, `${pages} pages in the alerts table`);
            for (const change of ops) {
              if (change.kind === 'checkpoint' && service === undefined) continue;
              const statements = statementsOf(change);
              if (service !== undefined) await service.run(statements);
              else runSqlite(path, [['BEGIN IMMEDIATE', []], ...statements, ['COMMIT', []]]);
              const { changes } = await store.refresh();
              const reads = store.alertPageReads;
              // A page that changed is decoded again; the rest are kept.
              assert.ok(reads.decoded <= 4, `${change.kind}: ${JSON.stringify(reads)}`);
              assert.equal(reads.pages >= pages, true);
              // While the main file is as it was, pages the WAL does not hold are not read at all.
              if (service !== undefined && change.kind !== 'checkpoint') assert.equal(reads.fromFile, 0, `${change.kind}: ${JSON.stringify(reads)}`);
              if (change.kind === 'append') {
                const good = change.alerts.filter((alert) => alert.severity !== 'urgent');
                const alerts = changes.find((each) => each.collection === 'alerts');
                // New alerts already acknowledged change what was acknowledged: the view reads the alerts again.
                if (good.some((alert) => alert.acknowledged)) assert.equal(alerts?.kind, 'reloaded');
                else assert.deepEqual(alerts, good.length === 0 ? undefined : { collection: 'alerts', kind: 'appended', added: good.length });
              }
              const seen = await listing(store);
              const fresh = await SqliteStore.open(path);
              try {
                assert.deepEqual(seen, await listing(fresh));
              } finally {
                await fresh.close();
              }
              const truth = fromSqlite(path);
              assert.deepEqual(seen.bySeverity, truth.bySeverity);
              assert.equal(seen.alerts, truth.alerts);
              assert.deepEqual(seen.criticalPage, truth.criticalPage);
              assert.deepEqual(seen.infoPage, truth.infoPage);
            }
          } finally {
            await store.close();
            await service?.close();
            rmSync(path, { force: true });
            rmSync(`${path}-wal`, { force: true });
            rmSync(`${path}-shm`, { force: true });
          }
        }),
        { numRuns: 6 },
      );
    });
  }

  it('counts the first time from every page, and a table whose pages it cannot read alone with SQL', async () => {
    const path = seed('delete');
    const store = await SqliteStore.open(path);
    try {
      const counted = await store.countAlertsBySeverity();
      const reads = store.alertPageReads;
      assert.equal(reads.decoded, reads.pages);
      assert.equal(reads.fromFile, reads.pages);
      assert.deepEqual(counted, fromSqlite(path).bySeverity);
    } finally {
      await store.close();
    }
    // A message long enough to push the alert's later columns (version, acknowledged) onto an overflow page: SQL counts.
    runSqlite(path, [['UPDATE alerts SET message = ? WHERE id = 7', ['x'.repeat(6000)]]]);
    const other = await SqliteStore.open(path);
    try {
      assert.deepEqual(await other.countAlertsBySeverity(), fromSqlite(path).bySeverity);
      assert.equal(other.alertPageReads.decoded < other.alertPageReads.pages, true, 'the count stopped at the page it could not read');
    } finally {
      await other.close();
    }
  });
});

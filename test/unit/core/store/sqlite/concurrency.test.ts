/**
 * Pitwall's writer and the Python monitoring service writing one SQLite file at the same time: the
 * service is a real python3 process with one long-lived sqlite3 connection in WAL mode
 * (synchronous=NORMAL), committing small batches of predictions and now and then a new alert, as
 * the SQLAlchemy service does; Pitwall acknowledges hundreds of existing alerts meanwhile. Nothing
 * of either side may be lost. Both pause a moment between commits, as real writers do: one that
 * commits back to back starves the other, because SQLite's busy handler polls rather than queues.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { PythonSqliteWriter, openSqliteWriter, type SqliteStatement } from '../../../../../src/core/store/sqlite/writer';
import { makeTempDir } from './support';
import { createPitwallDatabase, insertAlerts, integrityCheck, pythonPath, selectRows } from './writerSupport';

const PREDICTIONS = 6000;
const BATCH = 3;
const SERVICE_ALERT_EVERY = 10; // batches
const EXISTING_ALERTS = 500;
const SINGLE_ACKS = 300;
const GROUPED_ACKS = 25; // transactions of 4 acknowledgments each

const service = String.raw`
import json, sqlite3, sys, time

path, count, batch, alert_every = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
# The monitoring service's way: one connection for its lifetime, Python's default transaction
# handling (an implicit BEGIN before the first INSERT, commit() per batch), a 5 s busy timeout.
con = sqlite3.connect(path, timeout=5)
con.execute('PRAGMA journal_mode=WAL')
con.execute('PRAGMA synchronous=NORMAL')
print('ready', flush=True)
start = time.time()
alerts = 0
for first in range(0, count, batch):
    for n in range(first, min(first + batch, count)):
        con.execute(
            'INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features, extra_metadata)'
            ' VALUES (?, ?, ?, ?, ?, ?, ?)',
            ('2026-10-01 00:00:%02d.%06d' % (n % 60, n), 'v1.1', 'pred-%05d' % n, n % 2, 0.5 + (n % 50) / 100.0,
             json.dumps({'track_temp': n * 0.5}), json.dumps({'source': 'service'})))
    if (first // batch) % alert_every == 0:
        con.execute(
            "INSERT INTO alerts (alert_id, timestamp, severity, title, acknowledged) VALUES (?, '2026-10-01 00:00:00.000000', 'critical', 'service alert', 0)",
            ('svc-%05d' % alerts,))
        alerts += 1
    con.commit()
    time.sleep(0.0005)
end = time.time()
con.close()
print(json.dumps({'predictions': count, 'alerts': alerts, 'start': start, 'end': end}), flush=True)
`;

interface ServiceReport {
  predictions: number;
  alerts: number;
  start: number;
  end: number;
}

function startService(path: string): { ready: Promise<void>; done: Promise<ServiceReport> } {
  const child = spawn(pythonPath, ['-c', service, path, String(PREDICTIONS), String(BATCH), String(SERVICE_ALERT_EVERY)]);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines: string[] = [];
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    if (line === 'ready') onReady();
  });
  const done = new Promise<ServiceReport>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`the service failed (exit ${code}): ${stderr}`));
      else resolve(JSON.parse(lines.at(-1) ?? '{}') as ServiceReport);
    });
  });
  return { ready, done };
}

/** A fixed shuffle of 1..n (a linear congruential generator, so a failure reproduces). */
function shuffledIds(n: number): number[] {
  const ids = Array.from({ length: n }, (_, index) => index + 1);
  let state = 12345;
  for (let i = ids.length - 1; i > 0; i -= 1) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [ids[i], ids[j]] = [ids[j] as number, ids[i] as number];
  }
  return ids;
}

const ACK = 'UPDATE alerts SET acknowledged = 1, acknowledged_at = ?, acknowledged_by = ? WHERE id = ?';
const ackOf = (id: number): SqliteStatement => ({
  sql: ACK,
  params: [`2026-10-15 12:00:00.${String(id).padStart(6, '0')}`, `pitwall-${id}`, id],
});

describe('SqliteWriter beside a live Python writer (WAL, synchronous=NORMAL)', function () {
  this.timeout(60_000);
  let temp: ReturnType<typeof makeTempDir>;

  beforeEach(function () {
    temp = makeTempDir();
  });
  afterEach(function () {
    temp.remove();
  });

  it('keeps every prediction of the service and every acknowledgment of Pitwall, and the file passes integrity_check', async function () {
    const started = Date.now();
    const path = join(temp.path, 'monitoring.db');
    createPitwallDatabase(path);
    insertAlerts(path, EXISTING_ALERTS);

    const verdict = await openSqliteWriter(path, { backend: 'python', pythonPath });
    assert.ok(verdict.writable && verdict.writer instanceof PythonSqliteWriter);
    const writer = verdict.writer;

    // 325 transactions: every 13th acknowledges 4 alerts at once, the others one.
    const ids = shuffledIds(EXISTING_ALERTS).slice(0, SINGLE_ACKS + 4 * GROUPED_ACKS);
    const transactions: SqliteStatement[][] = [];
    for (let t = 0, next = 0; t < SINGLE_ACKS + GROUPED_ACKS; t += 1) {
      const size = t % 13 === 12 ? 4 : 1;
      transactions.push(ids.slice(next, next + size).map(ackOf));
      next += size;
    }
    assert.equal(transactions.filter((statements) => statements.length === 4).length, GROUPED_ACKS);
    assert.equal(transactions.flat().length, ids.length);

    const svc = startService(path);
    await svc.ready;
    const ackStart = Date.now() / 1000;
    const seenPredictionCounts: number[] = [];
    let acknowledged = 0;
    try {
      for (const [index, statements] of transactions.entries()) {
        const result = await writer.transaction(statements);
        assert.deepEqual(result.changes, statements.map(() => 1));
        acknowledged += statements.length;
        await sleep(2);
        if (index % 25 === 0) {
          const [row] = await writer.query('SELECT count(*) AS n FROM predictions');
          seenPredictionCounts.push(Number(row?.n));
        }
      }
    } finally {
      await writer.close();
    }
    const ackEnd = Date.now() / 1000;
    const report = await svc.done;

    // The two writers really overlapped: the service committed between Pitwall's commits.
    assert.ok(ackStart < report.end && report.start < ackEnd, 'the writers did not overlap');
    const firstSeen = seenPredictionCounts[0] ?? 0;
    const lastSeen = seenPredictionCounts.at(-1) ?? 0;
    assert.ok(firstSeen < lastSeen && lastSeen < PREDICTIONS, `predictions seen while acknowledging: ${seenPredictionCounts.join(', ')}`);

    // Every prediction, each once, with the ids the service wrote.
    const predictionIds = selectRows(path, 'SELECT prediction_id FROM predictions ORDER BY prediction_id').map((row) => row[0]);
    assert.equal(predictionIds.length, PREDICTIONS);
    assert.deepEqual(
      predictionIds,
      Array.from({ length: PREDICTIONS }, (_, n) => `pred-${String(n).padStart(5, '0')}`),
    );
    // Every alert: the existing ones and the service's new ones.
    const serviceAlerts = selectRows(path, "SELECT alert_id, acknowledged FROM alerts WHERE alert_id LIKE 'svc-%' ORDER BY alert_id");
    assert.equal(serviceAlerts.length, report.alerts);
    assert.deepEqual(
      serviceAlerts,
      Array.from({ length: report.alerts }, (_, n) => [`svc-${String(n).padStart(5, '0')}`, 0]),
    );
    assert.deepEqual(selectRows(path, 'SELECT count(*) FROM alerts'), [[EXISTING_ALERTS + report.alerts]]);
    // Every acknowledgment, with its own time and user, and no other alert acknowledged.
    const acks = selectRows(path, 'SELECT id, acknowledged_at, acknowledged_by FROM alerts WHERE acknowledged = 1 ORDER BY id');
    assert.deepEqual(
      acks,
      [...ids].sort((a, b) => a - b).map((id) => [id, `2026-10-15 12:00:00.${String(id).padStart(6, '0')}`, `pitwall-${id}`]),
    );
    assert.equal(integrityCheck(path), 'ok');
    assert.deepEqual(selectRows(path, 'PRAGMA journal_mode'), [['wal']]);

    const seconds = (Date.now() - started) / 1000;
    console.log(
      `      service: ${report.predictions} predictions in ${PREDICTIONS / BATCH} commits + ${report.alerts} alerts over ${(report.end - report.start).toFixed(2)} s; ` +
        `Pitwall: ${acknowledged} acknowledgments in ${transactions.length} transactions over ${(ackEnd - ackStart).toFixed(2)} s; ` +
        `predictions seen meanwhile: ${seenPredictionCounts.join(' ')}; total ${seconds.toFixed(1)} s`,
    );
  });
});

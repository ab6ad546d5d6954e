/**
 * The python3 write helper killed with SIGKILL at random moments of multi-statement transactions:
 * SQLite must leave each transaction applied entirely or not at all, and the file sound.
 *
 * To land kills inside transactions reliably, the helper runs with its test hook
 * PITWALL_SQLITE_WRITER_STEP_DELAY_MS (see writerScript.ts), which makes it sleep 0.5 ms before
 * each statement: a transaction of 60 acknowledgments and one insert then lasts ~40 ms. The kill
 * comes at a random time from 0 to 1.3 times a measured transaction, so some land before BEGIN,
 * most between statements, some during or after COMMIT (a commit whose answer was lost).
 */
import { strict as assert } from 'node:assert';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PitwallError } from '../../../../../src/core/errors';
import { PythonSqliteWriter, openSqliteWriter, type SqliteStatement } from '../../../../../src/core/store/sqlite/writer';
import { makeTempDir } from './support';
import { createPitwallDatabase, insertAlerts, integrityCheck, pythonPath, selectRows } from './writerSupport';

const ACKS_PER_TRANSACTION = 60;
const STEP_DELAY_MS = '0.5';

interface Tally {
  iterations: number;
  completedBeforeKill: number;
  killedInFlight: number;
  killedNoneApplied: number;
  killedAllApplied: number;
  /** Rollback-journal mode: kills that left a hot `-journal` behind, i.e. landed after the first change. */
  hotJournals: number;
}

/** A small seeded generator (mulberry32), so that a failing run can be repeated. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function transactionOf(iteration: number): SqliteStatement[] {
  const first = iteration * ACKS_PER_TRANSACTION + 1;
  const statements: SqliteStatement[] = Array.from({ length: ACKS_PER_TRANSACTION }, (_, k) => ({
    sql: 'UPDATE alerts SET acknowledged = 1, acknowledged_at = ?, acknowledged_by = ? WHERE id = ?',
    params: [`2026-10-15 12:00:${String(k % 60).padStart(2, '0')}.000000`, `crash-${iteration}`, first + k],
  }));
  // An insert in the middle, so the outcome covers new rows as well as changed ones.
  statements.splice(ACKS_PER_TRANSACTION / 2, 0, {
    sql: "INSERT INTO alert_rules (rule_id, metric_name, enabled) VALUES (?, 'accuracy', 1)",
    params: [`rule-${iteration}`],
  });
  return statements;
}

async function crashLoop(journal: 'wal' | 'delete', iterations: number, seed: number): Promise<Tally> {
  const temp = makeTempDir();
  const path = join(temp.path, 'monitoring.db');
  const tally: Tally = { iterations, completedBeforeKill: 0, killedInFlight: 0, killedNoneApplied: 0, killedAllApplied: 0, hotJournals: 0 };
  try {
    createPitwallDatabase(path, journal);
    insertAlerts(path, (iterations + 1) * ACKS_PER_TRANSACTION);
    const verdict = await openSqliteWriter(path, { backend: 'python', pythonPath });
    assert.ok(verdict.writable && verdict.writer instanceof PythonSqliteWriter);
    const writer = verdict.writer;
    try {
      // How long one transaction takes, measured on the extra block of alerts.
      const measuredStart = performance.now();
      await writer.transaction(transactionOf(iterations));
      const window = (performance.now() - measuredStart) * 1.3;
      const next = random(seed);

      for (let iteration = 0; iteration < iterations; iteration += 1) {
        // A query starts a new helper if the last one was killed, so the kill times the transaction only.
        await writer.query('SELECT 1');
        const pid = writer.helperPid;
        assert.ok(pid);
        const outcome = writer.transaction(transactionOf(iteration)).then(
          () => 'completed' as const,
          (error: unknown) => error,
        );
        await new Promise((resolve) => setTimeout(resolve, next() * window));
        process.kill(pid, 'SIGKILL');
        const settled = await outcome;
        // Let the writer notice the death before the next iteration's query.
        while (writer.helperPid === pid) await new Promise((resolve) => setTimeout(resolve, 2));
        if (existsSync(`${path}-journal`) && statSync(`${path}-journal`).size > 0) tally.hotJournals += 1;

        const [acked] = selectRows(path, 'SELECT count(*) FROM alerts WHERE acknowledged_by = ?', [`crash-${iteration}`]);
        const [rules] = selectRows(path, 'SELECT count(*) FROM alert_rules WHERE rule_id = ?', [`rule-${iteration}`]);
        const applied = acked?.[0] === ACKS_PER_TRANSACTION && rules?.[0] === 1;
        const none = acked?.[0] === 0 && rules?.[0] === 0;
        assert.ok(applied || none, `iteration ${iteration}: ${String(acked?.[0])} acknowledgments and ${String(rules?.[0])} rules applied`);
        if (settled === 'completed') {
          assert.ok(applied, `iteration ${iteration} reported success but is not in the file`);
          tally.completedBeforeKill += 1;
        } else {
          assert.ok(settled instanceof PitwallError && settled.code === 'io', String(settled));
          assert.match(settled.message, /stopped \(killed by SIGKILL\).*applied entirely or not at all/);
          tally.killedInFlight += 1;
          if (applied) tally.killedAllApplied += 1;
          else tally.killedNoneApplied += 1;
        }
      }
      // After all that the writer still writes.
      const after = await writer.transaction([
        { sql: 'UPDATE alerts SET acknowledged_by = ? WHERE id = ?', params: ['after', iterations * ACKS_PER_TRANSACTION + 1] },
      ]);
      assert.deepEqual(after.changes, [1]);
    } finally {
      await writer.close();
    }
    assert.equal(integrityCheck(path), 'ok');
    assert.deepEqual(selectRows(path, 'PRAGMA journal_mode'), [[journal]]);
    // No acknowledgment outside the transactions that were applied.
    const ackedTotal = selectRows(path, 'SELECT count(*) FROM alerts WHERE acknowledged = 1 AND id <= ?', [iterations * ACKS_PER_TRANSACTION]);
    assert.deepEqual(ackedTotal, [[(tally.completedBeforeKill + tally.killedAllApplied) * ACKS_PER_TRANSACTION]]);
    return tally;
  } finally {
    temp.remove();
  }
}

describe('SqliteWriter when its python3 helper is killed mid-transaction', function () {
  this.timeout(60_000);

  before(function () {
    process.env.PITWALL_SQLITE_WRITER_STEP_DELAY_MS = STEP_DELAY_MS;
  });
  after(function () {
    delete process.env.PITWALL_SQLITE_WRITER_STEP_DELAY_MS;
  });

  for (const [journal, iterations, seed] of [
    ['wal', 40, 20261001],
    ['delete', 20, 20261002],
  ] as const) {
    it(`leaves every transaction applied entirely or not at all (${journal} journal, ${iterations} kills)`, async function () {
      const started = performance.now();
      const tally = await crashLoop(journal, iterations, seed);
      assert.equal(tally.completedBeforeKill + tally.killedInFlight, iterations);
      // Most kills must land inside a transaction, or the test proves little.
      assert.ok(tally.killedNoneApplied >= iterations / 2, JSON.stringify(tally));
      if (journal === 'delete') assert.ok(tally.hotJournals >= iterations / 3, JSON.stringify(tally));
      console.log(
        `      ${journal}: ${tally.iterations} kills: ${tally.killedNoneApplied} rolled back, ${tally.killedAllApplied} committed before the answer, ` +
          `${tally.completedBeforeKill} finished before the kill; 0 partial` +
          `${journal === 'delete' ? ` (${tally.hotJournals} hot journals rolled back)` : ''}; integrity_check ok; ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    });
  }
});

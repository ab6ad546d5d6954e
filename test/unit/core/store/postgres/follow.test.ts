import * as assert from 'node:assert/strict';
import { IdMark } from '../../../../../src/core/store/postgres/follow';
import { PostgresStore } from '../../../../../src/core/store/postgres/postgresStore';
import type { CollectionChange, RefreshResult } from '../../../../../src/core/store/store';
import { startPostgresFixture, type PostgresFixture } from './support';

const snapshot = (xmin: number, xmax: number) => ({ xmin, xmax });

describe('IdMark: the low-water mark of a table followed by id', () => {
  it('counts a later id committed first, keeps the earlier one as a gap and counts it once when it commits', () => {
    const mark = new IdMark(100, 100, 0);
    assert.equal(mark.apply({ top: 10, added: 10, filled: [], recent: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, snapshot(50, 50), 0), 10);
    // 12 committed, 11 still running in transaction 60.
    assert.equal(mark.apply({ top: 12, added: 1, filled: [], recent: [12] }, snapshot(60, 62), 1), 1);
    assert.deepEqual(mark.missing, [11]);
    assert.equal(mark.lowWater, 12);
    assert.equal(mark.apply({ top: null, added: 0, filled: [11], recent: [] }, snapshot(63, 63), 2), 1);
    assert.deepEqual(mark.missing, []);
    assert.equal(mark.apply({ top: null, added: 0, filled: [], recent: [] }, snapshot(63, 63), 3), 0);
  });

  it('gives a gap up only once every transaction running when it was found has ended and the grace period passed', () => {
    const mark = new IdMark(100, 100, 1000);
    mark.apply({ top: 5, added: 4, filled: [], recent: [1, 2, 3, 5] }, snapshot(40, 45), 0);
    assert.deepEqual(mark.missing, [4]);
    mark.apply({ top: null, added: 0, filled: [], recent: [] }, snapshot(44, 47), 2000);
    assert.deepEqual(mark.missing, [4], 'a transaction older than the snapshot that found it may still commit');
    mark.apply({ top: null, added: 0, filled: [], recent: [] }, snapshot(45, 47), 500);
    assert.deepEqual(mark.missing, [4], 'within the grace period');
    mark.apply({ top: null, added: 0, filled: [], recent: [] }, snapshot(45, 47), 1500);
    assert.deepEqual(mark.missing, [], 'rolled back: never coming');
  });

  it('keeps gaps only in the window under the top, and at most maxGaps of them, the newest', () => {
    const mark = new IdMark(10, 3, 0);
    mark.apply({ top: 100, added: 1, filled: [], recent: [100] }, snapshot(1, 5), 0);
    assert.deepEqual(mark.missing, [97, 98, 99]);
    assert.equal(mark.lowWater, 100);
  });
});

/** Sums the changes of one collection over several refreshes, failing on a kind other than appended. */
function appendedOf(results: readonly RefreshResult[], collection: string): number {
  let sum = 0;
  for (const change of results.flatMap((result) => result.changes).filter((c: CollectionChange) => c.collection === collection)) {
    assert.equal(change.kind, 'appended', `${collection} ${JSON.stringify(change)}`);
    sum += change.added;
  }
  return sum;
}

function insertSql(prefix: string, rows: number, labelled = false): string {
  return `INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features${labelled ? ', actual_outcome, actual_outcome_timestamp' : ''})
    SELECT (SELECT max(timestamp) FROM predictions) + interval '1 second', 'v1.1', '${prefix}-' || g, 1, 0.7, '{}'${labelled ? ', 1, now()' : ''} FROM generate_series(1, ${rows}) g`;
}

describe('PostgreSQL live follow on a real server, with other processes writing', function () {
  this.timeout(120_000);
  let fixture: PostgresFixture;

  before(async () => {
    fixture = await startPostgresFixture(3000, 12);
  });
  after(() => fixture?.close());

  it('picks up an id committed after a later one (two transactions, the later id first): each counted once', async () => {
    const url = fixture.clone('order');
    const store = await PostgresStore.open(url);
    const psql = (sql: string) => fixture.cluster.psql('order', sql);
    try {
      assert.deepEqual((await store.refresh()).changes, []);
      const before = Number(psql('SELECT count(*) FROM predictions'));
      // The first transaction takes its id and holds its commit back.
      const slow = fixture.cluster.psqlAsync('order', `BEGIN; ${insertSql('slow', 1)}; SELECT pg_sleep(2.5); COMMIT;`);
      const deadline = Date.now() + 10_000;
      while (psql(`SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'predictions' AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()`) === '0') {
        assert.ok(Date.now() < deadline, 'the slow transaction started');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      psql(insertSql('fast', 1));
      const middle = await store.refresh();
      assert.deepEqual(middle.changes, [{ collection: 'predictions', kind: 'appended', added: 1 }]);
      const fast = Number(psql("SELECT id FROM predictions WHERE prediction_id = 'fast-1'"));
      assert.equal(psql("SELECT count(*) FROM predictions WHERE prediction_id = 'slow-1'"), '0', 'the earlier id is not committed yet');
      await slow;
      const slowId = Number(psql("SELECT id FROM predictions WHERE prediction_id = 'slow-1'"));
      assert.ok(slowId < fast, `the slow transaction's id ${slowId} is below the fast one's ${fast}`);
      const after = await store.refresh();
      assert.deepEqual(after.changes, [{ collection: 'predictions', kind: 'appended', added: 1 }], 'the late commit below the mark is seen');
      assert.deepEqual((await store.refresh()).changes, []);
      assert.equal((await store.counts()).predictions, before + 2);
    } finally {
      await store.close();
    }
  });

  for (const rescan of [0, 3600]) {
  it(`two writers committing out of order while the store refreshes: nothing missed, nothing counted twice, labels included (${rescan === 0 ? 'the label window read every tick' : 'the label window read when the server counted updates'})`, async () => {
    const database = `busy${rescan}`;
    const url = fixture.clone(database);
    const store = await PostgresStore.open(url, { labelRescanSeconds: rescan });
    try {
      await store.refresh();
      const start = await store.counts();
      // Each writer: 60 transactions of 1–3 predictions, some held open a little; every third labels one of its own predictions.
      const writer = (name: string) =>
        fixture.cluster.psqlAsync(
          database,
          `DO $$ BEGIN FOR i IN 1..60 LOOP
             INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features)
               SELECT (SELECT max(timestamp) FROM predictions) + interval '1 second', 'v1.1', '${name}-' || i || '-' || g, 1, 0.7, '{}' FROM generate_series(1, 1 + i % 3) g;
             IF i % 3 = 0 THEN UPDATE predictions SET actual_outcome = 0, actual_outcome_timestamp = now() WHERE prediction_id = '${name}-' || (i - 1) || '-1'; END IF;
             PERFORM pg_sleep(CASE WHEN i % 4 = 0 THEN 0.03 ELSE 0.004 END);
             COMMIT;
           END LOOP; END $$`,
        );
      const results: RefreshResult[] = [];
      let done = false;
      const writing = Promise.all([writer('a'), writer('b')]).finally(() => (done = true));
      while (!done) {
        results.push(await store.refresh());
        await new Promise((resolve) => setTimeout(resolve, 7));
      }
      await writing;
      // The writers' last updates reach the server's counters within about a second of their commit.
      if (rescan > 0) await new Promise((resolve) => setTimeout(resolve, 1500));
      results.push(await store.refresh());
      results.push(await store.refresh());
      const inserted = 2 * [...Array(60).keys()].reduce((sum, i) => sum + 1 + ((i + 1) % 3), 0);
      const labelled = 2 * 20;
      assert.ok(results.filter((result) => result.changes.length > 0).length > 3, 'the refreshes saw the writers at work');
      assert.equal(appendedOf(results, 'predictions'), inserted);
      assert.equal(appendedOf(results, 'outcomes'), labelled);
      const end = await store.counts();
      assert.equal(end.predictions, start.predictions + inserted);
      assert.equal(end.outcomes, start.outcomes + labelled);
      assert.deepEqual((await store.refresh({ full: true })).changes, [], 'a full reconcile finds nothing the ticks missed');
    } finally {
      await store.close();
    }
  });
  }

  it('with the label window read on the server\'s update counter: labels on new rows count at once, a later label update arrives once', async () => {
    const url = fixture.clone('gated');
    const store = await PostgresStore.open(url, { labelRescanSeconds: 3600 });
    const psql = (sql: string) => fixture.cluster.psql('gated', sql);
    try {
      await store.refresh();
      const counts = await store.counts();
      // New predictions that carry their label: counted with the rows, no window read needed.
      psql(insertSql('labelled', 3, true));
      assert.deepEqual((await store.refresh()).changes.map((c) => `${c.collection}:${c.kind}:${c.added}`).sort(), ['outcomes:appended:3', 'predictions:appended:3']);
      psql("UPDATE predictions SET actual_outcome = 0, actual_outcome_timestamp = now() WHERE id = (SELECT max(id) FROM predictions WHERE actual_outcome IS NULL AND timestamp > (SELECT max(timestamp) FROM predictions) - interval '1 hour')");
      const results: RefreshResult[] = [];
      const deadline = Date.now() + 10_000;
      while (appendedOf(results, 'outcomes') === 0 && Date.now() < deadline) {
        results.push(await store.refresh());
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      results.push(await store.refresh(), await store.refresh());
      assert.equal(appendedOf(results, 'outcomes'), 1);
      assert.equal((await store.counts()).outcomes, counts.outcomes + 4);
      assert.deepEqual((await store.refresh({ full: true })).changes, []);
    } finally {
      await store.close();
    }
  });

  it('re-reads labels only within the horizon; a full reconcile finds a label beyond it, and a corrected label is a reload', async () => {
    const url = fixture.clone('labels');
    const store = await PostgresStore.open(url, { labelHorizonSeconds: 3600 });
    const psql = (sql: string) => fixture.cluster.psql('labels', sql);
    try {
      await store.refresh();
      const counts = await store.counts();
      const old = psql("SELECT id FROM predictions WHERE actual_outcome IS NULL AND timestamp < (SELECT max(timestamp) FROM predictions) - interval '2 days' ORDER BY id LIMIT 1");
      const recent = psql("SELECT id FROM predictions WHERE actual_outcome IS NULL AND timestamp > (SELECT max(timestamp) FROM predictions) - interval '30 minutes' ORDER BY id LIMIT 1");
      assert.ok(old !== '' && recent !== '', 'the data has unlabelled predictions inside and outside the horizon');
      psql(`UPDATE predictions SET actual_outcome = 1, actual_outcome_timestamp = now() WHERE id IN (${old}, ${recent})`);
      assert.deepEqual((await store.refresh()).changes, [{ collection: 'outcomes', kind: 'appended', added: 1 }]);
      assert.deepEqual((await store.refresh({ full: true })).changes, [{ collection: 'outcomes', kind: 'reloaded', added: counts.outcomes + 2 }]);
      assert.deepEqual((await store.refresh()).changes, []);
      psql(`UPDATE predictions SET actual_outcome = 0 WHERE id = ${recent}`);
      assert.deepEqual((await store.refresh()).changes, [{ collection: 'outcomes', kind: 'reloaded', added: counts.outcomes + 2 }]);
    } finally {
      await store.close();
    }
  });

  it('moves the label window forward as predictions arrive, and counts a label in the new window once', async () => {
    const url = fixture.clone('window');
    const store = await PostgresStore.open(url, { labelHorizonSeconds: 60 });
    const psql = (sql: string) => fixture.cluster.psql('window', sql);
    try {
      await store.refresh();
      const counts = await store.counts();
      const edge = psql("SELECT id FROM predictions WHERE actual_outcome IS NULL ORDER BY timestamp DESC, id LIMIT 1");
      // Predictions three minutes on: the window (a minute) now spans more than twice the horizon.
      psql(`INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features) SELECT (SELECT max(timestamp) FROM predictions) + interval '3 minutes', 'v1.1', 'later-' || g, 1, 0.7, '{}' FROM generate_series(1, 3) g`);
      assert.deepEqual((await store.refresh()).changes, [{ collection: 'predictions', kind: 'appended', added: 3 }]);
      psql("UPDATE predictions SET actual_outcome = 1, actual_outcome_timestamp = now() WHERE prediction_id = 'later-2'");
      assert.deepEqual((await store.refresh()).changes, [{ collection: 'outcomes', kind: 'appended', added: 1 }]);
      assert.deepEqual((await store.refresh()).changes, []);
      assert.deepEqual((await store.refresh({ full: true })).changes, []);
      // The window moved: a label for the prediction that was newest before waits for a full reconcile.
      psql(`UPDATE predictions SET actual_outcome = 1, actual_outcome_timestamp = now() WHERE id = ${edge}`);
      assert.deepEqual((await store.refresh()).changes, []);
      assert.deepEqual((await store.refresh({ full: true })).changes, [{ collection: 'outcomes', kind: 'reloaded', added: counts.outcomes + 2 }]);
    } finally {
      await store.close();
    }
  });

  it('sees new alerts appended and an acknowledgment as alerts read again', async () => {
    const url = fixture.clone('alerts');
    const store = await PostgresStore.open(url);
    const psql = (sql: string) => fixture.cluster.psql('alerts', sql);
    try {
      await store.refresh();
      psql("INSERT INTO alerts (alert_id, timestamp, severity, title, message, acknowledged) VALUES ('live-1', now(), 'critical', 'Live', 'Accuracy fell', false)");
      assert.deepEqual((await store.refresh()).changes, [{ collection: 'alerts', kind: 'appended', added: 1 }]);
      psql("UPDATE alerts SET acknowledged = true, acknowledged_at = now() WHERE alert_id = 'live-1'");
      const total = (await store.counts()).alerts;
      assert.deepEqual((await store.refresh()).changes, [{ collection: 'alerts', kind: 'reloaded', added: total }]);
      assert.equal((await store.readAlerts({ alertId: 'live-1' }))[0]?.acknowledged, true);
    } finally {
      await store.close();
    }
  });
});

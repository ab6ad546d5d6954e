/**
 * The oldest and newest prediction's time, in all, per model version and among the labelled ones,
 * read off an end of the timestamp index: the same as the first row of an ordered read, whether
 * the table is audited whole or as it is read, and never the time of a row the store refuses.
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDataset } from '../../../../../scripts/generator/generateDataset';
import { predictionTimeSql, predictionTimeWhere, shapeOf } from '../../../../../src/core/store/sqlite/queries';
import { predictionsTable } from '../../../../../src/core/store/sqlite/rows';
import { SqliteSnapshotReader } from '../../../../../src/core/store/sqlite/snapshot';
import { SqliteStore } from '../../../../../src/core/store/sqlite/sqliteStore';
import type { PredictionTimeFilter } from '../../../../../src/core/store/store';
import { makeTempDir } from './support';
import { runSqlite } from './writerSupport';

const FILTERS: PredictionTimeFilter[] = [{}, { modelVersion: 'v1.0' }, { modelVersion: 'v1.1' }, { hasOutcome: true }, { hasOutcome: false }, { modelVersion: 'v1.1', hasOutcome: true }, { modelVersion: 'v9' }];

describe('the oldest and newest prediction time of a SQLite source', function () {
  this.timeout(60_000);
  let dir: { path: string; remove: () => void };
  let db: string;
  before(async () => {
    dir = makeTempDir();
    const result = await generateDataset({ outDir: dir.path, predictions: 4000, seed: 5, format: 'sqlite' });
    db = result.databasePath as string;
  });
  after(() => dir.remove());

  it('reads it off the end of the timestamp index, not the rows of a version', async () => {
    const reader = await SqliteSnapshotReader.open(db);
    try {
      const plan = (filter: PredictionTimeFilter, end: 'oldest' | 'newest') => {
        const sql = predictionTimeSql(predictionTimeWhere(shapeOf(reader.snapshot, predictionsTable), filter), end);
        assert.ok(sql);
        return (reader.database.exec(`EXPLAIN QUERY PLAN ${sql.sql}`, sql.params as never)[0]?.values ?? []).map((row) => String(row[3])).join('\n');
      };
      for (const end of ['oldest', 'newest'] as const) {
        // SEARCH, not SCAN: the min/max optimisation, which stops at the first index entry that matches.
        assert.match(plan({}, end), /^SEARCH predictions USING COVERING INDEX \w*timestamp\w*$/);
        assert.match(plan({ modelVersion: 'v1.0' }, end), /^SEARCH predictions USING COVERING INDEX idx_predictions_timestamp_model$/);
        assert.match(plan({ hasOutcome: true }, end), /^SEARCH predictions USING INDEX \w*timestamp\w*$/);
      }
    } finally {
      reader.close();
    }
  });

  it('gives the time of the first row an ordered read gives, audited whole or as read, and leaves out rows it refuses', async () => {
    const copy = join(dir.path, 'bad-newest.db');
    copyFileSync(db, copy);
    // The newest v1.0 prediction, and the newest labelled one, are rows the schema refuses.
    runSqlite(copy, [
      ["INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features) VALUES ('2027-01-01 00:00:00.000000', 'v1.0', 'bad-newest', 1, 'high', '{}')", []],
      ["INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, actual_outcome, features) VALUES ('2027-01-02 00:00:00.000000', 'v1.1', 'bad-labelled', 1, 0.7, 'yes', '{}')", []],
      ["INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features) VALUES ('2020-01-01 00:00:00.000000', 'v1.1', 'bad-oldest', 1, 0.7, 'not json')", []],
    ]);
    const lazy = await SqliteStore.open(copy, { readOnly: 'test', auditWholeRows: 0 });
    const whole = await SqliteStore.open(copy, { readOnly: 'test', lazy: false });
    try {
      for (const filter of FILTERS) {
        for (const end of ['oldest', 'newest'] as const) {
          const [first] = await whole.readPredictions({ ...filter, order: end === 'oldest' ? 'asc' : 'desc', limit: 1 });
          const expected = first?.timestamp ?? null;
          const what = `${end} ${JSON.stringify(filter)}`;
          assert.equal(await lazy.readPredictionTime(end, filter), expected, `lazy ${what}`);
          assert.equal(await whole.readPredictionTime(end, filter), expected, `whole ${what}`);
          if (filter.modelVersion !== 'v9') assert.ok(expected !== null && expected > Date.UTC(2026, 0, 1) / 1000 && expected < Date.UTC(2027, 0, 1) / 1000, what);
        }
      }
      assert.equal(await lazy.readPredictionTime('newest', { modelVersion: 'v9' }), null);
      const refused = (await lazy.describe()).diagnostics.map((d) => d.message).join('\n');
      for (const id of ['bad-newest', 'bad-labelled', 'bad-oldest']) {
        const [row] = runSqlite(copy, [['SELECT id FROM predictions WHERE prediction_id = ?', [id]]])[0] ?? [];
        assert.match(refused, new RegExp(`row ${String(row?.[0])}\\b`), id);
      }
    } finally {
      await lazy.close();
      await whole.close();
    }
  });
});

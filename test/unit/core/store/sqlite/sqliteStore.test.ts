import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { generateDataset } from '../../../../../scripts/generator/generateDataset';
import { PitwallError, type PitwallErrorCode } from '../../../../../src/core/errors';
import { ALERT_SEVERITIES, type AlertSeverity } from '../../../../../src/core/model/alert';
import type { AlertRule } from '../../../../../src/core/model/alertRule';
import type { Prediction, PredictionWithOutcome } from '../../../../../src/core/model/prediction';
import { alertWhere, predictionWhere, selectSql, shapeOf } from '../../../../../src/core/store/sqlite/queries';
import { alertsTable, predictionsTable } from '../../../../../src/core/store/sqlite/rows';
import { createTableStatement, sqliteTables } from '../../../../../src/core/store/sqlite/schema';
import { SqliteSnapshotReader } from '../../../../../src/core/store/sqlite/snapshot';
import { SqliteStore, type SqliteStoreOptions } from '../../../../../src/core/store/sqlite/sqliteStore';
import {
  OUTCOME_UNKNOWN,
  type AlertQuery,
  type PredictionColumns,
  type PredictionQuery,
  type SortOrder,
  type StoreDiagnostic,
  type StoredAlert,
} from '../../../../../src/core/store/store';
import { fixturePath, makeTempDir, PythonWriter } from './support';
import { pythonPath, runSqlite, selectRows, type Row } from './writerSupport';

const SAMPLE = fixturePath('sqlite', 'monitoring.db');
const LIVE_WAL = fixturePath('live-wal', 'monitoring.db');
const WRITER = { writer: { backend: 'python', pythonPath } } as const satisfies SqliteStoreOptions;
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function rejectsWith(code: PitwallErrorCode, ...mentioning: string[]) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof PitwallError, `expected a PitwallError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    for (const text of mentioning) assert.ok(error.message.includes(text), `"${error.message}" lacks "${text}"`);
    return true;
  };
}

/** Every table, row by row, as real SQLite (python3) reads the file and its WAL. */
function dump(path: string): Record<string, Row[]> {
  const names = selectRows(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((row) => String(row[0]));
  const tables = runSqlite(
    path,
    names.map((name): [string, unknown[]] => [`SELECT * FROM "${name}" ORDER BY rowid`, []]),
  );
  return Object.fromEntries(names.map((name, index) => [name, tables[index] ?? []]));
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

function key(alert: StoredAlert): number {
  return Number(alert.key);
}

/** What the store must return for a query, computed in JS from every alert. */
function filterAlerts(all: readonly StoredAlert[], query: AlertQuery): number[] {
  const severities = query.severity === undefined ? undefined : ([] as AlertSeverity[]).concat(query.severity);
  const order = query.order ?? 'desc';
  const kept = all.filter(
    (a) =>
      (severities === undefined || severities.includes(a.severity)) &&
      (query.acknowledged === undefined || a.acknowledged === query.acknowledged) &&
      (query.modelVersion === undefined || a.model_version === query.modelVersion) &&
      (query.from === undefined || a.timestamp >= query.from) &&
      (query.to === undefined || a.timestamp < query.to),
  );
  kept.sort((a, b) => (order === 'asc' ? a.timestamp - b.timestamp : b.timestamp - a.timestamp) || key(a) - key(b));
  const offset = query.offset ?? 0;
  return kept.slice(offset, query.limit === undefined ? undefined : offset + query.limit).map(key);
}

function filterPredictions(all: readonly PredictionWithOutcome[], query: PredictionQuery): string[] {
  const order = query.order ?? 'asc';
  // Ids are pred-<n> in row order: the storage order ties keep.
  const kept = all
    .map((p, row) => ({ p, row }))
    .filter(
      ({ p }) =>
        (query.modelVersion === undefined || p.model_version === query.modelVersion) &&
        (query.hasOutcome === undefined || (p.actual_outcome !== null) === query.hasOutcome) &&
        (query.from === undefined || p.timestamp >= query.from) &&
        (query.to === undefined || p.timestamp < query.to),
    );
  kept.sort((a, b) => (order === 'asc' ? a.p.timestamp - b.p.timestamp : b.p.timestamp - a.p.timestamp) || a.row - b.row);
  const offset = query.offset ?? 0;
  return kept.slice(offset, query.limit === undefined ? undefined : offset + query.limit).map(({ p }) => p.prediction_id);
}

/** PredictionColumns built from whole predictions: what readPredictionColumns must equal. */
function columnsOf(predictions: readonly PredictionWithOutcome[], features: readonly string[]): PredictionColumns {
  return {
    length: predictions.length,
    prediction_id: predictions.map((p) => p.prediction_id),
    timestamp: Float64Array.from(predictions, (p) => p.timestamp),
    model_version: predictions.map((p) => p.model_version),
    predicted_outcome: Uint8Array.from(predictions, (p) => p.predicted_outcome),
    confidence: Float64Array.from(predictions, (p) => p.confidence),
    actual_outcome: Int8Array.from(predictions, (p) => p.actual_outcome ?? OUTCOME_UNKNOWN),
    actual_outcome_timestamp: Float64Array.from(predictions, (p) => p.actual_outcome_timestamp ?? NaN),
    features: new Map(features.map((name) => [name, predictions.map((p) => p.features[name] ?? null)])),
    metadata: new Map(),
  };
}

/** Optional query fields from fast-check's nulls. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null)) as T;
}

/** A table of the schema without some columns, as an older schema has it; `loose`: without NOT NULL either. */
function olderTable(name: string, without: readonly string[], loose = false): string {
  const table = sqliteTables.find((t) => t.name === name);
  assert.ok(table, name);
  const columns = table.columns
    .filter((c) => !without.includes(c.name))
    .map((c) => (loose && c.name !== 'id' ? { ...c, definition: c.definition.replace(' NOT NULL', '') } : c));
  return createTableStatement({ ...table, columns, constraints: ['PRIMARY KEY (id)'] });
}

function located(diagnostics: readonly StoreDiagnostic[]): string[] {
  return diagnostics.map((d) => `${d.severity} ${d.file}#${d.row ?? '?'} ${d.field ?? ''}`).sort();
}

describe('SqliteStore', function () {
  this.timeout(60_000);
  let temp: ReturnType<typeof makeTempDir>;
  const stores: SqliteStore[] = [];
  let generated: { dir: string; db: string; jsonl: string; remove: () => void };

  async function open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    const store = await SqliteStore.open(path, options);
    stores.push(store);
    return store;
  }

  /** A copy of a database (and its WAL) to write to: fixtures are never written. */
  function copyOf(path: string, name = 'monitoring.db'): string {
    const target = join(temp.path, name);
    copyFileSync(path, target);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${target}-wal`);
    return target;
  }

  before(async function () {
    const dir = makeTempDir();
    const result = await generateDataset({ outDir: dir.path, predictions: 4000, seed: 7 });
    generated = { dir: dir.path, db: result.databasePath as string, jsonl: result.jsonlDir as string, remove: dir.remove };
  });
  after(function () {
    generated.remove();
  });
  beforeEach(function () {
    temp = makeTempDir();
  });
  afterEach(async function () {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    temp.remove();
  });

  describe('the samples', function () {
    it('loads the SQLAlchemy sample with the counts the sqlite3 shell gives', async function () {
      const store = await open(SAMPLE, { readOnly: 'a fixture' });
      assert.deepEqual(await store.counts(), {
        predictions: 400,
        outcomes: 330,
        healthSnapshots: 98,
        metricSnapshots: 0,
        alerts: 2,
        unacknowledgedAlerts: 1,
        rules: 3,
        driftResults: 0,
        degradationAnalyses: 0,
        featureImportance: 0,
      });
      assert.deepEqual(await store.readModelVersions(), ['v1.0', 'v1.1']);
      assert.equal(await store.countPredictions({ modelVersion: 'v1.0' }), 203);
      assert.equal(await store.countPredictions({ modelVersion: 'v1.1', hasOutcome: true }), 161);
      assert.equal((await store.readHealthSnapshots({ modelVersion: 'v1.0' })).length, 47);
      const [first] = await store.readPredictions({ limit: 1 });
      assert.deepEqual({ ...first, features: { ...first?.features } }, {
        timestamp: 1790814189.121265,
        model_version: 'v1.0',
        prediction_id: 'pred-0000000',
        predicted_outcome: 0,
        confidence: 0.591872,
        features: { grid_position: 11, track_temp: 28.652, circuit: 'interlagos' },
        metadata: { race_id: 0, source: 'sim' },
        actual_outcome: 1,
        actual_outcome_timestamp: 1790876259.786047,
      });
      const alerts = await store.readAlerts();
      assert.deepEqual(
        alerts.map((a) => [a.key, a.alert_id, a.acknowledged, a.acknowledged_by]),
        [
          ['1', 'e5a9d7e2-f76f-48b0-b934-e2509f7e3fe4', true, 'oncall@example.com'],
          ['2', 'b7f1fb93-f852-4875-b8b7-8dd4964dd2e2', false, null],
        ],
      );
      const rules = await store.readRules();
      assert.deepEqual(
        rules.map((r) => [r.rule_id, r.enabled, r.cooldown_minutes, r.channels, { ...r.conditions }]),
        [
          ['acc_low', true, 360, ['console', 'file'], { min_value: 0 }],
          ['ece_high', true, 720, ['file'], {}],
          ['conf_low', false, 60, ['console'], {}],
        ],
      );
      const description = await store.describe();
      assert.deepEqual(
        [description.kind, description.writable, description.readOnlyReason, description.warnings, description.diagnostics],
        ['sqlite', false, 'a fixture', [], []],
      );
    });

    it('applies the live WAL: 450 predictions seen, alert 2 acknowledged by wal-writer', async function () {
      const store = await open(LIVE_WAL, { readOnly: 'a fixture' });
      const alert = await store.readAlert('2');
      assert.equal(alert?.acknowledged, true);
      assert.equal(alert?.acknowledged_by, 'wal-writer');
      assert.equal(alert?.acknowledged_at, 1792029600);
      // The 50 predictions committed in the WAL hold the unformatted text '2026-10-15 01:00:%02d.000000':
      // all 450 are read; those 50 are reported by row and field, and the 400 others load.
      assert.equal(await store.countPredictions(), 400);
      const { diagnostics } = await store.describe();
      assert.deepEqual(
        diagnostics.map((d) => [d.file, d.row, d.field, d.severity]),
        Array.from({ length: 50 }, (_, i) => ['predictions', 401 + i, 'timestamp', 'error']),
      );
      assert.match(diagnostics[0]?.message ?? '', /^monitoring\.db, predictions row 401: timestamp must be a timestamp .*"2026-10-15 01:00:%02d\.000000"\. The row was skipped\.$/);
      copyFileSync(LIVE_WAL, join(temp.path, 'main-only.db'));
      const mainOnly = await open(join(temp.path, 'main-only.db'), { readOnly: 'a copy' });
      assert.equal(await mainOnly.countPredictions(), 400);
      assert.deepEqual((await mainOnly.describe()).diagnostics, []);
      assert.equal((await mainOnly.readAlert('2'))?.acknowledged, false);
    });
  });

  describe('the generated database', function () {
    it('counts what the JSONL side of the same generation holds', async function () {
      const store = await open(generated.db, { readOnly: 'generated' });
      const counts = await store.counts();
      const outcomes = new Set(lines(join(generated.jsonl, 'outcomes.jsonl')).map((line) => (JSON.parse(line) as { prediction_id: string }).prediction_id));
      const alerts = lines(join(generated.jsonl, 'alerts.jsonl')).map((line) => JSON.parse(line) as { acknowledged: boolean });
      assert.deepEqual(
        [counts.predictions, counts.outcomes, counts.alerts, counts.unacknowledgedAlerts, counts.rules, counts.healthSnapshots],
        [
          lines(join(generated.jsonl, 'predictions.jsonl')).length,
          outcomes.size,
          alerts.length,
          alerts.filter((a) => !a.acknowledged).length,
          (JSON.parse(readFileSync(join(generated.jsonl, 'alert_rules.json'), 'utf8')) as unknown[]).length,
          lines(join(generated.jsonl, 'health_snapshots.jsonl')).length,
        ],
      );
      assert.equal(counts.predictions, 4000);
      assert.deepEqual((await store.describe()).diagnostics, []);
    });

    it('filters, orders and pages alerts as filtering every alert in JS does', async function () {
      const store = await open(generated.db, { readOnly: 'generated' });
      const all = await store.readAlerts();
      assert.ok(all.length > 20);
      const times = [...new Set(all.map((a) => a.timestamp))];
      const bound = fc.option(fc.oneof(fc.constantFrom(...times), fc.constantFrom(...times).map((t) => t + 1e-6), fc.constantFrom(...times).map(Math.floor)));
      const query = fc.record({
        severity: fc.option(fc.oneof(fc.constantFrom(...ALERT_SEVERITIES), fc.subarray([...ALERT_SEVERITIES]))),
        acknowledged: fc.option(fc.boolean()),
        modelVersion: fc.option(fc.constantFrom('v1.0', 'v1.1', 'v9')),
        from: bound,
        to: bound,
        limit: fc.option(fc.integer({ min: 0, max: 30 })),
        offset: fc.option(fc.integer({ min: 0, max: 30 })),
        order: fc.option(fc.constantFrom<SortOrder>('asc', 'desc')),
      });
      await fc.assert(
        fc.asyncProperty(query, async (raw) => {
          const q = defined(raw) as AlertQuery;
          assert.deepEqual((await store.readAlerts(q)).map(key), filterAlerts(all, q));
          assert.equal(await store.countAlerts(q), filterAlerts(all, { ...q, limit: undefined, offset: undefined }).length);
        }),
        { numRuns: 150 },
      );
    });

    it('filters, orders and pages predictions as filtering every prediction in JS does', async function () {
      const store = await open(generated.db, { readOnly: 'generated' });
      const all = await store.readPredictions();
      assert.equal(all.length, 4000);
      const times = all.map((p) => p.timestamp);
      const bound = fc.option(fc.oneof(fc.constantFrom(...times), fc.constantFrom(...times).map((t) => t + 1e-6), fc.constantFrom(...times).map(Math.floor)));
      const query = fc.record({
        modelVersion: fc.option(fc.constantFrom('v1.0', 'v1.1', 'v9')),
        hasOutcome: fc.option(fc.boolean()),
        from: bound,
        to: bound,
        limit: fc.option(fc.integer({ min: 0, max: 300 })),
        offset: fc.option(fc.integer({ min: 0, max: 3000 })),
        order: fc.option(fc.constantFrom<SortOrder>('asc', 'desc')),
      });
      await fc.assert(
        fc.asyncProperty(query, async (raw) => {
          const q = defined(raw) as PredictionQuery;
          assert.deepEqual((await store.readPredictions(q)).map((p) => p.prediction_id), filterPredictions(all, q));
          assert.equal(await store.countPredictions(q), filterPredictions(all, { ...q, limit: undefined, offset: undefined }).length);
        }),
        { numRuns: 60 },
      );
    });

    it('filters the other collections by model, name and time as JS does', async function () {
      const store = await open(generated.db, { readOnly: 'generated' });
      const health = await store.readHealthSnapshots();
      const metrics = await store.readMetricSnapshots();
      const drift = await store.readDriftResults();
      const degradation = await store.readDegradationAnalyses();
      assert.ok(health.length > 0 && metrics.length > 0 && drift.length > 0 && degradation.length > 0);
      const middle = (metrics[Math.floor(metrics.length / 2)] as { timestamp: number }).timestamp;
      assert.deepEqual(
        await store.readHealthSnapshots({ modelVersion: 'v1.1', from: middle }),
        health.filter((h) => h.model_version === 'v1.1' && h.timestamp >= middle),
      );
      // Newest first; equal times keep row order, as a stable sort does.
      assert.deepEqual(
        await store.readMetricSnapshots({ metricName: 'accuracy', to: middle, order: 'desc', limit: 5 }),
        metrics
          .filter((m) => m.metric_name === 'accuracy' && m.timestamp < middle)
          .sort((a, b) => b.timestamp - a.timestamp)
          .slice(0, 5),
      );
      assert.deepEqual(
        await store.readDriftResults({ driftDetected: true, featureName: 'track_temp' }),
        drift.filter((d) => d.drift_detected === true && d.feature_name === 'track_temp'),
      );
      assert.deepEqual(await store.readDegradationAnalyses({ metricName: 'accuracy' }), degradation.filter((d) => d.metric_name === 'accuracy'));
      assert.deepEqual(await store.readFeatureImportance(), []);
    });

    it('reads prediction columns equal to the predictions, with only the requested features', async function () {
      const store = await open(generated.db, { readOnly: 'generated' });
      const all = await store.readPredictions();
      const from = (all[1000] as Prediction).timestamp;
      const queries = [
        { features: ['track_temp', 'circuit', 'grid_position', 'no_such_feature'] },
        { modelVersion: 'v1.1', hasOutcome: true, from, order: 'desc', limit: 700, offset: 3, features: ['circuit'] },
        { hasOutcome: false, features: [] },
        {},
      ] satisfies (PredictionQuery & { features?: string[] })[];
      for (const query of queries) {
        assert.deepEqual(await store.readPredictionColumns(query), columnsOf(await store.readPredictions(query), query.features ?? []));
      }
    });

    it('finds alerts by key and alert_id, and predictions by prediction_id', async function () {
      const store = await open(generated.db, { readOnly: 'generated' });
      const [newest] = await store.readAlerts({ limit: 1 });
      assert.ok(newest);
      assert.deepEqual(await store.readAlert(newest.key), newest);
      assert.deepEqual(await store.readAlerts({ alertId: newest.alert_id }), [newest]);
      assert.equal(await store.readAlert('0'), undefined);
      assert.equal(await store.readAlert('1e3'), undefined);
      assert.equal(await store.readAlert('99999999'), undefined);
      const some = (await store.readPredictions({ offset: 1234, limit: 1 }))[0];
      assert.deepEqual(await store.readPrediction(some?.prediction_id ?? ''), some);
      assert.equal(await store.readPrediction('nope'), undefined);
    });

    it('compares time bounds to the microsecond: from inclusive, to exclusive', async function () {
      const store = await open(generated.db, { readOnly: 'generated' });
      const [target] = await store.readPredictions({ offset: 17, limit: 1 });
      const t = target?.timestamp ?? NaN;
      const ids = async (query: PredictionQuery) => (await store.readPredictions(query)).map((p) => p.prediction_id);
      assert.deepEqual(await ids({ from: t, to: t + 1e-6 }), [target?.prediction_id]);
      // Half a microsecond is still more than a double's spacing at these times (about 2.4e-7 s).
      assert.deepEqual(await ids({ from: t + 5e-7, to: t + 1e-6 }), []);
      assert.deepEqual(await ids({ from: t - 5e-7, to: t }), []);
      assert.deepEqual(await ids({ from: t - 5e-7, to: t + 5e-7 }), [target?.prediction_id]);
      assert.equal(await store.countPredictions({ from: -Infinity, to: Infinity }), 4000);
      assert.equal(await store.countPredictions({ from: Infinity }), 0);
      await assert.rejects(store.countPredictions({ from: NaN }), rejectsWith('input', 'NaN'));
    });

    it('uses the timestamp indexes for time filters on alerts and predictions', async function () {
      const reader = await SqliteSnapshotReader.open(generated.db);
      try {
        const plan = (sql: { sql: string; params: unknown[] } | undefined) =>
          (reader.database.exec(`EXPLAIN QUERY PLAN ${sql?.sql ?? ''}`, sql?.params as never)[0]?.values ?? []).map((row) => String(row[3])).join('\n');
        const range = { from: 1790900000, to: 1791000000 };
        const alerts = shapeOf(reader.snapshot, alertsTable);
        assert.match(plan(selectSql(alertWhere(alerts, range), 'desc', { limit: 10 })), /SEARCH alerts USING INDEX \w+ \(timestamp>\? AND timestamp<\?\)/);
        assert.match(plan(selectSql(alertWhere(alerts, { ...range, severity: 'critical' }), 'desc', {})), /SEARCH alerts USING INDEX \w+ \(timestamp>\? AND timestamp<\?\)/);
        const predictions = shapeOf(reader.snapshot, predictionsTable);
        assert.match(plan(selectSql(predictionWhere(predictions, range), 'asc', {})), /SEARCH predictions USING INDEX \w+ \(timestamp>\? AND timestamp<\?\)/);
        assert.match(plan(selectSql(predictionWhere(predictions, { from: range.from }), 'asc', { limit: 5 })), /SEARCH predictions USING INDEX \w+ \(timestamp>\?\)/);
      } finally {
        reader.close();
      }
    });
  });

  describe('writing', function () {
    it('acknowledges exactly the asked alerts, and python3 sees that change and nothing else', async function () {
      const db = copyOf(generated.db);
      const store = await open(db, WRITER);
      const [open1, open2] = await store.readAlerts({ acknowledged: false, limit: 2 });
      const [done] = await store.readAlerts({ acknowledged: true, limit: 1 });
      assert.ok(open1 && open2 && done);
      const before = dump(db);
      const at = 1791100000.123456;
      const result = await store.acknowledgeAlerts([open1.key, done.key, '999999', 'nope', open1.key], 'ops@example.com', at);
      assert.deepEqual(result, { acknowledged: [open1.key], alreadyAcknowledged: [done.key], notFound: ['999999', 'nope'] });

      const after = dump(db);
      assert.deepEqual(Object.keys(after), Object.keys(before));
      for (const [table, rows] of Object.entries(before)) {
        if (table !== 'alerts') {
          assert.deepEqual(after[table], rows, table);
          continue;
        }
        const changed = rows.findIndex((row) => row[0] === key(open1));
        const expected = rows.map((row, index) => (index === changed ? [...row.slice(0, 11), 1, '2026-10-04 07:46:40.123456', 'ops@example.com', row[14]] : row));
        assert.deepEqual(after.alerts, expected);
      }
      // The next read sees it; the other open alert is untouched.
      const read = await store.readAlert(open1.key);
      assert.deepEqual([read?.acknowledged, read?.acknowledged_at, read?.acknowledged_by], [true, at, 'ops@example.com']);
      assert.equal((await store.readAlert(open2.key))?.acknowledged, false);
      assert.equal((await store.counts()).unacknowledgedAlerts, (await store.countAlerts({ acknowledged: false })));
    });

    it('writes while another python3 process holds the database open in WAL mode, and waits out its lock', async function () {
      const db = copyOf(generated.db);
      const python = new PythonWriter();
      try {
        await python.run([{ op: 'open', path: db }]);
        const store = await open(db, WRITER);
        const [first, second] = await store.readAlerts({ acknowledged: false, limit: 2 });
        assert.ok(first && second);
        assert.deepEqual((await store.acknowledgeAlerts([first.key], 'a', 1791100000)).acknowledged, [first.key]);

        // Python takes the write lock; the store's transaction waits for it, then commits.
        await python.run([{ op: 'begin' }]);
        const waiting = store.acknowledgeAlerts([second.key], 'b', 1791100001);
        await new Promise((done) => setTimeout(done, 300));
        await python.run([{ op: 'rollback' }]);
        assert.deepEqual((await waiting).acknowledged, [second.key]);

        await python.run([
          {
            op: 'tx',
            statements: [
              [
                "INSERT INTO alerts (alert_id, timestamp, severity, title, acknowledged) VALUES ('from-python', '2026-10-20 00:00:00.000000', 'info', 'python', 0)",
                [],
              ],
            ],
          },
        ]);
        const refreshed = await store.refresh();
        assert.deepEqual(refreshed.changes, [{ collection: 'alerts', kind: 'reloaded', added: (await store.counts()).alerts }]);
        assert.equal((await store.readAlerts({ alertId: 'from-python' })).length, 1);
        assert.deepEqual(
          selectRows(db, 'SELECT id, acknowledged_by FROM alerts WHERE acknowledged_by IS NOT NULL AND acknowledged_by IN (?, ?) ORDER BY id', ['a', 'b']),
          [
            [key(first), 'a'],
            [key(second), 'b'],
          ].sort((x, y) => Number(x[0]) - Number(y[0])),
        );
      } finally {
        await python.close();
      }
    });

    it('records a prediction and its outcomes in the database encodings; a duplicate prediction_id is a conflict', async function () {
      const db = copyOf(SAMPLE);
      const store = await open(db, WRITER);
      const prediction: Prediction = {
        timestamp: 1791000000.123456,
        model_version: 'v2.0',
        prediction_id: 'new-1',
        predicted_outcome: 1,
        confidence: 0.75,
        features: { grid_position: 3, track_temp: 31.5, circuit: 'monza', wet: true, note: null },
        metadata: { source: 'test', nested: { a: [1, 2] } },
      };
      await store.recordPrediction(prediction);
      const [row] = selectRows(db, "SELECT timestamp, features, extra_metadata, actual_outcome, created_at FROM predictions WHERE prediction_id = 'new-1'");
      assert.deepEqual(row?.slice(0, 4), [
        '2026-10-03 04:00:00.123456',
        '{"grid_position": 3, "track_temp": 31.5, "circuit": "monza", "wet": true, "note": null}',
        '{"source": "test", "nested": {"a": [1, 2]}}',
        null,
      ]);
      assert.match(String(row?.[4]), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'created_at is left to SQLite');
      const read = await store.readPrediction('new-1');
      assert.deepEqual({ ...read, features: { ...read?.features } }, { ...prediction, actual_outcome: null, actual_outcome_timestamp: null });
      assert.deepEqual(await store.readModelVersions(), ['v1.0', 'v1.1', 'v2.0']);

      await assert.rejects(store.recordPrediction({ ...prediction, confidence: 0.1 }), rejectsWith('conflict', db, '"new-1"'));
      assert.equal(await store.countPredictions(), 401);

      assert.equal(await store.recordOutcome({ prediction_id: 'new-1', actual_outcome: 0, timestamp: 1791003600 }), true);
      assert.equal(await store.recordOutcome({ prediction_id: 'new-1', actual_outcome: 1, timestamp: 1791007200.5 }), true);
      assert.equal(await store.recordOutcome({ prediction_id: 'missing', actual_outcome: 1, timestamp: 1791007200 }), false);
      assert.deepEqual(selectRows(db, "SELECT actual_outcome, actual_outcome_timestamp FROM predictions WHERE prediction_id = 'new-1'"), [
        [1, '2026-10-03 06:00:00.500000'],
      ]);
      const labelled = await store.readPrediction('new-1');
      assert.deepEqual([labelled?.actual_outcome, labelled?.actual_outcome_timestamp], [1, 1791007200.5]);
      assert.equal((await store.counts()).outcomes, 331);
      await assert.rejects(
        store.recordPrediction({ ...prediction, prediction_id: 'new-2', confidence: 1.5 }),
        rejectsWith('input', 'confidence must be between 0 and 1'),
      );
    });

    it('appends an alert with a UUID4 alert_id, newest first on the next read', async function () {
      const db = copyOf(SAMPLE);
      const store = await open(db, WRITER);
      const alert = await store.appendAlert({
        timestamp: 1791200000.5,
        severity: 'critical',
        title: 'accuracy Alert',
        message: 'accuracy is 0.4 (threshold: 0.7)',
        metric_name: 'accuracy',
        metric_value: 0.4,
        threshold: 0.7,
        component: 'performance',
        model_version: 'v1.1',
        acknowledged: false,
        acknowledged_at: null,
        acknowledged_by: null,
      });
      assert.match(alert.alert_id, UUID4);
      assert.equal(alert.key, '3');
      assert.deepEqual((await store.readAlerts({ limit: 1 }))[0], alert);
      assert.deepEqual(selectRows(db, 'SELECT id, alert_id, timestamp, severity, metric_value, acknowledged, acknowledged_at FROM alerts WHERE id = 3'), [
        [3, alert.alert_id, '2026-10-05 11:33:20.500000', 'critical', 0.4, 0, null],
      ]);
      await assert.rejects(
        store.appendAlert({ ...alert, alert_id: alert.alert_id }),
        rejectsWith('conflict', alert.alert_id),
      );
      assert.equal((await store.counts()).alerts, 3);
    });

    it('saves, replaces and deletes rules; a cooldown mark persists; Pitwall rule fields ride in conditions', async function () {
      const db = copyOf(SAMPLE);
      const store = await open(db, WRITER);
      const rule: AlertRule = {
        rule_id: 'new_rule',
        metric_name: 'accuracy',
        metric_type: 'threshold',
        threshold: 0.5,
        comparison: '<',
        severity: 'warning',
        component: 'performance',
        enabled: true,
        cooldown_minutes: 30,
        channels: ['console', 'webhook'],
        conditions: { min_value: 0, max_value: 1 },
        for_minutes: 15,
        min_samples: 100,
        last_triggered: null,
      };
      await store.saveRule(rule);
      const rowOf = () =>
        selectRows(db, "SELECT id, enabled, channels, conditions, last_triggered, updated_at FROM alert_rules WHERE rule_id = 'new_rule'");
      const [inserted] = rowOf();
      assert.deepEqual(inserted?.slice(0, 5), [4, 1, '["console", "webhook"]', '{"min_value": 0.0, "max_value": 1.0, "for_minutes": 15, "min_samples": 100}', null]);
      const read = (await store.readRules()).find((r) => r.rule_id === 'new_rule');
      assert.deepEqual({ ...read, conditions: { ...read?.conditions } }, rule);

      runSqlite(db, [["UPDATE alert_rules SET updated_at = '2000-01-01 00:00:00' WHERE rule_id = 'new_rule'", []]]);
      await store.saveRule({ ...rule, threshold: 0.6, for_minutes: 0, enabled: false });
      const [replaced] = rowOf();
      assert.deepEqual(replaced?.slice(0, 4), [4, 0, '["console", "webhook"]', '{"min_value": 0.0, "max_value": 1.0, "min_samples": 100}']);
      assert.notEqual(replaced?.[5], '2000-01-01 00:00:00', 'updated_at moves');
      assert.equal((await store.readRules()).length, 4);

      await store.markRuleTriggered('new_rule', 1791300000.25);
      assert.equal(rowOf()[0]?.[4], '2026-10-06 15:20:00.250000');
      assert.equal((await store.readRules()).find((r) => r.rule_id === 'new_rule')?.last_triggered, 1791300000.25);

      assert.equal(await store.deleteRule('new_rule'), true);
      assert.equal(await store.deleteRule('new_rule'), false);
      assert.deepEqual((await store.readRules()).map((r) => r.rule_id), ['acc_low', 'ece_high', 'conf_low']);
    });

    it('records health, metric, drift, degradation and feature-importance rows that read back the same', async function () {
      const db = copyOf(SAMPLE);
      const store = await open(db, WRITER);
      const health = {
        timestamp: 1791000000,
        model_version: 'v-test',
        accuracy: 0.8,
        precision: 0.75,
        recall: null,
        f1_score: 0.7,
        roc_auc: null,
        expected_calibration_error: 0.05,
        num_predictions: 120,
        prediction_accuracy_trend: -0.02,
        degradation_detected: false,
      };
      const metric = { timestamp: 1791000001, model_version: 'v-test', metric_name: 'accuracy', value: 0.8, window_size: 100, threshold: 0.7, status: 'normal' as const };
      const drift = {
        timestamp: 1791000002,
        feature_name: 'track_temp',
        model_version: 'v-test',
        drift_detected: true,
        test_statistic: 0.31,
        p_value: 0.001,
        threshold: 0.2,
        drift_type: 'psi',
        baseline_stats: { mean: 30.5, std: 2 },
        current_stats: { mean: 35.25, std: 2.5 },
        severity: 'high',
      };
      const degradation = {
        timestamp: 1791000003,
        model_version: 'v-test',
        metric_name: 'accuracy',
        baseline_value: 0.8,
        current_value: 0.6,
        degradation_percent: 25,
        failure_cohort_size: 12,
        top_features: [{ feature_name: 'track_temp', rank: 1 }],
        error_patterns: { n_errors: 12 },
        recommended_actions: ['Retrain.'],
      };
      const importance = { timestamp: 1791000004, model_version: 'v-test', feature_name: 'track_temp', importance_score: 0.4, shap_value: 0.3, percentage: 40, rank: 1 };
      await store.recordHealthSnapshot(health);
      await store.recordMetricSnapshot(metric);
      await store.recordDriftResult(drift);
      await store.recordDegradationAnalysis(degradation);
      await store.recordFeatureImportance(importance);

      assert.deepEqual(await store.readHealthSnapshots({ modelVersion: 'v-test' }), [health]);
      assert.deepEqual(await store.readMetricSnapshots({ modelVersion: 'v-test' }), [metric]);
      assert.deepEqual(await store.readDriftResults({ modelVersion: 'v-test' }), [drift]);
      assert.deepEqual(await store.readDegradationAnalyses({ modelVersion: 'v-test' }), [degradation]);
      assert.deepEqual(await store.readFeatureImportance({ modelVersion: 'v-test' }), [importance]);
      assert.deepEqual(selectRows(db, "SELECT timestamp, degradation_detected, recall FROM health_snapshots WHERE model_version = 'v-test'"), [
        ['2026-10-03 04:00:00.000000', 0, null],
      ]);
      assert.deepEqual(selectRows(db, 'SELECT drift_detected, baseline_stats, current_stats FROM drift_results'), [
        [1, '{"mean": 30.5, "std": 2}', '{"mean": 35.25, "std": 2.5}'],
      ]);
      assert.deepEqual(selectRows(db, 'SELECT top_features, recommended_actions FROM degradation_analysis'), [
        ['[{"feature_name": "track_temp", "rank": 1}]', '["Retrain."]'],
      ]);
      await assert.rejects(
        store.recordMetricSnapshot({ ...metric, model_version: null }),
        rejectsWith('input', 'metric_snapshots.model_version must have a value'),
      );
      const counts = await store.counts();
      assert.deepEqual(
        [counts.healthSnapshots, counts.metricSnapshots, counts.driftResults, counts.degradationAnalyses, counts.featureImportance],
        [99, 1, 1, 1, 1],
      );
    });

    it('refuses every write when opened read-only, saying why, and leaves the file alone', async function () {
      const db = copyOf(SAMPLE);
      const reason = 'The workspace is not trusted: Pitwall opened the source read-only.';
      const store = await open(db, { readOnly: reason });
      const before = statSync(db).mtimeMs;
      const description = await store.describe();
      assert.deepEqual([description.writable, description.readOnlyReason], [false, reason]);
      await assert.rejects(store.acknowledgeAlerts(['2'], 'x', 1791000000), rejectsWith('read-only', reason));
      await assert.rejects(store.recordOutcome({ prediction_id: 'pred-0000001', actual_outcome: 1, timestamp: 1 }), rejectsWith('read-only', reason));
      await assert.rejects(store.deleteRule('acc_low'), rejectsWith('read-only', reason));
      assert.equal(statSync(db).mtimeMs, before);
      assert.equal(existsSync(`${db}-wal`), false);
    });

    it('says it is writable once a writer opened', async function () {
      const store = await open(copyOf(SAMPLE), WRITER);
      const description = await store.describe();
      assert.deepEqual([description.writable, description.readOnlyReason], [true, null]);
    });

    it("refresh() reports what another process appended or changed, and the store's own writes", async function () {
      const db = copyOf(generated.db);
      const store = await open(db, WRITER);
      assert.deepEqual(await store.refresh(), { changes: [], diagnostics: [] });
      const before = await store.counts();
      runSqlite(db, [
        ['BEGIN', []],
        ...Array.from({ length: 3 }, (_, i): [string, unknown[]] => [
          "INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features) VALUES ('2026-10-20 00:00:00.000000', 'v1.1', ?, 1, 0.9, '{}')",
          [`py-${i}`],
        ]),
        ["INSERT INTO alerts (alert_id, timestamp, severity) VALUES ('py-alert', '2026-10-20 00:00:00.000000', 'fatal')", []],
        ['COMMIT', []],
      ]);
      const appended = await store.refresh();
      assert.deepEqual(appended.changes, [{ collection: 'predictions', kind: 'appended', added: 3 }]);
      assert.deepEqual(located(appended.diagnostics), ['error alerts#' + (before.alerts + 1) + ' severity']);
      assert.equal((await store.counts()).alerts, before.alerts, 'the bad alert is left out');

      runSqlite(db, [["UPDATE predictions SET actual_outcome = 1, actual_outcome_timestamp = '2026-10-21 00:00:00.000000' WHERE prediction_id = 'py-0'", []]]);
      assert.deepEqual((await store.refresh()).changes, [{ collection: 'outcomes', kind: 'appended', added: 1 }]);

      await store.saveRule({ ...(await store.readRules())[0]!, threshold: 0.01 });
      assert.deepEqual((await store.refresh()).changes, [{ collection: 'rules', kind: 'reloaded', added: before.rules }]);
    });
  });

  describe('bad data', function () {
    it('reports hostile rows by table, row and field, skips them, and loads the rest', async function () {
      const db = copyOf(SAMPLE);
      const insert =
        'INSERT INTO predictions (id, timestamp, model_version, prediction_id, predicted_outcome, confidence, features, extra_metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
      const good = ['2026-10-16 00:00:00.000000', 'v1.1', '', 1, 0.5, '{"track_temp": 30.0}', null];
      const row = (id: number, changes: Record<number, unknown>): [string, unknown[]] => {
        const values: unknown[] = [id, ...good];
        values[3] = `hostile-${id}`;
        for (const [index, value] of Object.entries(changes)) values[Number(index)] = value;
        return [insert, values];
      };
      runSqlite(db, [
        row(1001, { 6: 'not json' }),
        row(1002, { 5: 'abc' }),
        row(1003, { 1: 'yesterday' }),
        row(1004, { 1: '2026-10-16T00:00:00Z' }),
        row(1005, { 7: '[1, 2]' }),
        row(1006, { 6: '{"lap": {"n": 1}}' }),
        row(1007, { 4: 2, 5: 1.5 }),
        row(1008, {}),
        ["INSERT INTO alerts (id, alert_id, timestamp, severity, acknowledged) VALUES (50, 'bad-alert', '2026-10-16 00:00:00.000000', 'fatal', 'yes')", []],
        ["UPDATE alert_rules SET channels = '[\"console\", \"pager\"]' WHERE rule_id = 'ece_high'", []],
      ]);
      const store = await open(db, { readOnly: 'a copy' });
      const { diagnostics } = await store.describe();
      assert.deepEqual(located(diagnostics), [
        'error alert_rules#2 channels.1',
        'error alerts#50 severity',
        'error predictions#1001 features',
        'error predictions#1002 confidence',
        'error predictions#1003 timestamp',
        'error predictions#1005 extra_metadata',
        'error predictions#1006 features.lap',
        'error predictions#1007 predicted_outcome',
        'warning predictions#1004 timestamp',
      ]);
      const byRow = new Map(diagnostics.map((d) => [`${d.file}#${d.row}`, d]));
      assert.equal(byRow.get('predictions#1001')?.message, 'monitoring.db, predictions row 1001: features must be JSON, but the text "not json" does not parse. The row was skipped.');
      assert.equal(byRow.get('predictions#1002')?.reason, 'confidence must be a number, not "abc"');
      assert.match(byRow.get('predictions#1007')?.reason ?? '', /^predicted_outcome must be one of 0, 1, not 2; confidence must be between 0 and 1, not 1\.5$/);
      assert.match(byRow.get('predictions#1004')?.message ?? '', /row 1004: timestamp is stored as "2026-10-16T00:00:00Z", not as YYYY-MM-DD HH:MM:SS\.ffffff text/);
      assert.match(byRow.get('alerts#50')?.message ?? '', /alerts row 50: severity must be one of "info", "warning", "critical", not "fatal".*acknowledged/);

      // Good rows load, and every read, count and page agrees on what loads.
      const counts = await store.counts();
      assert.deepEqual([counts.predictions, counts.alerts, counts.rules], [402, 2, 2]);
      const predictions = await store.readPredictions();
      assert.equal(predictions.length, 402);
      // Same time; the ISO text sorts after the SQLAlchemy text, as its warning says.
      assert.deepEqual(
        predictions.filter((p) => p.prediction_id.startsWith('hostile-')).map((p) => p.prediction_id),
        ['hostile-1008', 'hostile-1004'],
      );
      assert.equal((await store.readPredictions({ offset: 400 })).length, 2);
      assert.deepEqual(await store.readPredictionColumns({ features: ['track_temp'] }), columnsOf(predictions, ['track_temp']));
      assert.equal(await store.readPrediction('hostile-1001'), undefined);
      assert.deepEqual((await store.readRules()).map((r) => r.rule_id), ['acc_low', 'conf_low']);

      const capped = await open(db, { readOnly: 'a copy', diagnosticsPerTable: 2 });
      const description = await capped.describe();
      assert.deepEqual(located(description.diagnostics.filter((d) => d.file === 'predictions')), ['error predictions#1001 features', 'error predictions#1002 confidence']);
      assert.ok(description.warnings.includes('monitoring.db, predictions has 5 more bad rows than are listed.'), description.warnings.join('\n'));
      assert.equal((await capped.counts()).predictions, 402, 'rows past the cap are left out all the same');
    });

    it('reports a row rewritten in place after it was audited when a read meets it', async function () {
      const db = copyOf(SAMPLE);
      const store = await open(db, { readOnly: 'a copy' });
      runSqlite(db, [
        ["UPDATE predictions SET features = 'broken' WHERE id = 5", []],
        ["UPDATE predictions SET confidence = 'high' WHERE id = 6", []],
        // Valid JSON to SQLite, Infinity to JavaScript: the audit lets it through.
        [
          "INSERT INTO predictions (id, timestamp, model_version, prediction_id, predicted_outcome, confidence, features) VALUES (401, '2026-10-16 00:00:00.000000', 'v1.1', 'huge', 1, 0.5, ?)",
          ['{"track_temp": 1e400}'],
        ],
      ]);
      assert.deepEqual((await store.refresh()).diagnostics, []);
      const columns = await store.readPredictionColumns({ features: ['circuit', 'track_temp'] });
      assert.equal(columns.length, 398);
      for (const id of ['pred-0000004', 'pred-0000005', 'huge']) assert.equal(columns.prediction_id.includes(id), false, id);
      assert.deepEqual(located((await store.refresh()).diagnostics), [
        'error predictions#401 features.track_temp',
        'error predictions#5 features',
        'error predictions#6 confidence',
      ]);
      assert.equal(await store.countPredictions(), 398);
      assert.equal((await store.readPredictions()).length, 398);
    });

    it('opens an older schema with warnings, reads what it has, and refuses writes it cannot hold', async function () {
      const db = join(temp.path, 'older.db');
      const prediction = 'INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence, features) VALUES (?, ?, ?, ?, ?, ?)';
      const snapshot = 'INSERT INTO health_snapshots (timestamp, model_version, accuracy, degradation_detected) VALUES (?, ?, ?, ?)';
      runSqlite(
        db,
        [
          [olderTable('predictions', ['actual_outcome', 'actual_outcome_timestamp']), []],
          ['CREATE UNIQUE INDEX ix_predictions_prediction_id ON predictions (prediction_id)', []],
          // No NOT NULL on model_version, and a NULL in it.
          [olderTable('health_snapshots', ['precision', 'recall', 'f1_score', 'roc_auc', 'expected_calibration_error', 'num_predictions', 'prediction_accuracy_trend'], true), []],
          [olderTable('alerts', ['message', 'metric_name', 'metric_value', 'threshold', 'component', 'model_version']), []],
          [prediction, ['2026-10-01 00:00:00.000000', 'v1', 'p1', 1, 0.9, '{"a": 1}']],
          [prediction, ['2026-10-01 01:00:00.000000', 'v1', 'p2', 0, 0.6, '{"a": 2}']],
          [snapshot, ['2026-10-01 02:00:00.000000', 'v1', 0.5, 0]],
          [snapshot, ['2026-10-01 03:00:00.000000', null, 0.6, 0]],
          ["INSERT INTO alerts (alert_id, timestamp, severity, title) VALUES ('a1', '2026-10-01 04:00:00.000000', 'warning', 'old')", []],
        ],
        'wal',
      );
      const store = await open(db, WRITER);
      const description = await store.describe();
      const expected = [
        'no alert_rules table',
        'no drift_results table',
        'no predictions.actual_outcome column',
        'no health_snapshots.roc_auc column',
        'no alerts.component column',
      ];
      for (const missing of expected) {
        assert.ok(description.warnings.some((w) => w.includes(missing) && w.includes(db)), `a warning says "${missing}"`);
      }
      assert.deepEqual(located(description.diagnostics), ['error health_snapshots#2 model_version']);

      const predictions = await store.readPredictions();
      assert.deepEqual(predictions.map((p) => [p.prediction_id, p.actual_outcome, p.actual_outcome_timestamp]), [
        ['p1', null, null],
        ['p2', null, null],
      ]);
      assert.equal((await store.readPredictionColumns({ features: ['a'] })).actual_outcome.join(), `${OUTCOME_UNKNOWN},${OUTCOME_UNKNOWN}`);
      assert.deepEqual(await store.readPredictions({ hasOutcome: true }), []);
      assert.equal(await store.countPredictions({ hasOutcome: false }), 2);
      const [health] = await store.readHealthSnapshots();
      assert.deepEqual([health?.accuracy, health?.roc_auc, health?.prediction_accuracy_trend, health?.num_predictions], [0.5, null, null, null]);
      assert.deepEqual((await store.readAlerts()).map((a) => [a.key, a.acknowledged, a.component]), [['1', false, null]]);
      assert.deepEqual(await store.readRules(), []);
      assert.deepEqual(await store.readDriftResults({ from: 0 }), []);
      const counts = await store.counts();
      assert.deepEqual([counts.predictions, counts.outcomes, counts.healthSnapshots, counts.alerts, counts.rules], [2, 0, 1, 1, 0]);

      await assert.rejects(store.recordOutcome({ prediction_id: 'p1', actual_outcome: 1, timestamp: 1791000000 }), rejectsWith('unsupported', 'predictions.actual_outcome'));
      await assert.rejects(store.saveRule((await open(SAMPLE, { readOnly: 'x' }).then((s) => s.readRules()))[0]!), rejectsWith('unsupported', 'no alert_rules table'));
      assert.equal(await store.deleteRule('acc_low'), false);
      await store.markRuleTriggered('acc_low', 1791000000);
      await store.recordPrediction({ timestamp: 1791000000, model_version: 'v1', prediction_id: 'p3', predicted_outcome: 1, confidence: 0.7, features: { a: 3 }, metadata: null });
      assert.deepEqual(selectRows(db, "SELECT timestamp, features FROM predictions WHERE prediction_id = 'p3'"), [['2026-10-03 04:00:00.000000', '{"a": 3}']]);
      assert.deepEqual((await store.acknowledgeAlerts(['1'], 'me', 1791000000)).acknowledged, ['1']);
      assert.deepEqual(selectRows(db, 'SELECT acknowledged, acknowledged_by FROM alerts'), [[1, 'me']]);
    });

    it('a file that is not SQLite, and a truncated database, are PitwallErrors naming the file', async function () {
      const text = join(temp.path, 'notes.db');
      writeFileSync(text, 'model,accuracy\nv1,0.9\n');
      await assert.rejects(SqliteStore.open(text), rejectsWith('format', text));
      const cut = copyOf(SAMPLE, 'cut.db');
      truncateSync(cut, Math.floor(statSync(cut).size / 2) + 100);
      await assert.rejects(SqliteStore.open(cut), rejectsWith('corrupt', cut, 'truncated'));
      await assert.rejects(SqliteStore.open(join(temp.path, 'absent.db')), rejectsWith('not-found', 'absent.db'));
    });

    it('is closed after close()', async function () {
      const store = await SqliteStore.open(SAMPLE, { readOnly: 'x' });
      await store.close();
      await assert.rejects(store.counts(), rejectsWith('input', 'closed'));
      await store.close();
    });
  });

  describe('timing', function () {
    it('prints how long opening and counting a 200,000-prediction database takes (PITWALL_BENCH=1)', async function () {
      if (!process.env.PITWALL_BENCH) this.skip();
      this.timeout(120_000);
      const dir = makeTempDir();
      try {
        const { databasePath } = await generateDataset({ outDir: dir.path, predictions: 200_000, seed: 7, format: 'sqlite' });
        let start = performance.now();
        const store = await open(databasePath as string, { readOnly: 'bench' });
        const opened = performance.now() - start;
        start = performance.now();
        const counts = await store.counts();
        const counted = performance.now() - start;
        start = performance.now();
        const columns = await store.readPredictionColumns({ features: ['track_temp'] });
        const read = performance.now() - start;
        const ms = (value: number) => `${value.toFixed(0)} ms`;
        console.log(`      ${counts.predictions} predictions: open ${ms(opened)}, counts ${ms(counted)}, columns with one feature ${ms(read)}`);
        assert.equal(columns.length, counts.predictions);
      } finally {
        dir.remove();
      }
    });
  });
});

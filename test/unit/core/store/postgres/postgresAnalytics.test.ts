import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { readWindowedMetrics, type WindowedMetricsOptions } from '../../../../../src/core/analytics/windows';
import { openStore } from '../../../../../src/core/store/openStore';
import { CURSOR_BATCH } from '../../../../../src/core/store/postgres/predictionRead';
import type { Store } from '../../../../../src/core/store/store';
import { binOf, type WindowPlan } from '../../../../../src/core/store/windowStats';
import { startPostgresFixture, type PostgresFixture } from './support';
import { assertClose, nextDouble } from '../../../assertClose';

const HOUR = 3600;
const DAY = 86_400;

describe('PostgreSQL analytics on a real server: windows pushed down, columns streamed, the same numbers as SQLite and JSONL', function () {
  this.timeout(180_000);
  let fixture: PostgresFixture;
  let pg: Store;
  let sqlite: Store;
  let jsonl: Store;

  before(async () => {
    fixture = await startPostgresFixture(5000, 21);
    pg = await openStore(fixture.clone('reads'));
    sqlite = await openStore(fixture.sqlite);
    jsonl = await openStore(join(fixture.root, 'monitoring'));
  });
  after(async () => {
    await pg?.close();
    await sqlite?.close();
    await jsonl?.close();
    fixture?.close();
  });

  it('reads prediction columns equal to SQLite\'s: scalars to the microsecond, features, metadata, filters, order and pages', async () => {
    const [first] = await sqlite.readPredictions({ limit: 1 });
    assert.ok(first !== undefined);
    const queries = [
      {},
      { features: ['circuit', 'track_temp', 'grid_position', 'no_such_feature'], metadata: ['race_id', 'source', 'nope'] },
      { modelVersion: 'v1.1', hasOutcome: true, features: ['circuit'] },
      { from: first.timestamp + DAY, to: first.timestamp + 3 * DAY, order: 'desc' as const, limit: 300, offset: 17, features: ['track_temp'] },
      { modelVersion: 'no-such-version' },
    ];
    for (const query of queries) {
      const expected = await sqlite.readPredictionColumns(query);
      assert.deepEqual(await pg.readPredictionColumns(query), expected, JSON.stringify(query));
    }
    const all = await pg.readPredictionColumns({});
    assert.equal(all.length, 5000);
    assert.ok(all.length > 2 * CURSOR_BATCH, 'more rows than one FETCH');
  });

  it('streams records of every table as SQLite reads them, across several FETCH batches', async () => {
    assert.deepEqual(await pg.readPredictions({}), await sqlite.readPredictions({}));
    assert.deepEqual(await pg.readPredictions({ order: 'desc', limit: 2500, offset: 1000, hasOutcome: false }), await sqlite.readPredictions({ order: 'desc', limit: 2500, offset: 1000, hasOutcome: false }));
    assert.deepEqual(await pg.readHealthSnapshots({}), await sqlite.readHealthSnapshots({}));
    assert.deepEqual(await pg.readHealthSnapshots({ modelVersion: 'v1.1', order: 'desc', limit: 3 }), await sqlite.readHealthSnapshots({ modelVersion: 'v1.1', order: 'desc', limit: 3 }));
    assert.deepEqual(await pg.readMetricSnapshots({}), await sqlite.readMetricSnapshots({}));
    assert.deepEqual(await pg.readDriftResults({}), await sqlite.readDriftResults({}));
    assert.deepEqual(await pg.readDriftResults({ driftDetected: true }), await sqlite.readDriftResults({ driftDetected: true }));
    assert.deepEqual(await pg.readDegradationAnalyses({}), await sqlite.readDegradationAnalyses({}));
    assert.deepEqual(await pg.readFeatureImportance({}), await sqlite.readFeatureImportance({}));
    assert.ok((await pg.readHealthSnapshots({})).length > 0 && (await pg.readDriftResults({})).length > 0, 'the data has snapshots and drift results');
  });

  it('windows pushed down equal SQLite\'s pushed down, and both in-memory paths, to 1e-12 relative', async () => {
    const versions = await sqlite.readModelVersions();
    const cases: WindowedMetricsOptions[] = [
      { every: '1h' },
      { every: '1d', by: 'model_version' },
      { every: '6h', slide: '1h', by: 'model_version' },
      { every: '1d', by: 'feature:circuit', bins: 7 },
      { every: '2d', by: 'feature:grid_position' },
      { every: '1d', by: 'metadata:race_id' },
      { every: '1d', modelVersion: versions[1] as string, from: 1_791_000_000, to: 1_791_600_000 },
      { every: '1d', by: 'model_version', metrics: ['accuracy', 'ece', 'roc_auc', 'log_loss', 'brier', 'confidence_std'] },
      { every: '7m', slide: '7m', fillEmpty: true, from: 1_791_000_000, to: 1_791_050_000 },
    ];
    for (const options of cases) {
      const label = JSON.stringify(options);
      const pushed = await readWindowedMetrics(pg, options);
      assert.equal(pushed.path, 'pushdown', label);
      assert.ok(pushed.rows.length > 0, label);
      assertClose(pushed.rows, (await readWindowedMetrics(sqlite, options)).rows, label);
      assertClose(pushed.rows, (await readWindowedMetrics(sqlite, { ...options, path: 'in-memory' })).rows, label);
      assertClose(pushed.rows, (await readWindowedMetrics(jsonl, options)).rows, label);
      assertClose(pushed.rows, (await readWindowedMetrics(pg, { ...options, path: 'in-memory' })).rows, label);
    }
  });

  it('puts confidences one ulp either side of every bin edge in the kernel\'s bins, where width_bucket does not', async () => {
    const url = fixture.clone('edges');
    const store = await openStore(url);
    try {
      const confidences: number[] = [];
      for (const bins of [10, 7, 3]) {
        for (let k = 0; k <= bins; k++) {
          const edge = k / bins;
          for (const c of [nextDouble(edge, false), edge, nextDouble(edge, true)]) if (c >= 0 && c <= 1) confidences.push(c);
        }
      }
      const values = confidences.map((c, i) => `(timestamptz '2030-01-01 00:00:00+00' + interval '${i} seconds', 'edge', 'edge-${i}', 1, ${c.toPrecision(17)}::float8, 1, '{}')`).join(', ');
      fixture.cluster.psql('edges', `INSERT INTO predictions ("timestamp", model_version, prediction_id, predicted_outcome, confidence, actual_outcome, features) VALUES ${values}`);
      // The literal went through psql as text: it is the very double, as the kernel reads it back.
      const stored = await store.readPredictionColumns({ modelVersion: 'edge' });
      assert.deepEqual(Array.from(stored.confidence), confidences);
      let widthBucketDisagrees = 0;
      for (const bins of [10, 7, 3]) {
        const plan: WindowPlan = { every: DAY, slide: DAY, from: -Infinity, to: Infinity, modelVersion: 'edge', bins, scores: false };
        const stats = await store.aggregateWindows?.(plan);
        assert.ok(stats !== undefined && stats.length === 1);
        const expected = Array.from({ length: bins + 1 }, () => 0);
        for (const c of confidences) {
          const b = binOf(c, 1, bins);
          expected[b] = (expected[b] ?? 0) + 1;
        }
        assert.deepEqual(stats[0]?.bins.map((bin) => bin.count), expected, `bins=${bins}`);
        const widthBucket = fixture.cluster.psql('edges', `SELECT string_agg(least(width_bucket(confidence, 0, 1, ${bins}), ${bins})::text, ',' ORDER BY id) FROM predictions WHERE model_version = 'edge'`).split(',').map(Number);
        widthBucketDisagrees += widthBucket.filter((b, i) => b !== binOf(confidences[i] as number, 1, bins)).length;
      }
      assert.ok(widthBucketDisagrees > 0, 'the edges tested are ones width_bucket gets wrong');
    } finally {
      await store.close();
    }
  });

  it('leaves out rows the schema refuses, names them, and counts a valid row the light checks send to the schema, as the in-memory path does', async () => {
    const url = fixture.clone('refused');
    const store = await openStore(url);
    try {
      fixture.cluster.psql(
        'refused',
        `INSERT INTO predictions ("timestamp", model_version, prediction_id, predicted_outcome, confidence, actual_outcome, features, extra_metadata) VALUES
          ('2026-10-03 10:00:00+00', 'v1.0', 'bad-confidence', 1, 1.5, 1, '{"circuit": "Monza"}', NULL),
          ('2026-10-03 10:01:00+00', 'v1.0', 'bad-outcome', 1, 0.7, 2, '{"circuit": "Monza"}', NULL),
          ('2026-10-03 10:02:00+00', 'v1.0', 'bad-features', 1, 0.7, 1, '[1, 2]', NULL),
          ('2026-10-03 10:03:00+00', 'v1.0', 'nested-feature', 0, 0.6, 0, '{"circuit": {"name": "Monza"}}', NULL),
          ('2026-10-03 10:04:00+00', 'v1.0', 'nan-confidence', 0, 'NaN', 0, '{"circuit": "Monza"}', NULL),
          ('2026-10-03 10:05:00+00', 'v1.0', 'bracket-in-text', 0, 0.55, 1, '{"circuit": "Monza [night]", "grid_position": 3}', '{"race_id": [1, 2]}'),
          ('2026-10-03 10:06:00+00', 'v1.0', 'nul-in-text', 1, 0.65, 1, '{"circuit": "Mon\\u0000za"}', '{"race_id": "r\\u0000"}'),
          ('2026-10-03 10:07:00+00', 'v1.0', 'deep-metadata', 1, 0.75, 1, '{"circuit": "Monza"}', '${'{"a": '.repeat(70)}1${'}'.repeat(70)}')`,
      );
      const sums = ['accuracy', 'ece', 'avg_confidence', 'brier', 'confidence_std'];
      const cases = [
        { every: '1d', metrics: sums },
        { every: '1h', by: 'feature:circuit' as const, metrics: sums },
        { every: '1d', by: 'metadata:race_id' as const, metrics: sums },
        // Scores need every labelled row: with rows for the schema to judge, computed over loaded columns.
        { every: '1d', metrics: ['roc_auc', 'accuracy'] },
      ];
      for (const options of cases) {
        const pushed = await readWindowedMetrics(store, options);
        assert.equal(pushed.path, options.metrics.includes('roc_auc') ? 'in-memory' : 'pushdown', JSON.stringify(options));
        const inMemory = await readWindowedMetrics(store, { ...options, path: 'in-memory' });
        assertClose(pushed.rows, inMemory.rows, JSON.stringify(options));
      }
      const day = (await readWindowedMetrics(store, { every: '1d', metrics: ['accuracy'], from: Date.UTC(2026, 9, 3) / 1000, to: Date.UTC(2026, 9, 4) / 1000 })).rows[0];
      const before = (await readWindowedMetrics(pg, { every: '1d', from: Date.UTC(2026, 9, 3) / 1000, to: Date.UTC(2026, 9, 4) / 1000 })).rows[0];
      assert.equal(day?.count, (before?.count ?? 0) + 2, 'only the valid rows (a bracket, a \\u0000 in their text) count');
      const byCircuit = await readWindowedMetrics(store, { every: '1d', by: 'feature:circuit', metrics: ['accuracy'], from: Date.UTC(2026, 9, 3) / 1000, to: Date.UTC(2026, 9, 4) / 1000 });
      assert.equal(byCircuit.path, 'pushdown');
      const circuits = byCircuit.rows.map((row) => row.group);
      assert.ok(circuits.includes('Mon\u0000za') && circuits.includes('Monza [night]'), 'grouped by the values the schema reads');
      const columns = await store.readPredictionColumns({ features: ['circuit'], metadata: ['race_id'] });
      const index = columns.prediction_id.indexOf('bracket-in-text');
      assert.ok(index >= 0);
      assert.equal(columns.features.get('circuit')?.[index], 'Monza [night]');
      assert.equal(columns.metadata?.get('race_id')?.[index], null);
      assert.equal(columns.prediction_id.filter((id) => id.startsWith('bad-') || id === 'nested-feature' || id === 'nan-confidence' || id === 'deep-metadata').length, 0);
      const named = (await store.describe()).diagnostics.map((d) => d.message).join('\n');
      for (const id of ['bad-confidence', 'bad-outcome', 'bad-features', 'nested-feature', 'nan-confidence', 'deep-metadata']) {
        const row = fixture.cluster.psql('refused', `SELECT id FROM predictions WHERE prediction_id = '${id}'`);
        assert.match(named, new RegExp(`predictions row ${row} skipped`), id);
      }
      assert.match(named, /confidence/);
    } finally {
      await store.close();
    }
  });

  it('shows the statements it runs (work memory raised in its own read-only transaction), and psql runs them to the same sums', async () => {
    const plan: WindowPlan = { every: HOUR, slide: HOUR, from: -Infinity, to: Infinity, by: 'model_version', bins: 10, scores: false };
    const statements = await pg.explainWindows?.(plan);
    assert.ok(statements !== undefined);
    assert.deepEqual(statements.slice(0, 3), ['BEGIN READ ONLY', "SET LOCAL work_mem = '64MB'", 'SET LOCAL jit = off']);
    assert.equal(statements[statements.length - 1], 'COMMIT');
    const aggregate = statements[3] as string;
    const psqlRows = fixture.cluster.psql('reads', `SELECT count(*), sum(x.n) FROM (${aggregate}) AS x(ws, g, gt, b, n)`).split('|').map(Number);
    const stats = (await pg.aggregateWindows?.(plan)) ?? [];
    const total = stats.reduce((sum, s) => sum + s.bins.reduce((n, bin) => n + bin.count, 0), 0);
    assert.equal(psqlRows[1], total);
    assert.equal(total, 5000);
  });
});

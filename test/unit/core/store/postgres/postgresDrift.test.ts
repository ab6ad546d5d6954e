import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { featureDrift, type FeatureDrift } from '../../../../../src/core/analytics/drift';
import { readDrift, readFeatureNames, type DriftReportOptions } from '../../../../../src/core/analytics/driftReport';
import { computeHealth } from '../../../../../src/core/analytics/health';
import { AnalysisSession } from '../../../../../src/core/analytics/session';
import type { FeatureValue } from '../../../../../src/core/model/fields';
import { openStore } from '../../../../../src/core/store/openStore';
import type { Store } from '../../../../../src/core/store/store';
import { openStoreInWorker } from '../../../../../src/core/store/workerStore';
import { countedStore } from '../../../countedStore';
import { startPostgresFixture, type PostgresFixture } from './support';
import { assertClose, nextDouble } from '../../../assertClose';

/** The same store without its drift pushdown: drift reads the predictions as columns, as before. */
function rowsOnly(store: Store): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'countFeatureValues' || property === 'readFeatureNames') return undefined;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const at = (iso: string) => Date.parse(iso) / 1000;
const range = (from: string, to: string) => ({ from: at(from), to: at(to) });

describe('PostgreSQL drift counted on the server: the numbers of the SQLite, JSONL and in-memory paths, without reading a prediction', function () {
  this.timeout(180_000);
  let fixture: PostgresFixture;
  let pg: Store;
  let sqlite: Store;
  let jsonl: Store;

  before(async () => {
    fixture = await startPostgresFixture(3000, 33);
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

  it('equals SQLite, JSONL and PostgreSQL read as rows to 1e-12, over versions, overlapping and empty ranges and options, reading no prediction', async () => {
    const versions = await sqlite.readModelVersions();
    const cases: DriftReportOptions[] = [
      { baseline: range('2026-10-01T00:00:00Z', '2026-10-08T00:00:00Z'), current: range('2026-10-10T00:00:00Z', '2026-10-15T00:00:00Z') },
      { baseline: range('2026-10-01T00:00:00Z', '2026-10-08T00:00:00Z'), current: range('2026-10-10T00:00:00Z', '2026-10-15T00:00:00Z'), modelVersion: versions[1] as string, features: ['track_temp', 'circuit'] },
      { baseline: range('2026-10-01T00:00:00Z', '2026-10-10T00:00:00Z'), current: range('2026-10-05T00:00:00Z', '2026-10-15T00:00:00Z'), drift: { bins: 37, maxCategories: 2 } },
      { baseline: range('2026-10-01T00:00:00Z', '2026-10-03T00:00:00Z'), current: range('2027-01-01T00:00:00Z', '2027-01-02T00:00:00Z') },
      { baseline: range('2027-01-01T00:00:00Z', '2027-01-02T00:00:00Z'), current: range('2027-01-02T00:00:00Z', '2027-01-03T00:00:00Z') },
    ];
    for (const options of cases) {
      const label = JSON.stringify(options);
      const counted = countedStore(pg);
      const pushed = await readDrift(counted.store, options);
      assert.equal(counted.calls.get('countFeatureValues'), 2, label);
      assert.equal(counted.calls.get('readPredictionColumns'), undefined, `${label}: no prediction columns read`);
      assert.equal(counted.calls.get('readPredictions'), undefined, `${label}: no prediction read`);
      assertClose(pushed, await readDrift(sqlite, options), `${label} vs SQLite`);
      assertClose(pushed, await readDrift(jsonl, options), `${label} vs JSONL`);
      assertClose(pushed, await readDrift(rowsOnly(pg), options), `${label} vs PostgreSQL rows`);
    }
    const [first, , , empty, none] = await Promise.all(cases.map((options) => readDrift(pg, options)));
    assert.ok(first !== undefined && first.length >= 3 && first.some((r) => r.kind === 'numeric' && r.status === 'ok') && first.some((r) => r.kind === 'categorical' && r.status === 'ok'), 'numeric and categorical features compared');
    assert.ok(empty !== undefined && empty.length > 0 && empty.every((r) => r.status === 'insufficient' && r.current_stats.count === 0), 'an empty current range leaves every feature insufficient');
    assert.deepEqual(none, [], 'no prediction in either range: no feature');
  });

  it('names the features of a range\'s first predictions as reading them does', async () => {
    for (const [from, to, version] of [['2026-10-01T00:00:00Z', '2026-10-08T00:00:00Z', undefined], ['2026-10-10T00:00:00Z', '2026-10-15T00:00:00Z', 'v1.1'], ['2027-01-01T00:00:00Z', '2027-01-02T00:00:00Z', undefined]] as const) {
      const counted = countedStore(pg);
      const names = await readFeatureNames(counted.store, range(from, to), version);
      assert.equal(counted.calls.get('readPredictions'), undefined);
      assert.deepEqual(names, await readFeatureNames(rowsOnly(pg), range(from, to), version));
      assert.deepEqual(names, await readFeatureNames(sqlite, range(from, to), version));
    }
  });

  it('an analysis session that pushes down (the Drift panel\'s) counts on the server, with the numbers of the session over SQLite\'s columns', async () => {
    const counted = countedStore(pg);
    const session = new AnalysisSession(counted.store, { pushDown: true });
    const options = { baseline: range('2026-10-01T00:00:00Z', '2026-10-08T00:00:00Z'), current: range('2026-10-10T00:00:00Z', '2026-10-15T00:00:00Z'), features: ['circuit', 'grid_position', 'track_temp'] };
    const pushed = await session.drift(options);
    assert.equal(counted.calls.get('readPredictionColumns'), undefined);
    assert.equal(counted.calls.get('countFeatureValues'), 2);
    assertClose(pushed, await new AnalysisSession(sqlite).drift(options));
    assertClose(pushed, await new AnalysisSession(pg).drift(options), 'the same store, not pushing down');
  });

  it('a PostgreSQL store in a worker thread (as the editor opens it) counts there too, with the same results', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pitwall-pg-drift-worker-'));
    try {
      const script = join(dir, 'storeWorker.js');
      buildSync({ entryPoints: [join(__dirname, '../../../../../src/core/store/storeWorker.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: script, logLevel: 'silent' });
      const remote = await openStoreInWorker(fixture.clone('drift_worker'), script, { wasmPath: require.resolve('sql.js/dist/sql-wasm.wasm') });
      try {
        assert.equal(typeof remote.countFeatureValues, 'function');
        assert.equal(typeof remote.readFeatureNames, 'function');
        const counted = countedStore(remote);
        const options = { baseline: range('2026-10-01T00:00:00Z', '2026-10-08T00:00:00Z'), current: range('2026-10-10T00:00:00Z', '2026-10-15T00:00:00Z') };
        const pushed = await readDrift(counted.store, options);
        assert.equal(counted.calls.get('readPredictionColumns'), undefined);
        assert.equal(counted.calls.get('countFeatureValues'), 2);
        assert.deepEqual(pushed, await readDrift(pg, options));
      } finally {
        await remote.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('health on PostgreSQL is summed on the server already: no prediction columns read, one newest prediction', async () => {
    const counted = countedStore(pg);
    const reports = await computeHealth(counted.store, { every: '1d' });
    assert.ok(reports.length > 0);
    assert.equal(counted.calls.get('readPredictionColumns'), undefined);
    assert.ok((counted.calls.get('aggregateWindows') ?? 0) >= 2);
    assert.equal(counted.calls.get('readPredictions'), 1, 'the newest prediction, to place the period');
    assertClose(reports, await computeHealth(sqlite, { every: '1d' }));
  });

  describe('edge cases, in rows written as text to a copy of the database', () => {
    const baseline: string[] = [];
    const current: string[] = [];
    /** Rows the record schema refuses, in the current range: left out by every path. */
    const refused: string[] = [];
    let store: Store;

    before(async () => {
      const cats = ['a', 'b', 'c'];
      for (let i = 0; i <= 100; i++) {
        const q = i % 7 === 0 ? `${i}.0` : i % 13 === 0 ? `${i}e0` : `${i}`;
        const cat = i % 10 === 0 ? '1' : i % 10 === 5 ? '"1"' : i % 17 === 0 ? 'true' : `"${cats[i % 3] as string}"`;
        const mixed = i % 20 === 0 ? '"n/a"' : i % 25 === 0 ? 'false' : String(i * 1.5);
        const sparse = i % 5 === 0 ? ', "sparse": null' : i % 3 === 0 ? `, "sparse": ${String(i * 0.37)}` : '';
        baseline.push(`{"q": ${q}, "flat": 0.1, "cat": ${cat}, "mixed": ${mixed}${sparse}}`);
      }
      // The baseline 0 … 100 puts PSI's edges (its deciles) on 10, 20, … 90: values on them and one ulp either side.
      const qs: string[] = ['-5', '150', '-0', '1e-400', '2.5E+2', '1.5e-100', '0.30000000000000004'];
      for (let e = 10; e <= 90; e += 10) qs.push(String(e), String(nextDouble(e, false)), String(nextDouble(e, true)));
      qs.forEach((q, j) => {
        const cat = j % 4 === 0 ? '"d"' : j % 4 === 1 ? '"a"' : j % 4 === 2 ? '1.0' : '"x[1]"';
        const sparse = j % 2 === 0 ? `, "sparse": ${String(j * 0.37)}` : '';
        current.push(`{"q": ${q}, "flat": 0.1, "cat": ${cat}, "mixed": ${String(j * 2.25)}${sparse}}`);
      });
      refused.push('{"q": 1e400, "flat": 0.1, "cat": "a", "mixed": 1}');
      const url = fixture.clone('drift_edges');
      store = await openStore(url);
      const rows = [
        ...baseline.map((features, i) => `(timestamptz '2030-01-01 00:00:00+00' + interval '${i} seconds', 'edge', 'b-${i}', 1, 0.75, '${features}')`),
        ...current.map((features, j) => `(timestamptz '2030-01-02 00:00:00+00' + interval '${j} seconds', 'edge', 'c-${j}', 1, 0.75, '${features}')`),
        ...refused.map((features, k) => `(timestamptz '2030-01-02 12:00:00+00' + interval '${k} seconds', 'edge', 'r-${k}', 1, 0.75, '${features}')`),
        // A confidence the schema refuses: this row is left out too, whatever its features.
        `(timestamptz '2030-01-02 13:00:00+00', 'edge', 'r-bad', 1, 1.5, '{"q": 3, "flat": 7, "cat": "zzz", "mixed": 1}')`,
      ];
      fixture.cluster.psql('drift_edges', `INSERT INTO predictions ("timestamp", model_version, prediction_id, predicted_outcome, confidence, features) VALUES ${rows.join(', ')}`);
    });
    after(async () => {
      await store?.close();
    });

    const options = (): DriftReportOptions => ({ baseline: range('2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z'), current: range('2030-01-02T00:00:00Z', '2030-01-03T00:00:00Z'), modelVersion: 'edge' });

    it('equals drift over the same JSON parsed in JS, and PostgreSQL read as rows, with the same bins at the edges', async () => {
      const counted = countedStore(store);
      const pushed = await readDrift(counted.store, options());
      assert.equal(counted.calls.get('readPredictionColumns'), undefined);
      assert.equal(counted.calls.get('readPredictions'), undefined);
      const names = ['cat', 'flat', 'mixed', 'q', 'sparse'];
      assert.deepEqual(pushed.map((r) => r.feature_name), names);
      const parsed = (texts: readonly string[]) => texts.map((text) => JSON.parse(text) as Record<string, FeatureValue>);
      const column = (rows: readonly Record<string, FeatureValue>[], name: string) => rows.map((row) => (Object.hasOwn(row, name) ? row[name] : null));
      const expected: FeatureDrift[] = names.map((name) => featureDrift(name, column(parsed(baseline), name), column(parsed(current), name)));
      assertClose(pushed, expected, 'vs JS');
      assert.deepEqual(pushed, expected, 'the very same doubles: the same values summed in the same order');
      assertClose(pushed, await readDrift(rowsOnly(store), options()), 'vs rows');

      const byName = new Map(pushed.map((r) => [r.feature_name, r]));
      const q = byName.get('q');
      assert.ok(q?.kind === 'numeric' && q.status === 'ok');
      assert.deepEqual(q.bins.map((bin) => bin.upper), [10, 20, 30, 40, 50, 60, 70, 80, 90, null]);
      // Per bin (lower, upper]: the edge itself and one ulp below in the bin, one ulp above in the next; -5, -0, 0 (1e-400), 1.5e-100 and 0.3 in the first; 150 and 250 in the last.
      assert.deepEqual(q.bins.map((bin) => bin.current_count), [7, 3, 3, 3, 3, 3, 3, 3, 3, 3]);
      assert.equal(q.current_stats.count, current.length, 'the row with 1e-400 was read by the schema and counted (as 0)');
      assert.equal(q.current_stats.max, 250);
      const flat = byName.get('flat');
      assert.ok(flat?.kind === 'numeric' && flat.status === 'ok');
      assert.deepEqual([flat.baseline_stats.min, flat.baseline_stats.max, flat.current_stats.max, flat.psi, flat.ks_statistic, flat.wasserstein], [0.1, 0.1, 0.1, 0, 0, 0], 'an all-equal feature');
      const cat = byName.get('cat');
      assert.ok(cat?.kind === 'categorical' && cat.status === 'ok');
      assert.ok(cat.current_stats.categories.some((c) => c.value === 'x[1]'), 'a text the light checks send to the schema is counted');
      assert.equal(cat.baseline_stats.categories.find((c) => c.value === '1')?.count, 21, '1 and "1" are one category');
      const mixed = byName.get('mixed');
      assert.ok(mixed?.kind === 'numeric');
      assert.deepEqual(mixed.non_numeric, { baseline: 9, current: 0 });
      const sparse = byName.get('sparse');
      assert.ok(sparse?.kind === 'numeric');
      assert.equal(sparse.baseline_stats.count + sparse.baseline_stats.missing, baseline.length, 'a feature missing in some rows counts them as missing');
    });
  });
});

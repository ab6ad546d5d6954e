import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { readDataScope } from '../../../../src/core/analytics/dataScope';
import { driftOfColumns, readDrift, readFeatureNames } from '../../../../src/core/analytics/driftReport';
import { reliabilityOf } from '../../../../src/core/analytics/metrics';
import { AnalysisSession } from '../../../../src/core/analytics/session';
import { calibrationByVersion } from '../../../../src/core/analytics/versionCalibration';
import { openStore } from '../../../../src/core/store/openStore';
import type { Store } from '../../../../src/core/store/store';

/** The chart panels answer from an analysis session's held columns; these must equal reading the store for the same range. */
describe('Calibration and drift over held columns', function () {
  this.timeout(120_000);
  let dir = '';
  const stores: Store[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitwall-panel-analytics-'));
    await generateDataset({ outDir: dir, predictions: 4000, seed: 5, format: 'both' });
    stores.push(await openStore(join(dir, 'monitoring')), await openStore(join(dir, 'monitoring.db')));
  });

  after(async () => {
    for (const store of stores) await store.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  for (const [index, kind] of [[0, 'JSONL folder'], [1, 'SQLite file']] as const) {
    it(`calibrationByVersion equals reliabilityOf over each version's predictions read from the ${kind}`, async () => {
      const store = stores[index] as Store;
      const scope = await readDataScope(store);
      assert.ok(scope.first !== null && scope.last !== null && scope.versions.length >= 2);
      const from = scope.first + 3 * 86_400;
      const to = scope.last + 1;
      const columns = await new AnalysisSession(store).columns();
      for (const binning of ['width', 'mass'] as const) {
        const found = calibrationByVersion(columns, { from, to, versions: scope.versions, bins: 15, binning });
        assert.deepEqual(found.map((row) => row.modelVersion), scope.versions);
        for (const row of found) {
          const read = await store.readPredictionColumns({ from, to, modelVersion: row.modelVersion });
          const expected = reliabilityOf({ length: read.length, predicted: read.predicted_outcome, confidence: read.confidence, actual: read.actual_outcome }, { binCount: 15, binning });
          const { modelVersion: _, count, ...reliability } = row;
          assert.equal(count, read.length);
          assert.ok(reliability.labelled > 0, `${row.modelVersion} has labels`);
          assert.deepEqual(reliability, expected);
        }
      }
    });

    it(`driftOfColumns equals readDrift on the ${kind}, for every version and for one`, async () => {
      const store = stores[index] as Store;
      const scope = await readDataScope(store);
      assert.ok(scope.first !== null && scope.last !== null);
      const current = { from: scope.last + 1 - 2 * 86_400, to: scope.last + 1 };
      const baseline = { from: scope.first, to: scope.first + 7 * 86_400 };
      const features = [...new Set([...(await readFeatureNames(store, baseline, undefined)), ...(await readFeatureNames(store, current, undefined))])].sort();
      assert.deepEqual(features, ['circuit', 'grid_position', 'track_temp']);
      const columns = await new AnalysisSession(store).columns(features);
      for (const modelVersion of [undefined, 'v1.1']) {
        const version = modelVersion === undefined ? {} : { modelVersion };
        const held = driftOfColumns(columns, { baseline, current, features, ...version });
        assert.deepEqual(held, await readDrift(store, { baseline, current, ...version }));
      }
      // The generated data drifts track_temp in v1.1's last days.
      const drifted = driftOfColumns(columns, { baseline, current, features, modelVersion: 'v1.1' }).find((result) => result.feature_name === 'track_temp');
      assert.equal(drifted?.severity, 'drift');
    });
  }
});

import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { computeHealth } from '../../../../src/core/analytics/health';
import { readModelsOverview } from '../../../../src/core/analytics/modelsOverview';
import { withOpenStore } from '../../withOpenStore';

const DAY = 86400;

describe('the models overview of a source', function () {
  this.timeout(60_000);
  let root: string;
  const sources: Record<'jsonl' | 'sqlite', string> = { jsonl: '', sqlite: '' };
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-models-overview-'));
    await generateDataset({ outDir: root, predictions: 8000, seed: 5 });
    sources.jsonl = join(root, 'monitoring');
    sources.sqlite = join(root, 'monitoring.db');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const overviews: Record<string, unknown> = {};
  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`gives each version of a ${kind} source its newest prediction, last day's volume, open alerts, health and staleness`, async () => {
      await withOpenStore(sources[kind], async (store) => {
        const columns = await store.readPredictionColumns();
        const newest = columns.timestamp[columns.length - 1] as number;
        const now = newest + 2 * 3600;
        const overview = await readModelsOverview(store, { now, staleAfter: 3600 });
        assert.deepEqual(overview.versions.map((v) => v.model_version), await store.readModelVersions());
        for (const version of overview.versions) {
          // Counted here row by row from the columns, not by the store's counts.
          let lastDay = 0;
          let versionNewest = -Infinity;
          for (let i = 0; i < columns.length; i++) {
            if (columns.model_version[i] !== version.model_version) continue;
            const time = columns.timestamp[i] as number;
            versionNewest = Math.max(versionNewest, time);
            if (time > newest - DAY && time <= newest) lastDay++;
          }
          assert.ok(Math.abs((version.newest ?? 0) - versionNewest) < 0.002, version.model_version);
          assert.ok(Math.abs(version.last_day_to_newest - lastDay) <= 1, `${version.model_version}: ${version.last_day_to_newest} vs ${lastDay}`);
          // Two hours after the newest prediction, the day up to now holds the same predictions but for those of its first two hours.
          assert.ok(version.last_day_to_now <= version.last_day_to_newest);
          assert.equal(version.stale, now - versionNewest > 3600);
          assert.equal(version.open_alerts.total, await store.countAlerts({ modelVersion: version.model_version, acknowledged: false }));
          assert.equal(version.open_alerts.critical, await store.countAlerts({ modelVersion: version.model_version, acknowledged: false, severity: 'critical' }));
          if (version.stale || version.open_alerts.critical > 0 || version.health?.degraded === true) assert.equal(version.state, 'critical');
        }
        assert.ok(overview.versions.some((v) => v.last_day_to_newest > 0));
        // Every version is silent two hours after the data ends.
        assert.ok(overview.versions.every((v) => v.stale && v.state === 'critical'));

        const labelled = columns.timestamp.filter((_, i) => (columns.actual_outcome[i] as number) >= 0);
        const health = await computeHealth(store, { at: labelled[labelled.length - 1] as number });
        for (const report of health) {
          const row = overview.versions.find((v) => v.model_version === report.snapshot.model_version);
          assert.equal(row?.health?.accuracy, report.snapshot.accuracy);
          assert.equal(row?.health?.ece, report.snapshot.expected_calibration_error);
          assert.equal(row?.health?.labelled, report.labelled);
          assert.equal(row?.health?.degraded, report.reference.degradation.status === 'degraded');
        }
        assert.ok(overview.versions.some((v) => v.health !== null && v.health.accuracy !== null && v.health.label_coverage !== null && v.health.label_coverage > 0));

        // A month later nothing arrived in the last day, and with a staleAfter of a year nothing is stale.
        const later = await readModelsOverview(store, { now: newest + 30 * DAY, staleAfter: 365 * DAY });
        assert.ok(later.versions.every((v) => v.last_day_to_now === 0 && !v.stale));
        assert.deepEqual(later.versions.map((v) => v.last_day_to_newest), overview.versions.map((v) => v.last_day_to_newest));
        overviews[kind] = overview.versions.map((v) => ({ ...v, newest: Math.round((v.newest ?? 0) * 1000) }));
      });
    });
  }

  it('agrees between the two formats of the same data', () => {
    assert.deepEqual(overviews.jsonl, overviews.sqlite);
  });
});

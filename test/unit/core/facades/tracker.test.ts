import * as assert from 'node:assert/strict';
import { PitwallError } from '../../../../src/core/errors';
import { ModelPerformanceTracker } from '../../../../src/core/tracker';
import { freshSourcesPerTest, NOW, SOURCE_KINDS } from './support';

for (const kind of SOURCE_KINDS) {
  describe(`ModelPerformanceTracker over a ${kind} source`, () => {
    const fixture = freshSourcesPerTest();

    async function tracker() {
      return new ModelPerformanceTracker(await fixture.sources.open(kind), () => fixture.clock);
    }

    it('computes accuracy from recorded outcomes, never from confidence (seed defect 6.1.1)', async () => {
      const t = await tracker();
      for (let i = 0; i < 4; i++) {
        await t.recordPrediction(`acc-${i}`, 'v9', 1, 0.9, { grid_position: i });
        fixture.clock += 1;
      }
      assert.equal(await t.calculateAccuracy('v9', 60), null, 'no ground truth yet: no accuracy, not the mean confidence');
      await t.recordActualOutcome('acc-0', 1);
      await t.recordActualOutcome('acc-1', 0);
      await t.recordActualOutcome('acc-2', 0);
      await t.recordActualOutcome('acc-3', 0);
      // The seed would say 0.9 (mean confidence); one of four was right.
      assert.equal(await t.calculateAccuracy('v9', 60), 0.25);
      const metrics = await t.getPerformanceMetrics('v9', 60);
      assert.equal(metrics.num_predictions, 4);
      assert.equal(metrics.labelled, 4);
      assert.ok(Math.abs((metrics.avg_confidence ?? 0) - 0.9) < 1e-12);
    });

    it('persists outcomes: a reopened store still knows them (seed defect 6.3.1)', async () => {
      const t = await tracker();
      await t.recordPrediction('persist-1', 'v9', 0, 0.7, {});
      const evaluation = await t.recordActualOutcome('persist-1', 1);
      assert.deepEqual(
        { correct: evaluation?.correct, error: evaluation?.calibration_error },
        { correct: false, error: 0.7 },
      );
      const reopened = await fixture.sources.open(kind);
      const prediction = await reopened.readPrediction('persist-1');
      assert.equal(prediction?.actual_outcome, 1);
      assert.equal(await new ModelPerformanceTracker(reopened).recordActualOutcome('no-such-id', 1), null);
    });

    it('computes a real ECE with per-bin accuracy (seed: 0.05 × share of non-empty bins)', async () => {
      const t = await tracker();
      // Ten predictions at confidence 0.95, half of them right: ECE = |0.5 − 0.95| = 0.45.
      for (let i = 0; i < 10; i++) {
        await t.recordPrediction(`ece-${i}`, 'v-ece', 1, 0.95, {});
        await t.recordActualOutcome(`ece-${i}`, i % 2);
      }
      const calibration = await t.calculateCalibrationMetrics('v-ece', 10);
      assert.ok(Math.abs((calibration.ece ?? 0) - 0.45) < 1e-12, `ece ${calibration.ece}`);
      assert.equal(calibration.bins[9]?.count, 10);
      assert.equal(calibration.bins[9]?.accuracy, 0.5);
    });

    it('validates predictions and refuses duplicate prediction ids (seed defect 6.3.4)', async () => {
      const t = await tracker();
      await t.recordPrediction('dup-1', 'v9', 1, 0.8, { a: 1 });
      await assert.rejects(t.recordPrediction('dup-1', 'v9', 0, 0.6, {}), (error: unknown) => error instanceof PitwallError && error.code === 'conflict');
      await assert.rejects(t.recordPrediction('bad-1', 'v9', 1, Number.NaN, {}), (error: unknown) => error instanceof PitwallError && error.code === 'input');
      await assert.rejects(t.recordPrediction('bad-2', 'v9', 2, 0.8, {}), (error: unknown) => error instanceof PitwallError && error.code === 'input');
      await assert.rejects(t.recordPrediction('bad-3', 'v9', 1, 1.5, {}), (error: unknown) => error instanceof PitwallError && error.code === 'input');
      const store = await fixture.sources.open(kind);
      assert.equal(await store.readPrediction('bad-1'), undefined);
      assert.equal((await store.readPrediction('dup-1'))?.confidence, 0.8, 'the first record is kept');
    });

    it('records health snapshots and returns the recent ones newest first, and the trend oldest first', async () => {
      const t = await tracker();
      for (let i = 0; i < 3; i++) {
        fixture.clock = NOW + i * 3600;
        await t.recordHealthSnapshot({
          timestamp: fixture.clock, model_version: 'v-health', accuracy: 0.8 - i / 10, precision: 0.8, recall: 0.7, f1_score: 0.75,
          roc_auc: null, expected_calibration_error: 0.05, num_predictions: 100, prediction_accuracy_trend: null, degradation_detected: false,
        });
      }
      const recent = await t.getRecentHealthSnapshots('v-health', 2);
      assert.deepEqual(recent.map((s) => s.timestamp), [NOW + 7200, NOW + 3600]);
      const trend = await t.getPerformanceTrend('v-health', 24);
      assert.deepEqual(trend.map((s) => s.accuracy), [0.8, 0.8 - 1 / 10, 0.8 - 2 / 10]);
      await assert.rejects(
        t.recordHealthSnapshot({ timestamp: fixture.clock, model_version: 'v', accuracy: 7 } as never),
        (error: unknown) => error instanceof PitwallError && error.code === 'input',
      );
    });
  });
}

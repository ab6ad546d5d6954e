import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { isPitwallError } from '../../../../src/core/errors';
import { detectDegradation, toDegradationAnalysis } from '../../../../src/core/analytics/degradation';
import { computeHealth, HealthSchedule, recordHealth } from '../../../../src/core/analytics/health';
import { DegradationAnalysisSchema } from '../../../../src/core/model/degradationAnalysis';
import { openStore } from '../../../../src/core/store/openStore';

const DAY = 86400;
const START = Date.parse('2026-10-01T00:00:00Z') / 1000;

describe('degradation', () => {
  it('calls a drop degraded only when it is significant, large enough and both windows are big enough', () => {
    assert.equal(detectDegradation({ correct: 850, labelled: 1000 }, { correct: 780, labelled: 1000 }).status, 'degraded');
    // The same 7-point drop on 40 labels a side is noise.
    const small = detectDegradation({ correct: 34, labelled: 40 }, { correct: 31, labelled: 40 });
    assert.equal(small.status, 'insufficient');
    assert.match(small.reason, /40 labelled predictions in the baseline and 40 in the current window, 100 needed/);
    // Significant but tiny: below minDrop.
    assert.equal(detectDegradation({ correct: 80_500, labelled: 100_000 }, { correct: 79_800, labelled: 100_000 }).status, 'stable');
    assert.equal(detectDegradation({ correct: 80_500, labelled: 100_000 }, { correct: 79_800, labelled: 100_000 }, { minDrop: 0 }).status, 'degraded');
    // An improvement is never a degradation.
    assert.equal(detectDegradation({ correct: 700, labelled: 1000 }, { correct: 900, labelled: 1000 }).status, 'stable');
  });

  it('reports the numbers behind the verdict and writes a degradation_analysis row the schema accepts', () => {
    const verdict = detectDegradation({ correct: 850, labelled: 1000 }, { correct: 780, labelled: 1000 });
    assert.equal(verdict.baseline_value, 0.85);
    assert.equal(verdict.current_value, 0.78);
    assert.ok(Math.abs((verdict.degradation_percent as number) - (0.07 / 0.85) * 100) < 1e-9);
    assert.equal(verdict.failure_cohort_size, 220);
    assert.ok((verdict.p_value as number) < 0.001 && (verdict.z as number) < -3);
    const row = toDegradationAnalysis(verdict, { timestamp: START, model_version: 'v1.1', top_features: [{ feature: 'track_temp', score: 0.4, statistic: 'psi' }] });
    assert.deepEqual(DegradationAnalysisSchema.parse(row), row);
  });

  it('refuses options that make no sense, naming them', () => {
    for (const options of [{ alpha: 0 }, { alpha: 1.5 }, { minSamples: 0 }, { minSamples: 2.5 }, { minDrop: -0.1 }, { alpha: Number.NaN }]) {
      assert.throws(
        () => detectDegradation({ correct: 1, labelled: 2 }, { correct: 1, labelled: 2 }, options),
        (error: unknown) => isPitwallError(error) && error.code === 'input' && error.message.includes(Object.keys(options)[0] as string),
      );
    }
  });

  it('never gives NaN when both windows are all right or all wrong', () => {
    const verdict = detectDegradation({ correct: 200, labelled: 200 }, { correct: 200, labelled: 200 });
    assert.equal(verdict.status, 'stable');
    assert.equal(verdict.z, 0);
  });
});

describe('health snapshots over a generated dataset', function () {
  this.timeout(120_000);
  let dir = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitwall-health-'));
    await generateDataset({ outDir: join(dir, 'original'), predictions: 20_000, seed: 11 });
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  function copy(name: string): string {
    const target = join(dir, name);
    cpSync(join(dir, 'original'), target, { recursive: true });
    return target;
  }

  it('finds v1.1 degraded on the day after its drift, and v1.0 not, the same from JSONL and SQLite', async () => {
    const folder = copy('compare');
    const at = START + 10.9 * DAY;
    const fromJsonl = await openStore(join(folder, 'monitoring'));
    const fromSqlite = await openStore(join(folder, 'monitoring.db'));
    try {
      const a = await computeHealth(fromJsonl, { every: '1d', at });
      const b = await computeHealth(fromSqlite, { every: '1d', at });
      assert.deepEqual(a, b);
      const byVersion = new Map(a.map((report) => [report.snapshot.model_version, report]));
      const v11 = byVersion.get('v1.1');
      const v10 = byVersion.get('v1.0');
      assert.ok(v11 && v10);
      assert.equal(v11.period_start, START + 10 * DAY);
      assert.equal(v11.degradation.status, 'degraded', v11.degradation.reason);
      assert.equal(v11.snapshot.degradation_detected, true);
      assert.ok((v11.snapshot.prediction_accuracy_trend as number) < -0.05, `trend ${v11.snapshot.prediction_accuracy_trend}`);
      assert.notEqual(v10.degradation.status, 'degraded', v10.degradation.reason);
      assert.equal(v11.snapshot.timestamp, at);
      // The accuracy is realized from outcomes: it matches the labelled rows of that day.
      const columns = await fromJsonl.readPredictionColumns({ from: START + 10 * DAY, to: START + 11 * DAY, modelVersion: 'v1.1' });
      let right = 0;
      let labelled = 0;
      for (let i = 0; i < columns.length; i++) {
        const actual = columns.actual_outcome[i] as number;
        if (actual < 0) continue;
        labelled++;
        if (actual === columns.predicted_outcome[i]) right++;
      }
      assert.equal(v11.labelled, labelled);
      assert.equal(v11.snapshot.accuracy, right / labelled);
    } finally {
      await fromJsonl.close();
      await fromSqlite.close();
    }
  });

  it('records snapshots and the degradation row in the JSONL folder, in lines the Python reader takes', async () => {
    const folder = join(copy('record-jsonl'), 'monitoring');
    const store = await openStore(folder);
    const before = (await store.readHealthSnapshots()).length;
    try {
      const reports = await computeHealth(store, { every: '1d', at: START + 10.9 * DAY });
      const recorded = await recordHealth(store, reports, async () => [{ feature: 'track_temp', score: 0.31, statistic: 'psi' }]);
      assert.deepEqual(recorded, { snapshots: 2, degradations: 1 });
      assert.equal((await store.readHealthSnapshots()).length, before + 2);
      const [analysis] = await store.readDegradationAnalyses({ modelVersion: 'v1.1' });
      assert.ok(analysis);
      assert.deepEqual(analysis.top_features, [{ feature: 'track_temp', score: 0.31, statistic: 'psi' }]);
    } finally {
      await store.close();
    }
    const lines = readFileSync(join(folder, 'health_snapshots.jsonl'), 'utf8').trim().split('\n');
    const python = spawnSync('python3', ['-c', `
import json, sys
fields = ["timestamp","model_version","accuracy","precision","recall","f1_score","roc_auc","expected_calibration_error","num_predictions","prediction_accuracy_trend","degradation_detected"]
for line in sys.stdin:
    record = json.loads(line)
    assert list(record.keys()) == fields, list(record.keys())
    assert isinstance(record["timestamp"], float)
print("ok")
`], { input: lines.slice(-2).join('\n') + '\n', encoding: 'utf8' });
    assert.equal(python.stdout.trim(), 'ok', python.stderr);
  });

  it('records snapshots in the SQLite file in real transactions that sqlite3 reads back', async () => {
    const file = join(copy('record-sqlite'), 'monitoring.db');
    const store = await openStore(file);
    try {
      const reports = await computeHealth(store, { every: '1d', at: START + 10.9 * DAY });
      await recordHealth(store, reports);
    } finally {
      await store.close();
    }
    const python = spawnSync('python3', ['-c', `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT model_version, accuracy, degradation_detected, timestamp FROM health_snapshots ORDER BY id DESC LIMIT 2").fetchall()
print(sorted((r[0], r[2]) for r in rows), db.execute("SELECT count(*) FROM degradation_analysis WHERE model_version = 'v1.1' AND metric_name = 'accuracy'").fetchone()[0] >= 1, db.execute("PRAGMA integrity_check").fetchone()[0])
`, file], { encoding: 'utf8' });
    assert.equal(python.stdout.trim(), "[('v1.0', 0), ('v1.1', 1)] True ok", python.stderr);
  });

  it('records on a schedule, once at start and then every period, until stopped', async () => {
    const folder = join(copy('schedule'), 'monitoring');
    const store = await openStore(folder);
    const before = (await store.readHealthSnapshots()).length;
    // The schedule's interval timer, advanced by hand: the test waits on runs, never on the clock.
    const timer = { run: undefined as (() => void) | undefined, ms: 0, handle: Symbol('interval'), cleared: [] as unknown[] };
    const intervals = {
      setInterval: (run: () => void, ms: number) => ((timer.run = run), (timer.ms = ms), timer.handle),
      clearInterval: (handle: unknown) => void timer.cleared.push(handle),
    };
    const runs: number[] = [];
    let waiting: (() => void) | undefined;
    const nextRun = () => new Promise<void>((resolve) => (waiting = resolve));
    try {
      let at = START + 10.5 * DAY;
      const schedule = new HealthSchedule(
        store,
        150,
        { every: '1d' },
        ({ reports, error }) => {
          assert.equal(error, undefined);
          runs.push(reports.length);
          waiting?.();
        },
        () => (at += 3600),
        intervals,
      );
      const first = nextRun();
      schedule.start();
      await first;
      assert.equal(runs.length, 1, 'one run at start');
      assert.equal(timer.ms, 150, 'then one every period');
      for (let period = 2; period <= 3; period++) {
        const next = nextRun();
        timer.run?.();
        await next;
        assert.equal(runs.length, period);
      }
      await schedule.stop();
      assert.deepEqual(timer.cleared, [timer.handle], 'stopping clears the interval');
      assert.equal(runs.length, 3, 'and nothing runs after stop');
      assert.deepEqual(runs, [2, 2, 2], 'both versions each time');
      const snapshots = await store.readHealthSnapshots();
      assert.equal(snapshots.length, before + 6);
      const times = [...new Set(snapshots.slice(before).map((s) => s.timestamp))];
      assert.equal(times.length, runs.length, 'each run takes its snapshots at its own time');
    } finally {
      await store.close();
    }
  });

  it('never overlaps a run with the one before, and waits for the run in progress when stopped', async () => {
    const store = await openStore(join(copy('schedule-overlap'), 'monitoring'));
    let tick: (() => void) | undefined;
    const intervals = { setInterval: (run: () => void) => ((tick = run), 1), clearInterval: () => undefined };
    const events: string[] = [];
    let at = START + 10.5 * DAY;
    const schedule = new HealthSchedule(store, 1000, { every: '1d' }, () => void events.push(`done ${events.length}`), () => {
      events.push(`start ${events.length}`);
      return (at += 3600);
    }, intervals);
    try {
      schedule.start();
      tick?.();
      tick?.();
      await schedule.stop();
      assert.deepEqual(events, ['start 0', 'done 1', 'start 2', 'done 3', 'start 4', 'done 5']);
    } finally {
      await store.close();
    }
  });

  it('gives a version that went silent a snapshot with no predictions, so a no-traffic rule can fire', async () => {
    const store = await openStore(join(copy('silent'), 'monitoring'));
    try {
      const reports = await computeHealth(store, { every: '1d', at: START + 14.5 * DAY });
      assert.deepEqual(reports.map((r) => [r.snapshot.model_version, r.snapshot.num_predictions, r.snapshot.accuracy]), [['v1.0', 0, null], ['v1.1', 0, null]]);
      assert.ok(reports.every((r) => r.previous !== null && r.previous.count > 0 && r.degradation.status === 'insufficient'));
    } finally {
      await store.close();
    }
  });

  it('says what to do when the source has no predictions', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const store = await openStore(empty);
    try {
      await assert.rejects(computeHealth(store), (error: unknown) => isPitwallError(error) && /no predictions yet/.test(error.message));
    } finally {
      await store.close();
    }
  });
});

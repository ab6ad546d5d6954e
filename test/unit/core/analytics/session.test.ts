import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { readDataScope } from '../../../../src/core/analytics/dataScope';
import { estimateWindows, fitEstimators } from '../../../../src/core/analytics/estimateWindows';
import { AnalysisSession } from '../../../../src/core/analytics/session';
import { windowedMetrics, type WindowedMetricsOptions } from '../../../../src/core/analytics/windows';
import { openStore } from '../../../../src/core/store/openStore';
import type { Store } from '../../../../src/core/store/store';
import { countedStore } from '../../countedStore';

describe('AnalysisSession', function () {
  this.timeout(120_000);
  let dir = '';
  let store: Store | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitwall-session-'));
    await generateDataset({ outDir: dir, predictions: 3000, seed: 11 });
    store = await openStore(join(dir, 'monitoring'));
  });

  after(async () => {
    await store?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  // One after the other, as a user changes the view: each answer must equal a fresh computation,
  // whether it came from panes held since an earlier question or from the records.
  const questions: [string, WindowedMetricsOptions][] = [
    ['1h by version', { every: '1h', by: 'model_version', minLabels: 5 }],
    ['6h by version', { every: '6h', by: 'model_version', minLabels: 5 }],
    ['1d by version, every metric', { every: '1d', by: 'model_version', minLabels: 5, metrics: ['accuracy', 'roc_auc', 'brier', 'confidence_std', 'max_confidence', 'ece_mass'] }],
    ['15m by version', { every: '15m', by: 'model_version', minLabels: 1 }],
    ['1h sliding by 15m', { every: '1h', slide: '15m', by: 'model_version', minLabels: 5 }],
    ['25m sliding by 10m (5-minute panes)', { every: '25m', slide: '10m', by: 'model_version', minLabels: 5 }],
    ['7m by version (7-minute panes)', { every: '7m', by: 'model_version', minLabels: 1 }],
    ['1d sliding by 1h (hourly blocks of panes)', { every: '1d', slide: '1h', by: 'model_version', minLabels: 5 }],
    ['v1.1 only, 2h', { every: '2h', modelVersion: 'v1.1', minLabels: 5 }],
    ['by circuit, 1d', { every: '1d', by: 'feature:circuit', minLabels: 5 }],
    ['by circuit, 6h sliding by 45m', { every: '6h', slide: '45m', by: 'feature:circuit', minLabels: 5 }],
    ['by circuit, 10m (10-minute panes)', { every: '10m', by: 'feature:circuit', minLabels: 1 }],
    ['back to 1h by version', { every: '1h', by: 'model_version', minLabels: 5 }],
  ];

  it('answers every change of window, grouping, model and range exactly as computing it afresh', async () => {
    const session = new AnalysisSession(store as Store);
    const columns = await (store as Store).readPredictionColumns({ features: ['circuit'] });
    const start = Math.min(...columns.timestamp);
    // A range that cuts panes: from 2 days and 7 minutes in, for 3.5 days.
    const range = { from: start + 2 * 86400 + 420, to: start + 5.5 * 86400 };
    const asked: [string, WindowedMetricsOptions][] = [
      ...questions.slice(0, -1),
      ['1h by version, a range', { every: '1h', by: 'model_version', minLabels: 5, ...range }],
      ['6h by version, the same range', { every: '6h', by: 'model_version', minLabels: 5, ...range }],
      ...questions.slice(-1),
    ];
    for (const [name, options] of asked) {
      const held = await session.trend(options);
      assert.ok(held.length > 0, `${name}: some windows`);
      assert.deepEqual(held, windowedMetrics(columns, options), name);
    }
  });

  it('warms a trend question ahead: the answer then asked equals a fresh session\'s; pushed down, warming reads nothing', async () => {
    const session = new AnalysisSession(store as Store);
    for (const [name, options] of questions) {
      await session.warmTrend(options);
      await session.warmTrend(options);
      assert.deepEqual(await session.trend(options), windowedMetrics(await session.columns(), options), name);
    }
    const sqlite = await openStore(join(dir, 'monitoring.db'));
    try {
      const { store: counted, calls } = countedStore(sqlite);
      const pushed = new AnalysisSession(counted, { pushDown: true });
      for (const [, options] of questions) await pushed.warmTrend(options);
      assert.equal(calls.size, 0, 'a database is asked nothing ahead');
    } finally {
      await sqlite.close();
    }
  });

  it('pushed down, asks the database for every answer and never loads the predictions; the answers equal the loaded ones', async () => {
    const sqlite = await openStore(join(dir, 'monitoring.db'));
    try {
      // The same store, counting what the session asks of it.
      const { store: counted, calls } = countedStore(sqlite);
      const loads = () => calls.get('readPredictionColumns') ?? 0;
      const aggregated = () => calls.get('aggregateWindows') ?? 0;
      const session = new AnalysisSession(counted, { pushDown: true });
      assert.ok(session.pushesDown);
      const columns = await sqlite.readPredictionColumns({ features: ['circuit'] });
      for (const [name, options] of questions.filter(([, options]) => options.slide === undefined)) {
        const answer = await session.trend(options);
        const loaded = windowedMetrics(columns, options);
        assert.equal(answer.length, loaded.length, name);
        for (const [i, row] of answer.entries()) {
          for (const [key, value] of Object.entries(row)) {
            const other = (loaded[i] as unknown as Record<string, unknown>)[key];
            if (typeof value === 'number' && typeof other === 'number') assert.ok(Math.abs(value - other) <= 1e-12 * Math.max(1, Math.abs(other)), `${name}: ${key}`);
            else assert.deepEqual(value, other, `${name}: ${key}`);
          }
        }
      }
      assert.equal(loads(), 0, 'no prediction was loaded into the session');
      const asked = aggregated();
      assert.ok(asked > 0);
      await session.trend(questions[0]?.[1] as WindowedMetricsOptions);
      assert.equal(aggregated(), asked, 'an answer asked again is the one kept');
      session.invalidate();
      await session.trend(questions[0]?.[1] as WindowedMetricsOptions);
      assert.equal(aggregated(), asked + 1, 'and asked of the database again after a change');
    } finally {
      await sqlite.close();
    }
  });

  it('pushed down, sums calibration bins in the database: the same bins, ECE and MCE as over the rows', async () => {
    const sqlite = await openStore(join(dir, 'monitoring.db'));
    try {
      const { store: counted, calls } = countedStore(sqlite);
      const loads = () => calls.get('readPredictionColumns') ?? 0;
      const pushed = new AnalysisSession(counted, { pushDown: true });
      const held = new AnalysisSession(sqlite);
      const scope = await held.scope();
      const first = scope.first as number;
      for (const options of [
        { from: first, to: (scope.last as number) + 1, versions: scope.versions, bins: 10, binning: 'width' as const },
        { from: first + 86_400 + 0.5, to: first + 3 * 86_400, versions: [...scope.versions].reverse(), bins: 7, binning: 'width' as const },
        { from: first, to: first + 2 * 86_400, versions: ['v1.0', 'no-such-version'], bins: 15, binning: 'width' as const },
      ]) {
        const summed = await pushed.calibration(options);
        const rows = await held.calibration(options);
        assert.equal(summed.length, rows.length);
        for (const [i, version] of summed.entries()) {
          const other = rows[i] as (typeof rows)[number];
          assert.deepEqual([version.modelVersion, version.count, version.labelled, version.bins.map((bin) => [bin.count, bin.correct, bin.lower, bin.upper])], [other.modelVersion, other.count, other.labelled, other.bins.map((bin) => [bin.count, bin.correct, bin.lower, bin.upper])]);
          const close = (a: number | null | undefined, b: number | null | undefined) => (a === null || a === undefined ? b === a : Math.abs(a - (b as number)) <= 1e-12);
          assert.ok(close(version.ece, other.ece) && close(version.mce, other.mce), `${version.modelVersion}: ECE ${version.ece} vs ${other.ece}`);
          for (const [b, bin] of version.bins.entries()) assert.ok(close(bin.mean_confidence, other.bins[b]?.mean_confidence), `bin ${b}`);
        }
      }
      assert.equal(loads(), 0, 'equal-width bins never load predictions');
      // Equal-mass bins need the rows: only the range's are read.
      const mass = { from: first, to: first + 86_400, versions: scope.versions, bins: 5, binning: 'mass' as const };
      assert.deepEqual(await pushed.calibration(mass), await held.calibration(mass));
      assert.equal(loads(), 1);
    } finally {
      await sqlite.close();
    }
  });

  it('reads the source again after invalidate()', async () => {
    const session = new AnalysisSession(store as Store);
    const before = await session.columns();
    assert.equal(await session.columns(), before, 'the columns are held');
    session.invalidate();
    assert.notEqual(await session.columns(), before, 'and read again after a change');
  });

  it('holds the versions and time span of the predictions until invalidate(), equal to reading them', async () => {
    const session = new AnalysisSession(store as Store);
    const scope = session.scope();
    assert.equal(session.scope(), scope, 'the same answer is given again');
    assert.deepEqual(await scope, await readDataScope(store as Store));
    session.invalidate();
    assert.notEqual(session.scope(), scope, 'and read again after a change');
  });

  it('estimates windows again over the same columns (fits held) exactly as over a fresh copy of them', async () => {
    const columns = await (store as Store).readPredictionColumns({});
    const start = Math.min(...columns.timestamp);
    const asked = [
      { every: 3600, from: start + 86400, to: start + 5 * 86400 },
      { every: 21_600, from: start + 86400, to: start + 5 * 86400 },
      { every: 86_400 },
      { every: 3600, from: start + 2 * 86400, to: start + 3 * 86400, modelVersion: 'v1.1' },
      { every: 21_600, reference: { from: start, to: start + 86400 } },
    ];
    for (const options of asked) {
      const held = estimateWindows(columns, options);
      // A copy is other columns: nothing fitted on the first is used for it.
      const fresh = estimateWindows({ ...columns }, options);
      assert.ok(held.windows.length > 0);
      assert.deepEqual(held, fresh, JSON.stringify(options));
      assert.deepEqual(estimateWindows(columns, options), held, 'asked again');
      // Asked for some windows only: exactly those windows of the whole report.
      const some = (version: string, start: number) => version === 'v1.1' || Math.floor(start / 3600) % 3 === 0;
      const only = estimateWindows(columns, { ...options, windows: some });
      assert.deepEqual(only.windows, held.windows.filter((window) => some(window.model_version, window.window_start)), 'only the windows asked for');
    }
  });

  it('estimates over columns whose fits were warmed ahead exactly as over a fresh copy (the warm-up fits what the estimate would)', async () => {
    const columns = await (store as Store).readPredictionColumns({});
    const start = Math.min(...columns.timestamp);
    const reference = { from: start, to: start + 86400 };
    fitEstimators(columns);
    fitEstimators(columns, { reference });
    for (const options of [{ every: 3600 }, { every: 21_600, from: start + 86400 }, { every: 3600, reference }, { every: 86_400, modelVersion: 'v1.0' }]) {
      const warmed = estimateWindows(columns, options);
      assert.ok(warmed.windows.length > 0, 'windows are estimated');
      assert.deepEqual(warmed, estimateWindows({ ...columns }, options), JSON.stringify(options));
    }
    // Columns without a prediction: nothing to fit, nothing thrown.
    fitEstimators({ ...columns, length: 0 });
  });
});

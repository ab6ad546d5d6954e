import * as assert from 'node:assert/strict';
import { pathQuerySource } from '../../../../src/core/query/pathSource';
import type { QuerySource } from '../../../../src/core/query/run';
import { buildReport, readReportData, type ReportData, type ReportOptions } from '../../../../src/core/report/monitoringReport';
import { openStore } from '../../../../src/core/store/openStore';
import type { PredictionColumnsQuery, PredictionQuery, Store } from '../../../../src/core/store/store';
import { startPostgresFixture, type PostgresFixture } from '../store/postgres/support';
import { assertSameMarkup } from './sameMarkup';
import { assertClose } from '../../assertClose';

const NOW = Date.UTC(2026, 10, 1) / 1000;

/** The store, recording what each read of predictions asked for. */
function recordedStore(store: Store): { store: Store; columnReads: PredictionColumnsQuery[]; rowReads: PredictionQuery[]; aggregates: number } {
  const record = { columnReads: [] as PredictionColumnsQuery[], rowReads: [] as PredictionQuery[], aggregates: 0 };
  const recorded = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (property === 'readPredictionColumns') record.columnReads.push((args[0] ?? {}) as PredictionColumnsQuery);
        if (property === 'readPredictions') record.rowReads.push((args[0] ?? {}) as PredictionQuery);
        if (property === 'aggregateWindows') record.aggregates++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store: recorded,
    get columnReads() {
      return record.columnReads;
    },
    get rowReads() {
      return record.rowReads;
    },
    get aggregates() {
      return record.aggregates;
    },
  };
}

function section(html: string, id: string): string {
  const match = new RegExp(`<section id="${id}">[\\s\\S]*?</section>`).exec(html);
  assert.ok(match !== null, `a ${id} section`);
  return match[0];
}

describe('the monitoring report of a PostgreSQL source: summed on the server, the SQLite file\'s numbers, no prediction loaded', function () {
  this.timeout(240_000);
  let fixture: PostgresFixture;
  let store: Store;
  let refusedUrl: string;

  before(async () => {
    fixture = await startPostgresFixture(3000, 5);
    // Clones first: a session on the template would stop them.
    refusedUrl = fixture.clone('refused');
    store = await openStore(fixture.clone('report'), { followChanges: false, readOnly: 'A report only reads.' });
  });
  after(async () => {
    await store?.close();
    fixture?.close();
  });

  /** The report of the server (through a recording store) and of the SQLite file, with the same options. */
  async function bothReports(options: Omit<ReportOptions, 'sourceName' | 'now' | 'pitwallVersion'>) {
    const recorded = recordedStore(store);
    const server: QuerySource = { scanColumns: () => Promise.resolve(undefined), withStore: (use) => use(recorded.store) };
    const common = { sourceName: 'demo', now: NOW, pitwallVersion: '9.9.9', ...options };
    const onServer = await buildReport(server, common);
    const onFile = await buildReport(pathQuerySource(fixture.sqlite), common);
    return { onServer, onFile, recorded };
  }

  /** No prediction was loaded (drift is counted on the server too); rows were read only as small samples (feature names, the span). */
  function assertNoPredictionsLoaded(recorded: ReturnType<typeof recordedStore>): void {
    assert.ok(recorded.aggregates >= 2, 'the server summed');
    assert.deepEqual(recorded.columnReads, [], 'no prediction columns read');
    for (const read of recorded.rowReads) assert.ok(read.limit !== undefined && read.limit <= 1000, `a row read without a small limit: ${JSON.stringify(read)}`);
  }

  function assertSameAnalyses(server: ReportData, file: ReportData): void {
    assert.deepEqual(server.range, file.range);
    assert.deepEqual(server.versions, file.versions);
    assert.ok(server.versions.length > 0);
    assertClose(server.summary, file.summary, 'summary');
    assertClose(server.trend, file.trend, 'trend');
    assertClose(server.calibration, file.calibration, 'calibration');
    assertClose(server.drift, file.drift, 'drift');
    assert.deepEqual(server.openAlerts.total, file.openAlerts.total);
  }

  it('gives the SQLite file\'s summary (every metric, per version and for all), trend, calibration and drift, loading no prediction', async () => {
    const { onServer, onFile, recorded } = await bothReports({});
    assertSameAnalyses(onServer.data, onFile.data);
    assert.deepEqual(onServer.data.summary.map((s) => s.modelVersion), [null, ...onServer.data.versions]);
    // Every metric of the summary is there, not left null on the server.
    for (const { metrics } of onServer.data.summary) {
      for (const name of ['accuracy', 'f1', 'roc_auc', 'average_precision', 'log_loss', 'brier', 'ece', 'confidence_std'] as const) assert.equal(typeof metrics[name], 'number', name);
    }
    assertNoPredictionsLoaded(recorded);
    for (const id of ['summary', 'alerts', 'trend', 'calibration', 'drift']) assertSameMarkup(section(onServer.html, id), section(onFile.html, id), `the ${id} section`);
  });

  it('leaves the label-free estimates out with a note saying why, and the page stays self-contained', async () => {
    const { onServer, onFile } = await bothReports({});
    assert.equal(onServer.data.estimates, null);
    assert.notEqual(onFile.data.estimates, null, 'the file has them');
    const estimates = section(onServer.html, 'estimates');
    assert.match(estimates, /<p class="note">Label-free estimates \(CBPE\) are left out of this report: they need every prediction&#39;s confidence, which stays on the database server\./);
    assert.doesNotMatch(estimates, /<svg|<table/);
    // Three charts: trend, calibration, drift.
    assert.equal((onServer.html.match(/<svg\b/g) ?? []).length, 3);
    assert.doesNotMatch(onServer.html, /<script|https?:/);
  });

  it('covers a range and one model version as the SQLite file does', async () => {
    const file = await readReportData(pathQuerySource(fixture.sqlite), { sourceName: 'x', now: NOW, pitwallVersion: '1' });
    const range = file.range as { from: number; to: number };
    const from = range.from + (range.to - range.from) / 4;
    const to = range.to - (range.to - range.from) / 5;
    const version = file.versions.at(-1) as string;
    const { onServer, onFile, recorded } = await bothReports({ from, to, modelVersion: version });
    assertSameAnalyses(onServer.data, onFile.data);
    assert.deepEqual(onServer.data.versions, [version]);
    assert.deepEqual(onServer.data.summary.map((s) => s.modelVersion), [version]);
    assertNoPredictionsLoaded(recorded);
  });

  it('says "no predictions" for a range after the data, and names an unknown version as the file does', async () => {
    const { onServer, onFile, recorded } = await bothReports({ from: Date.UTC(2031, 0, 1) / 1000 });
    assert.equal(onServer.data.versions.length, 0);
    assert.deepEqual(onServer.data.range, onFile.data.range);
    assert.equal(recorded.columnReads.length, 0, 'nothing to read');
    for (const id of ['summary', 'trend', 'calibration', 'drift', 'estimates']) assert.equal(section(onServer.html, id), section(onFile.html, id), `the ${id} section`);
    const server: QuerySource = { scanColumns: () => Promise.resolve(undefined), withStore: (use) => use(store) };
    await assert.rejects(readReportData(server, { sourceName: 'x', now: NOW, pitwallVersion: '1', modelVersion: 'v9' }), /No model version "v9" in this source: it has v1\.0, v1\.1\./);
  });
  it('reads the range\'s predictions when the server leaves a row to the record schema (a confidence of 1.5), and leaves that row out as the file path does', async () => {
    fixture.cluster.psql(
      'refused',
      `INSERT INTO predictions ("timestamp", model_version, prediction_id, predicted_outcome, confidence, actual_outcome, features)
         SELECT "timestamp", model_version, 'bad-confidence', 1, 1.5, 1, features FROM predictions ORDER BY id LIMIT 1 OFFSET 100`,
    );
    const refusing = await openStore(refusedUrl, { followChanges: false });
    try {
      const recorded = recordedStore(refusing);
      const server: QuerySource = { scanColumns: () => Promise.resolve(undefined), withStore: (use) => use(recorded.store) };
      const options = { sourceName: 'demo', now: NOW, pitwallVersion: '9.9.9' };
      const onServer = await readReportData(server, options);
      const onFile = await readReportData(pathQuerySource(fixture.sqlite), options);
      assertSameAnalyses(onServer, onFile);
      const range = onServer.range as { from: number; to: number };
      assert.ok(recorded.columnReads.some((read) => read.from === range.from && read.to === range.to), 'the range was read');
      // Read, the estimates are there as for any source.
      assertClose(onServer.estimates, onFile.estimates, 'estimates');
    } finally {
      await refusing.close();
    }
  });
});

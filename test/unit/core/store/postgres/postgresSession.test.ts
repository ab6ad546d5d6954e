/**
 * The editor's chart panels on a PostgreSQL source ask an analysis session that pushes down:
 * on a real server, the trend and the calibration come from the server's sums (no prediction is
 * loaded into the extension host) and equal what the SQLite file of the same data answers.
 */
import * as assert from 'node:assert/strict';
import { AnalysisSession } from '../../../../../src/core/analytics/session';
import { openStore } from '../../../../../src/core/store/openStore';
import type { Store } from '../../../../../src/core/store/store';
import { countedStore } from '../../../countedStore';
import { startPostgresFixture, type PostgresFixture } from './support';

function close(a: unknown, b: unknown, path: string): void {
  if (typeof a === 'number' && typeof b === 'number') assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${path}: ${a} vs ${b}`);
  else if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object') for (const key of Object.keys(b)) close((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
  else assert.deepEqual(a, b, path);
}

describe('analysis sessions on a real PostgreSQL server (the chart panels\' questions)', function () {
  this.timeout(120_000);
  let fixture: PostgresFixture;
  let pg: Store;
  let sqlite: Store;

  before(async () => {
    fixture = await startPostgresFixture(4000, 17);
    pg = await openStore(fixture.base);
    sqlite = await openStore(fixture.sqlite);
  });
  after(async () => {
    await pg?.close();
    await sqlite?.close();
    fixture?.close();
  });

  it('answers trends and calibration from the server\'s sums as the SQLite file does, loading no prediction', async () => {
    const { store: counted, calls } = countedStore(pg);
    const loads = () => calls.get('readPredictionColumns') ?? 0;
    const server = new AnalysisSession(counted, { pushDown: true });
    const file = new AnalysisSession(sqlite);
    assert.ok(server.pushesDown);
    const scope = await file.scope();
    assert.deepEqual(await server.scope(), scope);
    const first = scope.first as number;
    for (const options of [
      { every: '1h', by: 'model_version' as const, metrics: ['accuracy', 'ece'], minLabels: 5 },
      { every: '6h', by: 'model_version' as const, from: first + 86_400, to: first + 4 * 86_400, metrics: ['accuracy'], minLabels: 5 },
      { every: '1d', by: 'model_version' as const, metrics: ['f1', 'avg_confidence'], minLabels: 5 },
    ]) {
      const answer = await server.trend(options);
      const expected = await file.trend(options);
      assert.equal(answer.length, expected.length);
      close(answer, expected, JSON.stringify(options));
    }
    for (const options of [
      { from: first, to: (scope.last as number) + 1, versions: scope.versions, bins: 10, binning: 'width' as const },
      { from: first + 86_400 + 0.25, to: first + 3 * 86_400, versions: scope.versions, bins: 7, binning: 'width' as const },
    ]) close(await server.calibration(options), await file.calibration(options), `calibration ${options.bins}`);
    assert.equal(loads(), 0, 'no prediction came into this process');
    // Drift reads only its ranges' rows.
    const range = { from: first + 86_400, to: first + 2 * 86_400 };
    const columns = await server.columnsIn(range, ['circuit']);
    assert.equal(loads(), 1);
    assert.equal(columns.length, await pg.countPredictions(range));
  });
});

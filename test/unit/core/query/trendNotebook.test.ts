/**
 * Open in Notebook from the trend panel: the chart on screen as PQL. Every query runs on real
 * generated data (both stores), and the trend cell answers the very windows the panel drew.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { readDataScope } from '../../../../src/core/analytics/dataScope';
import { AnalysisSession } from '../../../../src/core/analytics/session';
import { runNotebook } from '../../../../src/core/query/notebookRun';
import { parseQuery } from '../../../../src/core/query/parser';
import { pathNotebookSource } from '../../../../src/core/query/pathSource';
import { pqlDuration, trendNotebook } from '../../../../src/core/query/trendNotebook';
import { openStore } from '../../../../src/core/store/openStore';

describe('the notebook of a trend panel', function () {
  this.timeout(120_000);
  let dir = '';
  let paths: { sqlite: string; jsonl: string };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitwall-trend-notebook-'));
    const generated = await generateDataset({ outDir: dir, predictions: 4000, seed: 5 });
    paths = { sqlite: generated.databasePath as string, jsonl: generated.jsonlDir as string };
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('writes durations in their largest whole unit', () => {
    assert.deepEqual([86_400, 21_600, 3600, 5400, 900, 45].map(pqlDuration), ['1d', '6h', '1h', '90m', '15m', '45s']);
  });

  it('names the versions only when some are left out, and every query parses', () => {
    const base = { metric: 'accuracy', allVersions: ['v1.0', 'v1.1'], every: 21_600, slide: 3600, from: 1_790_812_800, to: 1_791_417_600, minLabels: 30 };
    const some = trendNotebook({ ...base, versions: ['v1.1'] });
    const all = trendNotebook({ ...base, versions: ['v1.1', 'v1.0'], source: '/data/monitoring.db' });
    const two = trendNotebook({ ...base, allVersions: ['v1.0', 'v1.1', 'v2.0'], versions: ['v1.0', 'v2.0'] });
    assert.match(some.cells[1]?.text ?? '', /^predictions \| where model_version == "v1\.1" and timestamp in 2026-10-01T00:00:00Z\.\.2026-10-08T00:00:00Z \| window 6h slide 1h \| by model_version \| metrics accuracy min_labels=30 \| chart line$/);
    assert.doesNotMatch(all.cells[1]?.text ?? '', /model_version ==|group in/);
    assert.match(two.cells[1]?.text ?? '', /metrics accuracy min_labels=30 \| where group in \("v1\.0", "v2\.0"\) \| chart line$/);
    assert.equal(two.cells.filter((cell) => cell.text.includes('calibration')).length, 2, 'a calibration per version drawn');
    assert.equal(all.metadata.source, '/data/monitoring.db');
    for (const cell of [...some.cells, ...all.cells, ...two.cells].filter((c) => c.kind === 'pql')) assert.deepEqual(parseQuery(cell.text).errors, [], cell.text);
  });

  for (const kind of ['sqlite', 'jsonl'] as const) {
    it(`runs every cell, its trend the panel's windows (${kind})`, async () => {
      const path = paths[kind];
      const store = await openStore(path);
      try {
        const scope = await readDataScope(store);
        assert.ok(scope.first !== null && scope.last !== null);
        const to = Math.ceil(scope.last / 3600) * 3600;
        const drill = { metric: 'accuracy', versions: ['v1.1'], allVersions: scope.versions, every: 21_600, slide: 21_600, from: to - 7 * 86_400, to, minLabels: 30 };
        const run = await runNotebook(trendNotebook(drill), pathNotebookSource(path), { now: to });
        assert.equal(run.failed, undefined, run.failed?.errors.join('\n'));
        const [trend] = run.cells.filter((cell) => cell.kind === 'pql').map((cell) => cell.results[0]);
        // The panel's own computation (its session, the same options), the version it drew.
        const panel = (await new AnalysisSession(store).trend({ every: drill.every, slide: drill.slide, from: drill.from, to: drill.to, by: 'model_version', metrics: ['accuracy'], minLabels: 30 })).filter((row) => row.group === 'v1.1');
        assert.ok(panel.length > 0);
        assert.deepEqual(
          trend?.rows.map((row) => [row.window_start, row.accuracy]),
          panel.map((row) => [row.window_start, row.accuracy]),
        );
      } finally {
        await store.close();
      }
    });
  }
});

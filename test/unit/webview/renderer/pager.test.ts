import * as assert from 'node:assert/strict';
import type { NotebookResultOutput } from '../../../../src/shared/notebookOutput';
import { footerOf, formatDuration, readHostMessage, readOutput, urlsIn } from '../../../../webview/renderer/output';
import { ResultPager } from '../../../../webview/renderer/pager';

/** A windows result of `total` rows (accuracy falling with the hour, every seventh one without labels); `shown` of them in the output. */
function output(total: number, shown: number, resultId: string | null): NotebookResultOutput {
  const rows = Array.from({ length: total }, (_, i) => ({ window_start: 1790812800 + i * 3600, count: 10 + (i % 5), accuracy: i % 7 === 0 ? null : 1 - i / (2 * total) }));
  return {
    version: 1,
    resultId,
    kind: 'windows',
    columns: [
      { name: 'window_start', type: 'time' },
      { name: 'count', type: 'number' },
      { name: 'accuracy', type: 'number' },
    ],
    rows: rows.slice(0, shown),
    offset: 0,
    totalRows: total,
    chart: null,
    source: 'data/monitoring',
    durationMs: 42,
  };
}

describe('the notebook renderer pager: pages, orders and copies, here or from the host', () => {
  it('pages, sorts and copies a result whose rows are all in the output without asking the host', () => {
    const result = output(450, 450, null);
    const pager = new ResultPager(result, true, 200);
    assert.equal(pager.complete, true);
    assert.deepEqual([pager.offset, pager.rows.length, pager.totalRows, pager.hasNext], [0, 200, 450, true]);
    assert.equal(pager.next(), null, 'no host request');
    assert.deepEqual([pager.offset, pager.rows[0]?.window_start], [200, 1790812800 + 200 * 3600]);
    assert.equal(pager.next(), null);
    assert.deepEqual([pager.offset, pager.rows.length, pager.hasNext], [400, 50, false]);
    assert.equal(pager.sortBy('accuracy'), null);
    assert.equal(pager.offset, 0, 'a new order starts on the first page');
    assert.equal(pager.rows[0]?.accuracy, Math.min(...result.rows.map((row) => row.accuracy as number | null).filter((v): v is number => v !== null)));
    const copy = pager.copy();
    assert.equal(copy.kind, 'local');
    if (copy.kind !== 'local') return;
    const lines = copy.csv.trimEnd().split('\r\n');
    assert.equal(copy.rows, 450);
    assert.equal(lines.length, 451, 'every row, not the page');
    assert.equal(lines[0], 'window_start,count,accuracy');
    // In the order shown: ascending accuracy, the windows without one at the end.
    assert.ok(lines.at(-1)?.endsWith(','));
    pager.sortBy('accuracy');
    assert.deepEqual(pager.sort, { column: 'accuracy', descending: true });
    pager.sortBy('accuracy');
    assert.equal(pager.sort, null);
    assert.equal(pager.rows[0], result.rows[0], 'the third click restores the result’s own order');
  });

  it('asks the host for the pages and orders of a larger result, and takes only the answer it waits for', () => {
    const pager = new ResultPager(output(1000, 200, 'r1'), true, 200);
    assert.equal(pager.complete, false);
    assert.equal(pager.notice, null);
    const ask = pager.next();
    assert.deepEqual(ask, { type: 'page', resultId: 'r1', offset: 200, limit: 200 });
    assert.equal(pager.state, 'loading');
    assert.equal(pager.offset, 0, 'what is shown stays until the answer');
    const page = (offset: number, resultId = 'r1') => ({ type: 'page' as const, resultId, offset, totalRows: 1000, rows: [{ window_start: offset, count: 1, accuracy: 0.5 }] });
    assert.equal(pager.receive(page(200, 'other')), false, 'another result’s page');
    assert.equal(pager.receive(page(400)), false, 'a page nobody asked for');
    assert.equal(pager.receive(page(200)), true);
    assert.deepEqual([pager.state, pager.offset, pager.rows.length, pager.hasPrevious], ['ready', 200, 1, true]);

    assert.deepEqual(pager.sortBy('accuracy'), { type: 'page', resultId: 'r1', offset: 0, limit: 200, sort: { column: 'accuracy', descending: false } });
    assert.equal(pager.sort, null, 'the order changes with the answer');
    pager.receive(page(0));
    assert.deepEqual(pager.sort, { column: 'accuracy', descending: false });
    assert.deepEqual(pager.copy(), { kind: 'host', message: { type: 'copyCsv', resultId: 'r1', sort: { column: 'accuracy', descending: false } } });
    assert.equal(pager.receive({ type: 'copied', resultId: 'r1', rows: 1000 }), true);
    assert.deepEqual(pager.notice, { text: 'Copied 1,000 rows as CSV.', done: true });
  });

  it('keeps what it shows and says so when the host no longer holds the result', () => {
    const pager = new ResultPager(output(1000, 200, 'r2'), true, 200);
    pager.next();
    assert.equal(pager.receive({ type: 'expired', resultId: 'r2' }), true);
    assert.equal(pager.expired, true);
    assert.equal(pager.state, 'ready');
    assert.deepEqual([pager.offset, pager.rows.length], [0, 200]);
    assert.match(pager.notice?.text ?? '', /^Pitwall no longer holds this result .* run the cell again to page, sort or copy all 1,000 rows\. Still showing rows 1–200\.$/);
    assert.equal(pager.next(), null, 'nothing more is asked');
    assert.equal(pager.sortBy('count'), null);
    assert.equal(pager.sort, null);
    assert.deepEqual(pager.copy(), { kind: 'refused' });
  });

  it('says plainly when there is no messaging, and when the host does not answer', () => {
    const alone = new ResultPager(output(1000, 200, 'r3'), false, 200);
    assert.match(alone.notice?.text ?? '', /cannot reach Pitwall .* the other 800 rows cannot be fetched, sorted or copied: it shows the first 200 of 1,000\./);
    assert.equal(alone.next(), null);
    assert.equal(alone.reachable, false);
    assert.deepEqual(alone.copy(), { kind: 'refused' });

    const silent = new ResultPager(output(1000, 200, 'r4'), true, 200);
    assert.equal(silent.noAnswer(), false, 'nothing waiting');
    silent.next();
    assert.equal(silent.noAnswer(), true);
    assert.deepEqual([silent.state, silent.offset, silent.rows.length], ['ready', 0, 200]);
    assert.equal(silent.notice?.text, 'Pitwall did not answer the request for rows in time. Still showing rows 1–200 of 1,000.');
    assert.equal(silent.receive({ type: 'page', resultId: 'r4', offset: 200, totalRows: 1000, rows: [] }), false, 'a late answer to a request given up');
  });
});

describe('the notebook renderer output and host messages', () => {
  it('takes an output of the contract and names the field of one that is not', () => {
    const good = output(3, 3, null);
    assert.deepEqual(readOutput(good), { output: good });
    const problem = (value: unknown) => ('problem' in readOutput(value) ? (readOutput(value) as { problem: string }).problem : null);
    assert.match(problem({ ...good, version: 2 }) ?? '', /format version is 2/);
    assert.match(problem({ ...good, columns: [{ name: 'x', type: 'date' }] }) ?? '', /column 1 needs a "name" and a "type"/);
    assert.match(problem({ ...good, totalRows: 2 }) ?? '', /"totalRows"/);
    assert.match(problem({ ...good, rows: [1, 2] }) ?? '', /"rows"/);
    assert.match(problem({ ...good, chart: { kind: 'line' } }) ?? '', /"chart"/);
    assert.match(problem({ ...good, sql: 5 }) ?? '', /"sql"/);
    assert.match(problem([]) ?? '', /not a JSON object/);
  });

  it('takes host messages of the contract and ignores anything else', () => {
    assert.deepEqual(readHostMessage({ type: 'expired', resultId: 'a' }), { type: 'expired', resultId: 'a' });
    assert.deepEqual(readHostMessage({ type: 'copied', resultId: 'a', rows: 3 }), { type: 'copied', resultId: 'a', rows: 3 });
    assert.equal(readHostMessage({ type: 'page', resultId: 'a', offset: 0, totalRows: 3, rows: 'x' }), null);
    assert.equal(readHostMessage({ type: 'other', resultId: 'a' }), null);
    assert.equal(readHostMessage('page'), null);
  });

  it('finds every URL a chart spec names, at any depth, but not a url column of its inline rows', () => {
    const spec = {
      data: { values: [{ url: 'https://example.invalid/a row' }] },
      datasets: { rows: [{ url: 'https://example.invalid/another row' }] },
      layer: [{ data: { url: 'https://example.invalid/a.json' } }, { mark: { type: 'image', url: 'data:image/png;base64,AA' } }],
    };
    assert.deepEqual(urlsIn(spec), ['https://example.invalid/a.json', 'data:image/png;base64,AA']);
    assert.deepEqual(urlsIn({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', data: { values: [{ a: 1 }] }, mark: 'bar' }), []);
  });

  it('writes the footer: source, duration and how the result was computed', () => {
    assert.equal(footerOf({ ...output(1, 1, null), path: 'pushdown', durationMs: 2400 }), 'data/monitoring · 2.4 s · computed in the database (pushdown)');
    assert.equal(footerOf(output(1, 1, null)), 'data/monitoring · 42 ms');
    assert.equal(formatDuration(65_000), '1 min 5 s');
  });
});

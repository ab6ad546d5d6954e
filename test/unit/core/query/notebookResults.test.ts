/**
 * The host's side of a notebook output: pages and sort orders of a kept result, CSV of all its
 * rows, results gone when their cell reruns or their notebook closes or the row budget is spent
 * (and a request for them answered as expired), the output's first page with "of M" totals, the
 * plain-text table, and the cell status bar's words.
 */
import assert from 'node:assert/strict';
import { PAGE_SIZE } from '../../../../src/shared/notebookOutput';
import { cellStatusText, formatDuration, needsPaging, plainTable, resultOutput } from '../../../../src/core/query/cellOutput';
import { answerRendererMessage, NotebookResults, RESULT_ID_PREFIX, sorted, toCsv } from '../../../../src/core/query/notebookResults';
import type { QueryResult } from '../../../../src/core/query/run';

const columns = [
  { name: 'id', type: 'number' as const },
  { name: 'name', type: 'string' as const },
];
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, name: `row ${n - i}` }));

function result(n: number, kind: QueryResult['kind'] = 'sql'): QueryResult {
  return { kind, columns, rows: rows(n), chart: null, span: { start: 0, end: 1 } };
}

describe('notebook results kept by the host', () => {
  it('answers pages in the order asked, clamped to the rows there are', () => {
    const results = new NotebookResults();
    const id = results.add('nb', 'c1', result(450));
    assert.deepEqual(results.page(id, 200, 3)?.rows.map((r) => r.id), [200, 201, 202]);
    assert.equal(results.page(id, 440, 200)?.rows.length, 10);
    assert.equal(results.page(id, 9_999, 10)?.offset, 450);
    assert.equal(results.page(id, 0, 1)?.totalRows, 450);
    assert.deepEqual(results.page(id, 0, 2, { column: 'id', descending: true })?.rows.map((r) => r.id), [449, 448]);
    // Text sorts as text: "row 1" < "row 10" < "row 100" …
    assert.deepEqual(results.page(id, 0, 3, { column: 'name', descending: false })?.rows.map((r) => r.name), ['row 1', 'row 10', 'row 100']);
  });

  it('sorts nulls last either way and keeps ties in their order', () => {
    const data = [{ v: 2, k: 'a' }, { v: null, k: 'b' }, { v: 1, k: 'c' }, { v: 2, k: 'd' }];
    assert.deepEqual(sorted(data, { column: 'v', descending: false }).map((r) => r.k), ['c', 'a', 'd', 'b']);
    assert.deepEqual(sorted(data, { column: 'v', descending: true }).map((r) => r.k), ['a', 'd', 'c', 'b']);
  });

  it('copies every row as CSV, quoting what needs it', () => {
    const results = new NotebookResults();
    const id = results.add('nb', 'c1', { columns, rows: [{ id: 1, name: 'plain' }, { id: 2, name: 'a "quoted", text\nline' }, { id: null, name: { nested: true } }] });
    const csv = results.csv(id, { column: 'id', descending: true });
    assert.equal(csv?.rows, 3);
    assert.equal(csv?.text, 'id,name\r\n2,"a ""quoted"", text\nline"\r\n1,plain\r\n,"{""nested"":true}"\r\n');
    assert.equal(toCsv(columns, []), 'id,name\r\n');
  });

  it('drops a cell’s results when it runs again and a notebook’s when it closes; a gone result is undefined', () => {
    const results = new NotebookResults();
    const a = results.add('nb1', 'c1', result(300));
    const b = results.add('nb1', 'c2', result(300));
    const c = results.add('nb2', 'c1', result(300));
    results.dropCell('nb1', 'c1');
    assert.equal(results.page(a, 0, 10), undefined);
    assert.equal(results.csv(a), undefined);
    assert.ok(results.has(b) && results.has(c));
    results.dropNotebook('nb1');
    assert.equal(results.has(b), false);
    assert.ok(results.has(c));
    assert.equal(results.size, 1);
  });

  it('stays within its row budget by dropping the oldest results, never the newest', () => {
    const results = new NotebookResults(1_000);
    const first = results.add('nb', 'c1', result(400));
    const second = results.add('nb', 'c2', result(400));
    const third = results.add('nb', 'c3', result(400));
    assert.equal(results.has(first), false);
    assert.ok(results.has(second) && results.has(third));
    const huge = results.add('nb', 'c4', result(5_000));
    assert.ok(results.has(huge), 'a result larger than the budget is still kept, alone');
    assert.equal(results.size, 1);
  });
});

describe('the host’s answers to the renderer', () => {
  it('answers a page (at most PAGE_SIZE rows), a copy with the CSV for the clipboard, and expired once the cell reran', () => {
    const results = new NotebookResults();
    const id = results.add('nb', 'c1', result(PAGE_SIZE * 3));
    const page = answerRendererMessage(results, { type: 'page', resultId: id, offset: 10, limit: 10_000, sort: { column: 'id', descending: true } });
    assert.equal(page?.reply.type, 'page');
    assert.ok(page?.reply.type === 'page');
    assert.equal(page.reply.rows.length, PAGE_SIZE);
    assert.equal(page.reply.rows[0]?.id, PAGE_SIZE * 3 - 11);
    assert.equal(page.reply.totalRows, PAGE_SIZE * 3);
    const copy = answerRendererMessage(results, { type: 'copyCsv', resultId: id });
    assert.deepEqual(copy?.reply, { type: 'copied', resultId: id, rows: PAGE_SIZE * 3 });
    assert.equal(copy?.clipboard?.split('\r\n').length, PAGE_SIZE * 3 + 2);
    results.dropCell('nb', 'c1');
    assert.deepEqual(answerRendererMessage(results, { type: 'page', resultId: id, offset: 0, limit: 5 })?.reply, { type: 'expired', resultId: id });
    assert.deepEqual(answerRendererMessage(results, { type: 'copyCsv', resultId: id })?.reply, { type: 'expired', resultId: id });
  });

  it('ignores what is not a message of the contract, and results the kernel never issues', () => {
    const results = new NotebookResults();
    const id = results.add('nb', 'c1', result(PAGE_SIZE + 1));
    for (const bad of [null, 'page', { type: 'page' }, { type: 'page', resultId: id, offset: -1, limit: 5 }, { type: 'delete', resultId: id }, { type: 'page', resultId: 'hourly', offset: 0, limit: 5 }]) assert.equal(answerRendererMessage(results, bad), undefined);
  });

  it('answers expired for a result of another session (a saved output, a window reloaded), never with this session’s rows', () => {
    const before = new NotebookResults();
    const saved = before.add('nb', 'c1', result(PAGE_SIZE + 1));
    const now = new NotebookResults();
    const mine = now.add('nb', 'c1', result(PAGE_SIZE + 1));
    assert.notEqual(saved, mine);
    assert.ok(saved.startsWith(RESULT_ID_PREFIX) && mine.startsWith(RESULT_ID_PREFIX));
    assert.deepEqual(answerRendererMessage(now, { type: 'page', resultId: saved, offset: 0, limit: 5 })?.reply, { type: 'expired', resultId: saved });
    assert.equal(answerRendererMessage(now, { type: 'page', resultId: mine, offset: 0, limit: 5 })?.reply.type, 'page');
  });
});

describe('a notebook cell’s output', () => {
  it('holds the first page and says how many rows there are in all', () => {
    const big = result(PAGE_SIZE + 50);
    assert.ok(needsPaging(big));
    assert.equal(needsPaging(result(PAGE_SIZE)), false);
    const output = resultOutput({ ...big, sql: 'select 1', path: 'pushdown' }, { resultId: 'r7', chart: null, source: 'monitoring.db', durationMs: 12.6 });
    assert.equal(output.rows.length, PAGE_SIZE);
    assert.equal(output.totalRows, PAGE_SIZE + 50);
    assert.equal(output.resultId, 'r7');
    assert.equal(output.sql, 'select 1');
    assert.equal(output.path, 'pushdown');
    assert.equal(output.durationMs, 13);
    assert.deepEqual(output.columns, columns);
  });

  it('shows a short text table that never passes for the whole result', () => {
    const text = plainTable(result(25));
    const lines = text.split('\n');
    assert.equal(lines[0], 'id  name');
    assert.equal(lines.length, 2 + 20 + 1);
    assert.equal(lines.at(-1), '20 of 25 rows');
    assert.equal(plainTable(result(1)).split('\n').at(-1), '1 row');
    assert.equal(plainTable(result(0, 'alerts')), 'No rows (alerts).');
    const timed = plainTable({ kind: 'windows', columns: [{ name: 'window_start', type: 'time' }, { name: 'accuracy', type: 'number' }], rows: [{ window_start: 1_790_812_800, accuracy: 0.83333 }, { window_start: 1_790_816_400, accuracy: null }], chart: null, span: { start: 0, end: 0 } });
    assert.match(timed, /2026-10-01 00:00Z\s+0\.8333/);
    assert.match(timed, /2026-10-01 01:00Z\s+—/);
  });

  it('gives the status bar rows, windows, duration and source', () => {
    const windows = { kind: 'windows' as const, rows: [{ window_start: 0, group: 'v1' }, { window_start: 0, group: 'v2' }, { window_start: 3600, group: 'v1' }] };
    assert.deepEqual(cellStatusText({ results: [windows], durationMs: 1530, source: 'monitoring.db' }), { rows: '3 rows · 2 windows', duration: '1.5 s', source: 'monitoring.db' });
    assert.deepEqual(cellStatusText({ results: [{ kind: 'sql', rows: [{}] }], durationMs: 4, source: 'monitoring' }), { rows: '1 row', duration: '4 ms', source: 'monitoring' });
    assert.equal(formatDuration(125_000), '2 min 5 s');
  });
});

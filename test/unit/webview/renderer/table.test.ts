import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import type { WindowMetricsRow } from '../../../../src/core/analytics/windows';
import { toWindowsCsv } from '../../../../src/core/charts/chartData';
import { runQuery, type QueryResult, type QuerySource } from '../../../../src/core/query/run';
import { openStore } from '../../../../src/core/store/openStore';
import { compareCells, formatCell, formatNumber, formatTime, isFraction, nextSort, rowsLabel, sortRows, toCsv } from '../../../../webview/renderer/table';

const NOW = Date.UTC(2026, 10, 1) / 1000;

/** Runs one PQL statement on a source through its store, as the notebook kernel does. */
async function query(source: string, text: string): Promise<QueryResult> {
  const store = await openStore(source);
  try {
    const through: QuerySource = { scanColumns: () => Promise.resolve(undefined), withStore: (use) => use(store) };
    const outcome = await runQuery(text, through, { now: NOW });
    assert.deepEqual(outcome.errors, []);
    return outcome.results[0] as QueryResult;
  } finally {
    await store.close();
  }
}

describe('the notebook renderer table: cells, sorting, CSV', () => {
  describe('cell text by column type', () => {
    it('shows times as UTC dates, with milliseconds only when the time has them', () => {
      assert.equal(formatTime(Date.UTC(2026, 9, 1, 12, 0, 0) / 1000), '2026-10-01 12:00:00Z');
      assert.equal(formatTime(Date.UTC(2026, 9, 1, 12, 0, 5, 250) / 1000), '2026-10-01 12:00:05.250Z');
      const cell = formatCell(1790812800, 'time');
      assert.deepEqual(cell, { text: '2026-10-01 00:00:00Z', full: '1790812800', numeric: true, empty: false });
      // A number in a column not typed as time stays a number.
      assert.equal(formatCell(1790812800, 'number').text, '1790812800');
    });

    it('rounds fractions to four decimals (two from a thousand, scientific when tiny) and keeps the full value for the tooltip', () => {
      assert.equal(formatNumber(0.812345678), '0.8123');
      assert.equal(formatNumber(0.5), '0.5000');
      assert.equal(formatNumber(12345.678), '12345.68');
      assert.equal(formatNumber(0.0000123), '1.23e-5');
      assert.equal(formatNumber(0), '0');
      assert.equal(formatNumber(-3), '-3');
      assert.equal(formatNumber(Number.NaN), 'NaN');
      assert.equal(formatNumber(-Infinity), '−∞');
      assert.deepEqual(formatCell(0.812345678, 'number'), { text: '0.8123', full: '0.812345678', numeric: true, empty: false });
      assert.deepEqual(formatCell(42, 'number'), { text: '42', numeric: true, empty: false });
      // In a column of fractions, whole numbers line up with the same decimals.
      assert.deepEqual(formatCell(1, 'number', true), { text: '1.0000', full: '1', numeric: true, empty: false });
      assert.equal(formatNumber(0, true), '0.0000');
      assert.equal(formatNumber(2500, true), '2500.00');
    });

    it('shows intervals as lower–upper, JSON compactly (long JSON shortened with the whole in the tooltip), nothing as a dash', () => {
      assert.deepEqual(formatCell({ lower: 0.51234, upper: 0.6349 }, 'json'), { text: '0.512–0.635', full: '{"lower":0.51234,"upper":0.6349}', numeric: true, empty: false });
      assert.deepEqual(formatCell({ window: '1d', model_versions: ['v1.1'] }, 'json'), { text: '{"window":"1d","model_versions":["v1.1"]}', numeric: false, empty: false });
      const long = { values: Array.from({ length: 60 }, (_, i) => i) };
      const cell = formatCell(long, 'json');
      assert.equal(cell.text.length, 120);
      assert.ok(cell.text.endsWith('…'));
      assert.equal(cell.full, JSON.stringify(long));
      assert.deepEqual(formatCell(null, 'number'), { text: '—', numeric: false, empty: true });
      assert.deepEqual(formatCell(undefined, 'string'), { text: '—', numeric: false, empty: true });
      assert.equal(formatCell(false, 'boolean').text, 'false');
      // Text is text: markup in data is shown as written (the view sets textContent).
      assert.equal(formatCell('<img src=x onerror=alert(1)>', 'string').text, '<img src=x onerror=alert(1)>');
    });
  });

  it('tells fractions from whole numbers', () => {
    assert.deepEqual([0.5, 1, -2.25, Number.NaN, '0.5', null].map(isFraction), [true, false, true, false, false, false]);
  });

  describe('sorting', () => {
    it('orders numbers, then booleans, then text (numbers inside text by value), then NaN, nothing last', () => {
      const values = [null, 'v1.10', true, Number.NaN, 'v1.9', 3, undefined, -1];
      const sorted = [...values].sort(compareCells);
      assert.deepEqual(sorted.slice(0, 5), [-1, 3, true, 'v1.9', 'v1.10']);
      assert.ok(Number.isNaN(sorted[5]));
      assert.ok(sorted.slice(6).every((value) => value === null || value === undefined));
      assert.ok(compareCells({ lower: 0.2, upper: 0.9 }, { lower: 0.3, upper: 0.4 }) < 0, 'intervals by their lower bound');
    });

    it('keeps empty cells last in both directions and ties in their order', () => {
      const rows = [{ id: 1, v: 2 }, { id: 2, v: null }, { id: 3, v: 1 }, { id: 4, v: 2 }];
      assert.deepEqual(sortRows(rows, { column: 'v', descending: false }).map((row) => row.id), [3, 1, 4, 2]);
      assert.deepEqual(sortRows(rows, { column: 'v', descending: true }).map((row) => row.id), [1, 4, 3, 2]);
      assert.deepEqual(rows.map((row) => row.id), [1, 2, 3, 4], 'the rows given are not reordered');
    });

    it('cycles a header through ascending, descending and the result’s own order', () => {
      const first = nextSort(null, 'accuracy');
      assert.deepEqual(first, { column: 'accuracy', descending: false });
      const second = nextSort(first, 'accuracy');
      assert.deepEqual(second, { column: 'accuracy', descending: true });
      assert.equal(nextSort(second, 'accuracy'), null);
      assert.deepEqual(nextSort(second, 'count'), { column: 'count', descending: false });
    });
  });

  it('says how much is shown: N of M rows, with the range when it is a part', () => {
    assert.equal(rowsLabel(0, 200, 1234), '200 of 1,234 rows (1–200)');
    assert.equal(rowsLabel(1200, 34, 1234), '34 of 1,234 rows (1,201–1,234)');
    assert.equal(rowsLabel(0, 12, 12), '12 of 12 rows');
    assert.equal(rowsLabel(0, 1, 1), '1 of 1 row');
    assert.equal(rowsLabel(0, 0, 0), '0 of 0 rows');
  });

  it('writes RFC 4180 CSV: quoted fields, CRLF, numbers in full, times in ISO 8601, objects as JSON, nothing as empty', () => {
    const csv = toCsv(
      [
        { name: 'at', type: 'time' },
        { name: 'message', type: 'string' },
        { name: 'value', type: 'number' },
        { name: 'interval', type: 'json' },
        { name: 'ok', type: 'boolean' },
      ],
      [
        { at: 1790812800, message: 'accuracy, "low"\nagain', value: 0.812345678, interval: { lower: 0.5, upper: 0.6 }, ok: true },
        { at: null, message: 'plain', value: null, interval: null, ok: false },
      ],
    );
    assert.equal(csv, 'at,message,value,interval,ok\r\n2026-10-01T00:00:00.000Z,"accuracy, ""low""\nagain",0.812345678,"{""lower"":0.5,""upper"":0.6}",true\r\n,plain,,,false\r\n');
  });

  describe('on a real result of the kernel (generated data, both stores)', function () {
    this.timeout(120_000);
    let root: string;
    before(async () => {
      root = mkdtempSync(join(tmpdir(), 'pitwall-renderer-table-'));
      await generateDataset({ outDir: root, predictions: 3000, seed: 11 });
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    for (const [name, file] of [
      ['JSONL folder', 'monitoring'],
      ['SQLite file', 'monitoring.db'],
    ] as const) {
      it(`${name}: sorts a trend as the kernel's sort stage does, and copies the CSV the trend panel exports`, async () => {
        const source = join(root, file);
        const trend = await query(source, 'predictions | window 6h | by model_version | metrics accuracy, ece min_labels=10');
        assert.ok(trend.rows.length > 40, `${trend.rows.length} windows`);
        assert.ok(trend.rows.some((row) => row.accuracy === null) && trend.rows.some((row) => row.accuracy !== null), 'windows with and without an accuracy');
        const byAccuracy = await query(source, 'predictions | window 6h | by model_version | metrics accuracy, ece min_labels=10 | sort accuracy');
        assert.deepEqual(sortRows(trend.rows, { column: 'accuracy', descending: false }), byAccuracy.rows);
        const newestFirst = await query(source, 'predictions | window 6h | by model_version | metrics accuracy, ece min_labels=10 | sort window_start desc');
        assert.deepEqual(sortRows(trend.rows, { column: 'window_start', descending: true }), newestFirst.rows);

        // The same windows, as the kernel types their columns, give the records of the trend panel's CSV export.
        const type = (column: string) => trend.columns.find((c) => c.name === column)?.type ?? 'json';
        const columns = ['window_start', 'window_end', 'group', 'count', 'labelled', 'label_coverage', 'insufficient', 'accuracy', 'ece'].map((column) => ({ name: column, type: type(column) }));
        assert.equal(type('window_start'), 'time');
        const records = (csv: string) => csv.split('\r\n').slice(1);
        assert.deepEqual(records(toCsv(columns, trend.rows)), records(toWindowsCsv(trend.rows as unknown as WindowMetricsRow[], ['accuracy', 'ece'])));
      });
    }
  });
});

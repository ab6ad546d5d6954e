import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { isPitwallError } from '../../../../src/core/errors';
import { assignWindows, readWindowedMetrics, windowedMetrics, type WindowedMetricsOptions, type WindowMetricsRow } from '../../../../src/core/analytics/windows';
import { parseDuration } from '../../../../src/core/analytics/duration';
import { openStore } from '../../../../src/core/store/openStore';
import type { PredictionColumns, Store } from '../../../../src/core/store/store';
import { paneSeconds, type WindowGrouping } from '../../../../src/core/store/windowStats';

const HOUR = 3600;
const DAY = 86400;

function isInputError(error: unknown): boolean {
  return isPitwallError(error) && error.code === 'input';
}

/** Columns from (timestamp, model version, predicted, confidence, actual) rows. */
function columnsOf(rows: readonly (readonly [number, string, number, number, number])[], features = new Map<string, (string | null)[]>()): PredictionColumns {
  return {
    length: rows.length,
    prediction_id: rows.map((_, i) => `p${i}`),
    timestamp: Float64Array.from(rows.map((row) => row[0])),
    model_version: rows.map((row) => row[1]),
    predicted_outcome: Uint8Array.from(rows.map((row) => row[2])),
    confidence: Float64Array.from(rows.map((row) => row[3])),
    actual_outcome: Int8Array.from(rows.map((row) => row[4])),
    actual_outcome_timestamp: new Float64Array(rows.length).fill(Number.NaN),
    features,
  };
}

function pairs(timestamps: readonly number[], spec: Parameters<typeof assignWindows>[1]): [number, number][] {
  const assignment = assignWindows(timestamps, spec);
  return Array.from(assignment.row, (row, k) => [row, assignment.start[k] as number]);
}

describe('windows', () => {
  describe('parseDuration', () => {
    it('reads seconds, minutes, hours and days as seconds', () => {
      assert.equal(parseDuration('90s'), 90);
      assert.equal(parseDuration('15m'), 900);
      assert.equal(parseDuration('1h'), HOUR);
      assert.equal(parseDuration('6h'), 6 * HOUR);
      assert.equal(parseDuration('1d'), DAY);
      assert.equal(parseDuration('7d'), 7 * DAY);
    });

    for (const hostile of ['', '0h', '-1h', '1x', 'h', '1', '1.5h', ' 1h', '1h ', '1H', '01h', '1e3s', '1hh', '1h1m', 'Infinityd', 'NaNh', '9999999999d', '1\nh', '0x10s', '١h']) {
      it(`rejects ${JSON.stringify(hostile)} with an input error that quotes it`, () => {
        assert.throws(
          () => parseDuration(hostile),
          (error: unknown) => isInputError(error) && (error as Error).message.includes(JSON.stringify(hostile)),
        );
      });
    }

    it('shortens a very long bad duration in its message', () => {
      assert.throws(
        () => parseDuration('1'.repeat(10_000)),
        (error: unknown) => isInputError(error) && (error as Error).message.length < 200,
      );
    });
  });

  describe('assignWindows', () => {
    it('puts each row in the epoch-aligned tumbling window holding it; a window end starts the next window', () => {
      const t = [0, 1, HOUR - 0.001, HOUR, HOUR + 1, 3 * HOUR, 5 * HOUR - 1e-6];
      assert.deepEqual(pairs(t, { every: '1h' }), [
        [0, 0],
        [1, 0],
        [2, 0],
        [3, HOUR],
        [4, HOUR],
        [5, 3 * HOUR],
        [6, 4 * HOUR],
      ]);
    });

    it('aligns windows to the epoch, not to the first row', () => {
      const t = [1_790_000_123.5];
      assert.deepEqual(pairs(t, { every: '1d' }), [[0, Math.floor(1_790_000_123.5 / DAY) * DAY]]);
    });

    it('aligns windows before 1970 too', () => {
      assert.deepEqual(pairs([-1, -HOUR, -HOUR - 1], { every: '1h' }), [
        [0, -HOUR],
        [1, -HOUR],
        [2, -2 * HOUR],
      ]);
    });

    it('puts a row in every sliding window that holds it, half-open at both ends', () => {
      // 1h windows every 15m: [k·15m, k·15m + 1h).
      const q = 900;
      assert.deepEqual(pairs([0], { every: '1h', slide: '15m' }), [
        [0, -3 * q],
        [0, -2 * q],
        [0, -q],
        [0, 0],
      ]);
      assert.deepEqual(pairs([HOUR], { every: '1h', slide: '15m' }), [
        [0, q],
        [0, 2 * q],
        [0, 3 * q],
        [0, 4 * q],
      ]);
      assert.deepEqual(pairs([q + 1], { every: '1h', slide: '15m' }), [
        [0, -2 * q],
        [0, -q],
        [0, 0],
        [0, q],
      ]);
    });

    it('handles a slide that does not divide the window', () => {
      // 1h windows every 40m start at 0, 40m, 80m, …; 50m is in [0, 60m) and [40m, 100m).
      assert.deepEqual(pairs([50 * 60], { every: '1h', slide: 40 * 60 }), [
        [0, 0],
        [0, 40 * 60],
      ]);
    });

    it('keeps only rows in [from, to)', () => {
      const t = [0, 10, 20, 30];
      assert.deepEqual(
        pairs(t, { every: '1h', from: 10, to: 30 }).map(([row]) => row),
        [1, 2],
      );
    });

    it('rejects a slide longer than the window, too many overlaps, a bad range or a bad duration', () => {
      assert.throws(() => assignWindows([0], { every: '1h', slide: '2h' }), isInputError);
      assert.throws(() => assignWindows([0], { every: '7d', slide: '1s' }), isInputError);
      assert.throws(() => assignWindows([0], { every: '1h', from: 10, to: 10 }), isInputError);
      assert.throws(() => assignWindows([0], { every: '1h', from: Number.NaN }), isInputError);
      assert.throws(() => assignWindows([0], { every: 0 }), isInputError);
      assert.throws(() => assignWindows([0], { every: 1.5 }), isInputError);
      assert.throws(() => assignWindows([0], { every: '1w' }), isInputError);
    });

    it('puts each row in range in exactly one tumbling window that contains it', () => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: -1e9, max: 3e9, noNaN: true }), { maxLength: 200 }),
          fc.constantFrom('90s', '15m', '1h', '6h', '1d', '7d'),
          fc.double({ min: -1e9, max: 3e9, noNaN: true }),
          fc.double({ min: 0, max: 1e9, noNaN: true }),
          (timestamps, every, from, span) => {
            const to = from + span + 1;
            const size = parseDuration(every);
            const assignment = assignWindows(timestamps, { every, from, to });
            const inRange = timestamps.filter((t) => t >= from && t < to).length;
            assert.equal(assignment.length, inRange);
            for (let k = 0; k < assignment.length; k++) {
              const t = timestamps[assignment.row[k] as number] as number;
              const start = assignment.start[k] as number;
              assert.ok(start <= t && t < start + size, `${t} in [${start}, ${start + size})`);
              assert.equal(start % size === 0 || Object.is(start % size, -0), true);
            }
          },
        ),
      );
    });

    it('puts each row in every/slide distinct sliding windows that contain it when the slide divides the window', () => {
      fc.assert(
        fc.property(fc.array(fc.double({ min: -1e9, max: 3e9, noNaN: true }), { maxLength: 100 }), fc.constantFrom(1, 2, 3, 4, 6, 12), (timestamps, parts) => {
          const assignment = assignWindows(timestamps, { every: '1h', slide: HOUR / parts });
          assert.equal(assignment.length, timestamps.length * parts);
          for (let k = 0; k < assignment.length; k++) {
            const t = timestamps[assignment.row[k] as number] as number;
            const start = assignment.start[k] as number;
            assert.ok(start <= t && t < start + HOUR, `${t} in [${start}, ${start + HOUR})`);
            if (k > 0 && assignment.row[k - 1] === assignment.row[k]) assert.equal(start - (assignment.start[k - 1] as number), HOUR / parts);
          }
        }),
      );
    });
  });

  describe('panes', () => {
    const plan = (every: number, slide: number, by?: WindowGrouping) => ({ every, slide, ...(by === undefined ? {} : { by }) });
    it('builds windows that are multiples of 5 minutes from 5-minute panes, and a segment\'s multiples of 15 minutes from 15-minute panes', () => {
      assert.equal(paneSeconds(plan(HOUR, HOUR)), 300);
      assert.equal(paneSeconds(plan(DAY, HOUR, 'model_version')), 300);
      assert.equal(paneSeconds(plan(600, 600)), 300);
      assert.equal(paneSeconds(plan(300, 300)), 300);
      assert.equal(paneSeconds(plan(HOUR, HOUR, 'feature:circuit')), 900);
      assert.equal(paneSeconds(plan(7 * DAY, DAY, 'metadata:race_id')), 900);
    });

    it('builds any other window from panes of its own step, never finer', () => {
      assert.equal(paneSeconds(plan(420, 420)), 420);
      assert.equal(paneSeconds(plan(HOUR, 420)), 60);
      assert.equal(paneSeconds(plan(90, 30)), 30);
      assert.equal(paneSeconds(plan(600, 600, 'feature:circuit')), 600);
      assert.equal(paneSeconds(plan(HOUR, 1200, 'feature:circuit')), 1200);
    });
  });

  describe('windowedMetrics', () => {
    it('counts and scores each (window, group), hand-checked', () => {
      const columns = columnsOf([
        [0, 'v1', 1, 0.9, 1],
        [10, 'v1', 0, 0.8, 1],
        [20, 'v2', 1, 0.7, 0],
        [30, 'v1', 1, 0.6, -1],
        [HOUR, 'v1', 1, 0.9, 1],
      ]);
      const rows = windowedMetrics(columns, { every: '1h', by: 'model_version', minLabels: 1, metrics: ['accuracy', 'recall', 'avg_confidence'] });
      // Sums are compensated: 0.9 + 0.8 + 0.6 is 2.3 here, where plain addition gives 2.3000000000000003.
      assert.deepEqual(rows, [
        { window_start: 0, window_end: HOUR, group: 'v1', count: 3, labelled: 2, label_coverage: 2 / 3, insufficient: false, partial: false, accuracy: 0.5, recall: 0.5, avg_confidence: 2.3 / 3 },
        { window_start: 0, window_end: HOUR, group: 'v2', count: 1, labelled: 1, label_coverage: 1, insufficient: false, partial: false, accuracy: 0, recall: null, avg_confidence: 0.7 },
        { window_start: HOUR, window_end: 2 * HOUR, group: 'v1', count: 1, labelled: 1, label_coverage: 1, insufficient: false, partial: false, accuracy: 1, recall: 1, avg_confidence: 0.9 },
      ]);
    });

    it('marks a window with fewer labels than minLabels insufficient and nulls only its label metrics', () => {
      const rows: [number, string, number, number, number][] = [];
      for (let i = 0; i < 40; i++) rows.push([i, 'v1', 1, 0.8, i < 30 ? 1 : -1]);
      for (let i = 0; i < 40; i++) rows.push([HOUR + i, 'v1', 1, 0.8, i < 29 ? 1 : -1]);
      const result = windowedMetrics(columnsOf(rows), { every: '1h' });
      assert.equal(result.length, 2);
      const [enough, short] = result as [WindowMetricsRow, WindowMetricsRow];
      assert.equal(enough.labelled, 30);
      assert.equal(enough.insufficient, false);
      assert.equal(enough.accuracy, 1);
      assert.equal(enough.group, null);
      assert.equal(short.labelled, 29);
      assert.equal(short.count, 40);
      assert.equal(short.insufficient, true);
      for (const metric of ['accuracy', 'precision', 'recall', 'f1', 'specificity', 'ece', 'mce', 'roc_auc', 'average_precision', 'log_loss', 'brier'] as const) {
        assert.equal(short[metric], null, metric);
      }
      assert.equal(short.avg_confidence, 0.8);
      assert.equal(windowedMetrics(columnsOf(rows), { every: '1h', minLabels: 29 })[1]?.insufficient, false);
    });

    it('groups by a feature, with a missing value as its own null group', () => {
      const columns = columnsOf(
        [
          [0, 'v1', 1, 0.9, 1],
          [1, 'v1', 1, 0.9, 0],
          [2, 'v1', 1, 0.9, 1],
        ],
        new Map([['circuit', ['monza', null, 'monza']]]),
      );
      const rows = windowedMetrics(columns, { every: '1d', by: 'feature:circuit', minLabels: 0, metrics: ['accuracy'] });
      assert.deepEqual(
        rows.map((row) => [row.group, row.count, row.accuracy]),
        [
          [null, 1, 0],
          ['monza', 2, 1],
        ],
      );
    });

    it('rejects an unknown grouping, a feature not read, an unknown metric and a bad minLabels', () => {
      const columns = columnsOf([[0, 'v1', 1, 0.9, 1]]);
      assert.throws(() => windowedMetrics(columns, { every: '1h', by: 'circuit' as 'model_version' }), isInputError);
      assert.throws(() => windowedMetrics(columns, { every: '1h', by: 'feature:circuit' }), isInputError);
      assert.throws(() => windowedMetrics(columns, { every: '1h', metrics: ['accuracy', 'auc'] }), isInputError);
      assert.throws(() => windowedMetrics(columns, { every: '1h', minLabels: -1 }), isInputError);
    });

    it('flags the edge windows of a --from/--to range partial, with the span they cover, and the inner ones whole', () => {
      const columns = columnsOf([
        [1900, 'v1', 1, 0.9, 1],
        [HOUR + 10, 'v1', 1, 0.9, 1],
        [2 * HOUR + 10, 'v1', 1, 0.9, 1],
      ]);
      const rows = windowedMetrics(columns, { every: '1h', from: 1800, to: 2 * HOUR + 1800, minLabels: 0, metrics: ['accuracy'] });
      assert.deepEqual(
        rows.map((row) => [row.window_start, row.partial, row.covered_start, row.covered_end]),
        [
          [0, true, 1800, HOUR],
          [HOUR, false, undefined, undefined],
          [2 * HOUR, true, 2 * HOUR, 2 * HOUR + 1800],
        ],
      );
      // A range on window boundaries, or no range at all, has no partial window.
      assert.ok(windowedMetrics(columns, { every: '1h', from: 0, to: 3 * HOUR, minLabels: 0 }).every((row) => !row.partial));
      assert.ok(windowedMetrics(columns, { every: '1h', minLabels: 0 }).every((row) => !row.partial));
      // A sliding window that starts before --from covers only the part from --from on.
      const sliding = windowedMetrics(columns, { every: '2h', slide: '1h', from: 0, to: 3 * HOUR, minLabels: 0 });
      assert.deepEqual(
        sliding.map((row) => [row.window_start, row.partial, row.covered_start ?? null, row.covered_end ?? null]),
        [
          [-HOUR, true, 0, HOUR],
          [0, false, null, null],
          [HOUR, false, null, null],
          [2 * HOUR, true, 2 * HOUR, 3 * HOUR],
        ],
      );
    });

    it('lists windows without predictions with count 0 when asked (fillEmpty), per group, and only then', () => {
      const columns = columnsOf([
        [10, 'v1', 1, 0.9, 1],
        [20, 'v2', 1, 0.9, 1],
        [3 * HOUR + 10, 'v1', 1, 0.9, 0],
      ]);
      const options = { every: '1h', from: 0, to: 5 * HOUR, by: 'model_version', minLabels: 1, metrics: ['accuracy', 'avg_confidence'] } as const;
      assert.deepEqual(
        windowedMetrics(columns, options).map((row) => [row.window_start, row.group, row.count]),
        [
          [0, 'v1', 1],
          [0, 'v2', 1],
          [3 * HOUR, 'v1', 1],
        ],
      );
      const filled = windowedMetrics(columns, { ...options, fillEmpty: true });
      assert.deepEqual(
        filled.map((row) => [row.window_start, row.group, row.count]),
        [0, HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR].flatMap((start) => [
          [start, 'v1', start === 0 || start === 3 * HOUR ? 1 : 0],
          [start, 'v2', start === 0 ? 1 : 0],
        ]),
      );
      const empty = filled.find((row) => row.window_start === HOUR && row.group === 'v1') as WindowMetricsRow;
      assert.deepEqual(empty, { window_start: HOUR, window_end: 2 * HOUR, group: 'v1', count: 0, labelled: 0, label_coverage: 0, insufficient: true, partial: false, accuracy: null, avg_confidence: null });
      // Without a range the data's first and last windows bound the filling; ungrouped, the group is null.
      assert.deepEqual(
        windowedMetrics(columns, { every: '1h', fillEmpty: true, minLabels: 0, metrics: [] }).map((row) => [row.window_start, row.group, row.count]),
        [
          [0, null, 2],
          [HOUR, null, 0],
          [2 * HOUR, null, 0],
          [3 * HOUR, null, 1],
        ],
      );
      assert.throws(() => windowedMetrics(columns, { every: '1m', from: 0, to: 400 * DAY, fillEmpty: true }), isInputError);
    });

    it('has tumbling window counts that sum to the rows in range', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 30 * DAY }), fc.constantFrom('v1', 'v2', 'v3'), fc.integer({ min: -1, max: 1 })), { maxLength: 300 }),
          fc.constantFrom('15m', '1h', '1d'),
          fc.integer({ min: 0, max: 30 * DAY }),
          (raw, every, from) => {
            const columns = columnsOf(raw.map(([t, version, actual]) => [t, version, 1, 0.75, actual]));
            const rows = windowedMetrics(columns, { every, from, by: 'model_version', metrics: [] });
            const total = rows.reduce((sum, row) => sum + row.count, 0);
            assert.equal(total, raw.filter(([t]) => t >= from).length);
          },
        ),
      );
    });
    it('puts every row in one window of 999,999,999 days, without stepping through its panes', () => {
      // Stepping pane by pane through such a window would take days; the test's timeout would end it.
      const columns = columnsOf([
        [0, 'v1', 1, 0.9, 1],
        [DAY, 'v1', 0, 0.8, 0],
        [400 * DAY, 'v2', 1, 0.7, 1],
      ]);
      const rows = windowedMetrics(columns, { every: '999999999d', by: 'model_version', minLabels: 0, metrics: ['accuracy'] });
      assert.deepEqual(rows.map((row) => [row.window_start, row.group, row.count, row.accuracy]), [[0, 'v1', 2, 1], [0, 'v2', 1, 1]]);
      const sliding = windowedMetrics(columns, { every: '999999999d', slide: '333333333d', minLabels: 0, metrics: ['accuracy'] });
      assert.deepEqual(sliding.map((row) => row.count), [3, 3, 3]);
    });

    it('gives each sliding window, whatever its panes, the counts of the rows assignWindows puts in it', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 3 * DAY }), fc.constantFrom('v1', 'v2'), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: -1, max: 1 })), { maxLength: 200 }),
          fc.constantFrom<[string, string]>(['1h', '15m'], ['1d', '1h'], ['25m', '10m'], ['7m', '7m'], ['1h', '7m'], ['45m', '15m'], ['6h', '6h'], ['2h', '5m']),
          fc.constantFrom<WindowGrouping | undefined>(undefined, 'model_version', 'feature:lane'),
          (raw, [every, slide], by) => {
            const columns = columnsOf(
              raw.map(([t, version, predicted, c, actual]) => [t, version, predicted, 0.5 + c / 200, actual]),
              new Map([['lane', raw.map(([t]) => (t % 3 === 0 ? 'a' : 'b'))]]),
            );
            const rows = windowedMetrics(columns, { every, slide, by, minLabels: 0, metrics: ['accuracy', 'min_confidence', 'max_confidence'] });
            const expected = new Map<string, { count: number; labelled: number; correct: number; min: number; max: number }>();
            const assignment = assignWindows(columns.timestamp, { every, slide });
            for (let k = 0; k < assignment.length; k++) {
              const i = assignment.row[k] as number;
              const group = by === undefined ? null : by === 'model_version' ? columns.model_version[i] : columns.features.get('lane')?.[i];
              const key = `${assignment.start[k]}|${group}`;
              const entry = expected.get(key) ?? { count: 0, labelled: 0, correct: 0, min: Infinity, max: -Infinity };
              const actual = columns.actual_outcome[i] as number;
              entry.count++;
              if (actual >= 0) {
                entry.labelled++;
                if (actual === columns.predicted_outcome[i]) entry.correct++;
              }
              entry.min = Math.min(entry.min, columns.confidence[i] as number);
              entry.max = Math.max(entry.max, columns.confidence[i] as number);
              expected.set(key, entry);
            }
            assert.equal(rows.length, expected.size);
            for (const row of rows) {
              const entry = expected.get(`${row.window_start}|${row.group}`);
              assert.ok(entry !== undefined, `window ${row.window_start} ${row.group}`);
              assert.deepEqual([row.count, row.labelled, row.min_confidence, row.max_confidence], [entry.count, entry.labelled, entry.min, entry.max]);
              assert.equal(row.accuracy, entry.labelled === 0 ? null : entry.correct / entry.labelled);
            }
          },
        ),
      );
    });
  });

  describe('over a generated dataset', function () {
    let dir = '';
    let jsonl: Store | undefined;
    let sqlite: Store | undefined;
    let jsonlColumns: PredictionColumns;
    let sqliteColumns: PredictionColumns;

    before(async function () {
      this.timeout(120_000);
      dir = mkdtempSync(join(tmpdir(), 'pitwall-windows-'));
      await generateDataset({ outDir: dir, predictions: 3000, seed: 7 });
      jsonl = await openStore(join(dir, 'monitoring'));
      sqlite = await openStore(join(dir, 'monitoring.db'));
      jsonlColumns = await jsonl.readPredictionColumns();
      sqliteColumns = await sqlite.readPredictionColumns();
    });

    after(async () => {
      await jsonl?.close();
      await sqlite?.close();
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    for (const every of ['1h', '1d']) {
      it(`gives the same ${every} metrics by model version from the JSONL folder and the SQLite file`, () => {
        const fromJsonl = windowedMetrics(jsonlColumns, { every, by: 'model_version', minLabels: 5 });
        const fromSqlite = windowedMetrics(sqliteColumns, { every, by: 'model_version', minLabels: 5 });
        assert.equal(jsonlColumns.length, 3000);
        assert.ok(fromJsonl.length > (every === '1d' ? 20 : 300), `${fromJsonl.length} windows`);
        assert.ok(fromJsonl.some((row) => !row.insufficient && row.accuracy !== null));
        assert.deepEqual(fromSqlite, fromJsonl);
        assert.equal(
          fromJsonl.reduce((sum, row) => sum + row.count, 0),
          3000,
        );
      });
    }

    const start = Date.parse('2026-10-01T00:00:00Z') / 1000;
    const plans: (WindowedMetricsOptions & { name: string })[] = [
      { name: 'hourly by model version', every: '1h', by: 'model_version', minLabels: 5 },
      { name: '6h sliding by 1h, by circuit', every: '6h', slide: '1h', by: 'feature:circuit', minLabels: 5 },
      { name: '90m sliding by 25m, by grid position, 15 bins', every: 5400, slide: 1500, by: 'feature:grid_position', minLabels: 3, bins: 15 },
      { name: 'daily for v1.1 between day 3 and day 9.5', every: '1d', modelVersion: 'v1.1', from: start + 3 * DAY, to: start + 9.5 * DAY, minLabels: 5 },
      { name: 'weekly, ungrouped', every: '7d', minLabels: 0 },
      { name: 'daily by the metadata key race_id', every: '1d', by: 'metadata:race_id', minLabels: 0 },
    ];
    for (const { name, ...options } of plans) {
      it(`pushes ${name} down to SQL with the same numbers as in memory`, async () => {
        const pushed = await readWindowedMetrics(sqlite as Store, options);
        const loaded = await readWindowedMetrics(sqlite as Store, { ...options, path: 'in-memory' });
        const fromJsonl = await readWindowedMetrics(jsonl as Store, options);
        assert.equal(pushed.path, 'pushdown');
        assert.equal(loaded.path, 'in-memory');
        assert.equal(fromJsonl.path, 'in-memory');
        assert.ok(pushed.rows.length > 1, `${pushed.rows.length} windows`);
        assert.ok(pushed.rows.some((row) => !row.insufficient && row.roc_auc !== null && row.ece !== null && row.log_loss !== null));
        assert.deepEqual(pushed.rows, loaded.rows);
        assert.deepEqual(fromJsonl.rows, loaded.rows);
      });
    }

    it('falls back to memory when a timestamp in range is not SQLAlchemy text, with the same numbers', async () => {
      const copy = join(dir, 'odd.db');
      copyFileSync(join(dir, 'monitoring.db'), copy);
      for (const suffix of ['-wal', '-shm']) if (existsSync(join(dir, `monitoring.db${suffix}`))) copyFileSync(join(dir, `monitoring.db${suffix}`), `${copy}${suffix}`);
      const python = spawnSync('python3', ['-c', `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE predictions SET timestamp = replace(timestamp, ' ', 'T') || '+00:00' WHERE id = 5")
db.commit()
`, copy], { encoding: 'utf8' });
      assert.equal(python.status, 0, python.stderr);
      const odd = await openStore(copy);
      try {
        const options = { every: '1d', by: 'model_version', minLabels: 5 } as const;
        const result = await readWindowedMetrics(odd, options);
        assert.equal(result.path, 'in-memory');
        assert.deepEqual(result.rows, (await readWindowedMetrics(sqlite as Store, { ...options, path: 'in-memory' })).rows);
      } finally {
        await odd.close();
      }
    });

    it("shows v1.1's daily accuracy falling after day 10 while v1.0 holds", () => {
      const degradation = start + 10 * DAY;
      const rows = windowedMetrics(jsonlColumns, { every: '1d', by: 'model_version', metrics: ['accuracy'] });
      const mean = (version: string, after: boolean): number => {
        const values = rows
          .filter((row) => row.group === version && !row.insufficient && row.window_start >= degradation === after)
          .map((row) => row.accuracy as number);
        assert.ok(values.length >= 3, `${version}: ${values.length} sufficient days`);
        return values.reduce((sum, value) => sum + value, 0) / values.length;
      };
      const v11Before = mean('v1.1', false);
      const v11After = mean('v1.1', true);
      assert.ok(v11After < v11Before - 0.05, `v1.1 ${v11Before} → ${v11After}`);
      assert.ok(mean('v1.0', true) > v11After, 'v1.0 stays ahead of degraded v1.1');
    });
  });
});

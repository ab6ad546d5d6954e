import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { countRows, selectRows, TimeOrder } from '../../../../../src/core/store/jsonl/timeOrder';

/** The order the store promises: by time, equal times in storage order, whichever direction. */
function expected(times: readonly number[], order: 'asc' | 'desc', from?: number, to?: number): number[] {
  return times
    .map((time, row) => ({ time, row }))
    .filter(({ time }) => (from === undefined || time >= from) && (to === undefined || time < to))
    .sort((a, b) => (order === 'asc' ? a.time - b.time : b.time - a.time) || a.row - b.row)
    .map(({ row }) => row);
}

describe('TimeOrder', function () {
  const times = fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 });
  const bound = fc.option(fc.integer({ min: -1, max: 21 }), { nil: undefined });

  it('scans rows by time, equal times in storage order both ways, within a range', function () {
    fc.assert(
      fc.property(times, fc.constantFrom('asc', 'desc'), bound, bound, (values, order, from, to) => {
        const order_ = new TimeOrder();
        values.forEach((time) => order_.push(time));
        const rows: number[] = [];
        order_.scan(order, { from, to }, (row) => rows.push(row) > 0);
        assert.deepEqual(rows, expected(values, order, from, to));
      }),
    );
  });

  it('pages after ordering and filtering, and counts without paging', function () {
    fc.assert(
      fc.property(times, fc.nat(10), fc.nat(10), (values, offset, limit) => {
        const order = new TimeOrder();
        values.forEach((time) => order.push(time));
        const even = (row: number) => row % 2 === 0;
        const all = expected(values, 'desc').filter(even);
        assert.deepEqual(selectRows(order, { offset, limit }, 'desc', even), all.slice(offset, offset + limit));
        assert.equal(countRows(order, {}, even), all.length);
      }),
    );
  });

  it('keeps serving the right order as rows arrive after a scan', function () {
    const order = new TimeOrder();
    for (const time of [5, 3, 9]) order.push(time);
    assert.deepEqual(
      selectRows(order, {}, 'asc', () => true),
      [1, 0, 2],
    );
    order.push(1);
    assert.deepEqual(
      selectRows(order, {}, 'asc', () => true),
      [3, 1, 0, 2],
    );
    order.clear();
    assert.deepEqual(
      selectRows(order, {}, 'asc', () => true),
      [],
    );
  });
});

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { IdIndex } from '../../../../../src/core/store/jsonl/idIndex';

describe('IdIndex', function () {
  it('finds every id and keeps the first row of a repeated one, as a Map would', function () {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 3 }), { maxLength: 3000 }),
        fc.array(fc.string({ maxLength: 3 })),
        (ids, probes) => {
          const rows: string[] = [];
          const index = new IdIndex((row) => rows[row] as string);
          const reference = new Map<string, number>();
          for (const id of ids) {
            const holder = index.insert(id, rows.length);
            if (!reference.has(id)) reference.set(id, rows.length);
            assert.equal(holder, reference.get(id));
            if (holder === rows.length) rows.push(id);
          }
          for (const id of [...ids, ...probes]) assert.equal(index.find(id), reference.has(id) ? rows.indexOf(id) : -1);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('is empty after clear, and reserves room without losing ids', function () {
    const rows = ['a', 'b'];
    const index = new IdIndex((row) => rows[row] as string);
    index.insert('a', 0);
    index.reserve(100_000);
    index.insert('b', 1);
    assert.equal(index.find('a'), 0);
    assert.equal(index.find('b'), 1);
    index.clear();
    assert.equal(index.find('a'), -1);
  });
});

import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ObjectColumns } from '../../../../../src/core/store/jsonl/objectColumns';

type Value = number | string | boolean | null;

describe('ObjectColumns', function () {
  const object = fc.oneof(
    fc.dictionary(
      fc.constantFrom('a', 'b', 'c', '__proto__', '10'),
      fc.oneof(fc.double({ noNaN: true }), fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null)),
    ),
    fc.constant(null),
  );

  it('gives back each row as stored, keys in order, in null-prototype objects', function () {
    fc.assert(
      fc.property(fc.array(object, { maxLength: 200 }), (objects) => {
        const columns = new ObjectColumns<Value>();
        objects.forEach((value, row) => columns.add(row, value));
        objects.forEach((value, row) => {
          const stored = columns.row(row);
          if (value === null) return assert.equal(stored, null);
          assert.equal(Object.getPrototypeOf(stored), null);
          assert.deepEqual(Object.keys(stored ?? {}), Object.keys(value));
          assert.deepEqual({ ...stored }, { ...value });
        });
        const rows = objects.map((_, row) => row);
        assert.deepEqual(
          columns.column('a', rows),
          objects.map((value) => (value !== null && Object.hasOwn(value, 'a') ? value['a'] : null)),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('turns a numeric column into a general one when text arrives, keeping its numbers', function () {
    const columns = new ObjectColumns<Value>();
    columns.add(0, { x: 1.5 });
    columns.add(1, { y: 2 });
    columns.add(2, { x: 'text' });
    assert.deepEqual(columns.column('x', [0, 1, 2]), [1.5, null, 'text']);
    columns.clear();
    columns.add(0, { z: 1 });
    assert.deepEqual({ ...columns.row(0) }, { z: 1 });
  });
});

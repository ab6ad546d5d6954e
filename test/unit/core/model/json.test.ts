import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { describeValue, exceedsDepth, isPlainObject } from '../../../../src/core/model/json';

function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe('json helpers', function () {
  it('exceedsDepth answers for 100,000 nested arrays and objects without overflowing the stack', function () {
    const arrays = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    const objects = JSON.parse(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`) as unknown;
    assert.equal(exceedsDepth(arrays, 64), true);
    assert.equal(exceedsDepth(objects, 64), true);
    assert.equal(exceedsDepth(arrays, 100_000), false);
  });

  it('exceedsDepth agrees with a recursive depth on any JSON', function () {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 8 }), (value, max) => {
        assert.equal(exceedsDepth(value, max), depthOf(value) > max);
      }),
    );
  });

  it('isPlainObject accepts parsed and null-prototype objects only', function () {
    assert.equal(isPlainObject({}), true);
    assert.equal(isPlainObject(Object.create(null)), true);
    assert.equal(isPlainObject([]), false);
    assert.equal(isPlainObject(null), false);
    assert.equal(isPlainObject(new Date()), false);
    assert.equal(isPlainObject(new Uint8Array(1)), false);
  });

  it('describeValue keeps messages short and readable', function () {
    assert.equal(describeValue('x'.repeat(100)), `"${'x'.repeat(40)}…"`);
    assert.equal(describeValue(NaN), 'NaN');
    assert.equal(describeValue(undefined), 'nothing');
    assert.equal(describeValue([1]), 'an array');
  });
});

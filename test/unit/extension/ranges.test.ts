import * as assert from 'node:assert/strict';
import { driftRanges, presetRange } from '../../../src/extension/panels/ranges';

const DAY = 86_400;
const first = 1_790_812_800;
const last = first + 14 * DAY - 30;

describe('the chart panels’ time ranges', () => {
  it('count a preset back from the newest prediction, never before the first, and end just after the newest', () => {
    assert.deepEqual(presetRange('24h', first, last), { from: last + 1 - DAY, to: last + 1 });
    assert.deepEqual(presetRange('7d', first, last), { from: last + 1 - 7 * DAY, to: last + 1 });
    assert.deepEqual(presetRange('30d', first, last), { from: first, to: last + 1 });
    assert.deepEqual(presetRange('all', first, last), { from: first, to: last + 1 });
  });

  it('put the drift baseline before the current range: the first 7 days, everything before, or the period just before', () => {
    const current = { from: last + 1 - DAY, to: last + 1 };
    assert.deepEqual(driftRanges({ baseline: 'first-7d', current: '24h' }, first, last), { baseline: { from: first, to: first + 7 * DAY }, current });
    assert.deepEqual(driftRanges({ baseline: 'before', current: '24h' }, first, last), { baseline: { from: first, to: current.from }, current });
    assert.deepEqual(driftRanges({ baseline: 'previous', current: '24h' }, first, last), { baseline: { from: current.from - DAY, to: current.from }, current });
  });

  it('cut the first 7 days at the current range, and leave no baseline when the current range starts at the first prediction', () => {
    const week = driftRanges({ baseline: 'first-7d', current: '7d' }, first, first + 10 * DAY);
    assert.equal(week.baseline.to, week.current.from);
    assert.ok(week.baseline.to - week.baseline.from < 7 * DAY);
    const short = driftRanges({ baseline: 'previous', current: '7d' }, first, first + 3 * DAY);
    assert.equal(short.current.from, first);
    assert.ok(short.baseline.to <= short.baseline.from, 'an empty baseline');
  });
});

import * as assert from 'node:assert/strict';
import { boundedWindow, formatWindow, MAX_TREND_MARKS } from '../../../../src/core/charts/boundedWindow';

const DAY = 86_400;

describe('boundedWindow', () => {
  it('keeps the window asked for while its marks fit', () => {
    // 7 days of hourly windows for 3 versions: 168 × 3 × 2 = 1008 marks.
    assert.equal(boundedWindow(3600, 7 * DAY, 3), 3600);
    // 14 days of 15-minute windows for one version: 1344 × 2 = 2688 marks.
    assert.equal(boundedWindow(900, 14 * DAY, 1), 900);
  });

  it('coarsens to the shortest longer window that fits, never past the bound', () => {
    // 14 days of 15-minute windows for 2 versions would be 5376 marks; hourly: 1344.
    assert.equal(boundedWindow(900, 14 * DAY, 2), 3600);
    // A year of hourly windows for 4 versions: 6h would be 11 680 marks, a day 2920.
    assert.equal(boundedWindow(3600, 365 * DAY, 4), DAY);
    for (const [every, span, series] of [[900, 30 * DAY, 5], [3600, 400 * DAY, 10], [6 * 3600, 90 * DAY, 20]] as const) {
      const chosen = boundedWindow(every, span, series);
      assert.ok(chosen >= every);
      assert.ok(2 * series * Math.ceil(span / chosen) <= MAX_TREND_MARKS, `${every} over ${span} for ${series}: ${chosen}`);
    }
  });

  it('takes the longest window offered when even that does not fit', () => {
    assert.equal(boundedWindow(3600, 100 * 365 * DAY, 50), 30 * DAY);
  });

  it('counts at least one window for a span shorter than the window, and one series when none is given', () => {
    assert.equal(boundedWindow(DAY, 60, 0, 2), DAY);
    assert.equal(boundedWindow(DAY, 60, 2, 4), DAY);
    // One window too many for the bound: a week of days for 2 versions is 28 marks.
    assert.equal(boundedWindow(DAY, 7 * DAY, 2, 27), 7 * DAY);
  });
});

describe('formatWindow', () => {
  it('says a window in the words of the controls', () => {
    assert.deepEqual([900, 3600, 6 * 3600, DAY, 7 * DAY].map(formatWindow), ['15m', '1h', '6h', '1d', '7d']);
  });
});

import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { distributionChart, type FeatureDistribution } from '../../../../src/core/charts/distributionChart';
import { VEGA_LITE_SCHEMA } from '../../../../src/core/charts/theme';
import { itemsOf, marksOf, renderSpec, textsOf, type RenderedChart, type SceneItem } from './renderSpec';

function datum(item: SceneItem): Record<string, unknown> {
  return item.datum ?? {};
}

function bars(chart: RenderedChart): SceneItem[] {
  return itemsOf(chart, 'rect').filter((item) => 'share' in datum(item));
}

function axisLabels(chart: RenderedChart): string[] {
  return marksOf(chart, 'text', 'axis-label').flatMap((mark) => mark.items.map((item) => String(item.text)));
}

const trackTemp: FeatureDistribution = {
  type: 'numeric',
  feature: 'track_temp',
  edges: [-Infinity, 20, 25, 30, 35, Infinity],
  baseline: [0.1, 0.2, 0.4, 0.2, 0.1],
  current: [0.05, 0.1, 0.3, 0.35, 0.2],
  score: { kind: 'psi', value: 0.3106, severity: 'high' },
};

describe('distributionChart', () => {
  it('draws baseline and current shares side by side for each bin, bins in edge order with open ends', async () => {
    const spec = distributionChart(trackTemp);
    assert.equal(spec.$schema, VEGA_LITE_SCHEMA);
    const chart = await renderSpec(spec);
    const labels = ['< 20', '20–25', '25–30', '30–35', '≥ 35'];
    assert.deepEqual(axisLabels(chart).filter((label) => labels.includes(label)), labels);
    const drawn = bars(chart).sort((a, b) => (a.x ?? 0) - (b.x ?? 0));
    assert.equal(drawn.length, 10);
    // Pairs left to right: baseline then current within each bin.
    assert.deepEqual(
      drawn.map((bar) => `${String(datum(bar).bin)}:${String(datum(bar).series)}`),
      labels.flatMap((label) => [`${label}:Baseline`, `${label}:Current`]),
    );
    const colors = new Set(drawn.map((bar) => bar.fill));
    assert.equal(colors.size, 2);
    const heightOf = (bin: string, series: string) => drawn.find((bar) => datum(bar).bin === bin && datum(bar).series === series)?.height ?? NaN;
    assert.ok(Math.abs(heightOf('25–30', 'Baseline') / heightOf('< 20', 'Baseline') - 4) < 1e-9, 'heights in proportion to shares');
    assert.equal((drawn[0]?.tooltip as Record<string, string>).Share, '10.0%');
    const texts = textsOf(chart);
    assert.ok(texts.includes('track_temp'));
    assert.ok(texts.includes('PSI 0.311 (high)'));
  });

  it('takes null for an open outer edge and for the categories not listed', async () => {
    const numeric = await renderSpec(distributionChart({ type: 'numeric', feature: 'x', edges: [null, 0, null], baseline: [0.5, 0.5], current: [0.4, 0.6] }));
    assert.deepEqual(axisLabels(numeric).slice(0, 2), ['< 0', '≥ 0']);
    const categorical = await renderSpec(distributionChart({ type: 'categorical', feature: 'team', categories: ['a', null], baseline: [0.5, 0.5], current: [0.4, 0.6] }));
    assert.deepEqual(axisLabels(categorical).slice(0, 2), ['a', 'Other categories']);
    assert.throws(() => distributionChart({ type: 'numeric', feature: 'x', edges: [0, null, 2], baseline: [0.5, 0.5], current: [0.5, 0.5] }), /only the first and the last bin edge may be open, not edge 1/);
  });

  it('labels bins with as many digits as keep them apart', async () => {
    const chart = await renderSpec(distributionChart({ type: 'numeric', feature: 'x', edges: [0.12341, 0.12342, 0.12343], baseline: [0.5, 0.5], current: [0.4, 0.6] }));
    assert.deepEqual(axisLabels(chart).slice(0, 2), ['0.12341–0.12342', '0.12342–0.12343']);
  });

  it('turns many categories horizontal, one row each, in the given order', async () => {
    const categories = Array.from({ length: 20 }, (_, i) => `team ${i}`);
    const chart = await renderSpec(
      distributionChart({ type: 'categorical', feature: 'team', categories, baseline: categories.map(() => 0.05), current: categories.map((_, i) => i / 190) }, { width: 500 }),
    );
    const drawn = bars(chart);
    assert.equal(drawn.length, 40);
    const baseline = drawn.filter((bar) => datum(bar).series === 'Baseline').sort((a, b) => (a.y ?? 0) - (b.y ?? 0));
    assert.deepEqual(
      baseline.map((bar) => datum(bar).bin),
      categories,
    );
    assert.ok(baseline.every((bar) => Math.abs((bar.width ?? 0) - (baseline[0]?.width ?? NaN)) < 1e-9), 'equal shares, equal lengths');
    assert.ok(textsOf(chart).includes('Category'));
  });

  it('leaves out a bin whose share is unknown, and names both sides as asked', async () => {
    const chart = await renderSpec(
      distributionChart({ type: 'categorical', feature: 'tyre', categories: ['soft', 'medium', 'hard'], baseline: [0.3, null, 0.3], current: [0.5, 0.2, Number.NaN], baselineLabel: 'May 1–7', currentLabel: 'May 8' }),
    );
    assert.deepEqual(
      bars(chart).map((bar) => `${String(datum(bar).bin)}:${String(datum(bar).series)}`).sort(),
      ['hard:May 1–7', 'medium:May 8', 'soft:May 1–7', 'soft:May 8'],
    );
    assert.ok(textsOf(chart).includes('May 1–7'));
  });

  it('says there is nothing to draw without bins or without shares', async () => {
    for (const input of [
      { type: 'categorical', feature: 'tyre', categories: [], baseline: [], current: [] },
      { type: 'numeric', feature: 'temp', edges: [], baseline: [], current: [] },
      { type: 'categorical', feature: 'tyre', categories: ['soft'], baseline: [null], current: [null] },
    ] satisfies FeatureDistribution[]) {
      const chart = await renderSpec(distributionChart(input));
      assert.deepEqual(itemsOf(chart, 'text').map((item) => item.text), ['No distribution to compare.']);
      assert.ok(textsOf(chart).includes(input.feature));
    }
  });

  it('refuses shares that do not match the bins, edges that do not increase, repeated categories and one label for both sides', () => {
    assert.throws(() => distributionChart({ ...trackTemp, current: [0.5, 0.5] }), /current of "track_temp" has 2 shares for 5 bins/);
    assert.throws(() => distributionChart({ type: 'numeric', feature: 'x', edges: [0, 2, 1], baseline: [0.5, 0.5], current: [0.5, 0.5] }), /bin edges must increase/);
    assert.throws(() => distributionChart({ type: 'categorical', feature: 'x', categories: ['a', 'a'], baseline: [0.5, 0.5], current: [0.5, 0.5] }), /categories of "x" repeat/);
    assert.throws(() => distributionChart({ ...trackTemp, baselineLabel: 'Same', currentLabel: 'Same' }), /different labels/);
  });

  it('renders any shares of any categories without a warning (property)', async () => {
    const category = fc.string({ minLength: 1, maxLength: 10 });
    const share = fc.option(fc.integer({ min: 0, max: 1000 }).map((k) => k / 1000), { nil: null });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.tuple(category, share, share), { maxLength: 25, selector: (t) => t[0] }), async (rows) => {
        const chart = await renderSpec(distributionChart({ type: 'categorical', feature: 'f', categories: rows.map((r) => r[0]), baseline: rows.map((r) => r[1]), current: rows.map((r) => r[2]) }));
        const shares = rows.flatMap((r) => [r[1], r[2]]).filter((s) => s !== null).length;
        assert.equal(bars(chart).length, shares);
      }),
      { numRuns: 25 },
    );
  });

  it("draws categories named like Object.prototype members, '__proto__' too", async () => {
    const chart = await renderSpec(distributionChart({ type: 'categorical', feature: 'f', categories: ['__proto__', 'constructor', null], baseline: [0.5, 0.25, 0.25], current: [0.25, 0.5, 0.25] }));
    assert.equal(itemsOf(chart, 'rect').length, 6);
  });
});

import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ClassificationColumns } from '../../../../src/core/analytics/classification';
import { reliabilityOf } from '../../../../src/core/analytics/metrics';
import { reliabilityChart, reliabilityChartsSideBySide } from '../../../../src/core/charts/reliabilityChart';
import { VEGA_LITE_SCHEMA } from '../../../../src/core/charts/theme';
import { itemsOf, marksOf, renderSpec, textsOf, type RenderedChart, type SceneItem } from './renderSpec';

function columns(rows: readonly (readonly [predicted: number, confidence: number, actual: number])[]): ClassificationColumns {
  return { length: rows.length, predicted: rows.map((r) => r[0]), confidence: rows.map((r) => r[1]), actual: rows.map((r) => r[2]) };
}

/** n predictions at one confidence, `right` of them correct. */
function bin(confidence: number, n: number, right: number): [number, number, number][] {
  return Array.from({ length: n }, (_, i) => [1, confidence, i < right ? 1 : 0]);
}

const sample = columns([...bin(0.55, 20, 9), ...bin(0.65, 40, 28), ...bin(0.85, 100, 80), ...bin(0.95, 60, 59), [1, 0.75, -1]]);

function datum(item: SceneItem): Record<string, unknown> {
  return item.datum ?? {};
}

function points(chart: RenderedChart): SceneItem[] {
  return itemsOf(chart, 'symbol').filter((item) => 'accuracy' in datum(item) && 'count' in datum(item));
}

function bars(chart: RenderedChart): SceneItem[] {
  return itemsOf(chart, 'rect').filter((item) => 'count' in datum(item));
}

function errorBars(chart: RenderedChart): SceneItem[] {
  return itemsOf(chart, 'rule').filter((item) => 'interval_lower' in datum(item));
}

describe('reliabilityChart', () => {
  const reliability = reliabilityOf(sample);

  it('plots each non-empty bin at (mean confidence, accuracy) with its Wilson interval, over the diagonal', async () => {
    const spec = reliabilityChart([{ name: 'v1.0', ...reliability }]);
    assert.equal(spec.$schema, VEGA_LITE_SCHEMA);
    const chart = await renderSpec(spec);
    const filled = reliability.bins.filter((b) => b.count > 0);
    assert.equal(filled.length, 4);
    const drawn = points(chart);
    assert.deepEqual(
      drawn.map((item) => [datum(item).confidence, datum(item).accuracy]),
      filled.map((b) => [b.mean_confidence, b.accuracy]),
    );
    const rules = errorBars(chart);
    assert.equal(rules.length, 4);
    for (const [i, rule] of rules.entries()) {
      const interval = filled[i]?.accuracy_interval;
      assert.equal(datum(rule).interval_lower, interval?.lower);
      assert.equal(datum(rule).interval_upper, interval?.upper);
      // The rule spans the interval on the same axis as the point: it contains the point.
      const point = drawn[i] as SceneItem;
      assert.equal(rule.x, point.x);
      assert.ok((rule.y2 ?? NaN) <= (point.y ?? NaN) && (point.y ?? NaN) <= (rule.y ?? NaN), 'the point lies within its error bar');
    }
    assert.equal(rules[0]?.stroke, drawn[0]?.fill, 'error bars take their series colour, not black');

    // The diagonal of perfect calibration: from the bottom left corner to the top right one.
    const diagonal = marksOf(chart, 'line').flatMap((mark) => mark.items);
    assert.equal(diagonal.length, 2);
    const [from, to] = diagonal as [SceneItem, SceneItem];
    assert.equal(from.x, 0);
    assert.equal(to.y, 0);
    // Both axes run over [0, 1]: every point sits where its confidence and accuracy say.
    const width = to.x ?? NaN;
    const height = from.y ?? NaN;
    for (const item of drawn) {
      assert.ok(Math.abs((item.x ?? NaN) - Number(datum(item).confidence) * width) < 1e-6);
      assert.ok(Math.abs((item.y ?? NaN) - (1 - Number(datum(item).accuracy)) * height) < 1e-6);
    }
    assert.deepEqual(diagonal[0]?.strokeDash, [4, 4]);
    const tooltip = drawn[2]?.tooltip as Record<string, string>;
    assert.equal(tooltip['Confidence bin'], '0.80–0.90');
    assert.equal(tooltip['Observed accuracy'], '0.800');
    assert.match(tooltip['Accuracy interval'] ?? '', /^0\.7\d\d–0\.8\d\d$/);
  });

  it('puts ECE, MCE and the labelled count in the subtitle', async () => {
    const chart = await renderSpec(reliabilityChart([{ name: 'v1.0', ...reliability }]));
    const subtitle = `v1.0: ECE ${reliability.ece?.toFixed(3)} · MCE ${reliability.mce?.toFixed(3)} · 220 labelled`;
    assert.ok(textsOf(chart).includes(subtitle), `"${subtitle}" among ${textsOf(chart).join(' | ')}`);
    assert.ok(textsOf(chart).includes('Calibration'));
  });

  it('draws a histogram of predictions per bin below the diagram, bar heights in proportion to counts', async () => {
    const chart = await renderSpec(reliabilityChart([{ name: 'v1.0', ...reliability }]));
    const histogram = bars(chart);
    assert.deepEqual(
      histogram.map((bar) => datum(bar).count),
      [20, 40, 100, 60],
    );
    const heights = histogram.map((bar) => bar.height ?? NaN);
    assert.ok(Math.abs((heights[2] as number) / (heights[0] as number) - 5) < 1e-9, 'a bin of 100 is five times the height of a bin of 20');
    const [first] = histogram;
    assert.ok((first?.width ?? 0) > 0);
    const histogramTop = Math.min(...histogram.map((bar) => bar.y ?? NaN));
    assert.ok(histogramTop >= 0);
  });

  it('compares several series in one diagram, each in its colour with its own ECE line', async () => {
    const worse = reliabilityOf(columns([...bin(0.9, 50, 30), ...bin(0.7, 30, 15)]));
    const chart = await renderSpec(reliabilityChart([{ name: 'v1.0', ...reliability }, { name: 'v1.1', ...worse }], { width: 500 }));
    const drawn = points(chart);
    assert.equal(drawn.length, 4 + 2);
    const colors = new Map(drawn.map((item) => [datum(item).series, item.fill]));
    assert.equal(colors.size, 2);
    assert.notEqual(colors.get('v1.0'), colors.get('v1.1'));
    const texts = textsOf(chart);
    assert.ok(texts.some((text) => text.startsWith('v1.1: ECE 0.')));
    assert.ok(texts.includes('Series'), 'a legend for several series');
    assert.equal(texts.filter((text) => text === 'v1.1').length, 1, 'one legend for the diagram and the histogram');
    assert.throws(() => reliabilityChart([{ name: 'v1.0', ...reliability }, { name: 'v1.0', ...worse }]), /series names must differ/);
  });

  it('keeps a one-value bin of equal-mass binning visible in the histogram', async () => {
    const mass = reliabilityOf(columns([...bin(0.9, 10, 9), ...bin(0.6, 10, 5)]), { binning: 'mass', binCount: 2 });
    assert.equal(mass.bins[0]?.lower, mass.bins[0]?.upper);
    const chart = await renderSpec(reliabilityChart([{ name: 'v1.0', ...mass }]));
    for (const bar of bars(chart)) assert.ok((bar.width ?? 0) > 0, 'every bar has a width');
  });

  it('says there is nothing to draw without series, without bins, or without labels', async () => {
    const unlabelled = reliabilityOf(columns([[1, 0.9, -1]]));
    for (const input of [[], [{ name: 'v1.0', ...unlabelled }], [{ name: 'v1.0', ece: null, mce: null, labelled: 0, bins: [] }]]) {
      const chart = await renderSpec(reliabilityChart(input));
      assert.deepEqual(itemsOf(chart, 'text').map((item) => item.text), ['No labelled predictions to compare confidence with.']);
    }
  });

  it('draws a single labelled prediction', async () => {
    const chart = await renderSpec(reliabilityChart([{ name: 'only', ...reliabilityOf(columns([[0, 0.7, 0]])) }]));
    assert.equal(points(chart).length, 1);
    assert.equal(bars(chart).length, 1);
  });

  it('renders any reliability of any labelled data without a warning (property)', async () => {
    const row = fc.tuple(fc.constantFrom(0, 1), fc.integer({ min: 500, max: 1000 }).map((k) => k / 1000), fc.constantFrom(-1, 0, 1));
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 60 }), fc.constantFrom('width' as const, 'mass' as const), fc.integer({ min: 1, max: 15 }), async (rows, binning, binCount) => {
        const r = reliabilityOf(columns(rows), { binning, binCount });
        const chart = await renderSpec(reliabilityChart([{ name: 'v', ...r }]));
        assert.equal(points(chart).length, r.bins.filter((b) => b.count > 0).length);
      }),
      { numRuns: 20 },
    );
  });

  it('draws several series side by side, one diagram each with its own ECE and MCE, in the colours of the overlaid chart', async () => {
    const a = reliabilityOf(sample, { binCount: 10 });
    const b = reliabilityOf(columns([...bin(0.35, 30, 12), ...bin(0.95, 50, 40)]), { binCount: 10 });
    const series = [
      { name: 'v1.0', ...a },
      { name: 'v1.1', ...b },
    ];
    const observed = (r: typeof a) => r.bins.filter((x) => x.count > 0 && x.accuracy !== null).length;
    const apart = await renderSpec(reliabilityChartsSideBySide(series, { width: 240 }));
    const together = await renderSpec(reliabilityChart(series));
    assert.equal(points(apart).length, observed(a) + observed(b));
    assert.equal(points(apart).length, points(together).length);
    const texts = textsOf(apart);
    assert.ok(texts.includes('v1.0') && texts.includes('v1.1'), 'each diagram is titled by its series');
    assert.ok(texts.some((text) => text.startsWith(`v1.1: ECE ${b.ece?.toFixed(3)} · MCE ${b.mce?.toFixed(3)}`)), texts.join(' | '));
    const colourOf = (chart: RenderedChart, name: string) => new Set(points(chart).filter((item) => datum(item).series === name).map((item) => item.fill));
    for (const name of ['v1.0', 'v1.1']) assert.deepEqual(colourOf(apart, name), colourOf(together, name));
    assert.notDeepEqual(colourOf(apart, 'v1.0'), colourOf(apart, 'v1.1'));
    // One series is the ordinary chart.
    assert.deepEqual(reliabilityChartsSideBySide(series.slice(0, 1)), reliabilityChart(series.slice(0, 1)));
  });
});

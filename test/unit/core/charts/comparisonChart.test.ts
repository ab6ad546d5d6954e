import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { comparisonChart, type ComparisonValue } from '../../../../src/core/charts/comparisonChart';
import { NEUTRAL_COLOR, VEGA_LITE_SCHEMA } from '../../../../src/core/charts/theme';
import { itemsOf, renderSpec, textsOf, type RenderedChart, type SceneItem } from './renderSpec';

function datum(item: SceneItem): Record<string, unknown> {
  return item.datum ?? {};
}

function bars(chart: RenderedChart): SceneItem[] {
  return itemsOf(chart, 'rect').filter((item) => 'version' in datum(item));
}

function errorBars(chart: RenderedChart): SceneItem[] {
  return itemsOf(chart, 'rule').filter((item) => 'version' in datum(item));
}

const value = (model_version: string, metric: string, v: number | null, extra: Partial<ComparisonValue> = {}): ComparisonValue => ({ model_version, metric, value: v, ...extra });

describe('comparisonChart', () => {
  it('groups a bar per model version under each metric, in the order asked', async () => {
    const values = ['v1.1', 'v1.0', 'v1.2'].flatMap((version, v) => ['recall', 'accuracy', 'f1'].map((metric, m) => value(version, metric, 0.6 + v * 0.1 + m * 0.01)));
    const spec = comparisonChart(values, { metrics: ['accuracy', 'f1'], versions: ['v1.0', 'v1.1', 'v1.2'] });
    assert.equal(spec.$schema, VEGA_LITE_SCHEMA);
    const chart = await renderSpec(spec);
    const drawn = bars(chart).sort((a, b) => (a.x ?? 0) - (b.x ?? 0));
    assert.equal(drawn.length, 9);
    assert.deepEqual(
      drawn.map((bar) => `${String(datum(bar).metric)}/${String(datum(bar).version)}`),
      ['accuracy', 'f1', 'recall'].flatMap((metric) => ['v1.0', 'v1.1', 'v1.2'].map((version) => `${metric}/${version}`)),
    );
    const colors = new Map(drawn.map((bar) => [datum(bar).version, bar.fill]));
    assert.equal(new Set(colors.values()).size, 3);
    // Bars start at zero: heights are in proportion to values.
    const [first] = drawn as [SceneItem];
    const last = drawn.at(-1) as SceneItem;
    assert.ok(Math.abs((last.height ?? 0) / (first.height ?? 1) - Number(datum(last).value) / Number(datum(first).value)) < 1e-9);
    const texts = textsOf(chart);
    for (const label of ['Accuracy', 'F1', 'Recall', 'Model version', 'Model versions compared']) assert.ok(texts.includes(label), `"${label}" is drawn`);
  });

  it('draws an interval as a neutral error bar over its own bar', async () => {
    const chart = await renderSpec(
      comparisonChart([value('v1.0', 'accuracy', 0.8, { lower: 0.75, upper: 0.84, count: 1200 }), value('v1.1', 'accuracy', 0.7, { lower: null, upper: 0.74 }), value('v1.2', 'accuracy', 0.6)]),
    );
    const rules = errorBars(chart);
    assert.equal(rules.length, 1, 'only a value with both ends has an error bar');
    const [rule] = rules as [SceneItem];
    const bar = bars(chart).find((b) => datum(b).version === 'v1.0') as SceneItem;
    assert.ok(Math.abs((rule.x ?? NaN) - ((bar.x ?? 0) + (bar.width ?? 0) / 2)) < 1e-6, 'centred on its bar');
    // y is the lower end (further down the screen), y2 the upper one.
    assert.ok((rule.y2 ?? NaN) < (bar.y ?? NaN) && (bar.y ?? NaN) < (rule.y ?? NaN), 'the interval contains the bar top');
    assert.equal(rule.stroke, NEUTRAL_COLOR);
    assert.deepEqual(bar.tooltip, { Metric: 'Accuracy', 'Model version': 'v1.0', Value: '0.800', Interval: '0.750–0.840', Predictions: '1,200' });
  });

  it('names missing values instead of drawing them as zero', async () => {
    const chart = await renderSpec(comparisonChart([value('v1.0', 'accuracy', 0.8), value('v1.1', 'accuracy', null), value('v1.1', 'roc_auc', Number.NaN)]));
    assert.equal(bars(chart).length, 1);
    assert.ok(textsOf(chart).includes('No value for v1.1 Accuracy, v1.1 ROC AUC.'));
  });

  it('keeps two metrics apart when their display names would be the same', async () => {
    const chart = await renderSpec(comparisonChart([value('v1.0', 'accuracy', 0.8), value('v1.0', 'Accuracy', 0.7)]));
    const drawn = bars(chart);
    assert.equal(drawn.length, 2);
    assert.notEqual(drawn[0]?.x, drawn[1]?.x);
  });

  it('refuses two values of one metric for one version rather than stacking them', () => {
    assert.throws(() => comparisonChart([value('v1.0', 'f1', 0.5), value('v1.0', 'f1', 0.6)]), /"v1.0" has more than one value of "f1"/);
  });

  it('says there is nothing to draw without values', async () => {
    for (const values of [[], [value('v1.0', 'accuracy', null)]]) {
      const chart = await renderSpec(comparisonChart(values));
      assert.deepEqual(itemsOf(chart, 'text').map((item) => item.text), ['No metric values to compare.']);
    }
  });

  it('draws a single value, and ten versions of six metrics', async () => {
    assert.equal(bars(await renderSpec(comparisonChart([value('v1.0', 'f1', 0.5)]))).length, 1);
    const versions = Array.from({ length: 10 }, (_, i) => `v${i}`);
    const metrics = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'average_precision'];
    const chart = await renderSpec(comparisonChart(versions.flatMap((version, v) => metrics.map((metric) => value(version, metric, 0.5 + v / 40)))));
    assert.equal(bars(chart).length, 60);
  });

  it('renders any values and intervals without a warning (property)', async () => {
    const number = fc.option(fc.integer({ min: 0, max: 1000 }).map((k) => k / 1000), { nil: null });
    const entry = fc.record({ model_version: fc.constantFrom('a', 'b', 'c'), metric: fc.constantFrom('accuracy', 'f1', 'x'), value: number, lower: number, upper: number });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(entry, { maxLength: 9, selector: (e) => `${e.model_version}/${e.metric}` }), async (values) => {
        const chart = await renderSpec(comparisonChart(values));
        assert.equal(bars(chart).length, values.filter((v) => v.value !== null).length);
      }),
      { numRuns: 25 },
    );
  });

  it('draws versions and metrics named like Object.prototype members (Vega keys scales by plain objects)', async () => {
    const chart = await renderSpec(
      comparisonChart([
        { model_version: '__proto__', metric: 'constructor', value: 0.5 },
        { model_version: 'toString', metric: 'constructor', value: 0.6 },
      ]),
    );
    assert.equal(itemsOf(chart, 'rect').length, 2);
    assert.ok(textsOf(chart).some((text) => text.startsWith('__proto__')));
  });
});

import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { driftScoresChart, type DriftScore } from '../../../../src/core/charts/driftChart';
import { DRIFT_SEVERITY_COLORS, DRIFT_SEVERITY_ORDER, VEGA_LITE_SCHEMA } from '../../../../src/core/charts/theme';
import { itemsOf, marksOf, renderSpec, textsOf, type RenderedChart, type SceneItem } from './renderSpec';

function datum(item: SceneItem): Record<string, unknown> {
  return item.datum ?? {};
}

function bars(chart: RenderedChart): SceneItem[] {
  return itemsOf(chart, 'rect').filter((item) => 'feature' in datum(item));
}

function thresholds(chart: RenderedChart): SceneItem[] {
  return itemsOf(chart, 'rule').filter((item) => 'text' in datum(item));
}

const psi = (feature: string, score: number | null, severity: DriftScore['severity']): DriftScore => ({ feature, kind: 'psi', score, severity });

const colorOf = (severity: string) => DRIFT_SEVERITY_COLORS[DRIFT_SEVERITY_ORDER.indexOf(severity as never)];

describe('driftScoresChart', () => {
  it('draws a bar per feature, longest at the top, coloured by severity, with the thresholds as rules', async () => {
    const spec = driftScoresChart({
      scores: [psi('grid_position', 0.04, 'none'), psi('track_temp', 0.41, 'high'), psi('air_temp', 0.18, 'medium'), psi('humidity', 0.12, 'low')],
      thresholds: [
        { kind: 'psi', value: 0.1, severity: 'medium' },
        { kind: 'psi', value: 0.25, severity: 'high' },
      ],
    });
    assert.equal(spec.$schema, VEGA_LITE_SCHEMA);
    const chart = await renderSpec(spec);
    const drawn = bars(chart).sort((a, b) => (a.y ?? 0) - (b.y ?? 0));
    assert.deepEqual(
      drawn.map((bar) => datum(bar).feature),
      ['track_temp', 'air_temp', 'humidity', 'grid_position'],
    );
    for (const bar of drawn) assert.equal(bar.fill, colorOf(String(datum(bar).severity)));
    // Bars start at zero and their lengths are in proportion to the scores.
    const [top, , , bottom] = drawn as [SceneItem, SceneItem, SceneItem, SceneItem];
    assert.ok(Math.abs((top.width ?? 0) / (bottom.width ?? 1) - 0.41 / 0.04) < 1e-9);

    const rules = thresholds(chart);
    assert.equal(rules.length, 2);
    const pixelsPerUnit = (top.width ?? NaN) / 0.41;
    for (const rule of rules) {
      assert.ok(Math.abs((rule.x ?? NaN) - Number(datum(rule).score) * pixelsPerUnit - (top.x ?? 0)) < 1e-6, 'the rule stands at its threshold on the score axis');
      assert.equal(rule.stroke, colorOf(String(datum(rule).severity)));
      assert.deepEqual(rule.strokeDash, [4, 3]);
    }
    assert.equal((top.tooltip as Record<string, string>).PSI, '0.41');
    const texts = textsOf(chart);
    for (const label of ['Feature drift', 'PSI', 'Severity', 'high', 'medium', 'low', 'none']) assert.ok(texts.includes(label), `"${label}" is drawn`);
  });

  it('speaks both severity vocabularies, and its legend lists only the severities shown', async () => {
    const chart = await renderSpec(
      driftScoresChart({
        scores: [psi('track_temp', 0.31, 'drift'), psi('air_temp', 0.12, 'warning'), psi('grid_position', 0.01, 'none')],
        thresholds: [{ kind: 'psi', value: 0.2, severity: 'drift' }],
      }),
    );
    const legend = marksOf(chart, 'text', 'legend-label').flatMap((mark) => mark.items.map((item) => item.text));
    assert.deepEqual(legend, ['none', 'warning', 'drift']);
    for (const bar of bars(chart)) assert.equal(bar.fill, colorOf(String(datum(bar).severity)));
    assert.equal(colorOf('drift'), colorOf('high'));
    assert.equal(colorOf('warning'), colorOf('medium'));
  });

  it('gives each test its own panel and axis, since their scores are on different scales', async () => {
    const chart = await renderSpec(
      driftScoresChart({
        scores: [
          psi('track_temp', 0.3, 'high'),
          { feature: 'team', kind: 'chi_square', score: 40.2, severity: 'high', p_value: 0.00001 },
          { feature: 'tyre', kind: 'chi_square', score: 3.1, severity: 'none', p_value: 0.21 },
        ],
      }),
    );
    const texts = textsOf(chart);
    assert.ok(texts.includes('PSI'));
    assert.ok(texts.includes('Chi-square statistic'));
    const team = bars(chart).find((bar) => datum(bar).feature === 'team');
    const track = bars(chart).find((bar) => datum(bar).feature === 'track_temp');
    // On one shared axis the PSI bar would be 134 times shorter than the chi-square one.
    const ratio = (team?.width ?? NaN) / (track?.width ?? NaN);
    assert.ok(ratio > 0.5 && ratio < 2, `the largest score of each test fills its own axis (ratio ${ratio})`);
    assert.equal((team?.tooltip as Record<string, string>)['p-value'], '< 0.0001');
  });

  it('names features without a score instead of drawing them as zero', async () => {
    const chart = await renderSpec(driftScoresChart({ scores: [psi('track_temp', 0.3, 'high'), psi('rain', null, null), psi('wind', Number.NaN, null)] }));
    assert.equal(bars(chart).length, 1);
    assert.ok(textsOf(chart).includes('No score for 2 features: rain, wind.'));
  });

  it('colours a score its producer did not rate in a colour of its own', async () => {
    const chart = await renderSpec(driftScoresChart({ scores: [psi('a', 0.3, null), psi('b', 0.2, 'low')] }));
    const unrated = bars(chart).find((bar) => datum(bar).feature === 'a');
    assert.equal(datum(unrated as SceneItem).severity, 'unrated');
    assert.ok(!DRIFT_SEVERITY_COLORS.includes(String(unrated?.fill)));
    assert.ok(textsOf(chart).includes('unrated'));
  });

  it('tells the versions of a feature apart, and refuses two scores for one bar', async () => {
    const scores = [
      { ...psi('track_temp', 0.3, 'high'), model_version: 'v1.0' },
      { ...psi('track_temp', 0.05, 'none'), model_version: 'v1.1' },
    ];
    const chart = await renderSpec(driftScoresChart({ scores }));
    const labels = new Set(textsOf(chart));
    assert.ok(labels.has('track_temp (v1.0)') && labels.has('track_temp (v1.1)'));
    assert.throws(() => driftScoresChart({ scores: [psi('x', 0.1, 'low'), psi('x', 0.2, 'low')] }), /feature "x" has more than one psi score/);
  });

  it('says there is nothing to draw without scores', async () => {
    for (const scores of [[], [psi('rain', null, null)]]) {
      const chart = await renderSpec(driftScoresChart({ scores }));
      assert.deepEqual(itemsOf(chart, 'text').map((item) => item.text), ['No drift scores in this time range.']);
    }
  });

  it('grows with the number of features, a fixed step each', async () => {
    const one = await renderSpec(driftScoresChart({ scores: [psi('f0', 0.1, 'low')] }, { width: 400 }));
    const many = await renderSpec(driftScoresChart({ scores: Array.from({ length: 60 }, (_, i) => psi(`feature_${i}`, i / 100, 'low')) }, { width: 400 }));
    assert.equal(bars(many).length, 60);
    const thickness = (chart: RenderedChart) => bars(chart)[0]?.height ?? NaN;
    assert.ok(thickness(one) > 10);
    assert.ok(Math.abs(thickness(many) - thickness(one)) < 1e-9, 'sixty bars are as thick as one');
    const tops = bars(many).map((bar) => bar.y ?? NaN);
    assert.ok(Math.max(...tops) - Math.min(...tops) >= 59 * 18 - 1e-6);
  });

  it('renders any mix of tests, scores and severities without a warning (property)', async () => {
    const score = fc.record({
      feature: fc.string({ minLength: 1, maxLength: 12 }),
      kind: fc.constantFrom('psi', 'ks', 'chi_square'),
      score: fc.option(fc.integer({ min: 0, max: 5000 }).map((k) => k / 1000), { nil: null }),
      severity: fc.constantFrom('none' as const, 'low' as const, 'medium' as const, 'high' as const, null),
    });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(score, { maxLength: 20, selector: (s) => `${s.kind}:${s.feature}` }), async (scores) => {
        const chart = await renderSpec(driftScoresChart({ scores, thresholds: [{ kind: 'psi', value: 0.2, severity: 'high' }] }));
        assert.equal(bars(chart).length, scores.filter((s) => s.score !== null).length);
      }),
      { numRuns: 25 },
    );
  });
});

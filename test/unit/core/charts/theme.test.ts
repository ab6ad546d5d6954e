import * as assert from 'node:assert/strict';
import type { TopLevelSpec } from 'vega-lite';
import { comparisonChart } from '../../../../src/core/charts/comparisonChart';
import { distributionChart } from '../../../../src/core/charts/distributionChart';
import { driftScoresChart } from '../../../../src/core/charts/driftChart';
import { reliabilityChart } from '../../../../src/core/charts/reliabilityChart';
import {
  ALERT_SEVERITY_COLORS,
  DRIFT_SEVERITY_COLORS,
  formatFixed,
  formatUtc,
  formatUtcWindow,
  listNames,
  metricLabel,
  NEUTRAL_COLOR,
  UNRATED_COLOR,
  VEGA_LITE_SCHEMA,
} from '../../../../src/core/charts/theme';
import { trendChart } from '../../../../src/core/charts/trendChart';
import { renderSpec } from './renderSpec';

const T0 = 1746057600;
const HOUR = 3600;

/** One spec of every builder with everything it can draw, and each one's empty spec. */
function everyChart(options: { width?: number } = {}): [string, TopLevelSpec][] {
  const bins = [
    { lower: 0.5, upper: 0.75, count: 10, mean_confidence: 0.6, accuracy: 0.5, accuracy_interval: { lower: 0.24, upper: 0.76 } },
    { lower: 0.75, upper: 1, count: 20, mean_confidence: 0.9, accuracy: 0.85, accuracy_interval: { lower: 0.64, upper: 0.95 } },
  ];
  return [
    [
      'trend',
      trendChart(
        {
          points: [0, 1, 2].flatMap((w) => [
            { window_start: T0 + w * HOUR, window_end: T0 + (w + 1) * HOUR, model_version: 'v1.0', metric: 'accuracy', value: 0.8, source: 'realized' as const, insufficient: w === 1 },
            { window_start: T0 + w * HOUR, window_end: T0 + (w + 1) * HOUR, model_version: 'v1.0', metric: 'accuracy', value: 0.7, source: 'estimated' as const },
          ]),
          coverage: [{ window_start: T0, window_end: T0 + HOUR, model_version: 'v1.0', label_coverage: 0.4 }],
          alerts: [{ timestamp: T0 + HOUR, severity: 'critical', title: 'Low' }],
          degradations: [{ start: T0, end: T0 + 2 * HOUR }],
        },
        options,
      ),
    ],
    ['trend, empty', trendChart({ points: [] }, options)],
    ['reliability', reliabilityChart([{ name: 'a', ece: 0.1, mce: 0.2, labelled: 30, bins }, { name: 'b', ece: 0.1, mce: 0.2, labelled: 30, bins }], options)],
    ['reliability, empty', reliabilityChart([], options)],
    [
      'drift',
      driftScoresChart(
        {
          scores: [
            { feature: 'a', kind: 'psi', score: 0.3, severity: 'high' },
            { feature: 'b', kind: 'psi', score: 0.1, severity: null },
            { feature: 'c', kind: 'ks', score: 0.2, severity: 'low', p_value: 0.01 },
          ],
          thresholds: [{ kind: 'psi', value: 0.25, severity: 'high' }],
        },
        options,
      ),
    ],
    ['drift, empty', driftScoresChart({ scores: [] }, options)],
    ['distribution', distributionChart({ type: 'numeric', feature: 'x', edges: [0, 1, 2], baseline: [0.5, 0.5], current: [0.2, 0.8] }, options)],
    ['distribution, empty', distributionChart({ type: 'categorical', feature: 'x', categories: [], baseline: [], current: [] }, options)],
    ['comparison', comparisonChart([{ model_version: 'v1.0', metric: 'f1', value: 0.7, lower: 0.6, upper: 0.8 }], options)],
    ['comparison, empty', comparisonChart([], options)],
  ];
}

/** Every [key, value] pair anywhere in a spec, except under the keys skipped. */
function* entries(node: unknown, skip: readonly string[] = []): Generator<[string, unknown]> {
  if (Array.isArray(node)) {
    for (const item of node) yield* entries(item, skip);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (skip.includes(key)) continue;
      yield [key, value];
      yield* entries(value, skip);
    }
  }
}

describe('chart specs', () => {
  it('render headless without a warning, with the v6 schema, a container width and a title, for every builder', async () => {
    for (const [name, spec] of everyChart()) {
      assert.equal(spec.$schema, VEGA_LITE_SCHEMA, name);
      assert.deepEqual(spec.autosize, { type: 'fit-x', contains: 'padding' }, name);
      const widths = [...entries(spec)].filter(([key]) => key === 'width').map(([, value]) => value);
      assert.ok(widths.length > 0 && widths.every((width) => width === 'container'), `${name}: every view fills its container`);
      assert.ok(typeof spec.title === 'object' && spec.title !== null && 'text' in spec.title && spec.title.text !== '', `${name} has a title`);
      await renderSpec(spec);
    }
  });

  it('take a width in pixels instead of the container width when given one', async () => {
    for (const [name, spec] of everyChart({ width: 480 })) {
      assert.equal(spec.autosize, undefined, name);
      const widths = [...entries(spec)].filter(([key]) => key === 'width').map(([, value]) => value);
      assert.ok(widths.every((width) => width === 480), name);
      await renderSpec(spec);
    }
  });

  it('carry all their data inline', () => {
    for (const [name, spec] of everyChart()) {
      const pairs = [...entries(spec)];
      assert.ok(!pairs.some(([key]) => key === 'url' || key === 'datasets'), `${name} loads nothing`);
      for (const [key, value] of pairs) {
        if (key === 'data') assert.ok(value !== null && typeof value === 'object' && Array.isArray((value as { values?: unknown }).values), `${name}: data is {values: [...]}`);
      }
    }
  });

  it('use no colour but the neutral grey and the semantic severity colours, leaving the rest to the theme', () => {
    const allowed = new Set([NEUTRAL_COLOR, UNRATED_COLOR, ...ALERT_SEVERITY_COLORS, ...DRIFT_SEVERITY_COLORS]);
    for (const [name, spec] of everyChart()) {
      // resolve.scale.color says 'shared', not a colour.
      for (const [key, value] of entries(spec, ['resolve'])) {
        if (['color', 'fill', 'stroke', 'background'].includes(key) && typeof value === 'string') assert.ok(allowed.has(value), `${name}: ${key} ${value}`);
        if (key === 'range' && Array.isArray(value)) {
          for (const item of value) if (typeof item === 'string') assert.ok(allowed.has(item), `${name}: range colour ${item}`);
        }
        if (key === 'config' || key === 'scheme') assert.fail(`${name} sets ${key}, which belongs to the embedding`);
      }
    }
  });

  it('put no data into expressions: the only expression sizes the title to the view', () => {
    for (const [name, spec] of everyChart()) {
      for (const [key, value] of entries(spec)) {
        if (['expr', 'calculate', 'filter', 'signal', 'labelExpr', 'test'].includes(key)) assert.deepEqual([key, value], ['expr', 'width'], name);
      }
    }
  });
});

describe('the render check itself', () => {
  it('fails on a Vega-Lite warning', async () => {
    const spec = { $schema: VEGA_LITE_SCHEMA, data: { values: [{ a: 1 }] }, mark: 'point', encoding: { shape: { field: 'a', type: 'quantitative' } } } as TopLevelSpec;
    await assert.rejects(renderSpec(spec), /Vega-Lite compiles the spec without warnings/);
  });

  it('fails on a warning while Vega renders', async () => {
    const spec = { $schema: VEGA_LITE_SCHEMA, data: { values: [{ a: null }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } } as TopLevelSpec;
    await assert.rejects(renderSpec(spec), /Vega renders the spec without warnings/);
  });
});

describe('chart text', () => {
  it('writes UTC times and windows, with seconds only when there are some', () => {
    assert.equal(formatUtc(T0), '2025-05-01 00:00 UTC');
    assert.equal(formatUtc(T0 + 90.5), '2025-05-01 00:01:30 UTC');
    assert.equal(formatUtcWindow(T0, T0 + HOUR), '2025-05-01 00:00–01:00 UTC');
    assert.equal(formatUtcWindow(T0 - HOUR, T0), '2025-04-30 23:00–2025-05-01 00:00 UTC');
    assert.equal(formatUtc(Number.NaN), 'NaN UTC');
  });

  it('shortens long lists of names and names metrics for people', () => {
    assert.equal(listNames(['a', 'b']), 'a, b');
    assert.equal(listNames(['a', 'b', 'c', 'd', 'e', 'f', 'g']), 'a, b, c, d, e and 2 more');
    assert.equal(metricLabel('roc_auc'), 'ROC AUC');
    assert.equal(metricLabel('track_temp_psi'), 'track_temp_psi');
    assert.equal(metricLabel('__proto__'), '__proto__');
    assert.equal(metricLabel('toString'), 'toString');
    assert.equal(formatFixed(null), '–');
    assert.equal(formatFixed(0.12345), '0.123');
  });
});

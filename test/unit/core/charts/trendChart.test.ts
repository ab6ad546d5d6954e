import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { WindowMetricsRow } from '../../../../src/core/analytics/windows';
import { ALERT_SEVERITY_COLORS, VEGA_LITE_SCHEMA } from '../../../../src/core/charts/theme';
import { MAX_ALERT_MARKERS, MAX_DESCRIBED_MARKS, trendChart, trendInputFromWindows, type TrendPoint } from '../../../../src/core/charts/trendChart';
import { itemsOf, marksOf, renderSpec, textsOf, type RenderedChart, type SceneItem } from './renderSpec';

const HOUR = 3600;
// 2025-05-01 00:00 UTC: local time would show other hours in most zones.
const T0 = 1746057600;

function point(version: string | null, metric: string, window: number, value: number | null, extra: Partial<TrendPoint> = {}): TrendPoint {
  return { window_start: T0 + window * HOUR, window_end: T0 + (window + 1) * HOUR, model_version: version, metric, value, source: 'realized', ...extra };
}

function grid(versions: readonly string[], metrics: readonly string[], windows: number): TrendPoint[] {
  return versions.flatMap((version, v) => metrics.flatMap((metric, m) => Array.from({ length: windows }, (_, w) => point(version, metric, w, 0.6 + v * 0.1 + m * 0.01 + w * 0.001))));
}

function datum(item: SceneItem): Record<string, unknown> {
  return item.datum ?? {};
}

/** Symbols of the data points (legend and alert markers are symbols too). */
function dataSymbols(chart: RenderedChart): SceneItem[] {
  return itemsOf(chart, 'symbol').filter((item) => 'metric' in datum(item));
}

/** Vertices of every line, with the line's dash. */
function lines(chart: RenderedChart): SceneItem[][] {
  return marksOf(chart, 'line').map((mark) => [...mark.items]);
}

describe('trendChart', () => {
  it('stacks one panel per metric over a coverage panel, one line per model version, all in one legend', async () => {
    const versions = ['v1.0', 'v1.1', 'v1.2'];
    const metrics = ['accuracy', 'f1', 'roc_auc'];
    const points = grid(versions, metrics, 6);
    const coverage = versions.flatMap((version) => Array.from({ length: 6 }, (_, w) => ({ window_start: T0 + w * HOUR, window_end: T0 + (w + 1) * HOUR, model_version: version, label_coverage: 0.5 })));
    const spec = trendChart({ points, coverage });
    assert.equal(spec.$schema, VEGA_LITE_SCHEMA);
    assert.ok('vconcat' in spec && spec.vconcat.length === 4, 'three metric panels and the coverage panel');
    const chart = await renderSpec(spec);

    // 3 metrics × 3 versions lines, and 3 coverage lines.
    assert.equal(lines(chart).length, 12);
    assert.equal(dataSymbols(chart).length, 3 * 3 * 6);
    const texts = textsOf(chart);
    for (const label of ['Accuracy', 'F1', 'ROC AUC', 'Labelled', 'Model performance', 'Model version', ...versions]) assert.ok(texts.includes(label), `"${label}" is drawn`);
    // One shared colour legend, not one per panel.
    assert.equal(texts.filter((text) => text === 'v1.1').length, 1);
    const colors = new Set(lines(chart).map((line) => line[0]?.stroke));
    assert.equal(colors.size, 3, 'a colour per model version, the same in every panel');
    // Without estimates there is nothing for a realized / estimated legend to tell apart.
    for (const word of ['Values', 'realized', 'estimated']) assert.ok(!texts.includes(word), `no "${word}" in the legend`);
  });

  it('draws label-free estimates dashed and calls them estimated in the legend and the tooltip', async () => {
    const points = [
      ...grid(['v1.0'], ['accuracy'], 4),
      ...[2, 3, 4, 5].map((w) => point('v1.0', 'accuracy', w, 0.7, { source: 'estimated', lower: 0.65, upper: 0.75 })),
    ];
    const chart = await renderSpec(trendChart({ points }));
    const dashes = lines(chart).map((line) => ({ source: datum(line[0] as SceneItem).source, dash: JSON.stringify(line[0]?.strokeDash) }));
    assert.deepEqual(dashes.sort((a, b) => String(a.source).localeCompare(String(b.source))), [
      { source: 'estimated', dash: '[6,4]' },
      { source: 'realized', dash: '[1,0]' },
    ]);
    assert.match(chart.svg, /stroke-dasharray="6,4"/);
    assert.ok(textsOf(chart).includes('estimated'), 'the legend names the estimates');
    const estimates = dataSymbols(chart).filter((item) => datum(item).source === 'estimated');
    assert.equal(estimates.length, 4);
    for (const item of estimates) {
      assert.equal(item.shape, 'diamond');
      const tooltip = item.tooltip as Record<string, string>;
      assert.equal(tooltip.Values, 'estimated');
      assert.equal(tooltip.Interval, '0.650–0.750');
      assert.equal(tooltip.Note, 'label-free estimate');
    }
  });

  it('never draws an insufficient window as a confident point, and breaks the line there', async () => {
    const points = [0, 1, 2, 3, 4].map((w) => point('v1.0', 'accuracy', w, 0.8, { insufficient: w === 2, labelled: w === 2 ? 3 : 50, count: 60 }));
    const chart = await renderSpec(trendChart({ points }));
    const symbols = dataSymbols(chart);
    const doubtful = symbols.filter((item) => datum(item).insufficient === true);
    assert.equal(doubtful.length, 1);
    assert.equal(doubtful[0]?.fill, 'transparent', 'hollow');
    assert.ok(Number(doubtful[0]?.opacity) < 0.7, 'fainter than confident points');
    assert.equal((doubtful[0]?.tooltip as Record<string, string>).Note, 'too few labels for a confident value');
    assert.equal((doubtful[0]?.tooltip as Record<string, string>).Labelled, '3 of 60');
    assert.equal(symbols.filter((item) => item.fill !== 'transparent').length, 4);

    const [line] = lines(chart);
    assert.ok(line !== undefined);
    const at = line.find((vertex) => datum(vertex).t === (T0 + 2 * HOUR) * 1000);
    assert.equal(at?.defined, false, 'the line does not pass through the insufficient window');
    assert.equal(line.filter((vertex) => vertex.defined === true).length, 4);
    assert.ok(textsOf(chart).some((text) => text.startsWith('Hollow points: windows with too few labels')));
  });

  it('breaks the line over windows with no data instead of bridging the gap', async () => {
    const points = [0, 1, 5, 6].map((w) => point('v1.0', 'accuracy', w, 0.8));
    const chart = await renderSpec(trendChart({ points }));
    const [line] = lines(chart);
    assert.deepEqual(
      line?.map((vertex) => [(Number(datum(vertex).t) / 1000 - T0) / HOUR, vertex.defined]),
      [
        [0, true],
        [1, true],
        [2, false],
        [5, true],
        [6, true],
      ],
    );
  });

  it('marks alerts with a rule and a severity-coloured marker, and shades degradation periods', async () => {
    const points = grid(['v1.0'], ['accuracy', 'f1'], 10);
    const chart = await renderSpec(
      trendChart({
        points,
        alerts: [
          { timestamp: T0 + 2.5 * HOUR, severity: 'critical', title: 'Accuracy below 0.7', metric_name: 'accuracy', metric_value: 0.61, threshold: 0.7, model_version: 'v1.0' },
          { timestamp: T0 + 6 * HOUR, severity: 'warning', title: 'Feature drift', metric_name: 'track_temp_psi' },
          { timestamp: T0 - 48 * HOUR, severity: 'info', title: 'Long ago', metric_name: 'accuracy' },
        ],
        degradations: [{ start: T0 + 4 * HOUR, end: T0 + 7 * HOUR, metric: 'accuracy', label: 'Accuracy degraded' }],
      }),
    );
    const markers = itemsOf(chart, 'symbol').filter((item) => item.shape === 'triangle-down');
    // The accuracy alert on its own panel, the drift alert (no charted metric) on both.
    assert.deepEqual(markers.map((item) => datum(item).title).sort(), ['Accuracy below 0.7', 'Feature drift', 'Feature drift']);
    const critical = markers.find((item) => datum(item).severity === 'critical');
    assert.equal(critical?.fill, ALERT_SEVERITY_COLORS[2]);
    assert.equal(markers.find((item) => datum(item).severity === 'warning')?.fill, ALERT_SEVERITY_COLORS[1]);
    assert.deepEqual(critical?.tooltip, {
      Alert: 'Accuracy below 0.7',
      Severity: 'critical',
      Time: '2025-05-01 02:30 UTC',
      Metric: 'accuracy',
      Value: '0.610 (threshold 0.700)',
      'Model version': 'v1.0',
    });
    const rules = itemsOf(chart, 'rule').filter((item) => 'severity' in datum(item));
    assert.equal(rules.length, 3);
    assert.ok(textsOf(chart).includes('1 alert outside this time range not shown.'));
    assert.ok(textsOf(chart).includes('Shaded: periods of degraded performance.'));

    const bands = itemsOf(chart, 'rect').filter((item) => 'period' in datum(item));
    assert.equal(bands.length, 1, 'only on the accuracy panel');
    const band = bands[0] as SceneItem;
    const symbols = dataSymbols(chart).filter((item) => datum(item).metric === 'accuracy');
    const xAt = (window: number) => symbols.find((item) => datum(item).t === (T0 + window * HOUR) * 1000)?.x;
    assert.equal(band.x, xAt(4));
    assert.ok(Math.abs((band.x ?? 0) + (band.width ?? 0) - (xAt(7) ?? NaN)) < 1e-9, 'the band ends at the end of the period');
  });

  it('keeps time in UTC: a utc scale, utcFormat labels, and UTC text in tooltips', async () => {
    const chart = await renderSpec(trendChart({ points: grid(['v1.0'], ['accuracy'], 3) }));
    const scales = chart.vega.scales as { name: string; type: string }[];
    assert.equal(scales.find((scale) => scale.name === 'x')?.type, 'utc');
    const compiled = JSON.stringify(chart.vega);
    assert.ok(compiled.includes('utcFormat('));
    assert.ok(!compiled.includes('timeFormat('), 'no local-time formatting anywhere');
    assert.deepEqual(
      dataSymbols(chart).map((item) => (item.tooltip as Record<string, string>).Window),
      ['2025-05-01 00:00–01:00 UTC', '2025-05-01 01:00–02:00 UTC', '2025-05-01 02:00–03:00 UTC'],
    );
    const labels = marksOf(chart, 'text', 'axis-label').flatMap((mark) => mark.items.map((item) => String(item.text)));
    assert.ok(labels.includes('01:00'), `an hour label in 24-hour UTC time among ${labels.join(', ')}`);
  });

  it('says there is nothing to draw when there are no points or every value is null', async () => {
    for (const input of [{ points: [] }, { points: [point('v1.0', 'accuracy', 0, null), point('v1.1', 'accuracy', 1, null)] }]) {
      const chart = await renderSpec(trendChart(input));
      assert.deepEqual(itemsOf(chart, 'text').map((item) => item.text), ['No metric values to chart.']);
      assert.ok(textsOf(chart).includes('Model performance'));
    }
  });

  it('draws a single window as a point, without a line', async () => {
    const chart = await renderSpec(trendChart({ points: [point(null, 'accuracy', 0, 0.9)] }, { title: 'One window', width: 400 }));
    assert.equal(dataSymbols(chart).length, 1);
    assert.equal(lines(chart).length, 0);
    assert.ok(textsOf(chart).includes('all versions'));
    assert.ok(textsOf(chart).includes('One window'));
  });

  it('stays valid with nulls in values and a dozen model versions', async () => {
    const versions = Array.from({ length: 12 }, (_, i) => `v${i}`);
    const points = grid(versions, ['accuracy'], 5).map((p, i) => (i % 4 === 1 ? { ...p, value: null } : p));
    const chart = await renderSpec(trendChart({ points }));
    const texts = textsOf(chart);
    for (const version of versions) assert.ok(texts.includes(version));
    assert.equal(dataSymbols(chart).length, points.filter((p) => p.value !== null).length);
  });

  it('shows names as plain text, never as markup or code', async () => {
    const hostile = `</text><script>alert("x")</script>' + datum.x + '`;
    const chart = await renderSpec(trendChart({ points: [point(hostile, hostile, 0, 0.5), point(hostile, hostile, 1, 0.6)] }));
    assert.ok(!chart.svg.includes('<script'));
    assert.ok(chart.svg.includes('&lt;/text&gt;&lt;script&gt;'));
    assert.ok(textsOf(chart).includes(hostile));
  });

  it('turns windowed metrics rows into points: an insufficient window keeps its label-free metrics confident', () => {
    const row = (start: number, insufficient: boolean, accuracy: number | null): WindowMetricsRow => ({
      window_start: start,
      window_end: start + HOUR,
      group: 'v1.0',
      count: 40,
      labelled: insufficient ? 4 : 40,
      label_coverage: insufficient ? 0.1 : 1,
      insufficient,
      partial: false,
      accuracy,
      avg_confidence: 0.8,
    });
    const input = trendInputFromWindows([row(T0, false, 0.9), row(T0 + HOUR, true, null)], ['accuracy', 'avg_confidence']);
    assert.deepEqual(
      input.points.map((p) => [p.metric, p.value, p.insufficient]),
      [
        ['accuracy', 0.9, false],
        ['avg_confidence', 0.8, false],
        ['accuracy', null, true],
        ['avg_confidence', 0.8, false],
      ],
    );
    assert.deepEqual(input.coverage?.map((c) => c.label_coverage), [1, 0.1]);
    assert.deepEqual(input.metrics, ['accuracy', 'avg_confidence']);
  });

  it('draws every confident value as a filled point and nothing else filled, with any alerts and bands (property)', async () => {
    const pointArb = fc.record({
      version: fc.constantFrom('v1.0', 'v1.1', null),
      metric: fc.constantFrom('accuracy', 'f1'),
      window: fc.integer({ min: 0, max: 8 }),
      // Metrics are ratios of counts; subnormal doubles would only test d3's tick arithmetic.
      value: fc.option(fc.integer({ min: 0, max: 1000 }).map((k) => k / 1000), { nil: null }),
      insufficient: fc.boolean(),
      estimated: fc.boolean(),
    });
    const eventArb = fc.record({
      at: fc.double({ min: -2, max: 12, noNaN: true }),
      hours: fc.double({ min: 0, max: 5, noNaN: true }),
      severity: fc.constantFrom('info' as const, 'warning' as const, 'critical' as const),
      metric: fc.constantFrom('accuracy', 'f1', 'recall', null),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(pointArb, { maxLength: 30 }), fc.boolean(), fc.array(eventArb, { maxLength: 4 }), async (drawn, withCoverage, events) => {
        const points = drawn.map((d) => point(d.version, d.metric, d.window, d.value, { insufficient: d.insufficient, source: d.estimated ? 'estimated' : 'realized' }));
        const coverage = withCoverage ? points.map((p) => ({ ...p, label_coverage: 0.5 })) : [];
        const alerts = events.map((e) => ({ timestamp: T0 + e.at * HOUR, severity: e.severity, title: null, metric_name: e.metric }));
        const degradations = events.map((e) => ({ start: T0 + e.at * HOUR, end: T0 + (e.at + e.hours) * HOUR, metric: e.metric }));
        const chart = await renderSpec(trendChart({ points, coverage, alerts, degradations }));
        const confident = points.filter((p) => p.value !== null && p.source === 'realized' && p.insufficient !== true);
        const filledCircles = dataSymbols(chart).filter((item) => item.shape === 'circle' && item.fill !== 'transparent');
        assert.equal(filledCircles.length, confident.length);
      }),
      { numRuns: 25 },
    );
  });

  it('groups alerts per window and severity when there are too many to mark one by one, every alert counted', async () => {
    const windows = 48;
    const points = grid(['v1.0', 'v1.1'], ['accuracy'], windows);
    // Three thousand alerts over the 48 hours, of two severities and both versions.
    const alerts = Array.from({ length: 3000 }, (_, i) => ({
      timestamp: T0 + ((i * 7919) % (windows * HOUR)) + 0.5,
      severity: i % 3 === 0 ? ('critical' as const) : ('warning' as const),
      title: `Alert ${i}`,
      metric_name: i % 2 === 0 ? 'accuracy' : 'accuracy',
      model_version: i % 2 === 0 ? 'v1.0' : 'v1.1',
    }));
    const chart = await renderSpec(trendChart({ points, alerts }));
    const markers = itemsOf(chart, 'symbol').filter((item) => item.shape === 'triangle-down');
    assert.ok(markers.length <= MAX_ALERT_MARKERS, `${markers.length} markers`);
    assert.ok(markers.length <= windows * 2 && markers.length > windows, 'one per hour window and severity');
    const counted = markers.reduce((sum, item) => sum + Number(/^([\d,]+) /.exec(String(datum(item).title))?.[1]?.replace(/,/g, '') ?? NaN), 0);
    assert.equal(counted, alerts.length, 'the markers count every alert');
    const first = markers.find((item) => datum(item).t === T0 * 1000 && datum(item).severity === 'critical');
    const inFirst = alerts.filter((alert) => alert.timestamp < T0 + HOUR && alert.severity === 'critical').length;
    assert.equal(datum(first as SceneItem).title, `${inFirst} critical alert${inFirst === 1 ? '' : 's'}`);
    assert.equal(datum(first as SceneItem).version, 'v1.0, v1.1');
    assert.ok(textsOf(chart).includes('Too many alerts to mark one by one: one marker per hour, by severity.'), textsOf(chart).join(' | '));

    // Up to the limit, one marker per alert as before.
    const few = await renderSpec(trendChart({ points, alerts: alerts.slice(0, MAX_ALERT_MARKERS) }));
    assert.equal(itemsOf(few, 'symbol').filter((item) => item.shape === 'triangle-down').length, MAX_ALERT_MARKERS);
  });

  it('describes each item for screen readers up to a thousand marks, past that the chart as a whole', async () => {
    const small = await renderSpec(trendChart({ points: grid(['v1.0'], ['accuracy'], 24) }));
    assert.match(small.svg, /aria-roledescription="point"/);
    const windows = Math.ceil(MAX_DESCRIBED_MARKS / 2 / 2) + 10;
    const spec = trendChart({ points: grid(['v1.0', 'v1.1'], ['accuracy'], windows) });
    const large = await renderSpec(spec);
    assert.doesNotMatch(large.svg, /aria-roledescription="point"/, 'points are not described one by one');
    assert.match(String(spec.description), /values \(export the data as CSV to read them as a table\)/);
    assert.equal(dataSymbols(large).length, 2 * windows, 'every point is still drawn');
  });

  it("past a thousand marks, says each window's label coverage in its volume bar's tooltip rather than drawing a point per window on the coverage line", async () => {
    const coverageOf = (points: readonly TrendPoint[]) =>
      points.map((p) => ({ window_start: p.window_start, window_end: p.window_end, model_version: p.model_version, label_coverage: 0.5, labelled: 50, count: 100 }));
    const coveragePoints = (chart: RenderedChart) => itemsOf(chart, 'symbol').filter((item) => 'coverage' in datum(item));
    const bars = (chart: RenderedChart) => itemsOf(chart, 'rect').filter((item) => 'predictions' in datum(item));

    const sparsePoints = grid(['v1.0', 'v1.1'], ['accuracy'], 24);
    const sparse = await renderSpec(trendChart({ points: sparsePoints, coverage: coverageOf(sparsePoints), volume: true }));
    assert.equal(coveragePoints(sparse).length, 48, 'a point per window and version on the coverage line');
    assert.deepEqual(Object.keys(bars(sparse)[0]?.tooltip as object), ['Model version', 'Window', 'Predictions']);

    const windows = Math.ceil(MAX_DESCRIBED_MARKS / 2 / 3) + 10;
    const densePoints = grid(['v1.0', 'v1.1'], ['accuracy'], windows);
    const dense = await renderSpec(trendChart({ points: densePoints, coverage: coverageOf(densePoints), volume: true }));
    assert.equal(coveragePoints(dense).length, 0, 'no point per window on the coverage line');
    assert.equal(itemsOf(dense, 'line').filter((item) => 'coverage' in datum(item)).length, 2 * windows, 'the coverage line still has every window');
    assert.equal(bars(dense).length, 2 * windows);
    for (const bar of bars(dense)) assert.deepEqual(bar.tooltip, { ...(bar.tooltip as object), 'Label coverage': '50.0%', Labelled: '50 of 100' }, 'the bar says its coverage');

    // Without volume bars, the coverage points stay, dense or not: they are the only way to read a window's coverage.
    const noVolume = await renderSpec(trendChart({ points: densePoints, coverage: coverageOf(densePoints) }));
    assert.equal(coveragePoints(noVolume).length, 2 * windows);
  });
});

import * as assert from 'node:assert/strict';
import type { WindowEstimate } from '../../../../src/core/analytics/estimateWindows';
import type { WindowMetricsRow } from '../../../../src/core/analytics/windows';
import type { Alert } from '../../../../src/core/model/alert';
import { AlertRuleSchema, type AlertRule } from '../../../../src/core/model/alertRule';
import { trendChart, trendInputFromWindows } from '../../../../src/core/charts/trendChart';
import { firingSpans, metricAlerts, missingLabelEstimates, ruleThresholds } from '../../../../src/core/charts/trendOverlays';
import { itemsOf, renderSpec, textsOf, type SceneItem } from './renderSpec';

const HOUR = 3600;
const T0 = 1746057600;

function rule(fields: Partial<Record<string, unknown>>): AlertRule {
  return AlertRuleSchema.parse({ rule_id: 'r', metric_name: 'accuracy', metric_type: 'threshold', threshold: 0.7, comparison: '<', severity: 'critical', component: 'performance', ...fields });
}

function row(version: string, window: number, accuracy: number | null, extra: Partial<WindowMetricsRow> = {}): WindowMetricsRow {
  return { window_start: T0 + window * HOUR, window_end: T0 + (window + 1) * HOUR, group: version, count: 100, labelled: accuracy === null ? 5 : 60, label_coverage: accuracy === null ? 0.05 : 0.6, insufficient: accuracy === null, partial: false, accuracy, ...extra };
}

function alert(fields: Partial<Alert>): Alert {
  return { timestamp: T0, alert_id: 'a', severity: 'warning', title: 't', message: null, metric_name: 'accuracy', metric_value: 0.6, threshold: 0.7, component: null, model_version: 'v1', acknowledged: false, acknowledged_at: null, acknowledged_by: null, ...fields };
}

describe('trend overlays', () => {
  it('draws a line for each enabled threshold rule on the metric, as the service names it, for the charted versions', () => {
    const rules = [
      rule({ rule_id: 'acc_low' }),
      rule({ rule_id: 'acc_warn', threshold: 0.78, severity: 'warning' }),
      rule({ rule_id: 'off', enabled: false }),
      rule({ rule_id: 'ece', metric_name: 'expected_calibration_error', comparison: '>', threshold: 0.1 }),
      rule({ rule_id: 'degraded', metric_type: 'degradation' }),
      rule({ rule_id: 'other_version', conditions: { model_versions: ['v9'] } }),
      rule({ rule_id: 'mine', conditions: { model_versions: ['v1', 'v9'] } }),
      rule({ rule_id: 'unreadable', conditions: { window: 'soon' } }),
    ];
    assert.deepEqual(ruleThresholds(rules, 'accuracy', ['v1', 'v2']).map((line) => [line.rule_id, line.value, line.model_version]), [
      ['acc_low', 0.7, null],
      ['acc_warn', 0.78, null],
      ['mine', 0.7, 'v1, v9'],
    ]);
    assert.deepEqual(ruleThresholds(rules, 'ece', ['v1']).map((line) => line.rule_id), ['ece']);
  });

  it('shades the consecutive windows where a rule held, per version, broken by a window without a value', () => {
    const [threshold] = ruleThresholds([rule({ rule_id: 'acc_low' })], 'accuracy', ['v1', 'v2']);
    assert.ok(threshold);
    const rows = [row('v1', 0, 0.8), row('v1', 1, 0.6), row('v1', 2, 0.65), row('v1', 3, null), row('v1', 4, 0.5), row('v1', 6, 0.5), row('v2', 1, 0.9), row('v2', 2, 0.69)];
    const spans = firingSpans(rows, 'accuracy', [threshold]);
    assert.deepEqual(
      spans.map((span) => [span.model_version, (span.start - T0) / HOUR, (span.end - T0) / HOUR]),
      [
        ['v1', 1, 3],
        ['v1', 4, 5],
        ['v1', 6, 7],
        ['v2', 2, 3],
      ],
    );
    assert.equal(spans[0]?.label, 'Rule acc_low held: Accuracy < 0.700');
    // A rule scoped to one version shades only that version's windows.
    const [scoped] = ruleThresholds([rule({ conditions: { model_versions: ['v2'] } })], 'accuracy', ['v1', 'v2']);
    assert.deepEqual(firingSpans(rows, 'accuracy', [scoped!]).map((span) => span.model_version), ['v2']);
  });

  it("keeps the alerts of the metric (by the service's name for it) and of the charted versions", () => {
    const alerts = [alert({ alert_id: '1' }), alert({ alert_id: '2', model_version: 'v9' }), alert({ alert_id: '3', model_version: null }), alert({ alert_id: '4', metric_name: 'expected_calibration_error' })];
    assert.equal(metricAlerts(alerts, 'accuracy', ['v1']).length, 2);
    assert.equal(metricAlerts(alerts, 'ece', ['v1']).length, 1);
  });

  it('estimates only the windows without a realized value, with their interval, and nothing where the estimator refused', () => {
    const rows = [row('v1', 0, 0.8), row('v1', 1, null), row('v2', 1, null)];
    const estimate = (version: string, window: number, status: WindowEstimate['status'] = 'ok'): WindowEstimate =>
      ({
        window_start: T0 + window * HOUR,
        window_end: T0 + (window + 1) * HOUR,
        model_version: version,
        count: 100,
        labelled: 5,
        status,
        reason: '',
        recalibrated: false,
        estimated: status === 'ok' ? { accuracy: 0.75, precision: 0.7, recall: 0.7, f1: 0.7, specificity: 0.7, standardError: { accuracy: 0.02, precision: 0, recall: 0, f1: 0, specificity: 0 }, interval: { accuracy: { lower: 0.71, upper: 0.79 }, precision: null, recall: null, f1: null, specificity: null } } : null,
        realized: null,
      }) as unknown as WindowEstimate;
    const points = missingLabelEstimates([estimate('v1', 0), estimate('v1', 1), estimate('v2', 1, 'miscalibrated')], rows, 'accuracy');
    assert.deepEqual(points.map((point) => [point.model_version, (point.window_start - T0) / HOUR, point.value, point.lower, point.upper, point.source]), [['v1', 1, 0.75, 0.71, 0.79, 'estimated']]);
    assert.deepEqual(missingLabelEstimates([estimate('v1', 1)], rows, 'ece'), []);
  });

  it('renders the thresholds as rule lines, the gaps with their reason, the estimate bands and the volume bars', async () => {
    const rows = [row('v1', 0, 0.8), row('v1', 1, null), row('v1', 2, 0.6), row('v1', 3, 0.75)];
    const thresholds = ruleThresholds([rule({ rule_id: 'acc_low' })], 'accuracy', ['v1']);
    const input = trendInputFromWindows(rows, ['accuracy'], 30);
    const estimates = [{ window_start: T0 + HOUR, window_end: T0 + 2 * HOUR, model_version: 'v1', metric: 'accuracy', value: 0.7, source: 'estimated' as const, lower: 0.6, upper: 0.8 }];
    const chart = await renderSpec(trendChart({ ...input, points: [...input.points, ...estimates], thresholds, degradations: firingSpans(rows, 'accuracy', thresholds), bandNote: 'Shaded: where a rule held.', volume: true }));
    assert.ok(textsOf(chart).includes('Shaded: where a rule held.'), 'the bands are named under the title');
    const datum = (item: SceneItem) => item.datum ?? {};
    const rules = itemsOf(chart, 'rule').filter((item) => 'threshold' in datum(item));
    assert.equal(rules.length, 1);
    assert.equal((rules[0]?.tooltip as Record<string, string>)['Fires when'], 'Accuracy < 0.700');
    const bounds = (rules[0] as { bounds?: { y1: number; y2: number; x1: number; x2: number } }).bounds;
    assert.ok(bounds !== undefined && bounds.y2 - bounds.y1 < 2 && bounds.x2 - bounds.x1 > 50, 'a horizontal line across the panel');
    const gaps = itemsOf(chart, 'rect').filter((item) => 'reason' in datum(item));
    assert.equal(gaps.length, 1);
    assert.equal((gaps[0]?.tooltip as Record<string, string>)['No value'], 'Too few labels: 5 of 100 predictions labelled, fewer than the 30 a confident value needs.');
    const bands = itemsOf(chart, 'rect').filter((item) => datum(item).source === 'estimated');
    assert.equal(bands.length, 1);
    assert.equal(itemsOf(chart, 'rect').filter((item) => 'predictions' in datum(item)).length, 4, 'a volume bar per window');
    assert.equal(itemsOf(chart, 'rect').filter((item) => 'period' in datum(item)).length, 1, 'the window where the rule held is shaded');
  });
});

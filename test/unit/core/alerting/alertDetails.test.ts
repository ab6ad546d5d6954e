import * as assert from 'node:assert/strict';
import { detailAlerts } from '../../../../src/core/alerting/alertDetails';
import { fingerprintOf } from '../../../../src/core/alerting/evaluate';
import type { AlertRule } from '../../../../src/core/model/alertRule';
import type { StoredAlert } from '../../../../src/core/store/store';

const rule = (rule_id: string, metric_name: string, threshold: number, severity: AlertRule['severity']): AlertRule =>
  ({ rule_id, metric_name, metric_type: 'threshold', threshold, comparison: '<', severity, component: 'performance', enabled: true, cooldown_minutes: 0, channels: ['file'], conditions: {}, last_triggered: null }) as unknown as AlertRule;

const alert = (key: string, timestamp: number, severity: StoredAlert['severity'], threshold: number, message: string, acknowledged = false): StoredAlert => ({
  key, timestamp, alert_id: key, severity, title: 'PERFORMANCE: accuracy Alert', message, metric_name: 'accuracy', metric_value: 0.5, threshold,
  component: 'performance', model_version: 'v1.1', acknowledged, acknowledged_at: acknowledged ? timestamp + 60 : null, acknowledged_by: acknowledged ? 'oncall' : null,
});

describe('alert details: rule, state and comment only where a record says so', () => {
  const rules = [rule('acc_low', 'accuracy', 0.7, 'critical'), rule('acc_warn', 'accuracy', 0.78, 'warning'), rule('acc_warn_2', 'accuracy', 0.78, 'warning')];

  it('calls an alert firing when a firing state opened with it, resolved when the delivery log names it and no state holds it', () => {
    const alerts = [
      alert('a', 1000, 'critical', 0.7, 'accuracy is 0.5000 (< 0.7000) for v1.1'),
      alert('b', 500, 'critical', 0.7, 'accuracy is 0.5000 (< 0.7000) for v1.1', true),
    ];
    const details = detailAlerts(alerts, {
      rules,
      states: { [fingerprintOf('acc_low', 'v1.1', null)]: 1000 },
      delivered: new Map([['a', 'acc_low'], ['b', 'acc_low']]),
      acknowledgments: [{ alert_key: 'b', alert_id: 'b', acknowledged_at: 560, acknowledged_by: 'oncall', comment: 'known outage' }],
    });
    assert.deepEqual(details.get('a'), { rule_id: 'acc_low', rule_from: 'firing-state', state: 'firing', comment: null });
    assert.deepEqual(details.get('b'), { rule_id: 'acc_low', rule_from: 'delivery-log', state: 'resolved', comment: 'known outage' });
  });

  it('does not take a firing state of another segment, time or version for the alert', () => {
    const details = detailAlerts([alert('a', 1000, 'critical', 0.7, 'accuracy is 0.5000 (< 0.7000) for v1.1')], {
      rules,
      states: { [fingerprintOf('acc_low', 'v1.1', 'circuit=monza')]: 1000, [fingerprintOf('acc_low', 'v1.0', null)]: 1000, [fingerprintOf('acc_low', 'v1.1', null)]: 999 },
      delivered: new Map(),
      acknowledgments: [],
    });
    // Only the rule match is left: one rule with this metric, threshold, severity and component; no state.
    assert.deepEqual(details.get('a'), { rule_id: 'acc_low', rule_from: 'rule-match', state: null, comment: null });
  });

  it('gives no rule id when several rules or none match the alert', () => {
    const details = detailAlerts([alert('w', 1, 'warning', 0.78, 'accuracy is 0.5 (< 0.78)'), alert('i', 1, 'info', 0.5, 'accuracy is 0.4 (< 0.5)')], {
      rules,
      states: {},
      delivered: new Map(),
      acknowledgments: [],
    });
    assert.deepEqual(details.get('w'), { rule_id: null, rule_from: null, state: null, comment: null });
    assert.deepEqual(details.get('i'), { rule_id: null, rule_from: null, state: null, comment: null });
  });
});

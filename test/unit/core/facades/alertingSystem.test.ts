import * as assert from 'node:assert/strict';
import { AlertingSystem, judgeRule } from '../../../../src/core/alertingSystem';
import { PitwallError } from '../../../../src/core/errors';
import { AlertRuleSchema, COMPARISONS, type AlertRule, type Comparison } from '../../../../src/core/model/alertRule';
import { freshSourcesPerTest, SOURCE_KINDS } from './support';

function rule(overrides: Partial<AlertRule> = {}): AlertRule {
  return AlertRuleSchema.parse({
    rule_id: 'facade_acc', metric_name: 'accuracy', metric_type: 'threshold', threshold: 0.7, comparison: '<',
    severity: 'critical', component: 'performance', enabled: true, cooldown_minutes: 60, channels: ['console'], conditions: {},
    ...overrides,
  });
}

for (const kind of SOURCE_KINDS) {
  describe(`AlertingSystem over a ${kind} source`, () => {
    const fixture = freshSourcesPerTest();

    async function system() {
      return new AlertingSystem(await fixture.sources.open(kind), () => fixture.clock);
    }

    it('keeps a cooldown across a restart (seed defect 6.1.2)', async () => {
      const first = await system();
      await first.addRule(rule());
      assert.ok(await first.evaluateRule(rule(), 0.5, 'v1.1'), 'fires the first time');
      fixture.clock += 10 * 60;
      // A new AlertingSystem over a freshly opened store is a restart: the seed forgot its cooldowns here.
      const restarted = await system();
      assert.equal(await restarted.evaluateRule(rule(), 0.4, 'v1.1'), null, 'inside the 60-minute cooldown');
      fixture.clock += 51 * 60;
      assert.ok(await restarted.evaluateRule(rule(), 0.4, 'v1.1'), 'fires again after the cooldown');
    });

    it('keeps a cooldown to its exact end: one second before it no alert, at its end an alert', async () => {
      const first = await system();
      await first.addRule(rule());
      assert.ok(await first.evaluateRule(rule(), 0.5, 'v1.1'), 'fires the first time');
      const firedAt = fixture.clock;
      fixture.clock = firedAt + 60 * 60 - 1;
      const restarted = await system();
      assert.equal(await restarted.evaluateRule(rule(), 0.4, 'v1.1'), null, 'one second before the 60-minute cooldown ends');
      fixture.clock = firedAt + 60 * 60;
      assert.ok(await restarted.evaluateRule(rule(), 0.4, 'v1.1'), 'at the end of the cooldown');
    });

    it('evaluates comparisons and min/max conditions', async () => {
      const s = await system();
      assert.equal(await s.evaluateRule(rule({ rule_id: 'draft', cooldown_minutes: 0 }), 0.8, 'v1.0'), null);
      assert.equal(await s.evaluateRule(rule({ rule_id: 'draft', cooldown_minutes: 0, conditions: { min_value: 0.2 } }), 0.1, 'v1.0'), null);
      assert.equal(await s.evaluateRule(rule({ rule_id: 'draft', cooldown_minutes: 0, enabled: false }), 0.1, 'v1.0'), null);
      const alert = await s.evaluateRule(rule({ rule_id: 'draft', cooldown_minutes: 0, comparison: '!=' }), 0.1, 'v1.0');
      assert.equal(alert?.message, 'accuracy is 0.1000 (!= 0.7000)');
      assert.equal(alert?.title, 'PERFORMANCE: accuracy Alert');
    });

    it('gives alerts created in the same millisecond distinct ids', async () => {
      const s = await system();
      const ids = new Set<string>();
      for (let i = 0; i < 50; i++) ids.add((await s.createAlert('info', 't', 'm', 'accuracy', 0.5, 0.7, 'performance', 'v1.0')).alert_id);
      assert.equal(ids.size, 50);
    });

    it('adds rules atomically and refuses a duplicate rule_id', async () => {
      const s = await system();
      await s.addRule(rule({ rule_id: 'once' }));
      await assert.rejects(s.addRule(rule({ rule_id: 'once', threshold: 0.1 })), (error: unknown) => error instanceof PitwallError && error.code === 'conflict');
      const stored = (await (await fixture.sources.open(kind)).readRules()).filter((r) => r.rule_id === 'once');
      assert.deepEqual(stored.map((r) => r.threshold), [0.7]);
      await assert.rejects(s.addRule({ ...rule(), comparison: '~' } as never), (error: unknown) => error instanceof PitwallError && error.code === 'input');
    });

    it('acknowledges any alert, however old, and touches nothing else (seed defect 6.1.3)', async () => {
      const s = await system();
      const store = await fixture.sources.open(kind);
      const before = await store.readAlerts({ order: 'asc' });
      const oldest = before.find((alert) => !alert.acknowledged);
      assert.ok(oldest, 'the generated data has an open alert');
      assert.equal(await s.acknowledgeAlert(oldest.alert_id, 'oncall@example.com'), true);
      assert.equal(await s.acknowledgeAlert('alert_does_not_exist', 'x'), false);
      const after = await (await fixture.sources.open(kind)).readAlerts({ order: 'asc' });
      assert.equal(after.length, before.length);
      for (const [index, alert] of after.entries()) {
        const previous = before[index];
        if (alert.key === oldest.key) {
          assert.equal(alert.acknowledged, true);
          assert.equal(alert.acknowledged_by, 'oncall@example.com');
          assert.equal(alert.acknowledged_at, fixture.clock);
        } else {
          assert.deepEqual(alert, previous);
        }
      }
    });

    it('counts alerts by severity, state and component', async () => {
      const s = await system();
      const all = await (await fixture.sources.open(kind)).readAlerts({});
      const stats = await s.getAlertStatistics();
      assert.equal(stats.total, all.length);
      assert.equal(stats.acknowledged + stats.unacknowledged, stats.total);
      assert.equal(stats.by_severity.critical, all.filter((a) => a.severity === 'critical').length);
      assert.equal(Object.values(stats.by_component).reduce((a, b) => a + b, 0), stats.total);
    });

    it('runs callbacks for the channels of a firing rule, and a failing callback loses nothing', async () => {
      const s = await system();
      const seen: string[] = [];
      s.registerCallback('slack', (alert) => {
        seen.push(`slack:${alert.alert_id}`);
      });
      s.registerCallback('console', () => {
        throw new Error('console is broken');
      });
      const alert = await s.evaluateRule(rule({ rule_id: 'cb', channels: ['console', 'slack'], cooldown_minutes: 0 }), 0.1, 'v1.1');
      assert.ok(alert);
      assert.deepEqual(seen, [`slack:${alert.alert_id}`]);
      assert.equal(s.callbackFailures.length, 1);
      assert.ok((await (await fixture.sources.open(kind)).readAlerts({ alertId: alert.alert_id })).length === 1, 'the alert is stored');
    });
  });
}

describe('AlertingSystem judgeRule at the edges', () => {
  // Whether `value <comparison> threshold` holds for a value at, just below and just above the threshold.
  const expected: Readonly<Record<Comparison, readonly [boolean, boolean, boolean]>> = {
    '<': [false, true, false],
    '<=': [true, true, false],
    '>': [false, false, true],
    '>=': [true, false, true],
    '==': [true, false, false],
    '!=': [false, true, true],
  };
  const NOW = 1_800_000_000;

  it('tests every comparison at, just below and just above the threshold', () => {
    assert.deepEqual(Object.keys(expected).sort(), [...COMPARISONS].sort());
    for (const comparison of COMPARISONS) {
      const r = rule({ comparison, threshold: 0.7, cooldown_minutes: 0 });
      // 0.7 ∓ 2⁻⁵³ are the doubles next to 0.7 (its unit in the last place is 2⁻⁵³).
      const values = [0.7, 0.7 - 2 ** -53, 0.7 + 2 ** -53];
      assert.ok(values[1] !== 0.7 && values[2] !== 0.7 && (values[1] as number) < 0.7 && (values[2] as number) > 0.7);
      assert.deepEqual(values.map((value) => judgeRule(r, value, NOW).fires), expected[comparison], comparison);
    }
  });

  it('keeps min_value and max_value inclusive', () => {
    const r = (conditions: AlertRule['conditions']) => rule({ comparison: '>', threshold: 0, cooldown_minutes: 0, conditions });
    assert.deepEqual(judgeRule(r({ min_value: 0.5 }), 0.5, NOW), { fires: true });
    assert.deepEqual(judgeRule(r({ min_value: 0.5 }), 0.5 - 2 ** -54, NOW), { fires: false, reason: 'condition' });
    assert.deepEqual(judgeRule(r({ max_value: 0.5 }), 0.5, NOW), { fires: true });
    assert.deepEqual(judgeRule(r({ max_value: 0.5 }), 0.5 + 2 ** -53, NOW), { fires: false, reason: 'condition' });
  });

  it('holds a rule back until the exact end of its cooldown', () => {
    const r = rule({ threshold: 0.7, comparison: '<', cooldown_minutes: 90, last_triggered: NOW });
    assert.deepEqual(judgeRule(r, 0.1, NOW + 90 * 60 - 1), { fires: false, reason: 'cooldown' });
    assert.deepEqual(judgeRule(r, 0.1, NOW + 90 * 60), { fires: true });
  });
});


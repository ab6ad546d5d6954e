import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { backtestRule, backtestStep } from '../../../../src/core/alerting/backtestRule';
import { backtest } from '../../../../src/core/alerting/engine';
import { fingerprintOf } from '../../../../src/core/alerting/evaluate';
import { cooldownRemaining, readRulesActivity } from '../../../../src/core/alerting/ruleActivity';
import { indexFor } from '../../../../src/core/alerting/run';
import { isPitwallError } from '../../../../src/core/errors';
import type { AlertRule } from '../../../../src/core/model/alertRule';
import type { Store } from '../../../../src/core/store/store';
import { withOpenStore } from '../../withOpenStore';

const DAY = 86400;

/** The alerts of the range carrying the rule's metric, threshold, severity and component, counted one by one. */
async function alertsOfRule(store: Store, rule: AlertRule, from: number, to: number): Promise<number> {
  const alerts = await store.readAlerts();
  return alerts.filter(
    (a) => a.timestamp >= from && a.timestamp < to && a.metric_name === rule.metric_name && a.threshold === rule.threshold && a.severity === rule.severity && a.component === rule.component,
  ).length;
}

describe('rule activity and backtests for the Rules view', function () {
  this.timeout(60_000);
  let root: string;
  const sources: Record<'jsonl' | 'sqlite', string> = { jsonl: '', sqlite: '' };
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-rule-activity-'));
    await generateDataset({ outDir: root, predictions: 6000, seed: 21 });
    sources.jsonl = join(root, 'monitoring');
    sources.sqlite = join(root, 'monitoring.db');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('counts the cooldown left after a rule last fired, and none when it never did', () => {
    assert.equal(cooldownRemaining({ last_triggered: null, cooldown_minutes: 60 }, 1000), 0);
    assert.equal(cooldownRemaining({ last_triggered: 1000, cooldown_minutes: 60 }, 1000 + 600), 3000);
    assert.equal(cooldownRemaining({ last_triggered: 1000, cooldown_minutes: 60 }, 1000 + 7200), 0);
  });

  it('picks a replay step of at most about a thousand evaluations', () => {
    assert.equal(backtestStep(0, DAY), 300);
    assert.equal(backtestStep(0, 14 * DAY), 1800);
    assert.equal(backtestStep(0, 400 * DAY), 86_400);
  });

  const counts: Partial<Record<'jsonl' | 'sqlite', Record<string, number>>> = {};
  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`counts each rule's alerts of a ${kind} source in the range, marks firing rules and the cooldown left`, async () => {
      await withOpenStore(sources[kind], async (store) => {
        const [newest] = await store.readAlerts({ limit: 1 });
        assert.ok(newest !== undefined, 'the generated data has alerts');
        const rules = await store.readRules();
        const to = newest.timestamp + 1;
        const activity = await readRulesActivity(store, { now: to + 30 * DAY, to, range: 7 * DAY });
        assert.deepEqual(activity.range, { from: to - 7 * DAY, to });
        assert.deepEqual(activity.rules.map((r) => r.rule.rule_id), rules.map((r) => r.rule_id));
        for (const row of activity.rules) assert.equal(row.fired, await alertsOfRule(store, row.rule, to - 7 * DAY, to), row.rule.rule_id);
        assert.ok(activity.rules.some((row) => row.fired > 0), 'some rule raised alerts in the last week of the data');
        counts[kind] = Object.fromEntries(activity.rules.map((row) => [row.rule.rule_id, row.fired]));
        // Nothing fired in the week before now, a month after the data.
        const recent = await readRulesActivity(store, { now: to + 30 * DAY });
        assert.ok(recent.rules.every((row) => row.fired === 0 && row.firing.length === 0));

        // The engine's persisted firing state and a cooldown, as an evaluation leaves them.
        const rule = rules.find((r) => r.enabled) as AlertRule;
        const now = to + 30 * DAY;
        await store.updateAlertStates({ [fingerprintOf(rule.rule_id, 'v1.1', null)]: now - 600 }, []);
        await store.markRuleTriggered(rule.rule_id, now - 600);
        const after = await readRulesActivity(store, { now });
        const row = after.rules.find((r) => r.rule.rule_id === rule.rule_id);
        assert.deepEqual(row?.firing.map((f) => [f.model_version, f.since]), [['v1.1', now - 600]]);
        assert.equal(row?.cooldown_remaining, Math.max(0, rule.cooldown_minutes * 60 - 600));
        assert.ok(after.rules.filter((r) => r !== row).every((r) => r.firing.length === 0));
      });
    });
  }

  it('counts the same alerts in both formats of the same data', () => {
    assert.ok(counts.jsonl !== undefined && counts.sqlite !== undefined);
    assert.deepEqual(counts.jsonl, counts.sqlite);
  });

  it('says which rules share a count when they carry the same metric, threshold, severity and component', async () => {
    await withOpenStore(sources.jsonl, async (store) => {
      const [rule] = await store.readRules();
      assert.ok(rule !== undefined);
      await store.saveRule({ ...rule, rule_id: `${rule.rule_id}_copy` });
      const activity = await readRulesActivity(store, { now: Date.now() / 1000 });
      assert.deepEqual(activity.rules.find((r) => r.rule.rule_id === rule.rule_id)?.shared_with, [`${rule.rule_id}_copy`]);
      assert.deepEqual(activity.rules.find((r) => r.rule.rule_id === `${rule.rule_id}_copy`)?.shared_with, [rule.rule_id]);
      await store.deleteRule(`${rule.rule_id}_copy`);
    });
  });

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`backtests a rule of a ${kind} source over its whole history as the engine replays it`, async () => {
      await withOpenStore(sources[kind], async (store) => {
        const rule: AlertRule = {
          rule_id: 'draft',
          metric_name: 'accuracy',
          metric_type: 'threshold',
          threshold: 0.7,
          comparison: '<',
          severity: 'critical',
          component: 'performance',
          enabled: true,
          cooldown_minutes: 60,
          channels: ['console'],
          conditions: { window: '1d', model_versions: ['v1.1'] },
          for_minutes: 0,
          min_samples: 100,
          last_triggered: null,
        };
        const report = await backtestRule(store, rule);
        const columns = await store.readPredictionColumns();
        const first = columns.timestamp[0] as number;
        const last = columns.timestamp[columns.length - 1] as number;
        assert.equal(report.from, first);
        assert.equal(report.to, last);
        assert.equal(report.every, backtestStep(first, last));
        const expected = backtest(await indexFor(store, [rule]), rule, { from: first, to: last, every: report.every });
        assert.deepEqual(report.alerts, expected.alerts);
        assert.ok(report.alerts.length >= 1, 'v1.1 degrades in the generated data');
        assert.ok(report.alerts.every((a) => a.model_version === 'v1.1'));
        await assert.rejects(backtestRule(store, rule, { from: last, to: first }), (error) => isPitwallError(error) && error.code === 'input' && /end must be after its start/.test(error.message));
      });
    });
  }
});

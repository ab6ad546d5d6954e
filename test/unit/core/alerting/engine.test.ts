import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { AlertEngine, backtest } from '../../../../src/core/alerting/engine';
import { checkRule, columnsForRules, TimeIndex } from '../../../../src/core/alerting/evaluate';
import { RuleOptionsSchema } from '../../../../src/core/alerting/ruleOptions';
import { ENGINE_CONDITION_KEYS } from '../../../../src/core/model/fields';
import { isPitwallError } from '../../../../src/core/errors';
import { AlertRuleSchema, type AlertRule } from '../../../../src/core/model/alertRule';
import { openStore } from '../../../../src/core/store/openStore';

const HOUR = 3600;
const DAY = 86400;
const START = Date.parse('2026-10-01T00:00:00Z') / 1000;

function rule(fields: Partial<AlertRule> & Pick<AlertRule, 'rule_id' | 'metric_name' | 'threshold' | 'comparison'>): AlertRule {
  return AlertRuleSchema.parse({ metric_type: 'threshold', severity: 'warning', component: 'performance', cooldown_minutes: 0, ...fields });
}

describe('alerting engine over generated data with a known timeline', function () {
  this.timeout(120_000);
  let dir = '';
  let index: TimeIndex;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pitwall-engine-'));
    // v1.0 dips for six hours on day 4; v1.1 degrades from day 10 as track_temp drifts up.
    await generateDataset({ outDir: dir, predictions: 30_000, seed: 3 });
    const store = await openStore(join(dir, 'monitoring'));
    const needed = columnsForRules([rule({ rule_id: 'x', metric_name: 'track_temp_psi', metric_type: 'drift', threshold: 0.2, comparison: '>', conditions: { segment: { feature: 'circuit' } } })]);
    index = new TimeIndex(await store.readPredictionColumns({ features: needed.features, metadata: needed.metadata }));
    await store.close();
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const span = { from: START + DAY, to: START + 14 * DAY, every: HOUR };

  it('fires an accuracy rule for v1.1 once its degradation starts, once while it holds (deduplicated)', () => {
    const report = backtest(index, rule({ rule_id: 'acc', metric_name: 'accuracy', threshold: 0.7, comparison: '<', min_samples: 30, conditions: { window: '6h', model_versions: ['v1.1'] } }), span);
    assert.ok(report.alerts.length >= 1 && report.alerts.length <= 3, `${report.alerts.length} alerts: ${JSON.stringify(report.alerts.map((a) => (a.at - START) / DAY))}`);
    const first = report.alerts[0];
    assert.ok(first && first.at > START + 10 * DAY && first.at < START + 11 * DAY, `first alert on day ${((first?.at ?? 0) - START) / DAY}`);
    assert.equal(first.model_version, 'v1.1');
    assert.ok((first.value as number) < 0.7);
  });

  it('holds a rule back for its `for` duration: the alert comes later, never earlier', () => {
    const base = { rule_id: 'acc', metric_name: 'accuracy', threshold: 0.7, comparison: '<' as const, min_samples: 30, conditions: { window: '6h', model_versions: ['v1.1'] } };
    const now = backtest(index, rule(base), span).alerts[0]?.at as number;
    const later = backtest(index, rule({ ...base, for_minutes: 180 }), span).alerts[0]?.at as number;
    assert.ok(later >= now + 3 * HOUR, `without for: day ${(now - START) / DAY}, with 3 h: day ${(later - START) / DAY}`);
  });

  it('respects the cooldown from the last firing, and an engine restarted with the persisted last_triggered does not fire inside it', () => {
    const r = rule({ rule_id: 'conf', metric_name: 'avg_confidence', threshold: 0, comparison: '>', cooldown_minutes: 6 * 60, conditions: { window: '1h', model_versions: ['v1.0'], resolve_notice: true } });
    const engine = new AlertEngine([r]);
    const at = START + 5 * DAY;
    assert.equal(engine.step(index, at).fired.length, 1);
    // Still holding: deduplicated while firing.
    assert.equal(engine.step(index, at + HOUR).verdicts[0]?.outcome, 'firing');
    // A new process with the persisted last_triggered, within the cooldown: no new alert.
    const restarted = new AlertEngine([{ ...r, last_triggered: engine.lastTriggeredOf('conf') }]);
    const inside = restarted.step(index, at + 2 * HOUR);
    assert.equal(inside.fired.length, 0);
    assert.equal(inside.verdicts[0]?.outcome, 'cooldown');
    assert.equal(restarted.step(index, at + 7 * HOUR).fired.length, 1);
  });

  it('resolves when the condition clears, with a notice when the rule asks for one', () => {
    const report = backtest(index, rule({ rule_id: 'dip', metric_name: 'accuracy', threshold: 0.7, comparison: '<', min_samples: 20, conditions: { window: '3h', model_versions: ['v1.0'], resolve_notice: true } }), { from: START + 3 * DAY, to: START + 6 * DAY, every: HOUR });
    assert.ok(report.alerts.length >= 1, 'the day-4 dip fires');
    assert.ok(report.resolutions.length >= 1, 'and resolves');
    assert.ok((report.resolutions[0]?.at as number) > (report.alerts[0]?.at as number));
  });

  it('fires a drift rule on track_temp for v1.1 after day 10 and not before', () => {
    const report = backtest(index, rule({ rule_id: 'drift', metric_name: 'track_temp_psi', metric_type: 'drift', threshold: 0.2, comparison: '>', conditions: { window: '1d', baseline_window: '3d', model_versions: ['v1.1'] } }), { ...span, every: 6 * HOUR });
    assert.ok(report.alerts.length >= 1);
    assert.ok(report.alerts.every((a) => a.at > START + 10 * DAY), JSON.stringify(report.alerts.map((a) => (a.at - START) / DAY)));
  });

  it('fires degradation_detected from the two-proportion test, and a relative-change rule', () => {
    const flag = backtest(index, rule({ rule_id: 'deg', metric_name: 'degradation_detected', metric_type: 'degradation', threshold: 0, comparison: '!=', conditions: { window: '12h', baseline_window: '2d', model_versions: ['v1.1'] } }), { ...span, every: 6 * HOUR });
    assert.ok(flag.alerts.some((a) => a.at > START + 10 * DAY && a.at < START + 12 * DAY));
    const change = backtest(index, rule({ rule_id: 'f1drop', metric_name: 'f1_score', metric_type: 'degradation', threshold: -0.15, comparison: '<', conditions: { window: '12h', baseline_window: '2d', model_versions: ['v1.1'] } }), { ...span, every: 6 * HOUR });
    assert.ok(change.alerts.length >= 1 && (change.alerts[0]?.value as number) < -0.15);
  });

  it('judges each segment on its own, with its own fingerprint', () => {
    const engine = new AlertEngine([rule({ rule_id: 'seg', metric_name: 'count', threshold: 0, comparison: '>', conditions: { window: '1d', model_versions: ['v1.0'], segment: { feature: 'circuit' } } })]);
    const result = engine.step(index, START + 3 * DAY);
    const segments = result.fired.map((f) => f.verdict.segment);
    assert.ok(segments.length >= 3, JSON.stringify(segments));
    assert.ok(segments.every((s) => s?.startsWith('circuit=')));
    assert.equal(new Set(result.fired.map((f) => f.verdict.fingerprint)).size, segments.length);
  });

  it('fires a no-traffic rule for a version that has just gone silent', () => {
    const engine = new AlertEngine([rule({ rule_id: 'silent', metric_name: 'num_predictions', threshold: 0, comparison: '==', conditions: { window: '1d' } })]);
    // The data ends on day 14: a day later both versions have been silent for a whole window.
    const result = engine.step(index, START + 15 * DAY);
    assert.deepEqual(result.fired.map((f) => f.verdict.model_version), ['v1.0', 'v1.1']);
    assert.ok(result.fired.every((f) => f.verdict.value === 0));
    // While traffic flows, it holds back.
    assert.equal(new AlertEngine([rule({ rule_id: 'silent', metric_name: 'num_predictions', threshold: 0, comparison: '==', conditions: { window: '1d' } })]).step(index, START + 5 * DAY).fired.length, 0);
  });

  it('never fires without enough data (min_samples, min_label_coverage)', () => {
    assert.equal(backtest(index, rule({ rule_id: 'few', metric_name: 'accuracy', threshold: 1.01, comparison: '<', min_samples: 1_000_000 }), span).alerts.length, 0);
    const coverage = backtest(index, rule({ rule_id: 'cov', metric_name: 'accuracy', threshold: 1.01, comparison: '<', conditions: { window: '1h', min_label_coverage: 0.99 } }), span);
    assert.equal(coverage.alerts.length, 0);
  });

  it('names the rule and the field for what it cannot evaluate', () => {
    for (const [bad, pattern] of [
      [rule({ rule_id: 'r1', metric_name: 'happiness', threshold: 1, comparison: '<' }), /"r1" watches "happiness"/],
      [rule({ rule_id: 'r2', metric_name: 'accuracy', threshold: 1, comparison: '<', conditions: { window: 'soon' } }), /"r2": conditions\.window/],
      [rule({ rule_id: 'r3', metric_name: 'drifty', metric_type: 'drift', threshold: 1, comparison: '<' }), /"r3" is a drift rule/],
      [rule({ rule_id: 'r4', metric_name: 'accuracy', threshold: 1, comparison: '<', conditions: { segment: { feature: 'a', metadata: 'b' } } }), /"r4": conditions\.segment/],
    ] as const) {
      assert.throws(() => checkRule(bad), (error: unknown) => isPitwallError(error) && error.code === 'input' && pattern.test(error.message));
    }
    // The engine reports such a rule and evaluates the others.
    const engine = new AlertEngine([rule({ rule_id: 'r1', metric_name: 'happiness', threshold: 1, comparison: '<' }), rule({ rule_id: 'ok', metric_name: 'count', threshold: 0, comparison: '>' })]);
    const result = engine.step(index, START + 2 * DAY);
    assert.deepEqual(result.problems.map((p) => p.rule_id), ['r1']);
    assert.ok(result.fired.some((f) => f.rule.rule_id === 'ok'));
  });
});

describe('rule condition keys', () => {
  it('are the same in the stores (which warn of unknown keys) and in the engine', () => {
    assert.deepEqual([...ENGINE_CONDITION_KEYS].sort(), Object.keys(RuleOptionsSchema.shape).sort());
  });
});

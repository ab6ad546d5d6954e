import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { AlertEngine } from '../../../../src/core/alerting/engine';
import { judgeRuleAt, TimeIndex } from '../../../../src/core/alerting/evaluate';
import { editRule, parseRuleAssignments, removeRule, setRuleEnabled } from '../../../../src/core/alerting/ruleEdits';
import { checkNewRule, checkRulesFile } from '../../../../src/core/alerting/rulesCheck';
import { checkSilenceMatchers } from '../../../../src/core/alerting/silenceCheck';
import { freshnessOf } from '../../../../src/core/analytics/freshness';
import { isPitwallError } from '../../../../src/core/errors';
import { AlertRuleSchema, type AlertRule } from '../../../../src/core/model/alertRule';
import { checkHoldsMonitoringData } from '../../../../src/core/store/monitoringData';
import { openStore } from '../../../../src/core/store/openStore';
import type { Store, WindowColumns } from '../../../../src/core/store/store';

const HOUR = 3600;
const START = Date.parse('2026-10-01T00:00:00Z') / 1000;

function rule(fields: Partial<AlertRule> & Pick<AlertRule, 'rule_id' | 'metric_name' | 'threshold' | 'comparison'>): AlertRule {
  return AlertRuleSchema.parse({ metric_type: 'threshold', severity: 'warning', component: 'traffic', cooldown_minutes: 0, ...fields });
}

/** Prediction columns at these (sorted) times and versions, all labelled correct. */
function columnsOf(rows: readonly (readonly [number, string])[]): WindowColumns {
  const n = rows.length;
  return {
    length: n,
    timestamp: Float64Array.from(rows.map(([t]) => t)),
    model_version: rows.map(([, v]) => v),
    predicted_outcome: new Uint8Array(n).fill(1),
    confidence: new Float64Array(n).fill(0.9),
    actual_outcome: new Int8Array(n).fill(1),
    features: new Map(),
  };
}

describe('absence is a signal: the engine and the freshness check', () => {
  // v0.9 sent two predictions in the first hour and went silent; v1.0 sends one every 10 minutes for a day.
  const busy = Array.from({ length: 24 * 6 }, (_, i) => [START + i * 600 + 1, 'v1.0'] as const);
  const rows = [[START + 100, 'v0.9'] as const, [START + 200, 'v0.9'] as const, ...busy].sort((a, b) => a[0] - b[0]);
  const noTraffic = rule({ rule_id: 'no_traffic', metric_name: 'num_predictions', threshold: 0, comparison: '==', conditions: { window: '1h' } });

  it('judges num_predictions for a version silent for 10 windows, fires it once, keeps it firing, and resolves when traffic returns', () => {
    const index = new TimeIndex(columnsOf(rows));
    const engine = new AlertEngine([noTraffic]);
    const outcomes = (at: number) => engine.step(index, at).verdicts.map((v) => `${v.model_version} ${v.outcome}`);
    assert.deepEqual(outcomes(START + 11 * HOUR), ['v0.9 fired', 'v1.0 ok']);
    for (let hour = 12; hour <= 20; hour++) assert.deepEqual(outcomes(START + hour * HOUR), ['v0.9 firing', 'v1.0 ok']);
    // Before v0.9 ever sent anything, it is not a version the source knows.
    assert.deepEqual(judgeRuleAt(index, noTraffic, START + 50).map((v) => v.model_version), ['v1.0']);
    const back = new TimeIndex(columnsOf([...rows, [START + 20.5 * HOUR, 'v0.9'] as const].sort((a, b) => a[0] - b[0])));
    assert.deepEqual(engine.step(back, START + 21 * HOUR).verdicts.map((v) => `${v.model_version} ${v.outcome}`), ['v0.9 resolved', 'v1.0 ok']);
  });

  it('leaves other metrics to the scopes of their windows (an accuracy rule does not judge the silent version)', () => {
    const accuracy = rule({ rule_id: 'acc', metric_name: 'accuracy', threshold: 0.5, comparison: '<', conditions: { window: '1h' } });
    assert.deepEqual(judgeRuleAt(new TimeIndex(columnsOf(rows)), accuracy, START + 11 * HOUR).map((v) => v.model_version), ['v1.0']);
  });

  it('explains a value that a min_value or max_value band keeps from firing, and a comparison that fails', () => {
    const index = new TimeIndex(columnsOf(rows));
    const banded = rule({ rule_id: 'few', metric_name: 'num_predictions', threshold: 10, comparison: '<', conditions: { window: '1h', min_value: 7 } });
    const [v10] = judgeRuleAt(index, banded, START + 5 * HOUR).filter((v) => v.model_version === 'v1.0');
    assert.equal(v10?.state, 'ok');
    assert.equal(v10?.reason, 'num_predictions is 6.0000, below the threshold 10, but min_value 7 limits the rule to values at or above 7: the condition does not hold');
    const capped = rule({ rule_id: 'many', metric_name: 'num_predictions', threshold: 1, comparison: '>', conditions: { window: '1h', max_value: 5 } });
    assert.match(judgeRuleAt(index, capped, START + 5 * HOUR).find((v) => v.model_version === 'v1.0')?.reason ?? '', /above the threshold 1, but max_value 5 limits the rule to values at or below 5/);
    const failing = rule({ rule_id: 'none', metric_name: 'num_predictions', threshold: 2, comparison: '<' });
    assert.equal(judgeRuleAt(index, failing, START + 5 * HOUR).find((v) => v.model_version === 'v1.0')?.reason, 'num_predictions is 6.0000, not below the threshold 2: the condition does not hold');
  });

  it('gives the data span and each version’s silence as of a time, ignoring predictions after it', () => {
    const fresh = freshnessOf(columnsOf(rows), START + 11 * HOUR, 6 * HOUR);
    assert.equal(fresh.first_prediction, START + 1);
    assert.equal(fresh.newest_prediction, START + 65 * 600 + 1);
    assert.deepEqual(fresh.versions.map((v) => [v.model_version, v.stale, Math.round(v.age)]), [['v0.9', true, 11 * HOUR - 200], ['v1.0', false, 11 * HOUR - 65 * 600 - 1]]);
    const early = freshnessOf(columnsOf(rows), START + 50, HOUR);
    assert.deepEqual([early.newest_prediction, early.versions.map((v) => v.model_version)], [START + 1, ['v1.0']]);
    assert.equal(freshnessOf(columnsOf([]), START, HOUR).newest_prediction, null);
  });

  it('a rule the engine cannot judge is reported and the others are still judged', () => {
    const bad = rule({ rule_id: 'bad', metric_name: 'acuracy', threshold: 1, comparison: '<' });
    const result = new AlertEngine([bad, noTraffic]).step(new TimeIndex(columnsOf(rows)), START + 11 * HOUR);
    assert.deepEqual(result.problems.map((p) => p.rule_id), ['bad']);
    assert.deepEqual(result.fired.map((f) => f.rule.rule_id), ['no_traffic']);
  });
});

describe('rule checks at write time', () => {
  const good = { rule_id: 'r', metric_name: 'f1_score', metric_type: 'threshold', threshold: 0.6, comparison: '<', severity: 'warning', component: 'performance' };
  const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

  it('checks one rule as a file of one, with an error for a metric the engine does not compute and a warning for an unknown condition key', () => {
    const check = checkRulesFile('one.json', bytes({ ...good, metric_name: 'acuracy', conditions: { window: '6h', windw: '2h' } }));
    assert.equal(check.rules, 1);
    assert.deepEqual(check.problems.map((p) => [p.severity, p.field]), [['error', 'metric_name'], ['warning', 'conditions.windw']]);
    assert.deepEqual(checkRulesFile('ok.json', bytes(good)).problems, []);
  });

  it('refuses a new rule on any problem, one line per path, and returns the rule when there is none', () => {
    assert.equal(checkNewRule('ok.json', bytes(good)).metric_name, 'f1_score');
    assert.throws(
      () => checkNewRule('bad.json', bytes({ ...good, metric_name: 'acuracy', cooldown_minute: 5, conditions: { window: '6 hours' } })),
      (error: unknown) =>
        isPitwallError(error) &&
        error.code === 'input' &&
        error.message.split('\n').length === 4 &&
        /^bad\.json: metric_name: "acuracy" is not a metric/m.test(error.message) &&
        /^bad\.json: unknown field "cooldown_minute"/m.test(error.message) &&
        /^bad\.json: conditions\.window: must be a duration/m.test(error.message),
    );
    assert.throws(() => checkNewRule('many.json', bytes([good])), /one JSON object/);
  });

  it('reads --set pairs: JSON values, text otherwise, dotted keys into conditions; a pair without = is an input error', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(parseRuleAssignments(['threshold=0.7', 'severity=critical', 'conditions.window=6h', 'conditions.model_versions=["v1.1"]', 'enabled=false']))), {
      threshold: 0.7,
      severity: 'critical',
      conditions: { window: '6h', model_versions: ['v1.1'] },
      enabled: false,
    });
    assert.throws(() => parseRuleAssignments(['threshold']), (error: unknown) => isPitwallError(error) && error.code === 'input');
    assert.throws(() => parseRuleAssignments(['conditions.=1']), /key=value/);
  });
});

describe('rule edits, silence matchers and the no-data refusal on a JSONL folder and a SQLite file', function () {
  this.timeout(120_000);
  let root = '';
  let count = 0;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-rule-edits-'));
    await generateDataset({ outDir: join(root, 'generated'), predictions: 1500, seed: 5 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  async function withSource<T>(kind: 'jsonl' | 'sqlite', use: (store: Store, path: string) => Promise<T>): Promise<T> {
    const dir = join(root, `copy${count++}`);
    mkdirSync(dir);
    const path = join(dir, kind === 'jsonl' ? 'monitoring' : 'monitoring.db');
    cpSync(join(root, 'generated', kind === 'jsonl' ? 'monitoring' : 'monitoring.db'), path, { recursive: true });
    const store = await openStore(path);
    try {
      return await use(store, path);
    } finally {
      await store.close();
    }
  }

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`disables, edits and removes one rule, checks an edit as a new rule, and keeps the cooldown (${kind})`, async () => {
      await withSource(kind, async (store) => {
        const before = (await store.readRules()).find((r) => r.rule_id === 'ece_high');
        assert.equal((await setRuleEnabled(store, 'ece_high', false)).changed, true);
        assert.equal((await setRuleEnabled(store, 'ece_high', false)).changed, false);
        const edited = await editRule(store, 'ece_high', parseRuleAssignments(['threshold=0.2', 'conditions.window=2h']));
        assert.deepEqual([edited.threshold, edited.enabled, edited.conditions.window, edited.last_triggered], [0.2, false, '2h', before?.last_triggered]);
        await store.refresh();
        const read = (await store.readRules()).find((r) => r.rule_id === 'ece_high');
        assert.deepEqual([read?.threshold, read?.enabled, read?.conditions.window], [0.2, false, '2h']);
        await assert.rejects(editRule(store, 'ece_high', { metric_name: 'ece_score' }), /metric_name: "ece_score" is not a metric/);
        await assert.rejects(editRule(store, 'nope', { threshold: 1 }), (error: unknown) => isPitwallError(error) && error.code === 'input' && /^unknown rule_id "nope"; valid: .*ece_high/.test(error.message));
        await removeRule(store, 'ece_high');
        await store.refresh();
        assert.equal((await store.readRules()).some((r) => r.rule_id === 'ece_high'), false);
        await assert.rejects(removeRule(store, 'ece_high'), (error: unknown) => isPitwallError(error) && error.code === 'input' && /^unknown rule_id "ece_high"/.test(error.message));
      });
    });

    it(`finds the matchers of a silence that match nothing the source knows (${kind})`, async () => {
      await withSource(kind, async (store) => {
        assert.deepEqual(await checkSilenceMatchers(store, { rule_id: 'acc_low', model_version: 'v1.1', severity: 'critical' }), []);
        const problems = await checkSilenceMatchers(store, { rule_id: 'acc_lwo', model_version: 'v9', segment: 'circuit=monza' });
        assert.equal(problems.length, 3);
        await store.saveRule(rule({ rule_id: 'seg', metric_name: 'accuracy', threshold: 0.5, comparison: '<', conditions: { segment: { feature: 'circuit' } } }));
        await store.refresh();
        assert.deepEqual(await checkSilenceMatchers(store, { segment: 'circuit=monza' }), []);
        assert.match((await checkSilenceMatchers(store, { segment: 'circuit=mnoza' }))[0] ?? '', /^unknown value of circuit "mnoza" for --segment; did you mean `monza`\? Valid: .*monza/);
        assert.match((await checkSilenceMatchers(store, { segment: 'track=monza' }))[0] ?? '', /^unknown segment "track" for --segment; valid: circuit\.$/);
        assert.match((await checkSilenceMatchers(store, { segment: 'circuit' }))[0] ?? '', /feature=value .*split them by circuit/);
      });
    });
  }

  it('refuses to write into a folder or database with no monitoring data unless asked to create one', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const other = join(root, 'other.db');
    assert.equal(spawnSync('python3', ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE notes (x)"); c.commit()', other]).status, 0);
    for (const path of [empty, other]) {
      const store = await openStore(path);
      try {
        await assert.rejects(checkHoldsMonitoringData(store, path, false), (error: unknown) => isPitwallError(error) && error.code === 'input' && error.message.includes(path));
        await checkHoldsMonitoringData(store, path, true);
      } finally {
        await store.close();
      }
    }
    assert.deepEqual(readdirSync(empty), []);
    await withSource('jsonl', (store, path) => checkHoldsMonitoringData(store, path, false));
    await withSource('sqlite', (store, path) => checkHoldsMonitoringData(store, path, false));
  });
});

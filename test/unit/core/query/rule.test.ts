import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { backtestRule } from '../../../../src/core/alerting/backtestRule';
import { AlertEngine } from '../../../../src/core/alerting/engine';
import { addRule, editRule } from '../../../../src/core/alerting/ruleEdits';
import { checkRulesFile } from '../../../../src/core/alerting/rulesCheck';
import { indexFor } from '../../../../src/core/alerting/run';
import { PitwallError } from '../../../../src/core/errors';
import type { AlertRule } from '../../../../src/core/model/alertRule';
import { alertStatementSpans, queryFilterOf, ruleFromQuery } from '../../../../src/core/query/rule';
import { runQuery, type QueryResult, type QuerySource } from '../../../../src/core/query/run';
import type { Store } from '../../../../src/core/store/store';
import { withOpenStore } from '../../withOpenStore';

const NOW = Date.UTC(2026, 10, 1) / 1000;
const OCT5 = Date.UTC(2026, 9, 5) / 1000;

function saved(text: string, offset = 0, ruleId = 'from_query', cooldown?: number): Record<string, unknown> {
  const outcome = ruleFromQuery(text, offset, { rule_id: ruleId, channels: ['console', 'file'], ...(cooldown === undefined ? {} : { cooldown_minutes: cooldown }) }, { now: NOW });
  if (!outcome.ok) assert.fail(JSON.stringify(outcome.errors));
  return outcome.rule;
}

function errorsOf(text: string, offset: number, schema?: Parameters<typeof ruleFromQuery>[3]['schema']) {
  const outcome = ruleFromQuery(text, offset, { rule_id: 'x' }, { now: NOW, ...(schema === undefined ? {} : { schema }) });
  assert.equal(outcome.ok, false);
  return outcome.ok ? [] : outcome.errors.map((e) => ({ code: e.code, at: text.slice(e.span.start, e.span.end), hint: e.hint }));
}

function storeSource(store: Store): QuerySource {
  return { scanColumns: () => Promise.resolve(undefined), withStore: (use) => use(store) };
}

describe('Queries become rules (src/core/query/rule.ts)', () => {
  describe('the rule a statement describes', () => {
    it('keeps the Python fields, the window, version and segment as conditions, and the statement as conditions.query', () => {
      const text = 'alerts | take 5\npredictions | where model_version == "v1.1" | window 6h | by feature.circuit | alert when f1_score < 0.7 for 30m severity critical';
      assert.deepEqual(saved(text, text.indexOf('window'), 'from_query', 30), {
        rule_id: 'from_query',
        metric_name: 'f1',
        metric_type: 'threshold',
        threshold: 0.7,
        comparison: '<',
        severity: 'critical',
        component: 'performance',
        for_minutes: 30,
        channels: ['console', 'file'],
        cooldown_minutes: 30,
        conditions: {
          window: '6h',
          model_versions: ['v1.1'],
          segment: { feature: 'circuit' },
          query: 'predictions | where model_version == "v1.1" | window 6h | by feature.circuit | alert when f1_score < 0.7 for 30m severity critical',
        },
      });
    });

    it('a calibration metric is a calibration rule; the degradation flag a degradation rule', () => {
      assert.equal(saved('predictions | window 1h | alert when ece > 0.1 severity warning').component, 'calibration');
      const flag = saved('predictions | window 1d | alert when degradation_detected == 1 severity warning');
      assert.deepEqual([flag.metric_type, flag.metric_name], ['degradation', 'degradation_detected']);
    });

    it('a statement that uses a let of the same text keeps that let in its query, so the query stands alone', () => {
      const text = 'let v11 = predictions | where model_version == "v1.1"\nrules | take 1\nlet hourly = v11 | window 1h\nhourly | alert when accuracy < 0.7 severity warning';
      const rule = saved(text, text.lastIndexOf('alert'));
      assert.equal((rule.conditions as Record<string, unknown>).query, 'let v11 = predictions | where model_version == "v1.1"\nlet hourly = v11 | window 1h\nhourly | alert when accuracy < 0.7 severity warning');
      assert.deepEqual((rule.conditions as Record<string, unknown>).model_versions, ['v1.1']);
      // A let that ends in `alert when` saves its pipeline: a rule's query shows something.
      const named = saved('let hourly_rule = predictions | window 1h | alert when accuracy < 0.7 severity info');
      assert.equal((named.conditions as Record<string, unknown>).query, 'predictions | window 1h | alert when accuracy < 0.7 severity info');
      assert.doesNotThrow(() => queryFilterOf('hourly_rule', (named.conditions as Record<string, string>).query as string));
    });

    it("refuses what is not a rule, each problem located in the text and only the statement's own", () => {
      const text = 'predictions | window 1h | metrics accuracy\npredictions | window 1h | alert when acuracy < 0.7 severity critical\nbroken | take\npredictions | window 1h | alert when accuracy < 0.7 severity info';
      assert.deepEqual(errorsOf(text, 3), [{ code: 'not-an-alert', at: 'predictions | window 1h | metrics accuracy', hint: undefined }]);
      assert.deepEqual(errorsOf(text, text.indexOf('acuracy')), [{ code: 'unknown-metric', at: 'acuracy', hint: 'did you mean `accuracy`?' }]);
      // A later statement's own problems do not stop the one asked for.
      assert.equal(ruleFromQuery(text, text.lastIndexOf('alert'), { rule_id: 'x' }, { now: NOW }).ok, true);
      assert.deepEqual(errorsOf('late | window 1h | alert when accuracy < 0.7 severity info', 0), [{ code: 'outer-let', at: 'late', hint: undefined }]);
      assert.deepEqual(errorsOf('predictions | where model_version == "v9" | window 1h | alert when accuracy < 0.7 severity info', 0, { versions: ['v1.0', 'v1.1'] }).map((e) => e.code), ['unknown-version']);
    });

    it('finds the statements a code lens offers to save: those with `alert when`', () => {
      const text = 'predictions | window 1h | metrics accuracy\n\npredictions | window 1h\n  | alert when accuracy < 0.7 severity info; alerts | take 1';
      assert.deepEqual(alertStatementSpans(text).map((span) => text.slice(span.start, span.end)), ['predictions | window 1h\n  | alert when accuracy < 0.7 severity info']);
    });
  });

  describe("a saved rule's query", () => {
    it('is refused when it is not a query describing a rule, naming the rule, the field and where', () => {
      assert.throws(() => queryFilterOf('r1', 'predictions | window 1h | alert when accuracy <'), (error: unknown) => error instanceof PitwallError && error.code === 'input' && /Rule "r1": conditions\.query 1:48: Found the end of the query/.test(error.message));
      assert.throws(() => queryFilterOf('r2', 'predictions | window 1h | metrics accuracy'), /Rule "r2": conditions.query must be one PQL statement on predictions ending in `alert when …`/);
      const file = JSON.stringify([{ rule_id: 'bad_query', metric_name: 'accuracy', metric_type: 'threshold', threshold: 0.7, comparison: '<', severity: 'info', component: 'performance', conditions: { query: 'predictions | window 1h | alert whn accuracy < 0.7 severity info' } }]);
      const check = checkRulesFile('alert_rules.json', Buffer.from(file));
      assert.equal(check.valid, 0);
      assert.match(check.problems[0]?.message ?? '', /conditions\.query 1:33: Found `whn` where `when` after `alert` was expected/);
    });

    it('counts ago() back from each evaluation, and keeps fixed dates fixed', () => {
      const filter = queryFilterOf('r', 'predictions | where model_version == "v1.1" and timestamp > ago(7d) and timestamp < 2026-10-20 | window 1h | alert when accuracy < 0.7 severity info');
      const at = OCT5;
      const scope = filter.scopeAt(at);
      assert.equal(scope.modelVersion, 'v1.1');
      assert.ok(scope.from !== undefined && scope.from > at - 7 * 86400 && scope.from - (at - 7 * 86400) < 1e-6);
      assert.equal(scope.to, Date.UTC(2026, 9, 20) / 1000);
      assert.ok((filter.scopeAt(at + 3600).from as number) > (scope.from as number));
    });
  });

  for (const [name, path] of [
    ['JSONL folder', 'monitoring'],
    ['SQLite file', 'monitoring.db'],
  ] as const) {
    describe(`on a ${name}`, function () {
      this.timeout(120_000);
      let root: string;
      let source: string;
      before(async () => {
        root = mkdtempSync(join(tmpdir(), 'pitwall-query-rule-'));
        await generateDataset({ outDir: root, predictions: 4000, seed: 9 });
        source = join(root, path);
      });
      after(() => rmSync(root, { recursive: true, force: true }));

      it("is written through the store with its query, and the cell's replay is the saved rule's backtest", async () => {
        const text = 'predictions | where model_version == "v1.1" | window 6h | alert when accuracy < 0.75 for 30m severity critical';
        await withOpenStore(source, (store) => addRule(store, saved(text, 0, 'acc_v11_query')));
        await withOpenStore(source, async (store) => {
          const rule = (await store.readRules()).find((r) => r.rule_id === 'acc_v11_query') as AlertRule;
          assert.equal(rule.conditions.query, text);
          assert.deepEqual([rule.metric_name, rule.comparison, rule.threshold, rule.severity, rule.for_minutes, rule.channels], ['accuracy', '<', 0.75, 'critical', 30, ['console', 'file']]);
          const cell = await runQuery(text, storeSource(store), { now: NOW });
          assert.deepEqual(cell.errors, []);
          const fired = cell.results[0] as QueryResult;
          assert.equal(fired.kind, 'firings');
          assert.equal((fired.meta?.rule as AlertRule).conditions.query, text);
          const replay = await backtestRule(store, rule, { from: fired.meta?.from as number, to: fired.meta?.to as number, every: 300 });
          assert.ok(replay.alerts.length > 3, `${replay.alerts.length} alerts`);
          assert.deepEqual(fired.rows, replay.alerts);
        });
      });

      it("applies the query's where when the engine evaluates it: its time bound, and its version even with model_versions edited away", async () => {
        const since = saved('predictions | where timestamp >= 2026-10-05 | window 6h | alert when accuracy < 2 severity info', 0, 'since_oct5');
        const version = saved('predictions | where model_version == "v1.0" | window 6h | alert when accuracy < 0.8 severity warning', 0, 'v10_only');
        await withOpenStore(source, async (store) => {
          await addRule(store, since);
          await addRule(store, version);
          // A hand edit drops the scope the save wrote; the query still says which version.
          await editRule(store, 'v10_only', { conditions: { model_versions: null } });
        });
        await withOpenStore(source, async (store) => {
          const rules = await store.readRules();
          const byId = (id: string) => rules.find((r) => r.rule_id === id) as AlertRule;
          assert.equal(byId('v10_only').conditions.model_versions, undefined);
          const withoutQuery = (rule: AlertRule): AlertRule => ({ ...rule, conditions: { window: '6h' } });

          const sinceReplay = await backtestRule(store, byId('since_oct5'), { every: 300 });
          const unbounded = await backtestRule(store, withoutQuery(byId('since_oct5')), { every: 300 });
          assert.ok(sinceReplay.alerts.length > 0 && sinceReplay.alerts.every((a) => a.at > OCT5), JSON.stringify(sinceReplay.alerts));
          assert.ok(unbounded.alerts.some((a) => a.at < OCT5));

          const versionReplay = await backtestRule(store, byId('v10_only'), { every: 300 });
          const everyVersion = await backtestRule(store, withoutQuery(byId('v10_only')), { every: 300 });
          assert.ok(versionReplay.alerts.length > 0 && versionReplay.alerts.every((a) => a.model_version === 'v1.0'));
          assert.ok(everyVersion.alerts.some((a) => a.model_version === 'v1.1'));

          // The live engine, one evaluation among all the source's rules: the query's rules are judged as any rule.
          const index = await indexFor(store, rules);
          const step = new AlertEngine(rules).step(index, OCT5 + 86400);
          assert.deepEqual(step.problems, []);
          const judged = step.verdicts.filter((v) => v.rule_id === 'v10_only' || v.rule_id === 'since_oct5');
          assert.deepEqual([...new Set(judged.filter((v) => v.rule_id === 'v10_only').map((v) => v.model_version))], ['v1.0']);
          assert.ok(judged.some((v) => v.rule_id === 'since_oct5' && v.outcome === 'fired'));
        });
      });
    });
  }
});

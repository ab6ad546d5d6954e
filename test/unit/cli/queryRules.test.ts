import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import type { AlertRule } from '../../../src/core/model/alertRule';
import type { QueryResult } from '../../../src/core/query/run';
import { ruleFromQuery } from '../../../src/core/query/rule';
import { NOW, pitwall } from './runCli';

const QUERY = 'predictions | where model_version == "v1.1" and timestamp >= 2026-10-04 | window 6h | alert when accuracy < 0.75 for 30m severity critical';

function json<T>(result: { status: number; stdout: string; stderr: string }): T {
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

describe('pitwall and a rule saved from a query: add, list, backtest, evaluate, validate', function () {
  this.timeout(120_000);
  let root: string;
  let ruleFile: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-query-rules-cli-'));
    await generateDataset({ outDir: root, predictions: 4000, seed: 9 });
    const outcome = ruleFromQuery(QUERY, 0, { rule_id: 'acc_v11_pql', channels: ['file'] }, { now: NOW });
    assert.ok(outcome.ok);
    ruleFile = join(root, 'rule.json');
    writeFileSync(ruleFile, JSON.stringify(outcome.rule));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const [name, path] of [
    ['JSONL folder', 'monitoring'],
    ['SQLite file', 'monitoring.db'],
  ] as const) {
    it(`on a ${name}: the saved rule keeps its query, and \`pitwall backtest\` replays what the query's cell gives`, async () => {
      const source = join(root, path);
      const added = json<AlertRule>(await pitwall('rule', 'add', source, ruleFile, '--json'));
      assert.equal(added.conditions.query, QUERY);
      const listed = json<AlertRule[]>(await pitwall('rules', source, '--json')).find((rule) => rule.rule_id === 'acc_v11_pql');
      assert.deepEqual(listed?.conditions, { window: '6h', model_versions: ['v1.1'], query: QUERY });

      // The replay starts where the query's where starts; the query itself replays from there too.
      const replay = json<{ alerts: { at: number }[]; evaluations: number }>(await pitwall('backtest', source, 'acc_v11_pql', '--from', '2026-10-04', '--json'));
      const cell = json<QueryResult>(await pitwall('query', source, QUERY, '--json'));
      assert.ok(replay.alerts.length > 0, 'the rule fires in the generated data');
      assert.deepEqual(cell.rows, replay.alerts);
      assert.equal(cell.meta?.evaluations, replay.evaluations);

      // From the first prediction, the rule still reads only what its where keeps: nothing fires before 2026-10-04.
      const whole = json<{ alerts: { at: number; model_version: string }[] }>(await pitwall('backtest', source, 'acc_v11_pql', '--json'));
      assert.deepEqual(whole.alerts, replay.alerts);
      assert.ok(whole.alerts.every((alert) => alert.at > Date.UTC(2026, 9, 4) / 1000 && alert.model_version === 'v1.1'));

      // The engine judges it with the other rules, in its version only.
      const dry = json<{ verdicts: { rule_id: string; model_version: string }[]; skipped_rules: unknown[] }>(await pitwall('evaluate', source, '--at', '2026-10-10T12:00:00Z', '--dry-run', '--json'));
      assert.deepEqual(dry.skipped_rules, []);
      assert.deepEqual([...new Set(dry.verdicts.filter((v) => v.rule_id === 'acc_v11_pql').map((v) => v.model_version))], ['v1.1']);
    });
  }

  it('`rules validate` and `rule add` refuse a rule whose query is not a rule, naming the field, line and column (exit 2)', async () => {
    const bad = join(root, 'bad.json');
    writeFileSync(bad, JSON.stringify({ rule_id: 'bad_pql', metric_name: 'accuracy', metric_type: 'threshold', threshold: 0.7, comparison: '<', severity: 'info', component: 'performance', conditions: { query: 'predictions\n| window 1h | alert when accuracy < 0.7 severity loud' } }));
    const validated = await pitwall('rules', 'validate', bad);
    assert.equal(validated.status, 2);
    assert.match(validated.stderr, /Rule "bad_pql": conditions\.query 2:50: There is no severity `loud`\./);
    const added = await pitwall('rule', 'add', join(root, 'monitoring'), bad);
    assert.equal(added.status, 2);
    assert.match(added.stderr, /conditions\.query 2:50/);
    const rules = json<AlertRule[]>(await pitwall('rules', join(root, 'monitoring'), '--json'));
    assert.ok(!rules.some((rule) => rule.rule_id === 'bad_pql'));
  });
});

/**
 * The drill-down notebook of an alert: its rule found, its queries scoped to the alert's window,
 * version and rule, and every query running without an error on real generated data (both stores).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { readDataScope } from '../../../../src/core/analytics/dataScope';
import { AlertRuleSchema } from '../../../../src/core/model/alertRule';
import { alertNotebook, pqlTime, ruleForAlert, type DrilledAlert } from '../../../../src/core/query/alertNotebook';
import { parseQuery } from '../../../../src/core/query/parser';
import { QueryRunner } from '../../../../src/core/query/queryRunner';
import { openStore } from '../../../../src/core/store/openStore';

const NOW = 1_800_000_000;
const rule = (id: string, metric: string, extra: Record<string, unknown> = {}) =>
  AlertRuleSchema.parse({ rule_id: id, metric_name: metric, metric_type: 'threshold', threshold: 0.7, comparison: '<', severity: 'critical', component: 'performance', ...extra });
const alert = (extra: Partial<DrilledAlert> = {}): DrilledAlert => ({
  timestamp: 1_791_700_000,
  alert_id: 'alert_1',
  severity: 'critical',
  title: 'PERFORMANCE: accuracy Alert',
  metric_name: 'accuracy',
  metric_value: 0.61,
  threshold: 0.7,
  model_version: 'v1.1',
  ...extra,
});

describe('the drill-down notebook of an alert', function () {
  this.timeout(120_000);

  it('finds the rule by its id, else the only rule on the same metric and severity', () => {
    const rules = [rule('acc_low', 'accuracy'), rule('acc_warn', 'accuracy', { severity: 'warning' }), rule('ece_high', 'expected_calibration_error')];
    assert.equal(ruleForAlert(alert({ rule_id: 'acc_warn' }), rules)?.rule_id, 'acc_warn');
    assert.equal(ruleForAlert(alert({ rule_id: 'gone' }), rules), undefined);
    assert.equal(ruleForAlert(alert(), rules)?.rule_id, 'acc_low');
    assert.equal(ruleForAlert(alert(), [...rules, rule('acc_low_2', 'accuracy')]), undefined, 'two candidates: none is guessed');
  });

  it('scopes every query to the alert’s version and window, and replays its rule', () => {
    const notebook = alertNotebook({ source: '/data/monitoring.db', alert: alert(), rule: rule('acc_low', 'accuracy', { conditions: { window: '30m', segment: { feature: 'circuit' } }, for_minutes: 15 }), scope: { first: 1_790_812_800, last: 1_792_022_399 } });
    assert.equal(notebook.metadata.source, '/data/monitoring.db');
    const queries = notebook.cells.filter((cell) => cell.kind === 'pql').map((cell) => cell.text);
    for (const query of queries) {
      assert.deepEqual(parseQuery(query).errors, [], query);
      if (query.startsWith('predictions')) assert.match(query, /model_version == "v1\.1" and timestamp in /);
    }
    const at = pqlTime(1_791_700_000);
    assert.ok(queries.some((q) => q.includes(`timestamp in ${pqlTime(1_791_700_000 - 1800)}..${pqlTime(1_791_700_001)} | take 200`)), 'the predictions of the window before the alert');
    assert.ok(queries.some((q) => /window 30m \| by features\.circuit \| metrics accuracy min_labels=1$/.test(q)), 'the segments of the rule');
    assert.ok(queries.some((q) => q.endsWith('alert when accuracy < 0.7 for 15m severity critical')), 'the rule replayed');
    assert.ok(queries.some((q) => q.includes('| drift')), 'the drifted features');
    assert.match(notebook.cells[0]?.text ?? '', new RegExp(`critical\\*\\* at ${at}`));
  });

  it('stands accuracy in for a metric that is not per window, says so, and skips the replay', () => {
    const notebook = alertNotebook({ alert: alert({ metric_name: 'track_temp_psi' }), rule: rule('drift', 'track_temp_psi'), scope: { first: null, last: null } });
    assert.match(notebook.cells.map((cell) => cell.text).join('\n'), /track_temp_psi.*is not a window metric: accuracy stands in/);
    assert.ok(!notebook.cells.some((cell) => cell.text.includes('alert when')));
  });

  for (const kind of ['sqlite', 'jsonl'] as const) {
    it(`runs every query of the generated alerts’ notebooks without an error (${kind})`, async function () {
      const dir = mkdtempSync(join(tmpdir(), 'pitwall-alert-notebook-'));
      try {
        const script = join(dir, 'bundle', 'queryWorker.js');
        const canvas = join(dirname(require.resolve('vega-canvas')), 'vega-canvas.browser.js');
        await build({ entryPoints: [join(__dirname, '../../../../src/core/query/queryWorker.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: script, logLevel: 'silent', plugins: [{ name: 'vega-canvas-browser', setup: (b) => b.onResolve({ filter: /^vega-canvas$/ }, () => ({ path: canvas })) }] });
        const generated = await generateDataset({ outDir: join(dir, 'data'), predictions: 5_000, seed: 9 });
        const path = (kind === 'sqlite' ? generated.databasePath : generated.jsonlDir) as string;
        const store = await openStore(path);
        const [alerts, rules, scope] = await Promise.all([store.readAlerts({ limit: 500 }), store.readRules(), readDataScope(store)]).finally(() => store.close());
        // One alert of each metric, so every kind of drill-down is run.
        const picked = [...new Map(alerts.filter((a) => a.model_version !== null).map((a) => [a.metric_name, a])).values()];
        assert.ok(picked.length >= 3, `${picked.length} kinds of alerts`);
        const runner = new QueryRunner(path, { script, wasmPath: require.resolve('sql.js/dist/sql-wasm.wasm') });
        try {
          let replays = 0;
          for (const one of picked) {
            const matched = ruleForAlert(one, rules);
            const notebook = alertNotebook({ source: path, alert: one, ...(matched === undefined ? {} : { rule: matched }), scope });
            for (const cell of notebook.cells.filter((c) => c.kind === 'pql')) {
              const run = await runner.run({ language: 'pql', text: cell.text, now: NOW, lets: new Map() });
              assert.deepEqual(run.errors, [], `${one.metric_name}: ${cell.text}`);
              if (cell.text.includes('alert when')) replays++;
            }
            const around = await runner.run({ language: 'pql', text: notebook.cells.find((c) => c.kind === 'pql')?.text ?? '', now: NOW, lets: new Map() });
            assert.ok((around.results[0]?.rows.length ?? 0) > 0, `${one.metric_name}: the metric around the alert has windows`);
            // With the rule's floor of labels, the windows the rule saw have a value.
            const [windowMetric = ''] = (around.results[0]?.meta?.metrics as readonly string[] | undefined) ?? [];
            if (matched !== undefined) assert.ok(around.results[0]?.rows.some((row) => typeof row[windowMetric] === 'number'), `${one.metric_name}: some window around the alert has a value of ${windowMetric}`);
          }
          assert.ok(replays > 0, 'some rule was replayed');
        } finally {
          await runner.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pitwall } from './runCli';
import { generateDataset } from '../../../scripts/generator/generateDataset';

const DAY = 86400;
const HOUR = 3600;
const START = Date.parse('2026-10-01T00:00:00Z') / 1000;
const MAIN = join(__dirname, '../../../src/cli/main.ts');

/** The CLI as its own process, from source. */
function cliProcess(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('pitwall evaluate and backtest', function () {
  this.timeout(120_000);
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-alerting-cli-'));
    await generateDataset({ outDir: root, predictions: 6000, seed: 13 });
    writeFileSync(
      join(root, 'traffic.json'),
      JSON.stringify({ rule_id: 'traffic', metric_name: 'num_predictions', metric_type: 'threshold', threshold: 0, comparison: '>', severity: 'info', component: 'traffic', cooldown_minutes: 600, conditions: { window: '1h' } }),
    );
    writeFileSync(
      join(root, 'draft.json'),
      JSON.stringify({ rule_id: 'draft', metric_name: 'accuracy', metric_type: 'threshold', threshold: 0.7, comparison: '<', severity: 'critical', component: 'performance', min_samples: 100, conditions: { window: '1d', model_versions: ['v1.1'] } }),
    );
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`keeps a rule's cooldown across separate processes (${kind})`, async () => {
      const source = kind === 'jsonl' ? join(root, 'monitoring') : join(root, 'monitoring.db');
      assert.equal((await pitwall('rule', 'add', source, join(root, 'traffic.json'))).status, 0);
      const count = async () => (JSON.parse((await pitwall('alerts', source, '--json', '--limit', '100000')).stdout) as { title: string }[]).filter((a) => a.title === 'TRAFFIC: num_predictions Alert').length;
      const at = START + 5 * DAY;
      const first = cliProcess('evaluate', source, '--at', String(at), '--json');
      assert.ok(first.status === 0 || first.status === 2, first.stderr);
      const created = (JSON.parse(first.stdout) as { alerts: { model_version: string }[] }).alerts.filter((a) => a.model_version !== null);
      assert.ok((await count()) >= 2, 'one alert per model version');
      const afterFirst = await count();
      // A second process an hour later: the rule is inside its 10-hour cooldown.
      const second = cliProcess('evaluate', source, '--at', String(at + HOUR), '--json');
      const outcomes = (JSON.parse(second.stdout) as { verdicts: { rule_id: string; outcome: string }[] }).verdicts.filter((v) => v.rule_id === 'traffic');
      assert.ok(outcomes.length >= 2 && outcomes.every((v) => v.outcome === 'cooldown'), JSON.stringify(outcomes));
      assert.equal(await count(), afterFirst);
      // After the cooldown, it fires again.
      cliProcess('evaluate', source, '--at', String(at + 11 * HOUR));
      assert.ok((await count()) > afterFirst);
      assert.ok(created.length >= 2);
    });
  }

  it('backtests a draft rule file over history: v1.1 fires after its day-10 degradation', async () => {
    const { status, stdout, stderr } = await pitwall('backtest', join(root, 'monitoring.db'), join(root, 'draft.json'), '--every', '1h', '--json');
    assert.equal(status, 0, stderr);
    const report = JSON.parse(stdout) as { alerts: { at: number; model_version: string }[]; evaluations: number };
    assert.ok(report.evaluations > 300);
    assert.ok(report.alerts.length >= 1);
    assert.ok(report.alerts[0] !== undefined && report.alerts[0].at > START + 10 * DAY, JSON.stringify(report.alerts));
    const text = await pitwall('backtest', join(root, 'monitoring'), join(root, 'draft.json'), '--every', '1h');
    assert.match(text.stdout, /^Rule draft: \d+ alert\(s\)/);
  });

  for (const [args, pattern] of [
    [['backtest', 'SRC', 'no_such_rule'], /No rule "no_such_rule"/],
    [['backtest', 'SRC', 'missing.json'], /Cannot read the rule file/],
    [['backtest', 'SRC', 'BAD'], /comparison/],
    [['evaluate', 'SRC', '--at', 'noon'], /--at/],
  ] as const) {
    it(`exits 2 with a clear message for ${args.join(' ')}`, async () => {
      const bad = join(root, 'bad.json');
      writeFileSync(bad, JSON.stringify({ rule_id: 'b', metric_name: 'accuracy', metric_type: 'threshold', threshold: 1, comparison: '≈', severity: 'info', component: 'x' }));
      const result = await pitwall(...args.map((a) => (a === 'SRC' ? join(root, 'monitoring.db') : a === 'BAD' ? bad : a)));
      assert.equal(result.status, 2, result.stdout);
      assert.match(result.stderr, pattern);
    });
  }
});

import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOW, pitwall } from './runCli';
import { generateDataset } from '../../../scripts/generator/generateDataset';

interface ListedAlert {
  key: string;
  timestamp: number;
  severity: string;
  model_version: string | null;
  acknowledged: boolean;
  acknowledged_by: string | null;
  rule_id: string | null;
  rule_from: string | null;
  state: string | null;
  comment: string | null;
  message: string | null;
}

const DAY = 86400;

describe('pitwall alerts: actionable, open first, filtered', function () {
  this.timeout(120_000);
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-alerts-list-'));
    await generateDataset({ outDir: root, predictions: 4000, seed: 9 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const list = async (...args: string[]): Promise<ListedAlert[]> => {
    const result = await pitwall('alerts', ...args, '--json');
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as ListedAlert[];
  };

  for (const kind of ['jsonl', 'sqlite'] as const) {
    const source = () => join(root, kind === 'jsonl' ? 'monitoring' : 'monitoring.db');

    it(`lists open alerts before acknowledged ones, each part newest first, with the acknowledgment comment (${kind})`, async () => {
      const copy = join(root, `ack-${kind}`);
      cpSync(source(), copy, { recursive: true });
      const target = (await list(copy, '--unacknowledged', '--limit', '1'))[0] as ListedAlert;
      const ack = await pitwall('ack', copy, target.key, '--by', 'oncall', '--comment', 'retraining v1.1');
      assert.equal(ack.status, 0, ack.stderr);
      const all = await list(copy, '--limit', '1000');
      const firstAcknowledged = all.findIndex((alert) => alert.acknowledged);
      assert.ok(firstAcknowledged > 0 && all.slice(firstAcknowledged).every((alert) => alert.acknowledged), 'open alerts come first');
      for (const part of [all.slice(0, firstAcknowledged), all.slice(firstAcknowledged)]) {
        assert.ok(part.every((alert, i) => i === 0 || (part[i - 1] as ListedAlert).timestamp >= alert.timestamp), 'newest first');
      }
      const acknowledged = all.find((alert) => alert.key === target.key) as ListedAlert;
      assert.deepEqual([acknowledged.acknowledged, acknowledged.acknowledged_by, acknowledged.comment], [true, 'oncall', 'retraining v1.1']);
      // An acknowledgment without a comment (the Python system's) has none.
      assert.ok(all.some((alert) => alert.acknowledged && alert.key !== target.key && alert.comment === null));
      const table = await pitwall('alerts', copy, '--limit', '1000');
      assert.match(table.stdout, /^TIME\s+SEVERITY\s+STATE\s+ACKNOWLEDGED\s+RULE\s+MODEL\s+ALERT\s+MESSAGE$/m);
      assert.match(table.stdout, /oncall \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ: "retraining v1\.1"/);
      assert.match(table.stdout, /accuracy is 0\.\d+ \((< |threshold: )0\.7/, 'the message shows value and threshold');
      assert.equal(all.length, 58, 'every alert of the generated source');
    });

    it(`names the rule of the Python system's alerts only where one rule matches, and shows an evaluation's alerts firing (${kind})`, async () => {
      const all = await list(source(), '--limit', '1000');
      const accuracy = all.filter((alert) => alert.message?.startsWith('accuracy is'));
      assert.ok(accuracy.length > 0);
      // Two rules read accuracy (acc_low critical at 0.7, acc_warn warning at 0.78): each alert gets the one of its severity.
      for (const alert of accuracy) assert.equal(alert.rule_id, alert.severity === 'critical' ? 'acc_low' : 'acc_warn');
      assert.ok(all.every((alert) => alert.state === null && (alert.rule_id === null || alert.rule_from === 'rule-match')));

      const copy = join(root, `evaluate-${kind}`);
      cpSync(source(), copy, { recursive: true });
      const rule = join(root, `rule-${kind}.json`);
      writeFileSync(rule, JSON.stringify({ rule_id: 'conf_seen', metric_name: 'avg_confidence', metric_type: 'threshold', threshold: 0, comparison: '>', severity: 'warning', component: 'performance', enabled: true, cooldown_minutes: 0, channels: ['file'], conditions: {} }));
      assert.equal((await pitwall('rule', 'add', copy, rule)).status, 0);
      const evaluation = await pitwall('evaluate', copy, '--at', '2026-10-14T12:00:00Z', '--json');
      const created = (JSON.parse(evaluation.stdout) as { alerts: { key: string }[]; verdicts: { rule_id: string; outcome: string }[] });
      const fired = created.verdicts.filter((v) => v.rule_id === 'conf_seen' && v.outcome === 'fired').length;
      assert.ok(fired > 0, evaluation.stdout);
      const ofRule = await list(copy, '--rule', 'conf_seen');
      assert.equal(ofRule.length, fired);
      assert.ok(ofRule.every((alert) => alert.state === 'firing' && alert.rule_from === 'firing-state' && created.alerts.some((a) => a.key === alert.key)));
      assert.match((await pitwall('alerts', copy, '--rule', 'conf_seen')).stdout, /firing\s+open\s+conf_seen/);
    });

    it(`filters by several severities, model version, rule and --since (an age or a time) (${kind})`, async () => {
      const all = await list(source(), '--limit', '1000');
      const severe = await list(source(), '--severity', 'critical,warning', '--limit', '1000');
      assert.deepEqual([...new Set(severe.map((alert) => alert.severity))].sort(), ['critical', 'warning']);
      assert.equal(severe.length, all.filter((alert) => alert.severity !== 'info').length);
      const v11 = await list(source(), '--model', 'v1.1', '--limit', '1000');
      assert.ok(v11.length > 0 && v11.length < all.length && v11.every((alert) => alert.model_version === 'v1.1'));
      const accLow = await list(source(), '--rule', 'acc_low', '--limit', '1000');
      assert.deepEqual(accLow.map((a) => a.key), all.filter((a) => a.rule_id === 'acc_low').map((a) => a.key));
      assert.ok(accLow.length > 0);
      // NOW is 2026-11-01: 20 days before is 2026-10-12.
      const recent = await list(source(), '--since', '20d', '--limit', '1000');
      assert.deepEqual(recent.map((a) => a.key), all.filter((a) => a.timestamp >= NOW - 20 * DAY).map((a) => a.key));
      assert.ok(recent.length > 0 && recent.length < all.length);
      assert.deepEqual((await list(source(), '--since', '2026-10-12T00:00:00Z', '--limit', '1000')).map((a) => a.key), recent.map((a) => a.key));
      assert.equal((await list(source(), '--limit', '5')).length, 5);
    });

    it(`refuses an unknown model version, rule or severity with the valid ones, exit 2 (${kind})`, async () => {
      const model = await pitwall('alerts', source(), '--model', 'v1.2');
      assert.equal(model.status, 2);
      assert.match(model.stderr, /unknown model version "v1\.2".*Valid: v1\.0, v1\.1\./);
      const rule = await pitwall('alerts', source(), '--rule', 'acc_lo');
      assert.equal(rule.status, 2);
      assert.match(rule.stderr, /unknown rule "acc_lo".*did you mean `acc_low`\?/);
      const severity = await pitwall('alerts', source(), '--severity', 'critical,warnign');
      assert.equal(severity.status, 2);
      assert.match(severity.stderr, /--severity must be info, warning or critical, not "warnign"; did you mean `warning`\?/);
      const since = await pitwall('alerts', source(), '--since', '3 days');
      assert.equal(since.status, 2);
      assert.match(since.stderr, /--since/);
    });
  }

  it('explains the #n of repeated alert ids in --help and under a JSONL table', async () => {
    const help = await pitwall('alerts', '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /<alert_id>#<n>/);
    assert.match(help.stdout, /--severity LIST/);
    const table = await pitwall('alerts', join(root, 'monitoring'), '--limit', '3');
    assert.match(table.stdout, /#1 .*\n.*n-th alert with that alert_id/s);
  });
});

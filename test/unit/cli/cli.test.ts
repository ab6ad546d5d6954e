import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOW, pitwall } from './runCli';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import { withOpenStore } from '../withOpenStore';

describe('pitwall CLI', () => {
  let root: string;
  let jsonl: string;
  let sqlite: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-cli-'));
    await generateDataset({ outDir: root, predictions: 3000, seed: 5 });
    jsonl = join(root, 'monitoring');
    sqlite = join(root, 'monitoring.db');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`summarises a ${kind} source with the documented --json fields`, async () => {
      const { status, stdout } = await pitwall('summary', kind === 'jsonl' ? jsonl : sqlite, '--json');
      assert.equal(status, 0);
      const summary = JSON.parse(stdout) as Record<string, unknown>;
      // The documented fields keep their place; fields added later follow them.
      assert.deepEqual(Object.keys(summary).slice(0, 9), ['predictions', 'labelled', 'model_versions', 'health_snapshots', 'alerts', 'unacknowledged', 'rules', 'writable', 'warnings']);
      assert.equal(summary.predictions, 3000);
      assert.deepEqual(summary.model_versions, ['v1.0', 'v1.1']);
      assert.equal(summary.writable, true);
    });
  }

  it('gives the same summary for both formats of the same data', async () => {
    const a = JSON.parse((await pitwall('summary', jsonl, '--json')).stdout) as Record<string, unknown>;
    const b = JSON.parse((await pitwall('summary', sqlite, '--json')).stdout) as Record<string, unknown>;
    assert.deepEqual(a, b);
  });

  it('filters alerts by severity and state, with a limit', async () => {
    const all = JSON.parse((await pitwall('alerts', sqlite, '--json', '--limit', '1000')).stdout) as { severity: string; acknowledged: boolean }[];
    const critical = JSON.parse((await pitwall('alerts', sqlite, '--json', '--severity', 'critical', '--unacknowledged')).stdout) as typeof all;
    assert.equal(critical.length, all.filter((a) => a.severity === 'critical' && !a.acknowledged).length);
    assert.ok(critical.every((a) => a.severity === 'critical' && !a.acknowledged));
    assert.equal(JSON.parse((await pitwall('alerts', jsonl, '--json', '--limit', '2')).stdout).length, 2);
  });

  it('acknowledges by alert_id with who and a comment, and exits 2 for an unknown alert', async () => {
    for (const source of [jsonl, sqlite]) {
      const open = JSON.parse((await pitwall('alerts', source, '--json', '--unacknowledged')).stdout) as { alert_id: string; key: string }[];
      const target = open[0];
      assert.ok(target, 'there is an open alert');
      const ack = await pitwall('ack', source, target.alert_id, '--by', 'cli-test', '--comment', 'looking into it', '--json');
      assert.equal(ack.status, 0, ack.stderr);
      assert.deepEqual(JSON.parse(ack.stdout).acknowledged, [target.key]);
      const after = JSON.parse((await pitwall('alerts', source, '--json', '--limit', '1000')).stdout) as { key: string; acknowledged: boolean; acknowledged_by: string; acknowledged_at: number }[];
      const acknowledged = after.find((a) => a.key === target.key);
      assert.equal(acknowledged?.acknowledged, true);
      assert.equal(acknowledged?.acknowledged_by, 'cli-test');
      assert.equal(acknowledged?.acknowledged_at, NOW);
      if (source === sqlite) {
        // The comment lives in Pitwall's own table; the service's alerts table keeps its schema.
        const rows = spawnSync('sqlite3', [sqlite, 'SELECT alert_row_id, acknowledged_by, comment FROM pitwall_acknowledgments'], { encoding: 'utf8' });
        assert.equal(rows.stdout.trim(), `${target.key}|cli-test|looking into it`);
      }
      const missing = await pitwall('ack', source, 'alert_nope');
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /alert_nope/);
    }
  });

  it('adds a rule from a file and refuses a duplicate rule_id with exit 2', async () => {
    const file = join(root, 'rule.json');
    writeFileSync(file, JSON.stringify({ rule_id: 'cli_rule', metric_name: 'accuracy', metric_type: 'threshold', threshold: 0.6, comparison: '<', severity: 'warning', component: 'performance' }));
    for (const source of [jsonl, sqlite]) {
      assert.equal((await pitwall('rule', 'add', source, file)).status, 0);
      const again = await pitwall('rule', 'add', source, file);
      assert.equal(again.status, 2);
      assert.match(again.stderr, /cli_rule/);
      const rules = JSON.parse((await pitwall('rules', source, '--json')).stdout) as { rule_id: string }[];
      assert.equal(rules.filter((r) => r.rule_id === 'cli_rule').length, 1);
    }
    writeFileSync(file, '{"rule_id": "bad", "comparison": "~"');
    assert.equal((await pitwall('rule', 'add', jsonl, file)).status, 2);
  });

  it('records an outcome that a reopened source reads back, and refuses anything but 0 or 1', async () => {
    for (const source of [jsonl, sqlite]) {
      // A prediction still without ground truth, given the outcome it did not predict.
      const unlabelled = await withOpenStore(source, async (store) => {
        const columns = await store.readPredictionColumns({});
        const i = columns.actual_outcome.findIndex((actual) => actual < 0);
        assert.ok(i >= 0, 'the generated data has predictions without ground truth');
        return { id: columns.prediction_id[i] as string, outcome: 1 - (columns.predicted_outcome[i] as number) };
      });
      const recorded = await pitwall('outcome', source, unlabelled.id, String(unlabelled.outcome), '--json');
      assert.equal(recorded.status, 0, recorded.stderr);
      assert.equal(JSON.parse(recorded.stdout).actual_outcome, unlabelled.outcome);
      const readBack = await withOpenStore(source, (store) => store.readPrediction(unlabelled.id));
      assert.equal(readBack?.actual_outcome, unlabelled.outcome, `${source}: the outcome is in the source`);
      assert.equal((await pitwall('outcome', source, unlabelled.id, '2')).status, 2);
      assert.equal((await withOpenStore(source, (store) => store.readPrediction(unlabelled.id)))?.actual_outcome, unlabelled.outcome, 'a refused outcome changes nothing');
      assert.equal((await pitwall('outcome', source, 'no-such-prediction', '0')).status, 2);
    }
  });

  it('migrates a JSONL folder, and a second run adds nothing', async () => {
    const target = join(root, 'migrated.db');
    const dry = await pitwall('migrate', jsonl, target, '--dry-run', '--json');
    assert.equal(dry.status, 0, dry.stderr);
    type Report = { parts: { part: string; inserted: number; present: number }[] };
    assert.equal((JSON.parse(dry.stdout) as Report).parts.find((p) => p.part === 'predictions')?.inserted, 3000);
    assert.equal((await pitwall('summary', target, '--json')).status, 2, 'the dry run created nothing');
    const first = await pitwall('migrate', jsonl, target);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /predictions/);
    const summary = JSON.parse((await pitwall('summary', target, '--json')).stdout) as { predictions: number };
    assert.equal(summary.predictions, 3000);
    const second = JSON.parse((await pitwall('migrate', jsonl, target, '--json')).stdout) as Report;
    assert.ok(second.parts.length >= 5);
    for (const part of second.parts) assert.equal(part.inserted, 0, `${part.part} adds nothing the second time`);
    assert.equal(second.parts.find((p) => p.part === 'predictions')?.present, 3000);
  });

  it('exits 2 on bad input and prints usage on --help', async () => {
    assert.equal((await pitwall('frobnicate')).status, 2);
    assert.equal((await pitwall('alerts', jsonl, '--severity', 'fatal')).status, 2);
    assert.equal((await pitwall('alerts', jsonl, '--no-such-flag')).status, 2);
    assert.equal((await pitwall('summary', join(root, 'missing'))).status, 2);
    const help = await pitwall('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /pitwall migrate/);
  });

  it('runs as a real process with the documented exit codes', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '../../../src/cli/main.ts'), ...args], { encoding: 'utf8' });
    const ok = run('summary', jsonl, '--json');
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).predictions, 3000);
    const bad = run('summary', join(root, 'missing'));
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^pitwall: No monitoring source at /);
  });
});

import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pitwall } from './runCli';
import { generateDataset } from '../../../scripts/generator/generateDataset';

const MAIN = join(__dirname, '../../../src/cli/main.ts');

interface RunLine {
  readonly why: string;
  readonly alerts: { model_version: string | null; title: string }[];
}

/** `pitwall watch … --json` in its own process: its evaluations as they come, and a way to wait for one. */
function startWatch(args: readonly string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'watch', ...args, '--json'], { env: { ...process.env, TZ: 'UTC', ...env } });
  const lines: RunLine[] = [];
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const parts = stdout.split('\n');
    stdout = parts.pop() ?? '';
    for (const part of parts) if (part.startsWith('{')) lines.push(JSON.parse(part) as RunLine);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 30_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, lines, exited, until, stderr: () => stderr };
}

describe('pitwall watch', function () {
  this.timeout(120_000);
  let root = '';
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-watch-'));
    await generateDataset({ outDir: root, predictions: 2000, seed: 17, format: 'jsonl' });
    const rule = join(root, 'live.json');
    writeFileSync(rule, JSON.stringify({ rule_id: 'live', metric_name: 'num_predictions', metric_type: 'threshold', threshold: 0, comparison: '>', severity: 'info', component: 'traffic', cooldown_minutes: 0, conditions: { window: '1h', model_versions: ['v9'] } }));
    assert.equal((await pitwall('rule', 'add', join(root, 'monitoring'), rule)).status, 0);
  });
  after(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  it('evaluates at start and when the data changes, alerts a holding scope once, and stops cleanly on SIGINT', async () => {
    const folder = join(root, 'monitoring');
    const { child, lines, exited, until, stderr } = startWatch([folder, '--interval', '60s'], {});
    try {
      await until(() => lines.some((l) => l.why === 'start'), 'the first evaluation');
      // The generated versions went silent weeks before now: their no_traffic alerts may fire at start; v9 has none yet.
      assert.equal(lines[0]?.alerts.filter((a) => a.model_version === 'v9').length, 0, 'no live traffic yet');
      const prediction = (i: number) =>
        `${JSON.stringify({ timestamp: Date.now() / 1000, model_version: 'v9', prediction_id: `live-${i}`, predicted_outcome: 1, confidence: 0.9, features: {}, metadata: {} })}\n`;
      appendFileSync(join(folder, 'predictions.jsonl'), prediction(1));
      await until(() => lines.some((l) => l.why === 'change' && l.alerts.length > 0), 'an alert after the change');
      const fired = lines.find((l) => l.why === 'change' && l.alerts.length > 0) as RunLine;
      assert.deepEqual(fired.alerts.map((a) => a.model_version), ['v9']);
      const seen = lines.length;
      appendFileSync(join(folder, 'predictions.jsonl'), prediction(2));
      await until(() => lines.length > seen, 'the next evaluation');
      assert.deepEqual(lines.slice(seen).flatMap((l) => l.alerts), [], 'still holding: not alerted again');
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, stderr());
  });

  it('skips a rule it cannot judge with a warning and goes on; with --strict it stops with exit status 2', async () => {
    const folder = join(root, 'strict');
    await generateDataset({ outDir: folder, predictions: 500, seed: 3, format: 'jsonl' });
    const source = join(folder, 'monitoring');
    const bad = join(root, 'bad-rule.json');
    writeFileSync(bad, JSON.stringify({ rule_id: 'typo', metric_name: 'accuracy', metric_type: 'threshold', threshold: 0.5, comparison: '<', severity: 'info', component: 'performance' }));
    assert.equal((await pitwall('rule', 'add', source, bad)).status, 0);
    // A hand edit breaks it after it was added.
    const rules = join(source, 'alert_rules.json');
    writeFileSync(rules, readFileSync(rules, 'utf8').replace('"metric_name": "accuracy",\n    "metric_type": "threshold",\n    "threshold": 0.5', '"metric_name": "acuracy",\n    "metric_type": "threshold",\n    "threshold": 0.5'));
    const lenient = startWatch([source, '--interval', '60s'], {});
    try {
      await lenient.until(() => lenient.lines.some((l) => l.why === 'start'), 'the first evaluation');
      await lenient.until(() => /warning: rule typo skipped/.test(lenient.stderr()), 'the warning');
    } finally {
      lenient.child.kill('SIGINT');
    }
    assert.equal(await lenient.exited, 0, lenient.stderr());
    const strict = startWatch([source, '--interval', '60s', '--strict'], {});
    assert.equal(await strict.exited, 2, strict.stderr());
    assert.match(strict.stderr(), /--strict: exit status 2\./);
  });

  it('keeps evaluating while a delivery hangs, logs the time-out in the source, and waits for it on SIGINT', async () => {
    const folder = join(root, 'monitoring');
    // An endpoint that accepts the post and never answers.
    const posts: number[] = [];
    const server = createServer(() => void posts.push(Date.now()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const rule = join(root, 'hung.json');
    writeFileSync(rule, JSON.stringify({ rule_id: 'hung', metric_name: 'num_predictions', metric_type: 'threshold', threshold: 0, comparison: '>', severity: 'warning', component: 'traffic', cooldown_minutes: 0, channels: ['webhook'], conditions: { window: '1h', model_versions: ['v8'] } }));
    assert.equal((await pitwall('rule', 'add', folder, rule)).status, 0);
    appendFileSync(join(folder, 'predictions.jsonl'), `${JSON.stringify({ timestamp: Date.now() / 1000, model_version: 'v8', prediction_id: 'hung-1', predicted_outcome: 1, confidence: 0.9, features: {}, metadata: {} })}\n`);
    const env = { PITWALL_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`, PITWALL_WEBHOOK_SECRET: 'watch-secret', PITWALL_DELIVERY_TIMEOUT: '8s' };
    const { child, lines, exited, until, stderr } = startWatch([folder, '--interval', '1s'], env);
    try {
      await until(() => lines.some((l) => l.alerts.some((a) => a.model_version === 'v8')), 'the v8 alert');
      await until(() => posts.length > 0, 'the webhook post');
      const alerted = lines.findIndex((l) => l.alerts.some((a) => a.model_version === 'v8'));
      // Two more evaluations run while the post is still unanswered.
      await until(() => lines.length >= alerted + 3, 'two more evaluations');
      assert.doesNotMatch(stderr(), /timed out/, 'the delivery is still under way');
      child.kill('SIGINT');
      await until(() => /still delivering/.test(stderr()), 'the shutdown to wait for the delivery');
      assert.equal(await exited, 0, stderr());
      assert.match(stderr(), /webhook timed-out: timed out after 8 s/);
    } finally {
      child.kill('SIGKILL');
      server.closeAllConnections();
      server.close();
    }
    assert.equal(posts.length, 1, 'one post: the time-out ended it, there was no second attempt');
    // The time-out is in the source's delivery log, for the next process to see.
    const logged = await pitwall('deliveries', folder, '--failed', '--json');
    assert.equal(logged.status, 0, logged.stderr);
    const records = (JSON.parse(logged.stdout) as { records: { rule_id: string; channel: string; status: string; attempts: number }[] }).records.filter((r) => r.rule_id === 'hung');
    assert.deepEqual(records.map((r) => [r.channel, r.status, r.attempts]), [['webhook', 'timed-out', 1]]);
    const table = await pitwall('deliveries', folder, '--failed');
    assert.match(table.stdout, /hung\s+firing\s+webhook\s+timed-out/);
  });
});

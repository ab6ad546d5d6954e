import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    it(`deduplicates a holding condition and keeps the cooldown across separate processes (${kind})`, async () => {
      const source = kind === 'jsonl' ? join(root, 'monitoring') : join(root, 'monitoring.db');
      assert.equal((await pitwall('rule', 'add', source, join(root, 'traffic.json'))).status, 0);
      const ours = async () => (JSON.parse((await pitwall('alerts', source, '--json', '--limit', '100000')).stdout) as { title: string; model_version: string }[]).filter((a) => a.title === 'TRAFFIC: num_predictions Alert');
      const outcomes = (run: ReturnType<typeof cliProcess>) => (JSON.parse(run.stdout) as { verdicts: { rule_id: string; outcome: string }[] }).verdicts.filter((v) => v.rule_id === 'traffic').map((v) => v.outcome);
      const at = START + 5 * DAY;
      const end = START + 14 * DAY;
      // 1. Fires, once per model version.
      const first = cliProcess('evaluate', source, '--at', String(at), '--json');
      assert.deepEqual(outcomes(first), ['fired', 'fired'], first.stderr);
      assert.equal((await ours()).length, 2);
      // 2. Another process half an hour later: still holding, still firing, not alerted again.
      assert.deepEqual(outcomes(cliProcess('evaluate', source, '--at', String(at + 1800), '--json')), ['firing', 'firing']);
      assert.equal((await ours()).length, 2);
      // 3. The traffic stops (past the end of the data): the conditions resolve.
      assert.deepEqual(outcomes(cliProcess('evaluate', source, '--at', String(end + 1.5 * HOUR), '--json')), ['resolved', 'resolved']);
      // 4. Holding again inside the 10-hour cooldown of the first firing: no alert.
      assert.deepEqual(outcomes(cliProcess('evaluate', source, '--at', String(at + HOUR), '--json')), ['cooldown', 'cooldown']);
      assert.equal((await ours()).length, 2);
      // 5. After the cooldown it fires again.
      assert.deepEqual(outcomes(cliProcess('evaluate', source, '--at', String(at + 11 * HOUR), '--json')), ['fired', 'fired']);
      assert.equal((await ours()).length, 4);
    });
  }

  it('delivers a firing to a signed webhook and alert_log.txt, and a silence mutes delivery but keeps the alert', async () => {
    const received: { body: string; signature: string; timestamp: string }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ body, signature: String(request.headers['x-pitwall-signature']), timestamp: String(request.headers['x-pitwall-timestamp']) });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const saved = { url: process.env.PITWALL_WEBHOOK_URL, secret: process.env.PITWALL_WEBHOOK_SECRET };
    process.env.PITWALL_WEBHOOK_URL = `http://127.0.0.1:${port}/hook`;
    process.env.PITWALL_WEBHOOK_SECRET = 'test-secret';
    try {
      const folder = join(root, 'monitoring');
      const rule = join(root, 'hooked.json');
      writeFileSync(rule, JSON.stringify({ rule_id: 'hooked', metric_name: 'num_predictions', metric_type: 'threshold', threshold: 0, comparison: '>', severity: 'warning', component: 'traffic', cooldown_minutes: 0, channels: ['webhook', 'file'], conditions: { window: '1h', model_versions: ['v1.0'] } }));
      assert.equal((await pitwall('rule', 'add', folder, rule)).status, 0);
      const logBefore = readFileSync(join(folder, 'alert_log.txt'), 'utf8');
      const at = START + 6 * DAY;
      const first = await pitwall('evaluate', folder, '--at', String(at), '--json');
      const deliveries = (JSON.parse(first.stdout) as { deliveries: { rule_id: string; reports: { channel: string; status: string }[] }[] }).deliveries.filter((d) => d.rule_id === 'hooked');
      assert.deepEqual(deliveries.flatMap((d) => d.reports.map((r) => [r.channel, r.status])), [['webhook', 'delivered'], ['file', 'delivered']]);
      assert.equal(received.length, 1);
      const sent = received[0] as (typeof received)[number];
      const expected = `sha256=${createHmac('sha256', 'test-secret').update(`${sent.timestamp}.${sent.body}`).digest('hex')}`;
      assert.equal(sent.signature, expected);
      assert.match(sent.body, /num_predictions/);
      const logAfter = readFileSync(join(folder, 'alert_log.txt'), 'utf8');
      assert.ok(logAfter.startsWith(logBefore) && logAfter.length > logBefore.length, 'appended, not rewritten');
      // The traffic stops (past the data's end): the condition resolves.
      assert.equal((await pitwall('evaluate', folder, '--at', String(START + 14 * DAY + 1.5 * HOUR))).status, 0);
      // A silence on the rule: the next firing is recorded, not delivered.
      assert.equal((await pitwall('silence', 'add', folder, '--rule', 'hooked', '--from', String(at), '--for', '1d')).status, 0);
      const second = await pitwall('evaluate', folder, '--at', String(at + 2 * HOUR), '--json');
      const parsed = JSON.parse(second.stdout) as { alerts: { title: string }[]; deliveries: { rule_id: string; reports: { status: string }[] }[] };
      assert.ok(parsed.alerts.some((a) => a.title === 'TRAFFIC: num_predictions Alert'), 'the alert is still recorded');
      const hooked = parsed.deliveries.filter((d) => d.rule_id === 'hooked');
      assert.equal(hooked.length, 1);
      assert.ok(hooked.every((d) => d.reports.every((r) => r.status === 'silenced')));
      assert.equal(received.length, 1, 'nothing more was posted');
    } finally {
      process.env.PITWALL_WEBHOOK_URL = saved.url;
      process.env.PITWALL_WEBHOOK_SECRET = saved.secret;
      if (saved.url === undefined) delete process.env.PITWALL_WEBHOOK_URL;
      if (saved.secret === undefined) delete process.env.PITWALL_WEBHOOK_SECRET;
      server.close();
    }
  });

  it('backtests a draft rule file over history: v1.1 fires after its day-10 degradation', async () => {
    const { status, stdout, stderr } = await pitwall('backtest', join(root, 'monitoring.db'), join(root, 'draft.json'), '--every', '1h', '--json');
    assert.equal(status, 0, stderr);
    const report = JSON.parse(stdout) as { alerts: { at: number; model_version: string }[]; evaluations: number };
    assert.ok(report.evaluations > 300);
    assert.ok(report.alerts.length >= 1);
    assert.ok(report.alerts[0] !== undefined && report.alerts[0].at > START + 10 * DAY, JSON.stringify(report.alerts));
    const text = await pitwall('backtest', join(root, 'monitoring'), join(root, 'draft.json'), '--every', '1h');
    assert.match(text.stdout, /^Replay: .* · every 1h\nRule draft: \d+ alert\(s\)/);
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

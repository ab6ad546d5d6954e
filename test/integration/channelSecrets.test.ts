import * as assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import type { EvaluationOutcome } from '../../src/core/alerting/run';
import { eventually, pitwall, press, requireWorkbench, screenshot, type, workbenchText, trafficRule } from './harness';

const SECRET = 'integration-webhook-secret';

describe('Alert channel secrets', () => {
  it('signs webhook deliveries with the secret set through Pitwall: Set Alert Channel Secret…, read from secret storage', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const { store } = await eventually(() => api.sources.source ?? undefined);

    // The secret goes in as a person types it: pick the webhook secret, type it, press Enter.
    const setting = vscode.commands.executeCommand('pitwall.setChannelSecret');
    await eventually(async () => (/which alert channel secret/.test(await workbenchText('.quick-input-widget')) ? true : undefined));
    await type('Webhook signing');
    await press('Enter');
    await eventually(async () => (/Leave empty to remove it/.test(await workbenchText('.quick-input-widget')) ? true : undefined));
    await type(SECRET);
    await screenshot('channel-secret-input');
    await press('Enter');
    await setting;

    const posts: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => void (body += chunk.toString('utf8')));
      request.on('end', () => {
        posts.push({ headers: request.headers, body });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const alerting = vscode.workspace.getConfiguration('pitwall.alerting');
    await alerting.update('webhookUrl', `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, vscode.ConfigurationTarget.Global);
    const rule = trafficRule('editor_webhook', ['webhook'], 'v1.1');
    await store.saveRule(rule);
    try {
      const [newest] = await store.readPredictions({ order: 'desc', limit: 1 });
      const outcome = (await vscode.commands.executeCommand('pitwall.evaluateRules', { at: (newest?.timestamp ?? 0) - 1800 })) as EvaluationOutcome | undefined;
      assert.ok(outcome, 'the rules were evaluated');
      const delivered = await outcome.delivery;
      assert.deepEqual(
        delivered.deliveries.filter((d) => d.rule_id === 'editor_webhook').flatMap((d) => d.reports.map((r) => [r.channel, r.status])),
        [['webhook', 'delivered']],
      );
      assert.equal(posts.length, 1);
      const post = posts[0] as (typeof posts)[number];
      const timestamp = String(post.headers['x-pitwall-timestamp']);
      const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${post.body}`, 'utf8').digest('hex')}`;
      assert.equal(post.headers['x-pitwall-signature'], expected, 'signed with the secret from secret storage');
      assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('pitwall')).includes(SECRET), 'the secret is in no setting');
    } finally {
      await store.deleteRule('editor_webhook');
      await alerting.update('webhookUrl', undefined, vscode.ConfigurationTarget.Global);
      server.close();
      await vscode.commands.executeCommand('pitwall.refresh');
    }
  });
});

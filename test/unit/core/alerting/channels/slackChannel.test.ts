import { strict as assert } from 'node:assert';
import { deliver } from '../../../../../src/core/alerting/channels/delivery';
import { EMPTY_CHANNEL_SETTINGS, Secret, type ChannelSettings } from '../../../../../src/core/alerting/channels/settings';
import { HOSTILE_MESSAGE, HOSTILE_TITLE, type HttpEndpoint, httpEndpoints, noticeOf } from './support';

const TOKEN = 'xoxb-test-token-4815162342';
const WEBHOOK_PATH = '/services/T000/B000/slack-webhook-secret';

interface SlackPayload {
  channel?: string;
  text: string;
  link_names: boolean;
  blocks: { type: string; text?: { type: string; text: string }; elements?: { type: string; text: string }[] }[];
}

function payloadOf(endpoint: HttpEndpoint, index = 0): SlackPayload {
  const request = endpoint.requests[index];
  assert.ok(request, `request ${index} was received`);
  return JSON.parse(request.body) as SlackPayload;
}

/** Every mrkdwn text of a payload. */
function mrkdwnOf(payload: SlackPayload): string[] {
  return [payload.text, ...payload.blocks.flatMap((block) => [block.text?.text ?? '', ...(block.elements ?? []).map((element) => element.text)])];
}

function webhookSettings(endpoint: HttpEndpoint): ChannelSettings {
  return { ...EMPTY_CHANNEL_SETTINGS, slack: { via: 'webhook', webhookUrl: new Secret(`${endpoint.url}${WEBHOOK_PATH}`) } };
}

function botSettings(endpoint: HttpEndpoint): ChannelSettings {
  return { ...EMPTY_CHANNEL_SETTINGS, slack: { via: 'bot', botToken: new Secret(TOKEN), channel: 'C0123ABC', apiUrl: `${endpoint.url}/api` } };
}

describe('slack channel', () => {
  const endpoint = httpEndpoints();

  it('posts the message to the incoming webhook URL', async () => {
    const slack = await endpoint(() => ({ status: 200, body: 'ok' }));
    const [report] = await deliver(noticeOf(), ['slack'], { settings: webhookSettings(slack) });
    assert.equal(report?.status, 'delivered', report?.error ?? '');
    assert.equal(slack.requests.length, 1);
    const [request] = slack.requests;
    assert.equal(request?.method, 'POST');
    assert.equal(request.url, WEBHOOK_PATH);
    assert.match(request.headers['content-type'] ?? '', /^application\/json/);
    const payload = payloadOf(slack);
    assert.equal(payload.channel, undefined);
    assert.equal(payload.link_names, false);
    assert.equal(payload.text, 'FIRING CRITICAL: PERFORMANCE: accuracy Alert');
    const [section, context] = payload.blocks;
    assert.equal(section?.text?.type, 'mrkdwn');
    assert.match(section.text.text, /^:red_circle: \*FIRING CRITICAL\*: PERFORMANCE: accuracy Alert\naccuracy is 0\.0000 \(&lt; 0\.7000\)$/);
    assert.match(context?.elements?.[0]?.text ?? '', /\*Model\* v1\.1 .*\*Metric\* accuracy = 0 \(threshold 0\.7\) .*\*Rule\* accuracy-floor/);
  });

  it('calls chat.postMessage with the bot token as a bearer token and the channel id', async () => {
    const slack = await endpoint(() => ({ status: 200, body: '{"ok":true,"ts":"1.2"}', contentType: 'application/json' }));
    const [report] = await deliver(noticeOf({}, { kind: 'resolved' }), ['slack'], { settings: botSettings(slack) });
    assert.equal(report?.status, 'delivered', report?.error ?? '');
    const [request] = slack.requests;
    assert.equal(request?.url, '/api/chat.postMessage');
    assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
    const payload = payloadOf(slack);
    assert.equal(payload.channel, 'C0123ABC');
    assert.equal(payload.text, 'RESOLVED CRITICAL: PERFORMANCE: accuracy Alert');
    assert.match(payload.blocks[0]?.text?.text ?? '', /^:white_check_mark: /);
  });

  it('reports an error that chat.postMessage answers with ok: false, without retrying it', async () => {
    const slack = await endpoint(() => ({ status: 200, body: '{"ok":false,"error":"channel_not_found"}', contentType: 'application/json' }));
    const [report] = await deliver(noticeOf(), ['slack'], { settings: botSettings(slack), baseDelayMs: 1 });
    assert.equal(report?.status, 'failed');
    assert.equal(report.attempts, 1);
    assert.match(report.error ?? '', /channel_not_found/);
  });

  it('retries chat.postMessage when Slack answers ratelimited', async () => {
    const slack = await endpoint((_request, index) =>
      index === 0 ? { status: 200, body: '{"ok":false,"error":"ratelimited"}' } : { status: 200, body: '{"ok":true}' },
    );
    const [report] = await deliver(noticeOf(), ['slack'], { settings: botSettings(slack), baseDelayMs: 1 });
    assert.equal(report?.status, 'delivered', report?.error ?? '');
    assert.equal(report.attempts, 2);
  });

  it('escapes hostile text for mrkdwn: no control sequences, no mentions, within Slack limits', async () => {
    const slack = await endpoint(() => ({ status: 200, body: 'ok' }));
    const notice = noticeOf({ title: HOSTILE_TITLE, message: HOSTILE_MESSAGE, model_version: '<!channel> v2 & <@U9>' });
    const [report] = await deliver(notice, ['slack'], { settings: webhookSettings(slack) });
    assert.equal(report?.status, 'delivered', report?.error ?? '');
    const payload = payloadOf(slack);
    for (const text of mrkdwnOf(payload)) {
      assert.doesNotMatch(text, /[<>]/, 'no raw < or >, so no <!…>, <@…>, <#…> or <http…|…> sequence');
      assert.doesNotMatch(text, /&(?!amp;|lt;|gt;)/, 'every & is escaped');
      assert.doesNotMatch(text, /@(channel|here|everyone)\b/i, 'no bare mention');
      assert.ok(!text.includes('\u001b'), 'no escape character');
      assert.ok(text.length <= 3000, `${text.length} characters`);
    }
    const section = payload.blocks[0]?.text?.text ?? '';
    assert.ok(section.includes('&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;!channel&gt;'), section.slice(0, 200));
    assert.ok(section.endsWith('…'), 'the long message is cut with an ellipsis');
    assert.ok(!payload.text.includes('\n'), 'the title stays on one line');
    assert.ok((payload.blocks[1]?.elements?.[0]?.text ?? '').includes('&lt;!channel&gt; v2 &amp; &lt;@U9&gt;'));
  });

  it('redacts the webhook URL and the bot token from errors, even when the server quotes them', async () => {
    const slack = await endpoint((request) => ({ status: 404, body: `no_service for ${request.url} auth=${request.headers.authorization ?? ''}` }));
    const viaWebhook = await deliver(noticeOf(), ['slack'], { settings: webhookSettings(slack), baseDelayMs: 1 });
    const viaBot = await deliver(noticeOf(), ['slack'], { settings: botSettings(slack), baseDelayMs: 1 });
    for (const [report] of [viaWebhook, viaBot]) {
      assert.equal(report?.status, 'failed');
      assert.equal(report.attempts, 1, 'a 404 is not retried');
      assert.match(report.error ?? '', /HTTP 404.*no_service for .*\[secret\]/);
      const shown = JSON.stringify(report);
      assert.ok(!shown.includes('slack-webhook-secret'), shown);
      assert.ok(!shown.includes(TOKEN), shown);
    }
  });
});

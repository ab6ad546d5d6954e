import { strict as assert } from 'node:assert';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { deliver } from '../../../../../src/core/alerting/channels/delivery';
import { EMPTY_CHANNEL_SETTINGS, Secret, type ChannelSettings } from '../../../../../src/core/alerting/channels/settings';
import { HOSTILE_MESSAGE, HOSTILE_TITLE, type HttpEndpoint, httpEndpoints, noticeOf, type ReceivedRequest } from './support';

const SECRET = 'whsec-5ad1e2b7';

function settingsFor(endpoint: HttpEndpoint, path = '/hooks/pitwall'): ChannelSettings {
  return { ...EMPTY_CHANNEL_SETTINGS, webhook: { url: `${endpoint.url}${path}`, secret: new Secret(SECRET) } };
}

/** What a receiver does: recompute the HMAC over "<timestamp>.<raw body>" and compare in constant time. */
function verify(request: ReceivedRequest, secret: string): boolean {
  const timestamp = request.headers['x-pitwall-timestamp'];
  const signature = request.headers['x-pitwall-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

describe('webhook channel', () => {
  const endpoint = httpEndpoints();

  it('posts the notice as JSON, signed with HMAC-SHA256 over the timestamp and the raw body', async () => {
    const hook = await endpoint(() => ({ status: 204 }));
    const before = Math.floor(Date.now() / 1000);
    const [report] = await deliver(noticeOf(), ['webhook'], { settings: settingsFor(hook) });
    const after = Math.ceil(Date.now() / 1000);
    assert.equal(report?.status, 'delivered', report?.error ?? '');
    const [request] = hook.requests;
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/hooks/pitwall');
    assert.match(request.headers['content-type'] ?? '', /^application\/json/);
    assert.match(request.headers['x-pitwall-signature'] as string, /^sha256=[0-9a-f]{64}$/);
    const timestamp = Number(request.headers['x-pitwall-timestamp']);
    assert.ok(Number.isInteger(timestamp) && timestamp >= before && timestamp <= after, `timestamp ${timestamp}`);
    assert.ok(verify(request, SECRET), 'the signature checks out with the shared secret');
    assert.ok(!verify(request, 'another-secret'), 'and not with another secret');
    // The timestamp is part of what is signed: replaying the body with a fresh timestamp fails.
    const replayed = { ...request, headers: { ...request.headers, 'x-pitwall-timestamp': String(timestamp + 600) } };
    assert.ok(!verify(replayed, SECRET));
    assert.deepEqual(JSON.parse(request.body), {
      version: 1,
      kind: 'firing',
      fingerprint: 'fp-accuracy-v1.1',
      rule_id: 'accuracy-floor',
      alert: {
        key: 'alerts.jsonl:1',
        alert_id: 'alert_1790856000000',
        timestamp: 1790856000,
        severity: 'critical',
        title: 'PERFORMANCE: accuracy Alert',
        message: 'accuracy is 0.0000 (< 0.7000)',
        metric_name: 'accuracy',
        metric_value: 0,
        threshold: 0.7,
        component: 'performance',
        model_version: 'v1.1',
        acknowledged: false,
        acknowledged_at: null,
        acknowledged_by: null,
      },
      why: null,
    });
  });

  it('signs a body holding hostile text over its exact bytes, and cuts the long message', async () => {
    const hook = await endpoint(() => ({ status: 200 }));
    const [report] = await deliver(noticeOf({ title: HOSTILE_TITLE, message: HOSTILE_MESSAGE }), ['webhook'], { settings: settingsFor(hook) });
    assert.equal(report?.status, 'delivered', report?.error ?? '');
    const [request] = hook.requests;
    assert.ok(request && verify(request, SECRET));
    const body = JSON.parse(request.body) as { alert: { title: string; message: string } };
    assert.equal(body.alert.title, HOSTILE_TITLE, 'JSON carries the title as data');
    assert.ok(body.alert.message.length <= 4000 && body.alert.message.endsWith('…'));
  });

  it('does not retry a 4xx answer, and never shows the secret', async () => {
    const hook = await endpoint((request) => ({ status: 401, body: `bad signature ${request.headers['x-pitwall-signature'] as string}; secret was ${SECRET}` }));
    const [report] = await deliver(noticeOf(), ['webhook'], { settings: settingsFor(hook), baseDelayMs: 1 });
    assert.equal(report?.status, 'failed');
    assert.equal(report.attempts, 1);
    assert.match(report.error ?? '', /^http:\/\/127\.0\.0\.1:\d+ answered HTTP 401: bad signature sha256=/);
    assert.ok(!JSON.stringify(report).includes(SECRET));
    assert.ok(!(report.error ?? '').includes('/hooks/pitwall'), 'errors name the endpoint, not its path');
  });
});

import { strict as assert } from 'node:assert';
import { deliver } from '../../../../../src/core/alerting/channels/delivery';
import { EMPTY_CHANNEL_SETTINGS, Secret, type ChannelSettings } from '../../../../../src/core/alerting/channels/settings';
import type { AlertWhy } from '../../../../../src/core/model/alertWhy';
import { httpEndpoints, noticeOf, parseMail, startSmtpEndpoint, type SmtpEndpoint } from './support';

/** A category value from the data that tries markup, a Slack broadcast and a link. */
const HOSTILE_VALUE = `<img src=x onerror=alert(1)> <!channel> <https://evil.example|click>`;

const WHY: AlertWhy = {
  kind: 'performance',
  rule_id: 'accuracy-floor',
  model_version: 'v1.1',
  metric: 'accuracy',
  baseline: { from: 1790769600, to: 1790852400 },
  current: { from: 1790852400, to: 1790856000 },
  labelled: { baseline: 40, current: 40 },
  segments: [
    {
      dimension: 'feature',
      name: 'circuit',
      label: `circuit = ${HOSTILE_VALUE}`,
      value: HOSTILE_VALUE,
      lower: null,
      upper: null,
      baseline: { labelled: 20, correct: 18, accuracy: 0.9 },
      current: { labelled: 20, correct: 10, accuracy: 0.5 },
      drop: 0.4,
      z: -2.7602622373694166,
      p_value: 0.002887749044652608,
    },
    {
      dimension: 'feature',
      name: 'track_temp',
      label: 'track_temp > 30.25',
      value: null,
      lower: 30.25,
      upper: null,
      baseline: { labelled: 10, correct: 8, accuracy: 0.8 },
      current: { labelled: 10, correct: 5, accuracy: 0.5 },
      drop: 0.3,
      z: -1.4064216928154865,
      p_value: 0.07979947122132436,
    },
  ],
  drifted_features: [{ feature: 'track_temp', statistic: 'psi', value: 0.4213, importance: 0.25, weighted: 0.105325 }],
  feature: null,
};

const SEGMENT_LINE = `circuit = ${HOSTILE_VALUE}: accuracy 0.9 → 0.5 (18/20 → 10/20), z = -2.76, p = 0.0029`;
const DRIFT_LINE = "track_temp drifted: PSI 0.421, 25% of the model's importance";

describe('the channels carry why an alert fired', () => {
  const endpoint = httpEndpoints();
  let smtp: SmtpEndpoint | undefined;
  afterEach(async () => {
    await smtp?.close();
    smtp = undefined;
  });

  it('Slack: a section with the top segments and drifted feature, escaped for mrkdwn; none without a context', async () => {
    const hook = await endpoint(() => ({ status: 200, body: 'ok' }));
    const settings: ChannelSettings = { ...EMPTY_CHANNEL_SETTINGS, slack: { via: 'webhook', webhookUrl: new Secret(`${hook.url}/services/T/B/x`) } };
    const [report] = await deliver(noticeOf({}, { why: WHY }), ['slack'], { settings });
    assert.equal(report?.status, 'delivered', report?.error ?? '');
    const payload = JSON.parse(hook.requests[0]?.body ?? '') as { blocks: { type: string; text?: { text: string } }[] };
    assert.deepEqual(payload.blocks.map((b) => b.type), ['section', 'section', 'context']);
    const why = payload.blocks[1]?.text?.text ?? '';
    assert.equal(
      why,
      [
        '*Why it fired*',
        '• circuit = &lt;img src=x onerror=alert(1)&gt; &lt;!channel&gt; &lt;https://evil.example|click&gt;: accuracy 0.9 → 0.5 (18/20 → 10/20), z = -2.76, p = 0.0029',
        '• track_temp &gt; 30.25: accuracy 0.8 → 0.5 (8/10 → 5/10), z = -1.41, p = 0.080',
        `• ${DRIFT_LINE}`,
      ].join('\n'),
    );
    const [plain] = await deliver(noticeOf(), ['slack'], { settings });
    assert.equal(plain?.status, 'delivered');
    const without = JSON.parse(hook.requests[1]?.body ?? '') as { blocks: { type: string }[] };
    assert.deepEqual(without.blocks.map((b) => b.type), ['section', 'context']);
  });

  it('email: the lines in the text body as they are, and HTML-escaped in a list in the HTML body', async () => {
    smtp = await startSmtpEndpoint({ disabledCommands: ['STARTTLS'], authOptional: true });
    const settings: ChannelSettings = {
      ...EMPTY_CHANNEL_SETTINGS,
      email: { host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, user: null, password: null, caFile: null, from: 'pitwall@example.com', to: ['oncall@example.com'] },
    };
    const [report] = await deliver(noticeOf({}, { why: WHY }), ['email'], { settings });
    assert.equal(report?.status, 'delivered', report?.error ?? '');
    const mail = parseMail(smtp.mails[0]?.raw ?? '');
    const text = mail.text ?? '';
    assert.ok(text.includes(`Why it fired:\n- ${SEGMENT_LINE}\n- track_temp > 30.25: accuracy 0.8 → 0.5 (8/10 → 5/10), z = -1.41, p = 0.080\n- ${DRIFT_LINE}\n`), text);
    const html = mail.html ?? '';
    assert.doesNotMatch(html, /<img|<!channel>|<https:/);
    assert.ok(html.includes('<h3>Why it fired</h3>'), html);
    assert.ok(html.includes('<li>circuit = &lt;img src=x onerror=alert(1)&gt; &lt;!channel&gt; &lt;https://evil.example|click&gt;: accuracy 0.9 → 0.5'), html);
    assert.ok(html.includes('<li>track_temp &gt; 30.25: accuracy'), html);
  });

  it('webhook: the whole context as the JSON field `why`, and null without one', async () => {
    const hook = await endpoint(() => ({ status: 204 }));
    const settings: ChannelSettings = { ...EMPTY_CHANNEL_SETTINGS, webhook: { url: `${hook.url}/hooks`, secret: new Secret('s3cret-webhook') } };
    const [report] = await deliver(noticeOf({}, { why: WHY }), ['webhook'], { settings });
    assert.equal(report?.status, 'delivered', report?.error ?? '');
    assert.deepEqual((JSON.parse(hook.requests[0]?.body ?? '') as { why: unknown }).why, WHY);
    await deliver(noticeOf(), ['webhook'], { settings });
    assert.equal((JSON.parse(hook.requests[1]?.body ?? '') as { why: unknown }).why, null);
  });
});

import { strict as assert } from 'node:assert';
import { inspect } from 'node:util';
import {
  channelSettingsFromEnv,
  DEFAULT_SLACK_API_URL,
  redact,
  Secret,
  secretsOf,
} from '../../../../../src/core/alerting/channels/settings';

const SLACK_WEBHOOK = 'https://hooks.slack.example/services/T000/B000/webhook-token-abc';
const FULL_ENV = {
  PITWALL_SLACK_WEBHOOK_URL: SLACK_WEBHOOK,
  PITWALL_SMTP_HOST: 'smtp.example.com',
  PITWALL_SMTP_PORT: '2525',
  PITWALL_SMTP_USER: 'alerts',
  PITWALL_SMTP_PASSWORD: 'smtp-password-xyz',
  PITWALL_SMTP_FROM: 'pitwall@example.com',
  PITWALL_SMTP_TO: ' oncall@example.com, ml@example.com ,',
  PITWALL_SMTP_REQUIRE_TLS: 'yes',
  PITWALL_WEBHOOK_URL: 'https://hooks.example.com/pitwall',
  PITWALL_WEBHOOK_SECRET: 'webhook-secret-123',
  PITWALL_ALERT_LOG: '/data/monitoring/alert_log.txt',
};
const SECRETS = ['webhook-token-abc', 'smtp-password-xyz', 'webhook-secret-123'];

describe('channel settings', () => {
  it('reads every channel from the environment', () => {
    const settings = channelSettingsFromEnv(FULL_ENV);
    assert.deepEqual(settings.problems, {});
    assert.equal(settings.slack?.via, 'webhook');
    assert.equal(settings.slack.via === 'webhook' && settings.slack.webhookUrl.reveal(), SLACK_WEBHOOK);
    assert.deepEqual({ ...settings.email, password: settings.email?.password?.reveal() }, {
      host: 'smtp.example.com',
      port: 2525,
      secure: false,
      requireTls: true,
      user: 'alerts',
      password: 'smtp-password-xyz',
      caFile: null,
      from: 'pitwall@example.com',
      to: ['oncall@example.com', 'ml@example.com'],
    });
    assert.equal(settings.webhook?.url, 'https://hooks.example.com/pitwall');
    assert.equal(settings.webhook.secret.reveal(), 'webhook-secret-123');
    assert.equal(settings.alertLog, '/data/monitoring/alert_log.txt');
  });

  it('prefers chat.postMessage when a bot token and channel are given, with the default API URL', () => {
    const settings = channelSettingsFromEnv({ PITWALL_SLACK_BOT_TOKEN: 'xoxb-1', PITWALL_SLACK_CHANNEL: 'C0123', PITWALL_SLACK_WEBHOOK_URL: SLACK_WEBHOOK });
    assert.ok(settings.slack?.via === 'bot');
    assert.equal(settings.slack.channel, 'C0123');
    assert.equal(settings.slack.apiUrl, DEFAULT_SLACK_API_URL);
    const custom = channelSettingsFromEnv({ PITWALL_SLACK_BOT_TOKEN: 'xoxb-1', PITWALL_SLACK_CHANNEL: 'C1', PITWALL_SLACK_API_URL: 'http://127.0.0.1:9/api/' });
    assert.ok(custom.slack?.via === 'bot');
    assert.equal(custom.slack.apiUrl, 'http://127.0.0.1:9/api');
  });

  it('defaults the SMTP port to 587, or 465 when secure', () => {
    const base = { PITWALL_SMTP_HOST: 'h', PITWALL_SMTP_FROM: 'f@x', PITWALL_SMTP_TO: 't@x' };
    assert.equal(channelSettingsFromEnv(base).email?.port, 587);
    assert.equal(channelSettingsFromEnv({ ...base, PITWALL_SMTP_SECURE: 'true' }).email?.port, 465);
    assert.equal(channelSettingsFromEnv({ ...base, PITWALL_SMTP_SECURE: 'true' }).email?.secure, true);
  });

  it('leaves out an incompletely or wrongly configured channel with a problem naming the variable', () => {
    const settings = channelSettingsFromEnv({
      PITWALL_SMTP_HOST: 'smtp.example.com',
      PITWALL_SMTP_PORT: '99999',
      PITWALL_SLACK_BOT_TOKEN: 'xoxb-secret-token',
      PITWALL_WEBHOOK_URL: 'https://hooks.example.com/x',
    });
    assert.equal(settings.email, null);
    assert.equal(settings.slack, null);
    assert.equal(settings.webhook, null);
    assert.match(settings.problems.email ?? '', /set PITWALL_SMTP_FROM and PITWALL_SMTP_TO/);
    assert.match(settings.problems.slack ?? '', /set PITWALL_SLACK_CHANNEL/);
    assert.match(settings.problems.webhook ?? '', /set PITWALL_WEBHOOK_SECRET/);
    const port = channelSettingsFromEnv({ PITWALL_SMTP_HOST: 'h', PITWALL_SMTP_FROM: 'f@x', PITWALL_SMTP_TO: 't@x', PITWALL_SMTP_PORT: '99999' });
    assert.match(port.problems.email ?? '', /PITWALL_SMTP_PORT must be a port number from 1 to 65535, not "99999"/);
    const flag = channelSettingsFromEnv({ PITWALL_SMTP_HOST: 'h', PITWALL_SMTP_FROM: 'f@x', PITWALL_SMTP_TO: 't@x', PITWALL_SMTP_REQUIRE_TLS: 'maybe' });
    assert.match(flag.problems.email ?? '', /PITWALL_SMTP_REQUIRE_TLS must be true or false/);
  });

  it('never quotes a secret in a problem, even a malformed secret URL', () => {
    const settings = channelSettingsFromEnv({ PITWALL_SLACK_WEBHOOK_URL: 'not a url webhook-token-abc' });
    assert.match(settings.problems.slack ?? '', /PITWALL_SLACK_WEBHOOK_URL must be an http/);
    assert.doesNotMatch(settings.problems.slack ?? '', /webhook-token-abc/);
  });

  it('treats blank variables as unset: nothing configured, no problems', () => {
    const settings = channelSettingsFromEnv({ PITWALL_SMTP_HOST: '  ', PITWALL_SLACK_WEBHOOK_URL: '' });
    assert.deepEqual(JSON.parse(JSON.stringify(settings)), { slack: null, email: null, webhook: null, alertLog: null, problems: {} });
  });

  it('keeps secrets out of JSON, toString and inspect of the settings', () => {
    const settings = channelSettingsFromEnv(FULL_ENV);
    const shown = [JSON.stringify(settings), String(settings.webhook?.secret), `${settings.email?.password}`, inspect(settings, { depth: 10 })];
    for (const text of shown) {
      for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} in ${text}`);
    }
    assert.match(JSON.stringify(settings), /"password":"\[secret\]"/);
  });

  it('redacts every secret, URL-encoded too, and a secret webhook URL by its path alone', () => {
    const settings = channelSettingsFromEnv(FULL_ENV);
    const secrets = secretsOf(settings);
    const text = redact(
      `got ${SLACK_WEBHOOK} and /services/T000/B000/webhook-token-abc, pass smtp-password-xyz, ${encodeURIComponent('webhook-secret-123')}`,
      secrets,
    );
    assert.equal(text, 'got [secret] and [secret], pass [secret], [secret]');
    assert.equal(redact('nothing to hide', []), 'nothing to hide');
    assert.equal(redact('a.b*c', [new Secret('.b*').reveal()]), 'a[secret]c');
  });
});

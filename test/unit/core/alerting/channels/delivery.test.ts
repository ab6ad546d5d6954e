import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deliver } from '../../../../../src/core/alerting/channels/delivery';
import { parseRetryAfter } from '../../../../../src/core/alerting/channels/http';
import { channelSettingsFromEnv, EMPTY_CHANNEL_SETTINGS, Secret, type ChannelSettings } from '../../../../../src/core/alerting/channels/settings';
import { closedPort, httpEndpoints, noticeOf, removeTempDirs, tempDir } from './support';

const SECRET = 'delivery-secret-e3b0c442';

function webhookAt(url: string): ChannelSettings {
  return { ...EMPTY_CHANNEL_SETTINGS, webhook: { url, secret: new Secret(SECRET) } };
}

describe('delivery', () => {
  after(removeTempDirs);
  const endpoint = httpEndpoints();

  it('retries an endpoint that fails twice with 500, with growing pauses, and succeeds on the third attempt', async () => {
    const hook = await endpoint((_request, index) => (index < 2 ? { status: 500, body: 'upstream down' } : { status: 200 }));
    const [report] = await deliver(noticeOf(), ['webhook'], { settings: webhookAt(`${hook.url}/h`), baseDelayMs: 40, random: () => 0 });
    assert.equal(report?.status, 'delivered', report?.error ?? '');
    assert.equal(report.ok, true);
    assert.equal(report.attempts, 3);
    assert.equal(report.error, null);
    assert.equal(hook.requests.length, 3);
    assert.equal(new Set(hook.requests.map((request) => request.body)).size, 1, 'every attempt sends the same body');
    const [first, second, third] = hook.requests.map((request) => request.at);
    // With no jitter the pauses are half of 40 ms and of 80 ms.
    assert.ok(second! - first! >= 18, `first pause ${second! - first!} ms`);
    assert.ok(third! - second! >= 38, `second pause ${third! - second!} ms`);
  });

  it('waits as long as a 429 answer\'s Retry-After asks before trying again, then delivers', async () => {
    const hook = await endpoint((_request, index) => (index === 0 ? { status: 429, body: 'slow down', headers: { 'retry-after': '1' } } : { status: 200 }));
    const [report] = await deliver(noticeOf(), ['webhook'], { settings: webhookAt(hook.url), baseDelayMs: 5, random: () => 0 });
    assert.equal(report?.status, 'delivered', report?.error ?? '');
    assert.equal(report.attempts, 2);
    const [first, second] = hook.requests.map((request) => request.at);
    // The backoff alone would pause 2.5 ms: only the header explains a second's pause.
    assert.ok(second! - first! >= 950, `paused ${second! - first!} ms`);
  });

  it('gives up at once, saying why, when Retry-After asks for longer than the delivery deadline', async () => {
    const hook = await endpoint(() => ({ status: 503, body: 'maintenance', headers: { 'retry-after': '120' } }));
    const [report] = await deliver(noticeOf(), ['webhook'], { settings: webhookAt(hook.url), timeoutMs: 5000, baseDelayMs: 1 });
    assert.equal(report?.status, 'failed');
    assert.equal(report.attempts, 1);
    assert.equal(hook.requests.length, 1);
    assert.match(report.error ?? '', /answered HTTP 503: maintenance; it asked to be retried after 120 s, past the 5 s delivery deadline/);
  });

  it('reads Retry-After as seconds or an HTTP date, and ignores anything else', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Thu, 26 Nov 2026 12:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Thu, 26 Nov 2026 11:00:00 GMT', now), 0, 'a date in the past means now');
    for (const bad of [null, undefined, '', '-5', '1.5', 'soon', '2026-11-26T12:00:30Z', '9'.repeat(12)]) assert.equal(parseRetryAfter(bad, now), null, String(bad));
  });

  it('gives up after the configured attempts and reports the last error', async () => {
    const hook = await endpoint(() => ({ status: 503, body: 'maintenance' }));
    const [report] = await deliver(noticeOf(), ['webhook'], { settings: webhookAt(hook.url), attempts: 4, baseDelayMs: 1 });
    assert.equal(report?.status, 'failed');
    assert.equal(report.ok, false);
    assert.equal(report.attempts, 4);
    assert.equal(hook.requests.length, 4);
    assert.match(report.error ?? '', /answered HTTP 503: maintenance$/);
  });

  it('times out an endpoint that never answers, within the configured timeout', async () => {
    const hook = await endpoint(() => 'hang');
    const started = Date.now();
    const [report] = await deliver(noticeOf(), ['webhook'], { settings: webhookAt(hook.url), timeoutMs: 300, baseDelayMs: 1 });
    const took = Date.now() - started;
    assert.equal(report?.status, 'timed-out');
    assert.equal(report.attempts, 1);
    assert.match(report.error ?? '', /timed out after 0\.3 s/);
    // Bounded, not hung: a generous ceiling, so a loaded machine does not fail it.
    assert.ok(report.elapsedMs >= 290 && report.elapsedMs < 5000, `elapsed ${report.elapsedMs} ms`);
    assert.ok(took < 5000, `deliver took ${took} ms`);
    assert.equal(hook.requests.length, 1);
  });

  it('retries an endpoint it cannot connect to, then reports it unreachable', async () => {
    const port = await closedPort();
    const [report] = await deliver(noticeOf(), ['webhook'], { settings: webhookAt(`http://127.0.0.1:${port}/h`), baseDelayMs: 1 });
    assert.equal(report?.status, 'failed');
    assert.equal(report.attempts, 3);
    assert.match(report.error ?? '', new RegExp(`^cannot reach http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });

  it('lets no failing or hanging channel hold up or prevent the others', async () => {
    const hook = await endpoint(() => 'hang');
    const lines: string[] = [];
    const logPath = join(tempDir(), 'alert_log.txt');
    const settings: ChannelSettings = {
      ...webhookAt(hook.url),
      alertLog: logPath,
      problems: { email: 'set PITWALL_SMTP_TO' },
    };
    const reports = await deliver(noticeOf(), ['webhook', 'console', 'slack', 'file', 'email', 'console'], {
      settings,
      timeoutMs: 250,
      write: (line) => lines.push(line),
    });
    assert.deepEqual(
      reports.map((report) => [report.channel, report.status]),
      [
        ['webhook', 'timed-out'],
        ['console', 'delivered'],
        ['slack', 'not-configured'],
        ['file', 'delivered'],
        ['email', 'not-configured'],
      ],
    );
    assert.ok((reports[0]?.elapsedMs ?? Infinity) < 5000, `the hanging webhook was given up after ${reports[0]?.elapsedMs} ms`);
    assert.equal(lines.length, 1, 'a channel named twice delivers once');
    assert.match(readFileSync(logPath, 'utf8'), /^\[1790856000\.0\] \[critical\] /);
    for (const report of reports.filter((each) => each.status === 'delivered')) {
      // Finished before the hanging webhook was given up: it did not wait for it.
      assert.ok(report.elapsedMs < (reports[0]?.elapsedMs ?? 0), `${report.channel} waited ${report.elapsedMs} ms for the hanging webhook`);
    }
    assert.equal(reports[4]?.error, 'email is not configured: set PITWALL_SMTP_TO.');
  });

  it('reports channels without configuration as "not configured: set PITWALL_…", without a crash', async () => {
    const reports = await deliver(noticeOf(), ['console', 'file', 'slack', 'email', 'webhook'], { settings: channelSettingsFromEnv({}) });
    assert.deepEqual(
      reports.map((report) => [report.channel, report.status, report.ok, report.attempts]),
      ['console', 'file', 'slack', 'email', 'webhook'].map((channel) => [channel, 'not-configured', false, 0]),
    );
    assert.match(reports[0]?.error ?? '', /^console is not configured: /);
    assert.equal(reports[1]?.error, 'file is not configured: set PITWALL_ALERT_LOG.');
    assert.equal(reports[2]?.error, 'slack is not configured: set PITWALL_SLACK_WEBHOOK_URL, or PITWALL_SLACK_BOT_TOKEN and PITWALL_SLACK_CHANNEL.');
    assert.equal(reports[3]?.error, 'email is not configured: set PITWALL_SMTP_HOST, PITWALL_SMTP_FROM and PITWALL_SMTP_TO.');
    assert.equal(reports[4]?.error, 'webhook is not configured: set PITWALL_WEBHOOK_URL and PITWALL_WEBHOOK_SECRET.');
    const partial = await deliver(noticeOf(), ['email'], { settings: channelSettingsFromEnv({ PITWALL_SMTP_HOST: 'smtp.example.com', PITWALL_SMTP_TO: 'a@x' }) });
    assert.equal(partial[0]?.error, 'email is not configured: set PITWALL_SMTP_FROM.');
  });

  it('delivers nothing for a silenced notice and says so', async () => {
    const hook = await endpoint(() => ({ status: 200 }));
    const lines: string[] = [];
    const reports = await deliver(noticeOf({}, { silenced: true }), ['webhook', 'console'], { settings: webhookAt(hook.url), write: (line) => lines.push(line) });
    assert.deepEqual(
      reports.map((report) => [report.channel, report.status, report.ok, report.attempts, report.error]),
      [
        ['webhook', 'silenced', false, 0, null],
        ['console', 'silenced', false, 0, null],
      ],
    );
    assert.equal(hook.requests.length, 0);
    assert.deepEqual(lines, []);
  });

  it('stops when the caller cancels', async () => {
    const hook = await endpoint(() => 'hang');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const [report] = await deliver(noticeOf(), ['webhook'], { settings: webhookAt(hook.url), signal: controller.signal });
    assert.equal(report?.status, 'failed');
    assert.match(report.error ?? '', /cancelled/);
    assert.ok(report.elapsedMs < 5000);
  });

  it('keeps every secret out of the reports and the settings JSON, even when the endpoints quote them', async () => {
    const echo = await endpoint((request) => ({
      status: 400,
      body: `rejected ${request.url} ${request.headers.authorization ?? ''} ${request.body.slice(0, 10)} with ${SECRET}`,
    }));
    const settings = channelSettingsFromEnv({
      PITWALL_SLACK_WEBHOOK_URL: `${echo.url}/services/T1/B1/slack-url-secret-77`,
      PITWALL_WEBHOOK_URL: `${echo.url}/hook`,
      PITWALL_WEBHOOK_SECRET: SECRET,
    });
    const reports = await deliver(noticeOf(), ['slack', 'webhook'], { settings, baseDelayMs: 1 });
    assert.deepEqual(
      reports.map((report) => report.status),
      ['failed', 'failed'],
    );
    const shown = JSON.stringify({ reports, settings });
    for (const secret of [SECRET, 'slack-url-secret-77']) assert.ok(!shown.includes(secret), `${secret} in ${shown}`);
    assert.match(shown, /\[secret\]/);
  });
});

import { strict as assert } from 'node:assert';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { deliver } from '../../../../../src/core/alerting/channels/delivery';
import { EMPTY_CHANNEL_SETTINGS, Secret, type ChannelSettings, type EmailSettings } from '../../../../../src/core/alerting/channels/settings';
import { HOSTILE_MESSAGE, HOSTILE_TITLE, makeCertificate, noticeOf, parseMail, removeTempDirs, startSmtpEndpoint, tempDir, type SmtpEndpoint } from './support';

const PASSWORD = 'smtp-pass-93f1c7';

function emailSettings(port: number, overrides: Partial<EmailSettings> = {}): ChannelSettings {
  const email: EmailSettings = {
    host: '127.0.0.1',
    port,
    secure: false,
    requireTls: false,
    user: null,
    password: null,
    caFile: null,
    from: 'Pitwall <pitwall@example.com>',
    to: ['oncall@example.com', 'ml-team@example.com'],
    ...overrides,
  };
  return { ...EMPTY_CHANNEL_SETTINGS, email };
}

describe('email channel', () => {
  after(removeTempDirs);
  const servers: SmtpEndpoint[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  async function smtp(...options: Parameters<typeof startSmtpEndpoint>): Promise<SmtpEndpoint> {
    const started = await startSmtpEndpoint(...options);
    servers.push(started);
    return started;
  }

  it('upgrades to TLS with STARTTLS when the server offers it, logs in, and sends text and HTML bodies', async function () {
    const certificate = makeCertificate(tempDir());
    if (certificate === null) this.skip();
    const server = await smtp({
      key: certificate.key,
      cert: certificate.cert,
      onAuth(auth, _session, callback) {
        if (auth.username === 'pitwall' && auth.password === PASSWORD) callback(null, { user: 'pitwall' });
        else callback(new Error('Invalid username or password'));
      },
    });
    const settings = emailSettings(server.port, { user: 'pitwall', password: new Secret(PASSWORD), caFile: certificate.certFile });
    const [report] = await deliver(noticeOf(), ['email'], { settings });
    assert.equal(report?.status, 'delivered', report?.error ?? '');
    assert.equal(server.mails.length, 1);
    const [mail] = server.mails;
    assert.ok(mail);
    assert.equal(mail.secure, true, 'the session was upgraded with STARTTLS');
    assert.equal(mail.user, 'pitwall');
    assert.equal(mail.from, 'pitwall@example.com');
    assert.deepEqual(mail.to, ['oncall@example.com', 'ml-team@example.com']);
    const parsed = parseMail(mail.raw);
    assert.equal(parsed.subject, '[Pitwall] CRITICAL: PERFORMANCE: accuracy Alert');
    assert.match(parsed.headers.get('from') ?? '', /pitwall@example\.com/);
    assert.equal(parsed.headers.get('x-pitwall-fingerprint'), 'fp-accuracy-v1.1');
    assert.match(parsed.headers.get('content-type') ?? '', /^multipart\/alternative/);
    assert.ok(parsed.text?.startsWith('FIRING CRITICAL: PERFORMANCE: accuracy Alert\n\naccuracy is 0.0000 (< 0.7000)\n'), parsed.text ?? '');
    assert.match(parsed.text ?? '', /\nModel: v1\.1\n/);
    assert.match(parsed.html ?? '', /<h2 [^>]*>FIRING CRITICAL: PERFORMANCE: accuracy Alert<\/h2>/);
    assert.match(parsed.html ?? '', /accuracy is 0\.0000 \(&lt; 0\.7000\)/);
  });

  it('refuses to send without TLS when TLS is required and the server does not offer STARTTLS', async () => {
    const server = await smtp({ disabledCommands: ['STARTTLS'], authOptional: true });
    const [report] = await deliver(noticeOf(), ['email'], { settings: emailSettings(server.port, { requireTls: true }), baseDelayMs: 1 });
    assert.equal(report?.status, 'failed');
    assert.equal(report.attempts, 1, 'not retried: the server will not offer it next time either');
    assert.match(report.error ?? '', /^SMTP server 127\.0\.0\.1:\d+: .*STARTTLS/);
    assert.equal(server.mails.length, 0);
  });

  it('sends over plain SMTP to a server that offers no STARTTLS, when TLS is not required', async () => {
    const server = await smtp({ disabledCommands: ['STARTTLS'], authOptional: true });
    const [report] = await deliver(noticeOf({}, { kind: 'resolved' }), ['email'], { settings: emailSettings(server.port) });
    assert.equal(report?.status, 'delivered', report?.error ?? '');
    assert.equal(server.mails[0]?.secure, false);
    assert.equal(parseMail(server.mails[0]?.raw ?? '').subject, '[Pitwall] RESOLVED (critical): PERFORMANCE: accuracy Alert');
  });

  it('escapes hostile text in the HTML body, keeps it as it is in the text body, and keeps the subject on one line', async () => {
    const server = await smtp({ disabledCommands: ['STARTTLS'], authOptional: true });
    const notice = noticeOf({ title: HOSTILE_TITLE, message: HOSTILE_MESSAGE, model_version: `v1"><img src=x onerror=alert(1)>` });
    const [report] = await deliver(notice, ['email'], { settings: emailSettings(server.port) });
    assert.equal(report?.status, 'delivered', report?.error ?? '');
    const parsed = parseMail(server.mails[0]?.raw ?? '');
    const html = parsed.html ?? '';
    assert.doesNotMatch(html, /<script|<img|onerror='|"><img/i);
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;!channel&gt;'), html.slice(0, 400));
    assert.ok(html.includes('&lt;img src=x onerror=&#39;steal()&#39;&gt;'));
    assert.ok(html.includes('v1&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok((parsed.text ?? '').includes(`<img src=x onerror='steal()'>`), 'plain text is as it is');
    assert.ok(!(parsed.text ?? '').includes('\u001b'), 'no escape character');
    assert.ok((parsed.text ?? '').length < 5000, 'the long message is cut');
    assert.match(parsed.text ?? '', /…/);
    assert.match(parsed.subject, /^\[Pitwall\] CRITICAL: <script>alert\("x"\)<\/script> .* forged$/);
    assert.doesNotMatch(parsed.subject, /\n/);
  });

  it('times out a server that accepts the connection but never greets, within the configured timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const [report] = await deliver(noticeOf(), ['email'], { settings: emailSettings(port), timeoutMs: 300 });
      assert.equal(report?.status, 'timed-out');
      assert.match(report.error ?? '', /^timed out after 0\.3 s \(attempt 1 of 3\)$/);
      assert.ok(report.elapsedMs < 5000, `elapsed ${report.elapsedMs} ms`);
      assert.equal(sockets.length, 1, 'it did connect');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('never sends credentials over plain SMTP: a server without STARTTLS gets no password, even with requireTls off', async () => {
    const logins: string[] = [];
    const server = await smtp({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        logins.push(auth.password ?? '');
        callback(null, { user: auth.username });
      },
    });
    const settings = emailSettings(server.port, { user: 'pitwall', password: new Secret(PASSWORD), requireTls: false });
    const [report] = await deliver(noticeOf(), ['email'], { settings, baseDelayMs: 1 });
    assert.equal(report?.status, 'failed');
    assert.equal(report.attempts, 1, 'not retried: the server will not offer STARTTLS next time either');
    assert.match(report.error ?? '', /STARTTLS/);
    assert.deepEqual(logins, [], 'no login reached the server');
    const wire = Buffer.concat(server.received).toString('latin1');
    assert.match(wire, /EHLO/, 'the client did talk to the server');
    for (const form of [PASSWORD, Buffer.from(PASSWORD).toString('base64'), Buffer.from(`\u0000pitwall\u0000${PASSWORD}`).toString('base64')]) {
      assert.ok(!wire.includes(form), `the password (${form === PASSWORD ? 'as is' : 'base64'}) never went over the wire`);
    }
    assert.equal(server.mails.length, 0);
  });

  it('reports a refused login once, with the password redacted even when the server quotes it', async function () {
    const certificate = makeCertificate(tempDir());
    if (certificate === null) this.skip();
    const server = await smtp({
      key: certificate.key,
      cert: certificate.cert,
      onAuth(auth, _session, callback) {
        callback(new Error(`Password ${auth.password ?? ''} is wrong`));
      },
    });
    const settings = emailSettings(server.port, { user: 'pitwall', password: new Secret(PASSWORD), caFile: certificate.certFile });
    const [report] = await deliver(noticeOf(), ['email'], { settings, baseDelayMs: 1 });
    assert.equal(report?.status, 'failed');
    assert.equal(report.attempts, 1);
    assert.match(report.error ?? '', /Password \[secret\] is wrong/);
    assert.ok(!JSON.stringify({ report, settings }).includes(PASSWORD));
  });
});

/** Real endpoints on loopback for the channel tests, and notices to send to them. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { AlertNotice, StoredAlert } from '../../../../../src/core/alerting/channels/notice';

const tempDirs: string[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pitwall-channels-'));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function alertOf(overrides: Partial<StoredAlert> = {}): StoredAlert {
  return {
    key: 'alerts.jsonl:1',
    timestamp: 1790856000,
    alert_id: 'alert_1790856000000',
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
    ...overrides,
  };
}

export function noticeOf(alert: Partial<StoredAlert> = {}, notice: Partial<Omit<AlertNotice, 'alert'>> = {}): AlertNotice {
  return { kind: 'firing', alert: alertOf(alert), ruleId: 'accuracy-floor', fingerprint: 'fp-accuracy-v1.1', ...notice };
}

/** Text an attacker could place in an alert's title or message. */
export const HOSTILE_TITLE = `<script>alert("x")</script> & <!channel> <!here|here> @here @channel <@U123> <#C1> <https://evil.example|click> 'q'\n[1.0] [critical] forged`;
export const HOSTILE_MESSAGE = `first line\r\n<img src=x onerror='steal()'>\u001b[31mred\u001b[0m <!everyone> @everyone\n${'long '.repeat(4000)}END`;

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

export type HttpAnswer = { readonly status: number; readonly body?: string; readonly contentType?: string; readonly headers?: Readonly<Record<string, string>> } | 'hang';

export interface HttpEndpoint {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records every request and answers the nth with `answer(request, n)`. */
export async function startHttpEndpoint(answer: (request: ReceivedRequest, index: number) => HttpAnswer): Promise<HttpEndpoint> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(received);
      const reply = answer(received, requests.length - 1);
      if (reply === 'hang') return;
      response.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/plain', ...reply.headers });
      response.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Inside a describe: a function starting loopback endpoints (as startHttpEndpoint), each closed
 * after the test that started it.
 */
export function httpEndpoints(): (...answers: Parameters<typeof startHttpEndpoint>) => Promise<HttpEndpoint> {
  const started: HttpEndpoint[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((endpoint) => endpoint.close()));
  });
  return async (...answers) => {
    const endpoint = await startHttpEndpoint(...answers);
    started.push(endpoint);
    return endpoint;
  };
}

/** A loopback port that nothing listens on. */
export async function closedPort(): Promise<number> {
  const endpoint = await startHttpEndpoint(() => ({ status: 200 }));
  const port = Number(new URL(endpoint.url).port);
  await endpoint.close();
  return port;
}

/** A self-signed certificate for 127.0.0.1 made with the openssl command, or null without one. */
export function makeCertificate(folder: string): { key: string; cert: string; certFile: string } | null {
  const keyFile = join(folder, 'key.pem');
  const certFile = join(folder, 'cert.pem');
  const result = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { encoding: 'utf8' },
  );
  if (result.error !== undefined || result.status !== 0) return null;
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

export interface ReceivedMail {
  readonly raw: string;
  readonly secure: boolean;
  readonly user: string | null;
  readonly from: string | null;
  readonly to: string[];
}

export interface SmtpEndpoint {
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** Every byte clients sent, as it came over the wire (encrypted, once a session is TLS). */
  readonly received: Buffer[];
  close(): Promise<void>;
}

/** An smtp-server on 127.0.0.1 that keeps every message with its session's facts. */
export async function startSmtpEndpoint(options: SMTPServerOptions): Promise<SmtpEndpoint> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    logger: false,
    ...options,
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelopeFrom = session.envelope.mailFrom;
        mails.push({
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : null,
          from: envelopeFrom === false ? null : envelopeFrom.address,
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
        });
        callback();
      });
    },
  });
  const received: Buffer[] = [];
  server.server.on('connection', (socket: Socket) => socket.on('data', (chunk: Buffer) => received.push(chunk)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function decodeQuotedPrintable(text: string): Buffer {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i += 1) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(joined.charCodeAt(i));
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`) in a header value. */
function decodeWords(value: string): string {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_match, _charset: string, encoding: string, text: string) =>
    encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')).toString('utf8'),
  );
}

interface MimeEntity {
  readonly headers: Map<string, string>;
  readonly body: string;
}

function parseEntity(raw: string): MimeEntity {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(entity: MimeEntity): string {
  const encoding = (entity.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(entity.body).toString('utf8');
  if (encoding === 'base64') return Buffer.from(entity.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return entity.body;
}

export interface ParsedMail {
  readonly headers: Map<string, string>;
  readonly subject: string;
  readonly text: string | null;
  readonly html: string | null;
}

/** Just enough MIME for nodemailer's output: headers, and the text/plain and text/html parts of a multipart/alternative. */
export function parseMail(raw: string): ParsedMail {
  const message = parseEntity(raw);
  const contentType = message.headers.get('content-type') ?? 'text/plain';
  let text: string | null = null;
  let html: string | null = null;
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  const parts = boundary === undefined ? [message] : raw.split(`--${boundary}`).slice(1, -1).map((part) => parseEntity(part.replace(/^\r\n/, '')));
  for (const part of parts) {
    const type = (part.headers.get('content-type') ?? 'text/plain').toLowerCase();
    const decoded = decodeBody(part).replace(/\r\n/g, '\n');
    if (type.startsWith('text/plain')) text = decoded;
    if (type.startsWith('text/html')) html = decoded;
  }
  return { headers: message.headers, subject: decodeWords(message.headers.get('subject') ?? ''), text, html };
}

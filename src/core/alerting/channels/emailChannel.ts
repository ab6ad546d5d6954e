import { readFile } from 'node:fs/promises';
import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import type { AlertSeverity } from '../../model/alert';
import { describeFailure } from './http';
import type { AlertNotice, DeliveryChannel } from './notice';
import type { EmailSettings } from './settings';
import { detailsOf, escapeHtml, fit, headlineOf, MESSAGE_LIMIT, messageOf, oneLine, titleOf, WHY_HEADING, whyOf } from './text';

export interface EmailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const COLORS: Readonly<Record<AlertSeverity, string>> = { critical: '#b00020', warning: '#a15c00', info: '#1a5fb4' };
const RESOLVED_COLOR = '#26734d';
/** nodemailer's codes for failures that the same message meets again: credentials, TLS, addresses. */
const PERMANENT_CODES = new Set(['EAUTH', 'ENOAUTH', 'ETLS', 'EREQUIRETLS', 'EENVELOPE', 'EMESSAGE', 'ECONFIG']);

/**
 * Subject (severity and title), a plain-text body and an HTML body with the same content (the
 * message, why it fired when the notice has its context, the details); in the HTML every text
 * from the data is escaped.
 */
export function emailContent(notice: AlertNotice): EmailContent {
  const { alert } = notice;
  const title = titleOf(alert);
  const subject =
    notice.kind === 'firing' ? `[Pitwall] ${alert.severity.toUpperCase()}: ${title}` : `[Pitwall] RESOLVED (${alert.severity}): ${title}`;
  const message = fit(messageOf(alert), MESSAGE_LIMIT);
  const details = detailsOf(notice);
  const headline = `${headlineOf(notice)}: ${title}`;
  const why = whyOf(notice);
  const whyText = why.length === 0 ? [] : [`${WHY_HEADING}:`, ...why.map((line) => `- ${line}`), ''];
  const text = [headline, '', ...(message === '' ? [] : [message, '']), ...whyText, ...details.map(([label, value]) => `${label}: ${value}`), '', '— Pitwall', ''].join('\n');
  const color = notice.kind === 'resolved' ? RESOLVED_COLOR : COLORS[alert.severity];
  const rows = details
    .map(([label, value]) => `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('\n');
  const html = [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
    `<h2 style="color:${color}">${escapeHtml(headline)}</h2>`,
    ...(message === '' ? [] : [`<p style="white-space:pre-wrap">${escapeHtml(message)}</p>`]),
    ...(why.length === 0 ? [] : [`<h3>${escapeHtml(WHY_HEADING)}</h3>`, `<ul>\n${why.map((line) => `<li>${escapeHtml(line)}</li>`).join('\n')}\n</ul>`]),
    `<table>\n${rows}\n</table>`,
    '<p style="color:#666">— Pitwall</p>',
    '</body></html>',
    '',
  ].join('\n');
  return { subject, text, html };
}

function isPermanent(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  if (typeof code === 'string' && PERMANENT_CODES.has(code)) return true;
  // 5yz replies are permanent (RFC 5321), except 503: a bad sequence that a new session may not meet.
  return typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600 && responseCode !== 503;
}

async function readCertificateAuthorities(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new PitwallError('input', messages.deliverySmtpCaUnreadable(path, describeFailure(error)), { cause: error });
  }
}

/**
 * Sends each notice over SMTP with nodemailer, one connection per notice: TLS from the start
 * when `secure`, else STARTTLS whenever the server offers it. STARTTLS is required with
 * `requireTls`, and always when there are credentials: a server (or an attacker in between) that
 * does not offer it gets no password in clear.
 */
export function createEmailChannel(settings: EmailSettings): DeliveryChannel {
  const server = `${settings.host}:${settings.port}`;
  return {
    name: 'email',
    async send(notice, signal) {
      const ca = settings.caFile === null ? undefined : await readCertificateAuthorities(settings.caFile);
      // Loaded when a notice is sent: nodemailer brings TLS, DNS and HTTP along, which every other command would load for nothing.
      const { default: nodemailer } = await import('nodemailer');
      const transport = nodemailer.createTransport({
        host: settings.host,
        port: settings.port,
        secure: settings.secure,
        requireTLS: settings.requireTls || settings.user !== null,
        auth: settings.user === null ? undefined : { user: settings.user, pass: settings.password?.reveal() ?? '' },
        tls: { minVersion: 'TLSv1.2', ...(ca === undefined ? {} : { ca }) },
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      const content = emailContent(notice);
      try {
        await transport.sendMail({
          from: settings.from,
          to: [...settings.to],
          subject: content.subject,
          text: content.text,
          html: content.html,
          headers: { 'X-Pitwall-Fingerprint': fit(oneLine(notice.fingerprint), 200) },
          signal,
        });
      } catch (error) {
        throw new PitwallError(isPermanent(error) ? 'input' : 'io', messages.deliverySmtpFailed(server, describeFailure(error)), { cause: error });
      } finally {
        transport.close();
      }
    },
  };
}

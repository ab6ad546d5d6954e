/**
 * Alert text as each channel may show it. Titles, messages, model versions and the other
 * fields come from the monitored service's data, so every channel treats them as hostile:
 * control characters never reach a terminal or a log, each markup language gets its own
 * escaping, and every text is cut to a length its channel can carry.
 */
import { toSqlAlchemyText } from '../../model/timestamps';
import { whyLines } from '../whyText';
import type { AlertNotice, StoredAlert } from './notice';

export const ELLIPSIS = '…';
/** Characters of a title or a detail value any channel shows. */
export const TITLE_LIMIT = 200;
/** Characters of a message in the plain-text channels, the e-mail and the webhook. */
export const MESSAGE_LIMIT = 4000;

// C0 and C1 controls except tab and line breaks: an escape sequence from the data could
// otherwise restyle or rewrite a terminal, and a stray carriage return hide a log line.
// eslint-disable-next-line no-control-regex -- matching control characters is the point here
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const LINE_BREAKS = /\r\n?/g;
const REPLACEMENT = '\ufffd';

/** Text with line breaks as `\n` and control characters replaced by U+FFFD. */
export function plainText(text: string): string {
  return text.replace(LINE_BREAKS, '\n').replace(CONTROLS, REPLACEMENT);
}

/** Plain text on one line: line breaks and the blanks around them become one space. */
export function oneLine(text: string): string {
  return plainText(text)
    .replace(/[ \t]*\n[ \t\n]*/g, ' ')
    .replace(/\t/g, ' ')
    .trim();
}

/**
 * `text` escaped character by character, cut so that the result (ellipsis included) has at
 * most `limit` UTF-16 units. The cut falls between characters, never inside an escape or a
 * surrogate pair.
 */
export function fit(text: string, limit: number, escape: (character: string) => string = (c) => c): string {
  let out = '';
  // The length of `out` at the last piece boundary that leaves room for the ellipsis.
  let cut = 0;
  for (const character of text) {
    const piece = escape(character);
    if (out.length + piece.length > limit) return out.slice(0, cut) + ELLIPSIS;
    out += piece;
    if (out.length <= limit - ELLIPSIS.length) cut = out.length;
  }
  return out;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** One character for HTML text or an attribute value. */
export function escapeHtmlCharacter(character: string): string {
  return HTML_ESCAPES[character] ?? character;
}

const SLACK_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * One character for Slack mrkdwn. Escaping `<` turns every control sequence (`<!channel>`,
 * `<@U123>`, `<#C1>`, `<http://…|label>`) into visible text.
 */
export function escapeSlackCharacter(character: string): string {
  return SLACK_ESCAPES[character] ?? character;
}

// Slack also reads the bare words in some clients and integrations (link_names):
// a zero-width space after the @ keeps the word readable but not a mention.
const BARE_MENTIONS = /@(channel|here|everyone)\b/gi;

/** Slack mrkdwn for text from the data: escaped, without mentions, cut to `limit`. */
export function slackText(text: string, limit: number): string {
  return fit(plainText(text).replace(BARE_MENTIONS, '@\u200b$1'), limit, escapeSlackCharacter);
}

/** Text as HTML content or an attribute value: all of & < > " ' escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, escapeHtmlCharacter);
}

/** The alert's title on one line, cut to `TITLE_LIMIT`; alerts without one are named by their metric. */
export function titleOf(alert: StoredAlert): string {
  const title = oneLine(alert.title ?? '');
  if (title !== '') return fit(title, TITLE_LIMIT);
  return fit(alert.metric_name === null ? `Alert ${oneLine(alert.alert_id)}` : `${oneLine(alert.metric_name)} alert`, TITLE_LIMIT);
}

export function messageOf(alert: StoredAlert): string {
  return plainText(alert.message ?? '').trim();
}

/** A number as people read it: up to six significant digits. */
export function formatValue(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/** `2026-10-01 12:00:00 UTC` */
export function formatTime(seconds: number): string {
  return `${toSqlAlchemyText(seconds).slice(0, 19)} UTC`;
}

/** FIRING or RESOLVED, and the severity, as the head of a notice. */
export function headlineOf(notice: AlertNotice): string {
  return `${notice.kind === 'firing' ? 'FIRING' : 'RESOLVED'} ${notice.alert.severity.toUpperCase()}`;
}

/** The heading of the context in a notice. */
export const WHY_HEADING = 'Why it fired';

/** A firing notice's context in at most `count` one-line sentences, raw (unescaped), each cut to TITLE_LIMIT; none without one. */
export function whyOf(notice: AlertNotice, count = 3): string[] {
  return notice.why === undefined ? [] : whyLines(notice.why, count).map((line) => fit(oneLine(line), TITLE_LIMIT));
}

/** The facts of a notice beside its title and message, as label and raw (unescaped) value. */
export function detailsOf(notice: AlertNotice): [label: string, value: string][] {
  const { alert } = notice;
  const details: [string, string][] = [];
  if (alert.model_version !== null) details.push(['Model', alert.model_version]);
  if (alert.component !== null) details.push(['Component', alert.component]);
  if (alert.metric_name !== null) {
    const value = alert.metric_value === null ? '' : ` = ${formatValue(alert.metric_value)}`;
    const threshold = alert.threshold === null ? '' : ` (threshold ${formatValue(alert.threshold)})`;
    details.push(['Metric', `${alert.metric_name}${value}${threshold}`]);
  }
  if (notice.ruleId !== null) details.push(['Rule', notice.ruleId]);
  details.push(['Alert', alert.alert_id]);
  details.push(['Fired', formatTime(alert.timestamp)]);
  return details.map(([label, value]) => [label, fit(oneLine(value), TITLE_LIMIT)]);
}

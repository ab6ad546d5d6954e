import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import type { AlertSeverity } from '../../model/alert';
import { endpointOf, postJson, quoteAnswer, requireSuccess } from './http';
import type { AlertNotice, DeliveryChannel } from './notice';
import type { SlackSettings } from './settings';
import { detailsOf, headlineOf, messageOf, slackText, titleOf, TITLE_LIMIT, WHY_HEADING, whyOf } from './text';

/** Slack's limit on the text of a section block. */
const SECTION_LIMIT = 3000;
const DETAIL_LIMIT = 300;
const ICONS: Readonly<Record<AlertSeverity, string>> = { critical: ':red_circle:', warning: ':warning:', info: ':information_source:' };
/** chat.postMessage errors that a later attempt may not meet (Slack's documented transient ones). */
const TRANSIENT_API_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/**
 * The message for a notice: a section with the headline, title and message, a section with
 * why it fired (the segments and features, when the notice has its context), and a context
 * line of details. All text from the data is escaped for mrkdwn (no links, mentions or
 * other control sequences can come from it) and cut to Slack's limits.
 */
export function slackMessage(notice: AlertNotice): Record<string, unknown> {
  const { alert } = notice;
  const icon = notice.kind === 'resolved' ? ':white_check_mark:' : ICONS[alert.severity];
  // Escaping can make each character five (&amp;), so the title's limit leaves room for that.
  const title = slackText(titleOf(alert), TITLE_LIMIT * 5);
  const headline = `${icon} *${headlineOf(notice)}*: ${title}`;
  const message = slackText(messageOf(alert), SECTION_LIMIT - headline.length - 1);
  const details = detailsOf(notice)
    .map(([label, value]) => `*${label}* ${slackText(value, DETAIL_LIMIT)}`)
    .join('  ·  ');
  const why = whyOf(notice);
  const whyBlocks =
    why.length === 0 ? [] : [{ type: 'section', text: { type: 'mrkdwn', text: `*${WHY_HEADING}*\n${why.map((line) => `• ${slackText(line, DETAIL_LIMIT)}`).join('\n')}` } }];
  return {
    text: `${headlineOf(notice)}: ${title}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: message === '' ? headline : `${headline}\n${message}` } },
      ...whyBlocks,
      { type: 'context', elements: [{ type: 'mrkdwn', text: details }] },
    ],
    link_names: false,
    unfurl_links: false,
    unfurl_media: false,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** chat.postMessage answers 200 for most failures; its JSON says whether the message was posted. */
function requirePosted(body: string, endpoint: string): void {
  let answer: unknown;
  try {
    answer = JSON.parse(body);
  } catch {
    answer = null;
  }
  if (!isRecord(answer)) throw new PitwallError('input', messages.deliverySlackAnswerUnreadable(endpoint, quoteAnswer(body)));
  if (answer.ok === true) return;
  const error = typeof answer.error === 'string' ? answer.error : 'unknown_error';
  throw new PitwallError(TRANSIENT_API_ERRORS.has(error) ? 'io' : 'input', messages.deliverySlackRefused(quoteAnswer(error)));
}

/**
 * Posts through an incoming webhook (the URL is the credential), or through
 * `chat.postMessage` at the settings' API URL with the bot token as a bearer token.
 */
export function createSlackChannel(settings: SlackSettings): DeliveryChannel {
  return {
    name: 'slack',
    async send(notice, signal) {
      const message = slackMessage(notice);
      if (settings.via === 'webhook') {
        const url = settings.webhookUrl.reveal();
        const answer = await postJson(url, JSON.stringify(message), {}, signal);
        requireSuccess(answer, endpointOf(url));
        return;
      }
      const url = `${settings.apiUrl}/chat.postMessage`;
      const body = JSON.stringify({ channel: settings.channel, ...message });
      const answer = await postJson(url, body, { authorization: `Bearer ${settings.botToken.reveal()}` }, signal);
      requireSuccess(answer, endpointOf(url));
      requirePosted(answer.body, endpointOf(url));
    },
  };
}

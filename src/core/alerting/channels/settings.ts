/**
 * Where the delivery channels send notices. The CLI reads the settings from the environment;
 * the extension builds them from its settings and SecretStorage.
 */
import type { AlertChannel } from '../../model/alertRule';
import { isPitwallError, PitwallError } from '../../errors';
import { messages } from '../../messages';

const HIDDEN = '[secret]';

/**
 * A password, token or secret URL. It prints, stringifies and inspects as `[secret]`, so a
 * settings object can be logged or shown as JSON; only `reveal()` gives the value, at the
 * point of use.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Secret(${HIDDEN})`;
  }
}

/**
 * Slack through an incoming webhook, or through `chat.postMessage` with a bot token (which
 * can post to any channel the bot is in). The webhook URL is a secret: it alone grants posting.
 */
export type SlackSettings =
  | { readonly via: 'webhook'; readonly webhookUrl: Secret }
  | { readonly via: 'bot'; readonly botToken: Secret; readonly channel: string; readonly apiUrl: string };

export interface EmailSettings {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465). Otherwise STARTTLS is used whenever the server offers it. */
  readonly secure: boolean;
  /** Refuse to send unless STARTTLS succeeds; the channel does so anyway when `user` is set. */
  readonly requireTls: boolean;
  readonly user: string | null;
  readonly password: Secret | null;
  /** A PEM file of certificate authorities to trust besides the system's (a private mail server). */
  readonly caFile: string | null;
  readonly from: string;
  readonly to: readonly string[];
}

/** A generic HTTP endpoint; every post is signed with the secret (see webhookChannel.ts). */
export interface WebhookSettings {
  readonly url: string;
  readonly secret: Secret;
}

/** The configuration of every channel; null where a channel is not set up. Plain data apart from `Secret`s. */
export interface ChannelSettings {
  readonly slack: SlackSettings | null;
  readonly email: EmailSettings | null;
  readonly webhook: WebhookSettings | null;
  /** The alert_log.txt that the file channel appends to. */
  readonly alertLog: string | null;
  /** Why a channel whose configuration was given cannot be used (a missing or malformed value). */
  readonly problems: Readonly<Partial<Record<AlertChannel, string>>>;
}

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api';

export const EMPTY_CHANNEL_SETTINGS: ChannelSettings = Object.freeze({
  slack: null,
  email: null,
  webhook: null,
  alertLog: null,
  problems: Object.freeze({}),
});

/** The token part of a secret URL (its path and query), which a server may quote without the host. */
function secretPartOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    const part = `${parsed.pathname}${parsed.search}`;
    return part.length > 1 ? part : null;
  } catch {
    return null;
  }
}

/** Every secret of the settings, to redact from anything shown. */
export function secretsOf(settings: ChannelSettings): string[] {
  const secrets = [settings.email?.password?.reveal(), settings.webhook?.secret.reveal()];
  if (settings.slack?.via === 'bot') secrets.push(settings.slack.botToken.reveal());
  if (settings.slack?.via === 'webhook') {
    const url = settings.slack.webhookUrl.reveal();
    secrets.push(url, secretPartOf(url) ?? undefined);
  }
  return secrets.filter((secret): secret is string => secret !== undefined && secret !== '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `text` with every secret, as it is or URL-encoded, replaced by `[secret]`. */
export function redact(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  if (forms.size === 0) return text;
  // Longest first, so that a secret containing another is hidden whole.
  const pattern = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|');
  return text.replace(new RegExp(pattern, 'g'), HIDDEN);
}

/** `A`, `A and B`, `A, B and C` */
export function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

type Env = NodeJS.ProcessEnv;

/** A variable's value; blank counts as unset. */
function read(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? null : value;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

function problem(message: string): PitwallError {
  return new PitwallError('input', message);
}

function readFlag(env: Env, name: string, fallback: boolean): boolean {
  const value = read(env, name);
  if (value === null) return fallback;
  if (TRUE.has(value.toLowerCase())) return true;
  if (FALSE.has(value.toLowerCase())) return false;
  throw problem(messages.deliveryEnvInvalid(name, 'true or false (1/0, yes/no, on/off)', value));
}

function readHttpUrl(env: Env, name: string, secret: boolean): string | null {
  const value = read(env, name);
  if (value === null) return null;
  let protocol: string | null = null;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = null;
  }
  if (protocol === 'http:' || protocol === 'https:') return value;
  const requirement = 'an http:// or https:// URL';
  throw problem(secret ? messages.deliveryEnvSecretInvalid(name, requirement) : messages.deliveryEnvInvalid(name, requirement, value));
}

/** `set A and B` for the variables still missing. */
function missing(names: readonly string[]): string {
  return messages.deliverySetVariables(listInWords(names));
}

function slackFromEnv(env: Env): SlackSettings | null {
  const webhookUrl = readHttpUrl(env, 'PITWALL_SLACK_WEBHOOK_URL', true);
  const botToken = read(env, 'PITWALL_SLACK_BOT_TOKEN');
  const channel = read(env, 'PITWALL_SLACK_CHANNEL');
  const apiUrl = (readHttpUrl(env, 'PITWALL_SLACK_API_URL', false) ?? DEFAULT_SLACK_API_URL).replace(/\/+$/, '');
  // A bot token reaches any channel the bot is in, so it wins when both are given.
  if (botToken !== null && channel !== null) return { via: 'bot', botToken: new Secret(botToken), channel, apiUrl };
  if (botToken !== null && webhookUrl === null) throw problem(missing(['PITWALL_SLACK_CHANNEL']));
  if (webhookUrl !== null) return { via: 'webhook', webhookUrl: new Secret(webhookUrl) };
  if (channel !== null) throw problem(missing(['PITWALL_SLACK_BOT_TOKEN']));
  return null;
}

function emailFromEnv(env: Env): EmailSettings | null {
  const host = read(env, 'PITWALL_SMTP_HOST');
  const from = read(env, 'PITWALL_SMTP_FROM');
  const toText = read(env, 'PITWALL_SMTP_TO');
  const user = read(env, 'PITWALL_SMTP_USER');
  const password = env.PITWALL_SMTP_PASSWORD ?? '';
  const portText = read(env, 'PITWALL_SMTP_PORT');
  const anySet = [host, from, toText, user, portText].some((value) => value !== null) || password !== '';
  if (!anySet) return null;
  const required: [string, string | null][] = [
    ['PITWALL_SMTP_HOST', host],
    ['PITWALL_SMTP_FROM', from],
    ['PITWALL_SMTP_TO', toText],
  ];
  const absent = required.flatMap(([name, value]) => (value === null ? [name] : []));
  if (user !== null && password === '') absent.push('PITWALL_SMTP_PASSWORD');
  if (user === null && password !== '') absent.push('PITWALL_SMTP_USER');
  if (absent.length > 0 || host === null || from === null || toText === null) throw problem(missing(absent));
  const to = toText
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address !== '');
  if (to.length === 0) throw problem(messages.deliveryEnvInvalid('PITWALL_SMTP_TO', 'a comma-separated list of addresses', toText));
  const secure = readFlag(env, 'PITWALL_SMTP_SECURE', false);
  const requireTls = readFlag(env, 'PITWALL_SMTP_REQUIRE_TLS', false);
  let port = secure ? 465 : 587;
  if (portText !== null) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      throw problem(messages.deliveryEnvInvalid('PITWALL_SMTP_PORT', 'a port number from 1 to 65535', portText));
    }
  }
  return {
    host,
    port,
    secure,
    requireTls,
    user,
    password: password === '' ? null : new Secret(password),
    caFile: read(env, 'PITWALL_SMTP_CA_FILE'),
    from,
    to,
  };
}

function webhookFromEnv(env: Env): WebhookSettings | null {
  const url = readHttpUrl(env, 'PITWALL_WEBHOOK_URL', false);
  const secret = env.PITWALL_WEBHOOK_SECRET ?? '';
  if (url === null && secret === '') return null;
  if (url === null) throw problem(missing(['PITWALL_WEBHOOK_URL']));
  // An unsigned post could be forged by anyone who learns the URL: the secret is required.
  if (secret === '') throw problem(missing(['PITWALL_WEBHOOK_SECRET']));
  return { url, secret: new Secret(secret) };
}

/**
 * Channel settings from environment variables:
 * - Slack: `PITWALL_SLACK_WEBHOOK_URL`, or `PITWALL_SLACK_BOT_TOKEN` and `PITWALL_SLACK_CHANNEL`
 *   (a channel id), with `PITWALL_SLACK_API_URL` (default https://slack.com/api);
 * - e-mail: `PITWALL_SMTP_HOST`, `PITWALL_SMTP_PORT` (587, or 465 when secure),
 *   `PITWALL_SMTP_USER`, `PITWALL_SMTP_PASSWORD`, `PITWALL_SMTP_FROM`, `PITWALL_SMTP_TO` (a
 *   comma list), `PITWALL_SMTP_SECURE`, `PITWALL_SMTP_REQUIRE_TLS`, `PITWALL_SMTP_CA_FILE`;
 * - webhook: `PITWALL_WEBHOOK_URL` and `PITWALL_WEBHOOK_SECRET`;
 * - file: `PITWALL_ALERT_LOG`, the alert_log.txt to append to.
 * Never throws: a channel whose variables are incomplete or malformed is left out, with the
 * reason in `problems`; no message repeats a secret's value.
 */
export function channelSettingsFromEnv(env: NodeJS.ProcessEnv): ChannelSettings {
  const problems: Partial<Record<AlertChannel, string>> = {};
  function attempt<T>(channel: AlertChannel, readChannel: () => T | null): T | null {
    try {
      return readChannel();
    } catch (error) {
      if (!isPitwallError(error)) throw error;
      problems[channel] = error.message;
      return null;
    }
  }
  return {
    slack: attempt('slack', () => slackFromEnv(env)),
    email: attempt('email', () => emailFromEnv(env)),
    webhook: attempt('webhook', () => webhookFromEnv(env)),
    alertLog: read(env, 'PITWALL_ALERT_LOG'),
    problems,
  };
}

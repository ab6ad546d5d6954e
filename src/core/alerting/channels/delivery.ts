/**
 * Delivery of one notice to the channels a rule names. Each channel runs on its own, under a
 * deadline, with retries; whatever happens, `deliver` resolves with one report per channel and
 * never rejects, so a failing or hanging channel neither stops the others nor the evaluation
 * that produced the notice.
 */
import { setTimeout as wait } from 'node:timers/promises';
import { describeError, isPitwallError } from '../../errors';
import { messages } from '../../messages';
import type { AlertChannel } from '../../model/alertRule';
import type { DeliveryStatus } from '../../model/delivery';
import { createConsoleChannel } from './consoleChannel';
import { createEmailChannel } from './emailChannel';
import { createFileChannel } from './fileChannel';
import { describeFailure, RetryableAnswerError } from './http';
import type { AlertNotice, DeliveryChannel } from './notice';
import { redact, secretsOf, type ChannelSettings } from './settings';
import { createSlackChannel } from './slackChannel';
import { createWebhookChannel } from './webhookChannel';

export type { DeliveryStatus };

export interface DeliveryReport {
  readonly channel: AlertChannel;
  readonly status: DeliveryStatus;
  /** Whether the channel delivered the notice (false when silenced: it was deliberately not sent). */
  readonly ok: boolean;
  /** Sends attempted: 0 when silenced or not configured. */
  readonly attempts: number;
  /** Why the delivery failed, with every secret of the settings redacted; null when it did not. */
  readonly error: string | null;
  readonly elapsedMs: number;
}

export interface DeliveryOptions {
  readonly settings: ChannelSettings;
  /** The console channel's output: receives one line per notice, without its line end. */
  readonly write?: (line: string) => void;
  /** The most one channel may take, all attempts and pauses included. */
  readonly timeoutMs?: number;
  /** Sends tried at most, for failures that a retry may fix (network errors, 408, 429, 5xx). */
  readonly attempts?: number;
  /**
   * The pause after the first failed attempt; it doubles after each further one, with jitter.
   * An endpoint's Retry-After lengthens a pause to what it asked (never shortens it).
   */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** A number in [0, 1) for the jitter. */
  readonly random?: () => number;
  /** Unix seconds, for the file channel's resolutions and the webhook's timestamp. */
  readonly now?: () => number;
  /** Cancels every channel's delivery (closing the extension, say). */
  readonly signal?: AbortSignal;
}

export const DELIVERY_DEFAULTS = Object.freeze({ timeoutMs: 10_000, attempts: 3, baseDelayMs: 500, maxDelayMs: 5_000 });

export type ChannelSetup = { readonly ok: true; readonly channel: DeliveryChannel } | { readonly ok: false; readonly problem: string };

function ready(channel: DeliveryChannel): ChannelSetup {
  return { ok: true, channel };
}

function notConfigured(settings: ChannelSettings, name: AlertChannel, remedy: string): ChannelSetup {
  return { ok: false, problem: messages.deliveryNotConfigured(name, settings.problems[name] ?? remedy) };
}

/** The channel of that name as the settings configure it, or why it cannot be used. */
export function createChannel(name: AlertChannel, options: Pick<DeliveryOptions, 'settings' | 'write' | 'now'>): ChannelSetup {
  const { settings } = options;
  switch (name) {
    case 'console':
      return options.write === undefined ? notConfigured(settings, name, messages.deliveryConsoleNoOutput()) : ready(createConsoleChannel(options.write));
    case 'file':
      return settings.alertLog === null
        ? notConfigured(settings, name, messages.deliverySetVariables('PITWALL_ALERT_LOG'))
        : ready(createFileChannel(settings.alertLog, options.now));
    case 'slack':
      return settings.slack === null
        ? notConfigured(settings, name, messages.deliverySetVariables('PITWALL_SLACK_WEBHOOK_URL, or PITWALL_SLACK_BOT_TOKEN and PITWALL_SLACK_CHANNEL'))
        : ready(createSlackChannel(settings.slack));
    case 'email':
      return settings.email === null
        ? notConfigured(settings, name, messages.deliverySetVariables('PITWALL_SMTP_HOST, PITWALL_SMTP_FROM and PITWALL_SMTP_TO'))
        : ready(createEmailChannel(settings.email));
    case 'webhook':
      return settings.webhook === null
        ? notConfigured(settings, name, messages.deliverySetVariables('PITWALL_WEBHOOK_URL and PITWALL_WEBHOOK_SECRET'))
        : ready(createWebhookChannel(settings.webhook, options.now));
  }
}

/** `input` and `unsupported` failures come back on every attempt; anything else may pass later. */
function isRetryable(error: unknown): boolean {
  return !(isPitwallError(error) && (error.code === 'input' || error.code === 'unsupported'));
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Settles with `work`, or rejects as soon as `signal` aborts, for channels that do not stop on it themselves. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

type Report = (status: DeliveryStatus, attempts: number, error: string | null) => DeliveryReport;

async function sendWithRetries(channel: DeliveryChannel, notice: AlertNotice, options: DeliveryOptions, report: Report): Promise<DeliveryReport> {
  // setTimeout fires at once for delays beyond 2^31 - 1 ms, so longer timeouts are cut to that.
  const timeoutMs = Math.min(positive(options.timeoutMs, DELIVERY_DEFAULTS.timeoutMs), 2 ** 31 - 1);
  const attempts = Math.floor(positive(options.attempts, DELIVERY_DEFAULTS.attempts));
  const baseDelayMs = positive(options.baseDelayMs, DELIVERY_DEFAULTS.baseDelayMs);
  const maxDelayMs = positive(options.maxDelayMs, DELIVERY_DEFAULTS.maxDelayMs);
  const random = options.random ?? Math.random;

  const deadline = new AbortController();
  const started = performance.now();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const signal = options.signal === undefined ? deadline.signal : AbortSignal.any([deadline.signal, options.signal]);
  let lastError: string | null = null;
  let retryAfterMs: number | null = null;
  let attempt = 0;
  const stopped = (): DeliveryReport =>
    deadline.signal.aborted
      ? report('timed-out', attempt, messages.deliveryTimedOut(timeoutMs / 1000, attempt, attempts, lastError))
      : report('failed', attempt, messages.deliveryCancelled(lastError));
  try {
    for (;;) {
      attempt += 1;
      try {
        // Called inside an async function, so that a channel that throws at once rejects instead.
        await untilAborted((async () => channel.send(notice, signal))(), signal);
        return report('delivered', attempt, null);
      } catch (error) {
        if (signal.aborted) return stopped();
        lastError = describeFailure(error);
        if (!isRetryable(error) || attempt >= attempts) return report('failed', attempt, lastError);
        retryAfterMs = error instanceof RetryableAnswerError ? error.retryAfterMs : null;
      }
      // Exponential backoff with "equal jitter": at least half the step, so retries of many
      // notices to one endpoint spread out without ever following each other at once.
      const step = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      const pause = Math.max(step * (0.5 + random() / 2), retryAfterMs ?? 0);
      // Asked to wait past the deadline: say so now rather than sleep into a time-out.
      if (retryAfterMs !== null && performance.now() - started + pause >= timeoutMs) {
        return report('failed', attempt, messages.deliveryRetryAfterTooLong(lastError, retryAfterMs / 1000, timeoutMs / 1000));
      }
      try {
        await wait(pause, undefined, { signal });
      } catch {
        return stopped();
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

async function deliverTo(name: AlertChannel, notice: AlertNotice, options: DeliveryOptions): Promise<DeliveryReport> {
  const started = performance.now();
  let secrets: readonly string[] = [];
  const report: Report = (status, attempts, error) => ({
    channel: name,
    status,
    ok: status === 'delivered',
    attempts,
    error: error === null ? null : redact(error, secrets),
    elapsedMs: Math.round(performance.now() - started),
  });
  try {
    secrets = secretsOf(options.settings);
    if (notice.silenced === true) return report('silenced', 0, null);
    const setup = createChannel(name, options);
    if (!setup.ok) return report('not-configured', 0, setup.problem);
    return await sendWithRetries(setup.channel, notice, options, report);
  } catch (error) {
    return report('failed', 0, describeError(error));
  }
}

/**
 * Delivers `notice` to each named channel (once per name) at the same time. Resolves, never
 * rejects, within about `timeoutMs` (or when `signal` aborts) with one report per channel, in
 * the order named.
 */
export async function deliver(notice: AlertNotice, channels: readonly AlertChannel[], options: DeliveryOptions): Promise<DeliveryReport[]> {
  return await Promise.all([...new Set(channels)].map((name) => deliverTo(name, notice, options)));
}

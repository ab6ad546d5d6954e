/** JSON posts for the Slack and webhook channels, through Node's global fetch. */
import { describeError, PitwallError } from '../../errors';
import { messages } from '../../messages';
import { fit, oneLine } from './text';

/** Bytes of an answer read; the channels need only a status word or a small JSON object. */
const ANSWER_LIMIT = 64 * 1024;
/** Characters of an answer quoted in an error. */
const ANSWER_SHOWN = 200;

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** The Retry-After header as sent, or null. */
  readonly retryAfter?: string | null;
}

/**
 * An endpoint's "not now" (408, 429 or 5xx): retryable, with the pause it asked for when it sent
 * a Retry-After header that could be read.
 */
export class RetryableAnswerError extends PitwallError {
  constructor(
    message: string,
    /** Milliseconds the endpoint asked to wait before the next attempt; null when it did not say. */
    readonly retryAfterMs: number | null,
  ) {
    super('io', message);
  }
}

/** Retry-After's delta-seconds or HTTP date, in milliseconds from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^[0-9]{1,9}$/.test(text)) return Number(text) * 1000;
  // An HTTP date names the day of the week and "GMT"; Date.parse reads anything, so ask for both.
  if (!/^[A-Za-z]{3}, .* GMT$/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** Scheme, host and port of a URL: what an error may name (a path or query can hold a token). */
export function endpointOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'the configured URL';
  }
}

/** An error's message, with the reason a network failure gives in its cause ("fetch failed" says nothing). */
export function describeFailure(error: unknown): string {
  const message = describeError(error);
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  if (cause === undefined || cause === null) return message;
  let reason = describeError(cause);
  if (reason === '' && typeof cause === 'object' && 'code' in cause) reason = String(cause.code);
  if (reason === '') return message;
  return message === 'fetch failed' ? reason : `${message} (${reason})`;
}

async function readAnswer(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= ANSWER_LIMIT) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, ANSWER_LIMIT).toString('utf8');
}

/**
 * POSTs a JSON text and returns the answer, whatever its status. A network failure (or the
 * signal aborting) rejects with a retryable `io` PitwallError naming the endpoint only.
 */
export async function postJson(url: string, body: string, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<HttpAnswer> {
  const endpoint = endpointOf(url);
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Pitwall', ...headers },
      // A redirect would carry the signature or the token to wherever the answer points.
      redirect: 'error',
      signal,
    });
    return { status: response.status, body: await readAnswer(response), retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    throw new PitwallError('io', messages.deliveryUnreachable(endpoint, describeFailure(error)), { cause: error });
  }
}

/** Answers quoted in errors are one line of plain text, cut short. */
export function quoteAnswer(body: string): string {
  return fit(oneLine(body), ANSWER_SHOWN);
}

/**
 * Rejects anything but a 2xx answer: 408, 429 and 5xx as retryable errors (carrying the pause a
 * Retry-After header asks for), any other status (a wrong URL, token or payload) as an `input`
 * error that a retry cannot fix.
 */
export function requireSuccess(answer: HttpAnswer, endpoint: string): void {
  if (answer.status >= 200 && answer.status < 300) return;
  const message = messages.deliveryHttpStatus(endpoint, answer.status, quoteAnswer(answer.body));
  if (answer.status === 408 || answer.status === 429 || answer.status >= 500) throw new RetryableAnswerError(message, parseRetryAfter(answer.retryAfter));
  throw new PitwallError('input', message);
}

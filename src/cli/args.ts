import { parseDuration } from '../core/analytics/duration';
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import { parseTimestamp } from '../core/model/timestamps';

/** The argument every command that reads monitoring data takes first. */
export const SOURCE = { name: 'source', description: 'a JSONL folder or a SQLite database file, or a postgres:// URL (postgres: for the MONITORING_DB_* settings)' } as const;

export function parseCount(text: string, flag: string): number;
export function parseCount(text: string | undefined, flag: string): number | undefined;
export function parseCount(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) throw new PitwallError('input', `--${flag} needs a whole number ≥ 0, not "${text}".`);
  return value;
}

/** A time given as ISO 8601 or unix seconds, as float seconds. */
export function parseTime(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const numeric = Number(text);
  const parsed = parseTimestamp(text.trim() !== '' && Number.isFinite(numeric) ? numeric : text);
  if (!parsed.ok) throw new PitwallError('input', `--${flag}: ${parsed.reason}`);
  return parsed.seconds;
}

/** A time given as ISO 8601, unix seconds, or an age before `now` (30m, 24h, 7d), as float seconds. */
export function parseSince(text: string | undefined, flag: string, now: number): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d+[a-z]+$/.test(text)) {
    try {
      return now - parseDuration(text);
    } catch {
      throw new PitwallError('input', messages.relativeTimeUnreadable(flag, text));
    }
  }
  return parseTime(text, flag);
}

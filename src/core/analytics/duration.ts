/**
 * Durations as the CLI, rules and PQL write them: '90s', '15m', '1h', '7d', or whole seconds.
 * Apart from the window arithmetic of windows.ts, so that a command that only parses `--since 2h`
 * does not load the analytics.
 */
import { PitwallError } from '../errors';
import { messages } from '../messages';

/** A duration as text ('15m', '1h', '7d', '90s') or as whole seconds. */
export type Duration = string | number;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };
// At most nine digits keeps every product an exact integer in a double.
const DURATION = /^([1-9][0-9]{0,8})([smhd])$/;

/** Seconds in a duration written like '90s', '15m', '1h' or '7d'. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (match === null) throw new PitwallError('input', messages.durationInvalid(text));
  return Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
}

/** Seconds in a duration given as text or as whole seconds (> 0). */
export function durationSeconds(duration: Duration): number {
  if (typeof duration === 'string') return parseDuration(duration);
  if (!Number.isSafeInteger(duration) || duration <= 0) throw new PitwallError('input', messages.durationNotPositive(duration));
  return duration;
}

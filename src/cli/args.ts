import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PitwallError } from '../core/errors';
import { parseTimestamp } from '../core/model/timestamps';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses one command's arguments; unknown flags and missing values are input errors (exit 2). */
export function parseCommand<O extends Options>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options: { ...options, json: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new PitwallError('input', error instanceof Error ? error.message.replace(/^.*?: /, '') : String(error), { cause: error });
  }
}

export function requirePositional(positionals: readonly string[], index: number, name: string, usage: string): string {
  const value = positionals[index];
  if (value === undefined || value === '') throw new PitwallError('input', `missing ${name}.\nUsage: ${usage}`);
  return value;
}

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

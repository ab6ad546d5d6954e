/**
 * Timestamps inside Pitwall are float seconds since the Unix epoch, UTC: Python's `time.time()`
 * convention, the value the JSONL files hold. A float read from JSONL is kept bit for bit, so
 * writing it back reproduces it. Text timestamps become `microseconds / 1e6`, the value Python's
 * `datetime.timestamp()` gives; a double holds that exactly enough to format back to the same
 * microsecond up to the year 2242 (beyond, its resolution is coarser than a microsecond).
 *
 * Each parsed value also says how it was written, so a writer can keep a JSONL timestamp a float
 * and a SQLite one SQLAlchemy text.
 */
import { PitwallError } from '../errors';
import { messages } from '../messages';
import { describeValue } from './json';

export type TimestampEncoding =
  /** a JSON number: float seconds since the epoch */
  | 'unix-seconds'
  /** ISO 8601 text with `T`, an offset, or a fraction other than six digits; no offset means UTC */
  | 'iso-8601'
  /** `YYYY-MM-DD HH:MM:SS[.ffffff]`, UTC, as SQLAlchemy stores DateTime in SQLite */
  | 'sqlalchemy-text';

export type TimestampParse =
  | { readonly ok: true; readonly seconds: number; readonly encoding: TimestampEncoding }
  | { readonly ok: false; readonly reason: string };

const SECONDS_PER_DAY = 86_400;
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range of Python's datetime. */
export const MIN_TIMESTAMP = daysFromCivil(1, 1, 1) * SECONDS_PER_DAY;
export const MAX_TIMESTAMP = daysFromCivil(10_000, 1, 1) * SECONDS_PER_DAY - 1;

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:([Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

/** Reads a unix float, ISO 8601 text or SQLAlchemy text; never throws. */
export function parseTimestamp(value: unknown): TimestampParse {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, reason: messages.fieldNotFinite(describeValue(value)) };
    if (value < MIN_TIMESTAMP || value > MAX_TIMESTAMP) {
      return { ok: false, reason: messages.timestampOutOfRange(describeValue(value)) };
    }
    return { ok: true, seconds: value, encoding: 'unix-seconds' };
  }
  if (typeof value === 'string') return parseTimestampText(value);
  return { ok: false, reason: messages.timestampUnreadable(describeValue(value)) };
}

function parseTimestampText(text: string): TimestampParse {
  const match = DATE_TIME.exec(text);
  if (match === null) return { ok: false, reason: messages.timestampUnreadable(describeValue(text)) };
  const [, y, mo, d, separator, h, mi, s, fraction, zulu, sign, offsetHours, offsetMinutes] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  const offset =
    sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 3600 + Number(offsetMinutes ?? 0) * 60);
  const valid =
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    Number(offsetHours ?? 0) <= 23 &&
    Number(offsetMinutes ?? 0) <= 59;
  if (!valid) return { ok: false, reason: messages.timestampUnreadable(describeValue(text)) };

  // Digits past the sixth round to the microsecond, the resolution of Python's datetime.
  const micros =
    fraction === undefined
      ? 0
      : fraction.length <= 6
        ? Number(fraction.padEnd(6, '0'))
        : Math.round(Number(`${fraction.slice(0, 6)}.${fraction.slice(6)}`));
  const whole = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset;
  const totalMicros = whole * 1e6 + micros;
  // Python's timestamp() divides integer microseconds once; do the same where it is exact.
  const seconds = Number.isSafeInteger(totalMicros) ? totalMicros / 1e6 : whole + micros / 1e6;
  if (seconds < MIN_TIMESTAMP || seconds > MAX_TIMESTAMP) {
    return { ok: false, reason: messages.timestampOutOfRange(describeValue(text)) };
  }
  const sqlAlchemy =
    separator === ' ' &&
    s !== undefined &&
    zulu === undefined &&
    sign === undefined &&
    (fraction === undefined || fraction.length === 6);
  return { ok: true, seconds, encoding: sqlAlchemy ? 'sqlalchemy-text' : 'iso-8601' };
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, rounded to the microsecond as Python's utcfromtimestamp does. */
export function toSqlAlchemyText(seconds: number): string {
  const t = splitTimestamp(seconds);
  return `${t.date} ${t.time}.${pad(t.micros, 6)}`;
}

/** Python's `datetime.isoformat()` of an aware UTC datetime: the fraction only when it is not zero. */
export function toIsoText(seconds: number): string {
  const t = splitTimestamp(seconds);
  return `${t.date}T${t.time}${t.micros === 0 ? '' : `.${pad(t.micros, 6)}`}+00:00`;
}

/** The value to store for a timestamp in the encoding it came in. */
export function formatTimestamp(seconds: number, encoding: TimestampEncoding): number | string {
  switch (encoding) {
    case 'unix-seconds':
      return seconds;
    case 'iso-8601':
      return toIsoText(seconds);
    case 'sqlalchemy-text':
      return toSqlAlchemyText(seconds);
  }
}

function splitTimestamp(seconds: number): { date: string; time: string; micros: number } {
  if (!Number.isFinite(seconds) || seconds < MIN_TIMESTAMP || seconds > MAX_TIMESTAMP) {
    throw new PitwallError('input', messages.timestampOutOfRange(describeValue(seconds)));
  }
  // CPython's _PyTime_DoubleToDenominator: modf, scale, round half to even, carry.
  let whole = Math.trunc(seconds);
  let micros = roundHalfEven((seconds - whole) * 1e6);
  if (micros >= 1e6) {
    micros -= 1e6;
    whole += 1;
  } else if (micros < 0) {
    micros += 1e6;
    whole -= 1;
  }
  const days = Math.floor(whole / SECONDS_PER_DAY);
  const ofDay = whole - days * SECONDS_PER_DAY;
  const [year, month, day] = civilFromDays(days);
  const time = `${pad(Math.floor(ofDay / 3600), 2)}:${pad(Math.floor((ofDay % 3600) / 60), 2)}:${pad(ofDay % 60, 2)}`;
  return { date: `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`, time, micros };
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// Proleptic Gregorian calendar arithmetic (H. Hinnant's algorithms): no Date, whose
// constructor maps the years 0–99 to 1900–1999.
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

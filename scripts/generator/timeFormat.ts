/**
 * The database's text datetimes, written the way the Python system produces them from a unix
 * float: `datetime.fromtimestamp(t, timezone.utc)` (microseconds rounded half-even from the
 * fractional part) stored by SQLAlchemy as `YYYY-MM-DD HH:MM:SS.ffffff`.
 */

function roundHalfEven(x: number): number {
  const rounded = Math.round(x);
  return rounded - x === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}

// Millions of rows share a few dozen dates: cache the calendar part, compute the clock part.
const dateTexts = new Map<number, string>();

function twoDigits(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function secondsText(wholeSeconds: number): string {
  const day = Math.floor(wholeSeconds / 86400);
  let date = dateTexts.get(day);
  if (date === undefined) {
    date = new Date(day * 86400000).toISOString().slice(0, 10);
    if (dateTexts.size < 10000) dateTexts.set(day, date);
  }
  const second = wholeSeconds - day * 86400;
  const hours = Math.floor(second / 3600);
  const minutes = Math.floor((second % 3600) / 60);
  return `${date} ${twoDigits(hours)}:${twoDigits(minutes)}:${twoDigits(second % 60)}`;
}

/** SQLAlchemy's SQLite DateTime text for a unix timestamp in seconds (UTC, no offset). */
export function formatSqlAlchemyDateTime(unixSeconds: number): string {
  // CPython: modf, scale the fraction, round half-even, carry into the seconds.
  let whole = Math.trunc(unixSeconds);
  let micros = roundHalfEven((unixSeconds - whole) * 1e6);
  if (micros >= 1e6) {
    micros -= 1e6;
    whole += 1;
  } else if (micros < 0) {
    micros += 1e6;
    whole -= 1;
  }
  return `${secondsText(whole)}.${String(micros).padStart(6, '0')}`;
}

/**
 * SQLite's `CURRENT_TIMESTAMP` text (`YYYY-MM-DD HH:MM:SS`) for a row inserted at that time:
 * the same second as the record's own DateTime text, never one before it.
 */
export function formatSqliteCurrentTimestamp(unixSeconds: number): string {
  return formatSqlAlchemyDateTime(unixSeconds).slice(0, 19);
}

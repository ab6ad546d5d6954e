/**
 * The database's text datetimes, written the way the Python system produces them from a unix
 * float (`datetime.fromtimestamp(t, timezone.utc)` stored by SQLAlchemy): the kernel's own
 * formatter, so the generator and Pitwall's writers cannot disagree.
 */
import { toSqlAlchemyText } from '../../src/core/model/timestamps';

/** SQLAlchemy's SQLite DateTime text for a unix timestamp in seconds (UTC, no offset). */
export const formatSqlAlchemyDateTime = toSqlAlchemyText;

/**
 * SQLite's `CURRENT_TIMESTAMP` text (`YYYY-MM-DD HH:MM:SS`) for a row inserted at that time:
 * the same second as the record's own DateTime text, never one before it.
 */
export function formatSqliteCurrentTimestamp(unixSeconds: number): string {
  return toSqlAlchemyText(unixSeconds).slice(0, 19);
}

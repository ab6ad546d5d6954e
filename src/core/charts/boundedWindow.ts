/**
 * Keeping a trend chart within a bounded number of marks: a range too long for the window asked
 * for is charted with the shortest longer window that fits, and the chart says so.
 */

/** Most marks a trend chart may draw. */
export const MAX_TREND_MARKS = 5000;

/** Window lengths a window is coarsened to, shortest first: 15 minutes to 30 days. */
const COARSER = [15 * 60, 3600, 6 * 3600, 86_400, 7 * 86_400, 30 * 86_400] as const;

/** A window length in short words: 3600 → '1h', 86400 → '1d', 900 → '15m'. */
export function formatWindow(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return `${Math.round(seconds / 60)}m`;
}

/**
 * The window length to chart: `every` itself, or the shortest longer one whose windows over
 * `span` seconds for `series` model versions stay within `maxMarks` marks (two a window: its
 * value and its label coverage). The longest offered when none fits.
 */
export function boundedWindow(every: number, span: number, series: number, maxMarks = MAX_TREND_MARKS): number {
  const marks = (length: number) => 2 * Math.max(1, series) * Math.ceil(Math.max(span, length) / length);
  if (marks(every) <= maxMarks) return every;
  return COARSER.find((length) => length > every && marks(length) <= maxMarks) ?? (COARSER[COARSER.length - 1] as number);
}

import type { DriftPanelOptions } from '../../shared/driftMessages';
import type { RangePreset } from '../../shared/ranges';

const FIRST_DAYS = 7 * 86_400;
const RANGE_SECONDS: Readonly<Record<Exclude<RangePreset, 'all'>, number>> = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 };

/**
 * [from, to) of a preset over predictions from `first` to `last` (seconds). "Last 24 hours" ends at
 * the newest prediction, not now: monitoring data is often older than today.
 */
export function presetRange(preset: RangePreset, first: number, last: number): { from: number; to: number } {
  const to = last + 1;
  return { from: preset === 'all' ? first : Math.max(first, to - RANGE_SECONDS[preset]), to };
}

/**
 * The drift panel's baseline and current ranges over predictions from `first` to `last`: the
 * current range ends at the newest prediction; the baseline never reaches into it.
 */
export function driftRanges(options: Pick<DriftPanelOptions, 'baseline' | 'current'>, first: number, last: number): { baseline: { from: number; to: number }; current: { from: number; to: number } } {
  const current = presetRange(options.current, first, last);
  const length = current.to - current.from;
  const from = options.baseline === 'previous' ? Math.max(first, current.from - length) : first;
  const to = options.baseline === 'first-7d' ? Math.min(first + FIRST_DAYS, current.from) : current.from;
  return { baseline: { from, to }, current };
}

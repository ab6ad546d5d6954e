import type { RangePreset } from '../../shared/ranges';

const RANGE_SECONDS: Readonly<Record<Exclude<RangePreset, 'all'>, number>> = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 };

/**
 * [from, to) of a preset over predictions from `first` to `last` (seconds). "Last 24 hours" ends at
 * the newest prediction, not now: monitoring data is often older than today.
 */
export function presetRange(preset: RangePreset, first: number, last: number): { from: number; to: number } {
  const to = last + 1;
  return { from: preset === 'all' ? first : Math.max(first, to - RANGE_SECONDS[preset]), to };
}

/** The length of a preset in seconds; null for 'all'. */
export function presetSeconds(preset: RangePreset): number | null {
  return preset === 'all' ? null : RANGE_SECONDS[preset];
}

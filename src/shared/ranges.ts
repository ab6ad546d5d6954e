/** Time-range presets of the chart panels, shared by the extension host and the webviews. */

/** A range ending at the source's newest prediction ('all': everything the source holds). */
export const RANGE_PRESETS = ['24h', '7d', '30d', 'all'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

export const RANGE_LABELS: Readonly<Record<RangePreset, string>> = { '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days', all: 'All' };

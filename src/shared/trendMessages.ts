/** Messages between the Performance Trend panel's webview and the extension host. Types only. */

export const TREND_WINDOWS = ['15m', '1h', '6h', '1d'] as const;
export type TrendWindow = (typeof TREND_WINDOWS)[number];

/** A time range ending at the source's newest prediction ('all': everything the source holds; 'custom': from…to). */
export const TREND_RANGES = ['24h', '7d', '30d', 'all', 'custom'] as const;
export type TrendRange = (typeof TREND_RANGES)[number];

/** How far each window moves on from the one before: a whole window (no overlap), half of one, a quarter. */
export const TREND_SLIDES = ['window', 'half', 'quarter'] as const;
export type TrendSlide = (typeof TREND_SLIDES)[number];

/** What the panel's controls ask for. */
export interface TrendOptions {
  readonly window: TrendWindow;
  readonly slide: TrendSlide;
  readonly range: TrendRange;
  /** The custom range's first and last day (UTC, YYYY-MM-DD, both included); null for the presets. */
  readonly from: string | null;
  readonly to: string | null;
  readonly versions: readonly string[];
  readonly metric: string;
}

/**
 * What the panel keeps across a window reload (its webview's `setState`): the keys of what it
 * shows, never the data. `source` is the path the options were chosen on; `model` the version the
 * panel was opened for (null: every version).
 */
export interface TrendKeys {
  readonly source: string | null;
  readonly model: string | null;
  readonly options: TrendOptions | null;
}

export interface TrendChoices {
  readonly versions: readonly string[];
  readonly metrics: readonly { readonly id: string; readonly label: string }[];
}

export type TrendHostMessage =
  | {
      readonly type: 'trend';
      readonly source: string;
      readonly options: TrendOptions;
      readonly choices: TrendChoices;
      /** The window length the chart uses, in seconds: longer than asked when the marks would exceed the bound. */
      readonly every: number;
      /** How far each window moves on from the one before, in seconds (`every` when windows do not overlap). */
      readonly slide: number;
      /** Windows charted (one per version and window with a value): the points the chart draws. */
      readonly points: number;
      /** Label-free estimates drawn (dashed) for windows without enough labels. */
      readonly estimates: number;
      /** Threshold lines of the source's rules on this metric. */
      readonly thresholds: number;
      /** Alerts on this metric in the range. */
      readonly alerts: number;
      /** Shown above the chart: why the window was coarsened, when it was. */
      readonly note: string | null;
      readonly spec: Record<string, unknown>;
      readonly keys: TrendKeys;
    }
  | {
      readonly type: 'empty';
      readonly reason: 'no-source' | 'no-labels' | 'few-labels' | 'no-versions' | 'no-data' | 'bad-range';
      readonly message: string;
      /** The controls stay usable when there is a source. */
      readonly source: string | null;
      readonly options: TrendOptions | null;
      readonly choices: TrendChoices | null;
      readonly keys: TrendKeys;
    }
  | { readonly type: 'busy' }
  | { readonly type: 'error'; readonly message: string };

export type TrendViewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'options'; readonly options: TrendOptions }
  | { readonly type: 'openSource' }
  | { readonly type: 'openNotebook' }
  | { readonly type: 'rendered'; readonly points: number }
  | { readonly type: 'failed'; readonly message: string };

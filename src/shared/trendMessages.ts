/** Messages between the Performance Trend panel's webview and the extension host. Types only. */

export const TREND_WINDOWS = ['15m', '1h', '6h', '1d'] as const;
export type TrendWindow = (typeof TREND_WINDOWS)[number];

/** A time range ending at the source's newest prediction ('all': everything the source holds). */
export const TREND_RANGES = ['24h', '7d', '30d', 'all'] as const;
export type TrendRange = (typeof TREND_RANGES)[number];

/** What the panel's controls ask for. */
export interface TrendOptions {
  readonly window: TrendWindow;
  readonly range: TrendRange;
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
      /** Windows charted (one per version and window with a value): the points the chart draws. */
      readonly points: number;
      /** Shown above the chart: why the window was coarsened, when it was. */
      readonly note: string | null;
      readonly spec: Record<string, unknown>;
      readonly keys: TrendKeys;
    }
  | {
      readonly type: 'empty';
      readonly reason: 'no-source' | 'no-labels' | 'few-labels' | 'no-versions' | 'no-data';
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
  | { readonly type: 'rendered'; readonly points: number }
  | { readonly type: 'failed'; readonly message: string };

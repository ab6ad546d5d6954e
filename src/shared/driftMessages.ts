/** Messages between the Drift panel's webview and the extension host. Types only. */

/** The current range: the last day or week before the newest prediction. */
export const DRIFT_CURRENT_RANGES = ['24h', '7d'] as const;
export type DriftCurrentRange = (typeof DRIFT_CURRENT_RANGES)[number];

/**
 * The baseline: everything before the current range ('before'), the source's first 7 days
 * ('first-7d'), or a range as long as the current one just before it ('previous').
 */
export const DRIFT_BASELINES = ['before', 'first-7d', 'previous'] as const;
export type DriftBaseline = (typeof DRIFT_BASELINES)[number];

export interface DriftPanelOptions {
  /** One model version, or null for every version's predictions together. */
  readonly version: string | null;
  readonly baseline: DriftBaseline;
  readonly current: DriftCurrentRange;
  /** The feature whose distributions are shown; the most drifted when null or not present. */
  readonly feature: string | null;
}

/**
 * What the panel keeps across a window reload (its webview's `setState`): the keys of what it
 * shows, never the data. `source` is the path the options were chosen on; `model` the version the
 * panel was opened for (null: every version); the options hold the selected feature.
 */
export interface DriftKeys {
  readonly source: string | null;
  readonly model: string | null;
  readonly options: DriftPanelOptions | null;
}

export interface DriftChoices {
  readonly versions: readonly string[];
}

/** One feature's drift as the kernel computed it: a row of the accessible table and a bar of the chart. */
export interface DriftRow {
  readonly feature: string;
  readonly kind: 'numeric' | 'categorical';
  /** 'psi' (numeric) or 'js_distance' (categorical): the score the feature is ranked by. */
  readonly statistic: string;
  readonly score: number | null;
  readonly threshold: number;
  readonly severity: string | null;
  /** Numeric: the Kolmogorov–Smirnov test; categorical: chi-square. */
  readonly test: string;
  readonly testStatistic: number | null;
  readonly pValue: number | null;
  readonly baselineCount: number;
  readonly currentCount: number;
  /** Why there is no score (too few values), else null. */
  readonly reason: string | null;
}

export type DriftHostMessage =
  | {
      readonly type: 'drift';
      readonly source: string;
      readonly options: DriftPanelOptions;
      readonly choices: DriftChoices;
      /** The two ranges compared, as text (UTC). */
      readonly baselineText: string;
      readonly currentText: string;
      /** The features drawn, most drifted first; at most the bound, `total` of them in all. */
      readonly rows: readonly DriftRow[];
      readonly total: number;
      /** Shown above the chart: the features left out when there are more than the bound. */
      readonly note: string | null;
      readonly spec: Record<string, unknown>;
      /** The selected feature's baseline and current distribution. */
      readonly selected: { readonly feature: string; readonly bins: number; readonly spec: Record<string, unknown> } | null;
      readonly keys: DriftKeys;
    }
  | {
      readonly type: 'empty';
      readonly reason: 'no-source' | 'no-data' | 'no-baseline' | 'no-current' | 'no-features';
      readonly message: string;
      readonly source: string | null;
      readonly options: DriftPanelOptions | null;
      readonly choices: DriftChoices | null;
      readonly keys: DriftKeys;
    }
  | { readonly type: 'busy' }
  | { readonly type: 'error'; readonly message: string };

export type DriftViewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'options'; readonly options: DriftPanelOptions }
  | { readonly type: 'openSource' }
  | { readonly type: 'rendered'; readonly bars: number }
  | { readonly type: 'failed'; readonly message: string };

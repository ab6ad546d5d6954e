/** Messages between the Calibration panel's webview and the extension host. Types only. */
import type { RangePreset } from './ranges';

export const CALIBRATION_BINS = [5, 10, 15, 20] as const;
export type CalibrationBins = (typeof CALIBRATION_BINS)[number];

/** The kernel's binnings: equal-width bins on [0, 1] ('width') or equal-mass, quantile bins ('mass'). */
export const CALIBRATION_STRATEGIES = ['width', 'mass'] as const;
export type CalibrationStrategy = (typeof CALIBRATION_STRATEGIES)[number];

/** Several versions in one diagram, or one diagram each. */
export const CALIBRATION_LAYOUTS = ['overlay', 'side-by-side'] as const;
export type CalibrationLayout = (typeof CALIBRATION_LAYOUTS)[number];

export interface CalibrationOptions {
  readonly range: RangePreset;
  readonly versions: readonly string[];
  readonly bins: CalibrationBins;
  readonly strategy: CalibrationStrategy;
  readonly layout: CalibrationLayout;
}

/**
 * What the panel keeps across a window reload (its webview's `setState`): the keys of what it
 * shows, never the data. `source` is the path the options were chosen on; `model` the version the
 * panel was opened for (null: every version).
 */
export interface CalibrationKeys {
  readonly source: string | null;
  readonly model: string | null;
  readonly options: CalibrationOptions | null;
}

export interface CalibrationChoices {
  readonly versions: readonly string[];
}

/** One version's calibration as the kernel computed it. */
export interface CalibrationScore {
  readonly version: string;
  readonly ece: number | null;
  readonly mce: number | null;
  readonly labelled: number;
  readonly count: number;
  /** Bins with labelled predictions: the points its diagram draws. */
  readonly points: number;
}

export type CalibrationHostMessage =
  | {
      readonly type: 'calibration';
      readonly source: string;
      readonly options: CalibrationOptions;
      readonly choices: CalibrationChoices;
      readonly scores: readonly CalibrationScore[];
      /** Points drawn over every version. */
      readonly points: number;
      /** Shown above the chart: the versions left out to keep the marks bounded, when some are. */
      readonly note: string | null;
      readonly spec: Record<string, unknown>;
      readonly keys: CalibrationKeys;
    }
  | {
      readonly type: 'empty';
      readonly reason: 'no-source' | 'no-versions' | 'no-data' | 'no-predictions' | 'no-labels';
      readonly message: string;
      /** The controls stay usable when there is a source. */
      readonly source: string | null;
      readonly options: CalibrationOptions | null;
      readonly choices: CalibrationChoices | null;
      readonly keys: CalibrationKeys;
    }
  | { readonly type: 'busy' }
  | { readonly type: 'error'; readonly message: string };

export type CalibrationViewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'options'; readonly options: CalibrationOptions }
  | { readonly type: 'openSource' }
  | { readonly type: 'showTrend' }
  | { readonly type: 'rendered'; readonly points: number }
  | { readonly type: 'failed'; readonly message: string };

/** Messages between the Compare Model Versions panel's webview and the extension host. Types only. */
import type { TrendWindow } from './trendMessages';

/** A time range ending at the source's newest prediction ('all': everything the source holds). */
export const COMPARE_RANGES = ['24h', '7d', '30d', 'all'] as const;
export type CompareRange = (typeof COMPARE_RANGES)[number];

export interface CompareOptions {
  /** In order: the first is the baseline the others are compared with. */
  readonly versions: readonly string[];
  readonly range: CompareRange;
  /** The window of the trends drawn on one chart. */
  readonly window: TrendWindow;
  /** The metric of the trends. */
  readonly metric: string;
}

export interface CompareChoices {
  readonly versions: readonly string[];
  readonly metrics: readonly { readonly id: string; readonly label: string }[];
}

/** What the panel keeps across a window reload: the keys of what it shows. */
export interface CompareKeys {
  readonly source: string | null;
  readonly options: CompareOptions | null;
}

/** One metric, each compared version's value (in the order of `versions`) and its difference from the baseline's. */
export interface CompareTableRow {
  readonly metric: string;
  readonly label: string;
  readonly values: readonly (number | null)[];
  /** Null for the baseline itself and where a side has no value. */
  readonly differences: readonly (number | null)[];
}

export interface CompareAccuracyTest {
  readonly version: string;
  readonly correct: number;
  readonly labelled: number;
  readonly baselineCorrect: number;
  readonly baselineLabelled: number;
  readonly z: number | null;
  /** Two-sided. */
  readonly p: number | null;
  readonly significant: boolean;
}

export type CompareHostMessage =
  | {
      readonly type: 'compare';
      readonly source: string;
      readonly options: CompareOptions;
      readonly choices: CompareChoices;
      readonly versions: readonly string[];
      readonly counts: readonly { readonly count: number; readonly labelled: number }[];
      readonly table: readonly CompareTableRow[];
      readonly tests: readonly CompareAccuracyTest[];
      readonly alpha: number;
      /** The trend window used (seconds), coarsened when the marks would exceed the bound. */
      readonly every: number;
      readonly points: number;
      readonly note: string | null;
      readonly spec: Record<string, unknown>;
      readonly keys: CompareKeys;
    }
  | {
      readonly type: 'empty';
      readonly reason: 'no-source' | 'few-versions' | 'no-data';
      readonly message: string;
      readonly source: string | null;
      readonly options: CompareOptions | null;
      readonly choices: CompareChoices | null;
      readonly keys: CompareKeys;
    }
  | { readonly type: 'busy' }
  | { readonly type: 'error'; readonly message: string };

export type CompareViewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'options'; readonly options: CompareOptions }
  | { readonly type: 'openSource' }
  | { readonly type: 'rendered'; readonly points: number }
  | { readonly type: 'failed'; readonly message: string };

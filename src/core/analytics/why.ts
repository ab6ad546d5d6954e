/**
 * An alert's context ("why it fired") over loaded prediction columns, between a baseline window
 * and the alert's window. Pure and deterministic: the same columns give the same context.
 *
 * - Segments: every feature and metadata key splits the labelled predictions into slices — a
 *   category per value, or, for a numeric column with more than CATEGORICAL_DISTINCT values, the
 *   bins cut at the baseline's quartiles (numpy's linear quantiles, repeated edges merged; bins
 *   are (lower, upper] as drift.ts cuts its PSI bins). A slice is compared when both windows have
 *   at least `minSegmentLabelled` labelled predictions in it; those whose accuracy fell are ranked
 *   by the fall (baseline − current), then by the z statistic (one-sided pooled two-proportion
 *   z-test of degradation.ts), then by label.
 * - Drifted features: PSI (numeric) or Jensen–Shannon distance (categorical) of each feature
 *   between the windows (drift.ts). With importance (feature_importance records), each feature's
 *   importance is its share of the total, and features rank by value × share (those without a
 *   record after, by value); without, by value.
 * - Drift alerts: the watched feature's statistics in each window, and the rule's statistic.
 */
import type { AlertWhy, WhyDriftedFeature, WhyFeatureSummary, WhySegment } from '../model/alertWhy';
import type { FeatureValue } from '../model/fields';
import type { WindowColumns } from '../store/store';
import { OUTCOME_UNKNOWN } from '../store/store';
import { twoProportionZTest } from './degradation';
import { featureDrift, quantileOfSorted, type FeatureDrift } from './drift';
import { driftScore } from './driftReport';

/** A numeric column with at most this many distinct values is split by value, like a category. */
export const CATEGORICAL_DISTINCT = 10;
/** A categorical column with more distinct values than this (an id, a free text) is not split at all. */
export const MAX_SEGMENT_VALUES = 50;

export type WhyDriftStatistic = 'psi' | 'ks' | 'wasserstein' | 'chi_square' | 'js';

export interface WhyRange {
  readonly from: number;
  readonly to: number;
}

export interface WhyOptions {
  readonly kind: 'performance' | 'drift';
  readonly rule_id: string | null;
  readonly model_version: string | null;
  readonly baseline: WhyRange;
  readonly current: WhyRange;
  /** The feature columns to split and test for drift, and the metadata keys to split. */
  readonly features: readonly string[];
  readonly metadata: readonly string[];
  /** Drift alerts: the feature and statistic the rule watches. */
  readonly drift?: { readonly feature: string; readonly statistic: WhyDriftStatistic };
  /** A feature's importance (≥ 0) from the source's feature_importance records; empty when it has none. */
  readonly importance?: ReadonlyMap<string, number>;
  /** Segments listed at most; default 5. */
  readonly segments?: number;
  /** Drifted features listed at most; default 5. */
  readonly driftedFeatures?: number;
  /** Labelled predictions a segment needs in each window; default 10. */
  readonly minSegmentLabelled?: number;
}

export const WHY_DEFAULTS = { segments: 5, driftedFeatures: 5, minSegmentLabelled: 10 } as const;

interface Counts {
  labelled: number;
  correct: number;
}

/** How a column splits rows into segments: the segment of a value, or -1 for none. */
interface Splitter {
  readonly dimension: 'feature' | 'metadata';
  readonly name: string;
  readonly segments: readonly { readonly label: string; readonly value: string | null; readonly lower: number | null; readonly upper: number | null }[];
  readonly of: (value: FeatureValue | undefined) => number;
}

/** A number as a label shows it: up to four significant digits. */
function short(value: number): string {
  return String(Number(value.toPrecision(4)));
}

function isNumber(value: FeatureValue | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** The segments of one column over the rows of both windows; null when it does not split (no values, or too many categories). */
function splitterOf(dimension: 'feature' | 'metadata', name: string, values: readonly FeatureValue[], baselineRows: readonly number[], allRows: readonly number[]): Splitter | null {
  const label = dimension === 'feature' ? name : `metadata.${name}`;
  const distinct = new Set<string>();
  let numeric = true;
  let any = false;
  for (const row of allRows) {
    const value = values[row];
    if (value === null || value === undefined) continue;
    any = true;
    if (!isNumber(value)) numeric = false;
    if (distinct.size <= MAX_SEGMENT_VALUES) distinct.add(String(value));
  }
  if (!any) return null;
  if (numeric && distinct.size > CATEGORICAL_DISTINCT) {
    // Quartiles of the baseline (of both windows when the baseline has too few values).
    let sample = baselineRows.map((row) => values[row]).filter(isNumber);
    if (sample.length < 4) sample = allRows.map((row) => values[row]).filter(isNumber);
    const sorted = Float64Array.from(sample).sort();
    const edges = [...new Set([0.25, 0.5, 0.75].map((q) => quantileOfSorted(sorted, q)))];
    const segments = [];
    for (let i = 0; i <= edges.length; i++) {
      const lower = i === 0 ? null : (edges[i - 1] as number);
      const upper = i === edges.length ? null : (edges[i] as number);
      const text = lower === null ? `${label} ≤ ${short(upper as number)}` : upper === null ? `${label} > ${short(lower)}` : `${short(lower)} < ${label} ≤ ${short(upper)}`;
      segments.push({ label: text, value: null, lower, upper });
    }
    return {
      dimension,
      name,
      segments,
      of: (value) => {
        if (!isNumber(value)) return -1;
        let bin = 0;
        while (bin < edges.length && value > (edges[bin] as number)) bin++;
        return bin;
      },
    };
  }
  if (distinct.size > MAX_SEGMENT_VALUES) return null;
  const sortedValues = [...distinct].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(sortedValues.map((value, i) => [value, i]));
  return {
    dimension,
    name,
    segments: sortedValues.map((value) => ({ label: `${label} = ${value}`, value, lower: null, upper: null })),
    of: (value) => (value === null || value === undefined ? -1 : (index.get(String(value)) ?? -1)),
  };
}

function proportion(counts: Counts): WhySegment['baseline'] {
  return { labelled: counts.labelled, correct: counts.correct, accuracy: counts.labelled === 0 ? null : counts.correct / counts.labelled };
}

/** Rows of a time range (the columns are in time order). */
function rowsIn(columns: WindowColumns, range: WhyRange, version: string | null): number[] {
  const rows: number[] = [];
  for (let i = 0; i < columns.length; i++) {
    const t = columns.timestamp[i] as number;
    if (t < range.from || t >= range.to) continue;
    if (version !== null && columns.model_version[i] !== version) continue;
    rows.push(i);
  }
  return rows;
}

function segmentsOf(columns: WindowColumns, options: WhyOptions, baselineRows: readonly number[], currentRows: readonly number[]): WhySegment[] {
  const minimum = options.minSegmentLabelled ?? WHY_DEFAULTS.minSegmentLabelled;
  const all = [...baselineRows, ...currentRows];
  const splitters: { splitter: Splitter; values: readonly FeatureValue[] }[] = [];
  for (const [dimension, names, source] of [
    ['feature', options.features, columns.features],
    ['metadata', options.metadata, columns.metadata],
  ] as const) {
    for (const name of names) {
      const values = source?.get(name);
      if (values === undefined) continue;
      const splitter = splitterOf(dimension, name, values, baselineRows, all);
      // A column with one value (a constant metadata key) is the whole population, not a segment of it.
      if (splitter !== null && splitter.segments.length > 1) splitters.push({ splitter, values });
    }
  }
  const found: WhySegment[] = [];
  for (const { splitter, values } of splitters) {
    const counts = splitter.segments.map(() => ({ baseline: { labelled: 0, correct: 0 }, current: { labelled: 0, correct: 0 } }));
    for (const [rows, side] of [
      [baselineRows, 'baseline'],
      [currentRows, 'current'],
    ] as const) {
      for (const row of rows) {
        const actual = columns.actual_outcome[row] as number;
        if (actual === OUTCOME_UNKNOWN) continue;
        const segment = counts[splitter.of(values[row])];
        if (segment === undefined) continue;
        segment[side].labelled++;
        if (columns.predicted_outcome[row] === actual) segment[side].correct++;
      }
    }
    splitter.segments.forEach((segment, i) => {
      const { baseline, current } = counts[i] as { baseline: Counts; current: Counts };
      if (baseline.labelled < minimum || current.labelled < minimum) return;
      const drop = baseline.correct / baseline.labelled - current.correct / current.labelled;
      const test = twoProportionZTest(baseline, current);
      if (!(drop > 0) || test === null) return;
      found.push({ dimension: splitter.dimension, name: splitter.name, ...segment, baseline: proportion(baseline), current: proportion(current), drop, z: test.z, p_value: test.p_value });
    });
  }
  found.sort((a, b) => b.drop - a.drop || a.z - b.z || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return found.slice(0, options.segments ?? WHY_DEFAULTS.segments);
}

function driftedFeaturesOf(results: readonly FeatureDrift[], options: WhyOptions): WhyDriftedFeature[] {
  const importance = options.importance ?? new Map<string, number>();
  const total = [...importance.values()].reduce((sum, value) => sum + value, 0);
  const scored = results.flatMap((result): WhyDriftedFeature[] => {
    const score = driftScore(result);
    if (score === null) return [];
    const raw = importance.get(result.feature_name);
    const share = raw === undefined || total === 0 ? null : raw / total;
    return [{ feature: result.feature_name, statistic: score.statistic, value: score.score, importance: share, weighted: share === null ? null : score.score * share }];
  });
  const byName = (a: WhyDriftedFeature, b: WhyDriftedFeature) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0);
  scored.sort((a, b) => {
    if (a.weighted !== null && b.weighted !== null) return b.weighted - a.weighted || b.value - a.value || byName(a, b);
    if (a.weighted !== null) return -1;
    if (b.weighted !== null) return 1;
    return b.value - a.value || byName(a, b);
  });
  return scored.slice(0, options.driftedFeatures ?? WHY_DEFAULTS.driftedFeatures);
}

/** The value of a drift rule's statistic, as the engine judges it; null when it does not apply to the feature's kind. */
export function driftStatisticValue(result: FeatureDrift, statistic: WhyDriftStatistic): number | null {
  if (result.kind === 'numeric') return { psi: result.psi, ks: result.ks_statistic, wasserstein: result.wasserstein, chi_square: null, js: null }[statistic];
  return { psi: null, ks: null, wasserstein: null, chi_square: result.chi_square, js: result.js_distance }[statistic];
}

/** A window's statistics of the feature as plain data; categories with their share of the window's values. */
function statsOf(result: FeatureDrift, side: 'baseline_stats' | 'current_stats'): Record<string, unknown> {
  if (result.kind === 'numeric') return { ...result[side] };
  const stats = result[side];
  return { ...stats, categories: stats.categories.map((c) => ({ value: c.value, count: c.count, share: stats.count === 0 ? null : c.count / stats.count })) };
}

function featureSummaryOf(result: FeatureDrift, statistic: WhyDriftStatistic): WhyFeatureSummary {
  const value = result.status === 'ok' ? driftStatisticValue(result, statistic) : null;
  return {
    feature: result.feature_name,
    kind: result.kind,
    statistic,
    value: value ?? null,
    reason: result.status === 'ok' ? (value === null ? `${statistic} does not apply to the ${result.kind} feature ${result.feature_name}` : null) : result.reason,
    baseline: statsOf(result, 'baseline_stats'),
    current: statsOf(result, 'current_stats'),
  };
}

/** The context of an alert from the prediction columns of its scope covering both windows. */
export function explainColumns(columns: WindowColumns, options: WhyOptions): AlertWhy {
  const baselineRows = rowsIn(columns, options.baseline, options.model_version);
  const currentRows = rowsIn(columns, options.current, options.model_version);
  const labelled = (rows: readonly number[]) => rows.reduce((n, row) => n + (columns.actual_outcome[row] === OUTCOME_UNKNOWN ? 0 : 1), 0);
  const column = (name: string, rows: readonly number[]) => {
    const values = columns.features.get(name);
    return rows.map((row) => values?.[row] ?? null);
  };
  const names = [...new Set([...options.features, ...(options.drift === undefined ? [] : [options.drift.feature])])];
  const drifts = new Map(names.map((name) => [name, featureDrift(name, column(name, baselineRows), column(name, currentRows))]));
  const watched = options.drift === undefined ? undefined : drifts.get(options.drift.feature);
  return {
    kind: options.kind,
    rule_id: options.rule_id,
    model_version: options.model_version,
    metric: 'accuracy',
    baseline: { from: options.baseline.from, to: options.baseline.to },
    current: { from: options.current.from, to: options.current.to },
    labelled: { baseline: labelled(baselineRows), current: labelled(currentRows) },
    segments: options.kind === 'performance' ? segmentsOf(columns, options, baselineRows, currentRows) : [],
    drifted_features: driftedFeaturesOf(
      options.features.map((name) => drifts.get(name) as FeatureDrift),
      options,
    ),
    feature: watched === undefined || options.drift === undefined ? null : featureSummaryOf(watched, options.drift.statistic),
  };
}

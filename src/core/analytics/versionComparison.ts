/**
 * Model versions over the same range: each version's metrics side by side, each one's difference
 * from a baseline version (the first), and for accuracy a pooled two-proportion z-test of each
 * version against the baseline (two-sided: a version may be better or worse).
 */
import { twoProportionZTest } from './degradation';
import type { WindowMetric, WindowMetricsRow } from './windows';

export const DEFAULT_COMPARISON_ALPHA = 0.05;

export interface VersionMetrics {
  readonly model_version: string;
  readonly count: number;
  readonly labelled: number;
  /** Null where the version has no value (no labels, or not enough). */
  readonly metrics: Readonly<Partial<Record<WindowMetric, number | null>>>;
}

export interface MetricDifference {
  readonly model_version: string;
  readonly metric: WindowMetric;
  readonly value: number | null;
  readonly baseline: number | null;
  /** value − baseline; null when either is missing. */
  readonly difference: number | null;
}

export interface AccuracyTest {
  readonly model_version: string;
  readonly baseline: string;
  /** Correct / labelled of each side, as tested. */
  readonly correct: number;
  readonly labelled: number;
  readonly baseline_correct: number;
  readonly baseline_labelled: number;
  /** Null when a side has no labelled prediction. */
  readonly z: number | null;
  /** Two-sided p-value. */
  readonly p_value: number | null;
  readonly significant: boolean;
}

export interface VersionComparison {
  readonly baseline: string;
  readonly alpha: number;
  readonly versions: readonly VersionMetrics[];
  readonly differences: readonly MetricDifference[];
  readonly accuracy_tests: readonly AccuracyTest[];
}

/**
 * Compares versions from one row per version over the whole range (windowed metrics with a single
 * window, grouped by model version). `versions` gives the order; the first is the baseline. A
 * version without a row has zero predictions and no values.
 */
export function compareVersions(rows: readonly WindowMetricsRow[], versions: readonly string[], metrics: readonly WindowMetric[], alpha = DEFAULT_COMPARISON_ALPHA): VersionComparison {
  const [baseline] = versions;
  if (baseline === undefined) throw new RangeError('compareVersions needs at least one version');
  const summaries: VersionMetrics[] = versions.map((version) => {
    const found = rows.filter((row) => row.group === version);
    if (found.length > 1) throw new RangeError(`${JSON.stringify(version)} has ${found.length} rows: compare over one window`);
    const row = found[0];
    return {
      model_version: version,
      count: row?.count ?? 0,
      labelled: row?.labelled ?? 0,
      metrics: Object.fromEntries(metrics.map((metric) => [metric, row?.[metric] ?? null])),
    };
  });
  const base = summaries[0] as VersionMetrics;
  const differences: MetricDifference[] = summaries.slice(1).flatMap((summary) =>
    metrics.map((metric) => {
      const value = summary.metrics[metric] ?? null;
      const reference = base.metrics[metric] ?? null;
      return { model_version: summary.model_version, metric, value, baseline: reference, difference: value === null || reference === null ? null : value - reference };
    }),
  );
  // Accuracy is correct / labelled: the counts are recovered exactly by rounding.
  const correctOf = (summary: VersionMetrics) => Math.round((summary.metrics.accuracy ?? 0) * summary.labelled);
  const accuracy_tests: AccuracyTest[] = metrics.includes('accuracy')
    ? summaries.slice(1).map((summary) => {
        const hasAccuracy = (s: VersionMetrics) => s.metrics.accuracy !== null && s.metrics.accuracy !== undefined;
        const sample = { correct: correctOf(summary), labelled: hasAccuracy(summary) ? summary.labelled : 0 };
        const reference = { correct: correctOf(base), labelled: hasAccuracy(base) ? base.labelled : 0 };
        const test = twoProportionZTest(reference, sample);
        const p = test === null ? null : 2 * Math.min(test.p_value, 1 - test.p_value);
        return {
          model_version: summary.model_version,
          baseline,
          correct: sample.correct,
          labelled: sample.labelled,
          baseline_correct: reference.correct,
          baseline_labelled: reference.labelled,
          z: test?.z ?? null,
          p_value: p,
          significant: p !== null && p < alpha,
        };
      })
    : [];
  return { baseline, alpha, versions: summaries, differences, accuracy_tests };
}

/**
 * One feature's distribution in the baseline and in the current window, side by side per
 * bin (numeric features) or per category: the picture behind a drift score. Bins are
 * labelled from their edges ('< 20', '20–25', '≥ 40'), so unequal and open-ended bins, as
 * PSI uses, read correctly. Past a dozen bins the bars turn horizontal so labels stay legible.
 */
import type { FeatureDrift } from '../analytics/drift';
import { driftScore } from '../analytics/driftReport';
import { driftKindLabel } from './driftChart';
import { chartWidth, type ChartOptions, type ChartSpec, type DriftSeverity, formatFixed, noDataChart, nominalKey, topLevel } from './theme';

interface DistributionShares {
  readonly feature: string;
  /** Share of the baseline in each bin, in [0, 1]; null where unknown. */
  readonly baseline: readonly (number | null)[];
  readonly current: readonly (number | null)[];
  /** Legend names of the two sides; 'Baseline' and 'Current' when left out. */
  readonly baselineLabel?: string;
  readonly currentLabel?: string;
  /** The drift score of this feature, shown in the subtitle. */
  readonly score?: { readonly kind: string; readonly value: number; readonly severity?: DriftSeverity | null };
}

export interface NumericDistribution extends DistributionShares {
  readonly type: 'numeric';
  /** n + 1 increasing edges of n bins; the outer ones may be open: ±Infinity, or null. */
  readonly edges: readonly (number | null)[];
}

export interface CategoricalDistribution extends DistributionShares {
  readonly type: 'categorical';
  /** null stands for the categories not listed, gathered in one bin. */
  readonly categories: readonly (string | null)[];
}

export type FeatureDistribution = NumericDistribution | CategoricalDistribution;

const NO_DATA = 'No distribution to compare.';
const OTHER_CATEGORIES = 'Other categories';
const SHARE_TITLE = 'Share';
const HORIZONTAL_FROM = 13;
const STEP = 28;

function edgeText(value: number, digits: number): string {
  return String(Number(value.toPrecision(digits)));
}

function binLabels(edges: readonly number[], digits: number): string[] {
  const labels: string[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const lower = edges[i] as number;
    const upper = edges[i + 1] as number;
    if (lower === -Infinity) labels.push(`< ${edgeText(upper, digits)}`);
    else if (upper === Infinity) labels.push(`≥ ${edgeText(lower, digits)}`);
    else labels.push(`${edgeText(lower, digits)}–${edgeText(upper, digits)}`);
  }
  return labels;
}

/** Bin labels with as few digits as keep them apart: 4 significant digits, more when needed. */
function numericLabels(open: readonly (number | null)[]): string[] {
  const last = open.length - 1;
  const edges = open.map((edge, i) => {
    if (edge !== null) return edge;
    if (i === 0) return -Infinity;
    if (i === last) return Infinity;
    throw new RangeError(`only the first and the last bin edge may be open, not edge ${i}`);
  });
  for (let i = 1; i < edges.length; i++) {
    if (!((edges[i] as number) > (edges[i - 1] as number))) throw new RangeError(`bin edges must increase, but edge ${i} is ${edges[i]} after ${edges[i - 1]}`);
  }
  let labels = binLabels(edges, 4);
  for (let digits = 5; digits <= 17 && new Set(labels).size < labels.length; digits++) labels = binLabels(edges, digits);
  return labels;
}

function labelsOf(distribution: FeatureDistribution): string[] {
  if (distribution.type === 'numeric') return distribution.edges.length === 0 ? [] : numericLabels(distribution.edges);
  const categories = distribution.categories.map((category) => nominalKey(category ?? OTHER_CATEGORIES));
  if (new Set(categories).size < categories.length) throw new RangeError(`categories of ${JSON.stringify(distribution.feature)} repeat`);
  return categories;
}

/** Baseline and current shares of one feature, as grouped bars per bin or category. */
export function distributionChart(distribution: FeatureDistribution, options?: ChartOptions): ChartSpec {
  const title = options?.title ?? distribution.feature;
  const labels = labelsOf(distribution);
  const baselineName = distribution.baselineLabel ?? 'Baseline';
  const currentName = distribution.currentLabel ?? 'Current';
  if (baselineName === currentName) throw new RangeError(`the baseline and the current distribution need different labels, not both ${JSON.stringify(baselineName)}`);
  for (const [name, shares] of [['baseline', distribution.baseline], ['current', distribution.current]] as const) {
    if (shares.length !== labels.length) throw new RangeError(`${name} of ${JSON.stringify(distribution.feature)} has ${shares.length} shares for ${labels.length} bins`);
  }

  const values: { bin: string; order: number; series: string; share: number }[] = [];
  labels.forEach((bin, order) => {
    for (const [series, shares] of [[baselineName, distribution.baseline], [currentName, distribution.current]] as const) {
      const share = shares[order];
      if (share !== null && share !== undefined && Number.isFinite(share)) values.push({ bin, order, series, share });
    }
  });
  if (values.length === 0) return noDataChart(title, NO_DATA, options);

  const width = chartWidth(options);
  const horizontal = labels.length >= HORIZONTAL_FROM;
  const binTitle = distribution.type === 'numeric' ? 'Bin' : 'Category';
  // Across the bottom, a few labels fit level; more are slanted rather than overlapped.
  const labelAngle = horizontal || labels.length <= 6 ? 0 : -45;
  const band = { field: 'bin', type: 'nominal', title: binTitle, sort: { field: 'order', op: 'min' }, axis: { labelLimit: 160, labelAngle } } as const;
  const share = { field: 'share', type: 'quantitative', title: SHARE_TITLE, axis: { format: '%' } } as const;
  const offset = { field: 'series', type: 'nominal', sort: [baselineName, currentName] } as const;
  const score = distribution.score;
  const subtitle = score === undefined ? [] : [`${driftKindLabel(score.kind)} ${formatFixed(score.value)}${score.severity ? ` (${score.severity})` : ''}`];
  return {
    ...topLevel(width, title, subtitle, `${title}: share of each ${binTitle.toLowerCase()} in ${baselineName} and ${currentName}.`),
    width,
    // Pixels rather than {step}: Vega-Lite drops fit-y with a warning for a step height beside a container width.
    ...(horizontal ? { height: STEP * labels.length } : {}),
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      ...(horizontal ? { y: band, x: share, yOffset: offset } : { x: band, y: share, xOffset: offset }),
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: [baselineName, currentName] } },
      tooltip: [
        { field: 'bin', type: 'nominal', title: binTitle },
        { field: 'series', type: 'nominal', title: 'Distribution' },
        { field: 'share', type: 'quantitative', title: SHARE_TITLE, format: '.1%' },
      ],
    },
  };
}

/** A feature's drift result as the distribution its score was computed from: PSI bins or categories. */
export function distributionOfDrift(result: FeatureDrift): FeatureDistribution {
  const scored = driftScore(result);
  const score = scored === null ? {} : { score: { kind: scored.statistic, value: scored.score, ...(result.status === 'ok' ? { severity: result.severity } : {}) } };
  if (result.kind === 'numeric') {
    const edges = result.bins.length === 0 ? [] : [result.bins[0]?.lower ?? null, ...result.bins.map((bin) => bin.upper)];
    return { type: 'numeric', feature: result.feature_name, edges, baseline: result.bins.map((bin) => bin.baseline_share), current: result.bins.map((bin) => bin.current_share), ...score };
  }
  return { type: 'categorical', feature: result.feature_name, categories: result.bins.map((bin) => bin.value), baseline: result.bins.map((bin) => bin.baseline_share), current: result.bins.map((bin) => bin.current_share), ...score };
}

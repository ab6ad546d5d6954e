/**
 * Drift of each feature between a baseline sample and a current sample, with the statistics
 * defined as numpy and scipy define them (test/fixtures/golden/drift.json holds their values,
 * made by scripts/goldenDrift.py).
 *
 * Values. null, a feature a row lacks, and NaN or ±Infinity (which the record schemas refuse,
 * so only a direct caller can pass them) count as missing: they are reported in the stats and
 * never reach a test. A feature's kind is decided by the baseline: numeric when more than half
 * of its values (not missing) are numbers, categorical otherwise (strings, booleans); a baseline
 * with no values leaves it to the current sample the same way, and no values at all counts as
 * numeric. So one stray string never turns a numeric feature into a categorical one: in a
 * numeric feature every value that is not a number counts as missing and is counted apart
 * (non_numeric), so it stays visible. In a categorical feature a number is the category of its
 * String() form, so 1 and "1" are one category, as are true and "true".
 *
 * Numeric features:
 * - PSI over bins cut at the baseline's quantiles i/bins, i = 1 … bins−1 (numpy's default
 *   'linear' quantiles); repeated edges (a value holding more than one bin's share) are merged,
 *   so a sample may get fewer bins. Bins are closed on the right, (e_{i−1}, e_i], and the end
 *   bins are open, so current values outside the baseline's range fall in the first or last
 *   bin, and a point mass at the baseline's minimum (a zero-inflated feature) gets a bin of its
 *   own. PSI = Σ (c − b) · ln(c / b) over the bins' shares, each share taken as at least ε
 *   (1e-4 by default) so that a bin empty on one side counts as large but finite: a 10% bin
 *   that appears from nowhere adds 0.1 · ln(0.1 / 1e-4) ≈ 0.69. Every term is ≥ 0.
 *   A constant baseline c gives the two bins ≤ c and > c.
 * - The two-sample Kolmogorov–Smirnov statistic and p-value of scipy.stats.ks_2samp (two-sided).
 *   'auto' (the default) is scipy's: the exact distribution when both samples have at most
 *   10 000 values (Hodges 1958: the closed form for equal sizes, else the lattice-path recursion
 *   of scipy's _compute_outer_prob_inside_method), otherwise the asymptotic one, which is the
 *   one-sample distribution kstwo.sf(D, round(n·m / (n + m))) computed as scipy does
 *   (Simard & L'Ecuyer 2011: Ruben–Gambino, Durbin matrix, Pomeranz, Pelz–Good, and 2·Smirnov).
 *   'exact' and 'asymp' force one, as in scipy, except that 'asymp' of one value against one
 *   (where scipy's effective size rounds to 0 and gives NaN) uses the exact distribution.
 *   Like scipy's, the exact recursion for unequal sizes takes about n1 · n2 · D steps: some 20 ms
 *   for 10 000 values each at D = 0.01, up to about 0.7 s when the samples barely overlap.
 * - The Wasserstein-1 distance of scipy.stats.wasserstein_distance (area between the two
 *   empirical distribution functions); null only if it exceeds the float range.
 *
 * Categorical features: Pearson's chi-square test of homogeneity on the 2 × K table of counts
 * over the union of categories (scipy.stats.chi2_contingency with correction=False; one
 * category gives dof 0, statistic 0 and p = 1), its p-value as 1 − CDF, so one below about
 * 1e-16 reads 0; and the Jensen–Shannon distance of the category shares in base 2
 * (scipy.spatial.distance.jensenshannon(p, q, base=2)), which lies in [0, 1].
 *
 * Severity. Numeric: 'drift' when PSI ≥ psiDrift (0.2); else 'warning' when PSI ≥ psiWarning
 * (0.1) or the KS p-value < ksAlpha (0.05); else 'none'. Categorical: 'drift' when the JS
 * distance ≥ jsDrift (0.1); else 'warning' when the chi-square p-value < chiSquareAlpha (0.05);
 * else 'none'. The effect size (PSI, JS) decides drift and a test can only raise a warning,
 * because with large samples a test rejects differences too small to matter. drift_detected is
 * severity === 'drift'. A sample with fewer than minCount (1) values makes the result
 * 'insufficient': statistics null, severity 'none', and a reason.
 *
 * Numeric samples are sorted once as Float64Arrays; everything after is linear or a binary
 * search, and every sum runs in sorted (or category) order, so a result does not depend on the
 * order of the values.
 */

import chiSquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import type { DriftResult } from '../model/driftResult';
import type { FeatureValue, Features } from '../model/fields';
import { describeValue, type JsonObject } from '../model/json';
import { parseTimestamp } from '../model/timestamps';

export type DriftKind = 'numeric' | 'categorical';
export type DriftSeverity = 'none' | 'warning' | 'drift';
export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface DriftOptions {
  /** PSI bins cut at baseline quantiles, before repeated edges merge. */
  readonly bins?: number;
  /** Least share a PSI bin counts with, so that an empty bin stays finite. */
  readonly psiEpsilon?: number;
  readonly psiWarning?: number;
  readonly psiDrift?: number;
  readonly ksAlpha?: number;
  readonly ksMethod?: KsMethod;
  readonly chiSquareAlpha?: number;
  readonly jsDrift?: number;
  /** Categories listed by name in the stats; the rest are counted together. */
  readonly maxCategories?: number;
  /** Fewest values (not missing) each sample needs for the tests to run. */
  readonly minCount?: number;
}

export const DEFAULT_DRIFT_OPTIONS: Required<DriftOptions> = {
  bins: 10,
  psiEpsilon: 1e-4,
  psiWarning: 0.1,
  psiDrift: 0.2,
  ksAlpha: 0.05,
  ksMethod: 'auto',
  chiSquareAlpha: 0.05,
  jsDrift: 0.1,
  maxCategories: 20,
  minCount: 1,
};

/** At most this many PSI bins: more would be noise for any sample a monitor keeps. */
export const MAX_PSI_BINS = 1000;

// The stats are plain object types rather than interfaces so that they are JSON values as they stand.
export type NumericStats = {
  /** Values that are not missing. */
  readonly count: number;
  readonly missing: number;
  /** missing / (count + missing); null for an empty sample. */
  readonly missing_share: number | null;
  readonly mean: number | null;
  /** Population standard deviation (numpy's default, ddof = 0). */
  readonly std: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly percentile_5: number | null;
  readonly percentile_25: number | null;
  readonly percentile_50: number | null;
  readonly percentile_75: number | null;
  readonly percentile_95: number | null;
};

export type CategoryCount = {
  readonly value: string;
  readonly count: number;
};

export type CategoricalStats = {
  readonly count: number;
  readonly missing: number;
  readonly missing_share: number | null;
  /** Distinct categories in this sample. */
  readonly distinct: number;
  /** The most frequent categories (most first, then by value), at most maxCategories. */
  readonly categories: readonly CategoryCount[];
  /** Values in the categories not listed. */
  readonly other_count: number;
};

/** A PSI bin: (lower, upper], where a null bound is open (−∞ or +∞). */
export interface NumericBin {
  readonly lower: number | null;
  readonly upper: number | null;
  readonly baseline_count: number;
  readonly current_count: number;
  readonly baseline_share: number;
  readonly current_share: number;
}

/** A category's shares for a chart; value null collects the categories beyond maxCategories. */
export interface CategoryBin {
  readonly value: string | null;
  readonly baseline_count: number;
  readonly current_count: number;
  readonly baseline_share: number;
  readonly current_share: number;
}

interface FeatureDriftCommon {
  readonly feature_name: string;
  /** 'insufficient' when a sample has fewer than minCount values; `reason` says which. */
  readonly status: 'ok' | 'insufficient';
  readonly reason: string | null;
  readonly severity: DriftSeverity;
  readonly drift_detected: boolean;
  /** The drift threshold on the headline statistic: psiDrift (numeric) or jsDrift (categorical). */
  readonly threshold: number;
}

export interface NumericFeatureDrift extends FeatureDriftCommon {
  readonly kind: 'numeric';
  /** Values of each sample that are not numbers (text, booleans): counted as missing, never tested. */
  readonly non_numeric: { readonly baseline: number; readonly current: number };
  readonly psi: number | null;
  readonly ks_statistic: number | null;
  readonly ks_p_value: number | null;
  /** The KS distribution actually used. */
  readonly ks_method: 'exact' | 'asymp' | null;
  readonly wasserstein: number | null;
  readonly baseline_stats: NumericStats;
  readonly current_stats: NumericStats;
  /** The PSI bins, in order; empty when insufficient. */
  readonly bins: readonly NumericBin[];
}

export interface CategoricalFeatureDrift extends FeatureDriftCommon {
  readonly kind: 'categorical';
  readonly chi_square: number | null;
  readonly chi_square_p_value: number | null;
  readonly dof: number | null;
  readonly js_distance: number | null;
  readonly baseline_stats: CategoricalStats;
  readonly current_stats: CategoricalStats;
  /** The categories with the largest combined share (at most maxCategories), then the rest. */
  readonly bins: readonly CategoryBin[];
}

export type FeatureDrift = NumericFeatureDrift | CategoricalFeatureDrift;

export interface KsTest {
  readonly statistic: number;
  readonly p_value: number;
  readonly method: 'exact' | 'asymp';
}

// --- options -------------------------------------------------------------------------------

function invalidOption(option: string, value: unknown, expected: string): PitwallError {
  return new PitwallError('input', messages.driftOptionInvalid(option, describeValue(value), expected));
}

function checkProbability(option: string, value: number): void {
  if (!(value > 0 && value < 1)) throw invalidOption(option, value, 'a number above 0 and below 1');
}

function checkWholeNumber(option: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidOption(option, value, max === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`);
  }
}

/** The options with defaults filled in; throws a PitwallError naming the first bad one. */
export function resolveDriftOptions(options: DriftOptions = {}): Required<DriftOptions> {
  const o = { ...DEFAULT_DRIFT_OPTIONS, ...options };
  checkWholeNumber('bins', o.bins, 2, MAX_PSI_BINS);
  checkProbability('psiEpsilon', o.psiEpsilon);
  if (!(o.psiWarning >= 0 && Number.isFinite(o.psiWarning))) throw invalidOption('psiWarning', o.psiWarning, 'a finite number ≥ 0');
  if (!(o.psiDrift >= o.psiWarning && Number.isFinite(o.psiDrift))) {
    throw invalidOption('psiDrift', o.psiDrift, `a finite number ≥ the warning threshold (${o.psiWarning})`);
  }
  checkProbability('ksAlpha', o.ksAlpha);
  if (o.ksMethod !== 'auto' && o.ksMethod !== 'exact' && o.ksMethod !== 'asymp') {
    throw invalidOption('ksMethod', o.ksMethod, '"auto", "exact" or "asymp"');
  }
  checkProbability('chiSquareAlpha', o.chiSquareAlpha);
  if (!(o.jsDrift > 0 && o.jsDrift <= 1)) throw invalidOption('jsDrift', o.jsDrift, 'a number above 0 and at most 1');
  checkWholeNumber('maxCategories', o.maxCategories, 1);
  checkWholeNumber('minCount', o.minCount, 1);
  return o;
}

// --- reading values ------------------------------------------------------------------------

/** One feature's values in a sample; undefined (a row without the feature) counts as missing. */
export type FeatureSample = ArrayLike<FeatureValue | undefined>;

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isMissing(value: FeatureValue | undefined): boolean {
  return value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value));
}

/**
 * One feature's values in a sample, counted: all the statistics read of them, whether the values
 * were held in memory or counted by a database server.
 */
export interface FeatureCounts {
  /** The finite numbers. */
  readonly numbers: CountedSample;
  /** The values that are not numbers (text, booleans), by category: a value's String() form. */
  readonly others: ReadonlyMap<string, number>;
  /** null, a row without the feature, NaN and ±Infinity. */
  readonly missing: number;
}

function categoryOf(value: FeatureValue): string {
  return typeof value === 'string' ? value : String(value);
}

/** A sample's values, counted. */
export function countFeature(values: FeatureSample): FeatureCounts {
  let count = 0;
  let missing = 0;
  const others = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (isMissing(value)) missing++;
    else if (typeof value === 'number') count++;
    else {
      const key = categoryOf(value as FeatureValue);
      others.set(key, (others.get(key) ?? 0) + 1);
    }
  }
  const sorted = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === 'number' && Number.isFinite(value)) sorted[j++] = value;
  }
  return { numbers: countSorted(sorted.sort()), others, missing };
}

function totalOf(counts: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const count of counts.values()) total += count;
  return total;
}

/** 'numeric' or 'categorical' by the majority of a sample's values; null when it has none. */
function majorityKind(sample: FeatureCounts): DriftKind | null {
  const numbers = sizeOf(sample.numbers);
  const others = totalOf(sample.others);
  if (numbers + others === 0) return null;
  return numbers > others ? 'numeric' : 'categorical';
}

/** The kind the baseline decides, else the current sample; numeric when neither has a value. */
function featureKind(baseline: FeatureCounts, current: FeatureCounts): DriftKind {
  return majorityKind(baseline) ?? majorityKind(current) ?? 'numeric';
}

/** The finite numbers; how many values were missing, and how many of those were not numbers at all (text or booleans in a numeric feature). */
function numbersOf(sample: FeatureCounts): { readonly sorted: CountedSample; readonly missing: number; readonly nonNumeric: number } {
  const nonNumeric = totalOf(sample.others);
  return { sorted: sample.numbers, missing: sample.missing + nonNumeric, nonNumeric };
}

/** Every value that is not missing as a category, a number by its String() form (1 and "1" are one category). */
function categoriesOf(sample: FeatureCounts): { readonly counts: Map<string, number>; readonly count: number; readonly missing: number } {
  const counts = new Map(sample.others);
  const { values, upTo } = sample.numbers;
  for (let i = 0; i < values.length; i++) {
    const key = String(values[i]);
    counts.set(key, (counts.get(key) ?? 0) + (upTo[i] as number) - (i === 0 ? 0 : (upTo[i - 1] as number)));
  }
  return { counts, count: sizeOf(sample.numbers) + totalOf(sample.others), missing: sample.missing };
}

// --- numeric statistics ----------------------------------------------------------------------

/**
 * A power of two that brings |x| ≤ magnitude into [0.5, 1]: sums and squares of scaled values
 * cannot overflow or underflow, and the scaling is exact, so results equal the unscaled ones
 * wherever those are finite.
 */
function scaleFor(magnitude: number): number {
  if (magnitude === 0) return 1;
  const exponent = Math.min(1023, Math.max(-1024, -Math.ceil(Math.log2(magnitude))));
  return 2 ** exponent;
}

/** numpy.quantile(sorted, q) with the default 'linear' method, operation for operation. */
export function quantileOfSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const index = (n - 1) * q;
  if (index >= n - 1) return sorted[n - 1] as number;
  const lower = Math.floor(index);
  const gamma = index - lower;
  const a = sorted[lower] as number;
  const b = sorted[lower + 1] as number;
  const difference = b - a;
  // Two values further apart than the float range: weigh them instead (numpy gives ±inf).
  if (!Number.isFinite(difference)) return a * (1 - gamma) + b * gamma;
  return gamma >= 0.5 ? b - difference * (1 - gamma) : a + difference * gamma;
}

/**
 * A numeric sample as its distinct values, ascending, and how many of its values are at most
 * each (a running count): everything the statistics here read, so a sample held in memory and
 * one counted by a database server (one row per distinct value) give the very same numbers.
 */
export interface CountedSample {
  readonly values: Float64Array;
  readonly upTo: Float64Array;
}

/** A sorted sample, counted. */
function countSorted(sorted: Float64Array): CountedSample {
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const values = new Float64Array(distinct);
  const upTo = new Float64Array(distinct);
  let k = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) values[++k] = sorted[i] as number;
    upTo[k] = i + 1;
  }
  return { values, upTo };
}

/** Distinct finite values, ascending, and how many times each occurs (a database's count), as a counted sample. */
export function countedSample(values: Float64Array, counts: ArrayLike<number>): CountedSample {
  const upTo = new Float64Array(values.length);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (!Number.isFinite(value) || (i > 0 && !((values[i - 1] as number) < value))) throw new RangeError(`counted values must be finite, distinct and ascending; ${value} at ${i} is not`);
    total += counts[i] as number;
    upTo[i] = total;
  }
  return { values, upTo };
}

function sizeOf(sample: CountedSample): number {
  return sample.upTo.length === 0 ? 0 : (sample.upTo[sample.upTo.length - 1] as number);
}

/** The value at index k of the sorted sample. */
function valueAt(sample: CountedSample, k: number): number {
  let lo = 0;
  let hi = sample.upTo.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sample.upTo[mid] as number) > k) hi = mid;
    else lo = mid + 1;
  }
  return sample.values[lo] as number;
}

/** quantileOfSorted over a counted sample, operation for operation. */
function quantileOfCounts(sample: CountedSample, q: number): number {
  const n = sizeOf(sample);
  const index = (n - 1) * q;
  if (index >= n - 1) return valueAt(sample, n - 1);
  const lower = Math.floor(index);
  const gamma = index - lower;
  const a = valueAt(sample, lower);
  const b = valueAt(sample, lower + 1);
  const difference = b - a;
  if (!Number.isFinite(difference)) return a * (1 - gamma) + b * gamma;
  return gamma >= 0.5 ? b - difference * (1 - gamma) : a + difference * gamma;
}

function numericStats(sample: CountedSample, missing: number): NumericStats {
  const n = sizeOf(sample);
  const total = n + missing;
  const missingShare = total === 0 ? null : missing / total;
  if (n === 0) {
    return {
      count: 0,
      missing,
      missing_share: missingShare,
      mean: null,
      std: null,
      min: null,
      max: null,
      percentile_5: null,
      percentile_25: null,
      percentile_50: null,
      percentile_75: null,
      percentile_95: null,
    };
  }
  const { values, upTo } = sample;
  const min = values[0] as number;
  const max = values[values.length - 1] as number;
  const scale = scaleFor(Math.max(Math.abs(min), Math.abs(max)));
  // Each value added as often as it occurs, in sorted order: the very sums of the sorted values.
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const scaled = (values[i] as number) * scale;
    for (let k = i === 0 ? 0 : (upTo[i - 1] as number); k < (upTo[i] as number); k++) sum += scaled;
  }
  const scaledMean = sum / n;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    const deviation = (values[i] as number) * scale - scaledMean;
    const square = deviation * deviation;
    for (let k = i === 0 ? 0 : (upTo[i - 1] as number); k < (upTo[i] as number); k++) squares += square;
  }
  // The mean of sorted values can round just outside [min, max]; it never should be.
  const mean = Math.min(max, Math.max(min, scaledMean / scale));
  return {
    count: n,
    missing,
    missing_share: missingShare,
    mean,
    std: Math.sqrt(squares / n) / scale,
    min,
    max,
    percentile_5: quantileOfCounts(sample, 0.05),
    percentile_25: quantileOfCounts(sample, 0.25),
    percentile_50: quantileOfCounts(sample, 0.5),
    percentile_75: quantileOfCounts(sample, 0.75),
    percentile_95: quantileOfCounts(sample, 0.95),
  };
}

/** How many values of a sample are ≤ x. */
function countAtMost(sample: CountedSample, x: number): number {
  let lo = 0;
  let hi = sample.values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sample.values[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : (sample.upTo[lo - 1] as number);
}

interface Psi {
  readonly psi: number;
  readonly bins: NumericBin[];
}

function psiOfCounts(baseline: CountedSample, current: CountedSample, binCount: number, epsilon: number): Psi {
  const baselineSize = sizeOf(baseline);
  const currentSize = sizeOf(current);
  const cuts = new Float64Array(binCount - 1);
  for (let i = 1; i < binCount; i++) cuts[i - 1] = quantileOfCounts(baseline, i / binCount);
  cuts.sort();
  const edges: number[] = [];
  for (const cut of cuts) if (edges.length === 0 || cut !== edges[edges.length - 1]) edges.push(cut);
  const bins: NumericBin[] = [];
  let psi = 0;
  let baselineBelow = 0;
  let currentBelow = 0;
  for (let i = 0; i <= edges.length; i++) {
    const upper = i < edges.length ? (edges[i] as number) : null;
    const baselineUpTo = upper === null ? baselineSize : countAtMost(baseline, upper);
    const currentUpTo = upper === null ? currentSize : countAtMost(current, upper);
    const baselineCount = baselineUpTo - baselineBelow;
    const currentCount = currentUpTo - currentBelow;
    const baselineShare = baselineCount / baselineSize;
    const currentShare = currentCount / currentSize;
    const b = Math.max(baselineShare, epsilon);
    const c = Math.max(currentShare, epsilon);
    psi += (c - b) * Math.log(c / b);
    bins.push({
      lower: i === 0 ? null : (edges[i - 1] as number),
      upper,
      baseline_count: baselineCount,
      current_count: currentCount,
      baseline_share: baselineShare,
      current_share: currentShare,
    });
    baselineBelow = baselineUpTo;
    currentBelow = currentUpTo;
  }
  return { psi, bins };
}

/**
 * sup |F_a − F_b| over the pooled values, each ECDF difference computed as scipy does
 * (count_a / n_a − count_b / n_b after all values tied with the point).
 */
function ksStatisticOfCounts(a: CountedSample, b: CountedSample): number {
  const na = sizeOf(a);
  const nb = sizeOf(b);
  const da = a.values.length;
  const db = b.values.length;
  let i = 0;
  let j = 0;
  let largest = 0;
  while (i < da || j < db) {
    const x = j >= db || (i < da && (a.values[i] as number) <= (b.values[j] as number)) ? (a.values[i] as number) : (b.values[j] as number);
    while (i < da && (a.values[i] as number) <= x) i++;
    while (j < db && (b.values[j] as number) <= x) j++;
    const difference = Math.abs((i === 0 ? 0 : (a.upTo[i - 1] as number)) / na - (j === 0 ? 0 : (b.upTo[j - 1] as number)) / nb);
    if (difference > largest) largest = difference;
  }
  return largest;
}

/** scipy.stats.wasserstein_distance: Σ |F_a − F_b| · (x_{k+1} − x_k) over the pooled sorted values. */
function wassersteinOfCounts(a: CountedSample, b: CountedSample): number | null {
  const na = sizeOf(a);
  const nb = sizeOf(b);
  const da = a.values.length;
  const db = b.values.length;
  const magnitude = Math.max(Math.abs(a.values[0] as number), Math.abs(a.values[da - 1] as number), Math.abs(b.values[0] as number), Math.abs(b.values[db - 1] as number));
  // Gaps between values beyond ±2^1022 can overflow; scaling them is exact and needed only then.
  const scale = magnitude > 2 ** 1022 ? 0.25 : 1;
  let i = 0;
  let j = 0;
  let sum = 0;
  let x = Math.min(a.values[0] as number, b.values[0] as number);
  while (i < da || j < db) {
    while (i < da && (a.values[i] as number) <= x) i++;
    while (j < db && (b.values[j] as number) <= x) j++;
    if (i === da && j === db) break;
    const next = j >= db || (i < da && (a.values[i] as number) <= (b.values[j] as number)) ? (a.values[i] as number) : (b.values[j] as number);
    sum += Math.abs((i === 0 ? 0 : (a.upTo[i - 1] as number)) / na - (j === 0 ? 0 : (b.upTo[j - 1] as number)) / nb) * (next * scale - x * scale);
    x = next;
  }
  const distance = sum / scale;
  return Number.isFinite(distance) ? distance : null;
}

// --- Kolmogorov–Smirnov distributions (ports of scipy.stats 1.10) --------------------------------

const EP128 = 2 ** 128;
const EM128 = 2 ** -128;
const MIN_LOG = -708.3964185322641; // cephes MINLOG, ln(2^-1022)
/** Stirling's series coefficients B_2j / (2j(2j − 1)), j = 8 … 1, as scipy's _STIRLING_COEFFS. */
const STIRLING = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417, -0.0005952380952380953,
  0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];

function clip01(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/** x · 2^e without overflowing or underflowing on the way. */
function ldexp(x: number, e: number): number {
  let value = x;
  let exponent = e;
  while (exponent > 1023) {
    value *= 2 ** 1023;
    exponent -= 1023;
  }
  while (exponent < -1022) {
    value *= 2 ** -1022;
    exponent += 1022;
  }
  return value * 2 ** exponent;
}

/** numpy.round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** log(n! / n^n) by Stirling's series, without forming n·log(n). */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly;
}

function matrixProduct(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k] as number;
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j]! += aik * (b[k * m + j] as number);
    }
  }
  return out;
}

/** P(D_n ≤ d) by Durbin's matrix, as Marsaglia, Tsang and Wang evaluate it. */
function kolmogorovCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let factorial = 1;
  for (let j = 1; j <= m; j++) {
    v[j - 1] = 1 - h ** j;
    w[j - 1] = factorial;
    factorial /= j;
    v[j - 1]! *= factorial;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * factorial;
  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1] as number;
  for (let r = 0; r < m; r++) H[r * m] = v[r] as number;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c] as number;
  let power: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) power[i * m + i] = 1;
  let nn = n;
  let exponent = 0;
  let hExponent = 0;
  const corner = (k - 1) * m + (k - 1);
  while (nn > 0) {
    if (nn % 2 === 1) {
      power = matrixProduct(power, H, m);
      exponent += hExponent;
    }
    H = matrixProduct(H, H, m);
    hExponent *= 2;
    if (Math.abs(H[corner] as number) > EP128) {
      for (let i = 0; i < H.length; i++) H[i]! /= EP128;
      hExponent += 128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = power[corner] as number;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      exponent -= 128;
    }
  }
  return clip01(exponent === 0 ? p : ldexp(p, exponent));
}

function pomeranzBounds(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** P(D_n ≤ x) by the Pomeranz (1974) recursion. */
function kolmogorovCdfPomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const powers = 2 * (ll + 1);
  const gPower = new Float64Array(powers);
  const twoGPower = new Float64Array(powers);
  const oneMinusTwoGPower = new Float64Array(powers);
  gPower[0] = 1;
  twoGPower[0] = 1;
  oneMinusTwoGPower[0] = 1;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < powers; m++) {
    gPower[m] = ((gPower[m - 1] as number) * gOverN) / m;
    twoGPower[m] = ((twoGPower[m - 1] as number) * twoGOverN) / m;
    oneMinusTwoGPower[m] = ((oneMinusTwoGPower[m - 1] as number) * oneMinusTwoGOverN) / m;
  }
  let v0 = new Float64Array(powers);
  let v1 = new Float64Array(powers);
  v1[0] = 1;
  let v0Start = 0;
  let v1Start = 0;
  let exponent = 0;
  let [j1, j2] = pomeranzBounds(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [v0, v1] = [v1, v0];
    [v0Start, v1Start] = [v1Start, v0Start];
    v1.fill(0);
    [j1, j2] = pomeranzBounds(i, n, ll, ceilf, roundf);
    const weights = i === 1 || i === 2 * n + 1 ? gPower : i % 2 === 1 ? twoGPower : oneMinusTwoGPower;
    const length = j2 - k1 + 1;
    if (length <= 0) continue;
    // The entries conv_start … conv_start + conv_len − 1 of numpy.convolve(V0 window, weights).
    const offset = k1 - v0Start;
    const convStart = j1 - k1;
    const convLength = j2 - j1 + 1;
    let largest = 0;
    for (let r = 0; r < convLength; r++) {
      const c = convStart + r;
      let sum = 0;
      for (let s = Math.max(0, c - length + 1); s <= Math.min(c, length - 1); s++) {
        const index = offset + s;
        if (index < powers) sum += (v0[index] as number) * (weights[c - s] as number);
      }
      v1[r] = sum;
      if (sum > largest) largest = sum;
    }
    if (largest > 0 && largest < EM128) {
      for (let r = 0; r < powers; r++) v1[r]! *= EP128;
      exponent -= 128;
    }
    v1Start = v0Start + j1 - k1;
  }
  let answer = v1[n - v1Start] as number;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(answer) > EP128) {
      answer *= EM128;
      exponent += 128;
    }
    answer *= m;
  }
  return exponent === 0 ? answer : ldexp(answer, exponent);
}

/** The Pelz–Good (1976) approximation to P(D_n ≤ x), for large n. */
function kolmogorovCdfPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const piSquared = Math.PI ** 2;
  const piFour = Math.PI ** 4;
  const piSix = Math.PI ** 6;
  const qlog = -piSquared / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = piSquared / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * piSquared) / 4;
  const k2c = (piFour * (1 - 2 * z2)) / 16;
  const k3d = (piSix * (5 - 30 * z2)) / 64;
  const k3c = (piFour * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (piSquared * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qPower = q ** (8 * k);
    const coefficients = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = (K[i] as number) * qPower + (coefficients[i] as number);
  }
  const sqrt2pi = Math.sqrt(2 * Math.PI);
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = ((K[i] as number) * q * sqrt2pi) / (divisors[i] as number);
  q = Math.exp(-piSquared / 2 / z2);
  const sqrt3z = Math.sqrt(3) * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qPower = q ** k2;
    const kPi = Math.PI * k;
    k2extra += k2 * qPower;
    k3extra += (sqrt3z + kPi) * (sqrt3z - kPi) * k2 * qPower;
  }
  K[2] = (K[2] as number) + k2extra * ((piSquared * sqrt2pi) / (-36 * z3));
  K[3] = (K[3] as number) + k3extra * ((piSquared * sqrt2pi) / (216 * z6));
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += (K[i] as number) / n ** (i / 2);
  return sum;
}

/**
 * floor(n·x) and n·x − floor(n·x), with the product taken exactly (Dekker's two-product),
 * as scipy does in double-double.
 */
function floorAndFraction(n: number, x: number): [number, number] {
  const product = n * x;
  const split = 134217729; // 2^27 + 1
  const nHigh = n * split - (n * split - n);
  const nLow = n - nHigh;
  const xHigh = x * split - (x * split - x);
  const xLow = x - xHigh;
  const error = nHigh * xHigh - product + nHigh * xLow + nLow * xHigh + nLow * xLow;
  let floor = Math.floor(product);
  let fraction = product - floor + error;
  if (fraction < 0) {
    floor -= 1;
    fraction += 1;
  } else if (fraction >= 1) {
    floor += 1;
    fraction -= 1;
  }
  return [floor, fraction];
}

/**
 * scipy.special.smirnov(n, x) = P(D⁺_n ≥ x), by the Birnbaum–Tingey sum in log space with
 * 1 − x − v/n and x + v/n formed from the exact n·x.
 */
function smirnovSf(n: number, x: number): number {
  if (n === 1) return 1 - x;
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  const [nxFloor, alpha] = floorAndFraction(n, x);
  if (nxFloor === 0 || (nxFloor === 1 && alpha === 0)) return clip01(1 - x * (1 + x) ** (n - 1));
  if (-2 * n * x * x < MIN_LOG) return 0;
  if (nxFloor >= n - 1) return (1 - x) ** n;
  if (n > 1_000_000) {
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    return clip01(logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp));
  }
  const terms = n - nxFloor;
  const middle = Math.floor(n / 2);
  // C(n, v) as mantissa · 2^exponent, so that it neither overflows nor loses digits to logs.
  let mantissa = 1;
  let binaryExponent = 0;
  let sum = 0;
  for (let v = 0; v < terms; v++) {
    const t1 = (nxFloor + v + alpha) / n; // x + v/n
    const t2 = (n - v - nxFloor - alpha) / n; // 1 − x − v/n
    const logT1 = t1 > 0.5 ? Math.log1p(-t2) : Math.log(t1);
    const logT2 = t1 < 0.5 ? Math.log1p(-t1) : Math.log(t2);
    const logTerm = Math.log(mantissa) + binaryExponent * Math.LN2 + (v - 1) * logT1 + (n - v) * logT2;
    const term = Math.exp(logTerm);
    sum += term;
    if (v > 0) {
      if (term !== 0) {
        if (4 * (terms - v) * term < Number.EPSILON * sum && v !== terms - 1) break;
      } else if (v > middle) break;
    }
    mantissa *= (n - v) / (v + 1);
    if (mantissa > 2 ** 500) {
      mantissa *= 2 ** -500;
      binaryExponent += 500;
    } else if (mantissa < 2 ** -500) {
      mantissa *= 2 ** 500;
      binaryExponent -= 500;
    }
  }
  return clip01(x * sum);
}

/**
 * scipy.stats.kstwo.sf(x, n): P(D_n ≥ x) for the two-sided one-sample statistic, choosing the
 * method by (n, x) as scipy's _kolmogn does (Simard & L'Ecuyer 2011).
 */
function kolmogorovSf(n: number, x: number): number {
  if (x <= 0.5 / n) return 1;
  if (x >= 1) return 0;
  const t = n * x;
  if (t <= 1) {
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= i * (1 / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - cdf);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));
  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 0.754693) return clip01(1 - kolmogorovCdfDurbin(n, x));
    if (nxSquared <= 4) return clip01(1 - clip01(kolmogorovCdfPomeranz(n, x)));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return clip01(2 * smirnovSf(n, x));
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? kolmogorovCdfDurbin(n, x) : kolmogorovCdfPelzGood(n, x);
  return clip01(1 - cdf);
}

/** P(D_{n,n} ≥ h/n) for two samples of n each (scipy's _compute_prob_outside_square). */
function probabilityOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/**
 * P(D_{m,n} ≥ h/lcm) as the share of lattice paths that leave the band |x/m − y/n| < h/lcm,
 * by Viehmann's recursion for 1 − p (scipy's _compute_outer_prob_inside_method).
 */
function probabilityOutsideBand(sizeA: number, sizeB: number, g: number, h: number): number {
  const m = Math.max(sizeA, sizeB);
  const n = Math.min(sizeA, sizeB);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let currentLength = maxj - minj;
  const A = new Float64Array(Math.min(2 * maxj + 2, n + 1)).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastMinj = minj;
    const lastLength = currentLength;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let value = minj === 0 ? 0 : 1;
    const shift = minj - lastMinj;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      value = ((A[jj + shift] as number) * i + value * j) / (i + j);
      A[jj] = value;
    }
    currentLength = maxj - minj;
    if (lastLength > currentLength) A.fill(1, maxj - minj, maxj - minj + (lastLength - currentLength));
  }
  return A[maxj - minj - 1] as number;
}

/** scipy's cut-over: exact when both samples have at most this many values (method 'auto'). */
const MAX_AUTO_EXACT = 10_000;
const INT32_MAX = 2_147_483_647;

/**
 * The two-sided p-value of a two-sample KS statistic d between samples of n1 and n2 values, as
 * scipy.stats.ks_2samp(method) computes it. The exact method reports d rounded to a multiple
 * of 1/lcm(n1, n2), as scipy does.
 */
export function ksPValue(n1: number, n2: number, d: number, method: KsMethod = 'auto'): KsTest {
  if (!Number.isSafeInteger(n1) || n1 < 1 || !Number.isSafeInteger(n2) || n2 < 1) throw new RangeError(`sample sizes must be whole numbers ≥ 1, not ${n1} and ${n2}`);
  if (!(d >= 0 && d <= 1)) throw new RangeError(`a KS statistic lies in [0, 1], not ${d}`);
  const g = gcd(n1, n2);
  const n1g = n1 / g;
  const n2g = n2 / g;
  let mode = method === 'auto' ? (Math.max(n1, n2) <= MAX_AUTO_EXACT ? 'exact' : 'asymp') : method;
  if (method === 'exact' && n1g >= INT32_MAX / n2g) mode = 'asymp';
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const effective = roundHalfEven((m * n) / (m + n));
  let statistic = d;
  if (mode === 'exact' || effective === 0) {
    const lcm = n1g * n2;
    const h = roundHalfEven(d * lcm);
    statistic = h / lcm;
    if (h === 0) return { statistic, p_value: 1, method: 'exact' };
    const p = n1 === n2 ? probabilityOutsideSquare(n1, h) : probabilityOutsideBand(n1, n2, g, h);
    if (p >= 0 && p <= 1) return { statistic, p_value: p, method: 'exact' };
  }
  return { statistic, p_value: clip01(kolmogorovSf(effective, statistic)), method: 'asymp' };
}

/** scipy.stats.ks_2samp(a, b, method=method), ignoring non-finite values; null when a sample has none. */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>, method: KsMethod = 'auto'): KsTest | null {
  const sa = countFeature(a).numbers;
  const sb = countFeature(b).numbers;
  if (sizeOf(sa) === 0 || sizeOf(sb) === 0) return null;
  return ksPValue(sizeOf(sa), sizeOf(sb), ksStatisticOfCounts(sa, sb), method);
}

/**
 * scipy.stats.wasserstein_distance(a, b), ignoring non-finite values; null when a sample has
 * none, or when the distance exceeds the float range.
 */
export function wassersteinDistance(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const sa = countFeature(a).numbers;
  const sb = countFeature(b).numbers;
  if (sizeOf(sa) === 0 || sizeOf(sb) === 0) return null;
  return wassersteinOfCounts(sa, sb);
}

// --- categorical statistics --------------------------------------------------------------------

function byCount(a: CategoryCount, b: CategoryCount): number {
  return b.count - a.count || byCodeUnit(a.value, b.value);
}

function categoricalStats(counts: Map<string, number>, count: number, missing: number, maxCategories: number): CategoricalStats {
  const all = [...counts].map(([value, n]) => ({ value, count: n })).sort(byCount);
  const listed = all.slice(0, maxCategories);
  let listedCount = 0;
  for (const c of listed) listedCount += c.count;
  const total = count + missing;
  return {
    count,
    missing,
    missing_share: total === 0 ? null : missing / total,
    distinct: all.length,
    categories: listed,
    other_count: count - listedCount,
  };
}

export interface ChiSquareTest {
  readonly statistic: number;
  readonly p_value: number;
  readonly dof: number;
}

/**
 * Pearson's chi-square test of homogeneity on the 2 × K table of two rows of counts
 * (scipy.stats.chi2_contingency(correction=False)). A column empty in both rows is left out
 * (scipy refuses it); one column left gives dof 0, statistic 0 and p = 1, as in scipy.
 */
export function chiSquareHomogeneity(baseline: ArrayLike<number>, current: ArrayLike<number>): ChiSquareTest {
  if (baseline.length !== current.length) throw new RangeError(`the rows have ${baseline.length} and ${current.length} columns`);
  let nb = 0;
  let nc = 0;
  let columns = 0;
  for (let j = 0; j < baseline.length; j++) {
    nb += baseline[j] as number;
    nc += current[j] as number;
    if ((baseline[j] as number) + (current[j] as number) > 0) columns++;
  }
  if (!(nb > 0 && nc > 0)) throw new RangeError('both rows of a chi-square table need a count above 0');
  const dof = columns - 1;
  if (dof === 0) return { statistic: 0, p_value: 1, dof };
  const total = nb + nc;
  let statistic = 0;
  for (const [row, size] of [
    [baseline, nb],
    [current, nc],
  ] as const) {
    for (let j = 0; j < row.length; j++) {
      const column = (baseline[j] as number) + (current[j] as number);
      if (column === 0) continue;
      const expected = (size * column) / total;
      const difference = (row[j] as number) - expected;
      statistic += (difference * difference) / expected;
    }
  }
  return { statistic, p_value: clip01(1 - chiSquareCdf(statistic, dof)), dof };
}

function relativeEntropy(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  return x === 0 && y >= 0 ? 0 : Infinity;
}

/** scipy.spatial.distance.jensenshannon(p, q, base=2) of two rows of counts (or weights). */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new RangeError(`the rows have ${p.length} and ${q.length} entries`);
  let sp = 0;
  let sq = 0;
  for (let j = 0; j < p.length; j++) {
    sp += p[j] as number;
    sq += q[j] as number;
  }
  if (!(sp > 0 && sq > 0)) throw new RangeError('both distributions need a total above 0');
  let left = 0;
  let right = 0;
  for (let j = 0; j < p.length; j++) {
    const pj = (p[j] as number) / sp;
    const qj = (q[j] as number) / sq;
    const mj = (pj + qj) / 2;
    left += relativeEntropy(pj, mj);
    right += relativeEntropy(qj, mj);
  }
  const js = (left + right) / Math.log(2);
  return clip01(Math.sqrt(Math.max(0, js) / 2));
}

// --- features ------------------------------------------------------------------------------

function insufficiency(feature: string, options: Required<DriftOptions>, baseline: { count: number; missing: number }, current: { count: number; missing: number }): string | null {
  if (baseline.count < options.minCount) return messages.driftTooFewValues(feature, 'baseline', baseline.count, baseline.missing, options.minCount);
  if (current.count < options.minCount) return messages.driftTooFewValues(feature, 'current', current.count, current.missing, options.minCount);
  return null;
}

function numericDrift(feature: string, baselineCounts: FeatureCounts, currentCounts: FeatureCounts, options: Required<DriftOptions>): NumericFeatureDrift {
  const baseline = numbersOf(baselineCounts);
  const current = numbersOf(currentCounts);
  const baselineStats = numericStats(baseline.sorted, baseline.missing);
  const currentStats = numericStats(current.sorted, current.missing);
  const common = {
    feature_name: feature,
    kind: 'numeric' as const,
    threshold: options.psiDrift,
    non_numeric: { baseline: baseline.nonNumeric, current: current.nonNumeric },
    baseline_stats: baselineStats,
    current_stats: currentStats,
  };
  const reason = insufficiency(feature, options, baselineStats, currentStats);
  if (reason !== null) {
    return { ...common, status: 'insufficient', reason, severity: 'none', drift_detected: false, psi: null, ks_statistic: null, ks_p_value: null, ks_method: null, wasserstein: null, bins: [] };
  }
  const { psi, bins } = psiOfCounts(baseline.sorted, current.sorted, options.bins, options.psiEpsilon);
  const ks = ksPValue(baselineStats.count, currentStats.count, ksStatisticOfCounts(baseline.sorted, current.sorted), options.ksMethod);
  const severity: DriftSeverity = psi >= options.psiDrift ? 'drift' : psi >= options.psiWarning || ks.p_value < options.ksAlpha ? 'warning' : 'none';
  return {
    ...common,
    status: 'ok',
    reason: null,
    severity,
    drift_detected: severity === 'drift',
    psi,
    ks_statistic: ks.statistic,
    ks_p_value: ks.p_value,
    ks_method: ks.method,
    wasserstein: wassersteinOfCounts(baseline.sorted, current.sorted),
    bins,
  };
}

function categoryBins(categories: readonly string[], baseline: Float64Array, current: Float64Array, nb: number, nc: number, maxCategories: number): CategoryBin[] {
  const order = categories.map((_, j) => j);
  const weight = (j: number) => (baseline[j] as number) / nb + (current[j] as number) / nc;
  order.sort((a, b) => weight(b) - weight(a) || a - b);
  const bins: CategoryBin[] = [];
  let otherBaseline = 0;
  let otherCurrent = 0;
  for (const [rank, j] of order.entries()) {
    const b = baseline[j] as number;
    const c = current[j] as number;
    if (rank < maxCategories) bins.push({ value: categories[j] as string, baseline_count: b, current_count: c, baseline_share: b / nb, current_share: c / nc });
    else {
      otherBaseline += b;
      otherCurrent += c;
    }
  }
  if (order.length > maxCategories) {
    bins.push({ value: null, baseline_count: otherBaseline, current_count: otherCurrent, baseline_share: otherBaseline / nb, current_share: otherCurrent / nc });
  }
  return bins;
}

function categoricalDrift(feature: string, baselineCounts: FeatureCounts, currentCounts: FeatureCounts, options: Required<DriftOptions>): CategoricalFeatureDrift {
  const baseline = categoriesOf(baselineCounts);
  const current = categoriesOf(currentCounts);
  const common = {
    feature_name: feature,
    kind: 'categorical' as const,
    threshold: options.jsDrift,
    baseline_stats: categoricalStats(baseline.counts, baseline.count, baseline.missing, options.maxCategories),
    current_stats: categoricalStats(current.counts, current.count, current.missing, options.maxCategories),
  };
  const reason = insufficiency(feature, options, baseline, current);
  if (reason !== null) {
    return { ...common, status: 'insufficient', reason, severity: 'none', drift_detected: false, chi_square: null, chi_square_p_value: null, dof: null, js_distance: null, bins: [] };
  }
  // Code-unit order, so that sums do not depend on the order values arrived in.
  const categories = [...new Set([...baseline.counts.keys(), ...current.counts.keys()])].sort(byCodeUnit);
  const b = Float64Array.from(categories, (c) => baseline.counts.get(c) ?? 0);
  const c = Float64Array.from(categories, (k) => current.counts.get(k) ?? 0);
  const chi = chiSquareHomogeneity(b, c);
  const js = jensenShannonDistance(b, c);
  const severity: DriftSeverity = js >= options.jsDrift ? 'drift' : chi.p_value < options.chiSquareAlpha ? 'warning' : 'none';
  return {
    ...common,
    status: 'ok',
    reason: null,
    severity,
    drift_detected: severity === 'drift',
    chi_square: chi.statistic,
    chi_square_p_value: chi.p_value,
    dof: chi.dof,
    js_distance: js,
    bins: categoryBins(categories, b, c, baseline.count, current.count, options.maxCategories),
  };
}

function driftOfCounts(feature: string, baseline: FeatureCounts, current: FeatureCounts, options: Required<DriftOptions>): FeatureDrift {
  return featureKind(baseline, current) === 'numeric' ? numericDrift(feature, baseline, current, options) : categoricalDrift(feature, baseline, current, options);
}

function driftOf(feature: string, baseline: FeatureSample, current: FeatureSample, options: Required<DriftOptions>): FeatureDrift {
  return driftOfCounts(feature, countFeature(baseline), countFeature(current), options);
}

/** The drift of one feature, given its values in the baseline and the current sample. */
export function featureDrift(featureName: string, baseline: FeatureSample, current: FeatureSample, options: DriftOptions = {}): FeatureDrift {
  return driftOf(featureName, baseline, current, resolveDriftOptions(options));
}

/**
 * The drift of one feature, given its values counted (a database's aggregate): the same result
 * featureDrift gives for the values counted.
 */
export function featureDriftOfCounts(featureName: string, baseline: FeatureCounts, current: FeatureCounts, options: DriftOptions = {}): FeatureDrift {
  return driftOfCounts(featureName, baseline, current, resolveDriftOptions(options));
}

export interface DriftByFeatureOptions extends DriftOptions {
  /** The features to compare; by default every feature either sample has, by name. */
  readonly features?: readonly string[];
}

/** The drift of each feature of two samples of prediction inputs, in feature-name order. */
export function driftByFeature(baseline: readonly Features[], current: readonly Features[], options: DriftByFeatureOptions = {}): FeatureDrift[] {
  const resolved = resolveDriftOptions(options);
  let names = options.features;
  if (names === undefined) {
    const seen = new Set<string>();
    for (const rows of [baseline, current]) for (const row of rows) for (const name of Object.keys(row)) seen.add(name);
    names = [...seen].sort(byCodeUnit);
  }
  const column = (rows: readonly Features[], name: string) => rows.map((row) => (Object.hasOwn(row, name) ? row[name] : null));
  return names.map((name) => driftOf(name, column(baseline, name), column(current, name), resolved));
}

// --- records -------------------------------------------------------------------------------

export interface DriftRowContext {
  /** Float seconds since the epoch. */
  readonly timestamp: number;
  readonly model_version?: string | null;
}

/**
 * A drift_results record for one feature's drift. test_statistic is the statistic the drift
 * threshold applies to: PSI (drift_type 'psi') for a numeric feature, the Jensen–Shannon
 * distance (drift_type 'jensen_shannon') for a categorical one; p_value is the KS or the
 * chi-square p-value; threshold is psiDrift or jsDrift. baseline_stats and current_stats hold
 * each sample's stats plus, for numeric features, the count of values that were not numbers
 * (non_numeric), the PSI bin edges (baseline) and shares (both); current_stats also holds the other statistics under `tests`. An insufficient result
 * has null statistics, drift_detected and severity (unknown, not "no drift"), and its reason in
 * current_stats.
 */
export function toDriftResultRow(result: FeatureDrift, context: DriftRowContext): DriftResult {
  const time = parseTimestamp(context.timestamp);
  if (!time.ok) throw new PitwallError('input', messages.fieldIssue('timestamp', time.reason));
  if (result.feature_name === '') throw new PitwallError('input', messages.fieldIssue('feature_name', messages.fieldEmpty()));
  const ok = result.status === 'ok';
  let baselineStats: JsonObject;
  let currentStats: JsonObject;
  let statistic: number | null;
  let pValue: number | null;
  if (result.kind === 'numeric') {
    const shares = (side: 'baseline_share' | 'current_share') => result.bins.map((bin) => bin[side]);
    const edges = result.bins.slice(1).map((bin) => bin.lower as number);
    baselineStats = { ...result.baseline_stats, non_numeric: result.non_numeric.baseline, bin_edges: edges, bin_shares: shares('baseline_share') };
    currentStats = {
      ...result.current_stats,
      non_numeric: result.non_numeric.current,
      bin_shares: shares('current_share'),
      tests: { psi: result.psi, ks_statistic: result.ks_statistic, ks_p_value: result.ks_p_value, ks_method: result.ks_method, wasserstein: result.wasserstein },
    };
    statistic = result.psi;
    pValue = result.ks_p_value;
  } else {
    baselineStats = { ...result.baseline_stats };
    currentStats = {
      ...result.current_stats,
      tests: { js_distance: result.js_distance, chi_square: result.chi_square, chi_square_p_value: result.chi_square_p_value, dof: result.dof },
    };
    statistic = result.js_distance;
    pValue = result.chi_square_p_value;
  }
  if (!ok) currentStats = { ...currentStats, reason: result.reason };
  return {
    timestamp: time.seconds,
    feature_name: result.feature_name,
    model_version: context.model_version ?? null,
    drift_detected: ok ? result.drift_detected : null,
    test_statistic: statistic,
    p_value: pValue,
    threshold: result.threshold,
    drift_type: result.kind === 'numeric' ? 'psi' : 'jensen_shannon',
    baseline_stats: baselineStats,
    current_stats: currentStats,
    severity: ok ? result.severity : null,
  };
}

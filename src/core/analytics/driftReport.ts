/**
 * Drift of a source's features between a baseline and a current time range (drift.ts does the
 * statistics): reads the predictions of both ranges with the features asked for, or every
 * feature the predictions carry, and ranks the features by how far they moved.
 */
import { unknownSegmentName } from './segmentNames';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import type { FeatureValueCounts, StoreReader, WindowColumns } from '../store/store';
import { countedSample, featureDrift, featureDriftOfCounts, type DriftOptions, type FeatureCounts, type FeatureDrift } from './drift';

export interface DriftRange {
  readonly from: number;
  readonly to: number;
}

export interface DriftReportOptions {
  readonly baseline: DriftRange;
  readonly current: DriftRange;
  readonly modelVersion?: string;
  /** Features to test; every feature seen in the first predictions of either range when left out. */
  readonly features?: readonly string[];
  readonly drift?: DriftOptions;
}

/** How many of a range's first predictions name its features. */
const FEATURE_NAME_SAMPLE = 1000;

/** Feature names seen in the first predictions of a range (read inside the store where it can). */
export async function readFeatureNames(store: StoreReader, range: DriftRange, modelVersion: string | undefined): Promise<string[]> {
  const filter = { from: range.from, to: range.to, ...(modelVersion === undefined ? {} : { modelVersion }) };
  if (store.readFeatureNames !== undefined) return [...(await store.readFeatureNames(filter, FEATURE_NAME_SAMPLE))].sort();
  const sample = await store.readPredictions({ ...filter, limit: FEATURE_NAME_SAMPLE });
  const names = new Set<string>();
  for (const prediction of sample) for (const name of Object.keys(prediction.features)) names.add(name);
  return [...names].sort();
}

export async function readDrift(store: StoreReader, options: DriftReportOptions): Promise<FeatureDrift[]> {
  const version = options.modelVersion === undefined ? {} : { modelVersion: options.modelVersion };
  const names =
    options.features ?? [...new Set([...(await readFeatureNames(store, options.baseline, options.modelVersion)), ...(await readFeatureNames(store, options.current, options.modelVersion))])].sort();
  const results = (await readCountedDrift(store, { ...options, features: names })) ?? (await readDriftOfRows(store, { ...options, features: names }));
  // A feature asked for by name that no prediction of either range has is a typo far more often than a finding.
  for (const result of results) {
    if (options.features !== undefined && result.baseline_stats.count === 0 && result.current_stats.count === 0) {
      throw (await unknownSegmentName(store, 'feature', result.feature_name, version)) ?? new PitwallError('input', messages.driftFeatureAbsent(result.feature_name));
    }
  }
  return results;
}

type NamedDriftOptions = DriftReportOptions & { readonly features: readonly string[] };

/** Each feature's drift over the two ranges' predictions, read as columns. */
async function readDriftOfRows(store: StoreReader, options: NamedDriftOptions): Promise<FeatureDrift[]> {
  const version = options.modelVersion === undefined ? {} : { modelVersion: options.modelVersion };
  const baseline = await store.readPredictionColumns({ ...options.baseline, ...version, features: options.features });
  const current = await store.readPredictionColumns({ ...options.current, ...version, features: options.features });
  return options.features.map((name) => featureDrift(name, baseline.features.get(name) ?? [], current.features.get(name) ?? [], options.drift));
}

const NO_VALUES: FeatureCounts = { numbers: countedSample(new Float64Array(0), []), others: new Map(), missing: 0 };

function featureCountsOf(counts: FeatureValueCounts | undefined): FeatureCounts {
  return counts === undefined ? NO_VALUES : { numbers: countedSample(counts.numbers.values, counts.numbers.counts), others: counts.others, missing: counts.missing };
}

/**
 * Each feature's drift from its values counted inside the store (a database server), one row per
 * distinct value: the same results as over the predictions read as columns, without reading them;
 * undefined when the store does not count.
 */
export async function readCountedDrift(store: StoreReader, options: NamedDriftOptions): Promise<FeatureDrift[] | undefined> {
  if (store.countFeatureValues === undefined) return undefined;
  const version = options.modelVersion === undefined ? {} : { modelVersion: options.modelVersion };
  const baseline = await store.countFeatureValues({ ...options.baseline, ...version, features: options.features });
  const current = await store.countFeatureValues({ ...options.current, ...version, features: options.features });
  return options.features.map((name) => featureDriftOfCounts(name, featureCountsOf(baseline.get(name)), featureCountsOf(current.get(name)), options.drift));
}

/** The rows of `columns` in [range.from, range.to), of one model version when given. */
function rowsIn(columns: WindowColumns, range: DriftRange, modelVersion: string | undefined): number[] {
  const rows: number[] = [];
  for (let i = 0; i < columns.length; i++) {
    const t = columns.timestamp[i] as number;
    if (t >= range.from && t < range.to && (modelVersion === undefined || columns.model_version[i] === modelVersion)) rows.push(i);
  }
  return rows;
}

/**
 * The drift of each named feature between two ranges of predictions already held as columns (an
 * analysis session's, loaded with those features): the same statistics readDrift computes from
 * the store for the same rows.
 */
export function driftOfColumns(columns: WindowColumns, options: DriftReportOptions & { readonly features: readonly string[] }): FeatureDrift[] {
  const baseline = rowsIn(columns, options.baseline, options.modelVersion);
  const current = rowsIn(columns, options.current, options.modelVersion);
  return options.features.map((name) => {
    const values = columns.features.get(name) ?? [];
    const pick = (rows: readonly number[]) => rows.map((i) => values[i] ?? null);
    return featureDrift(name, pick(baseline), pick(current), options.drift);
  });
}

/** The score a feature's drift is judged by: PSI for numbers, Jensen–Shannon distance for categories. */
export function driftScore(result: FeatureDrift): { score: number; statistic: 'psi' | 'js_distance' } | null {
  const score = result.kind === 'numeric' ? result.psi : result.js_distance;
  return score === null ? null : { score, statistic: result.kind === 'numeric' ? 'psi' : 'js_distance' };
}

/** The features that drifted most, most first (for degradation_analysis.top_features). */
export function topDriftedFeatures(results: readonly FeatureDrift[], count = 5): { feature: string; score: number; statistic: string }[] {
  return results
    .flatMap((result) => {
      const scored = driftScore(result);
      return scored === null ? [] : [{ feature: result.feature_name, score: scored.score, statistic: scored.statistic }];
    })
    .sort((a, b) => b.score - a.score || (a.feature < b.feature ? -1 : 1))
    .slice(0, count);
}

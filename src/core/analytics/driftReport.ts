/**
 * Drift of a source's features between a baseline and a current time range (drift.ts does the
 * statistics): reads the predictions of both ranges with the features asked for, or every
 * feature the predictions carry, and ranks the features by how far they moved.
 */
import { unknownSegmentName } from './segmentNames';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import type { StoreReader, WindowColumns } from '../store/store';
import { featureDrift, type DriftOptions, type FeatureDrift } from './drift';

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

/** Feature names seen in the first predictions of a range. */
export async function readFeatureNames(store: StoreReader, range: DriftRange, modelVersion: string | undefined): Promise<string[]> {
  const sample = await store.readPredictions({ from: range.from, to: range.to, limit: 1000, ...(modelVersion === undefined ? {} : { modelVersion }) });
  const names = new Set<string>();
  for (const prediction of sample) for (const name of Object.keys(prediction.features)) names.add(name);
  return [...names].sort();
}

export async function readDrift(store: StoreReader, options: DriftReportOptions): Promise<FeatureDrift[]> {
  const version = options.modelVersion === undefined ? {} : { modelVersion: options.modelVersion };
  const names =
    options.features ?? [...new Set([...(await readFeatureNames(store, options.baseline, options.modelVersion)), ...(await readFeatureNames(store, options.current, options.modelVersion))])].sort();
  const baseline = await store.readPredictionColumns({ ...options.baseline, ...version, features: names });
  const current = await store.readPredictionColumns({ ...options.current, ...version, features: names });
  const results = names.map((name) => featureDrift(name, baseline.features.get(name) ?? [], current.features.get(name) ?? [], options.drift));
  // A feature asked for by name that no prediction of either range has is a typo far more often than a finding.
  for (const result of results) {
    if (options.features !== undefined && result.baseline_stats.count === 0 && result.current_stats.count === 0) {
      throw (await unknownSegmentName(store, 'feature', result.feature_name, version)) ?? new PitwallError('input', messages.driftFeatureAbsent(result.feature_name));
    }
  }
  return results;
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

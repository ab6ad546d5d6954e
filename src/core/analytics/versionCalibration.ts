/**
 * Calibration of each model version over a time range of predictions already held as columns
 * (an analysis session's): the rows of each version in [from, to) and their reliability bins,
 * ECE and MCE, exactly as reliabilityOf computes them for those rows.
 */
import type { WindowColumns } from '../store/store';
import type { WindowPlan, WindowStats } from '../store/windowStats';
import { classificationOfRows } from './classification';
import { reliabilityOf, reliabilityOfBins, type Binning, type Reliability } from './metrics';

export interface VersionCalibrationOptions {
  /** Seconds; [from, to). */
  readonly from: number;
  readonly to: number;
  /** The versions asked for, in the order they are answered. */
  readonly versions: readonly string[];
  readonly bins: number;
  readonly binning: Binning;
}

export interface VersionCalibration extends Reliability {
  readonly modelVersion: string;
  /** Predictions of the version in the range, labelled or not. */
  readonly count: number;
}

export function calibrationByVersion(columns: WindowColumns, options: VersionCalibrationOptions): VersionCalibration[] {
  const rows = new Map<string, number[]>(options.versions.map((version) => [version, []]));
  for (let i = 0; i < columns.length; i++) {
    const t = columns.timestamp[i] as number;
    if (t < options.from || t >= options.to) continue;
    rows.get(columns.model_version[i] as string)?.push(i);
  }
  return options.versions.map((modelVersion) => {
    const selected = rows.get(modelVersion) ?? [];
    return { modelVersion, count: selected.length, ...reliabilityOf(classificationOfRows(columns, selected), { binCount: options.bins, binning: options.binning }) };
  });
}

/** A window longer than any range of unix seconds a source holds (to 2106): one window from the epoch holds all of [from, to). */
export const WHOLE_RANGE = 2 ** 32;

/** The pushed-down plan whose sums give calibrationOfStats (equal-width bins, one window, by version). */
export function calibrationPlan(options: VersionCalibrationOptions): WindowPlan {
  return { every: WHOLE_RANGE, slide: WHOLE_RANGE, from: options.from, to: options.to, by: 'model_version', bins: options.bins, scores: false, needs: { square: false, brier: false, range: true } };
}

/**
 * Equal-width calibration of each version from a store's sums of calibrationPlan (a database
 * aggregates; the rows stay there): the same bins, counts, ECE and MCE as calibrationByVersion
 * over the rows, up to the order the sums ran in.
 */
export function calibrationOfStats(stats: readonly WindowStats[], options: VersionCalibrationOptions): VersionCalibration[] {
  if (options.binning !== 'width') throw new RangeError('a database sums equal-width bins only');
  return options.versions.map((modelVersion) => {
    const own = stats.filter((window) => window.group === modelVersion);
    const count = own.reduce((total, window) => total + window.bins.reduce((sum, bin) => sum + bin.count, 0), 0);
    const sums = Array.from({ length: options.bins }, (_, b) => {
      const bins = own.map((window) => window.bins[b + 1]).filter((bin) => bin !== undefined);
      return {
        count: bins.reduce((sum, bin) => sum + bin.count, 0),
        correct: bins.reduce((sum, bin) => sum + bin.truePositives + bin.trueNegatives, 0),
        confidenceSum: bins.reduce((sum, bin) => sum + bin.confidenceSum, 0),
        lowest: Math.min(...bins.map((bin) => bin.confidenceMin)),
        highest: Math.max(...bins.map((bin) => bin.confidenceMax)),
      };
    });
    return { modelVersion, count, ...reliabilityOfBins(sums, 'width') };
  });
}

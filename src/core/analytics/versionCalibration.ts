/**
 * Calibration of each model version over a time range of predictions already held as columns
 * (an analysis session's): the rows of each version in [from, to) and their reliability bins,
 * ECE and MCE, exactly as reliabilityOf computes them for those rows.
 */
import type { WindowColumns } from '../store/store';
import { classificationOfRows } from './classification';
import { reliabilityOf, type Binning, type Reliability } from './metrics';

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

/**
 * What data an analysis could have covered: the model versions a source knows and the span of
 * its predictions (of one version, when asked). An analysis echoes it, so that an empty answer
 * is never mistaken for a finding: an unknown version is named as such, and a range outside the
 * data is told the data's span.
 */
import type { StoreReader, WindowColumns } from '../store/store';

export interface DataScope {
  /** Every model version the source knows (from predictions and, in a store, its other records). */
  readonly versions: readonly string[];
  /** The first and last prediction, of `modelVersion` when given; null when there is none. */
  readonly first: number | null;
  readonly last: number | null;
}

/** The scope of predictions already in memory as columns. */
export function scopeOfColumns(columns: Pick<WindowColumns, 'length' | 'timestamp' | 'model_version' | 'model_version_codes'>, modelVersion?: string): DataScope {
  let versions: readonly string[];
  if (columns.model_version_codes !== undefined) versions = columns.model_version_codes.names;
  else {
    const seen = new Set<string>();
    for (let i = 0; i < columns.length; i++) seen.add(columns.model_version[i] as string);
    versions = [...seen];
  }
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < columns.length; i++) {
    if (modelVersion !== undefined && columns.model_version[i] !== modelVersion) continue;
    const t = columns.timestamp[i] as number;
    if (t < first) first = t;
    if (t > last) last = t;
  }
  return { versions: sortVersions(versions), first: Number.isFinite(first) ? first : null, last: Number.isFinite(last) ? last : null };
}

/** The scope as a store answers it: its versions, and its first and last prediction (two one-row reads). */
export async function readDataScope(store: StoreReader, modelVersion?: string): Promise<DataScope> {
  const filter = modelVersion === undefined ? {} : { modelVersion };
  const [versions, oldest, newest] = await Promise.all([
    store.readModelVersions(),
    store.readPredictions({ ...filter, order: 'asc', limit: 1 }),
    store.readPredictions({ ...filter, order: 'desc', limit: 1 }),
  ]);
  return { versions: sortVersions(versions), first: oldest[0]?.timestamp ?? null, last: newest[0]?.timestamp ?? null };
}

/** Whether [from, to) holds any of the scope's span [first, last]. */
export function rangeMeetsData(scope: DataScope, from: number | undefined, to: number | undefined): boolean {
  if (scope.first === null || scope.last === null) return false;
  return (from === undefined || from <= scope.last) && (to === undefined || to > scope.first);
}

function sortVersions(versions: readonly string[]): string[] {
  return [...versions].sort(new Intl.Collator('en', { numeric: true }).compare);
}

/**
 * The feature names or metadata keys a source's predictions carry, from a sample of them: what a
 * misspelt `--feature` or `--by feature:…` is compared with to say the nearest name.
 */
import type { StoreReader } from '../store/store';
import { unknownNameError } from '../suggest';

/** Predictions read for the names: the service writes the same keys on every row, so a sample sees them. */
const SAMPLE = 1000;

export interface SegmentNameScope {
  readonly from?: number;
  readonly to?: number;
  readonly modelVersion?: string;
}

/** Names in the newest and the oldest predictions of the scope, sorted. */
export async function readSegmentNames(store: StoreReader, kind: 'feature' | 'metadata', scope: SegmentNameScope = {}): Promise<string[]> {
  const names = new Set<string>();
  for (const order of ['asc', 'desc'] as const) {
    if (kind === 'feature' && store.readFeatureNames !== undefined) {
      for (const name of await store.readFeatureNames(scope, SAMPLE, order)) names.add(name);
      continue;
    }
    for (const prediction of await store.readPredictions({ ...scope, order, limit: SAMPLE })) {
      const values = kind === 'feature' ? prediction.features : prediction.metadata;
      if (values !== null && typeof values === 'object') for (const name of Object.keys(values)) names.add(name);
    }
  }
  return [...names].sort();
}

/**
 * The error for a feature or metadata key no prediction has: the nearest name the source does
 * have and the list, or undefined when the sample holds none (the caller's own sentence says why).
 */
export async function unknownSegmentName(store: StoreReader, kind: 'feature' | 'metadata', name: string, scope: SegmentNameScope = {}): Promise<Error | undefined> {
  const known = await readSegmentNames(store, kind, scope);
  if (known.length === 0 || known.includes(name)) return undefined;
  return unknownNameError(kind === 'feature' ? 'feature' : 'metadata key', name, known);
}

/**
 * Windowed metrics for an open source, interactively: the prediction columns are loaded once
 * and kept, so changing the window, the slide, the grouping or the model version re-aggregates
 * the loaded records (with Arquero) instead of reading the source again. `invalidate()` (on the
 * store's change events) drops them; the next question reloads.
 */
import type { StoreReader, WindowColumns } from '../store/store';
import { segmentColumns } from '../store/windowStats';
import { windowedMetrics, type WindowedMetricsOptions, type WindowMetricsRow } from './windows';

export class AnalysisSession {
  private loaded: { features: ReadonlySet<string>; metadata: ReadonlySet<string>; columns: Promise<WindowColumns> } | undefined;

  constructor(private readonly store: StoreReader) {}

  /** The source changed: the next question reads it again. */
  invalidate(): void {
    this.loaded = undefined;
  }

  /** The columns with at least these features and metadata keys, loaded once. */
  columns(features: readonly string[] = [], metadata: readonly string[] = []): Promise<WindowColumns> {
    const held = this.loaded;
    if (held !== undefined && features.every((name) => held.features.has(name)) && metadata.every((name) => held.metadata.has(name))) return held.columns;
    const wanted = new Set([...(held?.features ?? []), ...features]);
    const wantedMetadata = new Set([...(held?.metadata ?? []), ...metadata]);
    const columns = this.store.readPredictionColumns({ features: [...wanted], metadata: [...wantedMetadata] });
    this.loaded = { features: wanted, metadata: wantedMetadata, columns };
    // A failed load is not kept: the next question tries again.
    columns.catch(() => {
      if (this.loaded?.columns === columns) this.loaded = undefined;
    });
    return columns;
  }

  async trend(options: WindowedMetricsOptions): Promise<WindowMetricsRow[]> {
    const segment = segmentColumns(options.by);
    return windowedMetrics(await this.columns(segment.features, segment.metadata), options);
  }
}

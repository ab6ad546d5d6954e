/**
 * Windowed metrics for an open source, interactively: the prediction columns are loaded once
 * and kept, so changing the window, the slide, the grouping or the model version re-aggregates
 * loaded typed arrays instead of reading the source again. `invalidate()` (on the store's
 * change events) drops them; the next question reloads.
 */
import type { StoreReader, WindowColumns } from '../store/store';
import { windowedMetrics, type WindowedMetricsOptions, type WindowMetricsRow } from './windows';

export class AnalysisSession {
  private loaded: { features: ReadonlySet<string>; columns: Promise<WindowColumns> } | undefined;

  constructor(private readonly store: StoreReader) {}

  /** The source changed: the next question reads it again. */
  invalidate(): void {
    this.loaded = undefined;
  }

  /** The columns with at least these features, loaded once. */
  columns(features: readonly string[] = []): Promise<WindowColumns> {
    const held = this.loaded;
    if (held !== undefined && features.every((name) => held.features.has(name))) return held.columns;
    const wanted = new Set([...(held?.features ?? []), ...features]);
    const columns = this.store.readPredictionColumns({ features: [...wanted] });
    this.loaded = { features: wanted, columns };
    // A failed load is not kept: the next question tries again.
    columns.catch(() => {
      if (this.loaded?.columns === columns) this.loaded = undefined;
    });
    return columns;
  }

  async trend(options: WindowedMetricsOptions): Promise<WindowMetricsRow[]> {
    const feature = options.by?.startsWith('feature:') ? [options.by.slice('feature:'.length)] : [];
    return windowedMetrics(await this.columns(feature), options);
  }
}

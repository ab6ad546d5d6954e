/**
 * Windowed metrics for an open source, interactively: the prediction columns are loaded once
 * and kept, so a question re-aggregates the loaded records (with Arquero) instead of reading the
 * source again. The panes of the last few questions are kept too: a window that is a multiple
 * of 5 minutes is a run of 5-minute panes (see paneSeconds), so changing the window length or
 * the slide among those recombines panes already held, as does picking one model version after
 * grouping by version; only a change of grouping, range, bins, a window off the 5-minute grid or
 * metrics needing other sums goes back to the records. `invalidate()` (on the store's change
 * events) drops both; the next question reloads.
 */
import type { StoreReader, WindowColumns } from '../store/store';
import { segmentColumns, type WindowPlan, type WindowStats } from '../store/windowStats';
import { paneStatsOf, readWindowedMetrics, windowedMetrics, type WindowedMetricsOptions, type WindowMetricsRow } from './windows';
import { readDataScope, type DataScope } from './dataScope';
import type { FeatureDrift } from './drift';
import { driftOfColumns, readCountedDrift, type DriftReportOptions } from './driftReport';
import { calibrationByVersion, calibrationOfStats, calibrationPlan, type VersionCalibration, type VersionCalibrationOptions } from './versionCalibration';

/** Pane tables kept, most recently used last. */
const PANE_TABLES_KEPT = 4;
/** Answers of a database kept (a pushed-down session), most recently used last. */
const ANSWERS_KEPT = 16;

export interface AnalysisSessionOptions {
  /**
   * Ask the store to aggregate (a database server: the predictions never come into this process)
   * instead of loading the columns and aggregating here. Answers are kept until `invalidate()`.
   */
  readonly pushDown?: boolean;
}

/** What identifies a pane plan's table: everything but the window, which is the pane itself. */
function paneKey(plan: WindowPlan): string {
  const needs = plan.needs;
  return [plan.every, plan.from, plan.to, plan.modelVersion ?? '', plan.by ?? '', plan.bins, plan.scores, needs?.square ?? true, needs?.brier ?? true, needs?.range ?? true].join('\u0000');
}

export class AnalysisSession {
  private loaded: { features: ReadonlySet<string>; metadata: ReadonlySet<string>; columns: Promise<WindowColumns> } | undefined;

  private panes = new Map<string, { columns: WindowColumns; stats: WindowStats[] }>();

  private heldScope: Promise<DataScope> | undefined;

  private answers = new Map<string, Promise<WindowMetricsRow[]>>();

  constructor(
    private readonly store: StoreReader,
    private readonly options: AnalysisSessionOptions = {},
  ) {}

  /** Whether questions are aggregated by the store rather than over loaded columns. */
  get pushesDown(): boolean {
    return this.options.pushDown === true && this.store.aggregateWindows !== undefined;
  }

  /** The source changed: the next question reads it again. */
  invalidate(): void {
    this.loaded = undefined;
    this.heldScope = undefined;
    this.answers.clear();
    this.forgetPanes();
  }

  /** The versions and the time span of the source's predictions, read once until the source changes. */
  scope(): Promise<DataScope> {
    const held = this.heldScope ?? readDataScope(this.store);
    if (this.heldScope === undefined) {
      this.heldScope = held;
      // A failed read is not kept: the next question tries again.
      held.catch(() => {
        if (this.heldScope === held) this.heldScope = undefined;
      });
    }
    return held;
  }

  /** Drops the panes held from earlier questions (their memory), keeping the loaded columns. */
  forgetPanes(): void {
    this.panes.clear();
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
    if (this.pushesDown) return this.pushedDown(options);
    const segment = segmentColumns(options.by);
    const columns = await this.columns(segment.features, segment.metadata);
    return windowedMetrics(columns, options, (panePlan) => this.paneStats(columns, panePlan));
  }

  /**
   * The columns a question over [from, to) reads: the held columns, or when the session pushes
   * down, that range's rows read for it alone (a database's other rows stay there).
   */
  async columnsIn(range: { readonly from: number; readonly to: number; readonly modelVersion?: string }, features: readonly string[] = []): Promise<WindowColumns> {
    if (!this.pushesDown) return this.columns(features);
    return this.store.readPredictionColumns({ from: range.from, to: range.to, features: [...features], ...(range.modelVersion === undefined ? {} : { modelVersion: range.modelVersion }) });
  }

  /**
   * The drift of each named feature between two ranges: counted by the store when the session
   * pushes down (one row per distinct value travels, never the predictions), else over the held
   * columns; the same results either way.
   */
  async drift(options: DriftReportOptions & { readonly features: readonly string[] }): Promise<FeatureDrift[]> {
    const counted = this.pushesDown ? await readCountedDrift(this.store, options) : undefined;
    if (counted !== undefined) return counted;
    const { baseline, current, modelVersion } = options;
    const columns = await this.columnsIn({ from: Math.min(baseline.from, current.from), to: Math.max(baseline.to, current.to), ...(modelVersion === undefined ? {} : { modelVersion }) }, options.features);
    return driftOfColumns(columns, options);
  }

  /**
   * Each version's calibration over a range: summed by the store when the session pushes down
   * (equal-width bins; equal-mass bins need the range's rows, read for that range only), else
   * over the held columns.
   */
  async calibration(options: VersionCalibrationOptions): Promise<VersionCalibration[]> {
    if (!this.pushesDown) return calibrationByVersion(await this.columns(), options);
    if (options.binning === 'width') {
      const stats = await this.store.aggregateWindows?.(calibrationPlan(options));
      if (stats !== undefined) return calibrationOfStats(stats, options);
    }
    return calibrationByVersion(await this.columnsIn(options), options);
  }

  /** The store's answer to a windowed question, kept (a failed one is not). */
  private pushedDown(options: WindowedMetricsOptions): Promise<WindowMetricsRow[]> {
    const key = JSON.stringify(options);
    let answer = this.answers.get(key);
    this.answers.delete(key);
    if (answer === undefined) {
      const asked = readWindowedMetrics(this.store, options).then((read) => read.rows);
      asked.catch(() => {
        if (this.answers.get(key) === asked) this.answers.delete(key);
      });
      answer = asked;
    }
    this.answers.set(key, answer);
    while (this.answers.size > ANSWERS_KEPT) this.answers.delete(this.answers.keys().next().value as string);
    return answer;
  }

  /**
   * One model version's panes, ungrouped, from held panes grouped by model version: the same
   * rows in the same order make each cell, so the numbers are the very same.
   */
  private oneVersionOf(columns: WindowColumns, panePlan: WindowPlan): WindowStats[] | undefined {
    const version = panePlan.modelVersion;
    if (version === undefined || panePlan.by !== undefined) return undefined;
    const { modelVersion: _, ...unfiltered } = panePlan;
    const byVersion = this.panes.get(paneKey({ ...unfiltered, by: 'model_version' }));
    if (byVersion === undefined || byVersion.columns !== columns) return undefined;
    return byVersion.stats.filter((stats) => stats.group === version).map((stats) => ({ ...stats, group: null }));
  }

  /** A pane plan's statistics over these columns: held from an earlier question, or computed and kept. */
  private paneStats(columns: WindowColumns, panePlan: WindowPlan): WindowStats[] {
    const key = paneKey(panePlan);
    const held = this.panes.get(key);
    this.panes.delete(key);
    const stats = held !== undefined && held.columns === columns ? held.stats : (this.oneVersionOf(columns, panePlan) ?? paneStatsOf(columns, panePlan));
    this.panes.set(key, { columns, stats });
    while (this.panes.size > PANE_TABLES_KEPT) this.panes.delete(this.panes.keys().next().value as string);
    return stats;
  }
}

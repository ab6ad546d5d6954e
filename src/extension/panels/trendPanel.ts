import * as vscode from 'vscode';
import { z } from 'zod';
import { boundedWindow, formatWindow, MAX_TREND_MARKS } from '../../core/charts/boundedWindow';
import { trendChart, trendInputFromWindows } from '../../core/charts/trendChart';
import { metricLabel } from '../../core/charts/theme';
import { readDataScope } from '../../core/analytics/dataScope';
import { AnalysisSession } from '../../core/analytics/session';
import { DEFAULT_MIN_LABELS, parseDuration, WINDOW_METRICS, type WindowMetric } from '../../core/analytics/windows';
import { describeError } from '../../core/errors';
import type { Store } from '../../core/store/store';
import { TREND_RANGES, TREND_WINDOWS, type TrendHostMessage, type TrendOptions, type TrendRange, type TrendViewMessage } from '../../shared/trendMessages';
import type { OpenSource, SourceManager } from '../sourceManager';
import { ChartPanel } from './chartPanel';

const RANGE_SECONDS: Readonly<Record<Exclude<TrendRange, 'all'>, number>> = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 };
/** Metrics offered by the panel, in this order. */
export const PANEL_METRICS: readonly WindowMetric[] = ['accuracy', 'f1', 'precision', 'recall', 'ece', 'brier', 'log_loss', 'roc_auc', 'avg_confidence'];
const LABEL_FREE: ReadonlySet<string> = new Set(['avg_confidence', 'min_confidence', 'max_confidence', 'confidence_std']);

const TrendOptionsSchema = z.object({
  window: z.enum(TREND_WINDOWS),
  range: z.enum(TREND_RANGES),
  versions: z.array(z.string().max(500)).max(200),
  metric: z.enum(WINDOW_METRICS),
});

const TrendViewMessageSchema: z.ZodType<TrendViewMessage> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('options'), options: TrendOptionsSchema }),
  z.object({ type: z.literal('openSource') }),
  z.object({ type: z.literal('rendered'), points: z.number().int().nonnegative() }),
  z.object({ type: z.literal('failed'), message: z.string().max(2000) }),
]);

/** The analysis session of the open source's store: its columns are read once and re-windowed on each question. */
export class Sessions implements vscode.Disposable {
  private held: { store: Store; session: AnalysisSession } | undefined;
  private readonly subscription: vscode.Disposable;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly sources: SourceManager) {
    this.subscription = sources.onDidChange((source) => {
      // The same store changed on disk (or was described again): the next question reads it again.
      if (source !== null && this.held?.store === source.store) this.held.session.invalidate();
      else this.held = undefined;
      this.changed.fire();
    });
  }

  of(source: OpenSource): AnalysisSession {
    if (this.held?.store !== source.store) this.held = { store: source.store, session: new AnalysisSession(source.store) };
    return this.held.session;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** The Performance Trend panel: a metric per window and model version over a time range of the open source. */
export class TrendPanel extends ChartPanel<TrendHostMessage, TrendViewMessage> {
  static readonly viewType = 'pitwall.trend';
  private options: TrendOptions | null;
  /** The source the options were chosen on. */
  private optionsSource: string | null = null;
  /** Answers arrive in order of asking: an older answer that lands late is dropped. */
  private asked = 0;
  private readonly subscription: vscode.Disposable;
  /** Points the webview last drew (integration tests read it). */
  renderedPoints: number | null = null;

  static show(extensionUri: vscode.Uri, sources: SourceManager, sessions: Sessions, log: vscode.LogOutputChannel, modelVersion?: string, metric?: WindowMetric): TrendPanel {
    const key = `trend:${modelVersion ?? '*'}${metric === undefined ? '' : `:${metric}`}`;
    if (ChartPanel.reveal(key)) return ChartPanel.find(key) as unknown as TrendPanel;
    return new TrendPanel(key, extensionUri, sources, sessions, log, modelVersion, metric);
  }

  private constructor(
    key: string,
    extensionUri: vscode.Uri,
    private readonly sources: SourceManager,
    private readonly sessions: Sessions,
    log: vscode.LogOutputChannel,
    private readonly modelVersion: string | undefined,
    /** The metric the panel opens on (a rule's, from its backtest); accuracy otherwise. */
    private readonly initialMetric: WindowMetric = 'accuracy',
  ) {
    super(key, TrendPanel.viewType, modelVersion === undefined ? 'Performance Trend' : `Performance Trend: ${modelVersion}`, extensionUri, 'trendView.js', TrendViewMessageSchema, log);
    this.options = null;
    this.subscription = sessions.onDidChange(() => void this.update());
  }

  protected onReady(): Promise<void> {
    return this.update();
  }

  protected async onMessage(message: TrendViewMessage): Promise<void> {
    switch (message.type) {
      case 'options':
        this.options = message.options;
        await this.update();
        return;
      case 'openSource':
        await vscode.commands.executeCommand('pitwall.openSource');
        return;
      case 'rendered':
        this.renderedPoints = message.points;
        return;
      case 'failed':
        this.log.error(`${this.key}: the chart could not be drawn: ${message.message}`);
        return;
      case 'ready':
        return;
    }
  }

  /** Recomputes the chart on the open source and posts it. */
  async update(): Promise<void> {
    const asked = ++this.asked;
    const source = this.sources.source;
    if (source === null) {
      this.post({ type: 'empty', reason: 'no-source', message: 'No monitoring source is open. Open a JSONL folder or a SQLite database to see its performance trend.', source: null, options: null, choices: null });
      return;
    }
    this.post({ type: 'busy' });
    try {
      const message = await this.compute(source);
      if (asked === this.asked) this.post(message);
    } catch (error) {
      this.log.error(`${this.key}: ${describeError(error)}`);
      if (asked === this.asked) this.post({ type: 'error', message: describeError(error) });
    }
  }

  private async compute(source: OpenSource): Promise<TrendHostMessage> {
    const scope = await readDataScope(source.store);
    const choices = { versions: scope.versions, metrics: PANEL_METRICS.map((id) => ({ id, label: metricLabel(id) })) };
    const defaultVersions = this.modelVersion !== undefined && scope.versions.includes(this.modelVersion) ? [this.modelVersion] : [...scope.versions];
    // Another source has other versions: its panel starts with the versions it has, keeping the other choices.
    const kept = this.options !== null && this.optionsSource === source.path ? this.options : null;
    const options: TrendOptions = kept ?? { window: '6h', range: '7d', metric: this.initialMetric, ...this.options, versions: defaultVersions };
    this.options = options;
    this.optionsSource = source.path;
    const empty = (reason: 'no-labels' | 'few-labels' | 'no-versions' | 'no-data', message: string): TrendHostMessage => ({ type: 'empty', reason, message, source: source.name, options, choices });
    const versions = options.versions.filter((version) => scope.versions.includes(version));
    if (versions.length === 0) return empty('no-versions', 'No model version is selected: tick at least one.');
    if (scope.first === null || scope.last === null) return empty('no-data', 'This source has no predictions yet.');

    // "Last 24 hours" ends at the newest prediction, not now: monitoring data is often older than today.
    const to = scope.last + 1;
    const from = options.range === 'all' ? scope.first : Math.max(scope.first, to - RANGE_SECONDS[options.range]);
    const asked = parseDuration(options.window);
    const every = boundedWindow(asked, to - from, versions.length);
    const metric = options.metric as WindowMetric;
    const rows = (
      await this.sessions.of(source).trend({ every, from, to, by: 'model_version', metrics: [metric] })
    ).filter((row) => row.group !== null && versions.includes(row.group));
    if (!LABEL_FREE.has(metric) && rows.length > 0 && rows.every((row) => row.labelled === 0)) {
      return empty('no-labels', `No prediction in this range has ground truth yet, so ${metricLabel(metric)} cannot be computed. Mean confidence needs no labels: pick it, or a longer range.`);
    }
    const points = rows.filter((row) => row[metric] !== null && row[metric] !== undefined).length;
    if (!LABEL_FREE.has(metric) && rows.length > 0 && points === 0) {
      return empty('few-labels', `Every ${formatWindow(every)} window in this range has fewer than ${DEFAULT_MIN_LABELS} labelled predictions, too few for a confident ${metricLabel(metric)}. Pick a longer window or range.`);
    }
    const note = every === asked ? null : `${options.window} windows over this range would draw more than ${MAX_TREND_MARKS.toLocaleString('en-US')} marks: the chart uses ${formatWindow(every)} windows.`;
    const spec = trendChart(trendInputFromWindows(rows, [metric]), { title: `${metricLabel(metric)} per ${formatWindow(every)} window` }) as unknown as Record<string, unknown>;
    return { type: 'trend', source: source.name, options, choices, every, points, note, spec };
  }

  protected override onDispose(): void {
    this.subscription.dispose();
  }

  /** Registers the command and keeps one analysis session for every trend panel. */
  static register(context: vscode.ExtensionContext, sources: SourceManager, log: vscode.LogOutputChannel): vscode.Disposable[] {
    const sessions = new Sessions(sources);
    return [
      sessions,
      vscode.commands.registerCommand('pitwall.showTrend', (node?: unknown) => {
        const given = typeof node === 'object' && node !== null ? (node as { modelVersion?: unknown; metric?: unknown }) : {};
        const version = typeof given.modelVersion === 'string' ? given.modelVersion : undefined;
        const metric = typeof given.metric === 'string' && (PANEL_METRICS as readonly string[]).includes(given.metric) ? (given.metric as WindowMetric) : undefined;
        return TrendPanel.show(context.extensionUri, sources, sessions, log, version, metric);
      }),
    ];
  }
}

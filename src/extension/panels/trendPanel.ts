import * as vscode from 'vscode';
import { boundedWindow, formatWindow, MAX_TREND_MARKS } from '../../core/charts/boundedWindow';
import { trendChart, trendInputFromWindows } from '../../core/charts/trendChart';
import { ESTIMATED_METRICS, firingSpans, metricAlerts, missingLabelEstimates, ruleThresholds } from '../../core/charts/trendOverlays';
import { estimateWindows, fitEstimators } from '../../core/analytics/estimateWindows';
import { namesOfMetric } from '../../core/analytics/metricNames';
import { metricLabel } from '../../core/charts/theme';
import { AnalysisSession } from '../../core/analytics/session';
import { DEFAULT_MIN_LABELS, type WindowMetric, type WindowMetricsRow } from '../../core/analytics/windows';
import { parseDuration } from '../../core/analytics/duration';
import { toWindowsCsv } from '../../core/charts/chartData';
import type { Store } from '../../core/store/store';
import type { TrendHostMessage, TrendKeys, TrendOptions, TrendRange, TrendSlide, TrendViewMessage } from '../../shared/trendMessages';
import type { OpenSource, SourceManager } from '../sourceManager';
import { ChartPanel } from './chartPanel';
import { TrendKeysSchema, TrendViewMessageSchema } from './trendSchema';
import { trendNotebook, type TrendDrill } from '../../core/query/trendNotebook';
import { NOTEBOOK_TYPE, notebookDataOf } from '../notebook/serializer';

const RANGE_SECONDS: Readonly<Record<Exclude<TrendRange, 'all' | 'custom'>, number>> = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 };
const SLIDE_DIVISORS: Readonly<Record<TrendSlide, number>> = { window: 1, half: 2, quarter: 4 };
const DAY = 86_400;
const SPAN_NOTE = "Shaded: windows where a rule's condition held; dashed lines: the rules' thresholds.";

/** The UTC day of a unix time, as a date input shows it. */
function utcDay(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/**
 * The charted span [from, to) in unix seconds. A preset ends at the source's newest prediction
 * (monitoring data is often older than today); a custom range covers its days whole, UTC. Null
 * when a custom range ends before it starts.
 */
function timeRange(options: TrendOptions, first: number, last: number): { from: number; to: number } | null {
  if (options.range === 'custom') {
    const from = options.from === null ? first : Date.parse(`${options.from}T00:00:00Z`) / 1000;
    const to = options.to === null ? last + 1 : Date.parse(`${options.to}T00:00:00Z`) / 1000 + DAY;
    return to > from ? { from, to } : null;
  }
  const to = last + 1;
  return { from: options.range === 'all' ? first : Math.max(first, to - RANGE_SECONDS[options.range]), to };
}
/** Metrics offered by the panel, in this order. */
export const PANEL_METRICS: readonly WindowMetric[] = ['accuracy', 'f1', 'precision', 'recall', 'ece', 'brier', 'log_loss', 'roc_auc', 'avg_confidence'];
const LABEL_FREE: ReadonlySet<string> = new Set(['avg_confidence', 'min_confidence', 'max_confidence', 'confidence_std']);
/** The pause between two steps of warming up (see TrendPanel.warmUp), so that a message waiting in between is handled first. */
const WARM_STEP_DELAY_MS = 20;

/** The windows a chart of these options draws over [from, to): the length asked, lengthened to stay within the marks' bound. */
function chartWindows(options: TrendOptions, metric: WindowMetric, versions: number, span: number): { asked: number; every: number; slide: number } {
  const asked = parseDuration(options.window);
  const overlap = SLIDE_DIVISORS[options.slide];
  // The bound counts every mark a window may draw per version: its value or estimate, the
  // estimate's band, a gap, its coverage and its volume (boundedWindow counts two); and
  // overlapping windows draw more of them over the same range.
  const marksPerWindow = LABEL_FREE.has(metric) ? 3 : 5;
  const every = boundedWindow(asked, span * overlap, (versions * marksPerWindow) / 2);
  return { asked, every, slide: every / overlap };
}

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
    // A database server aggregates: its predictions never come into the extension host.
    if (this.held?.store !== source.store) this.held = { store: source.store, session: new AnalysisSession(source.store, { pushDown: source.description.kind === 'postgres' }) };
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
  private readonly subscription: vscode.Disposable;
  /** Points the webview last drew (integration tests read it). */
  renderedPoints: number | null = null;
  /** What the chart shows now, for the CSV and JSON exports. */
  private shown: { rows: readonly WindowMetricsRow[]; metric: WindowMetric; spec: Record<string, unknown>; drill: TrendDrill } | null = null;
  /** Counts the charts asked for: a warm-up begun for an earlier one stops (see warmUp). */
  private warming = 0;

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
    restored?: { panel: vscode.WebviewPanel; keys: TrendKeys | null },
  ) {
    super(key, TrendPanel.viewType, modelVersion === undefined ? 'Performance Trend' : `Performance Trend: ${modelVersion}`, extensionUri, 'trendView.js', TrendViewMessageSchema, log, restored?.panel);
    // Restored after a reload: the options saved, kept while the same source is open.
    this.options = restored?.keys?.options ?? null;
    this.optionsSource = restored?.keys?.source ?? null;
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
      case 'openNotebook':
        await this.openNotebook();
        return;
      case 'rendered':
        this.renderedPoints = message.points;
        return;
      case 'ready':
        return;
    }
  }

  /** Recomputes the chart on the open source and posts it. */
  async update(): Promise<void> {
    this.shown = null;
    const warming = ++this.warming;
    await this.recompute(this.sources.source, {
      noSource: () => ({ type: 'empty', reason: 'no-source', message: 'No monitoring source is open. Open a JSONL folder or a SQLite database to see its performance trend.', source: null, options: null, choices: null, keys: this.keys() }),
      busy: { type: 'busy' },
      compute: (source) => this.compute(source),
      failed: (message) => ({ type: 'error', message }),
    });
    if (this.shown !== null && warming === this.warming) this.warmUp(warming);
  }

  /**
   * While the chart is looked at, works out ahead what the panel's next questions most likely
   * need, which the session then holds: the label-free estimators (fitted once per source, the
   * costliest part of a first estimate, which shorter windows soon ask for) and the windows of
   * the other preset ranges. One step at a time, each after a pause so that a message waiting
   * is handled first; none once the panel is asked anything else, is closed, or the source changes.
   */
  private warmUp(generation: number): void {
    const shown = this.shown;
    const options = this.options;
    const source = this.sources.source;
    if (shown === null || options === null || source === null) return;
    const { metric, drill } = shown;
    const session = this.sessions.of(source);
    // A database server aggregates each question itself: nothing is held here to warm.
    if (session.pushesDown) return;
    const steps: (() => Promise<unknown>)[] = [];
    if (ESTIMATED_METRICS.has(metric) && options.slide === 'window') steps.push(async () => fitEstimators(await session.columns()));
    for (const range of ['30d', 'all', '7d', '24h'] as const) {
      if (range === options.range) continue;
      steps.push(async () => {
        const scope = await session.scope();
        const span = scope.first === null || scope.last === null ? null : timeRange({ ...options, range }, scope.first, scope.last);
        if (span === null) return;
        const { every, slide } = chartWindows(options, metric, drill.versions.length, span.to - span.from);
        await session.warmTrend({ every, slide, from: span.from, to: span.to, by: 'model_version', metrics: [metric], minLabels: DEFAULT_MIN_LABELS });
      });
    }
    const run = async (): Promise<void> => {
      const step = steps.shift();
      if (step === undefined || generation !== this.warming || this.sources.source !== source) return;
      try {
        await step();
      } catch (error) {
        // Nothing is lost: the question, when asked, is worked out (and reports its error) then.
        this.log.debug(`${this.key}: warming up: ${String(error)}`);
      }
      setTimeout(() => void run(), WARM_STEP_DELAY_MS);
    };
    setTimeout(() => void run(), WARM_STEP_DELAY_MS);
  }

  private async compute(source: OpenSource): Promise<TrendHostMessage> {
    const scope = await this.sessions.of(source).scope();
    const choices = { versions: scope.versions, metrics: PANEL_METRICS.map((id) => ({ id, label: metricLabel(id) })) };
    const defaultVersions = this.modelVersion !== undefined && scope.versions.includes(this.modelVersion) ? [this.modelVersion] : [...scope.versions];
    // Another source has other versions: its panel starts with the versions it has, keeping the other choices.
    const kept = this.options !== null && this.optionsSource === source.path ? this.options : null;
    let options: TrendOptions = kept ?? { window: '6h', slide: 'window', range: '7d', from: null, to: null, metric: this.initialMetric, ...this.options, versions: defaultVersions };
    // A custom range starts as the days the source holds; the inputs then show them.
    if (options.range === 'custom' && scope.first !== null && scope.last !== null) {
      options = { ...options, from: options.from ?? utcDay(scope.first), to: options.to ?? utcDay(scope.last) };
    }
    this.options = options;
    this.optionsSource = source.path;
    const keys = this.keys();
    const empty = (reason: Extract<TrendHostMessage, { type: 'empty' }>['reason'], message: string): TrendHostMessage => ({ type: 'empty', reason, message, source: source.name, options, choices, keys });
    const versions = options.versions.filter((version) => scope.versions.includes(version));
    if (versions.length === 0) return empty('no-versions', 'No model version is selected: tick at least one.');
    if (scope.first === null || scope.last === null) return empty('no-data', 'This source has no predictions yet.');

    const range = timeRange(options, scope.first, scope.last);
    if (range === null) return empty('bad-range', `The custom range ends (${options.to ?? ''}) before it starts (${options.from ?? ''}): pick a "to" day on or after the "from" day.`);
    const { from, to } = range;
    const metric = options.metric as WindowMetric;
    const { asked, every, slide } = chartWindows(options, metric, versions.length, to - from);
    const session = this.sessions.of(source);
    const rows = (await session.trend({ every, slide, from, to, by: 'model_version', metrics: [metric], minLabels: DEFAULT_MIN_LABELS })).filter(
      (row) => row.group !== null && versions.includes(row.group),
    );
    // Without labels, the label-free estimate stands in (tumbling windows only, as the estimator computes them).
    // Only the windows without the metric are estimated: the others draw their realized value.
    const lacking = new Set(rows.filter((row) => row[metric] === null || row[metric] === undefined).map((row) => `${row.group ?? ''}\u0000${row.window_start}`));
    // Estimates read each prediction's confidence: a database server's predictions stay on the server.
    const estimable = slide === every && ESTIMATED_METRICS.has(metric) && lacking.size > 0;
    const estimates =
      estimable && !session.pushesDown
        ? missingLabelEstimates(estimateWindows(await session.columns(), { every, from, to, windows: (version, start) => lacking.has(`${version}\u0000${start}`) }).windows, rows, metric)
        : [];
    if (!LABEL_FREE.has(metric) && rows.length > 0 && rows.every((row) => row.labelled === 0) && estimates.length === 0) {
      return empty('no-labels', `No prediction in this range has ground truth yet, so ${metricLabel(metric)} cannot be computed. Mean confidence needs no labels: pick it, or a longer range.`);
    }
    const points = rows.filter((row) => row[metric] !== null && row[metric] !== undefined).length;
    if (!LABEL_FREE.has(metric) && rows.length > 0 && points === 0 && estimates.length === 0) {
      return empty('few-labels', `Every ${formatWindow(every)} window in this range has fewer than ${DEFAULT_MIN_LABELS} labelled predictions, too few for a confident ${metricLabel(metric)}. Pick a longer window or range.`);
    }
    const notes: string[] = [];
    if (every !== asked) notes.push(`${options.window} windows over this range would draw more than ${MAX_TREND_MARKS.toLocaleString('en-US')} marks: the chart uses ${formatWindow(every)} windows.`);
    if (estimates.length > 0 && points === 0) {
      notes.push(`Every ${formatWindow(every)} window in this range has fewer than ${DEFAULT_MIN_LABELS} labelled predictions, too few for a confident ${metricLabel(metric)}: the dashed line is its label-free estimate (CBPE), the band its interval.`);
    } else if (estimates.length > 0) {
      notes.push(`Dashed: label-free estimates (CBPE), the band their interval, where a window has fewer than ${DEFAULT_MIN_LABELS} labelled predictions.`);
    }
    if (estimable && session.pushesDown) notes.push(`Windows with fewer than ${DEFAULT_MIN_LABELS} labelled predictions are gaps: label-free estimates (CBPE) need every prediction's confidence, which stays on the database server.`);
    const note = notes.length === 0 ? null : notes.join(' ');
    const thresholds = ruleThresholds(await source.store.readRules(), metric, versions);
    // Only the alerts of this metric and these versions travel from the store (a source may hold a hundred thousand).
    const scopes = namesOfMetric(metric).flatMap((name) => [...versions, null].map((version) => ({ metric_name: name, model_version: version })));
    const alerts = metricAlerts(await source.store.readAlerts({ from, to, scopes: [{ match: 'any', scopes }] }), metric, versions);
    const input = trendInputFromWindows(rows, [metric], DEFAULT_MIN_LABELS);
    const title = `${metricLabel(metric)} per ${formatWindow(every)} window${slide === every ? '' : `, every ${formatWindow(slide)}`}`;
    const spec = trendChart(
      { ...input, points: [...input.points, ...estimates], thresholds, alerts, degradations: firingSpans(rows, metric, thresholds), bandNote: SPAN_NOTE, volume: true },
      { title },
    ) as unknown as Record<string, unknown>;
    this.shown = { rows, metric, spec, drill: { source: source.path, metric, versions, allVersions: scope.versions, every, slide, from, to, minLabels: DEFAULT_MIN_LABELS } };
    return { type: 'trend', source: source.name, options, choices, every, slide, points, estimates: estimates.length, thresholds: thresholds.length, alerts: alerts.length, note, spec, keys };
  }

  /** The chart on screen as a notebook: its query, calibration and alerts, on the same source. */
  private async openNotebook(): Promise<void> {
    if (this.shown === null) {
      void vscode.window.showInformationMessage('There is no chart to open in a notebook yet.');
      return;
    }
    const document = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, notebookDataOf(trendNotebook(this.shown.drill)));
    await vscode.window.showNotebookDocument(document);
  }

  private keys(): TrendKeys {
    return { source: this.optionsSource, model: this.modelVersion ?? null, options: this.options };
  }

  protected override exportText(format: 'csv' | 'json'): string | null {
    if (this.shown === null) return null;
    return format === 'csv' ? toWindowsCsv(this.shown.rows, [this.shown.metric]) : `${JSON.stringify(this.shown.spec, null, 2)}\n`;
  }

  protected override onDispose(): void {
    this.warming++;
    this.subscription.dispose();
  }

  /** Registers the command and the serializer; every panel shares the one analysis session of `sessions`. */
  static register(context: vscode.ExtensionContext, sources: SourceManager, sessions: Sessions, log: vscode.LogOutputChannel): vscode.Disposable[] {
    return [
      ChartPanel.registerSerializer(TrendPanel.viewType, TrendKeysSchema, (panel, keys) => {
        const model = keys?.model ?? undefined;
        new TrendPanel(`trend:${model ?? '*'}`, context.extensionUri, sources, sessions, log, model, 'accuracy', { panel, keys });
      }),
      vscode.commands.registerCommand('pitwall.showTrend', (node?: unknown) => {
        const given = typeof node === 'object' && node !== null ? (node as { modelVersion?: unknown; metric?: unknown }) : {};
        const version = typeof given.modelVersion === 'string' ? given.modelVersion : undefined;
        const metric = typeof given.metric === 'string' && (PANEL_METRICS as readonly string[]).includes(given.metric) ? (given.metric as WindowMetric) : undefined;
        return TrendPanel.show(context.extensionUri, sources, sessions, log, version, metric);
      }),
    ];
  }
}

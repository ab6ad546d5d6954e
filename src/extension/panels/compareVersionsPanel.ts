import * as vscode from 'vscode';
import { compareVersions, type VersionComparison } from '../../core/analytics/versionComparison';
import { DEFAULT_MIN_LABELS, type WindowMetric } from '../../core/analytics/windows';
import { parseDuration } from '../../core/analytics/duration';
import { boundedWindow, formatWindow, MAX_TREND_MARKS } from '../../core/charts/boundedWindow';
import { formatCsv } from '../../core/charts/chartData';
import { metricLabel } from '../../core/charts/theme';
import { trendChart, trendInputFromWindows } from '../../core/charts/trendChart';
import type { CompareHostMessage, CompareKeys, CompareOptions, CompareRange, CompareViewMessage } from '../../shared/compareMessages';
import type { OpenSource, SourceManager } from '../sourceManager';
import { ChartPanel } from './chartPanel';
import { CompareKeysSchema, CompareViewMessageSchema } from './compareSchema';
import type { Sessions } from './trendPanel';

const RANGE_SECONDS: Readonly<Record<Exclude<CompareRange, 'all'>, number>> = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 };
/** The metrics side by side, in this order. */
const TABLE_METRICS: readonly WindowMetric[] = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'ece', 'brier', 'log_loss', 'avg_confidence'];
const TREND_METRICS: readonly WindowMetric[] = ['accuracy', 'f1', 'precision', 'recall', 'ece', 'brier', 'roc_auc', 'avg_confidence'];
const LABEL_FREE: ReadonlySet<string> = new Set(['avg_confidence']);

/** Compare Model Versions: metrics of two or more versions over one range, their differences, a z-test of accuracy, and their trends on one chart. */
export class CompareVersionsPanel extends ChartPanel<CompareHostMessage, CompareViewMessage> {
  static readonly viewType = 'pitwall.compare';
  private static readonly key = 'compare';
  private options: CompareOptions | null;
  private optionsSource: string | null;
  private readonly subscription: vscode.Disposable;
  /** The comparison shown, for the CSV export. */
  private shown: { comparison: VersionComparison; spec: Record<string, unknown> } | null = null;

  static show(extensionUri: vscode.Uri, sources: SourceManager, sessions: Sessions, log: vscode.LogOutputChannel, first?: string): CompareVersionsPanel {
    const existing = ChartPanel.find(CompareVersionsPanel.key) as unknown as CompareVersionsPanel | undefined;
    if (existing !== undefined) {
      // Asked again for a version: it becomes the baseline, the other choices stay.
      if (first !== undefined) void existing.putFirst(first);
      ChartPanel.reveal(CompareVersionsPanel.key);
      return existing;
    }
    return new CompareVersionsPanel(extensionUri, sources, sessions, log, first);
  }

  private constructor(
    extensionUri: vscode.Uri,
    private readonly sources: SourceManager,
    private readonly sessions: Sessions,
    log: vscode.LogOutputChannel,
    private first: string | undefined,
    restored?: { panel: vscode.WebviewPanel; keys: CompareKeys | null },
  ) {
    super(CompareVersionsPanel.key, CompareVersionsPanel.viewType, 'Compare Model Versions', extensionUri, 'compareView.js', CompareViewMessageSchema, log, restored?.panel);
    this.options = restored?.keys?.options ?? null;
    this.optionsSource = restored?.keys?.source ?? null;
    this.subscription = sessions.onDidChange(() => void this.update());
  }

  private putFirst(version: string): Promise<void> {
    if (this.options !== null) this.options = { ...this.options, versions: [version, ...this.options.versions.filter((v) => v !== version)] };
    else this.first = version;
    return this.update();
  }

  protected onReady(): Promise<void> {
    return this.update();
  }

  protected async onMessage(message: CompareViewMessage): Promise<void> {
    switch (message.type) {
      case 'options':
        this.options = message.options;
        await this.update();
        return;
      case 'rendered':
      case 'ready':
        return;
    }
  }

  async update(): Promise<void> {
    this.shown = null;
    await this.recompute(this.sources.source, {
      noSource: () => ({ type: 'empty', reason: 'no-source', message: 'No monitoring source is open. Open a JSONL folder or a SQLite database to compare its model versions.', source: null, options: null, choices: null, keys: this.keys() }),
      busy: { type: 'busy' },
      compute: (source) => this.compute(source),
      failed: (message) => ({ type: 'error', message }),
    });
  }

  private keys(): CompareKeys {
    return { source: this.optionsSource, options: this.options };
  }

  private async compute(source: OpenSource): Promise<CompareHostMessage> {
    const scope = await this.sessions.of(source).scope();
    const choices = { versions: scope.versions, metrics: TREND_METRICS.map((id) => ({ id, label: metricLabel(id) })) };
    const ordered = this.first !== undefined && scope.versions.includes(this.first) ? [this.first, ...scope.versions.filter((v) => v !== this.first)] : [...scope.versions];
    const kept = this.options !== null && this.optionsSource === source.path ? this.options : null;
    const options: CompareOptions = kept ?? { range: '7d', window: '6h', metric: 'accuracy', ...this.options, versions: ordered };
    this.options = options;
    this.optionsSource = source.path;
    const keys = this.keys();
    const empty = (reason: 'few-versions' | 'no-data', message: string): CompareHostMessage => ({ type: 'empty', reason, message, source: source.name, options, choices, keys });
    const versions = options.versions.filter((version) => scope.versions.includes(version));
    if (versions.length < 2) {
      return empty('few-versions', scope.versions.length < 2 ? `This source has ${scope.versions.length === 0 ? 'no model version' : 'one model version'}: a comparison needs two or more.` : 'Tick two or more model versions to compare them.');
    }
    if (scope.first === null || scope.last === null) return empty('no-data', 'This source has no predictions yet.');
    const to = scope.last + 1;
    const from = options.range === 'all' ? scope.first : Math.max(scope.first, to - RANGE_SECONDS[options.range]);
    const session = this.sessions.of(source);
    // One window from the epoch to the range's end holds the whole range: one row per version.
    const whole = await session.trend({ every: Math.ceil(to), from, to, by: 'model_version', metrics: TABLE_METRICS, minLabels: DEFAULT_MIN_LABELS });
    const comparison = compareVersions(whole, versions, TABLE_METRICS);
    const table = TABLE_METRICS.map((metric) => ({
      metric,
      label: metricLabel(metric),
      values: comparison.versions.map((version) => version.metrics[metric] ?? null),
      differences: [null, ...comparison.differences.filter((d) => d.metric === metric).map((d) => d.difference)],
    }));
    const tests = comparison.accuracy_tests.map((test) => ({ version: test.model_version, correct: test.correct, labelled: test.labelled, baselineCorrect: test.baseline_correct, baselineLabelled: test.baseline_labelled, z: test.z, p: test.p_value, significant: test.significant }));

    const metric = options.metric as WindowMetric;
    const asked = parseDuration(options.window);
    // Each window draws its value and its coverage per version (boundedWindow counts two).
    const every = boundedWindow(asked, to - from, versions.length);
    const rows = (await session.trend({ every, from, to, by: 'model_version', metrics: [metric], minLabels: DEFAULT_MIN_LABELS })).filter((row) => row.group !== null && versions.includes(row.group));
    const points = rows.filter((row) => row[metric] !== null && row[metric] !== undefined).length;
    const notes: string[] = [];
    if (every !== asked) notes.push(`${options.window} windows over this range would draw more than ${MAX_TREND_MARKS.toLocaleString('en-US')} marks: the chart uses ${formatWindow(every)} windows.`);
    if (points === 0 && !LABEL_FREE.has(metric)) notes.push(`No ${formatWindow(every)} window has ${DEFAULT_MIN_LABELS} labelled predictions for a confident ${metricLabel(metric)}: pick a longer window, or Mean confidence.`);
    const spec = trendChart(trendInputFromWindows(rows, [metric], DEFAULT_MIN_LABELS), { title: `${metricLabel(metric)} per ${formatWindow(every)} window, by version` }) as unknown as Record<string, unknown>;
    this.shown = { comparison, spec };
    return {
      type: 'compare',
      source: source.name,
      options,
      choices,
      versions,
      counts: comparison.versions.map((version) => ({ count: version.count, labelled: version.labelled })),
      table,
      tests,
      alpha: comparison.alpha,
      every,
      points,
      note: notes.length === 0 ? null : notes.join(' '),
      spec,
      keys,
    };
  }

  protected override exportText(format: 'csv' | 'json'): string | null {
    if (this.shown === null) return null;
    if (format === 'json') return `${JSON.stringify(this.shown.spec, null, 2)}\n`;
    const { comparison } = this.shown;
    const cell = (value: number | null | undefined) => (value === null || value === undefined ? '' : String(value));
    const header = ['model_version', 'baseline', 'count', 'labelled', ...TABLE_METRICS, ...TABLE_METRICS.map((metric) => `${metric}_difference`), 'accuracy_z', 'accuracy_p_value', 'accuracy_significant'];
    return formatCsv(
      header,
      comparison.versions.map((version) => {
        const test = comparison.accuracy_tests.find((t) => t.model_version === version.model_version);
        const differences = TABLE_METRICS.map((metric) => cell(comparison.differences.find((d) => d.model_version === version.model_version && d.metric === metric)?.difference));
        return [version.model_version, comparison.baseline, String(version.count), String(version.labelled), ...TABLE_METRICS.map((metric) => cell(version.metrics[metric])), ...differences, cell(test?.z), cell(test?.p_value), test === undefined ? '' : String(test.significant)];
      }),
    );
  }

  protected override onDispose(): void {
    this.subscription.dispose();
  }

  static register(context: vscode.ExtensionContext, sources: SourceManager, sessions: Sessions, log: vscode.LogOutputChannel): vscode.Disposable[] {
    return [
      ChartPanel.registerSerializer(CompareVersionsPanel.viewType, CompareKeysSchema, (panel, keys) => {
        new CompareVersionsPanel(context.extensionUri, sources, sessions, log, undefined, { panel, keys });
      }),
      vscode.commands.registerCommand('pitwall.compareVersions', (node?: unknown) => {
        const version = typeof node === 'object' && node !== null && typeof (node as { modelVersion?: unknown }).modelVersion === 'string' ? (node as { modelVersion: string }).modelVersion : undefined;
        return CompareVersionsPanel.show(context.extensionUri, sources, sessions, log, version);
      }),
    ];
  }
}

import * as vscode from 'vscode';
import { driftMetricParts } from '../../core/alerting/ruleOptions';
import { DEFAULT_DRIFT_OPTIONS, type FeatureDrift } from '../../core/analytics/drift';
import { driftScore, readFeatureNames } from '../../core/analytics/driftReport';
import { toDriftCsv } from '../../core/charts/chartData';
import { distributionChart, distributionOfDrift } from '../../core/charts/distributionChart';
import { driftScoresChart, driftScoreOf, driftThresholds } from '../../core/charts/driftChart';
import { formatCount, formatUtcWindow } from '../../core/charts/theme';
import type { StoredAlert } from '../../core/store/store';
import type { DriftHostMessage, DriftKeys, DriftPanelOptions, DriftRow, DriftViewMessage } from '../../shared/driftMessages';
import type { OpenSource, SourceManager } from '../sourceManager';
import { ChartPanel } from './chartPanel';
import { DriftKeysSchema, DriftViewMessageSchema } from './driftSchema';
import { driftRanges } from './ranges';
import type { Sessions } from './trendPanel';

/** Features drawn and listed at most: the most drifted first (a bounded payload). */
export const MAX_DRIFT_FEATURES = 50;

function rowOf(result: FeatureDrift): DriftRow {
  const scored = driftScore(result);
  const numeric = result.kind === 'numeric';
  return {
    feature: result.feature_name,
    kind: result.kind,
    statistic: scored?.statistic ?? (numeric ? 'psi' : 'js_distance'),
    score: scored?.score ?? null,
    threshold: result.threshold,
    severity: result.status === 'ok' ? result.severity : null,
    test: numeric ? 'Kolmogorov–Smirnov' : 'Chi-square',
    testStatistic: numeric ? result.ks_statistic : result.chi_square,
    pValue: numeric ? result.ks_p_value : result.chi_square_p_value,
    baselineCount: result.baseline_stats.count,
    currentCount: result.current_stats.count,
    reason: result.reason,
  };
}

/** Most drifted first; a feature without a score after every scored one; ties by name. */
function byDrift(a: FeatureDrift, b: FeatureDrift): number {
  const x = driftScore(a)?.score ?? -Infinity;
  const y = driftScore(b)?.score ?? -Infinity;
  return y - x || (a.feature_name < b.feature_name ? -1 : a.feature_name > b.feature_name ? 1 : 0);
}

/** The Drift panel: features ranked by drift between a baseline and a current range, and the distributions of the one selected. */
export class DriftPanel extends ChartPanel<DriftHostMessage, DriftViewMessage> {
  static readonly viewType = 'pitwall.drift';
  private options: DriftPanelOptions | null;
  private optionsSource: string | null;
  /** What the chart shows now, for the CSV and JSON exports: the features ranked and the ranking's spec. */
  private shown: { results: readonly FeatureDrift[]; spec: Record<string, unknown> } | null = null;
  /** The last drift computed: a change of the selected feature alone draws from it. */
  private held: { key: string; results: FeatureDrift[] } | null = null;
  private readonly subscription: vscode.Disposable;
  /** Bars the webview last drew (integration tests read it). */
  renderedBars: number | null = null;

  static show(extensionUri: vscode.Uri, sources: SourceManager, sessions: Sessions, log: vscode.LogOutputChannel, modelVersion?: string, feature?: string): DriftPanel {
    const key = `drift:${modelVersion ?? '*'}`;
    if (ChartPanel.reveal(key)) {
      const open = ChartPanel.find(key) as unknown as DriftPanel;
      if (feature !== undefined) open.select(feature);
      return open;
    }
    return new DriftPanel(key, extensionUri, sources, sessions, log, modelVersion, feature);
  }

  private constructor(
    key: string,
    extensionUri: vscode.Uri,
    private readonly sources: SourceManager,
    private readonly sessions: Sessions,
    log: vscode.LogOutputChannel,
    private readonly modelVersion: string | undefined,
    private readonly feature: string | undefined,
    restored?: { panel: vscode.WebviewPanel; keys: DriftKeys | null },
  ) {
    super(key, DriftPanel.viewType, modelVersion === undefined ? 'Drift' : `Drift: ${modelVersion}`, extensionUri, 'driftView.js', DriftViewMessageSchema, log, restored?.panel);
    // Restored after a reload: the options saved (the selected feature with them), kept while the same source is open.
    this.options = restored?.keys?.options ?? null;
    this.optionsSource = restored?.keys?.source ?? null;
    this.subscription = sessions.onDidChange(() => {
      this.held = null;
      void this.update();
    });
  }

  /** Shows this feature's distributions (asked again from an alert about it). */
  select(feature: string): void {
    if (this.options === null) return;
    this.options = { ...this.options, feature };
    void this.update();
  }

  protected onReady(): Promise<void> {
    return this.update();
  }

  protected async onMessage(message: DriftViewMessage): Promise<void> {
    switch (message.type) {
      case 'options':
        this.options = message.options;
        await this.update();
        return;
      case 'rendered':
        this.renderedBars = message.bars;
        return;
      case 'ready':
        return;
    }
  }

  async update(): Promise<void> {
    this.shown = null;
    await this.recompute(this.sources.source, {
      noSource: () => ({ type: 'empty', reason: 'no-source', message: 'No monitoring source is open. Open a JSONL folder or a SQLite database to see how its features drift.', source: null, options: null, choices: null, keys: this.keys() }),
      busy: { type: 'busy' },
      compute: (source) => this.compute(source),
      failed: (message) => ({ type: 'error', message }),
    });
  }

  private async compute(source: OpenSource): Promise<DriftHostMessage> {
    const scope = await this.sessions.of(source).scope();
    const choices = { versions: scope.versions };
    const kept = this.options !== null && this.optionsSource === source.path ? this.options : null;
    const version = this.modelVersion !== undefined && scope.versions.includes(this.modelVersion) ? this.modelVersion : null;
    const options: DriftPanelOptions = kept ?? { baseline: 'first-7d', current: '24h', feature: this.feature ?? null, ...this.options, version };
    this.options = options;
    this.optionsSource = source.path;
    const empty = (reason: 'no-data' | 'no-baseline' | 'no-current' | 'no-features', message: string): DriftHostMessage => ({ type: 'empty', reason, message, source: source.name, options, choices, keys: this.keys() });
    if (scope.first === null || scope.last === null) return empty('no-data', 'This source has no predictions yet.');
    const modelVersion = options.version !== null && scope.versions.includes(options.version) ? options.version : undefined;
    const { baseline, current } = driftRanges(options, scope.first, scope.last);
    const who = modelVersion === undefined ? 'The source' : `Model version ${modelVersion}`;
    if (baseline.to <= baseline.from) return empty('no-baseline', `${who} has no predictions before the current range to compare with. Pick a shorter current range.`);

    const key = [source.path, modelVersion ?? '', baseline.from, baseline.to, current.from, current.to].join('\u0000');
    let results = this.held?.key === key ? this.held.results : null;
    if (results === null) {
      const features = [...new Set([...(await readFeatureNames(source.store, baseline, modelVersion)), ...(await readFeatureNames(source.store, current, modelVersion))])].sort();
      if (features.length === 0) return empty('no-features', `${who} has no predictions with features in these ranges.`);
      // A database server counts the two ranges' values itself; no prediction comes here.
      results = (await this.sessions.of(source).drift({ baseline, current, features, ...(modelVersion === undefined ? {} : { modelVersion }) })).sort(byDrift);
      this.held = { key, results };
    }
    const [first] = results;
    if (first === undefined) return empty('no-features', `${who} has no predictions with features in these ranges.`);
    // Every feature sees the same predictions: a value it lacks counts as missing.
    if (first.baseline_stats.count + first.baseline_stats.missing === 0) {
      return empty('no-baseline', `${who} has no predictions in the baseline range (${formatUtcWindow(baseline.from, baseline.to)}). Pick another baseline.`);
    }
    if (first.current_stats.count + first.current_stats.missing === 0) return empty('no-current', `${who} has no predictions in the current range (${formatUtcWindow(current.from, current.to)}). Pick a longer one.`);

    const shown = results.slice(0, MAX_DRIFT_FEATURES);
    const note = shown.length < results.length ? `The ${formatCount(shown.length)} most drifted of ${formatCount(results.length)} features are shown.` : null;
    const spec = driftScoresChart({ scores: shown.map((result) => driftScoreOf(result)), thresholds: driftThresholds(DEFAULT_DRIFT_OPTIONS) }) as unknown as Record<string, unknown>;
    const chosen = results.find((result) => result.feature_name === options.feature) ?? first;
    const distribution = distributionOfDrift(chosen);
    const selected = {
      feature: chosen.feature_name,
      bins: chosen.bins.length,
      spec: distributionChart(distribution, { title: `${chosen.feature_name}: baseline and current` }) as unknown as Record<string, unknown>,
    };
    this.shown = { results: shown, spec };
    return {
      type: 'drift',
      source: source.name,
      options: { ...options, feature: chosen.feature_name },
      choices,
      baselineText: formatUtcWindow(baseline.from, baseline.to),
      currentText: formatUtcWindow(current.from, current.to),
      rows: shown.map(rowOf),
      total: results.length,
      note,
      spec,
      selected,
      // The feature shown is kept, so that a reload shows it again even when another one drifts more by then.
      keys: { ...this.keys(), options: { ...options, feature: chosen.feature_name } },
    };
  }

  private keys(): DriftKeys {
    return { source: this.optionsSource, model: this.modelVersion ?? null, options: this.options };
  }

  protected override exportText(format: 'csv' | 'json'): string | null {
    if (this.shown === null) return null;
    return format === 'csv' ? toDriftCsv(this.shown.results) : `${JSON.stringify(this.shown.spec, null, 2)}\n`;
  }

  protected override onDispose(): void {
    this.subscription.dispose();
  }

  /**
   * Registers the command. From the palette it opens every version's drift; from a model version in
   * the Models view, that version's; from a drift alert, its version's with its feature selected.
   */
  static register(context: vscode.ExtensionContext, sources: SourceManager, sessions: Sessions, log: vscode.LogOutputChannel): vscode.Disposable[] {
    return [
      ChartPanel.registerSerializer(DriftPanel.viewType, DriftKeysSchema, (panel, keys) => {
        const model = keys?.model ?? undefined;
        new DriftPanel(`drift:${model ?? '*'}`, context.extensionUri, sources, sessions, log, model, undefined, { panel, keys });
      }),
      vscode.commands.registerCommand('pitwall.showDrift', (node?: unknown) => {
        const { modelVersion, feature } = subjectOf(node);
        return DriftPanel.show(context.extensionUri, sources, sessions, log, modelVersion, feature);
      }),
    ];
  }
}

/** The version and feature a command argument names: a Models view row, an Alerts view row, or nothing. */
function subjectOf(node: unknown): { modelVersion?: string; feature?: string } {
  if (typeof node !== 'object' || node === null) return {};
  const alert = (node as { kind?: unknown; alert?: StoredAlert }).alert;
  if ((node as { kind?: unknown }).kind === 'alert' && alert !== undefined) {
    const feature = alert.metric_name === null ? null : driftMetricParts(alert.metric_name)?.feature;
    return { ...(alert.model_version === null ? {} : { modelVersion: alert.model_version }), ...(feature === null || feature === undefined ? {} : { feature }) };
  }
  const version = (node as { modelVersion?: unknown }).modelVersion;
  return typeof version === 'string' ? { modelVersion: version } : {};
}

import * as vscode from 'vscode';
import type { VersionCalibration } from '../../core/analytics/versionCalibration';
import { MAX_TREND_MARKS } from '../../core/charts/boundedWindow';
import { toCalibrationCsv } from '../../core/charts/chartData';
import { reliabilityChart, reliabilityChartsSideBySide, type ReliabilitySeries } from '../../core/charts/reliabilityChart';
import { formatCount, listNames } from '../../core/charts/theme';
import type { CalibrationHostMessage, CalibrationKeys, CalibrationOptions, CalibrationViewMessage } from '../../shared/calibrationMessages';
import { RANGE_LABELS } from '../../shared/ranges';
import type { OpenSource, SourceManager } from '../sourceManager';
import { CalibrationKeysSchema, CalibrationViewMessageSchema } from './calibrationSchema';
import { ChartPanel } from './chartPanel';
import { presetRange } from './ranges';
import type { Sessions } from './trendPanel';

/** Marks per bin and version: the point, its interval and its histogram bar. */
const MARKS_PER_BIN = 3;

/** The Calibration panel: reliability diagrams with ECE and MCE per model version over a time range of the open source. */
export class CalibrationPanel extends ChartPanel<CalibrationHostMessage, CalibrationViewMessage> {
  static readonly viewType = 'pitwall.calibration';
  private options: CalibrationOptions | null;
  /** The source the options were chosen on. */
  private optionsSource: string | null;
  private readonly subscription: vscode.Disposable;
  /** Points the webview last drew (integration tests read it). */
  renderedPoints: number | null = null;
  /** What the chart shows now, for the CSV and JSON exports: the versions drawn and the spec. */
  private shown: { drawn: readonly VersionCalibration[]; spec: Record<string, unknown> } | null = null;

  static show(extensionUri: vscode.Uri, sources: SourceManager, sessions: Sessions, log: vscode.LogOutputChannel, modelVersion?: string): CalibrationPanel {
    const key = `calibration:${modelVersion ?? '*'}`;
    if (ChartPanel.reveal(key)) return ChartPanel.find(key) as unknown as CalibrationPanel;
    return new CalibrationPanel(key, extensionUri, sources, sessions, log, modelVersion);
  }

  private constructor(
    key: string,
    extensionUri: vscode.Uri,
    private readonly sources: SourceManager,
    private readonly sessions: Sessions,
    log: vscode.LogOutputChannel,
    private readonly modelVersion: string | undefined,
    restored?: { panel: vscode.WebviewPanel; keys: CalibrationKeys | null },
  ) {
    super(key, CalibrationPanel.viewType, modelVersion === undefined ? 'Calibration' : `Calibration: ${modelVersion}`, extensionUri, 'calibrationView.js', CalibrationViewMessageSchema, log, restored?.panel);
    // Restored after a reload: the options saved, kept while the same source is open.
    this.options = restored?.keys?.options ?? null;
    this.optionsSource = restored?.keys?.source ?? null;
    this.subscription = sessions.onDidChange(() => void this.update());
  }

  protected onReady(): Promise<void> {
    return this.update();
  }

  protected async onMessage(message: CalibrationViewMessage): Promise<void> {
    switch (message.type) {
      case 'options':
        this.options = message.options;
        await this.update();
        return;
      case 'showTrend':
        await vscode.commands.executeCommand('pitwall.showTrend', this.modelVersion === undefined ? undefined : { modelVersion: this.modelVersion });
        return;
      case 'rendered':
        this.renderedPoints = message.points;
        return;
      case 'ready':
        return;
    }
  }

  /** Recomputes the diagrams on the open source and posts them. */
  async update(): Promise<void> {
    this.shown = null;
    await this.recompute(this.sources.source, {
      noSource: () => ({ type: 'empty', reason: 'no-source', message: 'No monitoring source is open. Open a JSONL folder or a SQLite database to see how well its confidences are calibrated.', source: null, options: null, choices: null, keys: this.keys() }),
      busy: { type: 'busy' },
      compute: (source) => this.compute(source),
      failed: (message) => ({ type: 'error', message }),
    });
  }

  private async compute(source: OpenSource): Promise<CalibrationHostMessage> {
    const scope = await this.sessions.of(source).scope();
    const choices = { versions: scope.versions };
    const defaultVersions = this.modelVersion !== undefined && scope.versions.includes(this.modelVersion) ? [this.modelVersion] : [...scope.versions];
    // Another source has other versions: its panel starts with the versions it has, keeping the other choices.
    const kept = this.options !== null && this.optionsSource === source.path ? this.options : null;
    const options: CalibrationOptions = kept ?? { range: '7d', bins: 10, strategy: 'width', layout: 'overlay', ...this.options, versions: defaultVersions };
    this.options = options;
    this.optionsSource = source.path;
    const keys = this.keys();
    const empty = (reason: 'no-versions' | 'no-data' | 'no-predictions' | 'no-labels', message: string): CalibrationHostMessage => ({ type: 'empty', reason, message, source: source.name, options, choices, keys });
    const versions = options.versions.filter((version) => scope.versions.includes(version));
    if (versions.length === 0) return empty('no-versions', 'No model version is selected: tick at least one.');
    if (scope.first === null || scope.last === null) return empty('no-data', 'This source has no predictions yet.');

    const range = presetRange(options.range, scope.first, scope.last);
    const found = await this.sessions.of(source).calibration({ ...range, versions, bins: options.bins, binning: options.strategy });
    const span = options.range === 'all' ? 'this source' : RANGE_LABELS[options.range].toLowerCase();
    if (found.every((version) => version.count === 0)) return empty('no-predictions', `The chosen versions have no predictions in ${span}. Pick a longer range.`);
    if (found.every((version) => version.labelled === 0)) {
      return empty('no-labels', `No prediction of the chosen versions in ${span} has ground truth yet, so calibration cannot be measured. Mean confidence needs no labels: the Performance Trend shows it.`);
    }
    // A bounded payload: the versions drawn are cut so that the marks stay under the bound.
    const drawable = Math.max(1, Math.floor(MAX_TREND_MARKS / (MARKS_PER_BIN * options.bins)));
    const drawn = found.slice(0, drawable);
    const note = drawn.length < found.length ? `Only the first ${formatCount(drawn.length)} of ${formatCount(found.length)} versions are drawn, to stay under ${formatCount(MAX_TREND_MARKS)} marks; left out: ${listNames(found.slice(drawable).map((v) => v.modelVersion))}.` : null;
    const series: ReliabilitySeries[] = drawn.map((version) => ({ name: version.modelVersion, ece: version.ece, mce: version.mce, labelled: version.labelled, bins: version.bins }));
    const title = `Calibration, ${options.strategy === 'width' ? 'equal-width' : 'equal-mass'} bins`;
    const spec = (options.layout === 'side-by-side' ? reliabilityChartsSideBySide(series, { title }) : reliabilityChart(series, { title })) as unknown as Record<string, unknown>;
    const scores = found.map((version) => ({
      version: version.modelVersion,
      ece: version.ece,
      mce: version.mce,
      labelled: version.labelled,
      count: version.count,
      points: version.bins.filter((bin) => bin.count > 0 && bin.accuracy !== null).length,
    }));
    const points = scores.slice(0, drawn.length).reduce((sum, score) => sum + score.points, 0);
    this.shown = { drawn, spec };
    return { type: 'calibration', source: source.name, options, choices, scores, points, note, spec, keys };
  }

  private keys(): CalibrationKeys {
    return { source: this.optionsSource, model: this.modelVersion ?? null, options: this.options };
  }

  protected override exportText(format: 'csv' | 'json'): string | null {
    if (this.shown === null) return null;
    return format === 'csv' ? toCalibrationCsv(this.shown.drawn) : `${JSON.stringify(this.shown.spec, null, 2)}\n`;
  }

  protected override onDispose(): void {
    this.subscription.dispose();
  }

  /** Registers the command and the serializer; the panels share the analysis session of the open source. */
  static register(context: vscode.ExtensionContext, sources: SourceManager, sessions: Sessions, log: vscode.LogOutputChannel): vscode.Disposable[] {
    return [
      ChartPanel.registerSerializer(CalibrationPanel.viewType, CalibrationKeysSchema, (panel, keys) => {
        const model = keys?.model ?? undefined;
        new CalibrationPanel(`calibration:${model ?? '*'}`, context.extensionUri, sources, sessions, log, model, { panel, keys });
      }),
      vscode.commands.registerCommand('pitwall.showCalibration', (node?: unknown) => {
        const version = typeof node === 'object' && node !== null && typeof (node as { modelVersion?: unknown }).modelVersion === 'string' ? (node as { modelVersion: string }).modelVersion : undefined;
        return CalibrationPanel.show(context.extensionUri, sources, sessions, log, version);
      }),
    ];
  }
}

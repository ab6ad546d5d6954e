import * as vscode from 'vscode';
import { readModelsOverview, type ModelOverview, type ModelsOverview } from '../core/analytics/modelsOverview';
import { describeAge } from '../core/analytics/glance';
import { parseDuration } from '../core/analytics/duration';
import { describeError } from '../core/errors';
import { formatAlertTime } from './alertsTreeDataProvider';
import type { SourceManager } from './sourceManager';

export type ModelNode =
  | {
      readonly kind?: undefined;
      readonly modelVersion: string;
      readonly predictions: number;
      readonly labelled: number;
      readonly openAlerts: number;
      /** The version's health, volume and freshness; null when they could not be read. */
      readonly overview: ModelOverview | null;
      readonly now: number;
      readonly newest: number | null;
    }
  | { readonly kind: 'loading' }
  | { readonly kind: 'problem'; readonly message: string };

/** The staleness default, when `pitwall.models.staleAfter` is not a duration. */
const DEFAULT_STALE_AFTER = '1h';

const STATE_ICONS: Readonly<Record<ModelOverview['state'], vscode.ThemeIcon>> = {
  critical: new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')),
  warning: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  ok: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  unknown: new vscode.ThemeIcon('circle-outline'),
};

function percent(value: number | null): string {
  return value === null ? '–' : `${(100 * value).toFixed(0)}%`;
}

function fixed(value: number | null, digits: number): string {
  return value === null ? '–' : value.toFixed(digits);
}

/**
 * The Models view: each model version with its latest health (accuracy, ECE, label coverage,
 * degradation) and a state icon, open alerts, predictions in the last 24 hours (to the newest
 * prediction and to now), and a warning when it sent nothing for longer than
 * `pitwall.models.staleAfter`.
 */
export class ModelsTreeDataProvider implements vscode.TreeDataProvider<ModelNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private read: { source: unknown; overview: Promise<ModelsOverview> } | null = null;

  constructor(
    private readonly sources: SourceManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [
      sources.onDidChange(() => this.changed.fire(undefined)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!event.affectsConfiguration('pitwall.models.staleAfter')) return;
        this.read = null;
        this.changed.fire(undefined);
      }),
    ];
  }

  /** `pitwall.models.staleAfter` in seconds; the default, said in the log, when it is not a duration. */
  staleAfter(): number {
    const text = vscode.workspace.getConfiguration('pitwall.models').get<string>('staleAfter', DEFAULT_STALE_AFTER);
    try {
      return parseDuration(text.trim());
    } catch {
      this.log.warn(`pitwall.models.staleAfter is "${text}", not a duration such as 30m, 1h or 2d: ${DEFAULT_STALE_AFTER} is used.`);
      return parseDuration(DEFAULT_STALE_AFTER);
    }
  }

  /** The versions as the source counted them after opening, with their overview; one "reading" row until the counts are in. */
  async getChildren(node?: ModelNode): Promise<ModelNode[]> {
    const source = this.sources.source;
    if (node || !source) return [];
    if (source.predictions === null) return [{ kind: 'loading' }];
    if (this.read?.source !== source) {
      this.read = { source, overview: readModelsOverview(source.store, { now: Date.now() / 1000, staleAfter: this.staleAfter() }) };
      // A read of a source replaced meanwhile is never awaited: its failure (the store closed) is no one's.
      this.read.overview.catch(() => undefined);
    }
    let overview: ModelsOverview | null = null;
    try {
      overview = await this.read.overview;
    } catch (error) {
      // The source was closed or replaced while its health was read (its store stopped): not a problem of the
      // source now open, whose own listing follows.
      if (this.sources.source?.store !== source.store) return [];
      // A tree never pops up a message: the row says it, the log has the detail; the counts still show.
      this.log.error(`Reading the health of the model versions failed: ${describeError(error)}`);
    }
    const rows: ModelNode[] = source.predictions.versions.map((version) => ({
      ...version,
      overview: overview?.versions.find((v) => v.model_version === version.modelVersion) ?? null,
      now: overview?.now ?? Date.now() / 1000,
      newest: overview?.newest ?? null,
    }));
    return overview === null ? [...rows, { kind: 'problem', message: 'The health of the model versions could not be read: see the log (Pitwall: Show Log).' }] : rows;
  }

  getTreeItem(node: ModelNode): vscode.TreeItem {
    if (node.kind === 'loading') {
      const item = new vscode.TreeItem('Reading predictions…', vscode.TreeItemCollapsibleState.None);
      item.id = 'model:loading';
      item.iconPath = new vscode.ThemeIcon('loading~spin');
      item.tooltip = 'The alerts and rules are read first; the prediction counts of a large source follow.';
      return item;
    }
    if (node.kind === 'problem') {
      const item = new vscode.TreeItem('Health not available', vscode.TreeItemCollapsibleState.None);
      item.id = 'model:problem';
      item.description = node.message;
      item.tooltip = node.message;
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
      return item;
    }
    const item = new vscode.TreeItem(node.modelVersion, vscode.TreeItemCollapsibleState.None);
    item.id = `model:${node.modelVersion}`;
    const o = node.overview;
    const coverage = node.predictions === 0 ? 0 : (100 * node.labelled) / node.predictions;
    const tooltip = new vscode.MarkdownString();
    if (o === null) {
      item.description = `${node.predictions.toLocaleString('en-US')} predictions · ${coverage.toFixed(0)}% labelled · ${node.openAlerts} open alerts`;
      item.iconPath = new vscode.ThemeIcon('symbol-class');
      tooltip.appendText(item.description);
    } else {
      const health = o.health;
      const parts: string[] = [];
      if (o.stale && o.newest !== null) parts.push(`silent ${describeAge(node.now - o.newest).replace(/ ago$/, '')}`);
      parts.push(`acc ${fixed(health?.accuracy ?? null, 3)}`, `ECE ${fixed(health?.ece ?? null, 3)}`, `${percent(health?.label_coverage ?? null)} labelled`);
      if (health?.degraded === true) parts.push('degraded');
      parts.push(`${o.open_alerts.total} open`, `24h: ${o.last_day_to_newest.toLocaleString('en-US')} to newest, ${o.last_day_to_now.toLocaleString('en-US')} to now`);
      item.description = parts.join(' · ');
      item.iconPath = o.stale && o.state !== 'critical' ? STATE_ICONS.warning : STATE_ICONS[o.state];
      tooltip.appendMarkdown('**');
      tooltip.appendText(node.modelVersion);
      tooltip.appendMarkdown('** — ');
      tooltip.appendText(o.state === 'critical' ? 'needs attention' : o.state === 'warning' ? 'warning' : o.state === 'ok' ? 'healthy' : 'health unknown');
      if (o.stale && o.newest !== null) {
        tooltip.appendMarkdown('\n\n$(warning) ');
        tooltip.appendText(`No prediction for ${describeAge(node.now - o.newest).replace(/ ago$/, '')} (more than pitwall.models.staleAfter): newest ${formatAlertTime(o.newest)}.`);
      }
      tooltip.appendMarkdown('\n\n');
      if (health === null) tooltip.appendText('No predictions in the latest health period.');
      else {
        tooltip.appendText(
          `Health of ${formatAlertTime(health.period_start)} … ${formatAlertTime(health.period_end)}: accuracy ${fixed(health.accuracy, 4)}, ECE ${fixed(health.ece, 4)}, ` +
            `${health.labelled.toLocaleString('en-US')} of ${health.predictions.toLocaleString('en-US')} labelled (${percent(health.label_coverage)})` +
            `${health.degraded ? `; degraded against its reference (accuracy ${fixed(health.reference_accuracy, 4)})` : ''}.`,
        );
      }
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(
        `Open alerts: ${o.open_alerts.total} (${o.open_alerts.critical} critical, ${o.open_alerts.warning} warning, ${o.open_alerts.info} info).`,
      );
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(
        `Predictions in the last 24 h: ${o.last_day_to_newest.toLocaleString('en-US')} up to the source's newest prediction` +
          `${node.newest === null ? '' : ` (${formatAlertTime(node.newest)})`}, ${o.last_day_to_now.toLocaleString('en-US')} up to now.`,
      );
      tooltip.appendMarkdown('\n\n');
      tooltip.appendText(`In all: ${node.predictions.toLocaleString('en-US')} predictions, ${coverage.toFixed(0)}% labelled.`);
      tooltip.supportThemeIcons = true;
    }
    item.tooltip = tooltip;
    item.contextValue = o?.stale === true ? 'model:stale' : 'model';
    return item;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}

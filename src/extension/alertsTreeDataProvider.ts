import * as vscode from 'vscode';
import { driftMetricParts } from '../core/alerting/ruleOptions';
import type { AlertSeverity } from '../core/model/alert';
import { deliveryFailed, type DeliveryRecord } from '../core/model/delivery';
import { ALERT_PAGE, readAlertGroupPage, readAlertGroups } from '../core/sourceLoad';
import type { StoreReader, StoredAlert } from '../core/store/store';
import type { SourceManager } from './sourceManager';

const SEVERITY_ICON: Record<AlertSeverity, vscode.ThemeIcon> = {
  critical: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')),
  warning: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  info: new vscode.ThemeIcon('info', new vscode.ThemeColor('charts.blue')),
};

export type AlertsNode =
  | { kind: 'severity'; severity: AlertSeverity; total: number; open: number; expanded: boolean }
  | { kind: 'alert'; alert: StoredAlert; undelivered: readonly DeliveryRecord[] }
  | { kind: 'more'; severity: AlertSeverity; hidden: number };

function titleCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The scheme of an undelivered alert's resource URI, which the view's decoration badges. */
const UNDELIVERED_SCHEME = 'pitwall-undelivered';

/** Delivery-log records read to decorate the alerts, newest last. */
const DELIVERY_RECORDS_READ = 5000;

/**
 * The notices whose latest delivery on a channel failed, by alert key. The log is a side record:
 * when it cannot be read the alerts are listed without it (the reason is in the log command).
 */
async function undeliveredByAlert(store: StoreReader): Promise<Map<string, DeliveryRecord[]>> {
  const latest = new Map<string, DeliveryRecord>();
  try {
    for (const record of (await store.readDeliveries({ limit: DELIVERY_RECORDS_READ })).records) latest.set(`${record.alert}\u0000${record.kind}\u0000${record.channel}`, record);
  } catch {
    return new Map();
  }
  const byAlert = new Map<string, DeliveryRecord[]>();
  for (const record of latest.values()) {
    if (!deliveryFailed(record)) continue;
    const list = byAlert.get(record.alert);
    if (list === undefined) byAlert.set(record.alert, [record]);
    else list.push(record);
  }
  return byAlert;
}

export function formatAlertTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

/** The Alerts view: alerts grouped by severity with counts; open alerts first, newest first. */
export class AlertsTreeDataProvider implements vscode.TreeDataProvider<AlertsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<AlertsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  /** The undelivered alerts as the last listing of the groups read them. */
  private undelivered: Promise<Map<string, DeliveryRecord[]>> | undefined;

  /** Alerts listed per severity group: a page at first, a page more each time the user asks. */
  private readonly shown = new Map<AlertSeverity, number>();
  private shownFor: string | undefined;

  constructor(private readonly sources: SourceManager) {
    this.subscription = vscode.Disposable.from(
      sources.onDidChange((source) => {
        // A newly opened source starts with one page per group again.
        if (source?.path !== this.shownFor) this.shown.clear();
        this.shownFor = source?.path;
        this.changed.fire(undefined);
      }),
      vscode.window.registerFileDecorationProvider({
        provideFileDecoration: (uri) =>
          uri.scheme === UNDELIVERED_SCHEME
            ? { badge: '!', tooltip: `Not delivered: ${uri.query.split(',').join(', ')}`, color: new vscode.ThemeColor('list.warningForeground') }
            : undefined,
      }),
    );
  }

  async getChildren(node?: AlertsNode): Promise<AlertsNode[]> {
    const source = this.sources.source;
    if (!source) return [];
    const { store } = source;
    if (!node) {
      // Read once per listing, for every group this listing opens.
      this.undelivered = undeliveredByAlert(store);
      const groups = await readAlertGroups(store);
      // Only the most severe group starts expanded, so every group's count stays in sight.
      return groups.map((group, index) => ({ kind: 'severity', ...group, expanded: index === 0 }));
    }
    if (node.kind !== 'severity') return [];
    // Read from the store a page at a time, open alerts first: a group of 100,000 is never read whole.
    const shown = this.shown.get(node.severity) ?? ALERT_PAGE;
    const page = await readAlertGroupPage(store, node.severity, node.open, 0, shown);
    const undelivered = await (this.undelivered ??= undeliveredByAlert(store));
    const children: AlertsNode[] = page.map((alert) => ({ kind: 'alert', alert, undelivered: undelivered.get(alert.key) ?? [] }));
    const hidden = node.total - children.length;
    if (hidden > 0) children.push({ kind: 'more', severity: node.severity, hidden });
    return children;
  }

  /** Lists a page more of a group's alerts. */
  loadMore(severity: AlertSeverity): void {
    this.shown.set(severity, (this.shown.get(severity) ?? ALERT_PAGE) + ALERT_PAGE);
    this.changed.fire(undefined);
  }

  /** Lets the view reveal an alert or group (used to open the most severe group when a source opens). */
  async getParent(node: AlertsNode): Promise<AlertsNode | undefined> {
    if (node.kind === 'severity') return undefined;
    const severity = node.kind === 'alert' ? node.alert.severity : node.severity;
    const groups = await this.getChildren();
    return groups.find((group) => group.kind === 'severity' && group.severity === severity);
  }

  getTreeItem(node: AlertsNode): vscode.TreeItem {
    if (node.kind === 'severity') {
      const item = new vscode.TreeItem(
        titleCase(node.severity),
        node.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
      );
      // The view keeps an item's expansion by id. The most severe group's id says it is the
      // first, so that a group that was listed collapsed (while a source was still loading, say)
      // opens when it becomes the most severe, and the user's own choice holds otherwise.
      item.id = `severity:${node.severity}${node.expanded ? ':first' : ''}`;
      item.description = `${node.total} · ${node.open} open`;
      item.iconPath = SEVERITY_ICON[node.severity];
      item.contextValue = `severity:${node.severity}`;
      item.accessibilityInformation = { label: `${node.severity} alerts: ${node.total}, ${node.open} open` };
      return item;
    }
    if (node.kind === 'more') {
      const next = Math.min(ALERT_PAGE, node.hidden);
      const item = new vscode.TreeItem(`Load ${next} more…`, vscode.TreeItemCollapsibleState.None);
      item.id = `more:${node.severity}`;
      item.description = `${node.hidden.toLocaleString('en-US')} older not listed`;
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.tooltip = `Lists the next ${next} ${node.severity} alerts. \`pitwall alerts <source> --severity ${node.severity}\` lists them all.`;
      item.command = { command: 'pitwall.alerts.loadMore', title: 'Load More Alerts', arguments: [node.severity] };
      item.contextValue = 'more';
      return item;
    }
    const { alert } = node;
    // The message ("accuracy is 0.6274 (< 0.7000)") says more in a narrow sidebar than the generic title.
    const item = new vscode.TreeItem(alert.message ?? alert.title ?? alert.alert_id, vscode.TreeItemCollapsibleState.None);
    item.id = `alert:${alert.key}`;
    const undelivered = node.undelivered.filter((record) => record.kind === 'firing');
    item.description = [alert.model_version, formatAlertTime(alert.timestamp), undelivered.length > 0 ? `not delivered: ${undelivered.map((r) => r.channel).join(', ')}` : '']
      .filter(Boolean)
      .join(' · ');
    item.iconPath = alert.acknowledged
      ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('disabledForeground'))
      : SEVERITY_ICON[alert.severity];
    // Theme icons on before any text is appended: appendText then escapes `$(…)` in the data,
    // which would otherwise render as icons.
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${titleCase(alert.severity)}** · `);
    tooltip.appendText(alert.acknowledged ? `acknowledged by ${alert.acknowledged_by ?? 'someone'}${alert.acknowledged_at ? ` at ${formatAlertTime(alert.acknowledged_at)}` : ''}` : 'open');
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(alert.title ?? '');
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(`${alert.alert_id} · ${formatAlertTime(alert.timestamp)}`);
    for (const record of undelivered) {
      tooltip.appendMarkdown('\n\n$(error) ');
      tooltip.appendText(`${record.channel} ${record.status}: ${record.error ?? ''}`);
    }
    item.tooltip = tooltip;
    // A badge stays in sight when a narrow sidebar cuts the description short.
    if (undelivered.length > 0) item.resourceUri = vscode.Uri.from({ scheme: UNDELIVERED_SCHEME, path: `/${encodeURIComponent(alert.key)}`, query: undelivered.map((r) => r.channel).join(',') });
    // A drift alert (its component, or a metric naming a feature's drift) also offers the Drift panel.
    const drift = alert.component === 'drift' || (alert.metric_name !== null && driftMetricParts(alert.metric_name) !== null);
    item.contextValue = `alert:${alert.acknowledged ? 'acknowledged' : 'open'}:${alert.severity}${drift ? ':drift' : ''}`;
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

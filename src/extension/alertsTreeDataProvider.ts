import * as vscode from 'vscode';
import type { AlertPreview } from '../core/store/alertsPreview';
import type { SourceManager } from './sourceManager';

const SEVERITIES = ['critical', 'warning', 'info'] as const;
type Severity = (typeof SEVERITIES)[number];

const SEVERITY_ICON: Record<Severity, vscode.ThemeIcon> = {
  critical: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')),
  warning: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  info: new vscode.ThemeIcon('info', new vscode.ThemeColor('charts.blue')),
};

export type AlertsNode =
  | { kind: 'severity'; severity: string; alerts: AlertPreview[] }
  | { kind: 'alert'; alert: AlertPreview };

function titleCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

/** The Alerts view: alerts grouped by severity, with counts; open alerts first within a group. */
export class AlertsTreeDataProvider implements vscode.TreeDataProvider<AlertsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<AlertsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly sources: SourceManager) {
    this.subscription = sources.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(node?: AlertsNode): AlertsNode[] {
    const source = this.sources.source;
    if (!source) return [];
    if (!node) {
      const groups = new Map<string, AlertPreview[]>();
      for (const alert of source.data.alerts) {
        const list = groups.get(alert.severity) ?? [];
        list.push(alert);
        groups.set(alert.severity, list);
      }
      const order = (severity: string) => {
        const index = (SEVERITIES as readonly string[]).indexOf(severity);
        return index === -1 ? SEVERITIES.length : index;
      };
      return [...groups.entries()]
        .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
        .map(([severity, alerts]) => ({ kind: 'severity', severity, alerts }));
    }
    if (node.kind === 'severity') {
      return [...node.alerts]
        .sort((a, b) => Number(a.acknowledged) - Number(b.acknowledged) || b.timestamp - a.timestamp)
        .map((alert) => ({ kind: 'alert', alert }));
    }
    return [];
  }

  getTreeItem(node: AlertsNode): vscode.TreeItem {
    if (node.kind === 'severity') {
      const open = node.alerts.filter((alert) => !alert.acknowledged).length;
      // Only the most severe group starts expanded, so every group's count stays in sight.
      const mostSevere = this.getChildren()[0];
      const expanded = mostSevere?.kind === 'severity' && mostSevere.severity === node.severity;
      const item = new vscode.TreeItem(
        titleCase(node.severity),
        expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
      );
      item.id = `severity:${node.severity}`;
      item.description = `${node.alerts.length} · ${open} open`;
      item.iconPath = SEVERITY_ICON[node.severity as Severity] ?? new vscode.ThemeIcon('bell');
      item.contextValue = `severity:${node.severity}`;
      return item;
    }
    const { alert } = node;
    const item = new vscode.TreeItem(alert.title, vscode.TreeItemCollapsibleState.None);
    item.id = `alert:${alert.key}`;
    item.description = [alert.modelVersion, formatTime(alert.timestamp)].filter(Boolean).join(' · ');
    item.iconPath = alert.acknowledged
      ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('disabledForeground'))
      : (SEVERITY_ICON[alert.severity as Severity] ?? new vscode.ThemeIcon('bell'));
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown(`**${titleCase(alert.severity)}** · ${alert.acknowledged ? 'acknowledged' : 'open'}\n\n`);
    tooltip.appendText(alert.message);
    tooltip.appendMarkdown(`\n\n\`${alert.alertId}\` · ${formatTime(alert.timestamp)}`);
    item.tooltip = tooltip;
    item.contextValue = `alert:${alert.acknowledged ? 'acknowledged' : 'open'}:${alert.severity}`;
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

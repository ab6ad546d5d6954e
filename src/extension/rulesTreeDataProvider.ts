import * as vscode from 'vscode';
import type { AlertRule } from '../core/model/alertRule';
import { formatAlertTime } from './alertsTreeDataProvider';
import type { SourceManager } from './sourceManager';

/** The Rules view: one item per alert rule with its condition, severity and cooldown state. */
export class RulesTreeDataProvider implements vscode.TreeDataProvider<AlertRule>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly sources: SourceManager) {
    this.subscription = sources.onDidChange(() => this.changed.fire(undefined));
  }

  async getChildren(node?: AlertRule): Promise<AlertRule[]> {
    const source = this.sources.source;
    if (node || !source) return [];
    return [...(await source.store.readRules())];
  }

  /** The rules are the view's first level: revealing one (from an alert) needs no parent. */
  getParent(): undefined {
    return undefined;
  }

  getTreeItem(rule: AlertRule): vscode.TreeItem {
    const item = new vscode.TreeItem(rule.rule_id, vscode.TreeItemCollapsibleState.None);
    item.id = `rule:${rule.rule_id}`;
    item.description = `${rule.metric_name} ${rule.comparison} ${rule.threshold} · ${rule.severity}${rule.enabled ? '' : ' · disabled'}`;
    item.iconPath = new vscode.ThemeIcon(rule.enabled ? 'law' : 'circle-slash');
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(`${rule.metric_type} rule on ${rule.component}: fires ${rule.severity} when ${rule.metric_name} ${rule.comparison} ${rule.threshold}`);
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(`cooldown ${rule.cooldown_minutes} min · channels ${rule.channels.join(', ') || 'none'}`);
    if (rule.last_triggered !== null) tooltip.appendText(` · last fired ${formatAlertTime(rule.last_triggered)}`);
    item.tooltip = tooltip;
    item.contextValue = `rule:${rule.enabled ? 'enabled' : 'disabled'}`;
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

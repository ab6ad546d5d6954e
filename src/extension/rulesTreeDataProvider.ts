import * as vscode from 'vscode';
import type { RulePreview } from '../core/store/alertsPreview';
import type { SourceManager } from './sourceManager';

/** The Rules view: one item per alert rule with its condition. */
export class RulesTreeDataProvider implements vscode.TreeDataProvider<RulePreview>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly sources: SourceManager) {
    this.subscription = sources.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(node?: RulePreview): RulePreview[] {
    if (node) return [];
    return this.sources.source?.data.rules ?? [];
  }

  getTreeItem(rule: RulePreview): vscode.TreeItem {
    const item = new vscode.TreeItem(rule.ruleId, vscode.TreeItemCollapsibleState.None);
    item.id = `rule:${rule.ruleId}`;
    item.description = `${rule.metricName} ${rule.comparison} ${rule.threshold} · ${rule.severity}${rule.enabled ? '' : ' · disabled'}`;
    item.iconPath = new vscode.ThemeIcon(rule.enabled ? 'law' : 'circle-slash');
    item.contextValue = `rule:${rule.enabled ? 'enabled' : 'disabled'}`;
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

import * as vscode from 'vscode';
import type { SourceManager } from './sourceManager';

export interface ModelNode {
  modelVersion: string;
  openAlerts: number;
}

/** The Models view: each model version the source knows, with its open alerts. */
export class ModelsTreeDataProvider implements vscode.TreeDataProvider<ModelNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly sources: SourceManager) {
    this.subscription = sources.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(node?: ModelNode): ModelNode[] {
    const source = this.sources.source;
    if (node || !source) return [];
    const open = new Map<string, number>();
    for (const alert of source.data.alerts) {
      if (!alert.modelVersion) continue;
      open.set(alert.modelVersion, (open.get(alert.modelVersion) ?? 0) + (alert.acknowledged ? 0 : 1));
    }
    return [...open.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([modelVersion, openAlerts]) => ({ modelVersion, openAlerts }));
  }

  getTreeItem(node: ModelNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.modelVersion, vscode.TreeItemCollapsibleState.None);
    item.id = `model:${node.modelVersion}`;
    item.description = node.openAlerts === 0 ? 'no open alerts' : `${node.openAlerts} open alerts`;
    item.iconPath = new vscode.ThemeIcon('symbol-class');
    item.contextValue = 'model';
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

import * as vscode from 'vscode';
import type { SourceManager } from './sourceManager';

export type ModelNode =
  | { readonly kind?: undefined; readonly modelVersion: string; readonly predictions: number; readonly labelled: number; readonly openAlerts: number }
  | { readonly kind: 'loading' };

/** The Models view: each model version with its prediction volume, label coverage and open alerts. */
export class ModelsTreeDataProvider implements vscode.TreeDataProvider<ModelNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly sources: SourceManager) {
    this.subscription = sources.onDidChange(() => this.changed.fire(undefined));
  }

  /** The versions as the source counted them after opening; one "reading" row until it has. */
  getChildren(node?: ModelNode): ModelNode[] {
    const source = this.sources.source;
    if (node || !source) return [];
    if (source.predictions === null) return [{ kind: 'loading' }];
    return source.predictions.versions.map((version) => ({ ...version }));
  }

  getTreeItem(node: ModelNode): vscode.TreeItem {
    if (node.kind === 'loading') {
      const item = new vscode.TreeItem('Reading predictions…', vscode.TreeItemCollapsibleState.None);
      item.id = 'model:loading';
      item.iconPath = new vscode.ThemeIcon('loading~spin');
      item.tooltip = 'The alerts and rules are read first; the prediction counts of a large source follow.';
      return item;
    }
    const item = new vscode.TreeItem(node.modelVersion, vscode.TreeItemCollapsibleState.None);
    item.id = `model:${node.modelVersion}`;
    const coverage = node.predictions === 0 ? 0 : (100 * node.labelled) / node.predictions;
    item.description = `${node.predictions.toLocaleString('en-US')} predictions · ${coverage.toFixed(0)}% labelled · ${node.openAlerts} open alerts`;
    item.iconPath = new vscode.ThemeIcon('symbol-class', node.openAlerts > 0 ? new vscode.ThemeColor('list.warningForeground') : undefined);
    item.contextValue = 'model';
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

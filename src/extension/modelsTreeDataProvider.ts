import * as vscode from 'vscode';
import type { SourceManager } from './sourceManager';

export interface ModelNode {
  modelVersion: string;
  predictions: number;
  labelled: number;
  openAlerts: number;
}

/** The Models view: each model version with its prediction volume, label coverage and open alerts. */
export class ModelsTreeDataProvider implements vscode.TreeDataProvider<ModelNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly sources: SourceManager) {
    this.subscription = sources.onDidChange(() => this.changed.fire(undefined));
  }

  async getChildren(node?: ModelNode): Promise<ModelNode[]> {
    const source = this.sources.source;
    if (node || !source) return [];
    const { store } = source;
    const versions = await store.readModelVersions();
    return Promise.all(
      versions.map(async (modelVersion) => ({
        modelVersion,
        predictions: await store.countPredictions({ modelVersion }),
        labelled: await store.countPredictions({ modelVersion, hasOutcome: true }),
        openAlerts: await store.countAlerts({ modelVersion, acknowledged: false }),
      })),
    );
  }

  getTreeItem(node: ModelNode): vscode.TreeItem {
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

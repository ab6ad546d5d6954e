import * as vscode from 'vscode';
import type { SourceManager } from './sourceManager';

/** Status bar entry: the open source and its open alerts; click to focus the Alerts view. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('pitwall.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(sources: SourceManager) {
    this.item.name = 'Pitwall';
    this.item.command = 'pitwall.alerts.focus';
    this.subscription = sources.onDidChange((source) => {
      if (!source) {
        this.item.hide();
        return;
      }
      const open = source.counts.unacknowledgedAlerts;
      this.item.text = `$(pulse) ${source.name} · ${open} open`;
      this.item.tooltip = `Pitwall: ${source.path}${source.readOnlyReason ? ` (read-only: ${source.readOnlyReason})` : ''}`;
      this.item.backgroundColor = open > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      this.item.show();
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}

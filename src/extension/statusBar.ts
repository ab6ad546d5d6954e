import * as vscode from 'vscode';
import { ALERT_SEVERITIES, type AlertSeverity } from '../core/model/alert';
import { countOpenAlerts, type OpenAlerts } from '../core/analytics/glance';
import { describeError } from '../core/errors';
import type { OpenSource, SourceManager } from './sourceManager';


const HIDE_WHEN_QUIET = 'statusBar.hideWhenQuiet';

/** Markdown text of a value from the data: its markdown characters are escaped. */
function plain(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

/**
 * The status bar entry: `$(bell) N`, N the open critical alerts of the open source, on the error
 * background only while one is open. Its tooltip counts the open alerts per severity and per model
 * version, with links to the Alerts view and the settings; a click focuses the Alerts view. With
 * nothing open it is plain, or hidden when `pitwall.statusBar.hideWhenQuiet` says so.
 */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('pitwall.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[];
  /** Answers arrive in order of asking: an older one that lands late is dropped. */
  private asked = 0;

  constructor(
    private readonly sources: SourceManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.item.name = 'Pitwall Alerts';
    this.item.command = { command: 'pitwall.alerts.focus', title: 'Show Pitwall Alerts' };
    this.subscriptions = [
      sources.onDidChange((source) => void this.update(source)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(`pitwall.${HIDE_WHEN_QUIET}`)) void this.update(this.sources.source);
      }),
    ];
  }

  /** The text the entry shows (tests read it). */
  get text(): string {
    return this.item.text;
  }

  private async update(source: OpenSource | null): Promise<void> {
    const asked = ++this.asked;
    if (source === null) {
      this.item.hide();
      return;
    }
    let byModel: OpenAlerts['by_model'] | null = null;
    try {
      byModel = (await countOpenAlerts(source.store)).by_model;
    } catch (error) {
      this.log.warn(`Counting the open alerts per model version of ${source.name} failed: ${describeError(error)}`);
    }
    if (asked !== this.asked) return;
    const open = (severity: AlertSeverity) => source.groups.find((group) => group.severity === severity)?.open ?? 0;
    const critical = open('critical');
    const anyOpen = source.counts.unacknowledgedAlerts > 0;
    if (!anyOpen && vscode.workspace.getConfiguration('pitwall').get<boolean>(HIDE_WHEN_QUIET, false)) {
      this.item.hide();
      return;
    }
    this.item.text = critical > 0 ? `$(bell-dot) ${critical}` : `$(bell) ${critical}`;
    this.item.backgroundColor = critical > 0 ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.accessibilityInformation = {
      label: `Pitwall: ${critical} open critical alert${critical === 1 ? '' : 's'}, ${source.counts.unacknowledgedAlerts} open in all, in ${source.name}`,
    };
    this.item.tooltip = this.tooltip(source, open, byModel);
    this.item.show();
  }

  private tooltip(source: OpenSource, open: (severity: AlertSeverity) => number, byModel: OpenAlerts['by_model'] | null): vscode.MarkdownString {
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: ['pitwall.alerts.focus', 'workbench.action.openSettings'] };
    md.appendMarkdown(`**Pitwall** · ${plain(source.name)}${source.readOnlyReason ? ' (read-only)' : ''}\n\n`);
    const severities = ALERT_SEVERITIES.slice().reverse();
    md.appendMarkdown('| Open alerts | |\n|:--|--:|\n');
    for (const severity of severities) md.appendMarkdown(`| ${severity} | ${open(severity).toLocaleString('en-US')} |\n`);
    if (byModel !== null && byModel.length > 0) {
      md.appendMarkdown('\n| Model version | Open | critical |\n|:--|--:|--:|\n');
      for (const row of [...byModel].sort((a, b) => b.total - a.total)) {
        md.appendMarkdown(`| ${row.model_version === null ? '(none)' : plain(row.model_version)} | ${row.total.toLocaleString('en-US')} | ${row.critical.toLocaleString('en-US')} |\n`);
      }
    }
    const settings = encodeURIComponent(JSON.stringify(['@ext:pitwall.pitwall pitwall']));
    md.appendMarkdown(`\n[Show alerts](command:pitwall.alerts.focus) · [Settings](command:workbench.action.openSettings?${settings})`);
    return md;
  }

  dispose(): void {
    for (const subscription of this.subscriptions.splice(0)) subscription.dispose();
    this.item.dispose();
  }
}

import * as vscode from 'vscode';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { registerAcknowledgeCommands } from './acknowledge';
import { AlertsTreeDataProvider, type AlertsNode } from './alertsTreeDataProvider';
import { openSourceWithProgress, registerCommands } from './commands';
import { ModelsTreeDataProvider } from './modelsTreeDataProvider';
import { RulesTreeDataProvider } from './rulesTreeDataProvider';
import { SourceManager } from './sourceManager';
import { StatusBar } from './statusBar';

/** What the extension returns from `activate`: used by other extensions and by Pitwall's own tests. */
export interface PitwallApi {
  readonly sources: SourceManager;
  readonly alerts: AlertsTreeDataProvider;
  readonly rules: RulesTreeDataProvider;
  readonly models: ModelsTreeDataProvider;
  readonly alertsView: vscode.TreeView<AlertsNode>;
}

/** The workspace's `pitwall.source.path`, when it exists: a JSONL folder, or a database inside or at it. */
async function findWorkspaceSource(): Promise<string | null> {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const configured = vscode.workspace.getConfiguration('pitwall.source', folder.uri).get<string>('path', 'data/monitoring');
    const candidate = join(folder.uri.fsPath, configured);
    const info = await stat(candidate).catch(() => null);
    if (!info) continue;
    if (info.isFile()) return candidate;
    for (const name of ['predictions.jsonl', 'alerts.jsonl', 'alert_rules.json']) {
      if (await stat(join(candidate, name)).catch(() => null)) return candidate;
    }
    const database = join(candidate, 'monitoring.db');
    if (await stat(database).catch(() => null)) return database;
  }
  return null;
}

export async function activate(context: vscode.ExtensionContext): Promise<PitwallApi> {
  const log = vscode.window.createOutputChannel('Pitwall', { log: true });
  const sources = new SourceManager(log, context.asAbsolutePath('dist/sql-wasm.wasm'));
  const alerts = new AlertsTreeDataProvider(sources);
  const rules = new RulesTreeDataProvider(sources);
  const models = new ModelsTreeDataProvider(sources);
  const commandContext = { sources, log };
  const alertsView = vscode.window.createTreeView('pitwall.alerts', { treeDataProvider: alerts, showCollapseAll: true, canSelectMany: true });
  context.subscriptions.push(
    log,
    sources,
    alerts,
    rules,
    models,
    new StatusBar(sources),
    alertsView,
    sources.onDidChange((source) => {
      alertsView.message = source?.readOnlyReason ? `Read-only: ${source.readOnlyReason}` : undefined;
    }),
    ...registerAcknowledgeCommands(sources, log, alertsView),
    vscode.window.createTreeView('pitwall.rules', { treeDataProvider: rules }),
    vscode.window.createTreeView('pitwall.models', { treeDataProvider: models }),
    ...registerCommands(commandContext),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void sources.updateTrust()),
  );

  const autoOpen = vscode.workspace.getConfiguration('pitwall.source').get<boolean>('autoOpen', true);
  if (autoOpen && !sources.source) {
    const found = await findWorkspaceSource();
    if (found) await openSourceWithProgress(commandContext, found);
  }
  return { sources, alerts, rules, models, alertsView };
}

export function deactivate(): void {}

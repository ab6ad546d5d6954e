import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import type { SourceManager } from './sourceManager';

export interface CommandContext {
  sources: SourceManager;
  log: vscode.LogOutputChannel;
  /** SQLite's engine next to the bundle, for work that builds a database (migration). */
  wasmPath?: string;
  /** After the Refresh command has read the source again: views list everything again. */
  onRefreshed?: () => void;
}

/**
 * Opens a source with progress; failures show the reason with an action instead of throwing.
 * It returns once the source is open or has failed: the error notification stays up without
 * holding the caller (activation) until someone dismisses it.
 */
export async function openSourceWithProgress(context: CommandContext, path: string): Promise<boolean> {
  try {
    // A read-only source says so at the top of the Alerts view; no pop-up on every open.
    await vscode.window.withProgress({ location: { viewId: 'pitwall.alerts' }, title: 'Opening monitoring source' }, () => context.sources.open(path));
    return true;
  } catch (error) {
    // A postgres:// URL given whole may carry a password: never logged.
    context.log.error(`Opening ${path.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@')} failed: ${describeError(error)}`);
    void vscode.window
      .showErrorMessage(describeError(error), 'Choose Another Source', 'Show Log')
      .then(async (choice) => {
        if (choice === 'Choose Another Source') await vscode.commands.executeCommand('pitwall.openSource');
        if (choice === 'Show Log') context.log.show();
      })
      .then(undefined, (failure: unknown) => context.log.error(`After the failed open of ${path}: ${describeError(failure)}`));
    return false;
  }
}

async function pickFolder(context: CommandContext): Promise<boolean> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    openLabel: 'Open Monitoring Folder',
    title: 'Pitwall: choose the folder your monitoring service writes JSONL files to',
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  const uri = picked?.[0];
  return uri ? openSourceWithProgress(context, uri.fsPath) : false;
}

async function pickDatabase(context: CommandContext): Promise<boolean> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: false,
    canSelectFiles: true,
    openLabel: 'Open Monitoring Database',
    title: 'Pitwall: choose the SQLite database of your monitoring service',
    filters: { 'SQLite database': ['db', 'sqlite', 'sqlite3'] },
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  const uri = picked?.[0];
  return uri ? openSourceWithProgress(context, uri.fsPath) : false;
}

export function registerCommands(context: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('pitwall.openSource', async (path?: unknown) => {
      if (typeof path === 'string') return openSourceWithProgress(context, path);
      if (path instanceof vscode.Uri) return openSourceWithProgress(context, path.fsPath);
      const choice = await vscode.window.showQuickPick(
        [
          { label: '$(folder) JSONL folder', detail: 'predictions.jsonl, alerts.jsonl, alert_rules.json…', choice: 'folder' as const },
          { label: '$(database) SQLite database', detail: 'A .db, .sqlite or .sqlite3 file, also while the service writes it', choice: 'database' as const },
          { label: '$(server) PostgreSQL database', detail: 'Host, port, database and user, or a postgres:// URL; the password kept in secret storage', choice: 'postgres' as const },
        ],
        { title: 'Pitwall: Open Monitoring Source', placeHolder: 'What does your monitoring service write?' },
      );
      if (!choice) return false;
      if (choice.choice === 'postgres') return vscode.commands.executeCommand<boolean>('pitwall.openPostgres');
      return choice.choice === 'folder' ? pickFolder(context) : pickDatabase(context);
    }),
    vscode.commands.registerCommand('pitwall.openFolder', () => pickFolder(context)),
    vscode.commands.registerCommand('pitwall.openDatabase', () => pickDatabase(context)),
    vscode.commands.registerCommand('pitwall.closeSource', () => context.sources.close()),
    vscode.commands.registerCommand('pitwall.refresh', async () => {
      await context.sources.refresh(true);
      context.onRefreshed?.();
    }),
    vscode.commands.registerCommand('pitwall.showLog', () => context.log.show()),
  ];
}

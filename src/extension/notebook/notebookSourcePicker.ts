/**
 * **Select Notebook Source…** (notebook toolbar): the source a notebook's cells run on, kept in its
 * metadata — relative to the notebook's folder when inside it. Offers the open source, a JSONL
 * folder or a SQLite database.
 */
import * as vscode from 'vscode';
import { notebookSourceValue } from '../../core/query/notebookSource';
import { sourceName, type SourceManager } from '../sourceManager';
import { notebookFolder, notebookSourceOf } from './controller';
import { NOTEBOOK_TYPE } from './serializer';

/** Writes the source into the notebook's metadata (an edit: the notebook is dirty until saved). */
export async function setNotebookSource(notebook: vscode.NotebookDocument, path: string): Promise<boolean> {
  const edit = new vscode.WorkspaceEdit();
  edit.set(notebook.uri, [vscode.NotebookEdit.updateNotebookMetadata({ ...notebook.metadata, source: notebookSourceValue(path, notebookFolder(notebook)) })]);
  return vscode.workspace.applyEdit(edit);
}

async function pickSource(notebook: vscode.NotebookDocument, sources: SourceManager): Promise<string | undefined> {
  const current = notebookSourceOf(notebook, sources);
  const open = sources.source?.path;
  type Choice = vscode.QuickPickItem & { readonly choice: 'open' | 'folder' | 'database' };
  const items: Choice[] = [
    ...(open === undefined ? [] : [{ label: `$(database) ${sourceName(open)}`, description: 'the open source', detail: open, choice: 'open' as const }]),
    { label: '$(folder) JSONL folder…', detail: 'predictions.jsonl, alerts.jsonl, alert_rules.json…', choice: 'folder' },
    { label: '$(database) SQLite database…', detail: 'A .db, .sqlite or .sqlite3 file', choice: 'database' },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Pitwall: Select Notebook Source',
    placeHolder: current === null ? 'The notebook has no source yet' : `Now: ${current}`,
  });
  if (picked === undefined) return undefined;
  if (picked.choice === 'open') return open;
  const chosen = await vscode.window.showOpenDialog({
    canSelectFolders: picked.choice === 'folder',
    canSelectFiles: picked.choice === 'database',
    openLabel: 'Use as Notebook Source',
    ...(picked.choice === 'database' ? { filters: { 'SQLite database': ['db', 'sqlite', 'sqlite3'] } } : {}),
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return chosen?.[0]?.fsPath;
}

export function registerNotebookSourcePicker(sources: SourceManager): vscode.Disposable {
  return vscode.commands.registerCommand('pitwall.notebook.selectSource', async (given?: unknown) => {
    const notebook = vscode.window.activeNotebookEditor?.notebook;
    if (notebook === undefined || notebook.notebookType !== NOTEBOOK_TYPE) {
      void vscode.window.showInformationMessage('Open a Pitwall notebook (.pitnb) to choose its source.');
      return false;
    }
    // A path given (tests, other commands) is used as it is.
    const path = typeof given === 'string' ? given : await pickSource(notebook, sources);
    return path === undefined ? false : setNotebookSource(notebook, path);
  });
}

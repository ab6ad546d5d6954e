/**
 * **Pitwall: New Notebook**: an untitled notebook on the open source (or none, to choose in its
 * toolbar) holding the kernel's worked examples, each runnable as it is.
 */
import * as vscode from 'vscode';
import { readDataScope } from '../../core/analytics/dataScope';
import { describeError } from '../../core/errors';
import { starterNotebook } from '../../core/query/starterNotebook';
import type { SourceManager } from '../sourceManager';
import { NOTEBOOK_TYPE, notebookDataOf } from './serializer';

export async function openNewNotebook(sources: SourceManager, log: vscode.LogOutputChannel): Promise<vscode.NotebookEditor> {
  const source = sources.source;
  // The examples' dates come from the data; without them the drift example counts back from today.
  const scope = source === null ? { first: null, last: null } : await readDataScope(source.store).catch((error: unknown) => {
    log.warn(`New notebook: the time range of ${source.path} could not be read (${describeError(error)}); the drift example counts back from today.`);
    return { first: null, last: null };
  });
  const notebook = starterNotebook({ ...(source === null ? {} : { source: source.path }), scope });
  const document = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, notebookDataOf(notebook));
  return vscode.window.showNotebookDocument(document);
}

export function registerNewNotebook(sources: SourceManager, log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.commands.registerCommand('pitwall.newNotebook', () => openNewNotebook(sources, log));
}

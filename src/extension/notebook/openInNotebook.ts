/**
 * **Open in Notebook** on an alert (Alerts view, Alert Details panel): a new notebook on the open
 * source with the kernel's drill-down queries for the alert's window, version and rule.
 */
import * as vscode from 'vscode';
import { readAlertDetails } from '../../core/alerting/alertDetails';
import { readDataScope } from '../../core/analytics/dataScope';
import { alertNotebook, ruleForAlert } from '../../core/query/alertNotebook';
import type { StoredAlert } from '../../core/store/store';
import type { SourceManager } from '../sourceManager';
import { NOTEBOOK_TYPE, notebookDataOf } from './serializer';

/** The alert a command was given: an alert, or a tree row holding one. */
function alertOf(given: unknown): StoredAlert | undefined {
  const held = typeof given === 'object' && given !== null && 'alert' in given ? (given as { alert: unknown }).alert : given;
  if (typeof held === 'object' && held !== null && typeof (held as { key?: unknown }).key === 'string' && typeof (held as { alert_id?: unknown }).alert_id === 'string') return held as StoredAlert;
  return undefined;
}

export async function openAlertNotebook(sources: SourceManager, given: unknown): Promise<vscode.NotebookEditor | undefined> {
  const alert = alertOf(given);
  const source = sources.source;
  if (alert === undefined || source === null) {
    void vscode.window.showInformationMessage('Open in Notebook works on an alert: right-click one in the Alerts view, or use its details panel.');
    return undefined;
  }
  const [details, rules, scope] = await Promise.all([readAlertDetails(source.store, [alert]), source.store.readRules(), readDataScope(source.store)]);
  const rule = ruleForAlert({ ...alert, rule_id: details.get(alert.key)?.rule_id ?? null }, rules);
  const notebook = alertNotebook({ source: source.path, alert, ...(rule === undefined ? {} : { rule }), scope });
  const document = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, notebookDataOf(notebook));
  return vscode.window.showNotebookDocument(document);
}

export function registerOpenInNotebook(sources: SourceManager): vscode.Disposable {
  return vscode.commands.registerCommand('pitwall.openInNotebook', (given?: unknown) => openAlertNotebook(sources, given));
}

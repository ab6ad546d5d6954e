import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import { acknowledgerName } from '../core/platform/acknowledger';
import type { AlertKey, StoredAlert } from '../core/store/store';
import { formatAlertTime, type AlertsNode } from './alertsTreeDataProvider';
import { rowsOf } from './alertsViewCommands';
import type { SourceManager } from './sourceManager';

/** `acknowledged_by`: the setting, else the operating-system user. */
function acknowledger(): string {
  return acknowledgerName(vscode.workspace.getConfiguration('pitwall.user').get<string>('name'));
}

async function refuseIfReadOnly(sources: SourceManager): Promise<boolean> {
  const reason = sources.source?.readOnlyReason;
  if (!reason) return false;
  const choice = await vscode.window.showWarningMessage(reason, 'Manage Workspace Trust');
  if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
  return true;
}

/** Acknowledges alerts through the store (one atomic write), then refreshes the views. */
export async function acknowledge(sources: SourceManager, log: vscode.LogOutputChannel, alerts: readonly StoredAlert[], comment: string | null): Promise<void> {
  const source = sources.source;
  if (!source || alerts.length === 0 || (await refuseIfReadOnly(sources))) return;
  const keys: AlertKey[] = alerts.map((alert) => alert.key);
  try {
    const result = await vscode.window.withProgress(
      { location: { viewId: 'pitwall.alerts' }, title: 'Acknowledging' },
      () => source.store.acknowledgeAlerts(keys, acknowledger(), Date.now() / 1000, comment),
    );
    log.info(`Acknowledged ${result.acknowledged.length} alert(s) in ${source.path}: ${result.acknowledged.join(', ')}`);
    await sources.refresh(true);
    const notes: string[] = [];
    if (result.alreadyAcknowledged.length > 0) notes.push(`${result.alreadyAcknowledged.length} already acknowledged by someone else`);
    if (result.notFound.length > 0) notes.push(`${result.notFound.length} no longer in the source`);
    for (const problem of result.problems ?? []) {
      log.warn(problem);
      notes.push(problem);
    }
    const message = `Acknowledged ${result.acknowledged.length} alert${result.acknowledged.length === 1 ? '' : 's'}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}.`;
    if (notes.length > 0) void vscode.window.showWarningMessage(message);
    else vscode.window.setStatusBarMessage(`$(check) ${message}`, 4000);
  } catch (error) {
    log.error(`Acknowledging in ${source.path} failed: ${describeError(error)}`);
    const choice = await vscode.window.showErrorMessage(`Could not acknowledge: ${describeError(error)}`, 'Retry', 'Show Log');
    if (choice === 'Retry') await acknowledge(sources, log, alerts, comment);
    if (choice === 'Show Log') log.show();
  }
}

/** The open alerts a command acts on (see rowsOf): acknowledged rows are left out. */
function alertsOf(node: AlertsNode | undefined, selected: readonly AlertsNode[] | undefined): StoredAlert[] {
  return rowsOf(node, selected).flatMap((row) => (row.alert.acknowledged ? [] : [row.alert]));
}

async function askComment(count: number): Promise<string | null | undefined> {
  const comment = await vscode.window.showInputBox({
    title: `Acknowledge ${count} alert${count === 1 ? '' : 's'}`,
    prompt: 'Optional comment, kept in Pitwall\'s acknowledgment log beside the alerts',
    placeHolder: 'e.g. retraining v1.1 — see incident 42',
  });
  if (comment === undefined) return undefined;
  return comment.trim() === '' ? null : comment.trim();
}

/** The palette flow: pick open alerts (several at once), an optional comment, acknowledge. */
async function pickAndAcknowledge(sources: SourceManager, log: vscode.LogOutputChannel): Promise<void> {
  const source = sources.source;
  if (!source) {
    await vscode.commands.executeCommand('pitwall.openSource');
    return;
  }
  if (await refuseIfReadOnly(sources)) return;
  const open = await source.store.readAlerts({ acknowledged: false, limit: 1000 });
  if (open.length === 0) {
    void vscode.window.showInformationMessage('No open alerts: everything in this source is acknowledged.');
    return;
  }
  const picked = await vscode.window.showQuickPick(
    open.map((alert) => ({
      label: `$(${alert.severity === 'critical' ? 'error' : alert.severity === 'warning' ? 'warning' : 'info'}) ${alert.title ?? alert.alert_id}`,
      description: [alert.model_version, formatAlertTime(alert.timestamp)].filter(Boolean).join(' · '),
      detail: alert.message ?? undefined,
      alert,
    })),
    { title: 'Pitwall: Acknowledge Alerts', placeHolder: 'Select the open alerts to acknowledge', canPickMany: true, matchOnDescription: true, matchOnDetail: true },
  );
  if (!picked || picked.length === 0) return;
  const comment = await askComment(picked.length);
  if (comment === undefined) return;
  await acknowledge(sources, log, picked.map((item) => item.alert), comment);
}

/** The commands act on the tree's selection when run from a keybinding, with no node given. */
export function registerAcknowledgeCommands(sources: SourceManager, log: vscode.LogOutputChannel, view: vscode.TreeView<AlertsNode>): vscode.Disposable[] {
  const selectedInView = () => view.selection[0];
  return [
    vscode.commands.registerCommand('pitwall.acknowledgeAlerts', () => pickAndAcknowledge(sources, log)),
    vscode.commands.registerCommand('pitwall.alerts.acknowledge', (node?: AlertsNode, selected?: AlertsNode[]) =>
      acknowledge(sources, log, alertsOf(node ?? selectedInView(), selected ?? [...view.selection]), null),
    ),
    vscode.commands.registerCommand('pitwall.alerts.acknowledgeWithComment', async (node?: AlertsNode, selected?: AlertsNode[]) => {
      const alerts = alertsOf(node ?? selectedInView(), selected ?? [...view.selection]);
      if (alerts.length === 0) return;
      const comment = await askComment(alerts.length);
      if (comment !== undefined) await acknowledge(sources, log, alerts, comment);
    }),
  ];
}


import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AlertsNode } from '../../src/extension/alertsTreeDataProvider';
import { click, eventually, pitwall, press, requireWorkbench, screenshot, SIDEBAR, type, workbenchText } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const acknowledgmentsFile = join(workspace, 'data/monitoring/acknowledgments.jsonl');
const USER = 'integration-ana';

type AlertNode = Extract<AlertsNode, { kind: 'alert' }>;

/** The open alerts of the first severity group that has at least `count` of them. */
async function openAlerts(count: number): Promise<{ group: AlertsNode; alerts: AlertNode[] }> {
  const api = await pitwall();
  for (const group of await api.alerts.getChildren()) {
    const alerts = (await api.alerts.getChildren(group)).filter((node): node is AlertNode => node.kind === 'alert' && !node.alert.acknowledged);
    if (alerts.length >= count) return { group, alerts: alerts.slice(0, count) };
  }
  throw new Error(`no severity group has ${count} open alerts`);
}

async function acknowledgedBy(node: AlertNode): Promise<string | null | undefined> {
  const api = await pitwall();
  const alert = await api.sources.source?.store.readAlert(node.alert.key);
  return alert?.acknowledged ? alert.acknowledged_by : undefined;
}

function acknowledgmentsLogged(): { alert_id: string; acknowledged_by: string | null; comment: string | null }[] {
  let text = '';
  try {
    text = readFileSync(acknowledgmentsFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { alert_id: string; acknowledged_by: string | null; comment: string | null });
}

/** Shows the rows of a severity group in the Alerts view, the group expanded. */
async function showRows(group: AlertsNode, first: AlertNode): Promise<string> {
  const api = await pitwall();
  const row = `${SIDEBAR} .monaco-list-row[aria-level="2"]`;
  await eventually(async () => {
    if ((await workbenchText(row).catch(() => '')).includes(first.alert.message ?? '')) return true;
    await api.alertsView.reveal(group, { expand: true, select: false, focus: false }).then(undefined, () => undefined);
    return undefined;
  });
  return row;
}

describe('Acknowledging several alerts, from the keyboard and with a comment', () => {
  before(async () => {
    const api = await pitwall();
    await eventually(() => api.sources.source ?? undefined);
    await vscode.workspace.getConfiguration('pitwall.user').update('name', USER, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await vscode.workspace.getConfiguration('pitwall.user').update('name', undefined, vscode.ConfigurationTarget.Global);
  });

  it('acknowledges every alert of a multi-selection, as the context menu passes it, by pitwall.user.name', async () => {
    const { alerts } = await openAlerts(3);
    const [clicked, other, outside] = alerts as [AlertNode, AlertNode, AlertNode];
    // A context-menu command on a row of a multi-selection gets the row and the whole selection.
    await vscode.commands.executeCommand('pitwall.alerts.acknowledge', clicked, [clicked, other]);
    assert.equal(await eventually(() => acknowledgedBy(clicked)), USER);
    assert.equal(await eventually(() => acknowledgedBy(other)), USER);
    assert.equal(await acknowledgedBy(outside), undefined, 'an alert outside the selection stays open');
  });

  it('acknowledges the selected rows with Ctrl+Enter', async function () {
    requireWorkbench(this);
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    await vscode.commands.executeCommand('pitwall.refresh');
    const { group, alerts } = await openAlerts(2);
    const [first] = alerts as [AlertNode, AlertNode];
    // Only this group expanded: its rows are the first of their level, open alerts first.
    await vscode.commands.executeCommand('workbench.actions.treeView.pitwall.alerts.collapseAll');
    const row = await showRows(group, first);
    // Select the two first rows as a person does: click one, Ctrl+click the next.
    await click(`${row}`);
    await click(`${row}:not([aria-selected="true"])`, ['Control']);
    const selected = await eventually(async () => {
      const api = await pitwall();
      const nodes = api.alertsView.selection.filter((node): node is AlertNode => node.kind === 'alert' && !node.alert.acknowledged);
      return nodes.length === 2 ? nodes : undefined;
    });
    await screenshot('acknowledge-multi-select');
    await press('Control+Enter');
    for (const node of selected) assert.equal(await eventually(() => acknowledgedBy(node)), USER);
  });

  it('acknowledges with a comment typed in the input box, kept in acknowledgments.jsonl', async function () {
    requireWorkbench(this);
    const { alerts } = await openAlerts(1);
    const [node] = alerts as [AlertNode];
    const comment = `retraining ${node.alert.model_version ?? ''} — incident 42`;
    const done = vscode.commands.executeCommand('pitwall.alerts.acknowledgeWithComment', node, [node]);
    await eventually(async () => (/Acknowledge 1 alert/.test(await workbenchText('.quick-input-widget')) ? true : undefined));
    await type(comment);
    await screenshot('acknowledge-comment');
    await press('Enter');
    await done;
    assert.equal(await eventually(() => acknowledgedBy(node)), USER);
    const logged = acknowledgmentsLogged().filter((line) => line.alert_id === node.alert.alert_id);
    assert.deepEqual(logged.map((line) => [line.acknowledged_by, line.comment]), [[USER, comment]]);
  });
});

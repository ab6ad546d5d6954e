import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, pitwall, requireWorkbench, screenshot, SIDEBAR, workbenchText } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const alertsFile = join(workspace, 'data/monitoring/alerts.jsonl');

describe('An untrusted workspace', () => {
  it('opens the monitoring source read-only', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace is not trusted');
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    assert.match(source.readOnlyReason ?? '', /not trusted/);
  });

  it('refuses to acknowledge, saying why, and writes nothing', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    await eventually(() => api.sources.source ?? undefined);
    const before = readFileSync(alertsFile);
    const [critical] = await api.alerts.getChildren();
    assert.ok(critical && critical.kind === 'group');
    const open = (await api.alerts.getChildren(critical)).find((node) => node.kind === 'alert' && !node.alert.acknowledged);
    assert.ok(open && open.kind === 'alert');
    // The command is hidden from the menus here; run directly it must still refuse. It waits on
    // the refusal's notification, so it is not awaited: the notification itself is the answer.
    await vscode.commands.executeCommand('notifications.clearAll');
    void vscode.commands.executeCommand('pitwall.alerts.acknowledge', open);
    const toast = await eventually(async () => {
      const text = await workbenchText('.notifications-toasts');
      return /not trusted/.test(text) ? text : undefined;
    });
    assert.match(toast, /Manage Workspace Trust/, 'the refusal offers to manage trust');
    await screenshot('untrusted-refusal');
    // The refusal comes before any write is attempted: once it shows, the command writes nothing.
    assert.ok(readFileSync(alertsFile).equals(before), 'alerts.jsonl is untouched');
    assert.equal((await api.sources.source?.store.readAlert(open.alert.key))?.acknowledged, false, 'the store still has the alert open');
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('says so at the top of the Alerts view', async function () {
    requireWorkbench(this);
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    await eventually(async () => (/Read-only: The workspace is not trusted/.test(await workbenchText(SIDEBAR)) ? true : undefined));
    await screenshot('untrusted-read-only');
  });
});

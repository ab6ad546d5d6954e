import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, pitwall, requireWorkbench, screenshot, SIDEBAR, workbenchText } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const alertsFile = join(workspace, 'data/monitoring/alerts.jsonl');

describe('An untrusted workspace', () => {
  it('opens the monitoring source read-only and refuses to acknowledge, writing nothing', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace is not trusted');
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    assert.match(source.readOnlyReason ?? '', /not trusted/);
    const before = readFileSync(alertsFile);
    const [critical] = await api.alerts.getChildren();
    assert.ok(critical && critical.kind === 'severity');
    const open = (await api.alerts.getChildren(critical)).find((node) => node.kind === 'alert' && !node.alert.acknowledged);
    assert.ok(open);
    // The command is hidden from the menus here; run directly it must still refuse.
    void vscode.commands.executeCommand('pitwall.alerts.acknowledge', open);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok(readFileSync(alertsFile).equals(before), 'alerts.jsonl is untouched');
  });

  it('says so at the top of the Alerts view', async function () {
    requireWorkbench(this);
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    await eventually(async () => (/Read-only: The workspace is not trusted/.test(await workbenchText(SIDEBAR)) ? true : undefined));
    await screenshot('untrusted-read-only');
  });
});

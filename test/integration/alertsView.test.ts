import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, pitwall, requireWorkbench, screenshot, SIDEBAR, workbenchText } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';

function alertsOnDisk(): { severity: string; acknowledged: boolean }[] {
  return readFileSync(join(workspace, 'data/monitoring/alerts.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { severity: string; acknowledged: boolean });
}

describe('Alerts view on the demo JSONL folder', () => {
  it('auto-opens data/monitoring and groups its alerts by severity with counts', async () => {
    const api = await pitwall();
    await eventually(() => api.sources.source ?? undefined);
    const expected = new Map<string, number>();
    for (const alert of alertsOnDisk()) expected.set(alert.severity, (expected.get(alert.severity) ?? 0) + 1);
    assert.ok(expected.size >= 2, 'the generated data has alerts of several severities');

    const groups = await api.alerts.getChildren();
    const counts = new Map<string, number>();
    for (const group of groups) {
      assert.equal(group.kind, 'group');
      if (group.kind === 'group') counts.set(String(group.group.key), (await api.alerts.getChildren(group)).length);
    }
    assert.deepEqual(counts, expected);
    const labels = groups.map((group) => api.alerts.getTreeItem(group).label);
    assert.deepEqual(labels, ['Critical', 'Warning', 'Info'].filter((label) => expected.has(label.toLowerCase())));
    const critical = groups[0];
    assert.ok(critical && critical.kind === 'group');
    const open = alertsOnDisk().filter((alert) => alert.severity === 'critical' && !alert.acknowledged).length;
    assert.equal(api.alerts.getTreeItem(critical).description, `${expected.get('critical')} · ${open} open`);
  });

  it('shows the grouped alerts in the rendered sidebar', async function () {
    requireWorkbench(this);
    const expected = new Map<string, number>();
    for (const alert of alertsOnDisk()) expected.set(alert.severity, (expected.get(alert.severity) ?? 0) + 1);
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    let rendered = '';
    const sidebarShows = async (pattern: RegExp) => {
      await eventually(async () => {
        rendered = await workbenchText(SIDEBAR);
        return pattern.test(rendered) ? true : undefined;
      }).catch(() => assert.fail(`the sidebar should match ${pattern} but shows:\n${rendered}`));
    };
    // The most severe group is open, showing its alerts by title.
    await sidebarShows(new RegExp(`Critical\\s*${expected.get('critical')} · \\d+ open\\s*\\n[^\\n]* is \\d`));
    await screenshot('sidebar-demo-alerts');
    // Collapsed, every severity group and its count fits in the view.
    await vscode.commands.executeCommand('workbench.actions.treeView.pitwall.alerts.collapseAll');
    for (const severity of ['Warning', 'Info'].filter((s) => expected.has(s.toLowerCase()))) {
      await sidebarShows(new RegExp(`${severity}\\s*${expected.get(severity.toLowerCase())} · \\d+ open`));
    }
    assert.match(rendered, /RULES/);
    assert.match(rendered, /MODELS/);
  });
});

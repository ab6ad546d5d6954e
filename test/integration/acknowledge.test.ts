import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { click, eventually, requireWorkbench, hover, pitwall, screenshot, SIDEBAR, workbenchText } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const alertsFile = join(workspace, 'data/monitoring/alerts.jsonl');

describe('Acknowledging an alert from the sidebar', () => {
  it('acknowledges the newest open critical alert with its inline button, and only that line of alerts.jsonl changes', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    await eventually(() => api.sources.source ?? undefined);
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    await vscode.commands.executeCommand('pitwall.refresh');
    const [critical] = await api.alerts.getChildren();
    assert.ok(critical && critical.kind === 'group' && critical.group.key === 'critical');
    // Taken now: the view keeps its group rows (their ids stay registered) and updates their counts in place on a refresh.
    const { total, open: openBefore } = critical.group;
    const [first] = await api.alerts.getChildren(critical);
    assert.ok(first && first.kind === 'alert' && !first.alert.acknowledged, 'open alerts are listed first');
    const before = readFileSync(alertsFile, 'utf8').split('\n');

    // The first alert row under the expanded Critical group; its check action shows on hover.
    // The group is expanded when the source opens; revealing it makes sure, whatever ran before.
    // It also selects the group row: an inline button acts on its own row, not on the selection.
    // A refresh racing the first reveal can leave the group collapsed, so each look that does not
    // find the row reveals the group again.
    const row = `${SIDEBAR} .monaco-list-row[aria-level="2"]`;
    let revealFailure: unknown = null;
    await eventually(async () => {
      const shown = await workbenchText(row).catch(() => '');
      if (shown.includes(first.alert.message ?? '')) return true;
      await api.alertsView.reveal(critical, { expand: true, select: true, focus: false }).then(undefined, (error: unknown) => void (revealFailure = error));
      // As a person would: click the group open when it is still collapsed.
      await click(`${SIDEBAR} .monaco-list-row[aria-level="1"][aria-expanded="false"][aria-label^="critical alerts"]`).catch(() => undefined);
      return undefined;
    }).catch(async (error: unknown) => {
      throw new Error(
        `the first alert row never showed "${first.alert.message ?? ''}" (reveal: ${revealFailure === null ? 'no error' : String(revealFailure)}); the sidebar shows:\n${await workbenchText(SIDEBAR)}`,
        { cause: error },
      );
    });
    await hover(row);
    await screenshot('acknowledge-hover');
    await click(`${row} .action-label.codicon-check`);

    const acknowledged = await eventually(async () => {
      const alert = await api.sources.source?.store.readAlert(first.alert.key);
      return alert?.acknowledged ? alert : undefined;
    });
    assert.ok(acknowledged.acknowledged_by, 'acknowledged_by is set');
    const after = readFileSync(alertsFile, 'utf8').split('\n');
    assert.equal(after.length, before.length, 'no line was added or lost');
    const changed = after.map((line, index) => (line === before[index] ? -1 : index)).filter((index) => index >= 0);
    assert.equal(changed.length, 1, 'exactly one line changed');
    const line = JSON.parse(after[changed[0] as number] as string) as Record<string, unknown>;
    assert.equal(line.alert_id, first.alert.alert_id);
    assert.equal(line.acknowledged, true);

    // The Python system still reads the file: every line is JSON with exactly its Alert fields.
    const python = spawnSync('python3', ['-c', `
import json, sys
fields = ["timestamp","alert_id","severity","title","message","metric_name","metric_value","threshold","component","model_version","acknowledged","acknowledged_at","acknowledged_by"]
for line in open(sys.argv[1]):
    if line.strip():
        assert list(json.loads(line).keys()) == fields, line
print("ok")
`, alertsFile], { encoding: 'utf8' });
    assert.equal(python.stdout.trim(), 'ok', python.stderr);

    const open = (openBefore - 1).toString();
    await eventually(async () => (new RegExp(`Critical\\s*${total} · ${open} open`).test(await workbenchText(SIDEBAR)) ? true : undefined));
    await screenshot('acknowledge-done');
  });
});

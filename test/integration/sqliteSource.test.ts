import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, pitwall, requireWorkbench, screenshot, SIDEBAR, workbenchText } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const database = join(workspace, 'data/monitoring.db');

/** The native sqlite3 shell's answer, as the reference. */
function sqlite(sql: string): string {
  const run = spawnSync('sqlite3', [database, sql], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim();
}

describe('A SQLite source (WAL mode, as the service writes it)', () => {
  after(async () => {
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
  });

  it('opens from the palette command and shows the database alerts by severity', async () => {
    const api = await pitwall();
    assert.equal(await vscode.commands.executeCommand('pitwall.openSource', database), true);
    const source = await eventually(() => (api.sources.source?.description.kind === 'sqlite' ? api.sources.source : undefined));
    assert.equal(source.counts.predictions, Number(sqlite('SELECT count(*) FROM predictions')));
    const groups = await api.alerts.getChildren();
    for (const group of groups) {
      assert.ok(group.kind === 'severity');
      assert.equal(group.total, Number(sqlite(`SELECT count(*) FROM alerts WHERE severity = '${group.severity}'`)));
      assert.equal(group.open, Number(sqlite(`SELECT count(*) FROM alerts WHERE severity = '${group.severity}' AND acknowledged IS NOT 1`)));
    }
    const rules = await api.rules.getChildren();
    assert.equal(rules.length, Number(sqlite('SELECT count(*) FROM alert_rules')));
  });

  it('acknowledges an alert in a real transaction: only that row changes and the file stays sound', async () => {
    const api = await pitwall();
    const [critical] = await api.alerts.getChildren();
    assert.ok(critical && critical.kind === 'severity');
    const open = (await api.alerts.getChildren(critical)).find((node) => node.kind === 'alert' && !node.alert.acknowledged);
    assert.ok(open && open.kind === 'alert');
    const others = sqlite(`SELECT id, acknowledged, acknowledged_by FROM alerts WHERE id <> ${Number(open.alert.key)} ORDER BY id`);
    await vscode.commands.executeCommand('pitwall.alerts.acknowledge', open);
    await eventually(() => (sqlite(`SELECT acknowledged FROM alerts WHERE id = ${Number(open.alert.key)}`) === '1' ? true : undefined));
    assert.equal(sqlite(`SELECT id, acknowledged, acknowledged_by FROM alerts WHERE id <> ${Number(open.alert.key)} ORDER BY id`), others);
    assert.equal(sqlite('PRAGMA integrity_check'), 'ok');
    assert.equal(sqlite('PRAGMA journal_mode'), 'wal', 'the database keeps its journal mode');
  });

  it('renders in the dark theme', async function () {
    requireWorkbench(this);
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default Dark Modern', vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    await eventually(async () => (/Critical\s*\d+ · \d+ open/.test(await workbenchText(SIDEBAR)) ? true : undefined));
    await screenshot('sidebar-sqlite-dark');
  });
});

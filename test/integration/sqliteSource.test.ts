import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { computedStyle, eventually, luminance, pitwall, requireWorkbench, screenshot, SIDEBAR, workbenchText } from './harness';

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
    assert.equal(source.counts.alerts, Number(sqlite('SELECT count(*) FROM alerts')));
    // The predictions are counted after the alerts are on screen.
    assert.equal((await api.sources.predictionsLoaded())?.predictions, Number(sqlite('SELECT count(*) FROM predictions')));
    const groups = await api.alerts.getChildren();
    for (const group of groups) {
      assert.ok(group.kind === 'group');
      assert.equal(group.group.total, Number(sqlite(`SELECT count(*) FROM alerts WHERE severity = '${String(group.group.key)}'`)));
      assert.equal(group.group.open, Number(sqlite(`SELECT count(*) FROM alerts WHERE severity = '${String(group.group.key)}' AND acknowledged IS NOT 1`)));
    }
    const ruleGroups = (await api.rules.getChildren()).filter((node) => node.kind === 'group');
    const rules = (await Promise.all(ruleGroups.map((group) => api.rules.getChildren(group)))).flat();
    assert.equal(rules.length, Number(sqlite('SELECT count(*) FROM alert_rules')));
  });

  it('acknowledges an alert in a real transaction: only that row changes and the file stays sound', async () => {
    const api = await pitwall();
    const [critical] = await api.alerts.getChildren();
    assert.ok(critical && critical.kind === 'group');
    const open = (await api.alerts.getChildren(critical)).find((node) => node.kind === 'alert' && !node.alert.acknowledged);
    assert.ok(open && open.kind === 'alert');
    const others = sqlite(`SELECT id, acknowledged, acknowledged_by FROM alerts WHERE id <> ${Number(open.alert.key)} ORDER BY id`);
    await vscode.commands.executeCommand('pitwall.alerts.acknowledge', open);
    await eventually(() => (sqlite(`SELECT acknowledged FROM alerts WHERE id = ${Number(open.alert.key)}`) === '1' ? true : undefined));
    assert.equal(sqlite(`SELECT id, acknowledged, acknowledged_by FROM alerts WHERE id <> ${Number(open.alert.key)} ORDER BY id`), others);
    assert.equal(sqlite('PRAGMA integrity_check'), 'ok');
    assert.equal(sqlite('PRAGMA journal_mode'), 'wal', 'the database keeps its journal mode');
  });

  it('renders in the dark theme: the sidebar turns dark and its text light, after a light theme', async function () {
    requireWorkbench(this);
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    const row = `${SIDEBAR} .monaco-list-row[aria-level="1"]`;
    /** The luminance of the sidebar's background and of the Alerts view's first row text, once the theme is applied. */
    const lookIn = async (theme: string, kind: vscode.ColorThemeKind) => {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      await eventually(() => (vscode.window.activeColorTheme.kind === kind ? true : undefined));
      await eventually(async () => (/Critical\s*\d+ · \d+ open/.test(await workbenchText(SIDEBAR)) ? true : undefined));
      return eventually(async () => {
        const background = await computedStyle('.part.sidebar', 'background-color');
        const text = await computedStyle(row, 'color');
        return background && text ? { background: luminance(background), text: luminance(text) } : undefined;
      });
    };
    const light = await lookIn('Default Light Modern', vscode.ColorThemeKind.Light);
    assert.ok(light.background > 0.7 && light.text < 0.3, `light theme: ${JSON.stringify(light)}`);
    const dark = await eventually(async () => {
      const seen = await lookIn('Default Dark Modern', vscode.ColorThemeKind.Dark);
      return seen.background < 0.1 ? seen : undefined;
    });
    assert.ok(dark.background < 0.1 && dark.text > 0.4, `dark theme: ${JSON.stringify(dark)}`);
    await screenshot('sidebar-sqlite-dark');
  });
});

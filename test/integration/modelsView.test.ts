import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ModelNode } from '../../src/extension/modelsTreeDataProvider';
import { click, eventually, hover, pitwall, requireWorkbench, screenshot, SIDEBAR, workbenchText } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const database = join(workspace, 'data/monitoring.db');
const folder = join(workspace, 'data/monitoring');

type VersionRow = Extract<ModelNode, { kind?: undefined }>;

async function versionRows(): Promise<VersionRow[]> {
  const api = await pitwall();
  await api.sources.predictionsLoaded();
  return (await api.models.getChildren()).flatMap((node) => (node.kind === undefined ? [node] : []));
}

/** Markdown escaped by appendText, read back as text. */
function plain(tooltip: vscode.TreeItem['tooltip']): string {
  return (tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
}

describe('The Models view', () => {
  after(async () => {
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('pitwall.models').update('staleAfter', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const api = await pitwall();
    await api.sources.open(database);
  });

  for (const [kind, path] of [
    ['SQLite database', database],
    ['JSONL folder', folder],
  ] as const) {
    it(`shows each version's health, open alerts, last day's predictions (to the newest and to now) and that it went silent, for a ${kind}`, async () => {
      const api = await pitwall();
      await api.sources.open(path);
      const source = api.sources.source;
      assert.ok(source);
      const rows = await versionRows();
      assert.deepEqual(rows.map((row) => row.modelVersion), await source.store.readModelVersions());
      const [newest] = await source.store.readPredictions({ order: 'desc', limit: 1 });
      assert.ok(newest);
      for (const row of rows) {
        const item = api.models.getTreeItem(row);
        const description = String(item.description);
        const open = await source.store.countAlerts({ modelVersion: row.modelVersion, acknowledged: false });
        const lastDay = await source.store.countPredictions({ modelVersion: row.modelVersion, from: newest.timestamp - 86_400, to: newest.timestamp + 0.001 });
        // The generated data lies weeks before today: every version is silent for longer than the default hour.
        assert.match(description, /^silent \d+ (days|hours)/);
        assert.match(description, new RegExp(` · ${open} open · 24h: ${lastDay.toLocaleString('en-US')} to newest, 0 to now$`));
        assert.match(description, /acc (0\.\d{3}|–) · ECE (0\.\d{3}|–) · (\d+%|–) labelled/);
        assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
        assert.equal(item.contextValue, 'model:stale');
        const tooltip = plain(item.tooltip);
        assert.match(tooltip, /more than pitwall\.models\.staleAfter/);
        assert.match(tooltip, new RegExp(`Predictions in the last 24 h: ${lastDay.toLocaleString('en-US')} up to the source's newest prediction`));
        assert.match(tooltip, new RegExp(`Open alerts: ${open} \\(`));
      }
      assert.ok(rows.some((row) => /acc 0\.\d{3}/.test(String(api.models.getTreeItem(row).description))), 'some version has a measured accuracy');
    });
  }

  it('follows pitwall.models.staleAfter: with ten years nothing is silent', async () => {
    const api = await pitwall();
    await vscode.workspace.getConfiguration('pitwall.models').update('staleAfter', '3650d', vscode.ConfigurationTarget.Global);
    await eventually(async () => {
      const rows = await versionRows();
      return rows.every((row) => !String(api.models.getTreeItem(row).description).startsWith('silent') && api.models.getTreeItem(row).contextValue === 'model') ? true : undefined;
    });
    await vscode.workspace.getConfiguration('pitwall.models').update('staleAfter', undefined, vscode.ConfigurationTarget.Global);
    await eventually(async () => ((await versionRows()).every((row) => String(api.models.getTreeItem(row).description).startsWith('silent')) ? true : undefined));
  });

  it('shows the rows in the sidebar and opens a version\'s trend from its inline icon', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    await api.sources.open(database);
    await vscode.commands.executeCommand('pitwall.models.focus');
    const [row] = await versionRows();
    assert.ok(row);
    const selector = `${SIDEBAR} .monaco-list-row:has-text("${row.modelVersion}"):has-text("to newest")`;
    await eventually(async () => ((await workbenchText(SIDEBAR)).includes('to newest') ? true : undefined));
    await hover(selector);
    await click(`${selector} .action-label[aria-label="Show Performance Trend"]`);
    await eventually(() =>
      vscode.window.tabGroups.all.flatMap((group) => group.tabs).some((tab) => tab.input instanceof vscode.TabInputWebview && tab.label === `Performance Trend: ${row.modelVersion}`) ? true : undefined,
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.models.focus');
    for (const [theme, kind, shot] of [
      ['Default Light Modern', vscode.ColorThemeKind.Light, 'models-view-light'],
      ['Default Dark Modern', vscode.ColorThemeKind.Dark, 'models-view-dark'],
      ['Default High Contrast', vscode.ColorThemeKind.HighContrast, 'models-view-high-contrast'],
    ] as const) {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      await eventually(() => (vscode.window.activeColorTheme.kind === kind ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 500));
      await screenshot(shot);
    }
    assert.match(await workbenchText(SIDEBAR), /MODELS/);
  });
});

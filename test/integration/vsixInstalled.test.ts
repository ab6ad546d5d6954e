import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, panelState, pitwall, screenshot, SIDEBAR, workbenchText } from './harness';

describe('Pitwall installed from its .vsix', () => {
  it('runs from the extensions directory, not from the source tree', () => {
    const extension = vscode.extensions.getExtension('pitwall.pitwall');
    assert.ok(extension, 'the installed extension is known to VS Code');
    const extensionsDir = process.env.PITWALL_TEST_EXTENSIONS_DIR ?? '';
    assert.ok(extension.extensionPath.startsWith(extensionsDir), `${extension.extensionPath} is under ${extensionsDir}`);
    assert.ok(existsSync(join(extension.extensionPath, 'dist/sql-wasm.wasm')), 'the sql.js wasm ships in the package');
    assert.ok(existsSync(join(extension.extensionPath, 'dist/scanWorker.js')), 'the page-scan worker ships beside the CLI');
    assert.ok(existsSync(join(extension.extensionPath, 'dist/storeWorker.js')), 'the store worker ships beside the extension');
    assert.ok(!existsSync(join(extension.extensionPath, 'node_modules')), 'dependencies are bundled, not shipped');
    for (const file of ['dist/webview/trendView.js', 'dist/webview/panel.css']) assert.ok(existsSync(join(extension.extensionPath, file)), `the chart panel's ${file} ships`);
    for (const file of ['dist/queryWorker.js', 'dist/webview/notebookRenderer.js', 'syntaxes/pql.tmLanguage.json', 'syntaxes/pql.language-configuration.json']) assert.ok(existsSync(join(extension.extensionPath, file)), `the notebook's ${file} ships`);
    // The packaged command: the launcher runs the CLI bundle shipped beside it.
    const cli = spawnSync(process.execPath, [join(extension.extensionPath, 'dist/cli.js'), '--version'], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('activates and its Alerts view shows the demo alerts', async () => {
    const api = await pitwall();
    await eventually(() => api.sources.source ?? undefined);
    assert.ok((await api.alerts.getChildren()).length > 0);
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    await eventually(async () => ((await workbenchText(SIDEBAR)).includes('Critical') ? true : undefined));
    await screenshot('vsix-sidebar');
  });

  it('draws the performance trend from the packaged panel bundle, without a CSP violation', async () => {
    const api = await pitwall();
    await eventually(() => api.sources.source ?? undefined);
    await vscode.commands.executeCommand('pitwall.showTrend');
    const state = await eventually(async () => {
      const seen = await panelState();
      return seen.points !== null && seen.points > 0 && !seen.busy ? seen : undefined;
    }, 30_000);
    assert.equal(state.violations, 0);
    await screenshot('vsix-trend');
  });

  it('runs a notebook cell on the packaged kernel, in its own query thread', async function () {
    this.timeout(120_000);
    const data = new vscode.NotebookData([new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'predictions | take 3', 'pql')]);
    data.metadata = { source: join(process.env.PITWALL_TEST_WORKSPACE ?? '', 'data/monitoring') };
    const notebook = await vscode.workspace.openNotebookDocument('pitwall-notebook', data);
    const editor = await vscode.window.showNotebookDocument(notebook);
    await vscode.commands.executeCommand('notebook.selectKernel', { notebookEditor: editor, id: 'pitwall.kernel', extension: 'pitwall.pitwall' });
    await vscode.commands.executeCommand('notebook.execute', notebook.uri);
    const cell = notebook.cellAt(0);
    await eventually(() => (cell.executionSummary?.success !== undefined ? true : undefined), 90_000);
    const outputs = cell.outputs.map((output) => output.items.map((item) => new TextDecoder().decode(item.data).slice(0, 300)).join(' ')).join('\n');
    assert.equal(cell.executionSummary?.success, true, outputs);
    assert.ok(cell.outputs[0]?.items.some((item) => item.mime === 'application/vnd.pitwall.result+json'), outputs);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});

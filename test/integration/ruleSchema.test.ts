import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, requireWorkbench, screenshot } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';

describe('Editing alert_rules.json', () => {
  it('checks rules against the contributed JSON Schema: a bad comparison and an unknown window are errors at their place', async function () {
    requireWorkbench(this);
    // A copy, so the source the other suites read stays as it is.
    const folder = mkdtempSync(join(tmpdir(), 'pitwall-rules-edit-'));
    const path = join(folder, 'alert_rules.json');
    copyFileSync(join(workspace, 'data/monitoring/alert_rules.json'), path);
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
    const editor = await vscode.window.showTextDocument(document);
    const text = document.getText();
    const comparison = text.indexOf('"comparison": "<"');
    assert.ok(comparison > 0, 'the sample has a "<" comparison');
    await editor.edit((edit) => {
      const start = document.positionAt(comparison + '"comparison": "'.length);
      edit.replace(new vscode.Range(start, start.translate(0, 1)), '≈');
      const conditions = document.getText().indexOf('"conditions": {');
      const at = document.positionAt(conditions + '"conditions": {'.length);
      edit.insert(at, '"window": "soon", ');
    });
    const diagnostics = await eventually(() => {
      const found = vscode.languages.getDiagnostics(document.uri);
      return found.length >= 2 ? found : undefined;
    }, 30_000);
    const messages = diagnostics.map((d) => d.message).join('\n');
    assert.match(messages, /<=|Value is not accepted|enum/i, messages);
    assert.ok(diagnostics.some((d) => document.getText(d.range).includes('≈')), 'the comparison is marked where it stands');
    assert.ok(diagnostics.some((d) => document.getText(d.range).includes('soon')), 'the bad window is marked where it stands');
    await screenshot('rules-schema-errors');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});

import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AlertRule } from '../../src/core/model/alertRule';
import { STAGE_DOCS } from '../../src/core/query/reference';
import { openStore } from '../../src/core/store/openStore';
import type { RulesNode } from '../../src/extension/rulesTreeDataProvider';
import { click, eventually, pitwall, press, requireWorkbench, screenshot, SIDEBAR, type, workbenchText } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const QUICK_INPUT = '.quick-input-widget';
const BAD = 'predictions | window 1h | metrics acuracy, ece';
const RULE_QUERY = '// v1.1 in six-hour windows\npredictions | where model_version == "v1.1" | window 6h\n  | alert when accuracy < 0.75 for 30m severity critical';

async function storedRules(path: string): Promise<readonly AlertRule[]> {
  const store = await openStore(path);
  try {
    return await store.readRules();
  } finally {
    await store.close();
  }
}

/** Replaces the whole text of the active editor, as typing it would. */
async function setText(editor: vscode.TextEditor, text: string): Promise<void> {
  const whole = new vscode.Range(editor.document.positionAt(0), editor.document.positionAt(editor.document.getText().length));
  await editor.edit((edit) => edit.replace(whole, text));
}

async function quickInput(pattern: RegExp): Promise<string> {
  const text = await eventually(async () => {
    const shown = await workbenchText(QUICK_INPUT);
    return pattern.test(shown) ? shown : undefined;
  }).catch(async () => assert.fail(`the quick input should show ${pattern}, but shows:\n${await workbenchText(QUICK_INPUT)}`));
  // A step shows before it takes the keyboard: an Enter pressed in between is lost.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return text;
}

describe('PQL in the editor: problems, completion, hover, and saving a query as a rule', () => {
  let root = '';
  let folder = '';
  let file: vscode.Uri;
  let editor: vscode.TextEditor;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-pql-language-'));
    folder = join(root, 'monitoring');
    cpSync(join(workspace, 'data/monitoring'), folder, { recursive: true });
    const path = join(root, 'checks.pql');
    writeFileSync(path, `${BAD}\n`);
    file = vscode.Uri.file(path);
    const api = await pitwall();
    await api.sources.open(folder);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const api = await pitwall();
    // The suites after this one find the database open, as the SQLite suite left it.
    await api.sources.open(join(workspace, 'data/monitoring.db'));
    rmSync(root, { recursive: true, force: true });
  });

  it('opens a .pql file as PQL and underlines a misspelt metric at its span, with its code and hint', async function () {
    editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    assert.equal(editor.document.languageId, 'pql');
    const [problem] = await eventually(() => {
      const found = vscode.languages.getDiagnostics(file);
      return found.length > 0 ? found : undefined;
    });
    assert.ok(problem);
    assert.equal(problem.code, 'unknown-metric');
    assert.equal(problem.source, 'pql');
    assert.equal(editor.document.getText(problem.range), 'acuracy');
    assert.match(problem.message, /There is no window metric `acuracy`\. \(did you mean `accuracy`\?\)/);
    assert.equal(vscode.languages.getDiagnostics(file).length, 1);

    // Fixed, the problem goes once the typing pauses.
    await setText(editor, 'predictions | window 1h | metrics accuracy, ece\n');
    await eventually(() => (vscode.languages.getDiagnostics(file).length === 0 ? true : undefined));
    // An unknown model version is checked against the open source's versions.
    await setText(editor, 'predictions | where model_version == "v11" | window 1h | metrics accuracy\n');
    const [version] = await eventually(() => {
      const found = vscode.languages.getDiagnostics(file);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(version?.code, 'unknown-version');
    assert.equal(editor.document.getText(version?.range), '"v11"');
    await setText(editor, `${BAD}\n`);
    await eventually(() => (vscode.languages.getDiagnostics(file)[0]?.code === 'unknown-metric' ? true : undefined));

    if (process.env.PITWALL_TEST_CONTROL) {
      // The squiggle is drawn a moment after the problem is known.
      await new Promise((resolve) => setTimeout(resolve, 800));
      await screenshot('pql-diagnostic-squiggle');
    }
  });

  it('checks a pql cell of a notebook too, knowing the lets of the cells before it, and saves its rule with the let it uses', async () => {
    const notebook = await vscode.workspace.openNotebookDocument(
      'pitwall-notebook',
      new vscode.NotebookData([
        new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'let v11 = predictions | where model_version == "v1.1"', 'pql'),
        new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'v11 | window 1h | metrics accuracy\nv11 | window 1h | alert when acuracy < 0.7 severity info', 'pql'),
      ]),
    );
    const cell = notebook.cellAt(1).document;
    const problems = await eventually(() => {
      const found = vscode.languages.getDiagnostics(cell.uri);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(
      problems.map((p) => [p.code, cell.getText(p.range)]),
      [['unknown-metric', 'acuracy']],
    );
    // Saved as a rule, the cell's statement takes the let of the cell before it into its query.
    const saved = await vscode.commands.executeCommand<AlertRule | undefined>('pitwall.query.saveAsRule', cell.uri, cell.getText().indexOf('v11 | window 1h | alert'), { rule_id: 'cell_rule', channels: ['console'] });
    assert.equal(saved, undefined, 'the misspelt metric is refused');
    const edit = new vscode.WorkspaceEdit();
    edit.replace(cell.uri, new vscode.Range(cell.positionAt(0), cell.positionAt(cell.getText().length)), 'v11 | window 1h | alert when accuracy < 0.7 severity info');
    await vscode.workspace.applyEdit(edit);
    const rule = await vscode.commands.executeCommand<AlertRule | undefined>('pitwall.query.saveAsRule', cell.uri, 0, { rule_id: 'cell_rule', channels: ['console'] });
    assert.equal(rule?.conditions.query, 'let v11 = predictions | where model_version == "v1.1"\nv11 | window 1h | alert when accuracy < 0.7 severity info');
    assert.ok((await storedRules(folder)).some((stored) => stored.rule_id === 'cell_rule'));
    // The untitled notebook goes without asking to be saved (a dialog would hold the suites after this one).
    await vscode.window.showNotebookDocument(notebook);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('offers accuracy after `metrics `, from the provider and in the suggest widget', async function () {
    editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    await setText(editor, 'predictions | window 1h | metrics ');
    const end = editor.document.positionAt(editor.document.getText().length);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', file, end, ' ');
    const labels = list.items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label));
    assert.ok(labels.includes('accuracy'), labels.join(' '));
    assert.ok(labels.includes('roc_auc') && !labels.includes('window'));
    // The open source's model versions after `model_version == `.
    await setText(editor, 'predictions | where model_version == ');
    const afterEquals = editor.document.positionAt(editor.document.getText().length);
    const versions = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', file, afterEquals, ' ');
    assert.deepEqual(
      versions.items.map((item) => [item.label, item.insertText]),
      (await (await pitwall()).sources.source?.store.readModelVersions())?.map((version) => [version, JSON.stringify(version)]),
    );
    await setText(editor, 'predictions | window 1h | metrics ');

    requireWorkbench(this);
    editor.selection = new vscode.Selection(end, end);
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    await type('acc');
    await vscode.commands.executeCommand('editor.action.triggerSuggest');
    await eventually(async () => ((await workbenchText('.suggest-widget')).includes('accuracy') ? true : undefined));
    await screenshot('pql-completion-accuracy');
    await press('Enter');
    await eventually(() => (editor.document.getText().startsWith('predictions | window 1h | metrics accuracy') ? true : undefined));
  });

  it("shows the stage's documentation on hover", async function () {
    editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    await setText(editor, 'predictions | window 1h slide 15m | metrics accuracy');
    const at = new vscode.Position(0, 16);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', file, at);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(text, /\*\*stage window\*\*/);
    assert.ok(text.includes(STAGE_DOCS.window.summary));

    requireWorkbench(this);
    editor.selection = new vscode.Selection(at, at);
    await vscode.commands.executeCommand('editor.action.showHover');
    await eventually(async () => ((await workbenchText('.monaco-hover')).includes('stage window') ? true : undefined));
    await screenshot('pql-hover-window');
    await press('Escape');
  });

  it('saves an `alert when` query as a rule from its code lens: the rule keeps its query and appears in the Rules view', async function () {
    editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    await setText(editor, RULE_QUERY);
    const lenses = await eventually(async () => {
      const found = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', file);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(
      lenses.map((lens) => [lens.range.start.line, lens.command?.title, lens.command?.command]),
      [[1, 'Save as alert rule', 'pitwall.query.saveAsRule']],
    );
    await editor.document.save();

    requireWorkbench(this);
    const api = await pitwall();
    await vscode.commands.executeCommand('pitwall.rules.focus');
    await vscode.window.showTextDocument(editor.document);
    await eventually(async () => ((await workbenchText('.monaco-editor .codelens-decoration')).includes('Save as alert rule') ? true : undefined), 20_000);
    await click('.monaco-editor .codelens-decoration a:has-text("Save as alert rule")');
    const first = await quickInput(/Save Query as Alert Rule \(1\/2\)/);
    assert.match(first, /rule id/);
    await press('Control+a');
    await type('acc_v11_lens');
    await press('Enter');
    await quickInput(/\(2\/2\)/);
    await press('Enter');

    const saved = await eventually(async () => (await storedRules(folder)).find((rule) => rule.rule_id === 'acc_v11_lens'));
    assert.deepEqual([saved.metric_name, saved.comparison, saved.threshold, saved.severity, saved.for_minutes, [...saved.channels]], ['accuracy', '<', 0.75, 'critical', 30, ['console']]);
    assert.deepEqual({ ...saved.conditions }, { window: '6h', model_versions: ['v1.1'], query: 'predictions | where model_version == "v1.1" | window 6h\n  | alert when accuracy < 0.75 for 30m severity critical' });

    const listed = await eventually(async () => {
      for (const group of await api.rules.getChildren()) {
        if (group.kind !== 'group') continue;
        const found = (await api.rules.getChildren(group)).find((node): node is Extract<RulesNode, { kind: 'rule' }> => node.kind === 'rule' && node.activity.rule.rule_id === 'acc_v11_lens');
        if (found) return found;
      }
      return undefined;
    });
    await api.rulesView.reveal(listed, { select: true, focus: false });
    await eventually(async () => ((await workbenchText(SIDEBAR)).includes('acc_v11_lens') ? true : undefined));
    await screenshot('pql-rule-saved-in-rules-view');
  });
});

import * as assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { serializeNotebook } from '../../src/core/query/notebook';
import { PAGE_SIZE, RESULT_MIME, type NotebookResultOutput } from '../../src/shared/notebookOutput';
import { clickInPanel, eventually, notebookOutputs, type NotebookOutputsState, pitwall, type RenderedOutput, requireWorkbench, screenshot } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const folder = join(workspace, 'data/monitoring');
const database = join(workspace, 'data/monitoring.db');
const ERROR_MIME = 'application/vnd.code.notebook.error';
/** Counts to ten billion: minutes of SQLite work unless the cancel ends it. */
const ENDLESS_SQL = 'with recursive c(x) as (select 1 union all select x + 1 from c where x < 10000000000) select count(*) as n from c';

function codeCells(notebook: vscode.NotebookDocument): vscode.NotebookCell[] {
  return notebook.getCells().filter((cell) => cell.kind === vscode.NotebookCellKind.Code);
}

function item(cell: vscode.NotebookCell, mime: string, output = 0): vscode.NotebookCellOutputItem | undefined {
  return cell.outputs[output]?.items.find((candidate) => candidate.mime === mime);
}

function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}

function resultOf(cell: vscode.NotebookCell, output = 0): NotebookResultOutput {
  const found = item(cell, RESULT_MIME, output);
  assert.ok(found !== undefined, `cell ${cell.index} has a Pitwall result (outputs: ${cell.outputs.map((o) => o.items.map((i) => i.mime).join('+')).join(', ')})`);
  return JSON.parse(text(found.data)) as NotebookResultOutput;
}

async function useKernel(editor: vscode.NotebookEditor): Promise<void> {
  await vscode.commands.executeCommand('notebook.selectKernel', { notebookEditor: editor, id: 'pitwall.kernel', extension: 'pitwall.pitwall' });
}

async function runCells(notebook: vscode.NotebookDocument, cells: readonly vscode.NotebookCell[]): Promise<void> {
  await vscode.commands.executeCommand('notebook.cell.execute', { ranges: cells.map((cell) => ({ start: cell.index, end: cell.index + 1 })), document: notebook.uri });
}

/** Appends a code cell and returns it. */
async function appendCell(notebook: vscode.NotebookDocument, language: string, value: string): Promise<vscode.NotebookCell> {
  const edit = new vscode.WorkspaceEdit();
  edit.set(notebook.uri, [vscode.NotebookEdit.insertCells(notebook.cellCount, [new vscode.NotebookCellData(vscode.NotebookCellKind.Code, value, language)])]);
  assert.ok(await vscode.workspace.applyEdit(edit));
  return notebook.cellAt(notebook.cellCount - 1);
}

/** Closes every notebook: the untitled ones are dirty, and reverted they close without asking where to save them. */
async function closeNotebooks(): Promise<void> {
  for (const notebook of vscode.workspace.notebookDocuments.filter((open) => open.isUntitled)) {
    await vscode.window.showNotebookDocument(notebook);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

describe('Pitwall notebooks and their kernel', () => {
  after(async () => {
    await closeNotebooks();
    // The suites after this one find the database open.
    await (await pitwall()).sources.open(database);
  });

  it('New Notebook opens the worked examples on the open source, and Run All runs every cell in order without an error', async function () {
    this.timeout(180_000);
    const api = await pitwall();
    await api.sources.open(database);
    const editor = (await vscode.commands.executeCommand('pitwall.newNotebook')) as vscode.NotebookEditor;
    const notebook = editor.notebook;
    assert.equal(notebook.notebookType, 'pitwall-notebook');
    assert.equal(notebook.isUntitled, true);
    assert.equal(notebook.metadata.source, database);
    const cells = codeCells(notebook);
    assert.deepEqual(cells.map((cell) => cell.document.languageId), ['pql', 'pql', 'pql', 'pql', 'pql', 'pql', 'sql']);
    await useKernel(editor);
    await vscode.commands.executeCommand('notebook.execute', notebook.uri);
    const summaries = await eventually(() => (cells.every((cell) => cell.executionSummary?.success !== undefined) ? cells.map((cell) => cell.executionSummary) : undefined), 120_000);
    assert.deepEqual(summaries.map((summary) => summary?.success), cells.map(() => true), cells.map((cell) => cell.outputs.map((o) => o.items.map((i) => text(i.data).slice(0, 300)).join(' | ')).join('\n')).join('\n'));
    // Execution order is shown, in the order of the cells.
    const orders = summaries.map((summary) => summary?.executionOrder ?? 0);
    assert.deepEqual(orders, [...orders].sort((a, b) => a - b));
    assert.equal(new Set(orders).size, cells.length);
    assert.ok(summaries.every((summary) => summary?.timing !== undefined && summary.timing.endTime >= summary.timing.startTime));

    const [trend, calibration, drift, alerts, letCell, usesLet, sql] = cells as [vscode.NotebookCell, vscode.NotebookCell, vscode.NotebookCell, vscode.NotebookCell, vscode.NotebookCell, vscode.NotebookCell, vscode.NotebookCell];
    const trendResult = resultOf(trend);
    assert.equal(trendResult.kind, 'windows');
    assert.ok(trendResult.totalRows > 3 && trendResult.source === 'monitoring.db');
    assert.ok(trendResult.chart !== null);
    // The alternates for other viewers: Vega-Lite v5, an SVG drawn in the host, a text table.
    assert.match(String((JSON.parse(text(item(trend, 'application/vnd.vegalite.v5+json')?.data ?? new Uint8Array())) as { $schema?: string }).$schema), /vega-lite\/v5/);
    assert.match(text(item(trend, 'image/svg+xml')?.data ?? new Uint8Array()), /^<svg[^>]*>.*<path/s);
    assert.match(text(item(trend, 'text/plain')?.data ?? new Uint8Array()), /window_start/);
    assert.equal(resultOf(calibration).kind, 'calibration');
    assert.equal(resultOf(drift).kind, 'drift');
    assert.equal(resultOf(alerts).kind, 'alerts');
    assert.equal(resultOf(letCell).totalRows, 3);
    assert.equal(resultOf(usesLet).totalRows, 5, 'the let of the cell above is known');
    const counted = resultOf(sql);
    assert.equal(counted.kind, 'sql');
    assert.deepEqual(counted.columns.map((column) => column.name), ['model_version', 'predictions', 'mean_confidence']);
    // The status bar's run info: rows, windows, duration, source.
    const run = api.notebookKernel.runOf(trend);
    assert.ok(run !== undefined && run.sourcePath === database && run.results[0]?.rows.length === trendResult.totalRows);
    // An untitled notebook is dirty from the start: the saved-file test checks that a run does not dirty one.
    await screenshot('notebook-run-all');
  });

  it('shows a query error as the cell’s error output at its position (line:column and a caret), and the SQL cell runs on the open source', async function () {
    this.timeout(120_000);
    const api = await pitwall();
    const editor = vscode.window.activeNotebookEditor;
    assert.ok(editor !== undefined);
    const notebook = editor.notebook;
    const bad = await appendCell(notebook, 'pql', 'predictions | window 1h | metrics acuracy');
    await runCells(notebook, [bad]);
    await eventually(() => (bad.executionSummary?.success === false ? true : undefined), 60_000);
    const error = JSON.parse(text(item(bad, ERROR_MIME)?.data ?? new Uint8Array())) as { name: string; message: string; stack: string };
    assert.equal(error.name, 'PQL unknown-metric');
    assert.match(error.message, new RegExp(`^cell ${bad.index + 1}:1:35: There is no (window )?metric \`acuracy\``));
    const lines = error.stack.split('\n');
    assert.equal(lines[1], '  predictions | window 1h | metrics acuracy');
    assert.equal(lines[2], `  ${' '.repeat(34)}^^^^^^^`);
    assert.match(error.stack, /hint: did you mean `accuracy`\?/);
    editor.revealRange(new vscode.NotebookRange(bad.index, bad.index + 1), vscode.NotebookEditorRevealType.AtTop);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await screenshot('notebook-error-cell');

    // A notebook without a source runs on the open source: here the JSONL folder.
    await api.sources.open(folder);
    const edit = new vscode.WorkspaceEdit();
    // (A metadata update merges keys into the notebook's: a null source is no source.)
    edit.set(notebook.uri, [vscode.NotebookEdit.updateNotebookMetadata({ ...notebook.metadata, source: null })]);
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.equal(notebook.metadata.source, null);
    const sql = await appendCell(notebook, 'sql', 'select count(*) as n from predictions');
    await runCells(notebook, [sql]);
    await eventually(() => (sql.executionSummary?.success === true ? true : undefined), 60_000);
    const answer = resultOf(sql);
    assert.equal(answer.source, 'monitoring');
    const counts = await (api.sources.source?.store.counts() ?? Promise.reject(new Error('no source')));
    assert.deepEqual(answer.rows, [{ n: counts.predictions }]);
    assert.equal(api.notebookKernel.runOf(sql)?.sourcePath, folder);
  });

  it('cancels a long cell for real: the query thread ends and the CPU it was burning goes quiet', async function () {
    this.timeout(120_000);
    const api = await pitwall();
    const editor = vscode.window.activeNotebookEditor;
    assert.ok(editor !== undefined);
    const notebook = editor.notebook;
    const long = await appendCell(notebook, 'sql', ENDLESS_SQL);
    void runCells(notebook, [long]);
    await eventually(() => (api.notebookKernel.runnerOf(notebook)?.threadAlive === true ? true : undefined), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(long.executionSummary?.success, undefined, 'the long cell is still running');
    const busyFrom = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const busy = process.cpuUsage(busyFrom);
    editor.revealRange(new vscode.NotebookRange(long.index, long.index + 1), vscode.NotebookEditorRevealType.AtTop);
    await screenshot('notebook-long-cell-running');
    await vscode.commands.executeCommand('notebook.cancelExecution');
    await eventually(() => (long.executionSummary?.timing !== undefined ? true : undefined), 15_000);
    assert.equal(api.notebookKernel.runnerOf(notebook)?.threadAlive, false, 'the query thread ended');
    assert.match(text(long.outputs[0]?.items[0]?.data ?? new Uint8Array()), /cancelled: its work was stopped/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const quietFrom = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const quiet = process.cpuUsage(quietFrom);
    // The machine's load decides how much CPU the cell got; whatever it was, a quarter of it is left at most.
    const [ran, left] = [busy.user + busy.system, quiet.user + quiet.system];
    assert.ok(ran > 20_000 && left * 4 < ran, `no work goes on after the cancel: ${left} µs of CPU in 1 s, against ${ran} µs while it ran`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await screenshot('notebook-long-cell-cancelled');
  });

  it('saves a notebook without its outputs: running leaves it clean, the file holds no output, and it reopens without outputs on its relative source', async function () {
    this.timeout(120_000);
    const file = join(workspace, 'saved.pitnb');
    writeFileSync(file, serializeNotebook({ metadata: { version: 1, source: 'data/monitoring.db' }, cells: [{ kind: 'markdown', text: '# Saved' }, { kind: 'pql', text: 'predictions | window 1d | metrics accuracy' }, { kind: 'sql', text: 'select count(*) as n from alerts' }] }));
    const before = readFileSync(file, 'utf8');
    const notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.file(file));
    const editor = await vscode.window.showNotebookDocument(notebook);
    await useKernel(editor);
    const cells = codeCells(notebook);
    await runCells(notebook, cells);
    await eventually(() => (cells.every((cell) => cell.executionSummary?.success === true) ? true : undefined), 60_000);
    assert.ok(cells.every((cell) => cell.outputs.length > 0));
    assert.equal(resultOf(cells[0] as vscode.NotebookCell).source, 'monitoring.db', 'the relative source is taken from the notebook’s folder');
    assert.equal(notebook.isDirty, false, 'running cells does not dirty the notebook');
    await screenshot('notebook-saved-file-run');
    // A real edit, then saving: the file gets the edit and no output.
    await appendCell(notebook, 'pql', 'rules | take 1');
    assert.equal(notebook.isDirty, true);
    assert.ok(await notebook.save());
    const saved = readFileSync(file, 'utf8');
    assert.equal(saved, `${before}>>>pql\nrules | take 1\n`);
    assert.doesNotMatch(saved, />>>output|window_start|vnd\.pitwall/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    // Opened from the bytes alone: a copy, since the editor may keep the closed document (and its outputs) in memory a while.
    const copy = join(workspace, 'saved-copy.pitnb');
    copyFileSync(file, copy);
    const reopened = await vscode.workspace.openNotebookDocument(vscode.Uri.file(copy));
    assert.ok(reopened.getCells().every((cell) => cell.outputs.length === 0));
    assert.equal(reopened.cellCount, 4);
  });

  it('pages, sorts and copies a result larger than its output in the renderer, through the kernel that holds it', async function () {
    requireWorkbench(this);
    this.timeout(180_000);
    // One notebook on screen: the outputs read are its outputs.
    await closeNotebooks();
    const api = await pitwall();
    await api.sources.open(database);
    const data = new vscode.NotebookData([
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'predictions | window 1h | metrics accuracy min_labels=5', 'pql'),
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'select prediction_id, confidence from predictions order by id limit 450', 'sql'),
    ]);
    data.metadata = { source: database };
    const notebook = await vscode.workspace.openNotebookDocument('pitwall-notebook', data);
    const editor = await vscode.window.showNotebookDocument(notebook);
    await useKernel(editor);
    const [cell, sqlCell] = codeCells(notebook);
    assert.ok(cell && sqlCell);
    await runCells(notebook, [cell, sqlCell]);
    await eventually(() => (cell.executionSummary?.success === true && sqlCell.executionSummary?.success === true ? true : undefined), 120_000);
    const output = resultOf(cell);
    assert.ok(output.resultId !== null && output.totalRows > PAGE_SIZE, `${output.totalRows} hourly windows, more than one page`);
    const total = output.totalRows.toLocaleString('en-US');
    const selector = `.pitwall-output[data-result-id="${output.resultId}"]`;
    const mine = (state: NotebookOutputsState) => state.outputs.find((shown) => shown.resultId === output.resultId);
    const after = (action: Parameters<typeof notebookOutputs>[0], check: (shown: RenderedOutput) => boolean) => {
      let acted = false;
      return eventually(async () => {
        const state = await notebookOutputs(acted ? {} : action);
        acted = true;
        const shown = mine(state);
        return shown !== undefined && check(shown) ? shown : undefined;
      }, 30_000);
    };
    // Running both cells scrolled to the last: the trend's output is drawn once it is on screen again.
    editor.revealRange(new vscode.NotebookRange(cell.index, cell.index + 1), vscode.NotebookEditorRevealType.AtTop);
    // A trend opens on its chart, drawn by the renderer: one symbol per window with an accuracy.
    const chart = await after({}, (shown) => shown.view === 'chart' && (shown.marks ?? 0) > 0 && shown.symbols > 0);
    // The chart is drawn from the whole result; the output's first page alone has this many accuracies.
    const accuracies = output.rows.filter((row) => row.accuracy !== null).length;
    assert.ok(accuracies > 0 && chart.symbols >= accuracies, `${chart.symbols} symbols drawn for at least ${accuracies} windows`);
    // The table is a click away.
    const first = await after({ click: `${selector} button.show-table` }, (shown) => shown.view === 'table' && shown.state === 'ready' && shown.rows.length === PAGE_SIZE);
    assert.equal(first.chartVisible, false, 'the chart is hidden while the table shows');
    assert.equal(first.rowsLabel, `${PAGE_SIZE} of ${total} rows (1–${PAGE_SIZE})`);

    // Next: the kernel sends the second page of the result it kept.
    const second = await after({ click: `${selector} button.next` }, (shown) => shown.offset === PAGE_SIZE && shown.state === 'ready');
    const end = Math.min(2 * PAGE_SIZE, output.totalRows);
    assert.equal(second.rowsLabel, `${end - PAGE_SIZE} of ${total} rows (${PAGE_SIZE + 1}–${end})`);
    assert.ok((second.rows[0]?.[0] ?? '') > (first.rows.at(-1)?.[0] ?? '~'), `the second page goes on after the first (${second.rows[0]?.[0]} after ${first.rows.at(-1)?.[0]})`);

    // A header sorts the whole result in the kernel: the first page, lowest accuracy first, no window without one before them.
    const column = output.columns.findIndex((each) => each.name === 'accuracy');
    const sorted = await after({ click: `${selector} button[data-column="accuracy"]` }, (shown) => shown.offset === 0 && shown.headers.find((header) => header.column === 'accuracy')?.sort === 'ascending' && shown.state === 'ready');
    const values = sorted.rows.map((row) => row[column] ?? '');
    const numbers = values.filter((value) => value !== '—').map(Number);
    assert.ok(numbers.length > 0);
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'ascending');
    assert.deepEqual(values.slice(0, numbers.length).map(Number), numbers, 'windows without accuracy come last');

    const copied = await after({ click: `${selector} button.copy` }, (shown) => shown.notice !== null);
    assert.equal(copied.notice, `Copied ${total} rows as CSV.`);
    await screenshot('notebook-kernel-paged-table');

    // A SQL table larger than its output pages the same way, from the rows the kernel kept.
    const sql = resultOf(sqlCell);
    assert.ok(sql.resultId !== null && sql.totalRows === 450 && sql.rows.length === PAGE_SIZE, `${sql.totalRows} rows, ${sql.rows.length} in the output`);
    editor.revealRange(new vscode.NotebookRange(sqlCell.index, sqlCell.index + 1), vscode.NotebookEditorRevealType.AtTop);
    const sqlSelector = `.pitwall-output[data-result-id="${sql.resultId}"]`;
    const sqlRows = (state: NotebookOutputsState) => state.outputs.find((shown) => shown.resultId === sql.resultId);
    let clicked = false;
    const page = await eventually(async () => {
      const shown = sqlRows(await notebookOutputs(clicked ? {} : { click: `${sqlSelector} button.next` }));
      clicked = true;
      return shown !== undefined && shown.offset === PAGE_SIZE && shown.state === 'ready' ? shown : undefined;
    }, 30_000);
    assert.equal(page.rowsLabel, `${PAGE_SIZE} of 450 rows (${PAGE_SIZE + 1}–${2 * PAGE_SIZE})`);
    assert.equal(page.rows.length, PAGE_SIZE);
    assert.notDeepEqual(page.rows[0], sql.rows.map((row) => [String(row.prediction_id)])[0], 'another page than the first');
    await screenshot('notebook-sql-paged-table');
  });

  it('Open in Notebook, from an alert’s details panel, opens its drill-down on the source, and every query runs', async function () {
    this.timeout(180_000);
    requireWorkbench(this);
    const api = await pitwall();
    const source = await api.sources.open(database);
    const alert = (await source.store.readAlerts({ limit: 500, modelVersion: 'v1.1', severity: 'critical' })).find((each) => each.metric_name === 'accuracy');
    assert.ok(alert !== undefined, 'the generated data has a critical accuracy alert on v1.1 (rule acc_low)');
    await vscode.commands.executeCommand('pitwall.showAlertDetails', alert);
    const before = vscode.workspace.notebookDocuments.length;
    // The panel may drop a click that comes while it renders: click until the notebook opens (it hides the panel).
    await eventually(async () => {
      if (vscode.workspace.notebookDocuments.length > before) return true;
      await clickInPanel('action-notebook').catch(() => undefined);
      return undefined;
    }, 30_000);
    const editor = await eventually(() => (vscode.window.activeNotebookEditor?.notebook.metadata.source === database ? vscode.window.activeNotebookEditor : undefined));
    const notebook = editor.notebook;
    const cells = codeCells(notebook);
    assert.ok(cells.length >= 4, `${cells.length} queries`);
    const queries = cells.map((cell) => cell.document.getText());
    assert.ok(queries.every((query) => query.includes('timestamp in ') && query.includes('"v1.1"')), queries.join('\n'));
    assert.ok(queries.some((query) => query.includes('alert when accuracy < 0.7')), 'the rule acc_low is replayed');
    await useKernel(editor);
    await vscode.commands.executeCommand('notebook.execute', notebook.uri);
    await eventually(() => (cells.every((cell) => cell.executionSummary?.success !== undefined) ? true : undefined), 120_000);
    assert.deepEqual(cells.map((cell) => cell.executionSummary?.success), cells.map(() => true), cells.map((cell) => cell.outputs.map((o) => o.items.map((i) => text(i.data).slice(0, 300)).join(' | ')).join('\n')).join('\n'));
    const around = resultOf(cells[0] as vscode.NotebookCell);
    assert.equal(around.kind, 'windows');
    assert.ok(around.totalRows > 0);
    await screenshot('notebook-alert-drill-down');
  });
});

import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { chartOfResult } from '../../src/core/query/chart';
import { runQuery, type QueryResult } from '../../src/core/query/run';
import { openStore } from '../../src/core/store/openStore';
import { PAGE_SIZE, RENDERER_ID, RESULT_MIME, type HostToRenderer, type NotebookResultOutput, type RendererToHost } from '../../src/shared/notebookOutput';
import { formatNumber, formatTime } from '../../webview/renderer/table';
import { eventually, notebookOutputs, type NotebookOutputsState, pitwall, type RenderedOutput, requireWorkbench, screenshot } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const folder = join(workspace, 'data/monitoring');
const database = join(workspace, 'data/monitoring.db');
const NOW = Date.UTC(2026, 10, 1) / 1000;
const TEST_CONTROLLER = 'pitwall.test.rendererOutputs';

/** Runs one PQL statement on a source through its store, as the notebook kernel does. */
async function query(path: string, text: string): Promise<QueryResult> {
  const store = await openStore(path);
  try {
    const outcome = await runQuery(text, { scanColumns: () => Promise.resolve(undefined), withStore: (use) => use(store) }, { now: NOW });
    assert.deepEqual(outcome.errors, []);
    return outcome.results[0] as QueryResult;
  } finally {
    await store.close();
  }
}

/** The output the kernel's controller makes of a result: the first page of rows, the chart, how it ran. */
function outputOf(result: QueryResult, resultId: string | null, source: string): NotebookResultOutput {
  const chart = chartOfResult(result);
  return {
    version: 1,
    resultId,
    kind: result.kind,
    columns: result.columns,
    rows: resultId === null ? result.rows : result.rows.slice(0, PAGE_SIZE),
    offset: 0,
    totalRows: result.rows.length,
    chart: result.chart === null || chart === null ? null : { kind: result.chart.kind, spec: chart as unknown as Record<string, unknown> },
    ...(result.sql === undefined ? {} : { sql: result.sql }),
    ...(result.path === undefined ? {} : { path: result.path }),
    source,
    durationMs: 12,
  };
}

/** Ascending with empty values last, descending likewise: the order a host gives a sorted page. */
function hostSort(rows: readonly Record<string, unknown>[], column: string, descending: boolean): Record<string, unknown>[] {
  return [...rows].sort((x, y) => {
    const a = x[column] as number | null;
    const b = y[column] as number | null;
    if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
    return descending ? b - a : a - b;
  });
}

const byResult = (state: NotebookOutputsState, resultId: string) => state.outputs.find((output) => output.resultId === resultId);
const chartOutput = (state: NotebookOutputsState) => state.outputs.find((output) => output.resultId === '' && output.kind === 'windows');

function assertClean(state: NotebookOutputsState): void {
  assert.equal(state.violations, 0, `Content-Security-Policy violations:\n${state.cspDetails}`);
  assert.equal(state.evals ?? 0, 0, `Function or eval was called:\n${state.evalCallers.join('\n')}`);
}

describe('The notebook renderer', () => {
  let messaging: vscode.NotebookRendererMessaging | undefined;
  let controller: vscode.NotebookController | undefined;
  let trend: QueryResult;
  let hourly: QueryResult;
  /** What the renderer asked of the host. */
  const asked: RendererToHost[] = [];

  before(async function () {
    if (!process.env.PITWALL_TEST_CONTROL) return;
    this.timeout(120_000);
    await pitwall();
    trend = await query(folder, 'predictions | window 1d | by model_version | metrics accuracy | chart line');
    // Through the SQLite store the trend is pushed down to SQL: the output has the SQL to show.
    hourly = await query(database, 'predictions | window 1h | by model_version | metrics accuracy, ece min_labels=5');
    assert.ok(hourly.rows.length > 2 * PAGE_SIZE, `${hourly.rows.length} hourly windows`);
    assert.equal(hourly.path, 'pushdown');

    // The host side of the renderer's messages, over the real message path, answering from the full result.
    messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);
    messaging.onDidReceiveMessage(({ editor, message }) => {
      const request = message as RendererToHost;
      asked.push(request);
      let reply: HostToRenderer;
      if (request.resultId !== 'hourly') reply = { type: 'expired', resultId: request.resultId };
      else if (request.type === 'copyCsv') reply = { type: 'copied', resultId: 'hourly', rows: hourly.rows.length };
      else {
        const rows = request.sort === undefined ? hourly.rows : hostSort(hourly.rows, request.sort.column, request.sort.descending);
        reply = { type: 'page', resultId: 'hourly', offset: request.offset, rows: rows.slice(request.offset, request.offset + request.limit), totalRows: rows.length };
      }
      void messaging?.postMessage(reply, editor);
    });

    const expired: NotebookResultOutput = { ...outputOf(hourly, 'gone', 'data/monitoring.db') };
    const urlChart: NotebookResultOutput = {
      ...outputOf(trend, null, 'data/monitoring'),
      kind: 'drift',
      chart: { kind: 'bar', spec: { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', data: { url: 'https://example.invalid/data.json' }, mark: 'bar', encoding: { x: { field: 'a', type: 'nominal' } } } },
    };
    // The outputs go in through a cell execution, as a kernel's do: VS Code 1.100 drops the bytes of
    // outputs given to openNotebookDocument in NotebookData ("reading 'byteLength'"). This controller
    // only writes the outputs built here; the kernel's own controller is not part of this test.
    const outputs: unknown[][] = [
      [outputOf(trend, null, 'data/monitoring')],
      [outputOf(hourly, 'hourly', 'data/monitoring.db')],
      [expired],
      [urlChart, { ...outputOf(trend, null, 'data/monitoring'), version: 2 }],
    ];
    controller = vscode.notebooks.createNotebookController(TEST_CONTROLLER, 'pitwall-notebook', 'Pitwall renderer test outputs');
    controller.supportedLanguages = ['pql'];
    controller.executeHandler = async (cells) => {
      for (const cell of cells) {
        const execution = controller?.createNotebookCellExecution(cell);
        if (execution === undefined) return;
        execution.start(Date.now());
        await execution.replaceOutput((outputs[cell.index] ?? []).map((output) => new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.json(output, RESULT_MIME)])));
        execution.end(true, Date.now());
      }
    };
    const cells = ['predictions | window 1d | by model_version | metrics accuracy | chart line', 'predictions | window 1h | by model_version | metrics accuracy, ece min_labels=5', 'predictions | window 1h | by model_version | metrics accuracy, ece min_labels=5', 'predictions | drift'];
    const document = await vscode.workspace.openNotebookDocument('pitwall-notebook', new vscode.NotebookData(cells.map((text) => new vscode.NotebookCellData(vscode.NotebookCellKind.Code, text, 'pql'))));
    await vscode.window.showNotebookDocument(document);
    controller.updateNotebookAffinity(document, vscode.NotebookControllerAffinity.Preferred);
    await vscode.commands.executeCommand('notebook.selectKernel', { id: TEST_CONTROLLER, extension: 'pitwall.pitwall' });
    await vscode.commands.executeCommand('notebook.execute');
    await eventually(() => (document.getCells().every((cell, index) => cell.outputs.length === outputs[index]?.length) ? true : undefined));
  });

  after(async () => {
    messaging = undefined;
    controller?.dispose();
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  async function reveal(cell: number): Promise<void> {
    const editor = vscode.window.activeNotebookEditor;
    assert.ok(editor, 'the notebook is the active editor');
    editor.revealRange(new vscode.NotebookRange(cell, cell + 1), vscode.NotebookEditorRevealType.InCenter);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  /** The outputs once `check` holds for them. */
  function shown(check: (state: NotebookOutputsState) => boolean, action: Parameters<typeof notebookOutputs>[0] = {}): Promise<NotebookOutputsState> {
    let acted = false;
    return eventually(async () => {
      const state = await notebookOutputs(acted ? {} : action);
      acted = true;
      return check(state) ? state : undefined;
    }, 30_000);
  }

  it('draws a result with a chart: its marks in SVG, the table a click away; the first page of a larger result with N of M rows and its SQL', async function () {
    requireWorkbench(this);
    const points = trend.rows.filter((row) => row.accuracy !== null).length;
    assert.ok(points > 3, `${points} daily accuracy values`);
    // Running every cell scrolls to the last one: the first cell's outputs are drawn once on screen.
    await reveal(0);
    const state = await shown((seen) => (chartOutput(seen)?.marks ?? 0) > 0 && byResult(seen, 'hourly') !== undefined, { instrument: true });
    const chart = chartOutput(state) as RenderedOutput;
    assert.equal(chart.view, 'chart');
    assert.equal(chart.chartError, null);
    // One symbol per value drawn (the label-coverage points come beside them).
    assert.ok(chart.symbols >= points, `${chart.symbols} symbols for ${points} values`);
    assert.equal(chart.rowsLabel, `${trend.rows.length} of ${trend.rows.length} rows`);
    assert.match(chart.footer ?? '', /^data\/monitoring · 12 ms · computed over the loaded records$/);

    const table = byResult(state, 'hourly') as RenderedOutput;
    assert.equal(table.view, 'table');
    assert.equal(table.rowsLabel, `${PAGE_SIZE} of ${hourly.rows.length.toLocaleString('en-US')} rows (1–${PAGE_SIZE})`);
    assert.equal(table.rows.length, PAGE_SIZE);
    assert.deepEqual(
      table.headers.map((header) => header.column),
      hourly.columns.map((column) => column.name),
    );
    assert.equal(table.rows[0]?.[0], formatTime(hourly.rows[0]?.window_start as number), 'times as UTC dates');
    assert.match(table.sql ?? '', /^SELECT /, 'the SQL the trend was pushed down to');
    assert.equal(table.sql, hourly.sql);
    assert.match(table.footer ?? '', /computed in the database \(pushdown\)/);
    assertClean(state);
    await screenshot('notebook-renderer-outputs');
  });

  it('pages and sorts a larger result through the host, copies all its rows there, and says so when the host no longer holds a result', async function () {
    requireWorkbench(this);
    await reveal(1);
    const total = hourly.rows.length.toLocaleString('en-US');
    const next = await shown((seen) => byResult(seen, 'hourly')?.offset === PAGE_SIZE && byResult(seen, 'hourly')?.state === 'ready', { click: '.pitwall-output[data-result-id="hourly"] button.next' });
    const second = byResult(next, 'hourly') as RenderedOutput;
    assert.equal(second.rowsLabel, `${PAGE_SIZE} of ${total} rows (${PAGE_SIZE + 1}–${2 * PAGE_SIZE})`);
    assert.equal(second.rows[0]?.[0], formatTime(hourly.rows[PAGE_SIZE]?.window_start as number));
    assert.deepEqual(asked.at(-1), { type: 'page', resultId: 'hourly', offset: PAGE_SIZE, limit: PAGE_SIZE });

    // Sorting by a header asks the host for the first page in that order.
    const sorted = await shown((seen) => byResult(seen, 'hourly')?.headers.find((h) => h.column === 'accuracy')?.sort === 'ascending', { click: '.pitwall-output[data-result-id="hourly"] button[data-column="accuracy"]' });
    const ascending = byResult(sorted, 'hourly') as RenderedOutput;
    const accuracyColumn = hourly.columns.findIndex((column) => column.name === 'accuracy');
    const lowest = Math.min(...hourly.rows.map((row) => row.accuracy as number | null).filter((value): value is number => value !== null));
    assert.equal(ascending.offset, 0);
    assert.equal(ascending.rows[0]?.[accuracyColumn], formatNumber(lowest));
    assert.deepEqual(asked.at(-1), { type: 'page', resultId: 'hourly', offset: 0, limit: PAGE_SIZE, sort: { column: 'accuracy', descending: false } });

    const copied = await shown((seen) => byResult(seen, 'hourly')?.notice !== null, { click: '.pitwall-output[data-result-id="hourly"] button.copy' });
    assert.equal(byResult(copied, 'hourly')?.notice, `Copied ${total} rows as CSV.`);
    assert.deepEqual(asked.at(-1), { type: 'copyCsv', resultId: 'hourly', sort: { column: 'accuracy', descending: false } });
    await screenshot('notebook-renderer-paged-table');

    await reveal(2);
    const gone = await shown((seen) => byResult(seen, 'gone')?.state === 'expired', { click: '.pitwall-output[data-result-id="gone"] button.next' });
    const expired = byResult(gone, 'gone') as RenderedOutput;
    assert.match(expired.notice ?? '', new RegExp(`^Pitwall no longer holds this result .*run the cell again to page, sort or copy all ${total} rows\\. Still showing rows 1–${PAGE_SIZE}\\.$`));
    assert.equal(expired.rows.length, PAGE_SIZE, 'what was shown stays');
    assert.equal(expired.rowsLabel, `${PAGE_SIZE} of ${total} rows (1–${PAGE_SIZE})`);
    assertClean(gone);
  });

  it('sorts and copies a result that is all here without the host, from the keyboard too', async function () {
    requireWorkbench(this);
    await reveal(0);
    const before = asked.length;
    const table = await shown((seen) => chartOutput(seen)?.view === 'table', { click: '.pitwall-output[data-result-id=""][data-kind="windows"] button.show-table' });
    assert.equal(chartOutput(table)?.rows.length, trend.rows.length);
    const countColumn = trend.columns.findIndex((column) => column.name === 'count');
    const selector = '.pitwall-output[data-result-id=""][data-kind="windows"] button[data-column="count"]';
    const ascending = await shown((seen) => chartOutput(seen)?.headers[countColumn]?.sort === 'ascending', { focus: selector, key: 'Enter' });
    const counts = trend.rows.map((row) => row.count as number);
    assert.equal(chartOutput(ascending)?.rows[0]?.[countColumn], String(Math.min(...counts)));
    assert.equal(ascending.focused, 'count', 'the focus stays on the header pressed');
    const descending = await shown((seen) => chartOutput(seen)?.headers[countColumn]?.sort === 'descending', { key: 'Enter' });
    assert.equal(chartOutput(descending)?.rows[0]?.[countColumn], String(Math.max(...counts)));
    const copied = await shown((seen) => chartOutput(seen)?.notice !== null, { click: '.pitwall-output[data-result-id=""][data-kind="windows"] button.copy' });
    assert.equal(chartOutput(copied)?.notice, `Copied ${trend.rows.length} rows as CSV.`);
    assert.equal(asked.length, before, 'nothing was asked of the host');
    await shown((seen) => chartOutput(seen)?.view === 'chart' && (chartOutput(seen)?.marks ?? 0) > 0, { click: '.pitwall-output[data-result-id=""][data-kind="windows"] button.show-chart' });
  });

  it('draws the chart again in the colours of each theme, dark, light and high contrast, live', async function () {
    requireWorkbench(this);
    await reveal(0);
    const shots: [string, vscode.ColorThemeKind, string, string][] = [
      ['Default Dark Modern', vscode.ColorThemeKind.Dark, 'vscode-dark', 'notebook-renderer-dark'],
      ['Default Light Modern', vscode.ColorThemeKind.Light, 'vscode-light', 'notebook-renderer-light'],
      ['Default High Contrast', vscode.ColorThemeKind.HighContrast, 'vscode-high-contrast', 'notebook-renderer-high-contrast'],
    ];
    const fills: string[] = [];
    let draws = chartOutput(await notebookOutputs())?.draws ?? 0;
    for (const [theme, kind, bodyClass, shot] of shots) {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      await eventually(() => (vscode.window.activeColorTheme.kind === kind ? true : undefined));
      const state = await shown((seen) => {
        const chart = chartOutput(seen);
        return chart !== undefined && (chart.theme ?? '').split(' ').includes(bodyClass) && chart.draws > draws && (chart.marks ?? 0) > 0;
      });
      const chart = chartOutput(state) as RenderedOutput;
      draws = chart.draws;
      fills.push(chart.axisLabelFill ?? '');
      assert.ok(chart.symbols > 0);
      assertClean(state);
      await screenshot(shot);
    }
    assert.equal(new Set(fills).size, 3, `axis labels in three colours: ${fills.join(', ')}`);
  });

  it('reports a chart that would load a URL and an output it cannot read inside the cell, and releases views when outputs go', async function () {
    requireWorkbench(this);
    await reveal(3);
    const state = await shown((seen) => seen.outputs.some((output) => output.chartError !== null) && seen.outputs.some((output) => output.outputError !== null));
    const refused = state.outputs.find((output) => output.chartError !== null) as RenderedOutput;
    assert.equal(refused.chartError, 'Pitwall charts load no external data, and this one asks for https://example.invalid/data.json.');
    assert.match(refused.text, /The chart could not be drawn: Pitwall charts load no external data, and this one asks for https:\/\/example\.invalid\/data\.json\./);
    const unreadable = state.outputs.find((output) => output.outputError !== null) as RenderedOutput;
    assert.match(unreadable.text, /This Pitwall output cannot be shown: its format version is 2, and this Pitwall draws version 1\./);
    assertClean(state);

    // Removing a cell disposes its output: the renderer finalizes its view and stops observing the theme.
    const live = state.views;
    const editor = vscode.window.activeNotebookEditor as vscode.NotebookEditor;
    const edit = new vscode.WorkspaceEdit();
    edit.set(editor.notebook.uri, [vscode.NotebookEdit.deleteCells(new vscode.NotebookRange(0, 1))]);
    assert.ok(await vscode.workspace.applyEdit(edit));
    const after = await shown((seen) => seen.views === live - 1);
    assert.equal(chartOutput(after), undefined);
  });
});

/**
 * The Pitwall kernel of `.pitnb` notebooks: runs PQL and SQL cells in order, on the notebook's own
 * source, in a query thread per notebook (core/query/queryRunner.ts). `let` names of earlier cells
 * are known to later ones; errors become the cell's error output with their position; cancelling a
 * cell ends the thread, so its work stops. Each result becomes one output with Pitwall's own type
 * (for the renderer), Vega-Lite and SVG (for other viewers) and a short text table; the full result
 * stays here for paging until the cell runs again or the notebook closes.
 */
import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { describeError } from '../../core/errors';
import { messages } from '../../core/messages';
import type { Pipeline } from '../../core/query/ast';
import { needsPaging, plainTable, resultOutput, type CellRunSummary } from '../../core/query/cellOutput';
import { formatQueryError } from '../../core/query/errorText';
import { NotebookResults } from '../../core/query/notebookResults';
import { resolveNotebookSource } from '../../core/query/notebookSource';
import { CellCancelledError, QueryRunner, type CellLanguage, type CellRun } from '../../core/query/queryRunner';
import { RESULT_MIME } from '../../shared/notebookOutput';
import { sourceName, type SourceManager } from '../sourceManager';
import { NOTEBOOK_TYPE } from './serializer';

export const CONTROLLER_ID = 'pitwall.kernel';
export const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';
const VEGA_LITE_V5_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
export const SUPPORTED_LANGUAGES: readonly CellLanguage[] = ['pql', 'sql'];

/** One notebook's connection to its source and the `let` names each of its cells gave. */
interface NotebookState {
  readonly runner: QueryRunner;
  readonly lets: Map<string, ReadonlyMap<string, Pipeline>>;
}

/** A cell's last run, for its status bar. */
export interface CellRunInfo extends CellRunSummary {
  readonly sourcePath: string;
  /** A statement failed (its error is the cell's last output). */
  readonly failed: boolean;
}

export interface ControllerOptions {
  /** The bundled query worker (dist/queryWorker.js). */
  readonly workerScript: string;
  readonly wasmPath: string;
}

/** The folder a notebook's relative source is taken from: its own folder, or (untitled) the first workspace folder. */
export function notebookFolder(notebook: vscode.NotebookDocument): string | undefined {
  if (notebook.uri.scheme === 'file') return dirname(notebook.uri.fsPath);
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** The source a notebook's cells run on: its metadata's, else the open source's; null when there is neither. */
export function notebookSourceOf(notebook: vscode.NotebookDocument, sources: SourceManager): string | null {
  return resolveNotebookSource(notebook.metadata.source, notebookFolder(notebook)) ?? sources.source?.path ?? null;
}

export class PitwallNotebookController implements vscode.Disposable {
  readonly controller: vscode.NotebookController;
  readonly results = new NotebookResults();
  private readonly states = new Map<string, NotebookState>();
  private readonly runs = new Map<string, CellRunInfo>();
  private readonly orders = new Map<string, number>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** A cell's run info changed (its status bar shows it). */
  readonly onDidChangeRuns = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly sources: SourceManager,
    private readonly log: vscode.LogOutputChannel,
    private readonly options: ControllerOptions,
  ) {
    this.controller = vscode.notebooks.createNotebookController(CONTROLLER_ID, NOTEBOOK_TYPE, 'Pitwall');
    this.controller.supportedLanguages = [...SUPPORTED_LANGUAGES];
    this.controller.supportsExecutionOrder = true;
    this.controller.description = 'PQL and SQL on the notebook’s monitoring source';
    this.controller.executeHandler = (cells, notebook) => this.execute(cells, notebook);
    this.disposables.push(
      this.controller,
      this.changed,
      vscode.workspace.onDidCloseNotebookDocument((notebook) => void this.forget(notebook)),
    );
  }

  /** The last run of a cell, while its notebook is open. */
  runOf(cell: vscode.NotebookCell): CellRunInfo | undefined {
    return this.runs.get(cell.document.uri.toString());
  }

  /** The query thread of a notebook, when one was started (tests look at it). */
  runnerOf(notebook: vscode.NotebookDocument): QueryRunner | undefined {
    return this.states.get(notebook.uri.toString())?.runner;
  }

  private async execute(cells: readonly vscode.NotebookCell[], notebook: vscode.NotebookDocument): Promise<void> {
    // All executions exist at once, so a cancel reaches the queued cells too, not only the running one.
    const executions = cells.map((cell) => this.controller.createNotebookCellExecution(cell));
    for (const execution of executions) {
      try {
        await this.runCell(execution, notebook);
      } catch (error) {
        // Whatever fails, the cell says so and the editor never sees an exception.
        this.log.error(`Running a notebook cell failed: ${describeError(error)}`);
        await execution.replaceOutput(errorOutput('Error', describeError(error)));
        execution.end(false, Date.now());
      }
    }
  }

  private async runCell(execution: vscode.NotebookCellExecution, notebook: vscode.NotebookDocument): Promise<void> {
    const cell = execution.cell;
    const key = notebook.uri.toString();
    const cellKey = cell.document.uri.toString();
    const order = (this.orders.get(key) ?? 0) + 1;
    this.orders.set(key, order);
    execution.executionOrder = order;
    const started = Date.now();
    execution.start(started);
    // A queued cell cancelled before its turn keeps the outputs it had: it never ran.
    if (execution.token.isCancellationRequested) {
      execution.end(undefined, Date.now());
      return;
    }
    this.results.dropCell(key, cellKey);
    this.runs.delete(cellKey);
    this.states.get(key)?.lets.delete(cellKey);
    this.changed.fire();
    const language = cell.document.languageId;
    if (!(SUPPORTED_LANGUAGES as readonly string[]).includes(language)) {
      await execution.replaceOutput(errorOutput('Unsupported cell', messages.notebookCellLanguage(language)));
      execution.end(false, Date.now());
      return;
    }
    const sourcePath = notebookSourceOf(notebook, this.sources);
    if (sourcePath === null) {
      await execution.replaceOutput(errorOutput('No source', messages.notebookNoSource()));
      execution.end(false, Date.now());
      return;
    }
    const state = this.stateFor(key, sourcePath);
    const abort = new AbortController();
    const cancel = execution.token.onCancellationRequested(() => abort.abort());
    let run: CellRun;
    try {
      run = await state.runner.run({ language: language as CellLanguage, text: cell.document.getText(), now: Date.now() / 1000, lets: this.letsBefore(notebook, cell, state) }, abort.signal);
    } catch (error) {
      if (error instanceof CellCancelledError) {
        await execution.replaceOutput(cancelledOutput());
        execution.end(undefined, Date.now());
        return;
      }
      await execution.replaceOutput(errorOutput(language === 'sql' ? 'SQL error' : 'Error', describeError(error)));
      execution.end(false, Date.now());
      return;
    } finally {
      cancel.dispose();
    }
    const durationMs = Date.now() - started;
    // Names count for the cells below only when the cell ran through.
    if (run.errors.length === 0) state.lets.set(cellKey, run.lets);
    const source = sourceName(sourcePath);
    const outputs = run.results.map((result, i) => {
      const chart = run.charts[i] ?? null;
      const resultId = needsPaging(result) ? this.results.add(key, cellKey, result) : null;
      const payload = resultOutput(result, { resultId, chart: chart === null ? null : { kind: result.chart?.kind ?? result.kind, spec: chart.spec }, source, durationMs });
      return new vscode.NotebookCellOutput([
        vscode.NotebookCellOutputItem.json(payload, RESULT_MIME),
        ...(chart === null ? [] : [vscode.NotebookCellOutputItem.json({ ...chart.spec, $schema: VEGA_LITE_V5_SCHEMA }, VEGA_LITE_MIME)]),
        ...(chart?.svg == null ? [] : [vscode.NotebookCellOutputItem.text(chart.svg, 'image/svg+xml')]),
        vscode.NotebookCellOutputItem.text(plainTable(result), 'text/plain'),
      ]);
    });
    if (run.problems.length > 0) outputs.push(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.stderr(messages.notebookSourceProblems(run.problems.length, source, run.problems[0] ?? ''))]));
    const text = cell.document.getText();
    const label = `cell ${cell.index + 1}`;
    for (const error of run.errors) outputs.push(errorOutput(`PQL ${error.code}`, formatQueryError(text, error, label)));
    await execution.replaceOutput(outputs);
    this.runs.set(cellKey, { results: run.results, durationMs, source, sourcePath, failed: run.errors.length > 0 });
    this.changed.fire();
    execution.end(run.errors.length === 0, Date.now());
  }

  /** The `let` names given by the cells above this one, in their order. */
  private letsBefore(notebook: vscode.NotebookDocument, cell: vscode.NotebookCell, state: NotebookState): Map<string, Pipeline> {
    const lets = new Map<string, Pipeline>();
    for (const above of notebook.getCells().slice(0, cell.index)) {
      for (const [name, pipeline] of state.lets.get(above.document.uri.toString()) ?? []) lets.set(name, pipeline);
    }
    return lets;
  }

  /** The notebook's runner on this source; a source changed since the last cell starts afresh (names and results too). */
  private stateFor(key: string, sourcePath: string): NotebookState {
    const held = this.states.get(key);
    if (held !== undefined && held.runner.source === sourcePath) return held;
    if (held !== undefined) {
      void held.runner.close();
      this.results.dropNotebook(key);
    }
    const password = this.sources.passwordFor(sourcePath);
    const state: NotebookState = { runner: new QueryRunner(sourcePath, { script: this.options.workerScript, wasmPath: this.options.wasmPath, ...(password === undefined ? {} : { password }) }), lets: new Map() };
    this.states.set(key, state);
    return state;
  }

  private async forget(notebook: vscode.NotebookDocument): Promise<void> {
    if (notebook.notebookType !== NOTEBOOK_TYPE) return;
    const key = notebook.uri.toString();
    this.results.dropNotebook(key);
    for (const cell of notebook.getCells()) this.runs.delete(cell.document.uri.toString());
    this.orders.delete(key);
    const state = this.states.get(key);
    this.states.delete(key);
    await state?.runner.close();
  }

  dispose(): void {
    for (const state of this.states.values()) void state.runner.close();
    this.states.clear();
    for (const disposable of this.disposables) disposable.dispose();
  }
}

/** A cell's error output: the error renderer shows the stack, which holds the located text (line:col, caret, hint). */
function errorOutput(name: string, text: string): vscode.NotebookCellOutput {
  const [first = text] = text.split('\n');
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error({ name, message: first, stack: text })]);
}

function cancelledOutput(): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.stderr(messages.notebookCellCancelled())]);
}


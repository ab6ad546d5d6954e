/** A Pitwall cell's status bar after a run: rows (and windows of a trend), the duration, and the source it ran on. */
import * as vscode from 'vscode';
import { cellStatusText } from '../../core/query/cellOutput';
import type { PitwallNotebookController } from './controller';
import { NOTEBOOK_TYPE } from './serializer';

export class PitwallCellStatusBarProvider implements vscode.NotebookCellStatusBarItemProvider {
  readonly onDidChangeCellStatusBarItems: vscode.Event<void>;

  constructor(private readonly kernel: PitwallNotebookController) {
    this.onDidChangeCellStatusBarItems = kernel.onDidChangeRuns;
  }

  provideCellStatusBarItems(cell: vscode.NotebookCell): vscode.NotebookCellStatusBarItem[] {
    const run = this.kernel.runOf(cell);
    if (run === undefined) return [];
    const text = cellStatusText(run);
    const rows = new vscode.NotebookCellStatusBarItem(`$(table) ${text.rows}`, vscode.NotebookCellStatusBarAlignment.Left);
    rows.tooltip = 'Rows the cell returned (and windows, for a trend)';
    const duration = new vscode.NotebookCellStatusBarItem(`$(watch) ${text.duration}`, vscode.NotebookCellStatusBarAlignment.Left);
    duration.tooltip = 'How long the cell ran';
    const source = new vscode.NotebookCellStatusBarItem(`$(database) ${text.source}`, vscode.NotebookCellStatusBarAlignment.Left);
    source.tooltip = `Ran on ${run.sourcePath}. Click to choose the notebook's source.`;
    source.command = 'pitwall.notebook.selectSource';
    // A cell that failed before any result has no rows to speak of.
    return run.failed && run.results.length === 0 ? [duration, source] : [rows, duration, source];
  }
}

export function registerCellStatusBar(kernel: PitwallNotebookController): vscode.Disposable {
  return vscode.notebooks.registerNotebookCellStatusBarItemProvider(NOTEBOOK_TYPE, new PitwallCellStatusBarProvider(kernel));
}

/**
 * **Pitwall: Export Report…** (the open source's monitoring report as one HTML file) and a Pitwall
 * notebook's **Export as HTML** (its current text run in the kernel, written as a page). Both are
 * the kernel's pages (core/report), the same files `pitwall report` and `pitwall notebook run --out`
 * write: this file asks where, shows progress with Cancel, writes, and offers to open or reveal.
 */
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { version } from '../../package.json';
import { describeError } from '../core/errors';
import type { NotebookCellText, NotebookText } from '../core/query/notebook';
import { cellFirstLine, notebookSourcePath, runNotebook } from '../core/query/notebookRun';
import { pathNotebookSource } from '../core/query/pathSource';
import { buildReport } from '../core/report/monitoringReport';
import { notebookHtml, renderNotebookCharts } from '../core/report/notebookHtml';
import { scanPredictionColumns } from '../core/store/openStore';
import type { CommandContext } from './commands';
import { NOTEBOOK_TYPE } from './notebook/serializer';

const HTML_FILTERS = { 'HTML page': ['html'] };

/** Where to write: the target a caller passed (a test, another command), else the save dialog. */
async function askTarget(given: unknown, suggested: vscode.Uri, title: string): Promise<vscode.Uri | undefined> {
  if (given instanceof vscode.Uri) return given;
  return vscode.window.showSaveDialog({ defaultUri: suggested, filters: HTML_FILTERS, saveLabel: 'Export', title });
}

/** After writing: the file in the browser, or in the file manager. */
async function offerToOpen(target: vscode.Uri, message: string): Promise<void> {
  const choice = await vscode.window.showInformationMessage(message, 'Open', 'Reveal');
  if (choice === 'Open') await vscode.env.openExternal(target);
  else if (choice === 'Reveal') await vscode.commands.executeCommand('revealFileInOS', target);
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function workspaceFolder(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

/**
 * Runs `work` under a cancellable notification; true when it finished, false when cancelled.
 * Cancel aborts the kernel's work between its steps, and nothing is written.
 */
async function withCancellableProgress(title: string, work: (signal: AbortSignal, report: (message: string) => void) => Promise<void>): Promise<boolean> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const listener = token.onCancellationRequested(() => abort.abort());
    try {
      await work(abort.signal, (message) => progress.report({ message }));
      return !abort.signal.aborted;
    } catch (error) {
      if (abort.signal.aborted) return false;
      throw error;
    } finally {
      listener.dispose();
    }
  });
}

async function writeText(target: vscode.Uri, text: string): Promise<number> {
  const bytes = Buffer.from(text, 'utf8');
  await vscode.workspace.fs.writeFile(target, bytes);
  return bytes.length;
}

async function exportReport(context: CommandContext, given: unknown): Promise<void> {
  const source = context.sources.source;
  if (source === null) {
    const choice = await vscode.window.showInformationMessage('Open a monitoring source first: the report is about it.', 'Open Monitoring Source…');
    if (choice) await vscode.commands.executeCommand('pitwall.openSource');
    return;
  }
  const folder = workspaceFolder() ?? vscode.Uri.file(dirname(source.path));
  const target = await askTarget(given, vscode.Uri.joinPath(folder, `pitwall-report-${today()}.html`), 'Pitwall: save the monitoring report as');
  if (target === undefined) return;
  try {
    let bytes = 0;
    const finished = await withCancellableProgress(`Pitwall: writing the report of ${source.name}`, async (signal, report) => {
      report('reading and analysing…');
      const { html } = await buildReport(
        {
          // The open store for what it answers fast; a SQLite file's predictions straight from its pages.
          scanColumns: (features, metadata) => scanPredictionColumns(source.path, features, metadata),
          withStore: (use) => use(source.store),
        },
        { sourceName: source.path, now: Date.now() / 1000, pitwallVersion: version, signal },
      );
      if (signal.aborted) return;
      report('writing…');
      bytes = await writeText(target, html);
    });
    if (!finished) {
      context.log.info(`The report of ${source.path} was cancelled; nothing was written.`);
      return;
    }
    context.log.info(`Wrote the report of ${source.path} to ${target.fsPath} (${bytes} bytes).`);
    void offerToOpen(target, `Wrote the report of ${source.name} to ${basename(target.fsPath)}.`);
  } catch (error) {
    context.log.error(`The report of ${source.path} failed: ${describeError(error)}`);
    void vscode.window.showErrorMessage(`Could not write the report: ${describeError(error)}`, 'Show Log').then((choice) => choice && context.log.show());
  }
}

/** The notebook the toolbar button, a URI or the active editor names. */
function notebookOf(given: unknown): vscode.NotebookDocument | undefined {
  const uri = given instanceof vscode.Uri ? given : (given as { notebookEditor?: { notebookUri?: unknown } } | undefined)?.notebookEditor?.notebookUri;
  if (uri instanceof vscode.Uri) return vscode.workspace.notebookDocuments.find((doc) => doc.uri.toString() === uri.toString());
  const active = vscode.window.activeNotebookEditor?.notebook;
  return active?.notebookType === NOTEBOOK_TYPE ? active : undefined;
}

/** The notebook's current text, as the kernel's notebook format holds it (unsaved edits included). */
function notebookTextOf(document: vscode.NotebookDocument): NotebookText {
  const cells: NotebookCellText[] = document.getCells().map((cell) => ({
    kind: cell.kind === vscode.NotebookCellKind.Markup ? 'markdown' : cell.document.languageId,
    text: cell.document.getText(),
  }));
  return { metadata: document.metadata, cells };
}

/** The open PostgreSQL source's password, for a notebook on that database (its URL names none). */
function passwordOf(context: CommandContext, sourcePath: string): { password?: string } {
  const password = context.sources.passwordFor(sourcePath);
  return password === undefined ? {} : { password };
}

async function exportNotebookHtml(context: CommandContext, given: unknown, target?: unknown): Promise<void> {
  const document = notebookOf(given);
  if (document === undefined) {
    void vscode.window.showInformationMessage('Open a Pitwall notebook (.pitnb) first: Export as HTML writes the active one.');
    return;
  }
  // The serializer keeps the file's metadata on the document: its source among it.
  const metadata = document.metadata;
  const sourcePath = notebookSourcePath(metadata, document.uri.fsPath) ?? context.sources.source?.path;
  if (sourcePath === undefined) {
    void vscode.window.showErrorMessage('The notebook names no source and none is open: open a monitoring source, or set the notebook\'s source.', 'Open Monitoring Source…').then((choice) => choice && vscode.commands.executeCommand('pitwall.openSource'));
    return;
  }
  const name = basename(document.uri.fsPath).replace(/\.pitnb$/i, '') || 'notebook';
  const suggested = document.isUntitled ? vscode.Uri.joinPath(workspaceFolder() ?? vscode.Uri.file(dirname(sourcePath)), `${name}.html`) : vscode.Uri.file(join(dirname(document.uri.fsPath), `${name}.html`));
  const out = await askTarget(target, suggested, 'Pitwall: save the notebook as HTML');
  if (out === undefined) return;
  try {
    let failed: string | undefined;
    const finished = await withCancellableProgress(`Pitwall: running ${basename(document.uri.fsPath)} for HTML`, async (signal, report) => {
      const text = notebookTextOf(document);
      const cells = text.cells.length;
      const run = await runNotebook(text, pathNotebookSource(sourcePath, { wasmPath: context.wasmPath, readOnly: 'An export only reads.', ...passwordOf(context, sourcePath) }), {
        now: Date.now() / 1000,
        signal,
        onCell: (cell) => report(`cell ${cell.number} of ${cells}`),
      });
      if (signal.aborted) return;
      report('drawing charts…');
      const svgs = await renderNotebookCharts(run, signal);
      if (signal.aborted) return;
      await writeText(out, notebookHtml(run, svgs, { name: basename(document.uri.fsPath), sourceName: sourcePath, generatedAt: Date.now() / 1000, pitwallVersion: version }));
      if (run.failed !== undefined) failed = `Cell ${run.failed.number} failed (${cellFirstLine(run.failed.text)}); the page shows its problem and the cells before it.`;
    });
    if (!finished) return;
    context.log.info(`Wrote ${document.uri.fsPath} as HTML to ${out.fsPath}${failed === undefined ? '' : `: ${failed}`}`);
    if (failed !== undefined) void vscode.window.showWarningMessage(failed);
    void offerToOpen(out, `Wrote ${basename(out.fsPath)}.`);
  } catch (error) {
    context.log.error(`Exporting ${document.uri.fsPath} as HTML failed: ${describeError(error)}`);
    void vscode.window.showErrorMessage(`Could not export the notebook: ${describeError(error)}`, 'Show Log').then((choice) => choice && context.log.show());
  }
}

export function registerReportCommands(context: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('pitwall.exportReport', (target?: unknown) => exportReport(context, target)),
    // From the toolbar: the notebook; from a caller: the notebook's URI and where to write.
    vscode.commands.registerCommand('pitwall.notebook.exportHtml', (notebook?: unknown, target?: unknown) => exportNotebookHtml(context, notebook, target)),
  ];
}

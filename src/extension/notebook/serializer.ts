/**
 * `.pitnb` files in the editor: the kernel's notebook text format (core/query/notebook.ts) mapped to
 * VS Code cells. Markdown cells are markup cells; `pql` and `sql` cells are code cells of those
 * languages; a kind this version does not know is kept as a code cell of that language id, so saving
 * loses nothing. Outputs are transient (running a cell never dirties the file) unless the setting
 * `pitwall.notebook.saveOutputs` asks for a snapshot, capped in size, saved after each cell.
 */
import * as vscode from 'vscode';
import { capOutputSnapshots, NOTEBOOK_FORMAT_VERSION, parseNotebook, serializeNotebook, type NotebookCellText, type NotebookOutputSnapshot, type NotebookText } from '../../core/query/notebook';

export const NOTEBOOK_TYPE = 'pitwall-notebook';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Metadata keys the serializer keeps on the notebook for itself, not the user's. */
const PREAMBLE_KEY = 'pitwallPreamble';
const EOL_KEY = 'pitwallEol';

export class PitwallNotebookSerializer implements vscode.NotebookSerializer {
  constructor(private readonly log: vscode.LogOutputChannel) {}

  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    const { notebook, problems } = parseNotebook(decoder.decode(content));
    for (const problem of problems) this.log.warn(`Notebook line ${problem.line}: ${problem.message}`);
    return notebookDataOf(notebook);
  }

  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    const { [PREAMBLE_KEY]: preamble, [EOL_KEY]: eol, ...metadata } = data.metadata ?? {};
    const cells = data.cells.map((cell) => cellTextOf(cell, saveOutputs()));
    return encoder.encode(
      serializeNotebook({
        metadata: { version: NOTEBOOK_FORMAT_VERSION, ...metadata },
        cells: capOutputSnapshots(cells),
        ...(typeof preamble === 'string' ? { preamble } : {}),
        ...(eol === '\r\n' ? { eol } : {}),
      }),
    );
  }
}

/** Whether notebooks are saved with a snapshot of their outputs (`pitwall.notebook.saveOutputs`). */
export function saveOutputs(): boolean {
  return vscode.workspace.getConfiguration('pitwall.notebook').get<boolean>('saveOutputs', false);
}

/** A notebook's text as the editor's notebook data (New Notebook opens one this way). */
export function notebookDataOf(notebook: NotebookText): vscode.NotebookData {
  const data = new vscode.NotebookData(notebook.cells.map(cellDataOf));
  data.metadata = {
    ...notebook.metadata,
    ...(notebook.preamble === undefined ? {} : { [PREAMBLE_KEY]: notebook.preamble }),
    ...(notebook.eol === undefined ? {} : { [EOL_KEY]: notebook.eol }),
  };
  return data;
}

/** Output items saved as text: JSON, SVG and text; anything binary is not part of a snapshot. */
function savedAsText(mime: string): boolean {
  return mime.startsWith('text/') || mime.includes('json') || mime === 'image/svg+xml';
}

function cellDataOf(cell: NotebookCellText): vscode.NotebookCellData {
  const markup = cell.kind === 'markdown';
  const data = new vscode.NotebookCellData(markup ? vscode.NotebookCellKind.Markup : vscode.NotebookCellKind.Code, cell.text, markup ? 'markdown' : cell.kind);
  if (cell.metadata !== undefined) data.metadata = { ...cell.metadata };
  if (cell.outputs !== undefined) data.outputs = cell.outputs.map((output) => new vscode.NotebookCellOutput(output.items.map((item) => new vscode.NotebookCellOutputItem(encoder.encode(item.data), item.mime))));
  return data;
}

function cellTextOf(cell: vscode.NotebookCellData, withOutputs: boolean): NotebookCellText {
  const kind = cell.kind === vscode.NotebookCellKind.Markup ? 'markdown' : /^[A-Za-z][\w-]*$/.test(cell.languageId) && cell.languageId !== 'pitwall' && cell.languageId !== 'output' ? cell.languageId : 'pql';
  const metadata = cell.metadata !== undefined && Object.keys(cell.metadata).length > 0 ? { ...cell.metadata } : undefined;
  const outputs: NotebookOutputSnapshot[] = withOutputs
    ? (cell.outputs ?? [])
        .map((output) => ({ items: output.items.filter((item) => savedAsText(item.mime)).map((item) => ({ mime: item.mime, data: decoder.decode(item.data) })) }))
        .filter((output) => output.items.length > 0)
    : [];
  return { kind, text: cell.value, ...(metadata === undefined ? {} : { metadata }), ...(outputs.length === 0 ? {} : { outputs }) };
}

/**
 * The serializer, registered again when `pitwall.notebook.saveOutputs` changes: whether outputs
 * are transient is fixed at registration, and must follow the setting (transient, a run never
 * dirties the file; saved, it does).
 */
export function registerNotebookSerializer(log: vscode.LogOutputChannel): vscode.Disposable {
  const serializer = new PitwallNotebookSerializer(log);
  let registration = vscode.workspace.registerNotebookSerializer(NOTEBOOK_TYPE, serializer, { transientOutputs: !saveOutputs() });
  const listener = vscode.workspace.onDidChangeConfiguration((event) => {
    if (!event.affectsConfiguration('pitwall.notebook.saveOutputs')) return;
    registration.dispose();
    registration = vscode.workspace.registerNotebookSerializer(NOTEBOOK_TYPE, serializer, { transientOutputs: !saveOutputs() });
  });
  return new vscode.Disposable(() => {
    listener.dispose();
    registration.dispose();
  });
}

/**
 * `.pitnb` files in the editor: the kernel's notebook text format (core/query/notebook.ts) mapped to
 * VS Code cells. Markdown cells are markup cells; `pql` and `sql` cells are code cells of those
 * languages; a kind this version does not know is kept as a code cell of that language id, so saving
 * loses nothing. Outputs are transient: running a cell never dirties the file.
 */
import * as vscode from 'vscode';
import { NOTEBOOK_FORMAT_VERSION, parseNotebook, serializeNotebook, type NotebookCellText } from '../../core/query/notebook';

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
    const data = new vscode.NotebookData(notebook.cells.map(cellDataOf));
    data.metadata = {
      ...notebook.metadata,
      ...(notebook.preamble === undefined ? {} : { [PREAMBLE_KEY]: notebook.preamble }),
      ...(notebook.eol === undefined ? {} : { [EOL_KEY]: notebook.eol }),
    };
    return data;
  }

  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    const { [PREAMBLE_KEY]: preamble, [EOL_KEY]: eol, ...metadata } = data.metadata ?? {};
    return encoder.encode(
      serializeNotebook({
        metadata: { version: NOTEBOOK_FORMAT_VERSION, ...metadata },
        cells: data.cells.map(cellTextOf),
        ...(typeof preamble === 'string' ? { preamble } : {}),
        ...(eol === '\r\n' ? { eol } : {}),
      }),
    );
  }
}

function cellDataOf(cell: NotebookCellText): vscode.NotebookCellData {
  const markup = cell.kind === 'markdown';
  const data = new vscode.NotebookCellData(markup ? vscode.NotebookCellKind.Markup : vscode.NotebookCellKind.Code, cell.text, markup ? 'markdown' : cell.kind);
  if (cell.metadata !== undefined) data.metadata = { ...cell.metadata };
  return data;
}

function cellTextOf(cell: vscode.NotebookCellData): NotebookCellText {
  const kind = cell.kind === vscode.NotebookCellKind.Markup ? 'markdown' : /^[A-Za-z][\w-]*$/.test(cell.languageId) && cell.languageId !== 'pitwall' ? cell.languageId : 'pql';
  const metadata = cell.metadata !== undefined && Object.keys(cell.metadata).length > 0 ? { ...cell.metadata } : undefined;
  return { kind, text: cell.value, ...(metadata === undefined ? {} : { metadata }) };
}

export function registerNotebookSerializer(log: vscode.LogOutputChannel): vscode.Disposable {
  return vscode.workspace.registerNotebookSerializer(NOTEBOOK_TYPE, new PitwallNotebookSerializer(log), { transientOutputs: true });
}

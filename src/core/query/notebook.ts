/**
 * The `.pitnb` notebook file: plain text that diffs well in git, read and written the same way by
 * the editor's serializer and the CLI's `pitwall notebook run`.
 *
 *     >>>pitwall {"version":1,"source":"data/demo.db"}
 *     >>>markdown
 *     # Accuracy this week
 *     >>>pql
 *     predictions | window 1h | metrics accuracy | chart line
 *     >>>sql
 *     select count(*) from predictions
 *
 * A line starting with `>>>` is a marker: `>>>` + the cell's kind, then optionally a space and a JSON
 * object (the cell's metadata; on the first `>>>pitwall` line, the notebook's). A content line that
 * would read as a marker (`>>>…`, or `\` repeated then `>>>`) is written with one more leading `\`, and
 * reading removes it, so no content can end a cell early. Each cell's text is kept byte for byte
 * (CRLF, Unicode, trailing blank lines): it is the text between its marker line and the line break
 * before the next marker. Text before the first marker is kept as the notebook's preamble; a file
 * without any marker (a `.pql` file renamed, say) reads as one PQL cell. The line break of the marker
 * lines (LF or CRLF) is the one the file used, and is written back the same.
 *
 * Outputs are not part of a notebook unless it is saved with them (the editor's opt-in setting):
 * then each output follows its cell as one `>>>output {"items":[{"mime":…,"data":…}]}` line, the
 * snapshot capped in size (capOutputSnapshots). `output`, like `pitwall`, is never a cell's kind.
 */
import { messages } from '../messages';

export const NOTEBOOK_FORMAT_VERSION = 1;

export interface NotebookCellText {
  /** `markdown`, `pql`, `sql`, or another kind kept as it was read. */
  readonly kind: string;
  readonly text: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** A saved snapshot of the cell's outputs (only when the notebook is saved with outputs). */
  readonly outputs?: readonly NotebookOutputSnapshot[];
}

/** One output as saved: its items' types and text (JSON, SVG and text items; binary ones are not saved). */
export interface NotebookOutputSnapshot {
  readonly items: readonly { readonly mime: string; readonly data: string }[];
}

export interface NotebookText {
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly cells: readonly NotebookCellText[];
  /** Anything before the first marker, kept so that writing back loses nothing. */
  readonly preamble?: string;
  /** The marker lines' line break; LF unless the file used CRLF. */
  readonly eol?: '\n' | '\r\n';
}

/** A problem of a notebook file: the line it is on (1-based) and what is wrong. The cell still loads. */
export interface NotebookProblem {
  readonly line: number;
  readonly message: string;
}

const HEADER_KIND = 'pitwall';
const OUTPUT_KIND = 'output';
const MARKER = /^>>>([A-Za-z][\w-]*)?(?:[ \t]+(.*?))?\r?$/;
const ESCAPED = /^\\+>>>/;
const NEEDS_ESCAPE = /^\\*>>>/;
const KIND = /^[A-Za-z][\w-]*$/;

/** Reads a notebook's text; a damaged marker's metadata is reported and dropped, never the cell. */
export function parseNotebook(content: string): { notebook: NotebookText; problems: NotebookProblem[] } {
  const problems: NotebookProblem[] = [];
  const lines = splitLines(content);
  const firstMarker = lines.find((line) => MARKER.test(line.text));
  if (firstMarker === undefined) {
    return { notebook: { metadata: {}, cells: content === '' ? [] : [{ kind: 'pql', text: content }] }, problems };
  }
  const eol = firstMarker.end === '\r\n' ? '\r\n' : '\n';
  const cells: NotebookCellText[] = [];
  let metadata: Record<string, unknown> = {};
  let headerSeen = false;
  let current: { kind: string; metadata: Record<string, unknown> | undefined; body: string[]; outputs: NotebookOutputSnapshot[] } | undefined;
  const pre: string[] = [];
  const close = (): void => {
    if (current === undefined) return;
    cells.push({
      kind: current.kind,
      text: joinBody(current.body, eol),
      ...(current.metadata === undefined ? {} : { metadata: current.metadata }),
      ...(current.outputs.length === 0 ? {} : { outputs: current.outputs }),
    });
  };
  lines.forEach((line, index) => {
    const match = MARKER.exec(line.text);
    if (match === null) {
      const text = ESCAPED.test(line.text) ? line.text.slice(1) : line.text;
      (current === undefined ? pre : current.body).push(text + line.end);
      return;
    }
    const kind = match[1] ?? '';
    const meta = readMetadata(match[2], index + 1, problems);
    if (kind === HEADER_KIND && !headerSeen && current === undefined) {
      headerSeen = true;
      metadata = meta ?? {};
      return;
    }
    if (kind === OUTPUT_KIND) {
      const snapshot = meta === undefined ? undefined : outputSnapshotOf(meta);
      // JSON that is not an object was reported by readMetadata already.
      const reported = meta === undefined && match[2] !== undefined && match[2].trim() !== '';
      if (current !== undefined && snapshot !== undefined) current.outputs.push(snapshot);
      else if (!reported) problems.push({ line: index + 1, message: messages.notebookBadOutput() });
      return;
    }
    if (kind === '') problems.push({ line: index + 1, message: messages.notebookMarkerWithoutKind() });
    close();
    current = { kind: kind === '' ? 'pql' : kind, metadata: meta, body: [], outputs: [] };
  });
  close();
  const preamble = pre.join('');
  return { notebook: { metadata, cells, ...(preamble === '' ? {} : { preamble }), ...(eol === '\r\n' ? { eol } : {}) }, problems };
}

/** Writes a notebook as text; `parseNotebook(serializeNotebook(n))` gives `n` back. */
export function serializeNotebook(notebook: NotebookText): string {
  const eol = notebook.eol ?? '\n';
  const parts: string[] = [];
  if (notebook.preamble !== undefined && notebook.preamble !== '') {
    // A preamble is whole lines: the marker after it must start a line of its own.
    parts.push(notebook.preamble.endsWith('\n') ? notebook.preamble : notebook.preamble + eol);
  }
  parts.push(markerLine(HEADER_KIND, notebook.metadata, true, eol));
  for (const cell of notebook.cells) {
    if (!KIND.test(cell.kind) || cell.kind === HEADER_KIND || cell.kind === OUTPUT_KIND) throw new Error(`A notebook cell kind must be a word other than "${HEADER_KIND}" and "${OUTPUT_KIND}": ${JSON.stringify(cell.kind)}`);
    parts.push(markerLine(cell.kind, cell.metadata, false, eol));
    parts.push(escapeBody(cell.text, eol));
    for (const output of cell.outputs ?? []) parts.push(markerLine(OUTPUT_KIND, { items: output.items.map((item) => ({ mime: item.mime, data: item.data })) }, true, eol));
  }
  return parts.join('');
}

function outputSnapshotOf(value: Record<string, unknown>): NotebookOutputSnapshot | undefined {
  const items = value.items;
  if (!Array.isArray(items)) return undefined;
  const valid = items.every((item: unknown) => typeof item === 'object' && item !== null && typeof (item as { mime?: unknown }).mime === 'string' && typeof (item as { data?: unknown }).data === 'string');
  return valid ? { items: (items as { mime: string; data: string }[]).map((item) => ({ mime: item.mime, data: item.data })) } : undefined;
}

/** The most a notebook's saved outputs take, in bytes of their lines. */
export const OUTPUT_SNAPSHOT_CAP = 200_000;

/**
 * The outputs a notebook saves: in cell order while they fit in `cap` bytes; each one past it is
 * replaced by a short note saying it was not saved, so a reader never takes the snapshot for all.
 */
export function capOutputSnapshots(cells: readonly NotebookCellText[], cap = OUTPUT_SNAPSHOT_CAP): NotebookCellText[] {
  let used = 0;
  let full = false;
  return cells.map((cell) => {
    if (cell.outputs === undefined || cell.outputs.length === 0) return cell;
    const outputs = cell.outputs.map((output) => {
      const size = Buffer.byteLength(JSON.stringify({ items: output.items }), 'utf8');
      if (!full && used + size <= cap) {
        used += size;
        return output;
      }
      full = true;
      return { items: [{ mime: 'text/plain', data: messages.notebookOutputNotSaved(Math.round(cap / 1000)) }] };
    });
    return { ...cell, outputs };
  });
}

function markerLine(kind: string, metadata: Readonly<Record<string, unknown>> | undefined, always: boolean, eol: string): string {
  const shown = metadata !== undefined && (always || Object.keys(metadata).length > 0);
  return `>>>${kind}${shown ? ` ${JSON.stringify(metadata)}` : ''}${eol}`;
}

/** A cell's text as written: its lines escaped, then one line break that reading takes off again. */
function escapeBody(text: string, eol: string): string {
  return `${text
    .split('\n')
    .map((line) => (NEEDS_ESCAPE.test(line) ? `\\${line}` : line))
    .join('\n')}${eol}`;
}

/** A cell's text as read: the last line break (the file's, as written above) belongs to the file, not to the cell. */
function joinBody(body: readonly string[], eol: string): string {
  const text = body.join('');
  return text.endsWith(eol) ? text.slice(0, -eol.length) : text;
}

function readMetadata(text: string | undefined, line: number, problems: NotebookProblem[]): Record<string, unknown> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below, with the line
  }
  problems.push({ line, message: messages.notebookBadMetadata() });
  return undefined;
}

function splitLines(content: string): { text: string; end: string }[] {
  const lines: { text: string; end: string }[] = [];
  let start = 0;
  while (start < content.length) {
    const newline = content.indexOf('\n', start);
    if (newline < 0) {
      lines.push({ text: content.slice(start), end: '' });
      break;
    }
    const crlf = newline > start && content[newline - 1] === '\r';
    lines.push({ text: content.slice(start, crlf ? newline - 1 : newline), end: crlf ? '\r\n' : '\n' });
    start = newline + 1;
  }
  return lines;
}

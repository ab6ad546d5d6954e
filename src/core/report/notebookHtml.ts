/**
 * A notebook run as an HTML page (`pitwall notebook run --out`, the editor's "Export as HTML"), in
 * the monitoring report's page shell: markdown cells in a small safe subset (headings, paragraphs,
 * lists, code, emphasis; a link shows its text and address as text, never a link), each code cell's
 * source, then its results as a table and, where the result has one (query/chart.ts), its chart as
 * inline SVG; a failed cell shows its problem with the caret.
 */
import { formatUtc } from '../charts/theme';
import { chartOfResult } from '../query/chart';
import type { NotebookCellRun, NotebookRun } from '../query/notebookRun';
import type { QueryResult } from '../query/run';
import { escapeHtml, facts, figure, html, paragraph, renderPage, table, type Cell, type Html } from './page';
import { renderChartSvg } from './svg';

export interface NotebookPageInfo {
  /** The notebook's file name. */
  readonly name: string;
  readonly sourceName: string;
  readonly generatedAt: number;
  readonly pitwallVersion: string;
}

/** Rows of a result shown in the page; the table says "200 of N rows" beyond. */
const SHOWN_ROWS = 200;
const CHART_WIDTH = 860;

/** The SVG of each result that has a chart, by cell number then result index. */
export type NotebookSvgs = ReadonlyMap<string, string>;

function svgKey(cell: number, result: number): string {
  return `${cell}.${result}`;
}

/** Renders every chart of the run (svg.ts). */
export async function renderNotebookCharts(run: NotebookRun, signal?: AbortSignal): Promise<NotebookSvgs> {
  const svgs = new Map<string, string>();
  for (const cell of run.cells) {
    for (const [i, result] of cell.results.entries()) {
      if (signal?.aborted === true) return svgs;
      const spec = chartOfResult(result);
      if (spec !== null) svgs.set(svgKey(cell.number, i), await renderChartSvg(spec, { width: CHART_WIDTH, idPrefix: `c${cell.number}-${i}-` }));
    }
  }
  return svgs;
}

/** The page of a run, from the run and its rendered charts. Pure. */
export function notebookHtml(run: NotebookRun, svgs: NotebookSvgs, info: NotebookPageInfo): string {
  const header = facts([
    ['Notebook', info.name],
    ['Source', info.sourceName],
    ['Generated', formatUtc(info.generatedAt)],
    ['Written by', `Pitwall ${info.pitwallVersion}`],
    ['Cells', run.failed === undefined ? `${run.cells.length}, all ran` : `${run.cells.length}; cell ${run.failed.number} failed, the cells after it did not run`],
  ]);
  const body = run.cells.flatMap((cell) => cellHtml(cell, svgs));
  return renderPage({
    title: info.name,
    header,
    sections: [{ id: 'cells', title: 'Cells', body }],
    footer: `Written by Pitwall ${info.pitwallVersion} at ${formatUtc(info.generatedAt)} from ${info.sourceName}. Self-contained: no script, no external resource.`,
  });
}

function cellHtml(cell: NotebookCellRun, svgs: NotebookSvgs): Html[] {
  if (cell.kind === 'markdown') return [html(`<div class="markdown">${markdownHtml(cell.text)}</div>`)];
  const parts: Html[] = [html(`<h3>Cell ${cell.number} · ${escapeHtml(cell.kind)}${cell.status === 'ok' ? ` · ${cell.ms} ms` : ''}</h3>`), html(`<pre><code>${escapeHtml(cell.text)}</code></pre>`)];
  if (cell.status === 'not-run') parts.push(paragraph('Not run: an earlier cell failed.', 'note'));
  for (const problem of cell.problems) parts.push(paragraph(problem, 'note'));
  cell.results.forEach((result, i) => {
    parts.push(resultTable(result));
    const svg = svgs.get(svgKey(cell.number, i));
    if (svg !== undefined) parts.push(figure(svg));
  });
  for (const error of cell.errors) parts.push(html(`<div class="error">${escapeHtml(error)}</div>`));
  return parts;
}

function cellOf(value: unknown, type: QueryResult['columns'][number]['type']): Cell {
  if (value === null || value === undefined) return null;
  if (type === 'time' && typeof value === 'number') return formatUtc(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  const interval = value as { lower?: unknown; upper?: unknown };
  if (typeof interval.lower === 'number' && typeof interval.upper === 'number') return `${interval.lower.toFixed(3)}–${interval.upper.toFixed(3)}`;
  return JSON.stringify(value);
}

/** A result as a table, at most SHOWN_ROWS rows (the caption says how many of how many). */
export function resultTable(result: QueryResult): Html {
  if (result.rows.length === 0) return paragraph('No rows.', 'note');
  return table(
    result.columns.map((c) => c.name),
    result.rows.map((row) => result.columns.map((c) => cellOf(row[c.name], c.type))),
    { limit: SHOWN_ROWS, caption: result.kind },
  );
}

/** Inline markdown on escaped text: `code`, **strong**, *emphasis*, [text](address) as "text (address)". */
function inline(text: string): string {
  const parts = text.split(/(`[^`]+`)/);
  return parts
    .map((part) => {
      if (/^`[^`]+`$/.test(part)) return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      return escapeHtml(part)
        .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '$1 ($2)')
        .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>');
    })
    .join('');
}

/** A small, safe subset of Markdown: every character of the text is escaped before any tag is added. */
export function markdownHtml(text: string): string {
  const out: string[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let paragraphLines: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (paragraphLines.length > 0) out.push(`<p>${inline(paragraphLines.join(' '))}</p>`);
    if (list.length > 0) out.push(`<ul>${list.map((item) => `<li>${inline(item)}</li>`).join('')}</ul>`);
    paragraphLines = [];
    list = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^```/.test(line)) {
      flush();
      const code: string[] = [];
      while (++i < lines.length && !/^```/.test(lines[i] as string)) code.push(lines[i] as string);
      out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const item = /^\s*[-*+]\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      // Levels under the page's own h1 and h2.
      const level = Math.min(6, (heading[1] as string).length + 2);
      out.push(`<h${level}>${inline(heading[2] as string)}</h${level}>`);
    } else if (item) {
      if (paragraphLines.length > 0) flush();
      list.push(item[1] as string);
    } else if (line.trim() === '') flush();
    else {
      if (list.length > 0) flush();
      paragraphLines.push(line.trim());
    }
  }
  flush();
  return out.join('\n');
}

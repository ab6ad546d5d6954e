/**
 * The page every Pitwall HTML file shares (the monitoring report, an exported notebook): one
 * self-contained document with no script and no URL — styles inline, charts as inline SVG — that
 * reads the same opened from a mail attachment, offline, or with scripts blocked. Light and dark
 * follow the reader's `prefers-color-scheme`. Every piece of text from data goes through
 * `escapeHtml`; only this module and its callers' own markup produce tags.
 */

/** Text as HTML: a hostile `<script>` or `"><img …>` in a model version stays text. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A piece of markup this module's callers built (escaped text inside); plain strings are always escaped. */
export interface Html {
  readonly html: string;
}

export function html(markup: string): Html {
  return { html: markup };
}

function render(part: Html | string): string {
  return typeof part === 'string' ? escapeHtml(part) : part.html;
}

/** A table cell's content: text (escaped), a number, or nothing (a dash). */
export type Cell = string | number | boolean | null | undefined;

function cellText(value: Cell): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : Number.isFinite(value) ? value.toFixed(4) : String(value);
  return String(value);
}

export interface TableOptions {
  /** At most this many rows shown; the caption then says how many of how many. */
  readonly limit?: number;
  readonly caption?: string;
}

/** A table; a cut is said in its caption ("200 of 1,204 rows"), never silent. */
export function table(header: readonly string[], rows: readonly (readonly Cell[])[], options: TableOptions = {}): Html {
  const shown = options.limit === undefined ? rows : rows.slice(0, options.limit);
  const note = shown.length < rows.length ? `${shown.length.toLocaleString('en-US')} of ${rows.length.toLocaleString('en-US')} rows` : `${rows.length.toLocaleString('en-US')} row${rows.length === 1 ? '' : 's'}`;
  const caption = options.caption === undefined ? note : `${options.caption} · ${note}`;
  const head = header.map((name) => `<th scope="col">${escapeHtml(name)}</th>`).join('');
  const body = shown.map((row) => `<tr>${row.map((value) => `<td${typeof value === 'number' ? ' class="num"' : ''}>${escapeHtml(cellText(value))}</td>`).join('')}</tr>`).join('\n');
  return html(`<div class="table"><table><caption>${escapeHtml(caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`);
}

/** A name–value list (the header facts, a summary). */
export function facts(rows: readonly (readonly [string, Html | string])[]): Html {
  return html(`<dl class="facts">${rows.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${render(value)}</dd>`).join('')}</dl>`);
}

export function paragraph(text: Html | string, className?: string): Html {
  return html(`<p${className === undefined ? '' : ` class="${escapeHtml(className)}"`}>${render(text)}</p>`);
}

/** An inline SVG chart, already rendered (svg.ts), in a figure. */
export function figure(svg: string): Html {
  return html(`<figure class="chart">${svg}</figure>`);
}

export interface PageSection {
  /** The anchor of the section (a word), for the table of contents. */
  readonly id: string;
  readonly title: string;
  readonly body: readonly (Html | string)[];
}

export interface PageInput {
  readonly title: string;
  /** Under the title: source, range, versions, when and by what. */
  readonly header: Html;
  readonly sections: readonly PageSection[];
  /** The last line: which Pitwall wrote it. */
  readonly footer: string;
}

const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --stripe: #f6f8fa; --accent: #0969da; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --stripe: #151b23; --accent: #4493f8; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; }
nav { margin: 12px 0; color: var(--muted); }
nav a { color: var(--accent); margin-right: 12px; text-decoration: none; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.note { color: var(--muted); }
.error { border-left: 3px solid #e45756; padding: 4px 10px; white-space: pre-wrap; font-family: ui-monospace, Menlo, Consolas, monospace; }
.table { overflow-x: auto; margin: 8px 0; }
table { border-collapse: collapse; font-size: 13px; }
caption { text-align: left; color: var(--muted); padding: 2px 0; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: var(--stripe); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: var(--stripe); }
figure.chart { margin: 12px 0; color: var(--fg); }
figure.chart svg { max-width: 100%; height: auto; }
pre, code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
pre { background: var(--stripe); border: 1px solid var(--line); padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
`;

/** The whole document. */
export function renderPage(input: PageInput): string {
  const nav = input.sections.length > 1 ? `<nav>${input.sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join('')}</nav>` : '';
  const sections = input.sections.map((s) => `<section id="${escapeHtml(s.id)}">\n<h2>${escapeHtml(s.title)}</h2>\n${s.body.map(render).join('\n')}\n</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(input.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(input.title)}</h1>
${input.header.html}
${nav}
${sections}
<footer>${escapeHtml(input.footer)}</footer>
</main>
</body>
</html>
`;
}

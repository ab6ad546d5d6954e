import type { HostToRenderer, NotebookResultOutput, RendererToHost } from '../../src/shared/notebookOutput';
import { drawChart, type DrawnChart } from './chart';
import { footerOf } from './output';
import { ResultPager } from './pager';
import { formatCell, isFraction, rowsLabel } from './table';
import { text } from './text';

/** How long a page, sort or copy request waits for the host before the output says it got no answer. */
const ANSWER_TIMEOUT_MS = 15_000;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, content?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  // Data is only ever text: never parsed as HTML.
  if (content !== undefined) node.textContent = content;
  return node;
}

/**
 * Keys that act inside the output stay inside it: the notebook's webview forwards every keydown
 * that reaches its window to the workbench, where Enter on a focused output would also start
 * editing the cell and take the focus away. Chords (Shift+Enter runs the cell) still reach it.
 */
function keepKeys(node: HTMLElement, keys: readonly string[]): void {
  node.addEventListener('keydown', (event) => {
    if (keys.includes(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey && !event.shiftKey) event.stopPropagation();
  });
}

const ACTIVATE = ['Enter', ' '];
const SCROLL = ['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'PageUp', 'PageDown', 'Home', 'End'];

function button(label: string, className: string, onClick: () => void): HTMLButtonElement {
  const node = element('button', className, label);
  node.type = 'button';
  node.addEventListener('click', onClick);
  keepKeys(node, ACTIVATE);
  return node;
}

/**
 * One Pitwall output in a notebook: the chart (when the result has one) or the table, with
 * paging, sorting and "Copy as CSV", the SQL that ran, and where the result came from. It owns
 * its Vega view, its theme observer and its timer; `dispose` releases them.
 */
export class ResultView {
  readonly root: HTMLElement;
  private readonly pager: ResultPager;
  private readonly rowsLabel = element('span', 'rows-label');
  private readonly previousButton: HTMLButtonElement;
  private readonly nextButton: HTMLButtonElement;
  private readonly notice = element('p', 'notice');
  private readonly scroll = element('div', 'scroll');
  private readonly tableArea = element('div', 'table-area');
  private readonly chartArea = element('div', 'chart');
  private readonly toggles = new Map<'chart' | 'table', HTMLButtonElement>();
  private view: 'chart' | 'table';
  private chart: DrawnChart | null = null;
  /** The chart needs drawing again (the theme changed while the table was shown). */
  private chartStale = true;
  private draws = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly observer: MutationObserver;
  private disposed = false;

  constructor(
    private readonly output: NotebookResultOutput,
    private readonly post: ((message: RendererToHost) => void) | undefined,
  ) {
    this.pager = new ResultPager(output, post !== undefined);
    this.view = output.chart === null ? 'table' : 'chart';
    this.root = element('div', 'pitwall-output');
    this.root.dataset.kind = output.kind;
    this.root.dataset.resultId = output.resultId ?? '';
    this.previousButton = button('Previous', 'previous', () => this.ask(this.pager.previous()));
    this.previousButton.setAttribute('aria-label', 'Previous page of rows');
    this.nextButton = button('Next', 'next', () => this.ask(this.pager.next()));
    this.nextButton.setAttribute('aria-label', 'Next page of rows');
    this.notice.setAttribute('role', 'status');
    this.notice.setAttribute('aria-live', 'polite');
    this.scroll.tabIndex = 0;
    keepKeys(this.scroll, SCROLL);
    this.scroll.setAttribute('role', 'region');
    this.scroll.setAttribute('aria-label', `${output.kind} rows`);

    const bar = element('div', 'bar');
    bar.append(this.rowsLabel, this.previousButton, this.nextButton, button('Copy as CSV', 'copy', () => this.copy()));
    this.tableArea.append(bar, this.notice, this.scroll);
    if (output.chart !== null) this.root.append(this.toggleBar());
    this.root.append(this.chartArea, this.tableArea);
    if (output.sql !== undefined) {
      const details = element('details', 'sql');
      const summary = element('summary', undefined, 'Show SQL');
      keepKeys(summary, ACTIVATE);
      details.append(summary, element('pre', undefined, output.sql));
      this.root.append(details);
    }
    this.root.append(element('div', 'footer', footerOf(output)));
    this.renderTable();
    this.show(this.view);

    // Vega resolves colours once: a theme change (body class or theme attributes) draws the chart again.
    this.observer = new MutationObserver(() => this.themeChanged());
    this.observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind', 'data-vscode-theme-id', 'data-vscode-theme-name'] });
  }

  /** A message from the host (for any output: those of other results are ignored). */
  receive(message: HostToRenderer): void {
    if (!this.pager.receive(message)) return;
    clearTimeout(this.timer);
    this.renderTable();
  }

  dispose(): void {
    this.disposed = true;
    this.observer.disconnect();
    clearTimeout(this.timer);
    this.chart?.finalize();
    this.chart = null;
  }

  private toggleBar(): HTMLElement {
    const bar = element('div', 'bar toggle');
    bar.setAttribute('role', 'group');
    bar.setAttribute('aria-label', 'Show as');
    for (const view of ['chart', 'table'] as const) {
      const toggle = button(view === 'chart' ? 'Chart' : 'Table', `show-${view}`, () => this.show(view));
      this.toggles.set(view, toggle);
      bar.append(toggle);
    }
    return bar;
  }

  private show(view: 'chart' | 'table'): void {
    this.view = view;
    this.root.dataset.view = view;
    for (const [name, toggle] of this.toggles) toggle.setAttribute('aria-pressed', String(name === view));
    this.chartArea.hidden = view !== 'chart';
    this.tableArea.hidden = view !== 'table';
    if (view === 'chart' && this.chartStale) void this.drawChart();
  }

  private themeChanged(): void {
    this.chartStale = true;
    if (this.view === 'chart') void this.drawChart();
  }

  private async drawChart(): Promise<void> {
    const chart = this.output.chart;
    if (chart === null || this.disposed) return;
    this.chartStale = false;
    const draw = ++this.draws;
    this.chart?.finalize();
    this.chart = null;
    this.chartArea.setAttribute('aria-busy', 'true');
    try {
      const drawn = await drawChart(this.chartArea, chart.spec);
      // A newer draw (another theme change) or the output's removal supersedes this one.
      if (draw !== this.draws || this.disposed) {
        drawn.finalize();
        return;
      }
      this.chart = drawn;
      this.root.dataset.marks = String(drawn.marks);
      delete this.root.dataset.chartError;
    } catch (error) {
      if (draw !== this.draws || this.disposed) return;
      const reason = error instanceof Error ? error.message : String(error);
      this.chartArea.replaceChildren(element('p', 'error', text.chartFailed(reason)));
      this.root.dataset.chartError = reason;
      this.root.dataset.marks = '0';
    }
    this.chartArea.removeAttribute('aria-busy');
    this.root.dataset.theme = document.body.className;
    this.root.dataset.draws = String(draw);
  }

  private ask(message: RendererToHost | null): void {
    if (message !== null && this.post !== undefined) {
      this.post(message);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        if (this.pager.noAnswer()) this.renderTable();
      }, ANSWER_TIMEOUT_MS);
    }
    this.renderTable();
  }

  private copy(): void {
    const plan = this.pager.copy();
    if (plan.kind === 'host') {
      this.post?.(plan.message);
      return;
    }
    if (plan.kind === 'refused') {
      this.renderTable();
      return;
    }
    const clipboard = navigator.clipboard as Clipboard | undefined;
    if (clipboard === undefined) {
      this.pager.copyFailed('this view has no clipboard.');
      this.renderTable();
      return;
    }
    clipboard.writeText(plan.csv).then(
      () => this.pager.copiedHere(plan.rows),
      (error: unknown) => this.pager.copyFailed(error instanceof Error ? error.message : String(error)),
    ).finally(() => this.renderTable());
  }

  private renderTable(): void {
    const pager = this.pager;
    const loading = pager.state === 'loading';
    this.rowsLabel.textContent = loading ? `${rowsLabel(pager.offset, pager.rows.length, pager.totalRows)} · ${text.loading}` : rowsLabel(pager.offset, pager.rows.length, pager.totalRows);
    this.root.dataset.state = loading ? 'loading' : pager.expired ? 'expired' : 'ready';
    this.root.dataset.offset = String(pager.offset);
    this.previousButton.disabled = loading || !pager.hasPrevious;
    this.nextButton.disabled = loading || !pager.hasNext || (!pager.complete && !pager.reachable);
    this.notice.textContent = pager.notice?.text ?? '';
    this.notice.hidden = pager.notice === null;
    this.notice.classList.toggle('done', pager.notice?.done === true);
    this.scroll.setAttribute('aria-busy', String(loading));

    if (this.output.columns.length === 0 || pager.totalRows === 0) {
      this.scroll.replaceChildren(element('p', 'empty-result', text.noRows));
      return;
    }
    const sample = pager.rows;
    const numeric = this.output.columns.map((column) => column.type === 'number' || column.type === 'time' || sample.some((row) => formatCell(row[column.name], column.type).numeric));
    // A column of fractions shows its whole numbers with the same decimals (1.0000 beside 0.6250).
    const fractional = this.output.columns.map((column) => sample.some((row) => isFraction(row[column.name])));
    const head = element('tr');
    this.output.columns.forEach((column, index) => {
      const sorted = pager.sort?.column === column.name ? pager.sort : null;
      const header = element('th', numeric[index] === true ? 'numeric' : undefined);
      header.scope = 'col';
      header.setAttribute('aria-sort', sorted === null ? 'none' : sorted.descending ? 'descending' : 'ascending');
      const arrow = element('span', 'sort', sorted === null ? '' : sorted.descending ? '▼' : '▲');
      arrow.setAttribute('aria-hidden', 'true');
      const sortButton = button('', 'sort-by', () => this.ask(pager.sortBy(column.name)));
      sortButton.dataset.column = column.name;
      sortButton.title = `Sort by ${column.name} (${column.type})`;
      sortButton.append(numeric[index] === true ? arrow : document.createTextNode(column.name), numeric[index] === true ? document.createTextNode(column.name) : arrow);
      header.append(sortButton);
      head.append(header);
    });
    const body = element('tbody');
    for (const row of pager.rows) {
      const line = element('tr');
      this.output.columns.forEach((column, index) => {
        const cell = formatCell(row[column.name], column.type, fractional[index] === true);
        const td = element('td', [numeric[index] === true ? 'numeric' : '', cell.empty ? 'empty' : ''].filter(Boolean).join(' ') || undefined, cell.text);
        if (cell.full !== undefined) td.title = cell.full;
        line.append(td);
      });
      body.append(line);
    }
    const thead = element('thead');
    thead.append(head);
    const table = element('table');
    table.append(thead, body);
    const focused = document.activeElement instanceof HTMLElement && this.scroll.contains(document.activeElement) ? document.activeElement.dataset.column : undefined;
    this.scroll.replaceChildren(table);
    // Sorting from the keyboard keeps the focus on the header that was pressed.
    if (focused !== undefined) this.scroll.querySelector<HTMLElement>(`button[data-column="${CSS.escape(focused)}"]`)?.focus();
  }
}

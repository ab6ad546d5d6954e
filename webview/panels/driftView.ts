import './cspListener';
import type { DriftChoices, DriftHostMessage, DriftKeys, DriftPanelOptions, DriftRow, DriftViewMessage } from '../../src/shared/driftMessages';
import { PANEL_STATE_VERSION, type PanelExportMessage, type PanelSavedState } from '../../src/shared/panelMessages';
import { DRIFT_BASELINES, DRIFT_CURRENT_RANGES } from '../../src/shared/driftMessages';
import { button, element, numberCell, select } from './controls';
import { exportBar } from './exportBar';
import { countItems, renderChart } from './renderPanelChart';

declare function acquireVsCodeApi(): { postMessage(message: DriftViewMessage | PanelExportMessage): void; setState(state: PanelSavedState<DriftKeys>): void };

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;

const BASELINE_LABELS: Readonly<Record<string, string>> = { 'first-7d': 'First 7 days', before: 'Everything before', previous: 'The period just before' };
const CURRENT_LABELS: Readonly<Record<string, string>> = { '24h': 'Last 24 hours', '7d': 'Last 7 days' };
const STATISTIC_LABELS: Readonly<Record<string, string>> = { psi: 'PSI', js_distance: 'JS distance' };
/** The value of the version control that stands for every version (a version is never empty). */
const EVERY_VERSION = '';

type Shown = Extract<DriftHostMessage, { type: 'drift' }>;
let shown: Shown | null = null;

function ask(options: DriftPanelOptions, changed: Partial<DriftPanelOptions>): void {
  vscode.postMessage({ type: 'options', options: { ...options, ...changed } });
}

function controls(options: DriftPanelOptions, choices: DriftChoices): HTMLElement {
  return element('form', { className: 'controls', id: 'controls' }, [
    select('version', 'Model version', [{ value: EVERY_VERSION, label: 'All versions' }, ...choices.versions.map((value) => ({ value, label: value }))], options.version ?? EVERY_VERSION, (value) =>
      ask(options, { version: value === EVERY_VERSION ? null : value }),
    ),
    select('baseline', 'Baseline', DRIFT_BASELINES.map((value) => ({ value, label: BASELINE_LABELS[value] ?? value })), options.baseline, (value) => ask(options, { baseline: value as DriftPanelOptions['baseline'] })),
    select('current', 'Current', DRIFT_CURRENT_RANGES.map((value) => ({ value, label: CURRENT_LABELS[value] ?? value })), options.current, (value) => ask(options, { current: value as DriftPanelOptions['current'] })),
  ]);
}

/** Each feature's drift as text, one row each; a row's button selects the feature (keyboard: Tab, Enter). */
function driftTable(message: Shown): HTMLElement {
  const head = element('tr', {}, ['Feature', 'Kind', 'Score', 'Drift from', 'Severity', 'Test p-value', 'Baseline values', 'Current values'].map((text) => element('th', { text })));
  for (const cell of head.querySelectorAll('th')) cell.scope = 'col';
  const rows = message.rows.map((row: DriftRow, index) => {
    const choose = button(`feature-${index}`, row.feature, () => ask(message.options, { feature: row.feature }));
    choose.className = 'link';
    const selected = row.feature === message.selected?.feature;
    choose.setAttribute('aria-pressed', String(selected));
    const name = element('th', {}, [choose]);
    name.scope = 'row';
    const tr = element('tr', { className: selected ? 'selected' : '' }, [
      name,
      element('td', { text: row.kind }),
      row.score === null ? element('td', { text: row.reason ?? '–' }) : element('td', { className: 'number', text: `${STATISTIC_LABELS[row.statistic] ?? row.statistic} ${row.score.toFixed(4)}` }),
      numberCell(row.threshold, 2),
      element('td', { text: row.severity ?? '–' }),
      element('td', { className: 'number', text: row.pValue === null ? '–' : `${row.test} ${row.pValue < 1e-4 ? '< 0.0001' : row.pValue.toFixed(4)}` }),
      element('td', { className: 'number', text: row.baselineCount.toLocaleString('en-US') }),
      element('td', { className: 'number', text: row.currentCount.toLocaleString('en-US') }),
    ]);
    tr.dataset.feature = row.feature;
    return tr;
  });
  return element('table', { id: 'drift-table', className: 'data' }, [element('caption', { text: 'Features by drift, most first' }), element('thead', {}, [head]), element('tbody', {}, rows)]);
}

async function drawRanking(message: Shown): Promise<void> {
  const chart = document.getElementById('chart');
  if (!chart) return;
  try {
    const view = await renderChart(chart, message.spec);
    // A bar per scored feature: its datum carries the feature and its score (threshold rules do not).
    const bars = countItems(view, (marktype, datum) => marktype === 'rect' && 'feature' in datum && 'score' in datum);
    view.addEventListener('click', (_event, item) => {
      const feature = (item as { datum?: { feature?: unknown } } | null | undefined)?.datum?.feature;
      if (typeof feature === 'string') ask(message.options, { feature });
    });
    chart.dataset.points = String(bars);
    chart.dataset.options = JSON.stringify(message.options);
    chart.dataset.theme = document.body.className;
    vscode.postMessage({ type: 'rendered', bars });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    chart.replaceChildren(element('p', { className: 'error', text: `The chart could not be drawn: ${text}` }));
    vscode.postMessage({ type: 'failed', message: text });
  }
}

async function drawDistribution(message: Shown): Promise<void> {
  const chart = document.getElementById('distribution');
  if (!chart || message.selected === null) return;
  try {
    const view = await renderChart(chart, message.selected.spec, 'distribution');
    chart.dataset.points = String(countItems(view, (marktype, datum) => marktype === 'rect' && 'share' in datum && 'bin' in datum));
    chart.dataset.feature = message.selected.feature;
    chart.dataset.theme = document.body.className;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    chart.replaceChildren(element('p', { className: 'error', text: `The distribution could not be drawn: ${text}` }));
    vscode.postMessage({ type: 'failed', message: text });
  }
}

function draw(message: Shown): Promise<unknown> {
  return Promise.all([drawRanking(message), drawDistribution(message)]);
}

function show(message: DriftHostMessage): void {
  if (message.type === 'busy') {
    document.getElementById('chart')?.setAttribute('aria-busy', 'true');
    return;
  }
  // The focus stays on the feature a person chose with the keyboard after the page is drawn again.
  const focused = document.activeElement?.id ?? null;
  shown = null;
  // Only the keys are kept: after a reload the host recomputes the charts from them.
  if (message.type !== 'error') vscode.setState({ version: PANEL_STATE_VERSION, keys: message.keys });
  if (message.type === 'error') {
    app.replaceChildren(element('p', { className: 'error', id: 'state', text: message.message }));
    return;
  }
  const header = element('header', {}, [element('h1', { text: message.source === null ? 'Drift' : `Drift · ${message.source}` })]);
  if (message.type === 'empty') {
    const parts: Node[] = [header];
    if (message.options !== null && message.choices !== null) parts.push(controls(message.options, message.choices));
    const state = element('div', { className: `state ${message.reason}`, id: 'state' }, [element('p', { text: message.message })]);
    if (message.reason === 'no-source') {
      state.append(
        button('open-source', 'Open Monitoring Source…', () => vscode.postMessage({ type: 'openSource' })),
        element('p', { className: 'hint', text: 'Or run “Pitwall: Open Monitoring Source…” from the Command Palette.' }),
      );
    } else if (message.reason === 'no-baseline' && message.options !== null && message.options.current !== '24h') {
      const options = message.options;
      state.append(button('shorter-current', 'Compare the Last 24 Hours', () => ask(options, { current: '24h' })));
    }
    parts.push(state);
    app.replaceChildren(...parts);
    return;
  }
  shown = message;
  const note = element('p', { className: 'note', id: 'note', text: message.note ?? '' });
  note.hidden = message.note === null;
  const ranges = element('p', { className: 'hint', id: 'ranges', text: `Baseline ${message.baselineText} · current ${message.currentText}` });
  const distribution = element('section', { className: 'distribution' }, [
    element('h2', { text: message.selected === null ? 'Distribution' : `Distribution of ${message.selected.feature}` }),
    element('div', { id: 'distribution', className: 'chart' }),
  ]);
  app.replaceChildren(
    header,
    controls(message.options, message.choices),
    exportBar((exported) => vscode.postMessage(exported)),
    ranges,
    note,
    element('p', { className: 'hint', text: 'Select a feature (click its bar or its name in the table) to see its baseline and current distribution.' }),
    element('div', { id: 'chart', className: 'chart' }),
    driftTable(message),
    distribution,
  );
  if (focused !== null) document.getElementById(focused)?.focus();
  void draw(message);
}

window.addEventListener('message', (event: MessageEvent<DriftHostMessage>) => show(event.data));

// Vega resolves colours once: a theme change (a class on body) draws the charts again in the new colours.
new MutationObserver(() => {
  if (shown !== null) void draw(shown);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

vscode.postMessage({ type: 'ready' });

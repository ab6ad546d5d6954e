import './cspListener';
import { COMPARE_RANGES, type CompareHostMessage, type CompareKeys, type CompareOptions, type CompareViewMessage } from '../../src/shared/compareMessages';
import { PANEL_STATE_VERSION, type PanelExportMessage, type PanelSavedState } from '../../src/shared/panelMessages';
import { TREND_WINDOWS } from '../../src/shared/trendMessages';
import { element, select, versionBoxes } from './controls';
import { exportBar } from './exportBar';
import { countPoints, renderChart } from './renderPanelChart';

declare function acquireVsCodeApi(): { postMessage(message: CompareViewMessage | PanelExportMessage): void; setState(state: PanelSavedState<CompareKeys>): void };

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;

const RANGE_LABELS: Readonly<Record<string, string>> = { '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days', all: 'All' };
const WINDOW_LABELS: Readonly<Record<string, string>> = { '15m': '15 minutes', '1h': '1 hour', '6h': '6 hours', '1d': '1 day' };

type Shown = Extract<CompareHostMessage, { type: 'compare' }>;

function fixed(value: number | null, digits = 3): string {
  return value === null ? '—' : value.toFixed(digits);
}

function signed(value: number | null): string {
  if (value === null) return '—';
  return `${value > 0 ? '+' : value < 0 ? '−' : '±'}${Math.abs(value).toFixed(3)}`;
}

function controls(options: CompareOptions, choices: { versions: readonly string[]; metrics: readonly { id: string; label: string }[] }): HTMLElement {
  const ask = (changed: Partial<CompareOptions>) => vscode.postMessage({ type: 'options', options: { ...options, ...changed } });
  // The chosen versions keep their order (the first is the baseline); the others follow.
  const listed = [...options.versions.filter((v) => choices.versions.includes(v)), ...choices.versions.filter((v) => !options.versions.includes(v))];
  const chosen = options.versions.filter((v) => choices.versions.includes(v));
  const parts: HTMLElement[] = [
    select('range', 'Time range', COMPARE_RANGES.map((value) => ({ value, label: RANGE_LABELS[value] ?? value })), options.range, (value) => ask({ range: value as CompareOptions['range'] })),
    versionBoxes(listed, chosen, (versions) => ask({ versions })),
  ];
  if (chosen.length > 0) {
    parts.push(select('baseline', 'Baseline', chosen.map((value) => ({ value, label: value })), chosen[0] ?? '', (value) => ask({ versions: [value, ...chosen.filter((v) => v !== value)] })));
  }
  parts.push(
    select('metric', 'Trend metric', choices.metrics.map((metric) => ({ value: metric.id, label: metric.label })), options.metric, (value) => ask({ metric: value })),
    select('window', 'Trend window', TREND_WINDOWS.map((value) => ({ value, label: WINDOW_LABELS[value] ?? value })), options.window, (value) => ask({ window: value as CompareOptions['window'] })),
  );
  return element('form', { className: 'controls', id: 'controls' }, parts);
}

/** Metrics side by side: a column per version, then the difference of each other version from the baseline. */
function table(message: Shown): HTMLElement {
  const [baseline, ...others] = message.versions;
  const head = element('tr', {}, [
    element('th', { text: 'Metric' }),
    ...message.versions.map((version, index) => element('th', { text: index === 0 ? `${version} (baseline)` : version, className: 'version-head' })),
    ...others.map((version) => element('th', { text: `Δ ${version}` })),
  ]);
  const counts = element('tr', { className: 'counts' }, [
    element('td', { text: 'Predictions (labelled)' }),
    ...message.counts.map((c) => element('td', { text: `${c.count.toLocaleString('en-US')} (${c.labelled.toLocaleString('en-US')})`, className: 'number' })),
    ...others.map(() => element('td')),
  ]);
  const body = message.table.map((row) =>
    element('tr', { className: `metric-${row.metric}` }, [
      element('td', { text: row.label }),
      ...row.values.map((value) => element('td', { text: fixed(value), className: 'number' })),
      ...row.differences.slice(1).map((difference) => element('td', { text: signed(difference), className: 'number difference' })),
    ]),
  );
  const result = element('table', { id: 'comparison', className: 'comparison' }, [element('thead', {}, [head]), element('tbody', {}, [counts, ...body])]);
  result.setAttribute('aria-label', `Metrics of ${message.versions.join(', ')} compared with ${baseline ?? ''}`);
  return result;
}

function tests(message: Shown): HTMLElement {
  const baseline = message.versions[0] ?? '';
  const list = element('ul', { id: 'ztests', className: 'ztests' });
  for (const test of message.tests) {
    const verdict =
      test.z === null || test.p === null
        ? 'not tested: a side has no labelled prediction'
        : `z = ${test.z.toFixed(2)}, p = ${test.p < 0.001 ? test.p.toExponential(1) : test.p.toFixed(3)}: ${test.significant ? `significant at α = ${message.alpha}` : `not significant at α = ${message.alpha}`}`;
    const item = element('li', { className: test.significant ? 'ztest significant' : 'ztest', text: `Accuracy of ${test.version} (${test.correct.toLocaleString('en-US')} of ${test.labelled.toLocaleString('en-US')}) against ${baseline} (${test.baselineCorrect.toLocaleString('en-US')} of ${test.baselineLabelled.toLocaleString('en-US')}), two-proportion z-test: ${verdict}.` });
    item.dataset.version = test.version;
    item.dataset.z = test.z === null ? '' : String(test.z);
    item.dataset.p = test.p === null ? '' : String(test.p);
    item.dataset.significant = String(test.significant);
    list.append(item);
  }
  return list;
}

let shown: Shown | null = null;

async function draw(message: Shown): Promise<void> {
  const chart = document.getElementById('chart');
  if (!chart) return;
  try {
    const view = await renderChart(chart, message.spec);
    const points = countPoints(view);
    chart.dataset.points = String(points);
    chart.dataset.every = String(message.every);
    chart.dataset.metric = message.options.metric;
    chart.dataset.range = message.options.range;
    chart.dataset.theme = document.body.className;
    vscode.postMessage({ type: 'rendered', points });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    chart.replaceChildren(element('p', { className: 'error', text: `The chart could not be drawn: ${text}` }));
    vscode.postMessage({ type: 'failed', message: text });
  }
}

function show(message: CompareHostMessage): void {
  if (message.type === 'busy') {
    document.getElementById('chart')?.setAttribute('aria-busy', 'true');
    return;
  }
  shown = null;
  if (message.type !== 'error') vscode.setState({ version: PANEL_STATE_VERSION, keys: message.keys });
  if (message.type === 'error') {
    app.replaceChildren(element('p', { className: 'error', id: 'state', text: message.message }));
    return;
  }
  const header = element('header', {}, [element('h1', { text: message.source === null ? 'Compare Model Versions' : `Compare Model Versions · ${message.source}` })]);
  if (message.type === 'empty') {
    const parts: Node[] = [header];
    if (message.options !== null && message.choices !== null) parts.push(controls(message.options, message.choices));
    const state = element('div', { className: `state ${message.reason}`, id: 'state' }, [element('p', { text: message.message })]);
    if (message.reason === 'no-source') {
      const button = element('button', { text: 'Open Monitoring Source…', id: 'open-source' });
      button.type = 'button';
      button.addEventListener('click', () => vscode.postMessage({ type: 'openSource' }));
      state.append(button);
    }
    parts.push(state);
    app.replaceChildren(...parts);
    return;
  }
  shown = message;
  const note = element('p', { className: 'note', id: 'note', text: message.note ?? '' });
  note.hidden = message.note === null;
  app.replaceChildren(header, controls(message.options, message.choices), table(message), tests(message), exportBar((exported) => vscode.postMessage(exported)), note, element('div', { id: 'chart', className: 'chart' }));
  void draw(message);
}

window.addEventListener('message', (event: MessageEvent<CompareHostMessage>) => show(event.data));

// Vega resolves colours once: a theme change (a class on body) draws the chart again in the new colours.
new MutationObserver(() => {
  if (shown !== null) void draw(shown);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

vscode.postMessage({ type: 'ready' });

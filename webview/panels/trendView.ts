import './cspListener';
import { PANEL_STATE_VERSION, type PanelExportMessage, type PanelSavedState } from '../../src/shared/panelMessages';
import { TREND_RANGES, TREND_SLIDES, TREND_WINDOWS, type TrendChoices, type TrendHostMessage, type TrendKeys, type TrendOptions, type TrendViewMessage } from '../../src/shared/trendMessages';
import { element, select, versionBoxes } from './controls';
import { exportBar } from './exportBar';
import { countItems, countPoints, renderChart } from './renderPanelChart';

declare function acquireVsCodeApi(): { postMessage(message: TrendViewMessage | PanelExportMessage): void; setState(state: PanelSavedState<TrendKeys>): void };

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;

const RANGE_LABELS: Readonly<Record<string, string>> = { '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days', all: 'All', custom: 'Custom…' };
const SLIDE_LABELS: Readonly<Record<string, string>> = { window: 'Whole window', half: 'Half a window', quarter: 'Quarter window' };
const WINDOW_LABELS: Readonly<Record<string, string>> = { '15m': '15 minutes', '1h': '1 hour', '6h': '6 hours', '1d': '1 day' };

/** A day input (UTC, YYYY-MM-DD) of the custom range. */
function dayInput(id: string, label: string, value: string | null, onChange: (value: string) => void): HTMLElement {
  const input = element('input', { id });
  input.type = 'date';
  input.value = value ?? '';
  input.addEventListener('change', () => {
    if (input.value !== '') onChange(input.value);
  });
  const caption = element('label', { text: label });
  caption.htmlFor = id;
  return element('div', { className: 'control' }, [caption, input]);
}

function controls(options: TrendOptions, choices: TrendChoices): HTMLElement {
  const ask = (changed: Partial<TrendOptions>) => {
    // When the last control changed and when the last chart was drawn (epoch ms): the benchmark of a control change reads both.
    document.body.dataset.askedAt = String(Date.now());
    vscode.postMessage({ type: 'options', options: { ...options, ...changed } });
  };
  const custom =
    options.range === 'custom'
      ? [dayInput('from', 'From (UTC)', options.from, (from) => ask({ from })), dayInput('to', 'To (UTC, included)', options.to, (to) => ask({ to }))]
      : [];
  return element('form', { className: 'controls', id: 'controls' }, [
    select('window', 'Window', TREND_WINDOWS.map((value) => ({ value, label: WINDOW_LABELS[value] ?? value })), options.window, (value) => ask({ window: value as TrendOptions['window'] })),
    select('slide', 'Slide', TREND_SLIDES.map((value) => ({ value, label: SLIDE_LABELS[value] ?? value })), options.slide, (value) => ask({ slide: value as TrendOptions['slide'] })),
    // Leaving the custom range forgets its days; coming back starts from the days the source holds.
    select('range', 'Time range', TREND_RANGES.map((value) => ({ value, label: RANGE_LABELS[value] ?? value })), options.range, (value) => ask({ range: value as TrendOptions['range'], from: null, to: null })),
    ...custom,
    select('metric', 'Metric', choices.metrics.map((metric) => ({ value: metric.id, label: metric.label })), options.metric, (value) => ask({ metric: value })),
    versionBoxes(choices.versions, options.versions, (versions) => ask({ versions })),
  ]);
}

let shown: Extract<TrendHostMessage, { type: 'trend' }> | null = null;

async function draw(message: Extract<TrendHostMessage, { type: 'trend' }>): Promise<void> {
  const chart = document.getElementById('chart');
  if (!chart) return;
  try {
    const view = await renderChart(chart, message.spec);
    const points = countPoints(view);
    chart.dataset.points = String(points);
    chart.dataset.estimates = String(countPoints(view, 'estimated'));
    chart.dataset.every = String(message.every);
    chart.dataset.slide = String(message.slide);
    // What is drawn over the values, counted in the scenegraph (tests compare it with the host's counts).
    chart.dataset.overlays = JSON.stringify({
      thresholds: countItems(view, (type, datum) => type === 'rule' && 'threshold' in datum),
      alerts: countItems(view, (type, datum) => type === 'symbol' && 'severity' in datum && 'title' in datum),
      spans: countItems(view, (type, datum) => type === 'rect' && 'period' in datum && 'label' in datum),
      gaps: countItems(view, (type, datum) => type === 'rect' && 'reason' in datum),
      intervals: countItems(view, (type, datum) => type === 'rect' && datum.source === 'estimated'),
      volume: countItems(view, (type, datum) => type === 'rect' && 'predictions' in datum),
      expected: { thresholds: message.thresholds, alerts: message.alerts, estimates: message.estimates },
    });
    chart.dataset.from = message.options.from ?? '';
    chart.dataset.to = message.options.to ?? '';
    chart.dataset.metric = message.options.metric;
    chart.dataset.range = message.options.range;
    chart.dataset.theme = document.body.className;
    vscode.postMessage({ type: 'rendered', points });
    document.body.dataset.drawnAt = String(Date.now());
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    chart.replaceChildren(element('p', { className: 'error', text: `The chart could not be drawn: ${text}` }));
    vscode.postMessage({ type: 'failed', message: text });
  }
}

function show(message: TrendHostMessage): void {
  if (message.type === 'busy') {
    document.getElementById('chart')?.setAttribute('aria-busy', 'true');
    return;
  }
  shown = null;
  // Only the keys are kept: after a reload the host recomputes the chart from them.
  if (message.type !== 'error') vscode.setState({ version: PANEL_STATE_VERSION, keys: message.keys });
  if (message.type === 'error') {
    app.replaceChildren(element('p', { className: 'error', id: 'state', text: message.message }));
    return;
  }
  const header = element('header', {}, [element('h1', { text: message.source === null ? 'Performance Trend' : `Performance Trend · ${message.source}` })]);
  if (message.type === 'empty') {
    const parts: Node[] = [header];
    if (message.options !== null && message.choices !== null) parts.push(controls(message.options, message.choices));
    const state = element('div', { className: `state ${message.reason}`, id: 'state' }, [element('p', { text: message.message })]);
    if (message.reason === 'no-source') {
      const button = element('button', { text: 'Open Monitoring Source…', id: 'open-source' });
      button.type = 'button';
      button.addEventListener('click', () => vscode.postMessage({ type: 'openSource' }));
      state.append(button, element('p', { className: 'hint', text: 'Or run “Pitwall: Open Monitoring Source…” from the Command Palette.' }));
    }
    parts.push(state);
    app.replaceChildren(...parts);
    return;
  }
  shown = message;
  const note = element('p', { className: 'note', id: 'note', text: message.note ?? '' });
  note.hidden = message.note === null;
  const drill = element('button', { text: 'Open in Notebook', id: 'open-notebook', className: 'secondary' });
  drill.type = 'button';
  drill.title = 'This chart as PQL in a new notebook, with its calibration and alerts, ready to run and change';
  drill.addEventListener('click', () => vscode.postMessage({ type: 'openNotebook' }));
  header.append(drill);
  app.replaceChildren(header, controls(message.options, message.choices), exportBar((exported) => vscode.postMessage(exported)), note, element('div', { id: 'chart', className: 'chart' }));
  void draw(message);
}

window.addEventListener('message', (event: MessageEvent<TrendHostMessage>) => show(event.data));

// Vega resolves colours once: a theme change (a class on body) draws the chart again in the new colours.
new MutationObserver(() => {
  if (shown !== null) void draw(shown);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

vscode.postMessage({ type: 'ready' });

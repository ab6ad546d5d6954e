import './cspListener';
import type { CalibrationChoices, CalibrationHostMessage, CalibrationKeys, CalibrationOptions, CalibrationScore, CalibrationViewMessage } from '../../src/shared/calibrationMessages';
import { PANEL_STATE_VERSION, type PanelExportMessage, type PanelSavedState } from '../../src/shared/panelMessages';
import { CALIBRATION_BINS, CALIBRATION_LAYOUTS, CALIBRATION_STRATEGIES } from '../../src/shared/calibrationMessages';
import { RANGE_LABELS, RANGE_PRESETS } from '../../src/shared/ranges';
import { button, element, numberCell, select, versionBoxes } from './controls';
import { exportBar } from './exportBar';
import { countItems, renderChart } from './renderPanelChart';

declare function acquireVsCodeApi(): { postMessage(message: CalibrationViewMessage | PanelExportMessage): void; setState(state: PanelSavedState<CalibrationKeys>): void };

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;

const STRATEGY_LABELS: Readonly<Record<string, string>> = { width: 'Uniform (equal width)', mass: 'Quantile (equal mass)' };
const LAYOUT_LABELS: Readonly<Record<string, string>> = { overlay: 'Overlaid', 'side-by-side': 'Side by side' };

function controls(options: CalibrationOptions, choices: CalibrationChoices): HTMLElement {
  const ask = (changed: Partial<CalibrationOptions>) => vscode.postMessage({ type: 'options', options: { ...options, ...changed } });
  return element('form', { className: 'controls', id: 'controls' }, [
    select('range', 'Time range', RANGE_PRESETS.map((value) => ({ value, label: RANGE_LABELS[value] })), options.range, (value) => ask({ range: value as CalibrationOptions['range'] })),
    select('bins', 'Bins', CALIBRATION_BINS.map((value) => ({ value: String(value), label: String(value) })), String(options.bins), (value) => ask({ bins: Number(value) as CalibrationOptions['bins'] })),
    select('strategy', 'Binning', CALIBRATION_STRATEGIES.map((value) => ({ value, label: STRATEGY_LABELS[value] ?? value })), options.strategy, (value) => ask({ strategy: value as CalibrationOptions['strategy'] })),
    select('layout', 'Layout', CALIBRATION_LAYOUTS.map((value) => ({ value, label: LAYOUT_LABELS[value] ?? value })), options.layout, (value) => ask({ layout: value as CalibrationOptions['layout'] })),
    versionBoxes(choices.versions, options.versions, (versions) => ask({ versions })),
  ]);
}

/** ECE and MCE per version as the kernel computed them, as text. */
function scoresTable(scores: readonly CalibrationScore[]): HTMLElement {
  const head = element('tr', {}, ['Model version', 'ECE', 'MCE', 'Labelled', 'Predictions'].map((text) => element('th', { text })));
  const rows = scores.map((score) =>
    element('tr', {}, [
      element('th', { text: score.version, className: 'version' }),
      numberCell(score.ece),
      numberCell(score.mce),
      element('td', { text: score.labelled.toLocaleString('en-US'), className: 'number' }),
      element('td', { text: score.count.toLocaleString('en-US'), className: 'number' }),
    ]),
  );
  for (const row of [head, ...rows]) for (const cell of row.querySelectorAll('th')) cell.scope = row === head ? 'col' : 'row';
  return element('table', { id: 'scores', className: 'data' }, [element('caption', { text: 'Calibration error per model version' }), element('thead', {}, [head]), element('tbody', {}, rows)]);
}

let shown: Extract<CalibrationHostMessage, { type: 'calibration' }> | null = null;

async function draw(message: Extract<CalibrationHostMessage, { type: 'calibration' }>): Promise<void> {
  const chart = document.getElementById('chart');
  if (!chart) return;
  try {
    const view = await renderChart(chart, message.spec);
    // A point per bin with labelled predictions, per version: its datum has an accuracy.
    const points = countItems(view, (marktype, datum) => marktype === 'symbol' && 'accuracy' in datum && 'series' in datum && datum.accuracy !== null);
    chart.dataset.points = String(points);
    chart.dataset.options = JSON.stringify(message.options);
    chart.dataset.theme = document.body.className;
    vscode.postMessage({ type: 'rendered', points });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    chart.replaceChildren(element('p', { className: 'error', text: `The chart could not be drawn: ${text}` }));
    vscode.postMessage({ type: 'failed', message: text });
  }
}

function show(message: CalibrationHostMessage): void {
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
  const header = element('header', {}, [element('h1', { text: message.source === null ? 'Calibration' : `Calibration · ${message.source}` })]);
  if (message.type === 'empty') {
    const parts: Node[] = [header];
    const options = message.options;
    if (options !== null && message.choices !== null) parts.push(controls(options, message.choices));
    const state = element('div', { className: `state ${message.reason}`, id: 'state' }, [element('p', { text: message.message })]);
    if (message.reason === 'no-source') {
      state.append(
        button('open-source', 'Open Monitoring Source…', () => vscode.postMessage({ type: 'openSource' })),
        element('p', { className: 'hint', text: 'Or run “Pitwall: Open Monitoring Source…” from the Command Palette.' }),
      );
    } else if ((message.reason === 'no-predictions' || message.reason === 'no-labels') && options !== null && options.range !== 'all') {
      state.append(button('whole-range', 'Use All Predictions', () => vscode.postMessage({ type: 'options', options: { ...options, range: 'all' } })));
    }
    if (message.reason === 'no-labels') state.append(' ', button('show-trend', 'Show Performance Trend', () => vscode.postMessage({ type: 'showTrend' })));
    parts.push(state);
    app.replaceChildren(...parts);
    return;
  }
  shown = message;
  const note = element('p', { className: 'note', id: 'note', text: message.note ?? '' });
  note.hidden = message.note === null;
  app.replaceChildren(
    header,
    controls(message.options, message.choices),
    exportBar((exported) => vscode.postMessage(exported)),
    note,
    scoresTable(message.scores),
    element('div', { id: 'chart', className: 'chart' }),
  );
  void draw(message);
}

window.addEventListener('message', (event: MessageEvent<CalibrationHostMessage>) => show(event.data));

// Vega resolves colours once: a theme change (a class on body) draws the chart again in the new colours.
new MutationObserver(() => {
  if (shown !== null) void draw(shown);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

vscode.postMessage({ type: 'ready' });

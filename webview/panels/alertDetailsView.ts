import './cspListener';
import type { AlertAction, AlertDetailsHostMessage, AlertDetailsKeys, AlertDetailsViewMessage } from '../../src/shared/alertDetailsMessages';
import { PANEL_STATE_VERSION, type PanelExportMessage, type PanelSavedState } from '../../src/shared/panelMessages';
import { button, element } from './controls';
import { exportBar } from './exportBar';
import { countPoints, renderChart } from './renderPanelChart';

declare function acquireVsCodeApi(): { postMessage(message: AlertDetailsViewMessage | PanelExportMessage): void; setState(state: PanelSavedState<AlertDetailsKeys>): void };

const vscode = acquireVsCodeApi();
const app = document.getElementById('app') as HTMLElement;

type Shown = Extract<AlertDetailsHostMessage, { type: 'details' }>;

const STATE_TEXT = { open: 'Open', silenced: 'Open, silenced', acknowledged: 'Acknowledged' } as const;

function act(action: AlertAction): void {
  vscode.postMessage({ type: 'action', action });
}

/** A term and its value, as text. */
function row(term: string, value: string | null, title?: string): HTMLElement[] {
  if (value === null || value === '') return [];
  const shown = element('dd', { text: value });
  if (title !== undefined && title !== value) shown.title = title;
  return [element('dt', { text: term }), shown];
}

function actions(message: Shown): HTMLElement {
  const { alert } = message;
  const writable = message.readOnly === null;
  const buttons: HTMLElement[] = [];
  if (writable && alert.state !== 'acknowledged') buttons.push(button('action-acknowledge', 'Acknowledge', () => act('acknowledge')));
  if (writable && alert.state === 'acknowledged') buttons.push(button('action-unacknowledge', 'Take Back', () => act('unacknowledge')));
  if (writable && alert.state === 'open') buttons.push(button('action-snooze', 'Snooze…', () => act('snooze')));
  if (alert.rule !== null) buttons.push(button('action-rule', 'Open Rule', () => act('openRule')));
  if (message.spec !== null) buttons.push(button('action-trend', 'Open Trend', () => act('openTrend')));
  buttons.push(button('action-notebook', 'Open in Notebook', () => act('openNotebook')));
  for (const each of buttons.slice(1)) each.classList.add('secondary');
  const bar = element('div', { className: 'actions', id: 'actions' }, buttons);
  if (message.readOnly !== null) bar.append(element('p', { className: 'hint', text: `Read-only: ${message.readOnly}` }));
  return bar;
}

function summary(message: Shown): HTMLElement {
  const { alert } = message;
  // Four decimals, as the rest of the panel shows values (the service writes all seventeen digits); every digit on hover.
  const fixed = (value: number) => (value === 0 || Math.abs(value) >= 1e-3 ? String(Number(value.toFixed(4))) : value.toPrecision(4));
  const condition = alert.metric === null ? null : `${alert.metric} = ${alert.value === null ? '—' : fixed(alert.value)}${alert.threshold === null ? '' : ` (threshold ${fixed(alert.threshold)})`}`;
  const conditionTitle = alert.metric === null || alert.value === null ? undefined : `${alert.metric} = ${alert.value}${alert.threshold === null ? '' : ` (threshold ${alert.threshold})`}`;
  return element('dl', { className: 'details', id: 'summary' }, [
    ...row('State', STATE_TEXT[alert.state]),
    ...row('Severity', alert.severity),
    ...row('Fired', alert.firedAt),
    ...row('Model version', alert.modelVersion),
    ...row('Condition', condition, conditionTitle),
    ...row('Component', alert.component),
    ...row('Rule', alert.rule === null ? 'not known (no record names it, and no single rule matches it)' : `${alert.rule.id}: ${alert.rule.condition}`),
    ...row('Acknowledged', alert.acknowledgedBy === null ? null : `by ${alert.acknowledgedBy}${alert.acknowledgedAt === null ? '' : ` at ${alert.acknowledgedAt}`}`),
    ...row('Comment', alert.comment),
    ...row('Alert', `${alert.alertId} (key ${alert.key})`),
  ]);
}

function deliveries(message: Shown): HTMLElement {
  const list = message.alert.deliveries;
  if (list.length === 0) return element('p', { className: 'hint', id: 'deliveries', text: 'No delivery recorded: the Python service delivers its own alerts, or no channel was configured.' });
  const head = element('tr', {}, ['Channel', 'Notice', 'Status', 'When', 'Error'].map((text) => element('th', { text })));
  const body = list.map((each) => element('tr', { className: each.status === 'delivered' ? '' : 'failed' }, [each.channel, each.kind, each.status, each.at, each.error ?? ''].map((text) => element('td', { text }))));
  return element('table', { className: 'comparison', id: 'deliveries' }, [element('thead', {}, [head]), element('tbody', {}, body)]);
}

function why(message: Shown): HTMLElement {
  const section = element('section', { id: 'why' }, [element('h2', { text: 'Why it fired' })]);
  if (message.why === null) section.append(element('p', { className: 'hint', text: message.whyProblem ?? 'Nothing to say: the source has no predictions around the alert.' }));
  else {
    section.append(element('p', { className: 'hint', text: message.why.recordedAt === null ? 'Worked out now from the source (the alert has no recorded context).' : `Recorded when it fired, ${message.why.recordedAt}.` }));
    section.append(element('ul', { className: 'why' }, message.why.lines.map((line) => element('li', { text: line }))));
    if (message.whyProblem !== null) section.append(element('p', { className: 'note', text: message.whyProblem }));
  }
  return section;
}

async function draw(message: Shown): Promise<void> {
  const chart = document.getElementById('chart');
  if (!chart || message.spec === null) {
    vscode.postMessage({ type: 'rendered', points: 0 });
    return;
  }
  try {
    const view = await renderChart(chart, message.spec);
    const points = countPoints(view);
    chart.dataset.points = String(points);
    chart.dataset.every = String(message.every ?? '');
    chart.dataset.theme = document.body.className;
    vscode.postMessage({ type: 'rendered', points });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    chart.replaceChildren(element('p', { className: 'error', text: `The chart could not be drawn: ${text}` }));
    vscode.postMessage({ type: 'failed', message: text });
  }
}

let shown: Shown | null = null;

function show(message: AlertDetailsHostMessage): void {
  if (message.type === 'busy') {
    app.setAttribute('aria-busy', 'true');
    return;
  }
  app.removeAttribute('aria-busy');
  // Only the keys are kept (the source and the alert's key): after a reload the host reads the alert again.
  if (message.keys !== null) vscode.setState({ version: PANEL_STATE_VERSION, keys: message.keys });
  if (message.type === 'empty') {
    shown = null;
    const parts: HTMLElement[] = [element('p', { text: message.message })];
    if (message.reason === 'no-source') parts.push(button('open-source', 'Open Monitoring Source…', () => act('openSource')));
    app.replaceChildren(element('div', { className: 'state', id: 'state' }, parts));
    app.dataset.state = message.reason;
    return;
  }
  shown = message;
  app.dataset.state = 'details';
  app.dataset.severity = message.alert.severity;
  app.dataset.alertState = message.alert.state;
  const title = element('h1', { id: 'title', text: message.alert.title });
  const text = element('p', { id: 'message', text: message.alert.message });
  const chartHint = message.chartNote === null ? [] : [element('p', { className: 'note', text: message.chartNote })];
  const exports = message.spec === null ? [] : [exportBar((exported) => vscode.postMessage(exported))];
  app.replaceChildren(
    title,
    text,
    actions(message),
    summary(message),
    why(message),
    element('h2', { text: 'The metric around the alert' }),
    ...chartHint,
    ...exports,
    element('div', { className: 'chart', id: 'chart' }),
    element('h2', { text: 'Deliveries' }),
    deliveries(message),
  );
  void draw(message);
}

window.addEventListener('message', (event: MessageEvent<AlertDetailsHostMessage>) => show(event.data));
// The chart takes its colours from the theme: drawn again when the theme changes.
new MutationObserver(() => {
  if (shown !== null) void draw(shown);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });
vscode.postMessage({ type: 'ready' });

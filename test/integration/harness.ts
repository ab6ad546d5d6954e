import * as vscode from 'vscode';
import { AlertRuleSchema, type AlertRule } from '../../src/core/model/alertRule';
import type { PitwallApi } from '../../src/extension/extension';

const control = process.env.PITWALL_TEST_CONTROL;

async function ask(path: string): Promise<unknown> {
  if (!control) throw new Error('PITWALL_TEST_CONTROL is not set');
  const response = await fetch(`${control}${path}`);
  const body = (await response.json()) as { error?: string };
  if (!response.ok) throw new Error(`control ${path}: ${body.error ?? response.status}`);
  return body;
}

/**
 * Tests that look at the rendered workbench need the launcher's browser (code-server); under
 * @vscode/test-electron there is none, and they are skipped with that reason.
 */
export function requireWorkbench(context: Mocha.Context): void {
  if (!control) context.skip();
}

/** Saves a screenshot of the whole workbench as test-results/<name>.png. */
export async function screenshot(name: string): Promise<void> {
  await ask(`/screenshot?name=${encodeURIComponent(name)}`);
}

/** The rendered text of workbench elements matching a CSS selector, as a person would read it. */
export async function workbenchText(selector: string): Promise<string> {
  const body = (await ask(`/text?selector=${encodeURIComponent(selector)}`)) as { text: string };
  return body.text;
}

/** Moves the pointer onto the first element matching a CSS selector, as a person would. */
export async function hover(selector: string): Promise<void> {
  await ask(`/hover?selector=${encodeURIComponent(selector)}`);
}

/** Clicks the first element matching a CSS selector with the real pointer, holding `modifiers` (e.g. Control) down. */
export async function click(selector: string, modifiers: readonly string[] = []): Promise<void> {
  await ask(`/click?selector=${encodeURIComponent(selector)}&modifiers=${encodeURIComponent(modifiers.join(','))}`);
}

/** Clicks the first element matching a CSS selector with the right button, opening its context menu. */
export async function rightClick(selector: string): Promise<void> {
  await ask(`/click?selector=${encodeURIComponent(selector)}&button=right`);
}

/** Presses a key or chord on the real keyboard (Playwright names: Enter, Control+Enter, Escape). */
export async function press(key: string): Promise<void> {
  await ask(`/press?key=${encodeURIComponent(key)}`);
}

/** Types text on the real keyboard, into whatever has focus. */
export async function type(text: string): Promise<void> {
  await ask(`/type?text=${encodeURIComponent(text)}`);
}

/** A computed style property of the first element matching a CSS selector; null when none matches. */
export async function computedStyle(selector: string, property: string): Promise<string | null> {
  const body = (await ask(`/style?selector=${encodeURIComponent(selector)}&property=${encodeURIComponent(property)}`)) as { value: string | null };
  return body.value;
}

/** Relative luminance (0 black … 1 white) of a CSS colour written rgb(r, g, b) or rgba(r, g, b, a). */
export function luminance(color: string): number {
  const match = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(color);
  if (!match) throw new Error(`not an rgb() colour: ${color}`);
  const [r, g, b] = match.slice(1, 4).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export async function pitwall(): Promise<PitwallApi> {
  const extension = vscode.extensions.getExtension<PitwallApi>('pitwall.pitwall');
  if (!extension) throw new Error('the Pitwall extension is not installed');
  return extension.activate();
}

/** Polls until `check` returns a value (not undefined), or fails with the last error after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw lastError instanceof Error ? lastError : new Error('condition not met in time');
}

export const SIDEBAR = '[id="workbench.view.extension.pitwall"]';

/** A rule that fires whenever `modelVersion` had predictions in the last day, on these channels, with no cooldown. */
export function trafficRule(ruleId: string, channels: readonly string[], modelVersion: string): AlertRule {
  return AlertRuleSchema.parse({
    rule_id: ruleId,
    metric_name: 'num_predictions',
    metric_type: 'threshold',
    threshold: 0,
    comparison: '>',
    severity: 'info',
    component: 'traffic',
    cooldown_minutes: 0,
    channels,
    conditions: { window: '1d', model_versions: [modelVersion] },
  });
}

/** What the open Pitwall chart panel shows, read in its webview frame (see scripts/testIntegration.mjs). */
export interface PanelState {
  readonly text: string;
  readonly points: number | null;
  readonly every: number | null;
  /** Seconds each window moves on (trend panel); equal to `every` for windows that do not overlap. */
  readonly slide: number | null;
  /** Label-free estimates drawn (trend panel). */
  readonly estimates: number | null;
  /** The custom range's days as drawn (trend panel). */
  readonly from: string | null;
  readonly to: string | null;
  /** What the trend panel draws over its values, counted in the scenegraph, with the host's own counts. */
  readonly overlays: {
    readonly thresholds: number;
    readonly alerts: number;
    readonly spans: number;
    readonly gaps: number;
    readonly intervals: number;
    readonly volume: number;
    readonly expected: { readonly thresholds: number; readonly alerts: number; readonly estimates: number };
  } | null;
  readonly busy: boolean;
  readonly metric: string | null;
  readonly range: string | null;
  readonly theme: string | null;
  readonly symbols: number;
  readonly note: string | null;
  readonly violations: number;
  /** The refusals counted in `violations`: directive and what it refused, one a line. */
  readonly cspDetails: string;
  readonly images: number;
  readonly versions: readonly string[];
  readonly checked: readonly string[];
  readonly state: string | null;
  readonly axisLabelFill: string | null;
  /** Every chart of the panel (an element of class chart with an id). */
  readonly charts: readonly PanelChart[];
  /** The id of the element that has the keyboard focus in the panel. */
  readonly focused: string | null;
  /** When a control of the trend panel last asked for a change, and when its chart was last drawn (epoch ms). */
  readonly askedAt: number | null;
  readonly drawnAt: number | null;
}

export interface PanelChart {
  readonly id: string;
  /** What the page says it drew (its data-points). */
  readonly points: number | null;
  /** The options the drawn chart answers (JSON), when the page records them. */
  readonly options: string | null;
  readonly feature: string | null;
  /** Data marks in its SVG (a legend's are not counted). */
  readonly symbols: number;
  readonly rects: number;
}

/** Acts in the open chart panel as a person would: picks a value in a drop-down, clicks an element, presses a key. */
export interface PanelAction {
  readonly select?: { readonly id: string; readonly value: string };
  readonly click?: string;
  readonly key?: string;
}

/** Reads the open chart panel after `action`. */
export async function panelAct(action: PanelAction): Promise<PanelState> {
  const query = new URLSearchParams();
  if (action.select !== undefined) {
    query.set('select', action.select.id);
    query.set('value', action.select.value);
  }
  if (action.click !== undefined) query.set('clickAt', action.click);
  if (action.key !== undefined) query.set('key', action.key);
  return (await ask(`/webview?${query.toString()}`)) as PanelState;
}

/** Reads the open chart panel; with `select`, first picks `value` in the control of that id, as a person would. */
export async function panelState(select?: { id: string; value: string }): Promise<PanelState> {
  const query = select === undefined ? '' : `?select=${encodeURIComponent(select.id)}&value=${encodeURIComponent(select.value)}`;
  return (await ask(`/webview${query}`)) as PanelState;
}

/** Presses the button of this id in the open chart panel with the real pointer, then reads the panel. */
export async function clickInPanel(id: string): Promise<PanelState> {
  return (await ask(`/webview?click=${encodeURIComponent(id)}`)) as PanelState;
}

/** Types `value` into the input of this id in the open chart panel (replacing its text), then reads the panel. */
export async function fillInPanel(id: string, value: string): Promise<PanelState> {
  return (await ask(`/webview?fill=${encodeURIComponent(id)}&value=${encodeURIComponent(value)}`)) as PanelState;
}

/**
 * Fails, naming each refusal, when the open chart panel reported a Content-Security-Policy
 * violation (every panel counts them from its first moment: webview/panels/cspListener.ts).
 * Every panel test calls it on what it read.
 */
export function assertNoCspViolations(state: Pick<PanelState, 'violations' | 'cspDetails'>): void {
  if (state.violations !== 0) throw new Error(`the panel reported ${state.violations} Content-Security-Policy violation(s):\n${state.cspDetails}`);
}

/**
 * Clicks an entry of the open menu until `done` holds. A VS Code menu takes a click on an entry
 * only from a timer it starts 100 ms after drawing it (against accidental clicks); the pointer
 * here comes sooner than a person's, and a busy workbench runs that timer late: a click it
 * drops leaves the menu open, and it takes the next one.
 */
export async function clickMenuEntry(label: string, done: () => boolean, selector = `.monaco-menu .action-label:has-text("${label}")`): Promise<void> {
  for (let attempt = 0; attempt < 3 && !done(); attempt++) {
    await click(selector);
    await eventually(() => (done() ? true : undefined), 2000).catch(() => undefined);
  }
}

/** One Pitwall output drawn by the notebook renderer, as read in the notebook's webview frame. */
export interface RenderedOutput {
  readonly resultId: string | null;
  readonly kind: string | null;
  readonly view: 'chart' | 'table' | null;
  readonly state: 'ready' | 'loading' | 'expired' | null;
  readonly offset: number | null;
  /** Data marks the renderer counted in its chart's SVG, and the symbols among them. */
  readonly marks: number | null;
  readonly symbols: number;
  /** How many times the chart was drawn, and the body classes (theme) of the last drawing. */
  readonly draws: number;
  readonly theme: string | null;
  readonly chartError: string | null;
  readonly outputError: string | null;
  readonly axisLabelFill: string | null;
  readonly rowsLabel: string | null;
  /** Whether the output's chart is laid out on screen (false while the table shows). */
  readonly chartVisible: boolean;
  readonly notice: string | null;
  readonly headers: readonly { readonly column: string; readonly sort: string | null }[];
  /** The cells' text, row by row. */
  readonly rows: readonly (readonly string[])[];
  readonly sql: string | null;
  readonly footer: string | null;
  readonly text: string;
}

export interface NotebookOutputsState {
  readonly bodyClass: string;
  readonly violations: number;
  readonly cspDetails: string;
  /** Calls of Function and eval in the frame since `instrument`; null before. */
  readonly evals: number | null;
  /** Where the first of those calls came from (stack frames). */
  readonly evalCallers: readonly string[];
  /** Outputs holding a live view (created and not yet disposed). */
  readonly views: number;
  readonly focused: string | null;
  readonly outputs: readonly RenderedOutput[];
}

/** Reads Pitwall's rendered notebook outputs after an optional action in their frame (see scripts/testIntegration.mjs). */
export async function notebookOutputs(action: { readonly instrument?: boolean; readonly focus?: string; readonly click?: string; readonly key?: string } = {}): Promise<NotebookOutputsState> {
  const query = new URLSearchParams();
  if (action.instrument === true) query.set('instrument', '1');
  if (action.focus !== undefined) query.set('focus', action.focus);
  if (action.click !== undefined) query.set('click', action.click);
  if (action.key !== undefined) query.set('key', action.key);
  return (await ask(`/notebookOutputs?${query.toString()}`)) as NotebookOutputsState;
}

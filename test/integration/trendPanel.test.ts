import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { readDataScope } from '../../src/core/analytics/dataScope';
import { readWindowedMetrics, type WindowMetric, type WindowMetricsRow } from '../../src/core/analytics/windows';
import type { Store } from '../../src/core/store/store';
import { PAGE_SIZE, RESULT_MIME, type NotebookResultOutput } from '../../src/shared/notebookOutput';
import { assertNoCspViolations, click, clickInPanel, eventually, fillInPanel, hover, panelState, type PanelState, pitwall, press, requireWorkbench, screenshot, SIDEBAR, type } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const folder = join(workspace, 'data/monitoring');
const database = join(workspace, 'data/monitoring.db');
const XSS = '<img src=x onerror=alert(1)>';

/** The open webview tabs of this title. */
function panelTabs(title: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.label === title);
}

const RANGES: Readonly<Record<string, number>> = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 };

/**
 * The points the panel must draw for these options, computed here through the store's own windowed
 * metrics (not the panel's session): one per model version and window with a value of the metric.
 */
async function expectedPoints(store: Store, every: number, range: string, metric: WindowMetric): Promise<number> {
  return expectedPointsOf(store, every, range, metric, (await readDataScope(store)).versions);
}

async function expectedPointsOf(store: Store, every: number, range: string, metric: WindowMetric, versions: readonly string[]): Promise<number> {
  return (await expectedRows(store, every, range, metric, versions)).filter((row) => row[metric] !== null && row[metric] !== undefined).length;
}

/** The windows (one row per version and window with predictions) the kernel computes for these options. */
async function expectedRows(store: Store, every: number, range: string, metric: WindowMetric, versions: readonly string[]): Promise<WindowMetricsRow[]> {
  const scope = await readDataScope(store);
  assert.ok(scope.first !== null && scope.last !== null);
  const to = scope.last + 1;
  const from = range === 'all' ? scope.first : Math.max(scope.first, to - (RANGES[range] as number));
  const { rows } = await readWindowedMetrics(store, { every, from, to, by: 'model_version', metrics: [metric], path: 'in-memory' });
  return rows.filter((row) => row.group !== null && versions.includes(row.group));
}

/** The panel once it has drawn a chart that satisfies `check`. */
function drawn(check: (state: PanelState) => boolean, select?: { id: string; value: string }): Promise<PanelState> {
  let asked = false;
  return eventually(async () => {
    const state = await panelState(asked ? undefined : select);
    asked = true;
    return state.points !== null && !state.busy && check(state) ? state : undefined;
  }, 30_000);
}

describe('The Performance Trend panel', () => {
  const temporary: string[] = [];

  after(async () => {
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // The suites after this one find the database open, as the SQLite suite left it.
    const api = await pitwall();
    await api.sources.open(database);
    for (const path of temporary) rmSync(path, { recursive: true, force: true });
  });

  it('opens from the palette and draws one point per window and version the kernel computes; a window change redraws', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await api.sources.open(folder);
    await press('F1');
    await type('Pitwall: Show Performance Trend');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await press('Enter');

    const sixHourly = await expectedPoints(source.store, 6 * 3600, '7d', 'accuracy');
    assert.ok(sixHourly > 10, `the generated data has 6-hour accuracy values over 7 days (${sixHourly})`);
    const first = await drawn((state) => state.every === 6 * 3600);
    assert.equal(first.points, sixHourly);
    // Each value is a symbol in the SVG, beside the label-coverage points below.
    assert.ok(first.symbols >= sixHourly, `${first.symbols} symbols drawn for ${sixHourly} values`);
    assert.deepEqual(first.versions, (await readDataScope(source.store)).versions);
    // Not coarsened: the only note names the label-free estimates of windows with too few labels.
    assert.doesNotMatch(first.note ?? '', /marks/);
    assert.equal((first.estimates ?? 0) > 0, /label-free estimates/.test(first.note ?? ''));

    const daily = await expectedPoints(source.store, 86_400, '7d', 'accuracy');
    assert.notEqual(daily, sixHourly);
    const changed = await drawn((state) => state.every === 86_400, { id: 'window', value: '1d' });
    assert.equal(changed.points, daily);
    assertNoCspViolations(changed);

    // Asked again, the same panel comes forward with its choices.
    await vscode.commands.executeCommand('pitwall.showTrend');
    assert.equal(panelTabs('Performance Trend').length, 1);
    assert.equal((await drawn(() => true)).every, 86_400);
  });

  it('exports the drawn chart as PNG and SVG, its windows as CSV and its Vega-Lite spec as JSON', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const state = await drawn((seen) => seen.every === 86_400 && seen.metric === 'accuracy' && seen.range === '7d');
    const folderOut = mkdtempSync(join(tmpdir(), 'pitwall-export-'));
    temporary.push(folderOut);
    const saved = async (format: string) => {
      const target = join(folderOut, `trend.${format}`);
      // The save dialog's answer; what is written, and how, is the panel's own export.
      api.panels.nextExportTarget(vscode.Uri.file(target));
      await clickInPanel(`export-${format}`);
      return eventually(() => (existsSync(target) && statSync(target).size > 0 ? readFileSync(target) : undefined));
    };
    const png = await saved('png');
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
    assert.ok(png.length > 2000, `${png.length} bytes of PNG`);
    const svg = (await saved('svg')).toString('utf8');
    assert.match(svg, /^<svg[\s>]/);
    // The SVG holds one filled symbol per value, as the panel's own drawing does.
    assert.ok((svg.match(/<path/g) ?? []).length >= (state.points ?? Infinity), 'the SVG holds the marks');
    const csv = (await saved('csv')).toString('utf8').trimEnd().split('\r\n');
    const versions = (await readDataScope(source.store)).versions;
    const rows = await expectedRows(source.store, 86_400, '7d', 'accuracy', versions);
    assert.equal(csv[0], 'window_start,window_end,model_version,count,labelled,label_coverage,insufficient,accuracy');
    assert.equal(csv.length - 1, rows.length, 'one CSV record per window and version the kernel computes');
    assert.equal(csv.slice(1).filter((line) => !line.endsWith(',')).length, state.points, 'a value in each record the chart draws');
    const spec = JSON.parse((await saved('json')).toString('utf8')) as { $schema?: string };
    assert.match(spec.$schema ?? '', /vega-lite/);
    assertNoCspViolations(await panelState());
  });

  it('opens the chart in a notebook: its trend cell answers the points drawn, and every cell runs', async function () {
    requireWorkbench(this);
    this.timeout(120_000);
    const state = await drawn((seen) => seen.every === 86_400 && seen.metric === 'accuracy' && seen.range === '7d');
    await clickInPanel('open-notebook');
    const editor = await eventually(() => (vscode.window.activeNotebookEditor?.notebook.notebookType === 'pitwall-notebook' ? vscode.window.activeNotebookEditor : undefined));
    const notebook = editor.notebook;
    assert.equal(notebook.metadata.source, folder);
    await vscode.commands.executeCommand('notebook.selectKernel', { notebookEditor: editor, id: 'pitwall.kernel', extension: 'pitwall.pitwall' });
    await vscode.commands.executeCommand('notebook.execute', notebook.uri);
    const cells = notebook.getCells().filter((cell) => cell.kind === vscode.NotebookCellKind.Code);
    await eventually(() => (cells.every((cell) => cell.executionSummary?.success !== undefined) ? true : undefined), 90_000);
    assert.deepEqual(
      cells.map((cell) => cell.executionSummary?.success),
      cells.map(() => true),
      cells.map((cell) => `${cell.document.getText()}: ${cell.outputs.map((output) => output.items.map((item) => new TextDecoder().decode(item.data).slice(0, 200)).join(' ')).join(' ')}`).join('\n'),
    );
    const result = cells[0]?.outputs[0]?.items.find((item) => item.mime === RESULT_MIME);
    assert.ok(result !== undefined, 'the trend cell has a Pitwall result');
    const output = JSON.parse(new TextDecoder().decode(result.data)) as NotebookResultOutput;
    assert.ok(output.totalRows <= PAGE_SIZE, 'all its windows are in the output');
    assert.equal(output.rows.filter((row) => typeof row.accuracy === 'number').length, state.points, 'one value per point the panel drew');
    editor.revealRange(new vscode.NotebookRange(0, 2), vscode.NotebookEditorRevealType.AtTop);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await screenshot('trend-open-in-notebook');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await drawn((seen) => seen.every === 86_400);
  });

  it("opens one version's trend from its inline action in the Models view", async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const version = (await readDataScope(source.store)).versions.at(-1) ?? '';
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    const row = `${SIDEBAR} .monaco-list-row[aria-label^="${version} "]`;
    await eventually(() => hover(row).then(() => true));
    await click(`${row} .action-label.codicon-graph-line`);
    await eventually(() => (panelTabs(`Performance Trend: ${version}`).length === 1 ? true : undefined));
    const state = await drawn((seen) => seen.checked.length === 1);
    assert.deepEqual(state.checked, [version]);
    assert.equal(state.points, await expectedPointsOf(source.store, 6 * 3600, '7d', 'accuracy', [version]));
    // The tests below use the panel of every version.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.showTrend');
    await drawn((seen) => seen.checked.length > 1);
  });

  it('draws label-free estimates with their interval where every window has too few labels, naming the minimum', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const versions = (await readDataScope(source.store)).versions;
    // The generated data labels far fewer than 30 predictions an hour per version.
    const rows = await expectedRows(source.store, 3600, '7d', 'accuracy', versions);
    assert.equal(rows.filter((row) => row.accuracy !== null).length, 0);
    const state = await drawn((seen) => seen.every === 3600 && seen.metric === 'accuracy', { id: 'window', value: '1h' });
    assert.equal(state.points, 0, 'no realized value is drawn');
    assert.ok(state.estimates !== null && state.estimates > 0, `${state.estimates} estimates`);
    assert.equal(state.estimates, state.overlays?.expected.estimates, 'every estimate the host computed is drawn');
    assert.equal(state.overlays?.intervals, state.estimates, 'each estimate with its interval');
    // Each window with predictions but too few labels is a gap whose reason shows on hover.
    assert.equal(state.overlays?.gaps, rows.filter((row) => row.insufficient && row.count > 0).length);
    assert.match(state.note ?? '', /Every 1h window in this range has fewer than 30 labelled predictions, too few for a confident Accuracy: the dashed line is its label-free estimate \(CBPE\)/);
    assertNoCspViolations(state);
  });

  it('says in the panel when every window has too few labels for a metric without an estimate, naming the minimum', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    assert.equal(await expectedPoints(source.store, 3600, '7d', 'ece'), 0);
    await panelState({ id: 'metric', value: 'ece' });
    const state = await eventually(async () => {
      const seen = await panelState();
      return seen.state?.includes('fewer than 30 labelled predictions') ? seen : undefined;
    });
    assert.match(state.state ?? '', /Every 1h window in this range has fewer than 30 labelled predictions, too few for a confident ECE/);
  });

  it("draws the rules' thresholds, the alerts by severity, the spans where a rule held, and the volume under the values", async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    await drawn((seen) => seen.metric === 'accuracy', { id: 'metric', value: 'accuracy' });
    const state = await drawn((seen) => seen.every === 6 * 3600 && seen.metric === 'accuracy', { id: 'window', value: '6h' });
    const scope = await readDataScope(source.store);
    const to = (scope.last ?? 0) + 1;
    const from = Math.max(scope.first ?? 0, to - 7 * 86_400);
    const rules = (await source.store.readRules()).filter((rule) => rule.enabled && rule.metric_type === 'threshold' && rule.metric_name === 'accuracy');
    assert.ok(rules.length >= 2, 'the generated rules watch accuracy');
    const alerts = (await source.store.readAlerts({ from, to })).filter((alert) => alert.metric_name === 'accuracy');
    assert.ok(alerts.length > 0, 'the generated alerts include accuracy alerts in the last 7 days');
    const overlays = state.overlays;
    assert.ok(overlays !== null);
    assert.equal(overlays.thresholds, rules.length, 'one rule line per threshold rule on accuracy');
    assert.equal(overlays.alerts, alerts.length, 'one marker per accuracy alert in the range');
    // Where a rule held: the 6-hour windows whose accuracy is below a rule's threshold, merged.
    const rows = await expectedRows(source.store, 6 * 3600, '7d', 'accuracy', scope.versions);
    const below = rows.filter((row) => row.accuracy !== null && row.accuracy !== undefined && rules.some((rule) => (row.accuracy as number) < rule.threshold));
    assert.ok(below.length > 0 && overlays.spans > 0 && overlays.spans <= below.length * rules.length, `${overlays.spans} spans over ${below.length} windows below a threshold`);
    assert.equal(overlays.volume, rows.length, 'one volume bar per window and version');
    assert.equal(state.points, rows.filter((row) => row.accuracy !== null).length);
    assertNoCspViolations(state);
    await screenshot('trend-panel-overlays');
  });

  it('slides overlapping windows and charts a custom range of days', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const versions = (await readDataScope(source.store)).versions;
    const kernel = async (options: { every: number; slide: number; from: number; to: number }) => {
      const { rows } = await readWindowedMetrics(source.store, { ...options, by: 'model_version', metrics: ['avg_confidence'], path: 'in-memory' });
      return rows.filter((row) => row.group !== null && versions.includes(row.group) && row.avg_confidence !== null).length;
    };
    await drawn((seen) => seen.metric === 'avg_confidence', { id: 'metric', value: 'avg_confidence' });
    const tumbling = await drawn((seen) => seen.every === 6 * 3600 && seen.slide === 6 * 3600 && seen.metric === 'avg_confidence');
    const sliding = await drawn((seen) => seen.slide === 3 * 3600, { id: 'slide', value: 'half' });
    assert.equal(sliding.every, 6 * 3600);
    const scope = await readDataScope(source.store);
    const to = (scope.last ?? 0) + 1;
    const from = Math.max(scope.first ?? 0, to - 7 * 86_400);
    assert.equal(sliding.points, await kernel({ every: 6 * 3600, slide: 3 * 3600, from, to }));
    assert.ok((sliding.points ?? 0) > (tumbling.points ?? 0), 'half-window slides draw about twice the windows');
    await drawn((seen) => seen.slide === 6 * 3600, { id: 'slide', value: 'window' });

    // The custom range starts as the days the source holds; then two days are typed in.
    const whole = await drawn((seen) => seen.range === 'custom', { id: 'range', value: 'custom' });
    assert.equal(whole.from, new Date((scope.first ?? 0) * 1000).toISOString().slice(0, 10));
    assert.equal(whole.to, new Date((scope.last ?? 0) * 1000).toISOString().slice(0, 10));
    await fillInPanel('from', '2026-10-05');
    await drawn((seen) => seen.from === '2026-10-05');
    await fillInPanel('to', '2026-10-06');
    const days = await drawn((seen) => seen.from === '2026-10-05' && seen.to === '2026-10-06');
    const start = Date.parse('2026-10-05T00:00:00Z') / 1000;
    assert.equal(days.points, await kernel({ every: 6 * 3600, slide: 6 * 3600, from: start, to: start + 2 * 86_400 }));
    assert.ok((days.points ?? 0) > 0 && (days.points ?? 0) <= 2 * 4 * versions.length, `${days.points} points: at most two days of 6-hour windows per version`);
    // A "to" day before the "from" day is refused in the panel, with the reason.
    await fillInPanel('to', '2026-10-01');
    const refused = await eventually(async () => {
      const seen = await panelState();
      return seen.state?.includes('before it starts') ? seen : undefined;
    });
    assert.match(refused.state ?? '', /The custom range ends \(2026-10-01\) before it starts \(2026-10-05\)/);
    await drawn((seen) => seen.range === '7d', { id: 'range', value: '7d' });
    assertNoCspViolations(await panelState());
  });

  it('coarsens a window that would draw more than 5000 marks, and says so', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    // Mean confidence needs no labels, so even 15-minute windows have values.
    await drawn((state) => state.metric === 'avg_confidence', { id: 'metric', value: 'avg_confidence' });
    const fine = await drawn((state) => state.every === 900, { id: 'window', value: '15m' });
    assert.equal(fine.note, null);
    assert.equal(fine.points, await expectedPoints(source.store, 900, '7d', 'avg_confidence'));
    const coarse = await drawn((state) => state.note !== null, { id: 'range', value: 'all' });
    assert.ok(coarse.every !== null && coarse.every > 900, `coarsened to ${coarse.every} s`);
    assert.match(coarse.note ?? '', /15m windows over this range would draw more than 5,000 marks: the chart uses 1h windows\./);
    assert.equal(coarse.points, await expectedPoints(source.store, coarse.every, 'all', 'avg_confidence'));
    assert.ok(coarse.symbols <= 5000, `${coarse.symbols} symbols`);
    assertNoCspViolations(coarse);
  });

  it('follows the theme: light, dark and both high-contrast themes draw the axis labels in their own colours', async function () {
    requireWorkbench(this);
    await drawn(() => true, { id: 'window', value: '6h' });
    const look = async (theme: string, kind: vscode.ColorThemeKind, shot: string) => {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      await eventually(() => (vscode.window.activeColorTheme.kind === kind ? true : undefined));
      const bodyClass = {
        [vscode.ColorThemeKind.Light]: 'vscode-light',
        [vscode.ColorThemeKind.Dark]: 'vscode-dark',
        [vscode.ColorThemeKind.HighContrast]: 'vscode-high-contrast',
        [vscode.ColorThemeKind.HighContrastLight]: 'vscode-high-contrast-light',
      }[kind];
      const state = await drawn((seen) => seen.theme !== null && seen.theme.split(' ').includes(bodyClass));
      await screenshot(shot);
      return state;
    };
    const light = await look('Default Light Modern', vscode.ColorThemeKind.Light, 'trend-panel-light');
    const dark = await look('Default Dark Modern', vscode.ColorThemeKind.Dark, 'trend-panel-dark');
    assert.ok(light.axisLabelFill && dark.axisLabelFill, `${light.axisLabelFill} / ${dark.axisLabelFill}`);
    assert.notEqual(light.axisLabelFill, dark.axisLabelFill);
    const highContrast = await look('Default High Contrast', vscode.ColorThemeKind.HighContrast, 'trend-panel-high-contrast');
    const highContrastLight = await look('Default High Contrast Light', vscode.ColorThemeKind.HighContrastLight, 'trend-panel-high-contrast-light');
    assert.notEqual(highContrast.axisLabelFill, highContrastLight.axisLabelFill);
    assertNoCspViolations(highContrastLight);
  });

  it('draws a SQLite source too, with the kernel count', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await api.sources.open(database);
    const expected = await expectedPoints(source.store, 6 * 3600, 'all', 'accuracy');
    await drawn((seen) => seen.text.includes('monitoring.db'));
    const state = await drawn((seen) => seen.text.includes('monitoring.db') && seen.metric === 'accuracy' && seen.range === 'all' && seen.every === 6 * 3600, { id: 'metric', value: 'accuracy' });
    assert.equal(state.points, expected);
  });

  it('shows a model version named like markup as text, opened from the Models view command', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const copy = mkdtempSync(join(tmpdir(), 'pitwall-xss-'));
    temporary.push(copy);
    cpSync(folder, copy, { recursive: true });
    const predictions = join(copy, 'predictions.jsonl');
    const lines = readFileSync(predictions, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { model_version: string });
    const renamed = lines[0]?.model_version;
    writeFileSync(predictions, `${lines.map((line) => JSON.stringify(line.model_version === renamed ? { ...line, model_version: XSS } : line)).join('\n')}\n`);
    await api.sources.open(copy);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.showTrend', { modelVersion: XSS });
    const state = await drawn((seen) => seen.versions.includes(XSS));
    assert.equal(state.images, 0, 'no element was made from the name');
    assert.ok(state.text.includes(XSS), 'the title and the checkbox show the characters');
    assertNoCspViolations(state);
  });

  it('says so in the panel when no source is open', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    await api.sources.close();
    const state = await eventually(async () => {
      const seen = await panelState();
      return seen.state?.includes('No monitoring source is open') ? seen : undefined;
    });
    assert.match(state.text, /Open Monitoring Source/);
  });
});

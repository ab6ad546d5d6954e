import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { readDataScope } from '../../src/core/analytics/dataScope';
import type { FeatureDrift } from '../../src/core/analytics/drift';
import { driftScore, readDrift } from '../../src/core/analytics/driftReport';
import type { Store } from '../../src/core/store/store';
import type { AlertsNode } from '../../src/extension/alertsTreeDataProvider';
import { assertNoCspViolations, click, eventually, hover, panelAct, type PanelAction, type PanelChart, type PanelState, pitwall, press, requireWorkbench, screenshot, SIDEBAR, type } from './harness';
import { exportFromPanel } from './panelExports';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const folder = join(workspace, 'data/monitoring');
const database = join(workspace, 'data/monitoring.db');
const XSS = '<img src=x onerror=alert(1)>';
const DAY = 86_400;

function panelTabs(title: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.label === title);
}

interface Asked {
  readonly baseline: 'first-7d' | 'before' | 'previous';
  readonly current: '24h' | '7d';
  readonly modelVersion?: string;
}

/** The drift the panel must show, computed here by reading the store (not the panel's session), most drifted first. */
async function expected(store: Store, asked: Asked): Promise<FeatureDrift[]> {
  const scope = await readDataScope(store);
  assert.ok(scope.first !== null && scope.last !== null);
  const to = scope.last + 1;
  const current = { from: Math.max(scope.first, to - (asked.current === '24h' ? DAY : 7 * DAY)), to };
  const length = current.to - current.from;
  const baseline = {
    from: asked.baseline === 'previous' ? Math.max(scope.first, current.from - length) : scope.first,
    to: asked.baseline === 'first-7d' ? Math.min(scope.first + 7 * DAY, current.from) : current.from,
  };
  const results = await readDrift(store, { baseline, current, ...(asked.modelVersion === undefined ? {} : { modelVersion: asked.modelVersion }) });
  return results.sort((a, b) => (driftScore(b)?.score ?? -Infinity) - (driftScore(a)?.score ?? -Infinity) || (a.feature_name < b.feature_name ? -1 : 1));
}

/** How the table writes a feature's score: 'PSI 0.1234' or 'JS distance 0.1234'. */
function scoreText(result: FeatureDrift): string {
  const scored = driftScore(result);
  assert.ok(scored !== null, `${result.feature_name} has a score`);
  return `${scored.statistic === 'psi' ? 'PSI' : 'JS distance'} ${scored.score.toFixed(4)}`;
}

/** Bars of a distribution: one per bin and side with a share. */
function distributionBars(result: FeatureDrift): number {
  return result.bins.reduce((sum, bin) => sum + (Number.isFinite(bin.baseline_share) ? 1 : 0) + (Number.isFinite(bin.current_share) ? 1 : 0), 0);
}

function chart(state: PanelState, id: 'chart' | 'distribution'): PanelChart | undefined {
  return state.charts.find((c) => c.id === id);
}

/** The panel once both charts are drawn and satisfy `check`, after `action`. */
function drawn(check: (options: Record<string, unknown>, state: PanelState) => boolean, action?: PanelAction): Promise<PanelState> {
  let acted = false;
  return eventually(async () => {
    const state = await panelAct(acted || action === undefined ? {} : action);
    acted = true;
    const ranking = chart(state, 'chart');
    const distribution = chart(state, 'distribution');
    if (ranking?.points == null || ranking.options === null || distribution?.points == null || state.busy) return undefined;
    return check(JSON.parse(ranking.options) as Record<string, unknown>, state) ? state : undefined;
  }, 30_000);
}

/** The ranking and the selected distribution match the kernel's results: a bar per feature, the scores as text. */
function assertShows(state: PanelState, results: readonly FeatureDrift[], selected: FeatureDrift): void {
  const ranking = chart(state, 'chart') as PanelChart;
  const scored = results.filter((result) => driftScore(result) !== null);
  assert.equal(ranking.points, scored.length);
  assert.equal(ranking.rects, scored.length, 'one SVG bar per scored feature');
  for (const result of scored) assert.ok(state.text.includes(`${result.feature_name}\t${result.kind}\t${scoreText(result)}`), `${result.feature_name}: ${scoreText(result)} in ${state.text}`);
  const distribution = chart(state, 'distribution') as PanelChart;
  assert.equal(distribution.feature, selected.feature_name);
  assert.equal(distribution.points, distributionBars(selected));
  assert.equal(distribution.rects, distributionBars(selected), 'one SVG bar per bin and side');
}

describe('The Drift panel', () => {
  let before: string | null = null;
  const temporary: string[] = [];

  it('opens from the palette and ranks every feature as the kernel does, the most drifted one selected', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    before = api.sources.source?.path ?? null;
    const source = await api.sources.open(folder);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await press('F1');
    await type('Pitwall: Show Drift');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await press('Enter');
    await eventually(() => (panelTabs('Drift').length === 1 ? true : undefined));

    const results = await expected(source.store, { baseline: 'first-7d', current: '24h' });
    assert.equal(results.length, 3, 'the generated data has three features');
    const state = await drawn((options) => options.baseline === 'first-7d' && options.current === '24h' && options.version === null);
    assertShows(state, results, results[0] as FeatureDrift);
    assert.equal(state.violations, 0, 'no Content-Security-Policy violation in the panel');
  });

  it('exports the ranking as PNG and SVG, the drift scores as CSV (one record per feature, most drifted first, as the kernel ranks them) and its Vega-Lite spec as JSON', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const state = await drawn((options) => options.baseline === 'first-7d' && options.current === '24h' && options.version === null);
    const results = await expected(source.store, { baseline: 'first-7d', current: '24h' });
    const exported = await exportFromPanel(api, 'drift');
    assert.ok((exported.svg.match(/<path/g) ?? []).length >= (chart(state, 'chart')?.points ?? Infinity), 'the SVG holds a bar per scored feature');
    for (const result of results) assert.ok(exported.svg.includes(result.feature_name), `the SVG names ${result.feature_name}`);
    const [header, ...records] = exported.csv;
    assert.equal(header, 'feature,kind,statistic,score,threshold,severity,drift_detected,test,test_statistic,p_value,baseline_count,current_count,reason');
    assert.deepEqual(records.map((record) => record.split(',')[0]), results.map((result) => result.feature_name), 'every feature, most drifted first');
    records.forEach((record, index) => {
      const cells = record.split(',');
      const result = results[index] as FeatureDrift;
      const scored = driftScore(result);
      assert.ok(scored !== null);
      assert.deepEqual([cells[1], cells[2]], [result.kind, scored.statistic]);
      assert.ok(Math.abs(Number(cells[3]) - scored.score) < 1e-9, `${result.feature_name}: ${cells[3]} against ${scored.score}`);
      assert.deepEqual([Number(cells[10]), Number(cells[11])], [result.baseline_stats.count, result.current_stats.count]);
    });
    assertNoCspViolations(await panelAct({}));
  });

  it('selects a feature by a click on its row, by the keyboard, and by a click on its bar', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const results = await expected(source.store, { baseline: 'first-7d', current: '24h' });
    const [first, second, third] = results as [FeatureDrift, FeatureDrift, FeatureDrift];

    const byRow = await drawn((options) => options.feature === third.feature_name, { click: '#feature-2' });
    assertShows(byRow, results, third);

    // Tab from the first row's button to the second's, and Enter selects it.
    await drawn((options) => options.feature === first.feature_name, { click: '#feature-0' });
    await eventually(async () => ((await panelAct({})).focused === 'feature-0' ? true : undefined));
    await panelAct({ key: 'Tab' });
    const byKey = await drawn((options) => options.feature === second.feature_name, { key: 'Enter' });
    assertShows(byKey, results, second);

    // The bars are in ranking order: the first is the most drifted feature.
    const byBar = await drawn((options) => options.feature === first.feature_name, { click: '#chart svg .mark-rect path:nth-of-type(1)' });
    assertShows(byBar, results, first);
    await screenshot('drift-panel-selected');
  });

  it('computes again when a control changes: current range, baseline and version, each as the kernel does', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const day = await expected(source.store, { baseline: 'first-7d', current: '24h' });
    const week = await expected(source.store, { baseline: 'first-7d', current: '7d' });
    assert.notDeepEqual(week.map(scoreText), day.map(scoreText), 'a week drifts otherwise than a day');
    const state = await drawn((options) => options.current === '7d', { select: { id: 'current', value: '7d' } });
    assertShows(state, week, week.find((result) => result.feature_name === JSON.parse(chart(state, 'chart')?.options ?? '{}').feature) as FeatureDrift);

    const previous = await expected(source.store, { baseline: 'previous', current: '7d' });
    const againstPrevious = await drawn((options) => options.baseline === 'previous', { select: { id: 'baseline', value: 'previous' } });
    assertShows(againstPrevious, previous, previous.find((result) => result.feature_name === JSON.parse(chart(againstPrevious, 'chart')?.options ?? '{}').feature) as FeatureDrift);

    const v11 = await expected(source.store, { baseline: 'previous', current: '7d', modelVersion: 'v1.1' });
    const oneVersion = await drawn((options) => options.version === 'v1.1', { select: { id: 'version', value: 'v1.1' } });
    assertShows(oneVersion, v11, v11.find((result) => result.feature_name === JSON.parse(chart(oneVersion, 'chart')?.options ?? '{}').feature) as FeatureDrift);
    assert.equal(oneVersion.violations, 0);
  });

  it("opens one version's drift from its inline action in the Models view", async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const version = (await readDataScope(source.store)).versions.at(-1) ?? '';
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    const row = `${SIDEBAR} .monaco-list-row[aria-label^="${version} "]`;
    await eventually(() => hover(row).then(() => true));
    await click(`${row} .action-label.codicon-arrow-swap`);
    await eventually(() => (panelTabs(`Drift: ${version}`).length === 1 ? true : undefined));
    const results = await expected(source.store, { baseline: 'first-7d', current: '24h', modelVersion: version });
    const state = await drawn((options) => options.version === version);
    assertShows(state, results, results[0] as FeatureDrift);
  });

  it("opens a drift alert's feature and version from the Alerts view's context menu entry", async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    type AlertNode = Extract<AlertsNode, { kind: 'alert' }>;
    let alert: AlertNode | undefined;
    for (const group of await api.alerts.getChildren()) {
      alert ??= (await api.alerts.getChildren(group)).find((node): node is AlertNode => node.kind === 'alert' && node.alert.metric_name === 'track_temp_psi' && node.alert.model_version !== null);
    }
    assert.ok(alert !== undefined, 'the generated data has a drift alert on track_temp');
    const version = alert.alert.model_version as string;
    // The menu entry shows on this row: its `when` matches the row's context value, and not on other alerts.
    const menus = (vscode.extensions.getExtension('pitwall.pitwall')?.packageJSON as { contributes: { menus: Record<string, { command: string; when?: string }[]> } }).contributes.menus;
    const entry = menus['view/item/context']?.find((item) => item.command === 'pitwall.showDrift' && item.when?.includes('view == pitwall.alerts'));
    const pattern = /viewItem =~ \/(.+)\/$/.exec(entry?.when ?? '')?.[1];
    assert.ok(pattern !== undefined, 'a context menu entry for alerts');
    assert.match(api.alerts.getTreeItem(alert).contextValue ?? '', new RegExp(pattern));
    assert.doesNotMatch('alert:open:critical', new RegExp(pattern));

    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.showDrift', alert);
    await eventually(() => (panelTabs(`Drift: ${version}`).length === 1 ? true : undefined));
    const results = await expected(source.store, { baseline: 'first-7d', current: '24h', modelVersion: version });
    const state = await drawn((options) => options.version === version && options.feature === 'track_temp');
    assertShows(state, results, results.find((result) => result.feature_name === 'track_temp') as FeatureDrift);
  });

  it('follows the theme, light, dark and high contrast, with screenshots', async function () {
    requireWorkbench(this);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.showDrift');
    await drawn(() => true);
    const shots: [string, vscode.ColorThemeKind, string, string][] = [
      ['Default Light Modern', vscode.ColorThemeKind.Light, 'vscode-light', 'drift-panel-light'],
      ['Default Dark Modern', vscode.ColorThemeKind.Dark, 'vscode-dark', 'drift-panel-dark'],
      ['Default High Contrast', vscode.ColorThemeKind.HighContrast, 'vscode-high-contrast', 'drift-panel-high-contrast'],
    ];
    const fills: string[] = [];
    for (const [theme, kind, bodyClass, shot] of shots) {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      await eventually(() => (vscode.window.activeColorTheme.kind === kind ? true : undefined));
      const state = await eventually(async () => {
        const seen = await panelAct({});
        return seen.theme !== null && seen.theme.split(' ').includes(bodyClass) && !seen.busy && (chart(seen, 'chart')?.rects ?? 0) > 0 ? seen : undefined;
      }, 30_000);
      fills.push(state.axisLabelFill ?? '');
      await screenshot(shot);
      assert.equal(state.violations, 0);
    }
    assert.equal(new Set(fills).size, 3, `axis labels in three colours: ${fills.join(', ')}`);
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
  });

  it('draws a SQLite source too, with the kernel results', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await api.sources.open(database);
    const results = await expected(source.store, { baseline: 'first-7d', current: '24h' });
    const state = await drawn((options, seen) => seen.text.includes('monitoring.db') && options.version === null && options.current === '24h' && options.baseline === 'first-7d');
    assertShows(state, results, results.find((result) => result.feature_name === JSON.parse(chart(state, 'chart')?.options ?? '{}').feature) as FeatureDrift);
  });

  it('shows a feature named like markup as text, in the chart, the table and the distribution', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const copy = mkdtempSync(join(tmpdir(), 'pitwall-drift-xss-'));
    temporary.push(copy);
    cpSync(folder, copy, { recursive: true });
    const predictions = join(copy, 'predictions.jsonl');
    const lines = readFileSync(predictions, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { features: Record<string, unknown> });
    const renamed = lines.map((line) => {
      const { circuit, ...rest } = line.features;
      return { ...line, features: { ...rest, [XSS]: circuit } };
    });
    writeFileSync(predictions, `${renamed.map((line) => JSON.stringify(line)).join('\n')}\n`);
    const source = await api.sources.open(copy);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.showDrift');
    const results = await expected(source.store, { baseline: 'first-7d', current: '24h' });
    const index = results.findIndex((result) => result.feature_name === XSS);
    assert.ok(index >= 0);
    const state = await drawn((options) => options.feature === XSS, { click: `#feature-${index}` });
    assertShows(state, results, results[index] as FeatureDrift);
    assert.equal(state.images, 0, 'no element was made from the name');
    assert.ok(state.text.includes(`Distribution of ${XSS}`));
    assert.equal(state.violations, 0);
    await screenshot('drift-panel-markup-feature');
  });

  it('says in the panel when there is nothing before the current range, with the action that shortens it', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const copy = mkdtempSync(join(tmpdir(), 'pitwall-short-'));
    temporary.push(copy);
    cpSync(folder, copy, { recursive: true });
    // Three days of predictions: a current range of 7 days leaves no baseline.
    const predictions = join(copy, 'predictions.jsonl');
    const lines = readFileSync(predictions, 'utf8').split('\n').filter(Boolean);
    const last = Math.max(...lines.map((line) => (JSON.parse(line) as { timestamp: number }).timestamp));
    writeFileSync(predictions, `${lines.filter((line) => (JSON.parse(line) as { timestamp: number }).timestamp > last - 3 * DAY).join('\n')}\n`);
    const source = await api.sources.open(copy);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.showDrift');
    await drawn((options, seen) => options.current === '24h' && seen.text.includes('pitwall-short-'));
    await panelAct({ select: { id: 'current', value: '7d' } });
    const state = await eventually(async () => {
      const seen = await panelAct({});
      return seen.state?.includes('no predictions before the current range') ? seen : undefined;
    }, 30_000);
    assert.match(state.state ?? '', /The source has no predictions before the current range to compare with\. Pick a shorter current range\./);
    const results = await expected(source.store, { baseline: 'first-7d', current: '24h' });
    const back = await drawn((options) => options.current === '24h', { click: '#shorter-current' });
    assertShows(back, results, results[0] as FeatureDrift);
  });

  it('says in the panel when no source is open, with the action that opens one', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await api.sources.close();
    await vscode.commands.executeCommand('pitwall.showDrift');
    const state = await eventually(async () => {
      const seen = await panelAct({});
      return seen.state?.includes('No monitoring source is open') ? seen : undefined;
    });
    assert.match(state.text, /Open Monitoring Source/);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const api = await pitwall();
    if (before !== null) await api.sources.open(before);
    for (const path of temporary) rmSync(path, { recursive: true, force: true });
  });
});

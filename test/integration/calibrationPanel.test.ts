import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { readDataScope } from '../../src/core/analytics/dataScope';
import { reliabilityOf, type Binning, type Reliability } from '../../src/core/analytics/metrics';
import type { Store } from '../../src/core/store/store';
import { assertNoCspViolations, click, eventually, hover, panelAct, type PanelChart, type PanelState, pitwall, press, requireWorkbench, screenshot, SIDEBAR, type } from './harness';
import { exportFromPanel } from './panelExports';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const folder = join(workspace, 'data/monitoring');
const database = join(workspace, 'data/monitoring.db');

const RANGES: Readonly<Record<string, number>> = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 };

function panelTabs(title: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.label === title);
}

interface Asked {
  readonly range: string;
  readonly bins: number;
  readonly binning: Binning;
  readonly versions?: readonly string[];
}

/**
 * Each version's reliability for these options, computed here from the store's own reads of the
 * range (not the panel's session): the panel must draw a point for each bin with labels.
 */
async function expected(store: Store, asked: Asked): Promise<Map<string, Reliability>> {
  const scope = await readDataScope(store);
  assert.ok(scope.first !== null && scope.last !== null);
  const to = scope.last + 1;
  const from = asked.range === 'all' ? scope.first : Math.max(scope.first, to - (RANGES[asked.range] as number));
  const out = new Map<string, Reliability>();
  for (const version of asked.versions ?? scope.versions) {
    const read = await store.readPredictionColumns({ from, to, modelVersion: version });
    out.set(version, reliabilityOf({ length: read.length, predicted: read.predicted_outcome, confidence: read.confidence, actual: read.actual_outcome }, { binCount: asked.bins, binning: asked.binning }));
  }
  return out;
}

function pointsOf(found: ReadonlyMap<string, Reliability>): number {
  return [...found.values()].reduce((sum, r) => sum + r.bins.filter((bin) => bin.count > 0 && bin.accuracy !== null).length, 0);
}

function chartOf(state: PanelState): PanelChart | undefined {
  return state.charts.find((chart) => chart.id === 'chart');
}

/** The panel once its chart is drawn for options that satisfy `check`, after `action`. */
function drawn(check: (options: Record<string, unknown>, state: PanelState) => boolean, action?: Parameters<typeof panelAct>[0]): Promise<PanelState> {
  let acted = false;
  return eventually(async () => {
    const state = await panelAct(acted || action === undefined ? {} : action);
    acted = true;
    const chart = chartOf(state);
    if (chart === undefined || chart.points === null || chart.options === null || state.busy) return undefined;
    return check(JSON.parse(chart.options) as Record<string, unknown>, state) ? state : undefined;
  }, 30_000);
}

describe('The Calibration panel', () => {
  let before: string | null = null;
  const temporary: string[] = [];

  it('opens from the palette and draws one point per labelled bin and version the kernel computes, with each ECE and MCE as text', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    before = api.sources.source?.path ?? null;
    const source = await api.sources.open(folder);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await press('F1');
    await type('Pitwall: Show Calibration');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await press('Enter');
    await eventually(() => (panelTabs('Calibration').length === 1 ? true : undefined));

    const found = await expected(source.store, { range: '7d', bins: 10, binning: 'width' });
    const state = await drawn((options) => options.bins === 10 && options.strategy === 'width' && options.range === '7d');
    const chart = chartOf(state) as PanelChart;
    assert.ok(pointsOf(found) > 5, `the generated data has labelled bins (${pointsOf(found)})`);
    assert.equal(chart.points, pointsOf(found));
    assert.equal(chart.symbols, pointsOf(found), 'one SVG symbol per point');
    for (const [version, reliability] of found) {
      assert.ok(reliability.ece !== null && reliability.mce !== null);
      assert.ok(state.text.includes(`${version}\t${reliability.ece.toFixed(4)}\t${reliability.mce.toFixed(4)}`), `${version}'s ECE and MCE in the table: ${state.text}`);
    }
    assert.equal(state.violations, 0, 'no Content-Security-Policy violation in the panel');
  });

  it('exports the diagram as PNG and SVG, its bins as CSV (one record per version and bin, as the kernel computes them) and its Vega-Lite spec as JSON', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const state = await drawn((options) => options.bins === 10 && options.strategy === 'width' && options.range === '7d');
    const found = await expected(source.store, { range: '7d', bins: 10, binning: 'width' });
    const exported = await exportFromPanel(api, 'calibration');
    // The SVG holds a symbol per point drawn, as the panel's own drawing does.
    assert.ok((exported.svg.match(/<path/g) ?? []).length >= (chartOf(state)?.points ?? Infinity), 'the SVG holds the marks');
    const [header, ...records] = exported.csv;
    assert.equal(header, 'model_version,binning,bin,bin_lower,bin_upper,count,correct,mean_confidence,accuracy,accuracy_lower,accuracy_upper,ece,mce');
    assert.equal(records.length, [...found.values()].reduce((sum, r) => sum + r.bins.length, 0), 'one record per version and bin');
    for (const [version, reliability] of found) {
      const mine = records.filter((record) => record.startsWith(`${version},width,`)).map((record) => record.split(','));
      assert.deepEqual(mine.map((cells) => Number(cells[5])), reliability.bins.map((bin) => bin.count), `${version}'s bin counts`);
      assert.deepEqual(mine.map((cells) => Number(cells[6])), reliability.bins.map((bin) => bin.correct), `${version}'s right answers per bin`);
      for (const cells of mine) assert.ok(Math.abs(Number(cells[11]) - (reliability.ece ?? NaN)) < 1e-9, `${version}'s ECE ${cells[11]} against ${reliability.ece}`);
    }
    assert.equal(records.filter((record) => record.split(',')[8] !== '').length, chartOf(state)?.points, 'an accuracy in each record the diagram draws a point for');
    assertNoCspViolations(await panelAct({}));
  });

  it('draws again when a control changes: bins, strategy, range, layout and versions, each with the kernel count', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const versions = (await readDataScope(source.store)).versions;

    const twenty = await drawn((options) => options.bins === 20, { select: { id: 'bins', value: '20' } });
    const twentyExpected = pointsOf(await expected(source.store, { range: '7d', bins: 20, binning: 'width' }));
    assert.notEqual(twentyExpected, pointsOf(await expected(source.store, { range: '7d', bins: 10, binning: 'width' })));
    assert.equal(chartOf(twenty)?.symbols, twentyExpected);

    const mass = await drawn((options) => options.strategy === 'mass', { select: { id: 'strategy', value: 'mass' } });
    const massFound = await expected(source.store, { range: '7d', bins: 20, binning: 'mass' });
    assert.equal(chartOf(mass)?.symbols, pointsOf(massFound));
    for (const [version, reliability] of massFound) assert.ok(mass.text.includes(`${version}\t${reliability.ece?.toFixed(4)}`), `${version}'s equal-mass ECE`);

    const all = await drawn((options) => options.range === 'all', { select: { id: 'range', value: 'all' } });
    assert.equal(chartOf(all)?.symbols, pointsOf(await expected(source.store, { range: 'all', bins: 20, binning: 'mass' })));

    const apart = await drawn((options) => options.layout === 'side-by-side', { select: { id: 'layout', value: 'side-by-side' } });
    assert.equal(chartOf(apart)?.symbols, chartOf(all)?.symbols, 'side by side draws the same points');
    for (const version of versions) assert.ok(apart.text.includes(version));
    await screenshot('calibration-panel-side-by-side');

    const one = await drawn((options) => (options.versions as string[]).length === 1, { click: '#version-0' });
    assert.deepEqual(one.checked, versions.slice(1));
    assert.equal(chartOf(one)?.symbols, pointsOf(await expected(source.store, { range: 'all', bins: 20, binning: 'mass', versions: versions.slice(1) })));
    assert.equal(one.violations, 0);
  });

  it("opens one version's calibration from its inline action in the Models view", async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const version = (await readDataScope(source.store)).versions.at(-1) ?? '';
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    const row = `${SIDEBAR} .monaco-list-row[aria-label^="${version} "]`;
    await eventually(() => hover(row).then(() => true));
    await click(`${row} .action-label.codicon-graph-scatter`);
    await eventually(() => (panelTabs(`Calibration: ${version}`).length === 1 ? true : undefined));
    const state = await drawn((options) => (options.versions as string[]).length === 1);
    assert.deepEqual(state.checked, [version]);
    assert.equal(chartOf(state)?.symbols, pointsOf(await expected(source.store, { range: '7d', bins: 10, binning: 'width', versions: [version] })));
    // Asked again, the same panel comes forward.
    await vscode.commands.executeCommand('pitwall.showCalibration', { modelVersion: version });
    assert.equal(panelTabs(`Calibration: ${version}`).length, 1);
  });

  it('follows the theme, light, dark and high contrast, with screenshots', async function () {
    requireWorkbench(this);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.showCalibration');
    await drawn(() => true);
    const shots: [string, vscode.ColorThemeKind, string, string][] = [
      ['Default Light Modern', vscode.ColorThemeKind.Light, 'vscode-light', 'calibration-panel-light'],
      ['Default Dark Modern', vscode.ColorThemeKind.Dark, 'vscode-dark', 'calibration-panel-dark'],
      ['Default High Contrast', vscode.ColorThemeKind.HighContrast, 'vscode-high-contrast', 'calibration-panel-high-contrast'],
    ];
    const fills: string[] = [];
    for (const [theme, kind, bodyClass, shot] of shots) {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      await eventually(() => (vscode.window.activeColorTheme.kind === kind ? true : undefined));
      // The chart records the theme it was drawn in: the picture is taken after the redraw in the new colours.
      const state = await eventually(async () => {
        const seen = await panelAct({});
        return seen.theme !== null && seen.theme.split(' ').includes(bodyClass) && !seen.busy && (chartOf(seen)?.symbols ?? 0) > 0 ? seen : undefined;
      }, 30_000);
      fills.push(state.axisLabelFill ?? '');
      await screenshot(shot);
      assert.equal(state.violations, 0);
    }
    assert.equal(new Set(fills).size, 3, `axis labels in three colours: ${fills.join(', ')}`);
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
  });

  it('draws a SQLite source too, with the kernel count', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await api.sources.open(database);
    const found = await expected(source.store, { range: '7d', bins: 10, binning: 'width' });
    const state = await drawn((_options, seen) => seen.text.includes('monitoring.db') && chartOf(seen)?.symbols === pointsOf(found));
    assert.equal(chartOf(state)?.points, pointsOf(found));
  });

  it('says in the panel when no prediction has a label yet, with actions for the whole range and the trend', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const copy = mkdtempSync(join(tmpdir(), 'pitwall-unlabelled-'));
    temporary.push(copy);
    cpSync(folder, copy, { recursive: true });
    writeFileSync(join(copy, 'outcomes.jsonl'), '');
    await api.sources.open(copy);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.showCalibration');
    const state = await eventually(async () => {
      const seen = await panelAct({});
      return seen.state?.includes('has ground truth yet') ? seen : undefined;
    }, 30_000);
    assert.match(state.state ?? '', /No prediction of the chosen versions in last 7 days has ground truth yet, so calibration cannot be measured/);
    assert.match(state.text, /Use All Predictions/);
    // The whole range has no labels either: the panel says so for it, and the trend opens from the state.
    let clicked = false;
    const whole = await eventually(async () => {
      const seen = await panelAct(clicked ? {} : { click: '#whole-range' });
      clicked = true;
      return seen.state?.includes('in this source has ground truth yet') ? seen : undefined;
    }, 30_000);
    assert.doesNotMatch(whole.text, /Use All Predictions/);
    // The trend opens over this panel, whose frame may go before the state after the click is read: the tab is the proof.
    await panelAct({ click: '#show-trend' }).catch(() => undefined);
    await eventually(() => (panelTabs('Performance Trend').length === 1 ? true : undefined));
  });

  it('says in the panel when no source is open, with the action that opens one', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await api.sources.close();
    await vscode.commands.executeCommand('pitwall.showCalibration');
    const state = await eventually(async () => {
      const seen = await panelAct({});
      return seen.state?.includes('No monitoring source is open') ? seen : undefined;
    });
    assert.match(state.text, /Open Monitoring Source/);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // The suites after this one find the source they found before it.
    const api = await pitwall();
    if (before !== null) await api.sources.open(before);
    for (const path of temporary) rmSync(path, { recursive: true, force: true });
  });
});

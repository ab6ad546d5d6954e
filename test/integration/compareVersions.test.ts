import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import * as vscode from 'vscode';
import { readDataScope } from '../../src/core/analytics/dataScope';
import { readWindowedMetrics } from '../../src/core/analytics/windows';
import type { Store } from '../../src/core/store/store';
import { assertNoCspViolations, clickMenuEntry, eventually, panelState, type PanelState, pitwall, press, requireWorkbench, rightClick, screenshot, SIDEBAR, type } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const folder = join(workspace, 'data/monitoring');

function compareTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.label === 'Compare Model Versions');
}

function drawn(check: (state: PanelState) => boolean, select?: { id: string; value: string }): Promise<PanelState> {
  let asked = false;
  return eventually(async () => {
    const state = await panelState(asked ? undefined : select);
    asked = true;
    return state.points !== null && !state.busy && check(state) ? state : undefined;
  }, 30_000);
}

/** The last 7 days of the source, as the panel's default range. */
async function lastWeek(store: Store): Promise<{ from: number; to: number }> {
  const scope = await readDataScope(store);
  const to = (scope.last ?? 0) + 1;
  return { from: Math.max(scope.first ?? 0, to - 7 * 86_400), to };
}

/**
 * Accuracy of each version over the range from the store's own windowed metrics (not the panel's
 * session), and the pooled two-proportion z-test written out here, two-sided.
 */
async function expectedTest(store: Store, baseline: string, other: string): Promise<{ accuracy: Record<string, number>; z: number; p: number }> {
  const { from, to } = await lastWeek(store);
  const { rows } = await readWindowedMetrics(store, { every: Math.ceil(to), from, to, by: 'model_version', metrics: ['accuracy'], path: 'in-memory' });
  const of = (version: string) => {
    const row = rows.find((r) => r.group === version);
    assert.ok(row?.accuracy !== null && row?.accuracy !== undefined, `${version} has an accuracy`);
    return { n: row.labelled, correct: Math.round(row.accuracy * row.labelled), accuracy: row.accuracy };
  };
  const a = of(baseline);
  const b = of(other);
  const pooled = (a.correct + b.correct) / (a.n + b.n);
  const z = (b.correct / b.n - a.correct / a.n) / Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  return { accuracy: { [baseline]: a.accuracy, [other]: b.accuracy }, z, p: 2 * (1 - normalCdf(Math.abs(z), 0, 1)) };
}

async function expectedTrendPoints(store: Store, versions: readonly string[]): Promise<number> {
  const { from, to } = await lastWeek(store);
  const { rows } = await readWindowedMetrics(store, { every: 6 * 3600, from, to, by: 'model_version', metrics: ['accuracy'], path: 'in-memory' });
  return rows.filter((row) => row.group !== null && versions.includes(row.group) && row.accuracy !== null).length;
}

describe('Compare Model Versions', () => {
  let previous: string | null = null;

  before(async () => {
    const api = await pitwall();
    previous = api.sources.source?.path ?? null;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const api = await pitwall();
    if (previous !== null) await api.sources.open(previous);
  });

  it('opens from the palette: the metrics side by side, the differences, a two-proportion z-test of accuracy, and the trends on one chart', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await api.sources.open(folder);
    const versions = (await readDataScope(source.store)).versions;
    assert.ok(versions.length >= 2, 'the generated data has two versions');
    await press('F1');
    await type('Pitwall: Compare Model Versions');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await press('Enter');
    await eventually(() => (compareTabs().length === 1 ? true : undefined));
    const state = await drawn((seen) => seen.every === 6 * 3600 && seen.text.includes('two-proportion z-test'));
    assert.deepEqual(state.checked, versions);
    assert.equal(state.points, await expectedTrendPoints(source.store, versions), 'one point per window and version the kernel computes');
    const [baseline, other] = versions as [string, string];
    const expected = await expectedTest(source.store, baseline, other);
    assert.ok(state.text.includes(`${baseline} (baseline)`));
    for (const version of [baseline, other]) assert.ok(state.text.includes((expected.accuracy[version] as number).toFixed(3)), `the accuracy of ${version}`);
    const difference = (expected.accuracy[other] as number) - (expected.accuracy[baseline] as number);
    assert.ok(state.text.includes(`${difference < 0 ? '−' : '+'}${Math.abs(difference).toFixed(3)}`), `the difference ${difference}`);
    const p = expected.p < 0.001 ? expected.p.toExponential(1) : expected.p.toFixed(3);
    const verdict = expected.p < 0.05 ? 'significant at α = 0.05' : 'not significant at α = 0.05';
    assert.ok(state.text.includes(`z = ${expected.z.toFixed(2)}, p = ${p}: ${verdict}`), `z = ${expected.z.toFixed(2)}, p = ${p} in:\n${state.text}`);
    assertNoCspViolations(state);

    // The baseline is a choice: the other version first turns the difference and the test around.
    const swapped = await drawn((seen) => seen.text.includes(`${other} (baseline)`), { id: 'baseline', value: other });
    assert.ok(swapped.text.includes(`z = ${(-expected.z).toFixed(2)}, p = ${p}`));
    await drawn((seen) => seen.text.includes(`${baseline} (baseline)`), { id: 'baseline', value: baseline });
  });

  it('draws the light and the dark theme in their own colours', async function () {
    requireWorkbench(this);
    const look = async (theme: string, kind: vscode.ColorThemeKind, bodyClass: string, shot: string) => {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      await eventually(() => (vscode.window.activeColorTheme.kind === kind ? true : undefined));
      const state = await drawn((seen) => seen.theme !== null && seen.theme.split(' ').includes(bodyClass));
      await screenshot(shot);
      return state;
    };
    const light = await look('Default Light Modern', vscode.ColorThemeKind.Light, 'vscode-light', 'compare-versions-light');
    const dark = await look('Default Dark Modern', vscode.ColorThemeKind.Dark, 'vscode-dark', 'compare-versions-dark');
    assert.ok(light.axisLabelFill && dark.axisLabelFill);
    assert.notEqual(light.axisLabelFill, dark.axisLabelFill);
    assertNoCspViolations(dark);
  });

  it("opens from a version's context menu in the Models view with that version as the baseline", async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const version = (await readDataScope(source.store)).versions.at(-1) ?? '';
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    const row = `${SIDEBAR} .monaco-list-row[aria-label^="${version} "]`;
    await eventually(() => rightClick(row).then(() => true));
    await clickMenuEntry('Compare Model Versions', () => compareTabs().length === 1, '.context-view .action-menu-item:has-text("Compare Model Versions")');
    await eventually(() => (compareTabs().length === 1 ? true : undefined));
    const state = await drawn((seen) => seen.text.includes(`${version} (baseline)`));
    assert.equal(state.checked[0], version, 'the version comes first');
    assertNoCspViolations(state);
  });
});

import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { readDataScope } from '../../src/core/analytics/dataScope';
import { assertNoCspViolations, eventually, panelState, type PanelState, pitwall, requireWorkbench, screenshot } from './harness';

/**
 * Runs twice in one window (the reload phase of scripts/testIntegration.mjs): the first time it
 * opens a trend panel, changes its options and reloads the window, which ends this extension
 * host; the workbench then starts a new one, which runs the suite again and finds the marker.
 */
const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const marker = join(workspace, '.pitwall-reload-marker.json');

function trendTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.label.startsWith('Performance Trend'));
}

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

interface Before {
  readonly compare: { readonly range: string | null; readonly checked: readonly string[]; readonly points: number };
  readonly title: string;
  readonly every: number;
  readonly metric: string;
  readonly range: string;
  readonly checked: readonly string[];
  readonly points: number;
}

describe('Chart panels after a window reload', () => {
  it('brings the trend and comparison panels back, with the version, window, range, metric and baseline they showed', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    if (!existsSync(marker)) {
      const source = await eventually(() => api.sources.source ?? undefined);
      assert.ok(source.path.endsWith('monitoring'));
      const version = (await readDataScope(source.store)).versions.at(-1) ?? '';
      await vscode.commands.executeCommand('pitwall.showTrend', { modelVersion: version });
      await drawn((state) => state.every === 6 * 3600);
      await drawn((state) => state.metric === 'avg_confidence', { id: 'metric', value: 'avg_confidence' });
      await drawn((state) => state.range === '30d', { id: 'range', value: '30d' });
      const before = await drawn((state) => state.every === 86_400 && state.metric === 'avg_confidence' && state.range === '30d', { id: 'window', value: '1d' });
      const trend = { title: trendTabs()[0]?.label ?? '', every: before.every ?? 0, metric: before.metric ?? '', range: before.range ?? '', checked: before.checked, points: before.points ?? 0 };
      // Then a comparison in the same group, with the last version as its baseline over 30 days: it is the visible one at the reload.
      await vscode.commands.executeCommand('pitwall.compareVersions');
      await eventually(() => (compareTabs().length === 1 ? true : undefined));
      await drawn((state) => state.text.includes('(baseline)'));
      await drawn((state) => state.text.includes(`${version} (baseline)`), { id: 'baseline', value: version });
      const compared = await drawn((state) => state.range === '30d' && state.text.includes(`${version} (baseline)`), { id: 'range', value: '30d' });
      const saved: Before = { ...trend, compare: { range: compared.range, checked: compared.checked, points: compared.points ?? 0 } };
      writeFileSync(marker, JSON.stringify(saved));
      // The webview saves its state as it draws; the reload ends this extension host and this test with it.
      await vscode.commands.executeCommand('workbench.action.reloadWindow');
      await new Promise(() => undefined);
    }
    const before = JSON.parse(readFileSync(marker, 'utf8')) as Before;
    assert.match(before.title, /^Performance Trend: \S+/);
    // The comparison was in front: it comes back first, with its baseline and range.
    await eventually(() => (compareTabs().length === 1 ? true : undefined), 30_000);
    const compared = await drawn((state) => state.range === before.compare.range && state.checked.length > 0);
    assert.deepEqual(compared.checked, before.compare.checked, 'the same versions, the baseline first');
    assert.equal(compared.points, before.compare.points);
    assertNoCspViolations(compared);
    await screenshot('compare-versions-restored');
    // The trend panel behind it comes back when its tab is shown.
    await vscode.commands.executeCommand('workbench.action.previousEditor');
    await eventually(() => (trendTabs().length === 1 ? true : undefined), 30_000);
    assert.equal(trendTabs()[0]?.label, before.title, 'the same panel, for the same version');
    const after = await drawn((state) => state.every === before.every && state.metric === before.metric && state.range === before.range);
    assert.deepEqual(after.checked, before.checked);
    assert.equal(after.points, before.points);
    assertNoCspViolations(after);
    await screenshot('trend-panel-restored');
  });
});

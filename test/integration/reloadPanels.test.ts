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

function drawn(check: (state: PanelState) => boolean, select?: { id: string; value: string }): Promise<PanelState> {
  let asked = false;
  return eventually(async () => {
    const state = await panelState(asked ? undefined : select);
    asked = true;
    return state.points !== null && !state.busy && check(state) ? state : undefined;
  }, 30_000);
}

interface Before {
  readonly title: string;
  readonly every: number;
  readonly metric: string;
  readonly range: string;
  readonly checked: readonly string[];
  readonly points: number;
}

describe('Chart panels after a window reload', () => {
  it('brings the trend panel back, with the version, window, range and metric it showed', async function () {
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
      const saved: Before = { title: trendTabs()[0]?.label ?? '', every: before.every ?? 0, metric: before.metric ?? '', range: before.range ?? '', checked: before.checked, points: before.points ?? 0 };
      writeFileSync(marker, JSON.stringify(saved));
      // The webview saves its state as it draws; the reload ends this extension host and this test with it.
      await vscode.commands.executeCommand('workbench.action.reloadWindow');
      await new Promise(() => undefined);
    }
    const before = JSON.parse(readFileSync(marker, 'utf8')) as Before;
    assert.match(before.title, /^Performance Trend: \S+/);
    await eventually(() => (trendTabs().length === 1 ? true : undefined), 30_000);
    assert.equal(trendTabs()[0]?.label, before.title, 'the same panel, for the same version');
    const after = await drawn((state) => state.every === before.every && state.metric === before.metric && state.range === before.range);
    assert.deepEqual(after.checked, before.checked);
    assert.equal(after.points, before.points);
    assertNoCspViolations(after);
    await screenshot('trend-panel-restored');
  });
});

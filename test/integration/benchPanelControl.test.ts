import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { eventually, panelAct, panelState, type PanelState, pitwall, screenshot } from './harness';

/**
 * The control-change benchmark of the chart panels (issue: "a control change to repainted chart,
 * measured in real Chromium"): on the benchmark's 1M-prediction source, the trend panel's window,
 * version and range controls are changed as a person would, and each time the panel's page says when
 * the control asked and when the new chart was drawn. The baseline is the same cycle without the
 * kernel: the host posts the chart it already has again, and the page draws it.
 */
const source = process.env.PITWALL_BENCH_SOURCE ?? '';
const out = process.env.PITWALL_BENCH_OUT ?? '';
const ROUNDS = 4;

async function drawnAfter(since: number, check: (state: PanelState) => boolean = () => true): Promise<PanelState> {
  return eventually(async () => {
    const state = await panelState();
    return state.drawnAt !== null && state.drawnAt > since && !state.busy && check(state) ? state : undefined;
  }, 120_000);
}

describe('bench: a chart panel control change on 1M predictions', () => {
  it('measures control change → repainted chart against re-posting the same chart', async function () {
    this.timeout(30 * 60_000);
    assert.ok(source !== '' && out !== '', 'PITWALL_BENCH_SOURCE and PITWALL_BENCH_OUT are set by the launcher');
    const api = await pitwall();
    const opened = Date.now();
    await api.sources.open(source);
    await api.sources.predictionsLoaded();
    const openMs = Date.now() - opened;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.showTrend');
    const first = await drawnAfter(0, (state) => state.points !== null && state.points > 0);
    const versions = first.versions.filter((version): version is string => typeof version === 'string');
    await screenshot('bench-trend-1m');

    // What a person changes: the window length, the range, the versions shown; each a value other than the one drawn.
    const SECONDS: Record<string, number> = { '1h': 3600, '6h': 21_600, '1d': 86_400 };
    const changes: { label: string; action: (state: PanelState) => Parameters<typeof panelAct>[0] }[] = [];
    for (let i = 0; i < 3; i++) {
      changes.push({ label: 'window', action: (state) => ({ select: { id: 'window', value: Object.keys(SECONDS).find((every) => SECONDS[every] !== state.every) ?? '1h' } }) });
      changes.push({ label: 'range', action: (state) => ({ select: { id: 'range', value: ['30d', 'all', '7d'].find((range) => range !== state.range) ?? '7d' } }) });
    }
    versions.forEach((_, index) => {
      changes.push({ label: 'version off', action: () => ({ click: `#version-${index}` }) }, { label: 'version on', action: () => ({ click: `#version-${index}` }) });
    });

    const change: { label: string; ms: number }[] = [];
    const repost: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const { label, action } of changes) {
        const now = await panelState();
        const before = now.drawnAt ?? 0;
        await panelAct(action(now));
        const state = await drawnAfter(before);
        assert.ok(state.askedAt !== null && state.drawnAt !== null && state.drawnAt >= state.askedAt, `${label}: the page stamped the change and the drawing`);
        change.push({ label, ms: state.drawnAt - state.askedAt });

        const posted = Date.now();
        assert.ok(api.panels.repost('trend:*'), 'the trend panel posts its chart again');
        const again = await drawnAfter(posted - 1);
        repost.push((again.drawnAt ?? posted) - posted);
      }
    }
    writeFileSync(out, JSON.stringify({ source, openMs, versions, change, repost }, null, 2));
  });
});

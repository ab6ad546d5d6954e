import * as assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { readDataScope } from '../../src/core/analytics/dataScope';
import type { PitwallApi } from '../../src/extension/extension';
import { assertNoCspViolations, eventually, panelAct, type PanelAction, panelState, type PanelState, pitwall, requireWorkbench, screenshot } from './harness';

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

function tabsTitled(title: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.label === title);
}

/** The webview tab in front. */
function activeTitle(): string | undefined {
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
  return tab?.input instanceof vscode.TabInputWebview ? tab.label : undefined;
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

/** The panel's main chart once drawn (its options recorded) and `check` holds, after `action`. */
function charted(check: (options: Record<string, unknown>, state: PanelState) => boolean, action?: PanelAction): Promise<PanelState> {
  let acted = false;
  return eventually(async () => {
    const state = await panelAct(acted || action === undefined ? {} : action);
    acted = true;
    const chart = state.charts.find((each) => each.id === 'chart');
    if (chart?.points == null || chart.options === null || state.busy) return undefined;
    return check(JSON.parse(chart.options) as Record<string, unknown>, state) ? state : undefined;
  }, 30_000);
}

/** What a calibration, drift or alert details panel showed before the reload. */
interface Shown {
  readonly title: string;
  readonly options: string | null;
  readonly points: number | null;
  readonly feature: string | null;
}

interface Others {
  readonly calibration: Shown;
  readonly drift: Shown;
  readonly alert: Shown & { readonly alertId: string };
  /** The panel of an alert removed from alerts.jsonl before the reload. */
  readonly removed: { readonly title: string; readonly key: string };
  /** The preview panel (a click on an alert's row), and an alert without a panel that a later preview shows in it. */
  readonly preview: { readonly title: string; readonly alertId: string; readonly next: string };
}

function shownOf(title: string, state: PanelState): Shown {
  const chart = state.charts.find((each) => each.id === 'chart');
  return { title, options: chart?.options ?? null, points: chart?.points ?? null, feature: state.charts.find((each) => each.id === 'distribution')?.feature ?? null };
}

/**
 * Before the reload: a calibration and a drift panel of one version with options other than their
 * defaults (the drift panel with a feature other than the most drifted one selected), an alert's
 * details, and the details of an alert then removed from the source.
 */
async function openOthers(api: PitwallApi, version: string): Promise<Others> {
  const source = await eventually(() => api.sources.source ?? undefined);
  await vscode.commands.executeCommand('pitwall.showCalibration', { modelVersion: version });
  await eventually(() => (activeTitle() === `Calibration: ${version}` ? true : undefined));
  await charted((options) => options.bins === 20, { select: { id: 'bins', value: '20' } });
  await charted((options) => options.strategy === 'mass', { select: { id: 'strategy', value: 'mass' } });
  const calibration = await charted((options) => options.bins === 20 && options.strategy === 'mass' && options.range === 'all', { select: { id: 'range', value: 'all' } });

  await vscode.commands.executeCommand('pitwall.showDrift', { modelVersion: version });
  await eventually(() => (activeTitle() === `Drift: ${version}` ? true : undefined));
  await charted((options) => options.current === '7d', { select: { id: 'current', value: '7d' } });
  const ranked = await charted((options) => options.current === '7d' && options.baseline === 'previous', { select: { id: 'baseline', value: 'previous' } });
  const most = JSON.parse(ranked.charts.find((each) => each.id === 'chart')?.options ?? '{}') as { feature?: string };
  const drift = await charted((options, state) => options.feature !== most.feature && state.charts.find((each) => each.id === 'distribution')?.feature === options.feature, { click: '#feature-2' });

  // An alert of the version on a metric the kernel windows: its panel draws the metric around it.
  const alerts = await source.store.readAlerts({ limit: 500 });
  const alert = alerts.find((each) => each.metric_name === 'accuracy' && each.model_version !== null);
  assert.ok(alert, 'the generated alerts have an accuracy alert of a version');
  await vscode.commands.executeCommand('pitwall.showAlertDetails', alert);
  const alertTitle = `Alert: ${alert.title ?? alert.alert_id}`;
  await eventually(() => (activeTitle() === alertTitle ? true : undefined));
  const details = await eventually(async () => {
    const state = await panelState();
    return state.points !== null && state.text.includes(alert.alert_id) ? state : undefined;
  }, 30_000);

  // A second alert, appended as the service writes one, shown, then removed from the file.
  const file = join(source.path, 'alerts.jsonl');
  const kept = readFileSync(file, 'utf8');
  const removedId = `alert_reload_${Date.now()}`;
  const line = kept.split('\n').find((each) => each.includes(`"${alert.alert_id}"`));
  assert.ok(line, `the line of ${alert.alert_id}`);
  appendFileSync(file, `${JSON.stringify({ ...(JSON.parse(line) as Record<string, unknown>), alert_id: removedId, title: 'Removed before the reload' })}\n`);
  const [appended] = await eventually(async () => {
    const found = await (api.sources.source ?? source).store.readAlerts({ alertId: removedId });
    return found.length === 1 ? found : undefined;
  }, 30_000);
  assert.ok(appended);
  await vscode.commands.executeCommand('pitwall.showAlertDetails', appended);
  await eventually(() => (activeTitle() === 'Alert: Removed before the reload' ? true : undefined));
  await eventually(async () => ((await panelState()).text.includes(removedId) ? true : undefined), 30_000);
  writeFileSync(file, kept);
  // The open panel follows the source: it says the alert is gone (and keeps its keys for the reload).
  await eventually(async () => ((await panelState()).text.includes(`has no alert ${appended.key}`) ? true : undefined), 30_000);

  // The preview a click on an alert's row opens, of another alert.
  const [previewed, next] = alerts.filter((each) => each.key !== alert.key && each.alert_id !== removedId);
  assert.ok(previewed && next, 'the generated source has more alerts');
  await vscode.commands.executeCommand('pitwall.showAlertDetails', previewed, { preview: true });
  const previewTitle = `Alert (preview): ${previewed.title ?? previewed.alert_id}`;
  await eventually(() => (activeTitle() === previewTitle ? true : undefined));
  await eventually(async () => ((await panelState()).text.includes(previewed.alert_id) ? true : undefined), 30_000);
  return {
    calibration: shownOf(`Calibration: ${version}`, calibration),
    drift: shownOf(`Drift: ${version}`, drift),
    alert: { title: alertTitle, options: null, points: details.points, feature: null, alertId: alert.alert_id },
    removed: { title: 'Alert: Removed before the reload', key: appended.key },
    preview: { title: previewTitle, alertId: previewed.alert_id, next: next.key },
  };
}

interface Before {
  readonly others: Others;
  readonly compare: { readonly range: string | null; readonly checked: readonly string[]; readonly points: number };
  readonly title: string;
  readonly every: number;
  readonly metric: string;
  readonly range: string;
  readonly checked: readonly string[];
  readonly points: number;
}

describe('Chart panels after a window reload', function () {
  // Never run again in the same host: a second run would take the host about to be reloaded for the next one.
  this.retries(0);
  it('brings the trend and comparison panels back, with the version, window, range, metric and baseline they showed', async function () {
    requireWorkbench(this);
    // The first run opens six panels and sets their options before it reloads.
    this.timeout(240_000);
    const api = await pitwall();
    if (!existsSync(marker)) {
      const source = await eventually(() => api.sources.source ?? undefined);
      assert.ok(source.path.endsWith('monitoring'));
      const version = (await readDataScope(source.store)).versions.at(-1) ?? '';
      const others = await openOthers(api, version);
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
      const saved: Before = { ...trend, others, compare: { range: compared.range, checked: compared.checked, points: compared.points ?? 0 } };
      writeFileSync(marker, JSON.stringify(saved));
      // The webview saves its state as it draws; the reload ends this extension host and this test with it.
      // The reload may cancel this very command as the host ends: that is the reload, not a failure.
      void vscode.commands.executeCommand('workbench.action.reloadWindow').then(undefined, () => undefined);
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

  it('brings the calibration, drift and alert details panels back with their keys; an alert no longer in the source is said so in its panel', async function () {
    requireWorkbench(this);
    this.timeout(180_000);
    assert.ok(existsSync(marker), 'the first run opened the panels and reloaded the window');
    const { others } = JSON.parse(readFileSync(marker, 'utf8')) as Before;
    // The tabs behind the trend panel, from the right: each comes back when it is shown.
    const back = async (title: string) => {
      await vscode.commands.executeCommand('workbench.action.previousEditor');
      await eventually(() => (activeTitle() === title ? true : undefined), 30_000);
      assert.equal(tabsTitled(title).length, 1, `one ${title} panel`);
    };

    await back(others.preview.title);
    const previewed = await eventually(async () => {
      const state = await panelState();
      return state.text.includes(others.preview.alertId) ? state : undefined;
    }, 30_000);
    assertNoCspViolations(previewed);
    // It is the preview again: the next alert previewed is shown in it, not in a panel of its own.
    const api = await pitwall();
    const [next] = (await api.sources.source?.store.readAlerts({ limit: 500 }))?.filter((each) => each.key === others.preview.next) ?? [];
    assert.ok(next);
    await vscode.commands.executeCommand('pitwall.showAlertDetails', next, { preview: true });
    const previews = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.label.startsWith('Alert (preview)'));
    await eventually(() => (previews()[0]?.label === `Alert (preview): ${next.title ?? next.alert_id}` ? true : undefined), 30_000);
    assert.equal(previews().length, 1, 'the restored preview was reused');
    await eventually(async () => ((await panelState()).text.includes(next.alert_id) ? true : undefined), 30_000);

    await back(others.removed.title);
    const removed = await eventually(async () => {
      const state = await panelState();
      return state.text.includes(`has no alert ${others.removed.key}`) ? state : undefined;
    }, 30_000);
    assertNoCspViolations(removed);
    await screenshot('alert-details-restored-missing');

    await back(others.alert.title);
    const alert = await eventually(async () => {
      const state = await panelState();
      return state.points !== null && state.text.includes('Why it fired') ? state : undefined;
    }, 30_000);
    assert.ok(alert.text.includes(others.alert.alertId), 'the same alert');
    assert.equal(alert.points, others.alert.points, 'the metric around it, as before');
    assertNoCspViolations(alert);
    await screenshot('alert-details-restored');

    await back(others.drift.title);
    const drift = await charted((_options, state) => state.charts.find((each) => each.id === 'distribution')?.feature != null);
    const restoredDrift = shownOf(others.drift.title, drift);
    assert.deepEqual(JSON.parse(restoredDrift.options ?? 'null'), JSON.parse(others.drift.options ?? ''), 'the version, baseline, current range and feature');
    assert.equal(restoredDrift.feature, others.drift.feature, 'the feature selected before, not the most drifted');
    assert.equal(restoredDrift.points, others.drift.points);
    assertNoCspViolations(drift);
    await screenshot('drift-panel-restored');

    await back(others.calibration.title);
    const calibration = await charted(() => true);
    const restoredCalibration = shownOf(others.calibration.title, calibration);
    assert.deepEqual(JSON.parse(restoredCalibration.options ?? 'null'), JSON.parse(others.calibration.options ?? ''), 'the versions, bins, binning and range');
    assert.equal(restoredCalibration.points, others.calibration.points);
    assertNoCspViolations(calibration);
    await screenshot('calibration-panel-restored');
  });
});

import * as assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { readWindowedMetrics } from '../../src/core/analytics/windows';
import type { AlertsNode } from '../../src/extension/alertsTreeDataProvider';
import { assertNoCspViolations, click, clickInPanel, eventually, panelState, type PanelState, pitwall, press, requireWorkbench, screenshot, SIDEBAR, workbenchText } from './harness';
import { exportFromPanel } from './panelExports';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const database = join(workspace, 'data/monitoring.db');
const XSS = '<img src=x onerror=alert(1)>';

describe('The Alert Details panel', () => {
  let folder = '';
  /** The source open before this suite: the suites after it find it open again. */
  let previous: string | undefined;
  let alertId = '';
  const temporary: string[] = [];

  before(async () => {
    const copy = mkdtempSync(join(tmpdir(), 'pitwall-details-'));
    temporary.push(copy);
    folder = join(copy, 'monitoring');
    cpSync(join(workspace, 'data/monitoring'), folder, { recursive: true });
    // An open accuracy alert of v1.1, as the service writes one, titled like markup.
    const lines = readFileSync(join(folder, 'alerts.jsonl'), 'utf8').split('\n').filter(Boolean);
    const model = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((a) => a.metric_name === 'accuracy' && a.model_version === 'v1.1' && a.severity === 'critical');
    assert.ok(model, 'the generated alerts have a critical accuracy alert of v1.1');
    alertId = `alert_${Math.round((model.timestamp as number) * 1000) + 1}`;
    appendFileSync(join(folder, 'alerts.jsonl'), `${JSON.stringify({ ...model, alert_id: alertId, title: XSS, acknowledged: false, acknowledged_at: null, acknowledged_by: null })}\n`);
    const api = await pitwall();
    previous = api.sources.source?.path;
    await api.sources.open(folder);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const api = await pitwall();
    await api.sources.open(previous ?? database);
    for (const path of temporary) rmSync(path, { recursive: true, force: true });
  });

  it('shows the alert, its rule, why it fired and the metric around it; its title stays text; no CSP violation', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const store = api.sources.source?.store;
    assert.ok(store);
    const [alert] = await store.readAlerts({ alertId });
    assert.ok(alert);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.showAlertDetails', alert);
    const state = await eventually(async () => {
      const shown = await panelState();
      return shown.points !== null && shown.text.includes('Why it fired') ? shown : undefined;
    }, 60_000);
    assertNoCspViolations(state);
    assert.ok(state.text.includes(XSS), 'the title is shown as its characters');
    assert.equal(state.images, 0, 'no element was made from the title');
    assert.match(state.text, /Rule\s+acc_low: accuracy < 0\.7/);
    assert.match(state.text, /State\s+Open/);
    assert.match(state.text, /Worked out now from the source|Recorded when it fired/);
    // The metric around the alert: one point per window of v1.1 with a value, as the kernel windows them.
    const every = state.every;
    assert.ok(every !== null && [3600, 21_600, 86_400].includes(every), `a window of an hour, 6 hours or a day (${every})`);
    const from = Math.floor(alert.timestamp / every) * every - 24 * every;
    const to = Math.ceil(alert.timestamp / every) * every + 6 * every;
    const { rows } = await readWindowedMetrics(store, { every, from, to, by: 'model_version', metrics: ['accuracy'], path: 'in-memory' });
    const expected = rows.filter((row) => row.group === 'v1.1' && row.accuracy !== null && row.accuracy !== undefined).length;
    assert.ok(expected > 0);
    assert.equal(state.points, expected);
    await screenshot('alert-details-light');
  });

  it('exports the metric around the alert as PNG and SVG, its windows as CSV (as the kernel windows them) and its Vega-Lite spec as JSON', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const store = api.sources.source?.store;
    assert.ok(store);
    const [alert] = await store.readAlerts({ alertId });
    assert.ok(alert);
    const state = await eventually(async () => {
      const shown = await panelState();
      return shown.points !== null && shown.every !== null && shown.text.includes('Export') ? shown : undefined;
    }, 30_000);
    const every = state.every as number;
    const from = Math.floor(alert.timestamp / every) * every - 24 * every;
    const to = Math.ceil(alert.timestamp / every) * every + 6 * every;
    const { rows } = await readWindowedMetrics(store, { every, from, to, by: 'model_version', metrics: ['accuracy'], path: 'in-memory' });
    const mine = rows.filter((row) => row.group === 'v1.1');
    const exported = await exportFromPanel(api, 'alert');
    assert.ok((exported.svg.match(/<path/g) ?? []).length >= (state.points ?? Infinity), 'the SVG holds the marks');
    const [header, ...records] = exported.csv;
    assert.equal(header, 'window_start,window_end,model_version,count,labelled,label_coverage,insufficient,accuracy');
    assert.equal(records.length, mine.length, 'one record per window of v1.1 around the alert');
    assert.deepEqual(records.map((record) => record.split(',')[0]), mine.map((row) => new Date(row.window_start * 1000).toISOString()));
    assert.ok(records.every((record) => record.split(',')[2] === 'v1.1'));
    assert.equal(records.filter((record) => !record.endsWith(',')).length, state.points, 'a value in each record the chart draws');
    assertNoCspViolations(await panelState());
  });

  it('acknowledges from the panel: the line in alerts.jsonl changes and the panel says so; take back reopens it', async function () {
    requireWorkbench(this);
    const line = () =>
      readFileSync(join(folder, 'alerts.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .find((a) => a.alert_id === alertId);
    await clickInPanel('action-acknowledge');
    await eventually(() => (line()?.acknowledged === true ? true : undefined));
    const acknowledged: PanelState = await eventually(async () => {
      const shown = await panelState();
      return /State\s+Acknowledged/.test(shown.text) ? shown : undefined;
    });
    assert.match(acknowledged.text, /Acknowledged\s+by /);
    await clickInPanel('action-unacknowledge');
    await eventually(() => (line()?.acknowledged === false ? true : undefined));
    await eventually(async () => (/State\s+Open/.test((await panelState()).text) ? true : undefined));
  });

  it('draws in the dark theme with the theme’s colours', async function () {
    requireWorkbench(this);
    const before = await panelState();
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default Dark Modern', vscode.ConfigurationTarget.Global);
    const dark = await eventually(async () => {
      const shown = await panelState();
      return shown.theme !== null && shown.theme !== before.theme && shown.theme.includes('vscode-dark') ? shown : undefined;
    }, 30_000);
    assert.equal(dark.points, before.points);
    assertNoCspViolations(dark);
    await screenshot('alert-details-dark');
  });

  it('previews an alert on a click of its row, in one panel that Enter on the next row reuses, the keyboard staying in the view', async function () {
    requireWorkbench(this);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const api = await pitwall();
    const [group] = await api.alerts.getChildren();
    assert.ok(group?.kind === 'group');
    const rows = (await api.alerts.getChildren(group)).filter((node): node is Extract<AlertsNode, { kind: 'alert' }> => node.kind === 'alert');
    assert.ok(rows.length >= 2, 'two alerts in the first group');
    const row = `${SIDEBAR} .monaco-list-row[aria-level="2"]`;
    await eventually(async () => {
      if ((await workbenchText(row).catch(() => '')) !== '') return true;
      await api.alertsView.reveal(group, { expand: true, select: false, focus: false }).then(undefined, () => undefined);
      return undefined;
    });
    const previews = () => vscode.window.tabGroups.all.flatMap((tabs) => tabs.tabs).filter((tab) => tab.label.startsWith('Alert (preview)'));
    const shows = async (node: Extract<AlertsNode, { kind: 'alert' }>) =>
      eventually(async () => {
        const shown = await panelState();
        return shown.text.includes(node.alert.alert_id) && shown.text.includes('Why it fired') ? shown : undefined;
      }, 60_000);

    await click(row);
    const clicked = await eventually(() => (api.alertsView.selection[0]?.kind === 'alert' ? api.alertsView.selection[0] : undefined));
    assertNoCspViolations(await shows(clicked));
    assert.equal(previews().length, 1, 'one preview panel');
    // The keyboard is still in the view: Down moves to the next row, Enter selects it and previews it in the same panel.
    await press('ArrowDown');
    await press('Enter');
    const next = await eventually(() => {
      const selected = api.alertsView.selection[0];
      return selected?.kind === 'alert' && selected.alert.key !== clicked.alert.key ? selected : undefined;
    });
    await shows(next);
    assert.equal(previews().length, 1, 'the preview panel was reused');
    assert.match(previews()[0]?.label ?? '', new RegExp(`Alert \\(preview\\): ${(next.alert.title ?? next.alert.alert_id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await screenshot('alert-details-preview');
  });

  it('opens from the palette with a pick among the newest alerts', async function () {
    requireWorkbench(this);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const api = await pitwall();
    const [newest] = (await api.sources.source?.store.readAlerts({ limit: 1 })) ?? [];
    assert.ok(newest);
    const opening = vscode.commands.executeCommand('pitwall.showAlertDetails');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await opening;
    const state = await eventually(async () => {
      const shown = await panelState();
      return shown.text.includes(newest.alert_id) ? shown : undefined;
    }, 30_000);
    assertNoCspViolations(state);
  });
});

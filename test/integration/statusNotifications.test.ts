import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { countOpenAlerts } from '../../src/core/analytics/glance';
import { click, eventually, hover, pitwall, press, requireWorkbench, screenshot, type, workbenchText } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const database = join(workspace, 'data/monitoring.db');
const STATUS = '.statusbar-item[id*="pitwall"]';
const TOAST = '.notifications-toasts .notification-list-item';

/** Appends critical alerts to alerts.jsonl as the Python service writes them; their alert_ids. */
function appendCritical(folder: string, titles: readonly string[]): string[] {
  const path = join(folder, 'alerts.jsonl');
  const model = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"severity": "critical"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)[0];
  assert.ok(model, 'the generated alerts.jsonl has a critical alert to copy');
  const now = Date.now();
  const ids = titles.map((_, index) => `alert_${now + index}`);
  const lines = titles.map((title, index) =>
    JSON.stringify({ ...model, alert_id: ids[index], timestamp: (now + index) / 1000, title, acknowledged: false, acknowledged_at: null, acknowledged_by: null }).replace(/","/g, '", "'),
  );
  appendFileSync(path, `${lines.join('\n')}\n`);
  return ids;
}

/** The alerts.jsonl record of this alert_id. */
function alertLine(folder: string, alertId: string): Record<string, unknown> | undefined {
  const line = readFileSync(join(folder, 'alerts.jsonl'), 'utf8')
    .split('\n')
    .find((text) => text.includes(`"${alertId}"`));
  return line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>);
}

describe('The status bar, new-alert notifications and the data commands', () => {
  let folder = '';
  /** The source open before this suite: the suites after it find it open again. */
  let previous: string | undefined;
  const temporary: string[] = [];

  before(async () => {
    const copy = mkdtempSync(join(tmpdir(), 'pitwall-notify-'));
    temporary.push(copy);
    folder = join(copy, 'monitoring');
    cpSync(join(workspace, 'data/monitoring'), folder, { recursive: true });
    // Suites before this one acknowledge alerts in the workspace's data: one open critical alert at least, whatever they did.
    appendCritical(folder, ['Open before the source opened']);
    const api = await pitwall();
    previous = api.sources.source?.path;
    await api.sources.open(folder);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('pitwall.notifications').update('level', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('notifications.clearAll');
    const api = await pitwall();
    await api.sources.open(previous ?? database);
    for (const path of temporary) rmSync(path, { recursive: true, force: true });
  });

  it('shows the open critical alerts as $(bell) N, with counts per severity and model version in its tooltip; a click focuses the Alerts view', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const store = api.sources.source?.store;
    assert.ok(store);
    const critical = await store.countAlerts({ severity: 'critical', acknowledged: false });
    assert.ok(critical > 0, 'the generated data has open critical alerts');
    await eventually(() => (api.statusBar.text === `$(bell-dot) ${critical}` ? true : undefined)).catch(() => {
      throw new Error(`the status bar says "${api.statusBar.text}", not "$(bell-dot) ${critical}"`);
    });
    const shown = await eventually(async () => {
      const text = await workbenchText(STATUS).catch(() => '');
      return text.includes(String(critical)) ? text : undefined;
    }).catch(async () => {
      throw new Error(`no status bar entry ${STATUS} shows ${critical}; the status bar shows: ${await workbenchText('.statusbar').catch(String)}; ids: ${await workbenchText('.statusbar-item[id*="pitwall"]').catch(String)}`);
    });
    assert.match(shown, new RegExp(`\\b${critical}\\b`));
    await hover(STATUS);
    let seen = '';
    const tooltip = await eventually(async () => {
      seen = await workbenchText('.workbench-hover-container').catch(String);
      return seen.includes('Model version') ? seen : undefined;
    }).catch(() => {
      throw new Error(`the status bar tooltip shows: ${seen}`);
    });
    assert.match(tooltip, /critical/);
    assert.match(tooltip, new RegExp(`critical\\s*${critical.toLocaleString('en-US')}`));
    const { by_model: versions } = await countOpenAlerts(store);
    assert.ok(versions.length > 0);
    for (const row of versions) assert.match(tooltip, new RegExp(`${(row.model_version ?? '(none)').replace(/[.()]/g, '\\$&')}\\s*${row.total}\\s*${row.critical}`), `the tooltip counts ${row.model_version}`);
    assert.match(tooltip, /Show alerts/);
    await screenshot('status-bar-tooltip');
    await press('Escape');
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await click(STATUS);
    await eventually(() => (api.alertsView.visible ? true : undefined));
  });

  it('tells of new critical alerts once per batch, and its Acknowledge button acknowledges them in alerts.jsonl', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const before = api.notifier.shown.length;
    const ids = appendCritical(folder, ['Latency spike', 'Accuracy collapse', 'Calibration drift']);
    const batch = await eventually(() => (api.notifier.shown.length > before ? api.notifier.shown[before] : undefined), 30_000);
    assert.equal(api.notifier.shown.length, before + 1, 'one notification for the three alerts');
    assert.deepEqual(batch.map((alert) => alert.alert_id).sort(), [...ids].sort());
    const toast = await eventually(async () => {
      const text = await workbenchText(TOAST).catch(() => '');
      return text.includes('3 new critical alerts') ? text : undefined;
    });
    assert.match(toast, /Calibration drift/, 'it names the newest alert');
    await screenshot('notification-new-critical');
    await click(`${TOAST}:has-text("3 new critical alerts") .monaco-button:has-text("Acknowledge")`);
    for (const id of ids) {
      const line = await eventually(() => {
        const record = alertLine(folder, id);
        return record?.acknowledged === true ? record : undefined;
      });
      assert.equal(typeof line.acknowledged_by, 'string');
    }
    // What was open before stays open: only the told alerts were acknowledged.
    const critical = await api.sources.source?.store.countAlerts({ severity: 'critical', acknowledged: false });
    await eventually(() => (api.statusBar.text === `$(bell-dot) ${critical}` || (critical === 0 && api.statusBar.text === '$(bell) 0') ? true : undefined));
  });

  it('snoozes a new alert for 1 h from the notification: a silence for its model version that ends by itself', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const before = api.notifier.shown.length;
    const [id] = appendCritical(folder, ['Error rate above budget']);
    await eventually(() => (api.notifier.shown.length > before ? true : undefined), 30_000);
    const clickedAt = Date.now() / 1000;
    await click(`${TOAST}:has-text("Error rate above budget") .monaco-button:has-text("Snooze 1 h")`);
    const silences = await eventually(() => {
      const path = join(folder, 'silences.pitwall.json');
      if (!existsSync(path)) return undefined;
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as { silences?: { matchers: Record<string, string>; ends_at: number; starts_at: number }[] } | { matchers: Record<string, string>; ends_at: number; starts_at: number }[];
      const list = Array.isArray(parsed) ? parsed : (parsed.silences ?? []);
      return list.length > 0 ? list : undefined;
    });
    const alert = alertLine(folder, id as string);
    const silence = silences[silences.length - 1];
    assert.ok(silence);
    assert.equal(silence.matchers.model_version, alert?.model_version);
    assert.ok(Math.abs(silence.ends_at - silence.starts_at - 3600) < 1, 'it lasts one hour');
    assert.ok(Math.abs(silence.starts_at - clickedAt) < 120, 'it starts when snoozed');
    assert.equal(alertLine(folder, id as string)?.acknowledged, false, 'snoozing does not acknowledge');
  });

  it('stays quiet with pitwall.notifications.level set to off', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    await vscode.workspace.getConfiguration('pitwall.notifications').update('level', 'off', vscode.ConfigurationTarget.Global);
    const before = api.notifier.shown.length;
    const open = api.sources.source?.counts.unacknowledgedAlerts ?? 0;
    appendCritical(folder, ['Unnoticed on purpose']);
    // The source has read the new alert (the views count it) and no notification came.
    await eventually(() => ((api.sources.source?.counts.unacknowledgedAlerts ?? 0) > open ? true : undefined), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(api.notifier.shown.length, before);
  });

  it('records an actual outcome from the palette into outcomes.jsonl', async function () {
    requireWorkbench(this);
    const labelled = new Set(
      readFileSync(join(folder, 'outcomes.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { prediction_id: string }).prediction_id),
    );
    const unlabelled = readFileSync(join(folder, 'predictions.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { prediction_id: string })
      .find((prediction) => !labelled.has(prediction.prediction_id));
    assert.ok(unlabelled, 'the generated data has a prediction without ground truth');
    await press('F1');
    await type('Pitwall: Record Actual Outcome');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await press('Enter');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await type(unlabelled.prediction_id);
    await press('Enter');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await type('1');
    await press('Enter');
    const recorded = await eventually(() => {
      const line = readFileSync(join(folder, 'outcomes.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((text) => JSON.parse(text) as { prediction_id: string; actual_outcome: number })
        .find((outcome) => outcome.prediction_id === unlabelled.prediction_id);
      return line;
    });
    assert.equal(recorded.actual_outcome, 1);
    await eventually(async () => ((await workbenchText(TOAST).catch(() => '')).includes(`Recorded ${unlabelled.prediction_id}`) ? true : undefined));
    await screenshot('record-outcome');
  });

  it('migrates the JSONL folder to a new SQLite database with progress, then opens it', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const target = join(temporary[0] as string, 'migrated.db');
    void vscode.commands.executeCommand('pitwall.migrateToSqlite', vscode.Uri.file(folder));
    // The save dialog (VS Code's own quick-input file dialog here): type the whole path.
    await eventually(async () => ((await workbenchText('.quick-input-widget').catch(() => '')).includes('copy monitoring into') ? true : undefined), 30_000);
    await press('Control+a');
    await type(target);
    await press('Enter');
    await eventually(async () => ((await workbenchText(TOAST).catch(() => '')).includes('Migrated monitoring to migrated.db') ? true : undefined), 60_000);
    await screenshot('migrate-done');
    await click(`${TOAST}:has-text("Migrated monitoring") .monaco-button:has-text("Open the Database")`);
    const source = await eventually(() => (api.sources.source?.description.kind === 'sqlite' && api.sources.source.path === target ? api.sources.source : undefined), 30_000);
    const predictions = readFileSync(join(folder, 'predictions.jsonl'), 'utf8').split('\n').filter(Boolean).length;
    const counted = spawnSync('sqlite3', [target, 'SELECT count(*) FROM predictions'], { encoding: 'utf8' });
    assert.equal(counted.status, 0, counted.stderr);
    assert.equal(Number(counted.stdout.trim()), predictions);
    assert.equal(source.counts.alerts, readFileSync(join(folder, 'alerts.jsonl'), 'utf8').split('\n').filter(Boolean).length);
  });

  it('offers a walkthrough whose steps complete on their commands', async function () {
    requireWorkbench(this);
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', 'pitwall.pitwall#pitwall.gettingStarted', false);
    const text = await eventually(async () => {
      const shown = await workbenchText('.gettingStartedContainer').catch(() => '');
      return shown.includes('Get started with Pitwall') ? shown : undefined;
    });
    for (const step of ['Open a monitoring source', 'Browse the alerts', 'Acknowledge an alert', 'Open a performance trend', 'Add an alert rule']) assert.ok(text.includes(step), `the walkthrough has "${step}"`);
    // Opening a source and opening a trend complete their steps, as a user doing them would.
    const step = (id: string) => `button.getting-started-step[data-step-id$="${id}"][aria-checked="true"]`;
    // From the palette: a command that extension code runs itself never reaches the walkthrough.
    const palette = async (title: string) => {
      await press('F1');
      await type(title);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await press('Enter');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    };
    // The step's own button, as a newcomer would press it: it runs the command, whose picker is then closed.
    await click('.gettingStartedContainer >> text="Open Monitoring Source"');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await press('Escape');
    await palette('Pitwall: Show Performance Trend');
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', 'pitwall.pitwall#pitwall.gettingStarted', false);
    await screenshot('walkthrough-after-commands');
    for (const id of ['openSource', 'trend']) {
      await eventually(async () => ((await workbenchText(step(id)).catch(() => '')) !== '' ? true : undefined)).catch(async () => {
        throw new Error(`the step ${id} is not checked; the steps: ${await workbenchText('button.getting-started-step').catch(String)}`);
      });
    }
    assert.equal(await workbenchText(step('addRule')).catch(() => ''), '', 'a step not done stays unchecked');
    await screenshot('walkthrough');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});

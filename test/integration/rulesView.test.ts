import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { backtestRule, type RuleBacktest } from '../../src/core/alerting/backtestRule';
import type { AlertRule } from '../../src/core/model/alertRule';
import { openStore } from '../../src/core/store/openStore';
import type { RulesNode } from '../../src/extension/rulesTreeDataProvider';
import { assertNoCspViolations, click, clickMenuEntry, eventually, hover, panelState, pitwall, press, requireWorkbench, screenshot, SIDEBAR, type, workbenchText } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const folder = join(workspace, 'data/monitoring');
const database = join(workspace, 'data/monitoring.db');
const QUICK_INPUT = '.quick-input-widget';

type RuleRow = Extract<RulesNode, { kind: 'rule' }>;

/** The rules as the view lists them, group by group. */
async function ruleRows(): Promise<{ group: string; node: RuleRow }[]> {
  const api = await pitwall();
  const rows: { group: string; node: RuleRow }[] = [];
  for (const group of await api.rules.getChildren()) {
    if (group.kind !== 'group') continue;
    for (const node of await api.rules.getChildren(group)) if (node.kind === 'rule') rows.push({ group: group.key, node });
  }
  return rows;
}

async function ruleRow(ruleId: string): Promise<{ group: string; node: RuleRow } | undefined> {
  return (await ruleRows()).find((row) => row.node.activity.rule.rule_id === ruleId);
}

/** The rules in alert_rules.json, as a new reader of the file finds them. */
function rulesFile(path: string): { rule_id: string; enabled?: boolean | number; threshold: number }[] {
  return JSON.parse(readFileSync(join(path, 'alert_rules.json'), 'utf8')) as { rule_id: string; enabled?: boolean | number; threshold: number }[];
}

/** The rules of a source read by a store of its own (for a database: the alert_rules table as committed). */
async function storedRules(path: string): Promise<readonly AlertRule[]> {
  const store = await openStore(path);
  try {
    return await store.readRules();
  } finally {
    await store.close();
  }
}

/**
 * Waits until the quick input shows text matching `pattern`, and a moment more: a step's title
 * shows before its list takes the keyboard, and an Enter pressed in between is lost.
 */
async function quickInput(pattern: RegExp): Promise<string> {
  const text = await eventually(async () => {
    const shown = await workbenchText(QUICK_INPUT);
    return pattern.test(shown) ? shown : undefined;
  }).catch(async () => assert.fail(`the quick input should show ${pattern}, but shows:\n${await workbenchText(QUICK_INPUT)}`));
  await new Promise((resolve) => setTimeout(resolve, 300));
  return text;
}

/** The rendered row of a rule or silence in the sidebar (Playwright's :has-text). */
const rowSelector = (label: string) => `${SIDEBAR} .monaco-list-row:has-text("${label}")`;

/**
 * Clicks an inline action of a row as a person does: the pointer onto the row shows its actions,
 * then onto the icon. The row is revealed first; a refresh that redraws the row under the pointer
 * hides its actions again, so a miss points at the row once more.
 */
async function clickInline(node: RulesNode, label: string, action: string): Promise<void> {
  const api = await pitwall();
  await api.rulesView.reveal(node, { select: false, focus: false });
  await eventually(async () => {
    await hover(rowSelector(label));
    await click(`${rowSelector(label)} .action-label[aria-label="${action}"]`);
    return true;
  }, 40_000);
}

/** Picks an entry of the Rules view's "More Actions" title menu with the pointer, until `done` holds (see clickMenuEntry). */
async function titleMenu(entry: string, done: () => boolean): Promise<void> {
  const header = `${SIDEBAR} .pane-header:has-text("Rules")`;
  await hover(header);
  await click(`${header} .action-label[aria-label^="More Actions"]`);
  await clickMenuEntry(entry, done);
}

describe('The Rules view', () => {
  const temporary: string[] = [];
  let jsonlCopy = '';
  let sqliteCopy = '';

  before(() => {
    const root = mkdtempSync(join(tmpdir(), 'pitwall-rules-view-'));
    temporary.push(root);
    jsonlCopy = join(root, 'monitoring');
    sqliteCopy = join(root, 'monitoring.db');
    cpSync(folder, jsonlCopy, { recursive: true });
    cpSync(database, sqliteCopy);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const api = await pitwall();
    await api.rules.setGrouping('state');
    // The suites after this one find the database open, as the SQLite suite left it.
    await api.sources.open(database);
    for (const path of temporary) rmSync(path, { recursive: true, force: true });
  });

  it('turns a rule off and on with its inline icon: alert_rules.json and the state groups follow', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    await api.sources.open(jsonlCopy);
    await api.sources.predictionsLoaded();
    await vscode.commands.executeCommand('pitwall.rules.focus');
    const target = (await ruleRows()).find((row) => row.node.activity.rule.enabled);
    assert.ok(target, 'the generated data has an enabled rule');
    const ruleId = target.node.activity.rule.rule_id;
    assert.notEqual(target.group, 'disabled');

    await clickInline(target.node, ruleId, 'Disable Rule');
    await eventually(async () => ((await ruleRow(ruleId))?.group === 'disabled' ? true : undefined));
    assert.equal(rulesFile(jsonlCopy).find((rule) => rule.rule_id === ruleId)?.enabled, false);
    const item = api.rules.getTreeItem((await ruleRow(ruleId))?.node as RuleRow);
    assert.equal(item.contextValue, 'rule:off:disabled');
    assert.match(String(item.description), / · disabled$/);
    await api.rulesView.reveal((await ruleRow(ruleId))?.node as RuleRow, { select: false, focus: false });
    await eventually(async () => (/Disabled/.test(await workbenchText(SIDEBAR)) ? true : undefined));
    await screenshot('rules-view-disabled');

    await clickInline((await ruleRow(ruleId))?.node as RuleRow, ruleId, 'Enable Rule');
    // Back in the group it came from (a rule the engine holds firing is listed as firing again).
    await eventually(async () => ((await ruleRow(ruleId))?.group === target.group ? true : undefined));
    assert.equal(rulesFile(jsonlCopy).find((rule) => rule.rule_id === ruleId)?.enabled, true);
  });

  it('adds a rule typed into the input steps on the keyboard; a wrong threshold is refused at its step; the database holds the rule', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    await api.sources.open(sqliteCopy);
    const adding = vscode.commands.executeCommand<AlertRule | undefined>('pitwall.rules.add');
    await quickInput(/Add Alert Rule \(1\/8\)/);
    await type('ece');
    await press('Enter');
    await quickInput(/\(2\/8\)/);
    await type('>');
    await press('Enter');
    await quickInput(/\(3\/8\)/);
    await type('lots');
    await quickInput(/A finite number/);
    await screenshot('rules-add-threshold-refused');
    await press('Control+a');
    await type('0.08');
    await press('Enter');
    await quickInput(/\(4\/8\)/);
    await type('6h');
    await press('Enter');
    await quickInput(/\(5\/8\)/);
    await type('warning');
    await press('Enter');
    await quickInput(/\(6\/8\)/);
    await press('Enter');
    await quickInput(/\(7\/8\)/);
    await type('30');
    await press('Enter');
    await quickInput(/\(8\/8\)/);
    await press('Control+a');
    await type('ece_watch');
    await press('Enter');
    const added = await adding;
    assert.equal(added?.rule_id, 'ece_watch');

    const stored = (await storedRules(sqliteCopy)).find((rule) => rule.rule_id === 'ece_watch');
    assert.deepEqual(
      stored && [stored.metric_name, stored.comparison, stored.threshold, stored.severity, stored.cooldown_minutes, [...stored.channels], stored.conditions.window, stored.component],
      ['ece', '>', 0.08, 'warning', 30, ['console'], '6h', 'calibration'],
    );
    const row = await eventually(() => ruleRow('ece_watch'));
    assert.match(String(api.rules.getTreeItem(row.node).description), /^ece > 0\.08 · warning · 6h · 0× in 7d/);
  });

  it('edits a database rule through the same steps, prefilled with its values', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    assert.equal(api.sources.source?.path, sqliteCopy);
    const row = await eventually(() => ruleRow('ece_watch'));
    const editing = vscode.commands.executeCommand<AlertRule | undefined>('pitwall.rules.edit', row.node);
    await quickInput(/Edit Rule ece_watch \(1\/7\)/);
    await press('Enter');
    await quickInput(/\(2\/7\)/);
    await press('Enter');
    await quickInput(/\(3\/7\)/);
    // The value is the rule's threshold, selected: typing replaces it.
    await type('0.12');
    await press('Enter');
    for (const step of [4, 5, 6, 7]) {
      await quickInput(new RegExp(`\\(${step}/7\\)`));
      await press('Enter');
    }
    const edited = await editing;
    assert.equal(edited?.threshold, 0.12);
    const stored = (await storedRules(sqliteCopy)).find((rule) => rule.rule_id === 'ece_watch');
    assert.deepEqual(stored && [stored.threshold, stored.comparison, stored.severity, stored.cooldown_minutes, stored.conditions.window], [0.12, '>', 'warning', 30, '6h']);
    await eventually(async () => ((await ruleRow('ece_watch'))?.node.activity.rule.threshold === 0.12 ? true : undefined));
  });

  it('opens alert_rules.json at the rule to edit a rule of a folder', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    await api.sources.open(jsonlCopy);
    const rows = await ruleRows();
    const last = rows[rows.length - 1];
    assert.ok(last);
    const ruleId = last.node.activity.rule.rule_id;
    await vscode.commands.executeCommand('pitwall.rules.edit', last.node);
    const editor = await eventually(() => (vscode.window.activeTextEditor?.document.uri.fsPath === join(jsonlCopy, 'alert_rules.json') ? vscode.window.activeTextEditor : undefined));
    const line = editor.document.lineAt(editor.selection.active.line).text;
    assert.ok(line.includes(`"rule_id": "${ruleId}"`) || line.includes(`"rule_id":"${ruleId}"`), line);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('duplicates a rule (disabled); deleting asks first, in a modal dialog, and deletes nothing unconfirmed', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    assert.equal(api.sources.source?.path, jsonlCopy);
    const [first] = await ruleRows();
    assert.ok(first);
    const ruleId = first.node.activity.rule.rule_id;
    await vscode.commands.executeCommand('pitwall.rules.duplicate', first.node);
    const copy = await eventually(() => ruleRow(`${ruleId}_copy`));
    assert.equal(copy.group, 'disabled');
    const inFile = rulesFile(jsonlCopy).find((rule) => rule.rule_id === `${ruleId}_copy`);
    assert.equal(inFile?.enabled, false);
    assert.equal(inFile?.threshold, first.node.activity.rule.threshold);

    // VS Code refuses modal dialogs while extension tests run, and says what the dialog asked in a
    // notification: the question names the rule, and unanswered, nothing is deleted.
    await vscode.commands.executeCommand('notifications.clearAll');
    const deleting = vscode.commands.executeCommand('pitwall.rules.delete', copy.node);
    await eventually(async () => (new RegExp(`Delete the rule ${ruleId}_copy\\?`).test(await workbenchText('.notifications-toasts')) ? true : undefined));
    await screenshot('rules-delete-confirmation');
    await vscode.commands.executeCommand('notifications.clearAll');
    assert.equal(await deleting, undefined);
    assert.ok(rulesFile(jsonlCopy).some((rule) => rule.rule_id === `${ruleId}_copy`), 'an unconfirmed delete leaves the rule');
    assert.ok(await ruleRow(`${ruleId}_copy`));
  });

  it('backtests a rule over the history: how many alerts and when, then opens the trend of its metric', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await api.sources.open(sqliteCopy);
    const rules = await source.store.readRules();
    const rule = rules.find((r) => r.metric_name === 'accuracy') ?? rules[0];
    assert.ok(rule);
    // The kernel's own replay, for the count the view must show.
    const expected = await backtestRule(source.store, rule);
    const running = vscode.commands.executeCommand<RuleBacktest | undefined>('pitwall.rules.backtest', rule.rule_id);
    const text = await quickInput(new RegExp(`Backtest of ${rule.rule_id}: ${expected.alerts.length} alert\\(s\\)`));
    assert.match(text, new RegExp(`over ${expected.evaluations} evaluations`));
    if (expected.alerts.length > 0) assert.match(text, /Would have fired/);
    await screenshot('rules-backtest');
    await type('Show Trend');
    await press('Enter');
    const report = await running;
    assert.equal(report?.alerts.length, expected.alerts.length);
    await eventually(() => (vscode.window.tabGroups.all.flatMap((group) => group.tabs).some((tab) => tab.input instanceof vscode.TabInputWebview && tab.label.startsWith('Performance Trend')) ? true : undefined));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens the trend of a rule’s metric from its inline icon, on that metric', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    await api.sources.open(sqliteCopy);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('pitwall.rules.focus');
    // The calibration rule, written as the Python system names its metric: the trend opens on ECE, not on the default accuracy.
    const target = (await ruleRows()).find((row) => row.node.activity.rule.metric_name === 'expected_calibration_error');
    assert.ok(target, 'the generated data has a calibration rule');
    await clickInline(target.node, target.node.activity.rule.rule_id, "Show Trend of Rule's Metric");
    const state = await eventually(async () => {
      const shown = await panelState();
      return shown.points !== null && shown.points > 0 ? shown : undefined;
    }, 60_000);
    assertNoCspViolations(state);
    assert.equal(state.metric, 'ece');
    assert.ok(vscode.window.tabGroups.all.flatMap((group) => group.tabs).some((tab) => tab.input instanceof vscode.TabInputWebview && tab.label.startsWith('Performance Trend')));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('lists an active silence with its matchers, end, author and reason, and expires it from its row', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await api.sources.open(sqliteCopy);
    const now = Date.now() / 1000;
    await source.store.saveSilence({
      id: 'maintenance-v1',
      matchers: { model_version: 'v1.1', severity: 'warning' },
      starts_at: now - 60,
      ends_at: now + 4 * 3600,
      comment: 'retraining v1.1',
      created_by: 'oncall',
      created_at: now - 60,
    });
    api.rules.refresh();
    await vscode.commands.executeCommand('pitwall.rules.focus');
    const label = 'model_version=v1.1, severity=warning';
    const silenceNode = await eventually(async () => {
      const silences = (await api.rules.getChildren()).find((node) => node.kind === 'silences');
      return silences === undefined ? undefined : (await api.rules.getChildren(silences)).find((node) => node.kind === 'silence' && node.silence.id === 'maintenance-v1');
    });
    await api.rulesView.reveal(silenceNode, { select: false, focus: false });
    await eventually(async () => ((await workbenchText(SIDEBAR)).includes(label) ? true : undefined));
    const sidebar = await workbenchText(SIDEBAR);
    assert.match(sidebar, /by oncall · retraining v1\.1/);
    assert.match(sidebar, /1 active/);
    await screenshot('rules-silences');

    await clickInline(silenceNode, label, 'Expire Silence');
    await eventually(async () => {
      const store = await openStore(sqliteCopy);
      try {
        const silence = (await store.readSilences()).find((s) => s.id === 'maintenance-v1');
        return silence !== undefined && silence.ends_at <= Date.now() / 1000 ? true : undefined;
      } finally {
        await store.close();
      }
    }).catch(() => assert.fail('the database should hold the silence as ended'));
    const silences = await eventually(async () => {
      const node = (await api.rules.getChildren()).find((n) => n.kind === 'silences');
      return node?.kind === 'silences' && node.active.length === 0 ? node : undefined;
    });
    await api.rulesView.reveal(silences, { select: false, focus: false });
    await eventually(async () => {
      const text = await workbenchText(SIDEBAR);
      return !text.includes(label) && /Silences\s*none active/.test(text) ? true : undefined;
    });
  });

  it('switches to metric groups from the title menu and back to state groups from the palette, keeping the choice for the workspace', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = api.sources.source;
    assert.ok(source);
    await vscode.commands.executeCommand('pitwall.rules.focus');
    await api.rules.setGrouping('state');
    const rules = await source.store.readRules();
    await titleMenu('Group Rules by Metric', () => api.rules.grouping === 'metric');
    await eventually(() => (api.rules.grouping === 'metric' ? true : undefined));
    const groups = (await api.rules.getChildren()).flatMap((node) => (node.kind === 'group' ? [node.key] : []));
    assert.deepEqual(groups, [...new Set(rules.map((rule) => rule.metric_name))].sort());
    const [firstGroup] = await api.rules.getChildren();
    assert.ok(firstGroup);
    // The view asks for its new groups after the change event: a reveal before that cannot find the group yet.
    await eventually(async () => {
      if ((await workbenchText(SIDEBAR)).includes(groups[0] ?? '?')) return true;
      await api.rulesView.reveal(firstGroup, { select: false, focus: false }).then(undefined, () => undefined);
      return undefined;
    });
    await screenshot('rules-by-metric');

    // And back from the palette.
    await press('F1');
    await type('Pitwall: Group Rules by State');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await press('Enter');
    await eventually(() => (api.rules.grouping === 'state' ? true : undefined));
    const states = (await api.rules.getChildren()).flatMap((node) => (node.kind === 'group' ? [node.key] : []));
    assert.ok(states.every((state) => ['firing', 'ok', 'disabled'].includes(state)), states.join());
  });

  it('ticks the active grouping in the title bar\'s menu, for state groups and for metric groups', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    await vscode.commands.executeCommand('pitwall.rules.focus');
    const header = `${SIDEBAR} .pane-header:has-text("Rules")`;
    // A group row reads its name, then its count ("OK 8", "avg_confidence 1"; no space between them in its text).
    const rows = `${SIDEBAR} .monaco-list-row`;
    const byState = 'Group Rules by State (Firing / OK / Disabled)';
    const byMetric = 'Group Rules by Metric';
    for (const [grouping, active, other] of [
      ['state', byState, byMetric],
      ['metric', byMetric, byState],
    ] as const) {
      if (api.rules.grouping !== grouping) await api.rules.setGrouping(grouping);
      // The tree redrawn in these groups first: the menu is read against what the view shows.
      await eventually(async () => ((grouping === 'state' ? /\bOK\s*\d+/ : /\bavg_confidence\s*\d+/).test(await workbenchText(rows)) ? true : undefined));
      await hover(header);
      await click(`${header} .action-label[aria-label^="More Actions"]`);
      try {
        let shown: string[] = [];
        const labels = await eventually(async () => {
          shown = (await workbenchText('.monaco-menu .action-label')).split('\n').map((label) => label.trim());
          return shown.includes(`✓ ${active}`) ? shown : undefined;
        }).catch(() => assert.fail(`the menu should tick ${active} but shows: ${shown.join(' | ')}`));
        assert.ok(labels.includes(other) && !labels.includes(active) && !labels.includes(`✓ ${other}`), labels.join(' | '));
        await screenshot(`rules-group-by-menu-${grouping}`);
      } finally {
        // A menu left open would take the next test's clicks.
        await press('Escape');
      }
    }
    await api.rules.setGrouping('state');
    await eventually(async () => (/\bOK\s*\d+/.test(await workbenchText(rows)) ? true : undefined));
  });

  it('reads in light, dark and high-contrast themes', async function () {
    requireWorkbench(this);
    await vscode.commands.executeCommand('pitwall.rules.focus');
    for (const [theme, kind, shot] of [
      ['Default Light Modern', vscode.ColorThemeKind.Light, 'rules-view-light'],
      ['Default Dark Modern', vscode.ColorThemeKind.Dark, 'rules-view-dark'],
      ['Default High Contrast', vscode.ColorThemeKind.HighContrast, 'rules-view-high-contrast'],
    ] as const) {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      await eventually(() => (vscode.window.activeColorTheme.kind === kind ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 500));
      await screenshot(shot);
    }
    const text = await workbenchText(SIDEBAR);
    const [first] = await ruleRows();
    assert.match(text, /RULES/);
    assert.ok(first && text.includes(first.node.activity.rule.rule_id), text);
  });
});

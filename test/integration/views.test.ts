import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { eventually, pitwall, requireWorkbench, screenshot, SIDEBAR, workbenchText } from './harness';

const STATUS_BAR = '[id="workbench.parts.statusbar"]';

describe('The Rules and Models views and the status bar', () => {
  it('lists each rule of the source with its condition, severity and state', async () => {
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const stored = await source.store.readRules();
    assert.ok(stored.length >= 2, 'the generated data has rules');
    const groups = (await api.rules.getChildren()).filter((node) => node.kind === 'group');
    const nodes = (await Promise.all(groups.map((group) => api.rules.getChildren(group)))).flat();
    const items = nodes.map((node) => api.rules.getTreeItem(node));
    assert.deepEqual(items.map((item) => item.label).sort(), stored.map((rule) => rule.rule_id).sort());
    for (const item of items) {
      const rule = stored.find((r) => r.rule_id === item.label) as (typeof stored)[number];
      assert.ok(String(item.description).startsWith(`${rule.metric_name} ${rule.comparison} ${rule.threshold} · ${rule.severity} · `), String(item.description));
      assert.equal(String(item.description).endsWith('disabled'), !rule.enabled);
      // appendText escapes the text as Markdown: spaces as &nbsp;, punctuation with a backslash.
      const tooltip = (item.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
      assert.ok(tooltip.includes(`cooldown ${rule.cooldown_minutes} min`), tooltip);
    }
  });

  it('lists each model version with its label coverage and open alerts, as the store counts them', async () => {
    const api = await pitwall();
    const { store } = await eventually(() => api.sources.source ?? undefined);
    const versions = await store.readModelVersions();
    assert.ok(versions.length >= 2);
    // The counts arrive after the alerts: until then the view says it is reading them.
    await api.sources.predictionsLoaded();
    const nodes = (await api.models.getChildren()).flatMap((node) => (node.kind === undefined ? [node] : []));
    assert.deepEqual(nodes.map((node) => node.modelVersion), versions);
    for (const node of nodes) {
      const predictions = await store.countPredictions({ modelVersion: node.modelVersion });
      const labelled = await store.countPredictions({ modelVersion: node.modelVersion, hasOutcome: true });
      const open = await store.countAlerts({ modelVersion: node.modelVersion, acknowledged: false });
      assert.ok(predictions > 0 && labelled > 0 && labelled < predictions, `${node.modelVersion}: ${labelled} of ${predictions} labelled`);
      assert.match(String(api.models.getTreeItem(node).description), new RegExp(` · ${open} open · `));
    }
  });

  it('shows the rules and the models in the rendered sidebar', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    await vscode.commands.executeCommand('pitwall.refresh');
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    await vscode.commands.executeCommand('pitwall.rules.focus');
    await vscode.commands.executeCommand('pitwall.models.focus');
    const rules = await source.store.readRules();
    const versions = await source.store.readModelVersions();
    const sidebar = await eventually(async () => {
      const text = await workbenchText(SIDEBAR);
      return rules.every((rule) => text.includes(rule.rule_id)) && versions.every((version) => text.includes(`${version}`) && /% labelled · \d+ open/.test(text)) ? text : undefined;
    }).catch(async () => assert.fail(`the sidebar should list every rule and version, but shows:\n${await workbenchText(SIDEBAR)}`));
    assert.match(sidebar, /RULES/);
    assert.match(sidebar, /MODELS/);
    await screenshot('rules-models');
  });

  it('shows the open critical alerts in the status bar, and the open source and all its open alerts to a screen reader', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    await vscode.commands.executeCommand('pitwall.refresh');
    const open = await source.store.countAlerts({ acknowledged: false });
    const critical = await source.store.countAlerts({ acknowledged: false, severity: 'critical' });
    const label = `Pitwall: ${critical} open critical alert${critical === 1 ? '' : 's'}, ${open} open in all, in ${source.name}`;
    const status = await eventually(async () => {
      const text = await workbenchText(`${STATUS_BAR} [aria-label="${label}"]`).catch(() => '');
      return text.includes(String(critical)) ? text : undefined;
    }).catch(async () => assert.fail(`the status bar should show ${critical} labelled "${label}", but shows:\n${await workbenchText(STATUS_BAR)} (the entry's text: ${api.statusBar.text})`));
    // The entry and its label element both carry the label: each reads the count.
    assert.ok(status.split('\n').every((line) => line.trim() === String(critical)), status);
    assert.ok(status);
  });
});

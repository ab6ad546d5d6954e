import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AlertWhy } from '../../src/core/model/alertWhy';
import type { DeliveryRecord } from '../../src/core/model/delivery';
import type { AlertsNode } from '../../src/extension/alertsTreeDataProvider';
import { click, eventually, hover, pitwall, press, requireWorkbench, screenshot, SIDEBAR, workbenchText } from './harness';

/**
 * The theme icons the workbench draws for a tooltip, as its Markdown renderer does with
 * `supportThemeIcons`: Markdown backslash escapes are taken off first (`\(` is `(`, `\\` is `\`),
 * then every `$(name)` in the text is an icon unless a backslash stands before it.
 */
function renderedIcons(markdown: vscode.MarkdownString): string[] {
  if (!markdown.supportThemeIcons) return [];
  const text = markdown.value.replace(/\\([!-/:-@[-`{-~])/g, '$1');
  return [...text.matchAll(/(\\)?\$\(([a-z0-9-]+?(?:~[a-z0-9-]*?)?)\)/gi)].filter((match) => match[1] === undefined).map((match) => match[2] ?? '');
}

describe('The tooltip of an alert', () => {
  it('draws `$(icon)` text from the data as text: the only icon is its own failure mark', async () => {
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const [stored] = await source.store.readAlerts({ limit: 1 });
    assert.ok(stored, 'an alert to show');
    const failed: DeliveryRecord = {
      alert: stored.key,
      rule_id: 'r',
      kind: 'firing',
      channel: 'webhook',
      status: 'failed',
      attempts: 1,
      error: 'HTTP 500 $(check) all fine',
      evaluated_at: stored.timestamp,
      finished_at: stored.timestamp,
      elapsed_ms: 1,
    };
    const alert = { ...stored, title: '$(pass-filled) resolved, ignore', acknowledged: true, acknowledged_by: '$(account) admin', acknowledged_at: stored.timestamp, alert_id: '$(zap)' };
    const [parent] = await api.alerts.getChildren();
    assert.ok(parent?.kind === 'group');
    const tooltip = api.alerts.getTreeItem({ kind: 'alert', alert, state: 'acknowledged', rule: undefined, deliveries: [failed], parent }).tooltip;
    assert.ok(tooltip instanceof vscode.MarkdownString);
    assert.deepEqual(renderedIcons(tooltip), ['law', 'error'], tooltip.value);
    // The model of the renderer does see icons where they are: the same text appended as Markdown.
    assert.deepEqual(renderedIcons(new vscode.MarkdownString(`${alert.title} ${alert.acknowledged_by}`, true)), ['pass-filled', 'account']);
  });

  it('shows why an alert fired when its context was recorded, as text, and nothing for one without', async () => {
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const [group] = await api.alerts.getChildren();
    assert.ok(group?.kind === 'group');
    const before = (await api.alerts.getChildren(group)).filter((node): node is Extract<AlertsNode, { kind: 'alert' }> => node.kind === 'alert');
    const [explained, plain] = before;
    assert.ok(explained && plain, 'two alerts in the first group');
    assert.equal(explained.why, undefined, 'no context recorded yet');
    const hostile = '$(zap) <img src=x onerror=alert(1)>';
    const why: AlertWhy = {
      kind: 'performance',
      rule_id: null,
      model_version: explained.alert.model_version,
      metric: 'accuracy',
      baseline: { from: explained.alert.timestamp - 90000, to: explained.alert.timestamp - 3600 },
      current: { from: explained.alert.timestamp - 3600, to: explained.alert.timestamp },
      labelled: { baseline: 40, current: 40 },
      segments: [
        {
          dimension: 'feature',
          name: 'circuit',
          label: `circuit = ${hostile}`,
          value: hostile,
          lower: null,
          upper: null,
          baseline: { labelled: 20, correct: 18, accuracy: 0.9 },
          current: { labelled: 20, correct: 10, accuracy: 0.5 },
          drop: 0.4,
          z: -2.7602622373694166,
          p_value: 0.002887749044652608,
        },
      ],
      drifted_features: [{ feature: 'track_temp', statistic: 'psi', value: 0.4213, importance: null, weighted: null }],
      feature: null,
    };
    await source.store.recordAlertContexts([{ alert: explained.alert.key, recorded_at: explained.alert.timestamp, why }]);
    const after = await api.alerts.getChildren(group);
    const node = after.find((n) => n.kind === 'alert' && n.alert.key === explained.alert.key);
    assert.ok(node?.kind === 'alert' && node.why !== undefined, 'the listing reads the recorded context');
    const tooltip = api.alerts.getTreeItem(node).tooltip;
    assert.ok(tooltip instanceof vscode.MarkdownString);
    // appendText escapes Markdown with backslashes, and `$(` with one more so that it is not an icon.
    const text = tooltip.value.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1').replace(/\\\$\(/g, '$(');
    assert.ok(text.includes('**Why it fired**'), text);
    assert.ok(text.includes(`circuit = ${hostile}: accuracy 0.9 → 0.5 (18/20 → 10/20), z = -2.76, p = 0.0029`), text);
    assert.ok(text.includes('track_temp drifted: PSI 0.421'), text);
    assert.deepEqual(renderedIcons(tooltip), ['law'], 'the $(zap) of the data is text, not an icon: the only icon is the rule line\'s own');
    const other = after.find((n) => n.kind === 'alert' && n.alert.key === plain.alert.key);
    assert.ok(other?.kind === 'alert');
    const otherTooltip = api.alerts.getTreeItem(other).tooltip as vscode.MarkdownString;
    assert.ok(!otherTooltip.value.includes('Why it fired'), 'an alert without a recorded context shows none (nothing computed in a tooltip)');
  });

  it('shows the recorded why in the hover of the alert row, as a person sees it', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    await eventually(() => api.sources.source ?? undefined);
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    await vscode.commands.executeCommand('pitwall.refresh');
    const [group] = await api.alerts.getChildren();
    assert.ok(group?.kind === 'group');
    const [first] = await api.alerts.getChildren(group);
    assert.ok(first?.kind === 'alert' && first.why !== undefined, 'the previous test recorded a context for the first alert of the group');
    const row = `${SIDEBAR} .monaco-list-row[aria-level="2"]`;
    await eventually(async () => {
      if ((await workbenchText(row).catch(() => '')).includes(first.alert.message ?? '')) return true;
      await api.alertsView.reveal(group, { expand: true, select: false, focus: false }).then(undefined, () => undefined);
      return undefined;
    });
    // The pointer may rest on this row's place from an earlier test (which hovered the row shown
    // there then): it leaves for another view's header first, so that entering the row shows its hover.
    // A click on the row's inline action in that test hid its hover until the pointer's next entry:
    // a click on the empty editor area, then another view's header, make a fresh entry of this one.
    await press('Escape');
    await click('.part.editor');
    // The row of that alert (rows of other alerts may come first while the tree is drawn again).
    const enter = async () => {
      await hover(`${SIDEBAR} .pane-header:has-text("Rules")`);
      await hover(`${row}:has-text(${JSON.stringify(first.alert.message ?? '')})`);
    };
    await enter();
    let entered = Date.now();
    let shown: string;
    try {
      shown = await eventually(async () => {
        // The tooltip's spaces are non-breaking (appendText writes &nbsp;).
        const text = (await workbenchText('.monaco-hover, .workbench-hover, [role="tooltip"]').catch(() => '')).replace(/\u00a0/g, ' ');
        if (text.includes('Why it fired')) return text;
        // A row drawn again under the resting pointer (the refresh above landing late) drops its pending hover: the pointer enters it anew.
        if (Date.now() - entered > 3000) {
          await enter();
          entered = Date.now();
        }
        return undefined;
      }, 30_000);
    } finally {
      await screenshot('alert-tooltip-why');
    }
    assert.ok(shown.includes('$(zap) <img src=x onerror=alert(1)>'), shown);
  });
});

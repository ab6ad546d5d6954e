import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DeliveryRecord } from '../../src/core/model/delivery';
import { eventually, pitwall } from './harness';

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
});

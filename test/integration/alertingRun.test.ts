import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EvaluationOutcome } from '../../src/core/alerting/run';
import { eventually, pitwall, screenshot, SIDEBAR, workbenchText, trafficRule } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';

describe('Evaluating alert rules from the editor', () => {
  it('runs the rules on the open source from the palette command, records alerts, and deduplicates a holding condition', async () => {
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const store = source.store;
    // The webhook has no URL in this editor: its delivery fails, and says so, while the others go out.
    const rule = trafficRule('editor_traffic', ['console', 'file', 'webhook'], 'v1.0');
    await store.saveRule(rule);
    const alertsFile = join(workspace, 'data/monitoring/alerts.jsonl');
    const linesBefore = readFileSync(alertsFile, 'utf8').trim().split('\n').length;
    try {
      const predictions = await store.readPredictions({ order: 'desc', limit: 1 });
      const at = (predictions[0]?.timestamp ?? 0) - 3600;
      const first = (await vscode.commands.executeCommand('pitwall.evaluateRules', { at })) as EvaluationOutcome | undefined;
      assert.ok(first, 'the command returns what it did');
      const ours = first.created.filter((alert) => alert.title === 'TRAFFIC: num_predictions Alert');
      assert.equal(ours.length, 1, 'one alert for v1.0');
      assert.equal(api.alerting.lastOutcome, first);
      const delivered = await first.delivery;
      assert.deepEqual(
        delivered.deliveries.filter((d) => d.rule_id === 'editor_traffic').flatMap((d) => d.reports.map((r) => [r.channel, r.status])),
        [['console', 'delivered'], ['file', 'delivered'], ['webhook', 'not-configured']],
      );
      // The reports are in the source's delivery log, and the Alerts view marks the alert.
      const alert = ours[0] as (typeof ours)[number];
      const logged = await store.readDeliveries({ alert: alert.key });
      assert.deepEqual(
        logged.records.map((r) => [r.channel, r.status]),
        [['console', 'delivered'], ['file', 'delivered'], ['webhook', 'not-configured']],
      );
      assert.match(logged.records[2]?.error ?? '', /PITWALL_WEBHOOK_URL/);
      const node = await eventually(async () => {
        for (const group of await api.alerts.getChildren()) {
          for (const node of await api.alerts.getChildren(group)) {
            if (node.kind === 'alert' && node.alert.key === alert.key && String(api.alerts.getTreeItem(node).description ?? '').includes('not delivered')) return node;
          }
        }
        return undefined;
      });
      assert.match(String(api.alerts.getTreeItem(node).description), /not delivered: webhook/);
      await api.alertsView.reveal(node, { select: false, focus: false });
      // The row carries the "!" badge of an undelivered alert (drawn by CSS, so not in the row's text).
      await eventually(async () => ((await workbenchText(SIDEBAR)).includes('not delivered: webhook') ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 500));
      await screenshot('alerts-not-delivered');
      // The delivery log from the palette: a quick pick, newest first, the failure with its reason.
      const shown = vscode.commands.executeCommand('pitwall.showDeliveries');
      const picked = await eventually(async () => {
        const text = await workbenchText('.quick-input-widget');
        return /alert deliveries/.test(text) && /webhook not-configured/.test(text) ? text : undefined;
      });
      assert.match(picked, /PITWALL_WEBHOOK_URL/, 'the reason is shown');
      await screenshot('deliveries-quick-pick');
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      const log = (await shown) as { records: unknown[] } | undefined;
      assert.ok(log && log.records.length >= 3, 'the command read the log');
      // Leave the view as a source opens it: groups collapsed but the most severe.
      await vscode.commands.executeCommand('workbench.actions.treeView.pitwall.alerts.collapseAll');
      const [mostSevere] = await api.alerts.getChildren();
      if (mostSevere) await api.alertsView.reveal(mostSevere, { expand: true, select: false, focus: false });
      assert.ok(readFileSync(alertsFile, 'utf8').trim().split('\n').length >= linesBefore + 1, 'the alert is in alerts.jsonl');
      // Still holding an hour later: the same editor session does not alert it again.
      const second = (await vscode.commands.executeCommand('pitwall.evaluateRules', { at: at + 3600 })) as EvaluationOutcome;
      assert.equal(second.created.filter((alert) => alert.title === 'TRAFFIC: num_predictions Alert').length, 0);
      assert.ok(second.result.verdicts.some((v) => v.rule_id === 'editor_traffic' && v.outcome === 'firing'));
    } finally {
      await store.deleteRule('editor_traffic');
      await vscode.commands.executeCommand('pitwall.refresh');
    }
  });
});

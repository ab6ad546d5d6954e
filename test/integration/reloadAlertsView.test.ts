import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AlertsNode } from '../../src/extension/alertsTreeDataProvider';
import { click, clickMenuEntry, eventually, hover, pitwall, press, requireWorkbench, screenshot, SIDEBAR, type, workbenchText } from './harness';

/**
 * Runs in every extension host of the reload phase (scripts/testIntegration.mjs): the first time
 * it groups the Alerts view by model version and filters it from the view's title bar, as a person
 * would, then reloads the window; the next host finds the same grouping and filter applied, then
 * clears both, and any later host (another suite's reload) finds them cleared.
 */
const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const marker = join(workspace, '.pitwall-reload-alerts-view.json');
const FILTER = 'accuracy';

type GroupNode = Extract<AlertsNode, { kind: 'group' }>;

interface Marker {
  readonly stage: 'set' | 'cleared';
  /** The groups listed before the reload: key, total and open alerts. */
  readonly groups: readonly (readonly [string | null, number, number])[];
}

async function listedGroups(): Promise<[string | null, number, number][]> {
  const api = await pitwall();
  return (await api.alerts.getChildren()).filter((node): node is GroupNode => node.kind === 'group').map((node) => [node.group.key, node.group.total, node.group.open]);
}

async function clickTitleAction(label: string): Promise<void> {
  await hover(`${SIDEBAR} .pane-header:has-text("Alerts")`);
  await click(`${SIDEBAR} .pane-header:has-text("Alerts") [aria-label="${label}"]`);
}

describe('Alerts view after a window reload', function () {
  // Never run again in the same host: a second run would take the host about to be reloaded for the next one.
  this.retries(0);
  it('keeps the grouping and the filter chosen before the reload, and their clearing after it', async function () {
    requireWorkbench(this);
    this.timeout(180_000);
    const api = await pitwall();
    await eventually(() => api.sources.source ?? undefined, 60_000);
    await vscode.commands.executeCommand('workbench.view.extension.pitwall');
    if (!existsSync(marker)) {
      await clickTitleAction('Group By');
      await clickMenuEntry('Group by Model Version', () => api.alerts.currentGrouping === 'modelVersion');
      await eventually(() => (api.alerts.currentGrouping === 'modelVersion' ? true : undefined));
      await clickTitleAction('Filter Alerts…');
      await eventually(async () => ((await workbenchText('.quick-input-widget')).includes('Filter Alerts') ? true : undefined));
      await type(FILTER);
      await press('Enter');
      await eventually(() => (api.alertsView.message === `Filtered: "${FILTER}"` ? true : undefined));
      const groups = await listedGroups();
      const all = (await api.sources.source?.store.countAlerts()) ?? 0;
      const filtered = groups.reduce((sum, [, total]) => sum + total, 0);
      assert.ok(groups.length > 1 && filtered > 0 && filtered < all, `the filter keeps some alerts of several versions: ${JSON.stringify(groups)} of ${all}`);
      writeFileSync(marker, JSON.stringify({ stage: 'set', groups } satisfies Marker));
      // The reload ends this extension host and this test with it; the next host runs the suite again.
      // The reload may cancel this very command as the host ends: that is the reload, not a failure.
      void vscode.commands.executeCommand('workbench.action.reloadWindow').then(undefined, () => undefined);
      await new Promise(() => undefined);
    }
    const before = JSON.parse(readFileSync(marker, 'utf8')) as Marker;
    if (before.stage === 'set') {
      await eventually(() => (api.alerts.currentGrouping === 'modelVersion' && api.alertsView.message === `Filtered: "${FILTER}"` ? true : undefined), 30_000);
      assert.deepEqual(await eventually(async () => {
        const groups = await listedGroups();
        return groups.length > 0 ? groups : undefined;
      }), before.groups);
      const [first] = before.groups;
      assert.ok(first);
      const shown = await eventually(async () => {
        const text = await workbenchText(SIDEBAR);
        return text.includes(`Filtered: "${FILTER}"`) && new RegExp(`${first[0] ?? '\\(none\\)'}\\s*${first[1]} · ${first[2]} open`).test(text) ? text : undefined;
      }, 30_000).catch(() => assert.fail('the sidebar shows the filter and the version groups after the reload'));
      assert.ok(shown);
      // The title menu ticks the grouping kept from before the reload.
      await clickTitleAction('Group By');
      const ticked = await eventually(async () => {
        const labels = (await workbenchText('.monaco-menu .action-label')).split('\n').map((label) => label.trim());
        const found = labels.filter((label) => label.startsWith('✓'));
        return found.length > 0 ? found : undefined;
      });
      assert.deepEqual(ticked, ['✓ Group by Model Version']);
      await screenshot('alerts-view-after-reload');
      await press('Escape');
      // Cleared now, which a later host must find cleared too.
      await clickTitleAction('Clear Alert Filter');
      await eventually(() => (api.alertsView.message === undefined ? true : undefined));
      await vscode.commands.executeCommand('pitwall.alerts.groupBySeverity');
      writeFileSync(marker, JSON.stringify({ stage: 'cleared', groups: before.groups } satisfies Marker));
      return;
    }
    await eventually(() => (api.alerts.currentGrouping === 'severity' && api.alertsView.message === undefined ? true : undefined), 30_000);
  });
});

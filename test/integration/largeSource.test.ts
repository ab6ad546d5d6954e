import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { OpenSource } from '../../src/extension/sourceManager';
import { eventually, pitwall, requireWorkbench, screenshot, SIDEBAR, workbenchText } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const large = join(workspace, 'data/large/monitoring');
const predictions = Number(process.env.PITWALL_TEST_LARGE_PREDICTIONS ?? 0);

describe('A large source (a million predictions)', () => {
  after(async () => {
    // The other suites expect the workspace's own source.
    await vscode.commands.executeCommand('pitwall.openSource', join(workspace, 'data/monitoring'));
  });

  it('shows its alerts while its predictions are still being read, then the model versions', async function () {
    requireWorkbench(this);
    assert.ok(predictions > 0, 'the launcher says how large the source is');
    const api = await pitwall();
    const told: OpenSource[] = [];
    const listener = api.sources.onDidChange((source) => {
      if (source?.path === large) told.push(source);
    });
    try {
      await vscode.commands.executeCommand('workbench.view.extension.pitwall');
      assert.equal(await vscode.commands.executeCommand('pitwall.openSource', large), true);
      // The views were told of the source before its predictions were read…
      const first = told[0];
      assert.ok(first !== undefined);
      assert.equal(first.predictions, null);
      assert.ok(first.counts.alerts > 0);
      // …and the Alerts view lists from the store while they are.
      const groups = await api.alerts.getChildren();
      assert.ok(groups.length > 0 && groups[0]?.kind === 'group');
      const page = await api.alerts.getChildren(groups[0]);
      assert.ok(page.some((node) => node.kind === 'alert'));
      const stillReading = api.sources.source?.path === large && api.sources.source.predictions === null;
      await screenshot('large-source-while-reading');
      assert.ok(stillReading, 'the alerts were listed before the predictions were counted');
      const counted = await api.sources.predictionsLoaded();
      assert.equal(counted?.predictions, predictions);
      assert.deepEqual((await api.models.getChildren()).map((node) => (node.kind === undefined ? node.modelVersion : node.kind)), counted?.versions.map((version) => version.modelVersion));
      await eventually(async () => ((await workbenchText(`${SIDEBAR} .monaco-list-row`)).includes('to newest') ? true : undefined));
      await screenshot('large-source-read');
    } finally {
      listener.dispose();
    }
  });

  it('lists a large group a page at a time, open alerts first, and loads the next page when asked', async function () {
    requireWorkbench(this);
    const api = await pitwall();
    assert.equal(api.sources.source?.path, large);
    const [critical] = await api.alerts.getChildren();
    assert.ok(critical?.kind === 'group' && critical.group.key === 'critical' && critical.group.total > 400);
    const listed = async () => {
      const children = await api.alerts.getChildren(critical);
      return { alerts: children.flatMap((node) => (node.kind === 'alert' ? [node.alert] : [])), more: children.find((node) => node.kind === 'more') };
    };
    const first = await listed();
    assert.equal(first.alerts.length, 200);
    assert.ok(first.more?.kind === 'more' && first.more.hidden === critical.group.total - 200);
    assert.ok(first.alerts.every((alert) => !alert.acknowledged), 'open alerts come first');
    const times = first.alerts.map((alert) => alert.timestamp);
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    // The row after the page, scrolled into sight as a person would scroll to it.
    await api.alertsView.reveal(first.more, { select: false, focus: false });
    await eventually(async () => ((await workbenchText(`${SIDEBAR} .monaco-list-row`)).includes(`Load more (${(critical.group.total - 200).toLocaleString('en-US')} left)`) ? true : undefined));
    await screenshot('large-source-load-more');
    await vscode.commands.executeCommand('pitwall.alerts.loadMore', 'critical');
    const second = await listed();
    assert.equal(second.alerts.length, Math.min(400, critical.group.total));
    assert.deepEqual(second.alerts.slice(0, 200).map((alert) => alert.key), first.alerts.map((alert) => alert.key));
    assert.equal(new Set(second.alerts.map((alert) => alert.key)).size, second.alerts.length, 'no alert twice');
  });
});

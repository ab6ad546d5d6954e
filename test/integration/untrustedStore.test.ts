import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, pitwall } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';

describe('An untrusted workspace, below the views', () => {
  it('ignores the workspace’s own pitwall.source.path (a restricted setting) and opens data/monitoring', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace is not trusted');
    // The workspace's .vscode/settings.json points outside the workspace, at another dataset…
    const settings = JSON.parse(readFileSync(join(workspace, '.vscode/settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(settings['pitwall.source.path'], '../untrusted-outside/monitoring');
    // …which VS Code does not apply here, the setting being restricted.
    assert.equal(vscode.workspace.getConfiguration('pitwall.source').inspect<string>('path')?.workspaceValue, undefined);
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    assert.equal(source.path, join(workspace, 'data/monitoring'));
    assert.equal((await api.sources.predictionsLoaded())?.predictions, 5000);
  });

  it('opens the store itself read-only: a write through the kernel is refused and changes nothing', async () => {
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    assert.equal(source.description.writable, false);
    assert.match(source.description.readOnlyReason ?? '', /not trusted/);
    const [open] = await source.store.readAlerts({ acknowledged: false, limit: 1 });
    assert.ok(open, 'an open alert to try');
    const alertsFile = join(workspace, 'data/monitoring/alerts.jsonl');
    const before = readFileSync(alertsFile);
    await assert.rejects(source.store.acknowledgeAlerts([open.key], 'intruder', 1_800_000_000), (error: { code?: string; message?: string }) => {
      assert.equal(error.code, 'read-only');
      assert.match(error.message ?? '', /not trusted/);
      return true;
    });
    assert.ok(readFileSync(alertsFile).equals(before), 'alerts.jsonl is untouched');
  });
});

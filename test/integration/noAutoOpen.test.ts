import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventually, pitwall } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';

describe('pitwall.source.autoOpen set to false', () => {
  it('leaves data/monitoring closed when Pitwall activates, until it is opened by hand', async () => {
    assert.equal(vscode.workspace.getConfiguration('pitwall.source').get('autoOpen'), false);
    // activate() has returned: with autoOpen it would have opened the workspace's source by now.
    const api = await pitwall();
    // Compared by path: a failing assertion must not carry the whole open store into the report.
    assert.equal(api.sources.source?.path ?? null, null, 'no source is open');
    assert.equal((await api.alerts.getChildren()).length, 0);
    assert.equal(await vscode.commands.executeCommand('pitwall.openSource', join(workspace, 'data/monitoring')), true);
    const source = await eventually(() => api.sources.source ?? undefined);
    assert.equal(source.path, join(workspace, 'data/monitoring'));
    assert.ok((await api.alerts.getChildren()).length > 0);
  });
});

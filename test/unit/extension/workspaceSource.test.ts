import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findWorkspaceSource } from '../../../src/extension/workspaceSource';

describe('the workspace source (pitwall.source.path)', () => {
  let root = '';
  let workspace = '';
  let outside = '';

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-workspace-source-'));
    workspace = join(root, 'workspace');
    outside = join(root, 'outside');
    for (const folder of [join(workspace, 'data/monitoring'), join(outside, 'monitoring')]) {
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'alerts.jsonl'), '');
    }
    writeFileSync(join(outside, 'monitoring.db'), '');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds a JSONL folder, a database file, and a monitoring.db inside the configured folder', async () => {
    assert.deepEqual(await findWorkspaceSource(workspace, 'data/monitoring'), { kind: 'found', path: join(workspace, 'data/monitoring') });
    writeFileSync(join(workspace, 'data/other.db'), '');
    assert.deepEqual(await findWorkspaceSource(workspace, 'data/other.db'), { kind: 'found', path: join(workspace, 'data/other.db') });
    mkdirSync(join(workspace, 'db'));
    writeFileSync(join(workspace, 'db/monitoring.db'), '');
    assert.deepEqual(await findWorkspaceSource(workspace, 'db'), { kind: 'found', path: join(workspace, 'db/monitoring.db') });
    assert.equal(await findWorkspaceSource(workspace, 'nothing/here'), null);
  });

  it('refuses a path that leaves the workspace: .., an absolute path, a symlink out of it', async () => {
    assert.deepEqual(await findWorkspaceSource(workspace, '../outside/monitoring'), { kind: 'outside', path: join(outside, 'monitoring') });
    assert.deepEqual(await findWorkspaceSource(workspace, join(outside, 'monitoring.db')), { kind: 'outside', path: join(outside, 'monitoring.db') });
    symlinkSync(join(outside, 'monitoring'), join(workspace, 'linked'));
    assert.deepEqual(await findWorkspaceSource(workspace, 'linked'), { kind: 'outside', path: join(workspace, 'linked') });
    mkdirSync(join(workspace, 'db'));
    symlinkSync(join(outside, 'monitoring.db'), join(workspace, 'db/monitoring.db'));
    assert.deepEqual(await findWorkspaceSource(workspace, 'db'), { kind: 'outside', path: join(workspace, 'db/monitoring.db') });
  });

  it('follows a symlink that stays inside the workspace', async () => {
    symlinkSync(join(workspace, 'data/monitoring'), join(workspace, 'current'));
    assert.deepEqual(await findWorkspaceSource(workspace, 'current'), { kind: 'found', path: join(workspace, 'current') });
  });
});

import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { PitwallError } from '../../src/core/errors';
import { openStore } from '../../src/core/store/openStore';
import type { Store } from '../../src/core/store/store';
import { SourceManager } from '../../src/extension/sourceManager';
import { eventually, pitwall } from './harness';

const workspace = process.env.PITWALL_TEST_WORKSPACE ?? '';
const folder = join(workspace, 'data/monitoring');
const database = join(workspace, 'data/monitoring.db');

/** The prototype of the class a store of this path is, so that a test can plant a failure in every such store. */
async function storeClassOf(path: string): Promise<Store> {
  const store = await openStore(path);
  await store.close();
  return Object.getPrototypeOf(store) as Store;
}

describe('The source manager', () => {
  it('closes a new store whose describe() fails, and keeps the previous source open and usable', async () => {
    const log = vscode.window.createOutputChannel('Pitwall source manager test', { log: true });
    const extension = vscode.extensions.getExtension('pitwall.pitwall');
    assert.ok(extension);
    const manager = new SourceManager(log, join(extension.extensionPath, 'dist/sql-wasm.wasm'));
    const jsonlClass = await storeClassOf(folder);
    const sqliteClass = await storeClassOf(database);
    assert.notEqual(jsonlClass, sqliteClass);
    const { describe, close: closeJsonl } = jsonlClass;
    const closeSqlite = sqliteClass.close;
    const closed: string[] = [];
    try {
      const previous = await manager.open(database);
      jsonlClass.describe = () => Promise.reject(new PitwallError('io', 'planted: describe failed'));
      jsonlClass.close = function (this: Store) {
        closed.push('jsonl');
        return closeJsonl.call(this);
      };
      sqliteClass.close = function (this: Store) {
        closed.push('sqlite');
        return closeSqlite.call(this);
      };
      await assert.rejects(manager.open(folder), /planted: describe failed/);
      assert.deepEqual(closed, ['jsonl'], 'the failed store is closed, the previous one is not');
      assert.equal(manager.source?.store, previous.store, 'the previous source is still the open one');
      assert.equal((await previous.store.counts()).alerts, previous.counts.alerts, 'and it still reads');
    } finally {
      jsonlClass.describe = describe;
      jsonlClass.close = closeJsonl;
      sqliteClass.close = closeSqlite;
      manager.dispose();
      log.dispose();
      // The manager set the shared context keys; the extension's own manager sets them back.
      await (await pitwall()).sources.refresh(true);
    }
  });

  it('keeps the open source when describing it again after a trust change fails, and does not reject', async () => {
    const api = await pitwall();
    const source = await eventually(() => api.sources.source ?? undefined);
    const store = source.store as Store & { describe: Store['describe'] };
    const describe = store.describe;
    store.describe = () => Promise.reject(new PitwallError('io', 'planted: describe failed'));
    try {
      await api.sources.updateTrust();
      assert.equal(api.sources.source?.store, source.store);
    } finally {
      store.describe = describe;
    }
    assert.equal(typeof store.describe, 'function');
  });
});

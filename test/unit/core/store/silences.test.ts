import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { isPitwallError } from '../../../../src/core/errors';
import { silences, type Silence } from '../../../../src/core/model/silence';
import { openStore } from '../../../../src/core/store/openStore';
import { pitwall } from '../../cli/runCli';

const T = Date.parse('2026-10-10T00:00:00Z') / 1000;

function silence(id: string, fields: Partial<Silence> = {}): Silence {
  return { id, matchers: { rule_id: 'acc_low' }, starts_at: T, ends_at: T + 7200, comment: 'deploying v1.2', created_by: 'oncall', created_at: T, ...fields };
}

describe('silences in the source', function () {
  this.timeout(60_000);
  let root = '';
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-silences-'));
    await generateDataset({ outDir: root, predictions: 500, seed: 5 });
  });
  after(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`are saved, read back, replaced by id and expired (${kind})`, async () => {
      const source = kind === 'jsonl' ? join(root, 'monitoring') : join(root, 'monitoring.db');
      const store = await openStore(source);
      try {
        assert.deepEqual(await store.readSilences(), []);
        await store.saveSilence(silence('a'));
        await store.saveSilence(silence('b', { matchers: { model_version: 'v1.1', severity: 'critical' } }));
        await store.saveSilence(silence('a', { comment: 'longer deploy', ends_at: T + 14_400 }));
        const read = await store.readSilences();
        assert.deepEqual(read.map((s) => [s.id, s.comment]), [['b', 'deploying v1.2'], ['a', 'longer deploy']]);
        assert.equal(await store.expireSilence('a', T + 600), true);
        assert.equal(await store.expireSilence('nope', T), false);
        assert.equal((await store.readSilences()).find((s) => s.id === 'a')?.ends_at, T + 600);
        await assert.rejects(store.saveSilence(silence('bad', { ends_at: T - 1 })), (error: unknown) => isPitwallError(error) && error.code === 'input' && /ends_at/.test(error.message));
        // A "__proto__" key as JSON makes it (an own key), not an object literal's prototype.
        await assert.rejects(store.saveSilence({ ...silence('x'), matchers: JSON.parse('{"rule_id": "a", "__proto__": {"polluted": 1}}') as never }), (error: unknown) => isPitwallError(error) && error.code === 'input');
        assert.equal(({} as { polluted?: number }).polluted, undefined);
      } finally {
        await store.close();
      }
      // Read again from a fresh process's view: it persisted.
      const again = await openStore(source);
      assert.equal((await again.readSilences()).length, 2);
      await again.close();
      if (kind === 'sqlite') {
        const check = spawnSync('python3', ['-c', 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); print(db.execute("PRAGMA integrity_check").fetchone()[0], db.execute("select count(*) from pitwall_silences").fetchone()[0])', source], { encoding: 'utf8' });
        assert.equal(check.stdout.trim(), 'ok 2', check.stderr);
      }
    });
  }

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`keep which alert conditions are firing, for the next process (${kind})`, async () => {
      const source = kind === 'jsonl' ? join(root, 'monitoring') : join(root, 'monitoring.db');
      const store = await openStore(source);
      try {
        assert.deepEqual({ ...(await store.readAlertStates()) }, {});
        await store.updateAlertStates({ '["r","v1.0",null]': T, '["r","v1.1",null]': T + 60 }, []);
        await store.updateAlertStates({ '["s","v1.0","circuit=spa"]': T + 120 }, ['["r","v1.0",null]']);
      } finally {
        await store.close();
      }
      const again = await openStore(source);
      try {
        assert.deepEqual({ ...(await again.readAlertStates()) }, { '["r","v1.1",null]': T + 60, '["s","v1.0","circuit=spa"]': T + 120 });
      } finally {
        await again.close();
      }
    });
  }

  it('refuses to rewrite a damaged silences file, and says where it is damaged', async () => {
    const folder = join(root, 'monitoring');
    const path = join(folder, 'silences.pitwall.json');
    writeFileSync(path, '[{"id": "x", "matchers": {"rule_id": "a"}, "starts_at": 1, "ends_at": "soon", "created_at": 1}]');
    const store = await openStore(folder);
    try {
      await assert.rejects(store.readSilences(), (error: unknown) => isPitwallError(error) && error.code === 'corrupt' && /element 0/.test(error.message) && /ends_at/.test(error.message));
      await assert.rejects(store.saveSilence(silence('c')), (error: unknown) => isPitwallError(error));
      assert.match(readFileSync(path, 'utf8'), /"soon"/, 'nothing written back');
    } finally {
      await store.close();
      rmSync(path);
    }
  });

  it('match an alert scope only while active, on every matcher they have', () => {
    const s = silence('m', { matchers: { rule_id: 'acc_low', model_version: 'v1.1' } });
    const scope = { rule_id: 'acc_low', model_version: 'v1.1', segment: null, severity: 'critical' };
    assert.equal(silences(s, T + 60, scope), true);
    assert.equal(silences(s, T - 60, scope), false);
    assert.equal(silences(s, T + 7200, scope), false);
    assert.equal(silences(s, T + 60, { ...scope, model_version: 'v1.0' }), false);
  });

  it('are added, listed and expired from the CLI, which refuses a silence without an end or matcher', async () => {
    const db = join(root, 'monitoring.db');
    const added = await pitwall('silence', 'add', db, '--rule', 'ece_high', '--for', '2h', '--comment', 'known issue', '--by', 'ana', '--json');
    assert.equal(added.status, 0, added.stderr);
    const id = (JSON.parse(added.stdout) as Silence).id;
    const listed = await pitwall('silence', 'list', db, '--all', '--json');
    assert.ok((JSON.parse(listed.stdout) as Silence[]).some((s) => s.id === id && s.created_by === 'ana'));
    assert.equal((await pitwall('silence', 'expire', db, id)).status, 0);
    assert.equal((await pitwall('silence', 'expire', db, 'zzz')).status, 2);
    assert.match((await pitwall('silence', 'add', db, '--rule', 'x')).stderr, /needs an end/);
    assert.match((await pitwall('silence', 'add', db, '--for', '1h')).stderr, /at least one matcher/);
    assert.match((await pitwall('silence', 'mute', db)).stderr, /unknown subcommand "mute".*valid: add, list, expire/);
  });
});

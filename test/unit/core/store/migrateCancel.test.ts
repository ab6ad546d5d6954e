import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { migrateJsonlToSqlite } from '../../../../src/core/store/migrate';

function count(database: string, table: string): number {
  const run = spawnSync('sqlite3', [database, `SELECT count(*) FROM ${table}`], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return Number(run.stdout.trim());
}

describe('cancelling a migration', () => {
  let dir = '';
  before(async function () {
    this.timeout(120_000);
    dir = mkdtempSync(join(tmpdir(), 'pitwall-migrate-cancel-'));
    await generateDataset({ outDir: dir, predictions: 12_000, seed: 5 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes no new database when cancelled while reading, and leaves no temporary file', async () => {
    const target = join(dir, 'new.db');
    const abort = new AbortController();
    let steps = 0;
    await assert.rejects(
      migrateJsonlToSqlite(join(dir, 'monitoring'), target, {
        signal: abort.signal,
        onProgress: (step) => {
          if (step.stage === 'rows' && ++steps === 2) abort.abort(new Error('cancelled by the user'));
        },
      }),
      /cancelled by the user/,
    );
    assert.ok(steps >= 2, 'progress was reported before the cancel');
    assert.equal(existsSync(target), false);
    assert.deepEqual(readdirSync(dir).filter((name) => name.startsWith('new.db')), []);
  });

  it('refuses to start when already cancelled', async () => {
    const abort = new AbortController();
    abort.abort(new Error('cancelled before it began'));
    await assert.rejects(migrateJsonlToSqlite(join(dir, 'monitoring'), join(dir, 'never.db'), { signal: abort.signal }), /cancelled before it began/);
    assert.equal(existsSync(join(dir, 'never.db')), false);
  });

  it('keeps the batches already committed to an existing database; migrating again adds exactly the rest', async () => {
    const target = join(dir, 'existing.db');
    // The first migration builds the database with the rules and no more: cancelled at the predictions.
    const full = await migrateJsonlToSqlite(join(dir, 'monitoring'), join(dir, 'reference.db'));
    const predictions = full.parts.find((part) => part.part === 'predictions')?.inserted ?? 0;
    assert.ok(predictions > 10_000);
    spawnSync('cp', [join(dir, 'reference.db'), target]);
    spawnSync('sqlite3', [target, 'DELETE FROM predictions WHERE id > 3000']);
    const abort = new AbortController();
    await assert.rejects(
      migrateJsonlToSqlite(join(dir, 'monitoring'), target, {
        batchSize: 500,
        signal: abort.signal,
        onProgress: (step) => {
          if (step.stage === 'rows' && step.part === 'predictions' && step.rows >= 6000) abort.abort(new Error('stop'));
        },
      }),
      /stop/,
    );
    const partial = count(target, 'predictions');
    assert.ok(partial >= 3000 && partial < predictions, `between the start and the whole (${partial})`);
    assert.equal(spawnSync('sqlite3', [target, 'PRAGMA integrity_check'], { encoding: 'utf8' }).stdout.trim(), 'ok');
    await migrateJsonlToSqlite(join(dir, 'monitoring'), target);
    assert.equal(count(target, 'predictions'), predictions);
    assert.equal(count(target, 'alerts'), count(join(dir, 'reference.db'), 'alerts'));
  });
});

import * as assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildSync } from 'esbuild';
import { generateDataset } from '../../../scripts/generator/generateDataset';

const REPO = join(__dirname, '../../..');

describe('the pitwall launcher and its compile cache', function () {
  this.timeout(120_000);
  let root = '';
  let dist = '';
  let db = '';

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-launcher-'));
    // The two bundles as esbuild.mjs makes them: the launcher and the CLI it runs.
    dist = join(root, 'dist');
    buildSync({ entryPoints: { cli: join(REPO, 'src/cli/launcher.ts'), 'pitwall-cli': join(REPO, 'src/cli/main.ts') }, bundle: true, platform: 'node', format: 'cjs', target: 'node20', outdir: dist, logLevel: 'silent' });
    copyFileSync(join(dirname(require.resolve('sql.js')), 'sql-wasm.wasm'), join(dist, 'sql-wasm.wasm'));
    await generateDataset({ outDir: root, predictions: 500, seed: 3 });
    db = join(root, 'monitoring.db');
  });

  after(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  function run(cache: string, ...args: string[]): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [join(dist, 'cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cache, PITWALL_COMPILE_CACHE: '' } });
  }

  function caches(cache: string): string[] {
    const folder = join(cache, 'pitwall', 'compile');
    return existsSync(folder) ? readdirSync(folder).sort() : [];
  }

  it('runs the CLI, keeps one cache per command, and uses it on the next run without writing it again', () => {
    const cache = join(root, 'cache-a');
    const first = run(cache, 'summary', db, '--json');
    assert.equal(first.status, 0, first.stderr);
    assert.equal((JSON.parse(first.stdout) as { predictions: number }).predictions, 500);
    const [file] = caches(cache);
    assert.match(file ?? '', /^summary-[0-9a-f]{16}\.bin$/);
    const path = join(cache, 'pitwall', 'compile', file as string);
    // An old time: a rewrite would show as a new one.
    utimesSync(path, new Date(2000, 0, 1), new Date(2000, 0, 1));
    const second = run(cache, 'summary', db, '--json');
    assert.equal(second.stdout, first.stdout);
    assert.equal(statSync(path).mtime.getFullYear(), 2000, 'V8 took the cache: nothing was written again');
    assert.equal(run(cache, '--version').status, 0);
    assert.deepEqual(caches(cache).map((name) => name.replace(/-.*/, '')), ['other', 'summary']);
  });

  it('keeps exit codes, standard error and output as the CLI gives them', () => {
    const cache = join(root, 'cache-b');
    const unknown = run(cache, 'nonsense');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command "nonsense"/);
    const missing = run(cache, 'summary', join(root, 'no-such.db'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no-such\.db/);
  });

  it('compiles as usual over a damaged cache, and replaces it', () => {
    const cache = join(root, 'cache-c');
    assert.equal(run(cache, 'summary', db).status, 0);
    const [file] = caches(cache);
    const path = join(cache, 'pitwall', 'compile', file as string);
    writeFileSync(path, 'not a code cache');
    const damaged = run(cache, 'summary', db);
    assert.equal(damaged.status, 0, damaged.stderr);
    assert.match(damaged.stdout, /predictions\s+500/);
    assert.notEqual(readFileSync(path, 'utf8').slice(0, 16), 'not a code cache');
  });

  it('runs where no cache can be written, and keeps none when asked not to', () => {
    const blocked = join(root, 'a-file');
    writeFileSync(blocked, '');
    const result = run(blocked, 'summary', db);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    const cache = join(root, 'cache-d');
    const off = spawnSync(process.execPath, [join(dist, 'cli.js'), 'summary', db], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cache, PITWALL_COMPILE_CACHE: '0' } });
    assert.equal(off.status, 0);
    assert.deepEqual(caches(cache), []);
  });

  it('does not run a cache that others could have written', () => {
    const cache = join(root, 'cache-f');
    assert.equal(run(cache, 'summary', db).status, 0);
    const folder = join(cache, 'pitwall', 'compile');
    const [file] = caches(cache);
    const path = join(folder, file as string);
    for (const [entry, mode] of [[path, 0o666], [folder, 0o777]] as const) {
      chmodSync(entry, mode);
      utimesSync(path, new Date(2000, 0, 1), new Date(2000, 0, 1));
      const result = run(cache, 'summary', db);
      assert.equal(result.status, 0, result.stderr);
      // Not taken: the command compiled afresh and wrote its own cache in its place.
      assert.notEqual(statSync(path).mtime.getFullYear(), 2000, `${entry} at ${mode.toString(8)}`);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      chmodSync(folder, 0o700);
    }
  });

  it('drops a command\'s cache of an older build when it writes the new one', () => {
    const cache = join(root, 'cache-e');
    assert.equal(run(cache, 'summary', db).status, 0);
    const [old] = caches(cache);
    // A new build: the bundle's time changes, and so does the key.
    const bundle = join(dist, 'pitwall-cli.js');
    utimesSync(bundle, new Date(), new Date(Date.now() + 60_000));
    assert.equal(run(cache, 'summary', db).status, 0);
    const now = caches(cache);
    assert.equal(now.length, 1);
    assert.notEqual(now[0], old);
  });
});

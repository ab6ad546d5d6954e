import * as assert from 'node:assert/strict';
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build, type PluginBuild } from 'esbuild';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import { toPythonAlert, toPythonLine } from '../../../src/core/store/jsonl/pythonRecords';
import { NEW_ALERT } from '../core/store/jsonl/support';
import { startPostgresFixture } from '../core/store/postgres/support';

const REPO = join(__dirname, '../../..');

describe('the pitwall launcher and its compile cache', function () {
  this.timeout(120_000);
  let root = '';
  let dist = '';
  let db = '';

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-launcher-'));
    // The bundles as esbuild.mjs makes them: the launcher and the CLI it runs, whole and brief.
    dist = join(root, 'dist');
    // vega-canvas's browser build, as esbuild.mjs takes it (its Node build has a top-level await).
    const vegaCanvas = require.resolve('vega-canvas').replace(/vega-canvas\.node\.js$/, 'vega-canvas.browser.js');
    const plugins = [{ name: 'vega-without-canvas', setup: (esbuild: PluginBuild) => void esbuild.onResolve({ filter: /^vega-canvas$/ }, () => ({ path: vegaCanvas })) }];
    // Built as esbuild.mjs builds them: without comments or spaces, so the bundle is ASCII alone.
    await build({ entryPoints: { cli: join(REPO, 'src/cli/launcher.ts'), 'pitwall-cli': join(REPO, 'src/cli/main.ts'), 'pitwall-brief': join(REPO, 'src/cli/briefMain.ts') }, bundle: true, platform: 'node', format: 'cjs', target: 'node20', outdir: dist, logLevel: 'silent', minifyWhitespace: true, minifySyntax: true, plugins, define: { PITWALL_BUILD: JSON.stringify('launcher-test-build') } });
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

  /** The name of a command's cache for a bundle, as the launcher makes it. */
  function cacheNameOf(command: string, bundle: string): string {
    const digest = createHash('sha256').update(readFileSync(bundle)).digest();
    return `${command}-${createHash('sha256').update(`${process.version}\u0000${process.versions.v8}\u0000${process.arch}\u0000`).update(digest).digest('hex').slice(0, 16)}.bin`;
  }

  it('runs the brief commands from their own bundle, printing and writing what the whole CLI does', () => {
    const cache = join(root, 'cache-brief');
    const whole = (...args: string[]) => spawnSync(process.execPath, [join(dist, 'pitwall-cli.js'), ...args], { encoding: 'utf8' });
    // Three open alerts, as the Python service writes them.
    const base = join(root, 'acks.db');
    copyFileSync(db, base);
    const inserted = spawnSync('sqlite3', [base, `INSERT INTO alerts (alert_id, timestamp, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged, created_at)
      VALUES ('alert_a', '2026-10-01 00:00:00.000000', 'critical', 'accuracy Alert', 'accuracy is 0.61 (threshold: 0.78)', 'accuracy', 0.61, 0.78, 'performance', 'v1.1', 0, '2026-10-01 00:00:00.000000'),
             ('alert_b', '2026-10-01 01:00:00.000000', 'warning', 'accuracy Alert', 'accuracy is 0.70 (threshold: 0.78)', 'accuracy', 0.7, 0.78, 'performance', 'v1.0', 0, '2026-10-01 01:00:00.000000'),
             ('alert_c', '2026-10-01 02:00:00.000000', 'critical', 'accuracy Alert', 'accuracy is 0.65 (threshold: 0.78)', 'accuracy', 0.65, 0.78, 'performance', 'v1.1', 0, '2026-10-01 02:00:00.000000');`], { encoding: 'utf8' });
    assert.equal(inserted.status, 0, inserted.stderr);
    const listed = JSON.parse(run(cache, 'alerts', base, '--unacknowledged', '--limit', '2', '--json').stdout) as { key: string }[];
    const [first, second] = listed.map((alert) => alert.key);
    assert.ok(first !== undefined && second !== undefined);
    const copies = ['brief', 'whole'].map((name) => {
      const copy = join(root, `acks-${name}.db`);
      copyFileSync(base, copy);
      return copy;
    });
    const [briefDb, wholeDb] = copies as [string, string];
    const lines: (readonly string[])[] = [
      ['summary', '{db}', '--json'],
      ['summary', '{db}'],
      ['alerts', '{db}', '--limit', '5'],
      ['alerts', '{db}', '--severity', 'critical', '--json'],
      ['ack', '{db}', first, second, '--by', 'oncall', '--comment', 'looked', '--json'],
      ['ack', '{db}', first, 'no-such-alert'],
      ['unack', '{db}', second],
      ['ack', '--help'],
      ['alerts', '{db}', '--limt', '5'],
    ];
    for (const line of lines) {
      const brief = run(cache, ...line.map((arg) => arg.replace('{db}', briefDb)));
      const full = whole(...line.map((arg) => arg.replace('{db}', wholeDb)));
      const shown = line.join(' ');
      assert.equal(brief.status, full.status, shown);
      assert.equal(brief.stdout.replaceAll(briefDb, '{db}'), full.stdout.replaceAll(wholeDb, '{db}'), shown);
      assert.equal(brief.stderr.replaceAll(briefDb, '{db}'), full.stderr.replaceAll(wholeDb, '{db}'), shown);
    }
    const ackRows = (file: string) => spawnSync('sqlite3', [file, 'SELECT id, acknowledged, acknowledged_by FROM alerts WHERE acknowledged_by IS NOT NULL ORDER BY id'], { encoding: 'utf8' }).stdout;
    assert.equal(ackRows(briefDb), ackRows(wholeDb));
    assert.match(ackRows(briefDb), /\|1\|oncall/);
    // They ran from the brief bundle: their caches are named by its text.
    for (const command of ['summary', 'alerts', 'ack', 'unack']) assert.ok(caches(cache).includes(cacheNameOf(command, join(dist, 'pitwall-brief.js'))), command);
  });

  it('runs the brief commands on a PostgreSQL server from their bundle as the whole CLI does', async () => {
    const fixture = await startPostgresFixture(300, 5);
    try {
      const cache = join(root, 'cache-brief-postgres');
      const whole = (...args: string[]) => spawnSync(process.execPath, [join(dist, 'pitwall-cli.js'), ...args], { encoding: 'utf8' });
      fixture.cluster.psql('base', `INSERT INTO alerts (alert_id, timestamp, severity, title, message, metric_name, metric_value, threshold, component, model_version, acknowledged)
        VALUES ('alert_pg', '2026-10-01 00:00:00', 'critical', 'accuracy Alert', 'accuracy is 0.61 (threshold: 0.78)', 'accuracy', 0.61, 0.78, 'performance', 'v1.1', false)`);
      const [briefUrl, wholeUrl] = [fixture.clone('brief'), fixture.clone('whole')] as [string, string];
      const open = JSON.parse(run(cache, 'alerts', briefUrl, '--unacknowledged', '--limit', '1', '--json').stdout) as { key: string }[];
      const key = open[0]?.key;
      assert.ok(key !== undefined, 'an open alert');
      for (const line of [['summary', '{url}', '--json'], ['alerts', '{url}', '--limit', '5'], ['ack', '{url}', key, '--by', 'oncall', '--json'], ['unack', '{url}', key]]) {
        const brief = run(cache, ...line.map((arg) => arg.replace('{url}', briefUrl)));
        const full = whole(...line.map((arg) => arg.replace('{url}', wholeUrl)));
        assert.equal(brief.status, 0, brief.stderr);
        assert.equal(brief.status, full.status, line.join(' '));
        assert.equal(brief.stdout, full.stdout, line.join(' '));
        assert.equal(brief.stderr.replaceAll(briefUrl, '{url}'), full.stderr.replaceAll(wholeUrl, '{url}'), line.join(' '));
      }
      assert.ok(caches(cache).includes(cacheNameOf('ack', join(dist, 'pitwall-brief.js'))));
    } finally {
      fixture.close();
    }
  });

  it('runs a brief command from the whole bundle when the brief one is missing', () => {
    const cache = join(root, 'cache-no-brief');
    const other = join(root, 'dist-no-brief');
    mkdirSync(other);
    for (const name of readdirSync(dist)) if (name !== 'pitwall-brief.js') copyFileSync(join(dist, name), join(other, name));
    const result = spawnSync(process.execPath, [join(other, 'cli.js'), 'summary', db, '--json'], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cache, PITWALL_COMPILE_CACHE: '' } });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, run(join(root, 'cache-brief-summary'), 'summary', db, '--json').stdout);
    assert.deepEqual(caches(cache), [cacheNameOf('summary', join(other, 'pitwall-cli.js'))]);
  });

  it('runs the whole bundle when the brief one is empty or cut off, and says so when the whole one is', () => {
    const other = join(root, 'dist-damaged');
    mkdirSync(other);
    for (const name of readdirSync(dist)) copyFileSync(join(dist, name), join(other, name));
    const expected = run(join(root, 'cache-damaged-expected'), 'summary', db, '--json').stdout;
    const brief = join(other, 'pitwall-brief.js');
    const text = readFileSync(brief, 'latin1');
    for (const [damage, content] of [['empty', ''], ['cut off', text.slice(0, Math.floor(text.length / 2))]] as const) {
      writeFileSync(brief, content, 'latin1');
      const cache = join(root, `cache-damaged-${damage.replace(' ', '-')}`);
      const result = spawnSync(process.execPath, [join(other, 'cli.js'), 'summary', db, '--json'], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cache, PITWALL_COMPILE_CACHE: '' } });
      assert.equal(result.status, 0, `${damage}: ${result.stderr}`);
      assert.equal(result.stdout, expected, damage);
      assert.deepEqual(caches(cache), [cacheNameOf('summary', join(other, 'pitwall-cli.js'))], damage);
    }
    writeFileSync(join(other, 'pitwall-cli.js'), '');
    const whole = spawnSync(process.execPath, [join(other, 'cli.js'), 'status', db], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: join(root, 'cache-damaged-whole'), PITWALL_COMPILE_CACHE: '' } });
    assert.equal(whole.status, 1);
    assert.match(whole.stderr, /pitwall-cli\.js holds no CLI/);
  });

  it('reads an ASCII bundle as the same text: characters its strings escape come out whole', () => {
    for (const bundle of ['pitwall-cli.js', 'pitwall-brief.js']) assert.ok(isAscii(readFileSync(join(dist, bundle))), `${bundle} is ASCII`);
    const help = run(join(root, 'cache-ascii'), 'help', 'alerts');
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^pitwall alerts \u2014 the alerts of a source/, 'an em dash, not its UTF-8 bytes read one by one');
    // A bundle whose strings hold the characters themselves (a build that does not escape them) is read as UTF-8.
    const other = join(root, 'dist-utf8');
    mkdirSync(other);
    for (const name of readdirSync(dist)) copyFileSync(join(dist, name), join(other, name));
    const bundle = join(other, 'pitwall-cli.js');
    writeFileSync(bundle, readFileSync(bundle, 'latin1').replaceAll('\\u2014', '\u2014'), 'utf8');
    assert.ok(!isAscii(readFileSync(bundle)));
    const raw = spawnSync(process.execPath, [join(other, 'cli.js'), 'help', 'alerts'], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: join(root, 'cache-utf8'), PITWALL_COMPILE_CACHE: '' } });
    assert.equal(raw.stdout, help.stdout);
  });

  it('keeps exit codes, standard error and output as the CLI gives them, and caches no failed run', () => {
    const cache = join(root, 'cache-b');
    const unknown = run(cache, 'nonsense');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command "nonsense"/);
    const missing = run(cache, 'summary', join(root, 'no-such.db'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no-such\.db/);
    assert.deepEqual(caches(cache), []);
  });

  it('compiles as usual over a damaged cache, and replaces it', () => {
    const cache = join(root, 'cache-c');
    assert.equal(run(cache, 'summary', db).status, 0);
    const [file] = caches(cache);
    const path = join(cache, 'pitwall', 'compile', file as string);
    const whole = readFileSync(path);
    writeFileSync(path, 'not a code cache');
    const damaged = run(cache, 'summary', db);
    assert.equal(damaged.status, 0, damaged.stderr);
    assert.match(damaged.stdout, /predictions\s+500/);
    assert.notEqual(readFileSync(path, 'utf8').slice(0, 16), 'not a code cache');
    // Bytes changed inside the compiled code, which V8 itself would run (and crash on): refused first.
    const flipped = Buffer.from(whole);
    const middle = Math.floor(flipped.length / 2);
    for (let i = 0; i < 64; i++) flipped.writeUInt8(flipped.readUInt8(middle + i) ^ 0xff, middle + i);
    writeFileSync(path, flipped);
    const inside = run(cache, 'summary', db);
    assert.equal(inside.status, 0, inside.stderr);
    assert.match(inside.stdout, /predictions\s+500/);
  });

  it('tells bundles apart by their text, not their size and time', () => {
    const cache = join(root, 'cache-g');
    const other = join(root, 'dist-g');
    mkdirSync(other);
    for (const name of readdirSync(dist)) copyFileSync(join(dist, name), join(other, name));
    const bundle = join(other, 'pitwall-cli.js');
    const before = statSync(bundle);
    const launcher = join(other, 'cli.js');
    const version = (env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [launcher, '--version'], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cache, PITWALL_COMPILE_CACHE: '', ...env } }).stdout;
    const shipped = version();
    assert.match(shipped, /^\d+\.\d+\.\d+\n$/);
    assert.equal(version(), shipped);
    // A release that changes only its version, repacked with the same size and time.
    const text = readFileSync(bundle, 'utf8');
    const renamed = text.replace(JSON.stringify(shipped.trim()), JSON.stringify('9.9.9'.padEnd(shipped.trim().length, '9')));
    assert.notEqual(renamed, text);
    assert.equal(renamed.length, text.length);
    writeFileSync(bundle, renamed);
    utimesSync(bundle, before.atime, before.mtime);
    assert.match(version(), /^9\.9\.9/);
  });

  it('keeps the alert index of a large JSONL folder beside its compile cache, used by the next run; none with an empty HOME', () => {
    const folder = join(root, 'large-alerts');
    mkdirSync(folder);
    const lines: string[] = [];
    for (let i = 0; i < 4000; i++) lines.push(toPythonLine(toPythonAlert({ ...NEW_ALERT, timestamp: 1790000000 + i, alert_id: `alert_${i}` })));
    writeFileSync(join(folder, 'alerts.jsonl'), lines.join(''));
    const cache = join(root, 'cache-alerts');
    const first = run(cache, 'alerts', folder, '--limit', '5');
    assert.equal(first.status, 0, first.stderr);
    const indexFolder = join(cache, 'pitwall', 'alerts');
    const [index] = readdirSync(indexFolder);
    assert.match(index as string, /^[0-9a-f]{32}\.v8$/);
    const made = statSync(join(indexFolder, index as string)).mtimeMs;
    const second = run(cache, 'alerts', folder, '--limit', '5');
    assert.equal(second.stdout, first.stdout);
    // Used as it was, so not written again: by the brief bundle's commands and the whole bundle's alike.
    const status = run(cache, 'status', folder, '--json');
    assert.equal(status.status, 0, status.stderr);
    assert.equal(run(cache, 'alerts', folder, '--limit', '5').stdout, first.stdout);
    assert.equal(statSync(join(indexFolder, index as string)).mtimeMs, made);
    const home = spawnSync(process.execPath, [join(dist, 'cli.js'), 'alerts', folder, '--limit', '5'], { encoding: 'utf8', cwd: root, env: { ...process.env, HOME: '', XDG_CACHE_HOME: '', PITWALL_COMPILE_CACHE: '' } });
    assert.equal(home.stdout, first.stdout, home.stderr);
    assert.ok(!existsSync(join(root, '.cache')), 'nothing under the working directory');
  });

  it('ignores a relative XDG_CACHE_HOME, as the XDG rules say', () => {
    const home = join(root, 'home-h');
    mkdirSync(home);
    const relative = spawnSync(process.execPath, [join(dist, 'cli.js'), '--version'], { encoding: 'utf8', cwd: root, env: { ...process.env, HOME: home, XDG_CACHE_HOME: 'relative-cache', PITWALL_COMPILE_CACHE: '' } });
    assert.equal(relative.status, 0);
    assert.ok(!existsSync(join(root, 'relative-cache')), 'nothing under the working directory');
    assert.equal(readdirSync(join(home, '.cache', 'pitwall', 'compile')).length, 1);
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

  it('does not follow a symlink at the cache path, even to a whole cache of its own', () => {
    const cache = join(root, 'cache-h');
    assert.equal(run(cache, 'summary', db).status, 0);
    const folder = join(cache, 'pitwall', 'compile');
    const [file] = caches(cache);
    const path = join(folder, file as string);
    // A valid cache, this user's, mode 0600: only the link in front of it is wrong.
    const elsewhere = join(root, 'cache-h-target.bin');
    renameSync(path, elsewhere);
    symlinkSync(elsewhere, path);
    const result = run(cache, 'summary', db);
    assert.equal(result.status, 0, result.stderr);
    // Not taken: the command compiled afresh and put a file of its own where the link was.
    assert.ok(lstatSync(path).isFile(), 'the link was replaced by a cache file');
    assert.equal(lstatSync(path).mode & 0o777, 0o600);
  });

  it('keeps the three newest caches of a command as builds change', () => {
    const cache = join(root, 'cache-e');
    // `summary` runs from the brief bundle.
    const bundle = join(dist, 'pitwall-brief.js');
    const text = readFileSync(bundle, 'utf8');
    const written: string[] = [];
    try {
      for (let build = 0; build < 5; build++) {
        // A new build: other text, so another key.
        writeFileSync(bundle, `${text}\n// build ${build}\n`);
        assert.equal(run(cache, 'summary', db).status, 0);
        const added = caches(cache).filter((name) => !written.includes(name));
        assert.equal(added.length, 1);
        written.push(added[0] as string);
        const path = join(cache, 'pitwall', 'compile', added[0] as string);
        utimesSync(path, new Date(2001 + build, 0, 1), new Date(2001 + build, 0, 1));
      }
      assert.deepEqual(caches(cache), written.slice(-3).sort());
    } finally {
      writeFileSync(bundle, text);
    }
  });
});

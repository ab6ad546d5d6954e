/**
 * The `pitwall` command (bundled as dist/cli.js): runs the CLI bundle beside it
 * (dist/pitwall-cli.js; for the brief commands, ack, alerts and summary, dist/pitwall-brief.js, a
 * third of the size and without the analytics, charts and channels) through V8's code cache, so that a run after the first neither parses
 * nor compiles the bundle's code again — what Node 22 offers as module.enableCompileCache, for
 * the Node 20 this project supports.
 *
 * A cache is kept per command word (the functions `trend` compiles are not those of `ack`), in
 * $XDG_CACHE_HOME/pitwall/compile (else ~/.cache/pitwall/compile). It is keyed by a hash of the
 * bundle's text and by Node's and V8's versions, since V8 itself only checks the source's length;
 * and it holds a hash of its own data, checked before V8 sees it, since V8 takes damaged data as
 * code. It is written by a run that succeeded, and the three newest caches of a command are kept.
 * PITWALL_COMPILE_CACHE=0 turns it off. The cache only ever costs or saves time: one that cannot
 * be read, written or trusted (others could have written it) leaves the command to compile as usual.
 */
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { BRIEF_BUNDLE_NAMES } from './briefNames';
import { userCacheFolder } from './cacheFolder';

/** The arguments CommonJS hands a module's code. */
type ModuleFunction = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

/** Caches of one command kept at once: a global install and an editor's copy need not evict each other. */
const KEPT = 3;
const DIGEST_BYTES = 32;

function digest(data: string | Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/** The cache folder; none without a home (an unnamed container user, an empty HOME) or when turned off. */
function cacheFolder(): string | undefined {
  return process.env.PITWALL_COMPILE_CACHE === '0' ? undefined : userCacheFolder(process.env, 'compile');
}

function cacheFile(bundleDigest: Buffer): string | undefined {
  const folder = cacheFolder();
  if (folder === undefined) return undefined;
  // The first argument names the cache when it looks like a command; anything else shares one.
  const command = /^[a-z][a-z-]{0,19}$/.test(process.argv[2] ?? '') ? (process.argv[2] as string) : 'other';
  const key = createHash('sha256').update(`${process.version}\u0000${process.versions.v8}\u0000${process.arch}\u0000`).update(bundleDigest).digest('hex').slice(0, 16);
  return join(folder, `${command}-${key}.bin`);
}

/**
 * The cache's compiled code, if this user alone could have written it (compiled code is code: a
 * cache in a folder others may write is not run) and it is whole. The file is opened once, without
 * following a symlink, and checked and read through that one descriptor: what was checked is
 * what is read, even if the path is swapped in between.
 */
function readCache(path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  const uid = process.getuid?.();
  const trusted = (stat: Stats) => uid === undefined || (stat.uid === uid && (stat.mode & 0o022) === 0);
  let descriptor: number | undefined;
  try {
    if (!trusted(statSync(dirname(path)))) return undefined;
    descriptor = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const stat = fstatSync(descriptor);
    if (!stat.isFile() || !trusted(stat)) return undefined;
    const file = readFileSync(descriptor);
    const data = file.subarray(DIGEST_BYTES);
    return file.length > DIGEST_BYTES && digest(data).equals(file.subarray(0, DIGEST_BYTES)) ? data : undefined;
  } catch {
    return undefined;
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

/**
 * Writes the cache whole or not at all (a run at the same time reads either file, never half of
 * one), then keeps only the newest caches of this command.
 */
function writeCache(path: string, data: Buffer): void {
  try {
    const folder = dirname(path);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const partial = `${path}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(partial, Buffer.concat([digest(data), data]), { mode: 0o600 });
    renameSync(partial, path);
    const name = basename(path);
    const prefix = name.slice(0, name.lastIndexOf('-') + 1);
    const same = readdirSync(folder)
      .filter((other) => other.startsWith(prefix) && /^[0-9a-f]{16}\.bin$/.test(other.slice(prefix.length)))
      .map((other) => ({ other, time: statSync(join(folder, other)).mtimeMs }))
      .sort((a, b) => b.time - a.time);
    for (const { other } of same.slice(KEPT)) if (other !== name) rmSync(join(folder, other), { force: true });
  } catch {
    // A read-only or full disk: the next run compiles as this one did.
  }
}

/**
 * Commands that read a few pages and answer: SQLite's WebAssembly (sql.js) runs on V8's baseline
 * compiler alone for them. The optimizing compiler's background work would outlast the command
 * (it adds about 0.1 s to `pitwall alerts`) and never pay off in so short a run.
 */
const BRIEF_COMMANDS = new Set(['summary', 'alerts', 'ack', 'unack', 'rules', 'rule', 'outcome', 'deliveries', 'silence']);

/** The bundle for this command line, and its text: the brief one when it has the command (and is there). */
function readBundle(): { bundle: string; bytes: Buffer } {
  if (BRIEF_BUNDLE_NAMES.includes(process.argv[2] ?? '')) {
    const bundle = join(__dirname, 'pitwall-brief.js');
    try {
      return { bundle, bytes: readFileSync(bundle) };
    } catch {
      // A build without it (an older copy of the folder): the full bundle has every command.
    }
  }
  const bundle = join(__dirname, 'pitwall-cli.js');
  return { bundle, bytes: readFileSync(bundle) };
}

function launch(): void {
  if (BRIEF_COMMANDS.has(process.argv[2] ?? '')) setFlagsFromString('--liftoff-only');
  const { bundle, bytes } = readBundle();
  const bundleDigest = digest(bytes);
  const path = cacheFile(bundleDigest);
  // A bundle of ASCII alone (esbuild escapes every other character of the code) is the same text
  // read as Latin-1, which skips UTF-8 decoding: a few milliseconds of every command's start.
  const source = typeof isAscii === 'function' && isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const cachedData = readCache(path);
  // The same wrapper Node puts around a CommonJS module, so lines and columns stay the bundle's own.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source.replace(/^#!.*/, '')}\n})`, {
    filename: bundle,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  if (path !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    // At exit the cache holds every function this command compiled, not only the top level; a
    // failed run (a typo, bad input) may have compiled little of it, and writes none.
    process.once('exit', (code) => {
      if (code === 0) writeCache(path, script.createCachedData());
    });
  }
  const module = { exports: {} as { main?: (build: string) => void } };
  (script.runInThisContext() as ModuleFunction)(module.exports, createRequire(bundle), module, bundle, __dirname);
  // The bundle's digest names the build that makes an alert index (src/core/store/jsonl/alertIndex.ts).
  module.exports.main?.(bundleDigest.toString('hex').slice(0, 16));
}

launch();

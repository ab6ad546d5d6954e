/**
 * The `pitwall` command (bundled as dist/cli.js): runs the CLI bundle beside it through V8's code
 * cache, so that a run after the first neither parses nor compiles the bundle's code again — what
 * Node 22 offers as module.enableCompileCache, for the Node 20 this project supports. The bundle
 * is dist/pitwall-cli.js, or for the brief commands (summary, alerts, ack, unack)
 * dist/pitwall-brief.js, a third of the size, without the analytics, charts and channels.
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
const LIFTOFF_COMMANDS = new Set([...BRIEF_BUNDLE_NAMES, 'rules', 'rule', 'outcome', 'deliveries', 'silence']);

/** A bundle loaded and run to its exports: its `main`, and the digest of its text. */
interface Loaded {
  readonly main: (build: string) => void;
  readonly digest: Buffer;
}

/**
 * Reads, compiles and runs a bundle through its compile cache. Undefined when `optional` and the
 * bundle cannot be read, does not compile, or exports no `main` (an empty or cut-off copy): the
 * caller runs the whole bundle then. The whole bundle's own failures are thrown as they are.
 */
function load(bundle: string, optional: boolean): Loaded | undefined {
  let bundleDigest: Buffer;
  let script: Script;
  let path: string | undefined;
  let cachedData: Buffer | undefined;
  try {
    const bytes = readFileSync(bundle);
    bundleDigest = digest(bytes);
    path = cacheFile(bundleDigest);
    // A bundle of ASCII alone (esbuild escapes every other character of the code) is the same text
    // read as Latin-1, which skips UTF-8 decoding: a few milliseconds of every command's start.
    const source = typeof isAscii === 'function' && isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
    cachedData = readCache(path);
    // The same wrapper Node puts around a CommonJS module, so lines and columns stay the bundle's own.
    script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source.replace(/^#!.*/, '')}\n})`, {
      filename: bundle,
      ...(cachedData === undefined ? {} : { cachedData }),
    });
  } catch (error) {
    if (optional) return undefined;
    throw error;
  }
  const module = { exports: {} as { main?: unknown } };
  (script.runInThisContext() as ModuleFunction)(module.exports, createRequire(bundle), module, bundle, __dirname);
  const main = module.exports.main;
  if (typeof main !== 'function') {
    if (optional) return undefined;
    throw new Error(`${bundle} holds no CLI (is the installation damaged? build or install Pitwall again)`);
  }
  const cache = path;
  if (cache !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    // At exit the cache holds every function this command compiled, not only the top level; a
    // failed run (a typo, bad input) may have compiled little of it, and writes none.
    process.once('exit', (code) => {
      if (code === 0) writeCache(cache, script.createCachedData());
    });
  }
  return { main: main as (build: string) => void, digest: bundleDigest };
}

/**
 * The build that makes an alert index (src/core/store/jsonl/alertIndex.ts): a digest of the
 * sources both bundles are built from (esbuild.mjs defines it), so that an index made by `alerts`
 * serves `status` and the reverse; a bundle built without it is named by its own text.
 */
declare const PITWALL_BUILD: string | undefined;

function buildOf(loaded: Loaded): string {
  return typeof PITWALL_BUILD === 'string' ? PITWALL_BUILD : loaded.digest.toString('hex').slice(0, 16);
}

function launch(): void {
  if (LIFTOFF_COMMANDS.has(process.argv[2] ?? '')) setFlagsFromString('--liftoff-only');
  // The brief bundle when it has the command and is whole; the whole bundle has every command.
  const brief = BRIEF_BUNDLE_NAMES.includes(process.argv[2] ?? '') ? load(join(__dirname, 'pitwall-brief.js'), true) : undefined;
  const loaded = brief ?? (load(join(__dirname, 'pitwall-cli.js'), false) as Loaded);
  loaded.main(buildOf(loaded));
}

launch();

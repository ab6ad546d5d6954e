/**
 * The `pitwall` command (bundled as dist/cli.js): runs the CLI bundle beside it
 * (dist/pitwall-cli.js) through V8's code cache, so that a run after the first neither parses
 * nor compiles the bundle's code again — what Node 22 offers as module.enableCompileCache, for
 * the Node 20 this project supports. A cache is kept per command (the functions `trend` compiles
 * are not those of `ack`), in $XDG_CACHE_HOME/pitwall/compile (else ~/.cache/pitwall/compile), and is
 * keyed by the bundle's size and time and Node's version; V8 itself refuses data that does not
 * match the source. PITWALL_COMPILE_CACHE=0 turns it off. The cache only ever costs or saves
 * time: a cache that cannot be read, written or used, or that others could have written, leaves
 * the command to compile as usual.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The arguments CommonJS hands a module's code. */
type ModuleFunction = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

const bundle = join(__dirname, 'pitwall-cli.js');

function cacheFile(stamp: string): string | undefined {
  if (process.env.PITWALL_COMPILE_CACHE === '0') return undefined;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  // Only a command's name (a word) names its cache; anything else shares one.
  const command = /^[a-z][a-z-]{0,19}$/.test(process.argv[2] ?? '') ? (process.argv[2] as string) : 'other';
  const key = createHash('sha256').update(`${process.version}\u0000${process.arch}\u0000${stamp}`).digest('hex').slice(0, 16);
  return join(base, 'pitwall', 'compile', `${command}-${key}.bin`);
}

/**
 * The cache, if this user alone could have written it: compiled code is code, so a cache in a
 * folder others may write (a shared $XDG_CACHE_HOME, say) is not run.
 */
function readCache(path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    const uid = process.getuid?.();
    for (const entry of [dirname(path), path]) {
      const stat = statSync(entry);
      if (uid !== undefined && (stat.uid !== uid || (stat.mode & 0o022) !== 0)) return undefined;
    }
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Writes the cache whole or not at all (a second run at the same time reads either file, never
 * half of one), and removes this command's caches of other builds.
 */
function writeCache(path: string, data: Buffer): void {
  try {
    const folder = dirname(path);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const partial = `${path}.${process.pid}.tmp`;
    writeFileSync(partial, data, { mode: 0o600 });
    renameSync(partial, path);
    const command = basename(path).slice(0, basename(path).lastIndexOf('-') + 1);
    for (const name of readdirSync(folder)) if (name.startsWith(command) && name.endsWith('.bin') && name !== basename(path)) rmSync(join(folder, name), { force: true });
  } catch {
    // A read-only or full disk: the next run compiles as this one did.
  }
}

function launch(): void {
  const source = readFileSync(bundle, 'utf8');
  const stat = statSync(bundle);
  const path = cacheFile(`${stat.size}\u0000${stat.mtimeMs}`);
  const cachedData = readCache(path);
  // The same wrapper Node puts around a CommonJS module, so lines and columns stay the bundle's own.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source.replace(/^#!.*/, '')}\n})`, {
    filename: bundle,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  if (path !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    // At exit the cache holds every function this command compiled, not only the top level.
    process.once('exit', () => writeCache(path, script.createCachedData()));
  }
  const module = { exports: {} as { main?: () => void } };
  (script.runInThisContext() as ModuleFunction)(module.exports, createRequire(bundle), module, bundle, __dirname);
  module.exports.main?.();
}

launch();

#!/usr/bin/env node
// Installs what the integration tests and `npm start` need, idempotently:
// Debian packages (as root) and code-server in a cache outside the clone.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, rmSync, copyFileSync, chmodSync, readdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
const RIPGREP_CACHE = `vscode-ripgrep-cache-1.15.11`;
const RIPGREP_ARCHIVE = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

/** Debian package → a file that proves it is installed. */
const DEBIAN = {
  chromium: '/usr/bin/chromium',
  'libkrb5-dev': '/usr/include/gssapi.h',
  ripgrep: '/usr/bin/rg',
  sqlite3: '/usr/bin/sqlite3',
  python3: '/usr/bin/python3',
  // The CLI's completion tests check the zsh script with zsh itself.
  zsh: '/usr/bin/zsh',
  // The PostgreSQL store's tests start a throw-away cluster (initdb, pg_ctl) and write with psql.
  postgresql: '/usr/bin/psql',
};

/** Binaries a package must have beside its proof file: the server's, in Debian's versioned folder. */
const ALSO = {
  postgresql: () => existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb'))),
};

export function cacheDir() {
  return process.env.PITWALL_CACHE_DIR || join(homedir(), '.cache', 'pitwall');
}

export function codeServerBin() {
  return join(cacheDir(), `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
}

function log(message) {
  process.stdout.write(`[setup] ${message}\n`);
}

export function ensureDebianPackages(packages = Object.keys(DEBIAN)) {
  const missing = packages.filter((name) => !existsSync(DEBIAN[name]) || (ALSO[name] !== undefined && !ALSO[name]()));
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      `Missing Debian packages: ${missing.join(' ')}.\nInstall them with:\n  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

/** code-server's ripgrep dependency downloads `rg` from the internet unless this archive is cached. */
function ensureRipgrepArchive() {
  const dir = join(process.env.TMPDIR || tmpdir(), RIPGREP_CACHE);
  const archive = join(dir, RIPGREP_ARCHIVE);
  if (existsSync(archive)) return;
  mkdirSync(dir, { recursive: true });
  const staging = join(dir, 'staging');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  copyFileSync('/usr/bin/rg', join(staging, 'rg'));
  chmodSync(join(staging, 'rg'), 0o755);
  execFileSync('tar', ['-czf', archive, '-C', staging, 'rg']);
  rmSync(staging, { recursive: true, force: true });
}

export function ensureCodeServer() {
  const bin = codeServerBin();
  const prefix = join(cacheDir(), `code-server-${CODE_SERVER_VERSION}`);
  const marker = join(prefix, '.pitwall-installed');
  if (existsSync(bin) && existsSync(marker)) return bin;
  ensureRipgrepArchive();
  log(`installing code-server ${CODE_SERVER_VERSION} into ${prefix} (about a minute, once)`);
  mkdirSync(prefix, { recursive: true });
  writeFileSync(join(prefix, 'package.json'), JSON.stringify({ name: 'pitwall-code-server', private: true }));
  const result = spawnSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`],
    {
      cwd: prefix,
      stdio: 'inherit',
      env: { ...process.env, npm_config_unsafe_perm: 'true', npm_config_yes: 'true' },
    },
  );
  if (result.status !== 0 || !existsSync(bin)) {
    throw new Error(`code-server install failed (exit ${result.status}); see the npm output above`);
  }
  writeFileSync(marker, new Date().toISOString());
  return bin;
}

export function setup() {
  ensureDebianPackages();
  return ensureCodeServer();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    // `--debian`: only the Debian packages (what the unit tests need), not code-server.
    if (process.argv.includes('--debian')) ensureDebianPackages();
    else log(`ready: ${setup()}`);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

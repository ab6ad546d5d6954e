/**
 * A throw-away PostgreSQL cluster for tests: initdb in a temporary folder, the server on a free
 * loopback port with durability off (nothing here must survive), stopped and removed after. As
 * root (CI), initdb refuses to run, so the cluster belongs to the `postgres` user and its
 * commands run through `su`. Debian's `postgresql` package provides the binaries
 * (`node scripts/setupTestDeps.mjs --debian` installs it); a missing one is an error, not a skip.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PostgresCluster {
  readonly host: string;
  readonly port: number;
  /** The superuser, with password `password` (scram-sha-256 over TCP, so a wrong one is refused). */
  readonly user: string;
  readonly password: string;
  /** `postgres://user:password@127.0.0.1:port/<database>`. */
  url(database: string, password?: string): string;
  /** Creates an empty database. */
  createDatabase(name: string): void;
  /** Runs SQL through psql, as another process would. */
  psql(database: string, sql: string): string;
  /** The same, without blocking this process: the other process runs while this one works. */
  psqlAsync(database: string, sql: string): Promise<string>;
  /** Stops the server and starts it again (a fast shutdown: sessions are cut). */
  restart(): void;
  stop(): void;
}

/** initdb, pg_ctl and psql: Debian's newest version folder, else the PATH. */
export function findPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir !== '' && existsSync(join(dir, 'initdb'))) return dir;
  throw new Error('PostgreSQL is not installed (no initdb): run `node scripts/setupTestDeps.mjs --debian` (Debian package postgresql).');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function quoteShell(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Starts a cluster; throws with the server's log when it cannot. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  const root = mkdtempSync(join(tmpdir(), 'pitwall-pg-'));
  const data = join(root, 'data');
  const log = join(root, 'server.log');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
    chmodSync(root, 0o700);
  }
  const run = (command: string): string => {
    const args = isRoot ? ['su', 'postgres', '-s', '/bin/sh', '-c', command] : ['/bin/sh', '-c', command];
    // In the cluster's own folder: the postgres user may not be allowed into the caller's working directory.
    return execFileSync(args[0] as string, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  };
  const user = 'postgres';
  const password = 'password';
  const pwfile = join(root, 'pw');
  run(`umask 077 && printf %s ${quoteShell(password)} > ${quoteShell(pwfile)}`);
  run(`${quoteShell(join(bin, 'initdb'))} -D ${quoteShell(data)} -U ${user} --pwfile=${quoteShell(pwfile)} --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-sync >/dev/null`);
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=40`;
    try {
      run(`${quoteShell(join(bin, 'pg_ctl'))} -D ${quoteShell(data)} -l ${quoteShell(log)} -w -t 30 -o ${quoteShell(options)} start >/dev/null`);
      break;
    } catch (error) {
      // Another process may have taken the port between the probe and the start: try another.
      if (attempt >= 2) {
        const detail = existsSync(log) ? readFileSync(log, 'utf8') : String(error);
        rmSync(root, { recursive: true, force: true });
        throw new Error(`PostgreSQL did not start: ${detail}`);
      }
    }
  }
  const psqlBin = existsSync(join(bin, 'psql')) ? join(bin, 'psql') : 'psql';
  const psqlCommand = (database: string, sql: string): string =>
    `${quoteShell(psqlBin)} -X -q -At -v ON_ERROR_STOP=1 -h ${quoteShell(root)} -p ${port} -U ${user} -d ${quoteShell(database)} -c ${quoteShell(sql)}`;
  const psql = (database: string, sql: string): string => run(psqlCommand(database, sql)).trim();
  const psqlAsync = (database: string, sql: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const command = psqlCommand(database, sql);
      const args = isRoot ? ['su', 'postgres', '-s', '/bin/sh', '-c', command] : ['/bin/sh', '-c', command];
      execFile(args[0] as string, args.slice(1), { encoding: 'utf8', cwd: root }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
    });
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    url: (database, pass = password) => `postgres://${user}:${encodeURIComponent(pass)}@127.0.0.1:${port}/${database}`,
    createDatabase: (name) => void psql('postgres', `CREATE DATABASE "${name}"`),
    psql,
    psqlAsync,
    // pg_ctl restart starts the server with the options it was last started with (postmaster.opts).
    restart: () => void run(`${quoteShell(join(bin, 'pg_ctl'))} -D ${quoteShell(data)} -l ${quoteShell(log)} -m fast -w -t 30 restart >/dev/null`),
    stop: () => {
      if (stopped) return;
      stopped = true;
      try {
        run(`${quoteShell(join(bin, 'pg_ctl'))} -D ${quoteShell(data)} -m immediate -w stop >/dev/null`);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

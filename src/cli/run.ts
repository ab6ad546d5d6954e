/**
 * What every CLI bundle shares: running one command line among a list of commands, its display
 * options, exit codes, and the start of a process (main.ts runs every command; briefMain.ts the
 * brief ones, in a bundle a fraction of the size).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { version } from '../../package.json';
import { describeError, PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import { unknownNameError } from '../core/suggest';
import { userCacheFolder } from './cacheFolder';
import { resolveInvocation, type CliCommand } from './commandSpec';
import type { CommandEnvironment } from './context';
import { formatCommandHelp, formatUsage } from './help';
import { exitOnInterrupt } from './interrupt';
import { colorWanted, paint, stdio, withDisplay, withTimeDisplay, type Display, type Output } from './output';

/** Next to the bundle when installed; sql.js's own copy when run from source. */
function wasmPath(): string | undefined {
  const bundled = join(__dirname, 'sql-wasm.wasm');
  return existsSync(bundled) ? bundled : undefined;
}

/** Runs one command line among `commands`. */
export async function runCommands(argv: readonly string[], env: CommandEnvironment, commands: readonly CliCommand[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    env.out.write(`${version}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h') {
    env.out.write(formatUsage(version, commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) throw unknownNameError('command', name, commands.map((c) => c.name));
  const invocation = resolveInvocation([command.name], command, rest);
  if (invocation.kind === 'help') {
    env.out.write(formatCommandHelp(invocation.path, invocation.command));
    return 0;
  }
  const display = displayOf(invocation.path, invocation.parsed.values, env.out);
  return withTimeDisplay(display, () => invocation.run(invocation.parsed, { ...env, out: withDisplay(env.out, display) }));
}

/** The display the options ask for; a command without the output options (help, completion) shows plain text. */
function displayOf(path: readonly string[], values: Readonly<Record<string, unknown>>, out: Output): Display {
  const csv = values.csv === true;
  if (csv && (values.json === true || values.vega === true)) throw new PitwallError('input', messages.csvWithJson(`pitwall ${path.join(' ')}`));
  const terminal = out.terminal?.() ?? { out: false, err: false };
  const noColor = values['no-color'] === true;
  return {
    csv,
    zone: values.tz === 'local' ? 'local' : 'utc',
    // CSV is data for another program: never coloured.
    color: { out: !csv && colorWanted(terminal.out, process.env, noColor), err: colorWanted(terminal.err, process.env, noColor) },
  };
}

/** Bad input — arguments, a missing or unrecognised source, a refused record — is 2; anything else 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof PitwallError && ['input', 'not-found', 'conflict', 'format'].includes(error.code) ? 2 : 1;
}

/** Where the alert indexes of JSONL folders are kept (cacheFolder.ts); none when PITWALL_ALERT_INDEX=0. */
export function alertIndexFolderOf(env: NodeJS.ProcessEnv): string | undefined {
  return env.PITWALL_ALERT_INDEX === '0' ? undefined : userCacheFolder(env, 'alerts');
}

/**
 * Runs the command line of this process among `commands`. `build` names the build an alert index
 * is made by: the launcher (dist/cli.js) passes the digest of the sources both bundles are built from.
 */
export function startCli(commands: readonly CliCommand[], build: string): void {
  // `pitwall … | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  exitOnInterrupt();
  const path = wasmPath();
  const alertIndexFolder = alertIndexFolderOf(process.env);
  runCommands(process.argv.slice(2), {
    out: stdio,
    now: () => Date.now() / 1000,
    ...(path ? { wasmPath: path } : {}),
    ...(alertIndexFolder === undefined ? {} : { alertIndex: { folder: alertIndexFolder, build } }),
  }, commands).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const noColor = process.argv.includes('--no-color');
      process.stderr.write(`${paint(`pitwall: ${describeError(error)}`, 'red', colorWanted(process.stderr.isTTY === true, process.env, noColor))}\n`);
      process.exitCode = exitCodeOf(error);
    },
  );
}

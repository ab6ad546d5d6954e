import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeError, PitwallError } from '../core/errors';
import { version } from '../../package.json';
import { ALERTING_COMMANDS } from './alertingCommands';
import { ANALYTICS_COMMANDS } from './analyticsCommands';
import { COMMANDS as STORE_COMMANDS } from './commands';
import type { CommandEnvironment } from './context';
import { exitOnInterrupt } from './interrupt';
import { STATUS_COMMANDS } from './statusCommand';

const COMMANDS = { ...STORE_COMMANDS, ...ANALYTICS_COMMANDS, ...ALERTING_COMMANDS, ...STATUS_COMMANDS };
import { stdio } from './output';

const USAGE = `pitwall ${version} — model monitoring and alerting over the data your service writes

A <source> is a folder of JSONL files or a SQLite database file.
Every command takes --json for machine-readable output.

Usage:
${Object.values(COMMANDS)
  .map((command) => `  pitwall ${command.summary}`)
  .join('\n')}
  pitwall --version | --help

Exit status: 0 success, 2 bad input (the reason is on stderr), 1 any other failure.
`;

/** Next to the bundle when installed; sql.js's own copy when run from source. */
function wasmPath(): string | undefined {
  const bundled = join(__dirname, 'sql-wasm.wasm');
  return existsSync(bundled) ? bundled : undefined;
}

export async function runCli(argv: readonly string[], env: CommandEnvironment): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    env.out.write(`${version}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    env.out.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new PitwallError('input', `unknown command "${name}".\n\n${USAGE}`);
  return command.run(rest, env);
}

/** Bad input — arguments, a missing or unrecognised source, a refused record — is 2; anything else 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof PitwallError && ['input', 'not-found', 'conflict', 'format'].includes(error.code) ? 2 : 1;
}

/** Runs the command line of this process (the launcher, dist/cli.js, calls it). */
export function main(): void {
  // `pitwall … | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  exitOnInterrupt();
  const path = wasmPath();
  runCli(process.argv.slice(2), { out: stdio, now: () => Date.now() / 1000, ...(path ? { wasmPath: path } : {}) }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`pitwall: ${describeError(error)}\n`);
      process.exitCode = exitCodeOf(error);
    },
  );
}

if (require.main === module) main();

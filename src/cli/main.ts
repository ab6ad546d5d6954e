import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { userCacheFolder } from './cacheFolder';
import { describeError, PitwallError } from '../core/errors';
import { unknownNameError } from '../core/suggest';
import { version } from '../../package.json';
import { ALERTING_COMMANDS } from './alertingCommands';
import { ANALYTICS_COMMANDS } from './analyticsCommands';
import { defineCommand, resolveInvocation, type CliCommand } from './commandSpec';
import { STORE_COMMANDS } from './commands';
import { COMPLETION_SHELLS, completionScript } from './completion';
import type { CommandEnvironment } from './context';
import { formatCommandHelp, formatUsage } from './help';
import { exitOnInterrupt } from './interrupt';
import { messages } from '../core/messages';
import { colorWanted, paint, stdio, withDisplay, withTimeDisplay, type Display, type Output } from './output';
import { explain } from './explainCommand';
import { query } from './queryCommand';
import { notebook, report } from './reportCommands';
import { status } from './statusCommand';

const DATA_COMMANDS: readonly CliCommand[] = [...STORE_COMMANDS, explain, status, ...ANALYTICS_COMMANDS, query, notebook, report, ...ALERTING_COMMANDS];

const help = defineCommand({
  name: 'help',
  summary: 'the list of commands, or the help of one',
  json: false,
  positionals: [
    { name: 'command', optional: true, description: 'the command to explain', choices: [...DATA_COMMANDS.map((c) => c.name), 'help', 'completion'] },
    { name: 'subcommand', optional: true, description: 'its subcommand (silence add, rules validate)' },
  ],
  examples: ['pitwall help', 'pitwall help alerts', 'pitwall help silence add'],
  run: ({ args }, env) => {
    const command = COMMANDS.find((c) => c.name === args.command);
    if (command === undefined) {
      env.out.write(formatUsage(version, COMMANDS));
      return Promise.resolve(0);
    }
    const path = [command.name];
    let shown = command;
    if (args.subcommand !== undefined) {
      const sub = command.subcommands.find((s) => s.name === args.subcommand);
      if (sub === undefined) throw unknownNameError('subcommand', args.subcommand, command.subcommands.map((s) => s.name), `\`pitwall ${command.name}\``);
      path.push(sub.name);
      shown = sub;
    }
    env.out.write(formatCommandHelp(path, shown));
    return Promise.resolve(0);
  },
});

const completion = defineCommand({
  name: 'completion',
  summary: 'a shell script that completes pitwall commands, subcommands and options',
  json: false,
  positionals: [{ name: 'shell', description: 'the shell to complete in', choices: COMPLETION_SHELLS }],
  description: 'Load it in the running shell with eval "$(pitwall completion bash)" (in ~/.bashrc), or save it where the shell looks: bash-completion reads ~/.local/share/bash-completion/completions/pitwall; zsh reads a file _pitwall in a folder of $fpath (after compinit).',
  examples: ['pitwall completion bash > ~/.local/share/bash-completion/completions/pitwall', 'pitwall completion zsh > ~/.zfunc/_pitwall'],
  run: ({ args }, env) => {
    env.out.write(completionScript(args.shell as (typeof COMPLETION_SHELLS)[number], COMMANDS));
    return Promise.resolve(0);
  },
});

/** Every command, in the order `pitwall --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [...DATA_COMMANDS, help, completion];

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
  if (name === undefined || name === '--help' || name === '-h') {
    env.out.write(formatUsage(version, COMMANDS));
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) throw unknownNameError('command', name, COMMANDS.map((c) => c.name));
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
 * Runs the command line of this process (the launcher, dist/cli.js, calls it with a digest of
 * the bundle it runs: the build an alert index is made by).
 */
export function main(build = `source-${version}`): void {
  // `pitwall … | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  exitOnInterrupt();
  const path = wasmPath();
  const alertIndexFolder = alertIndexFolderOf(process.env);
  runCli(process.argv.slice(2), {
    out: stdio,
    now: () => Date.now() / 1000,
    ...(path ? { wasmPath: path } : {}),
    ...(alertIndexFolder === undefined ? {} : { alertIndex: { folder: alertIndexFolder, build } }),
  }).then(
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

if (require.main === module) main();

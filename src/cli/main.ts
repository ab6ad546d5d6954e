/**
 * The `pitwall` command line, every command (bundled as dist/pitwall-cli.js; the brief commands
 * also have a bundle of their own, briefMain.ts).
 */
import { version } from '../../package.json';
import { unknownNameError } from '../core/suggest';
import { ALERTING_COMMANDS } from './alertingCommands';
import { ANALYTICS_COMMANDS } from './analyticsCommands';
import { defineCommand, type CliCommand } from './commandSpec';
import { STORE_COMMANDS } from './commands';
import { COMPLETION_SHELLS, completionScript } from './completion';
import type { CommandEnvironment } from './context';
import { formatCommandHelp, formatUsage } from './help';
import { explain } from './explainCommand';
import { query } from './queryCommand';
import { notebook, report } from './reportCommands';
import { runCommands, startCli } from './run';
import { status } from './statusCommand';

export { alertIndexFolderOf, exitCodeOf } from './run';

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

/** Runs one command line, as `pitwall` would. */
export function runCli(argv: readonly string[], env: CommandEnvironment): Promise<number> {
  return runCommands(argv, env, COMMANDS);
}

/** Runs the command line of this process (the launcher, dist/cli.js, calls it with the build's name; run.ts). */
export function main(build = `source-${version}`): void {
  startCli(COMMANDS, build);
}

if (require.main === module) main();

/** `--help` of a command and the top-level usage, both written from the command descriptions. */
import { HELP_FLAGS, optionUsage, synopsis, type CliCommand, type OptionSpec } from './commandSpec';

/** Two columns, the left one padded to its widest entry. */
function twoColumns(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd()).join('\n');
}

function optionLine(option: OptionSpec): string {
  const notes = [
    ...(option.choices === undefined ? [] : [`${option.list ? 'comma-separated, any of' : 'one of'} ${option.choices.join(', ')}`]),
    ...(option.required ? ['required'] : []),
    ...(option.multiple ? ['repeatable'] : []),
    ...(option.default !== undefined ? [`default: ${option.default}`] : option.defaultText !== undefined ? [`default: ${option.defaultText}`] : []),
  ];
  return notes.length === 0 ? option.description : `${option.description} (${notes.join('; ')})`;
}

/** The help of one command (or subcommand): synopsis, arguments, options with their defaults, examples. */
export function formatCommandHelp(path: readonly string[], command: CliCommand): string {
  const sections: string[] = [`pitwall ${path.join(' ')} — ${command.summary}`];
  const usage = [...(command.run === undefined ? [] : [synopsis(path, command)]), ...command.subcommands.map((sub) => synopsis([...path, sub.name], sub))];
  sections.push(`Usage:\n${usage.map((line) => `  ${line}`).join('\n')}`);
  if (command.description !== undefined) sections.push(command.description);
  if (command.subcommands.length > 0) {
    sections.push(`Subcommands (\`pitwall ${path.join(' ')} <subcommand> --help\` for each):\n${twoColumns(command.subcommands.map((sub) => [sub.name, sub.summary]))}`);
  }
  if (command.positionals.length > 0) {
    sections.push(`Arguments:\n${twoColumns(command.positionals.map((p) => [`<${p.name}>${p.variadic ? '...' : ''}`, p.choices === undefined ? p.description : `${p.description}: ${p.choices.join(', ')}`]))}`);
  }
  const options = Object.entries(command.options).map(([name, option]) => [optionUsage(name, option), optionLine(option)] as const);
  sections.push(`Options:\n${twoColumns([...options, [HELP_FLAGS.slice().reverse().join(', '), 'this help']])}`);
  if (command.examples.length > 0) sections.push(`Examples:\n${command.examples.map((line) => `  ${line}`).join('\n')}`);
  return `${sections.join('\n\n')}\n`;
}

/** `pitwall --help`: every command's synopsis and summary. */
export function formatUsage(version: string, commands: readonly CliCommand[]): string {
  const rows: [string, string][] = [];
  for (const command of commands) {
    if (command.run !== undefined) rows.push([synopsis([command.name], command), command.summary]);
    for (const sub of command.subcommands) rows.push([synopsis([command.name, sub.name], sub), sub.summary]);
  }
  rows.push(['pitwall --version', 'the version of pitwall']);
  return `pitwall ${version} — model monitoring and alerting over the data your service writes

A <source> is a folder of JSONL files or a SQLite database file.
Every command that prints data takes --json for machine-readable output, --csv for its tables as CSV,
--tz local for times in the local time zone (default UTC) and --no-color (colour shows only on a terminal, never with NO_COLOR set).

Usage:
${twoColumns(rows)}

\`pitwall <command> --help\` or \`pitwall help <command>\` explains a command, its options and defaults, with examples.
Exit status: 0 success, 2 bad input (the reason is on stderr), 1 any other failure.
`;
}

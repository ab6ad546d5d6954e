/**
 * One declarative description per command: its arguments, its options (type, default, value
 * placeholder, one line of help) and its examples. The parser, `--help`, the top-level usage and
 * the shell completions are all made from it, so a flag exists in one place only: adding an option
 * is adding one entry to `options` and reading `values.<name>` in `run`.
 */
import { PitwallError } from '../core/errors';
import { messages } from '../core/messages';
import { nearestName, unknownNameError } from '../core/suggest';
import type { CommandEnvironment } from './context';

export interface OptionSpec {
  /** A switch (`--unacknowledged`) or an option that takes a value (`--limit 20`, `--limit=20`). */
  readonly type: 'boolean' | 'string';
  /** One line for `--help`. */
  readonly description: string;
  /** How the value is written in help and errors: `--limit N`. */
  readonly placeholder?: string;
  /** The value when the option is not given; help shows it. */
  readonly default?: string;
  /** A default worked out when the command runs, in words ("the newest prediction"); help shows it. */
  readonly defaultText?: string;
  /** The only values accepted (checked, suggested when mistyped, offered by shell completion). */
  readonly choices?: readonly string[];
  /** The value is a comma-separated list, each item one of `choices` (`--severity critical,warning`). */
  readonly list?: boolean;
  /** The command cannot run without it. */
  readonly required?: boolean;
  /** May be given more than once (`--set a=1 --set b=2`); `run` sees every value in order, none as []. */
  readonly multiple?: boolean;
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly optional?: boolean;
  /** Takes this and every further argument (one at least, unless also optional). */
  readonly variadic?: boolean;
  /** The only values accepted; shell completion offers them (else file names). */
  readonly choices?: readonly string[];
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The values of the options as `run` sees them: switches are booleans, options with a default or required are strings. */
export type OptionValues<O extends OptionSpecs> = {
  -readonly [K in keyof O]: O[K] extends { type: 'boolean' } ? boolean : O[K] extends { multiple: true } ? string[] : O[K] extends { default: string } | { required: true } ? string : string | undefined;
} & { json: boolean; csv: boolean; tz: string; 'no-color': boolean };

/** The arguments by name: a variadic one is a list, an optional one may be missing. */
export type ArgumentValues<P extends readonly PositionalSpec[]> = {
  -readonly [E in P[number] as E['name']]: E extends { variadic: true } ? string[] : E extends { optional: true } ? string | undefined : string;
};

export interface ParsedCommand<O extends OptionSpecs, P extends readonly PositionalSpec[]> {
  readonly values: OptionValues<O>;
  readonly args: ArgumentValues<P>;
}

export interface CommandDefinition<O extends OptionSpecs, P extends readonly PositionalSpec[]> {
  readonly name: string;
  /** One line: what the command does. */
  readonly summary: string;
  /** A paragraph or two for `--help`, when the summary is not enough. */
  readonly description?: string;
  readonly positionals?: P;
  readonly options?: O;
  /** Two or three command lines, each starting with `pitwall`. */
  readonly examples: readonly string[];
  /** Every command takes --json, --csv, --tz and --no-color unless it prints no data (help, completion). */
  readonly json?: boolean;
  /** `rules validate`, `silence add`: chosen by the first argument. */
  readonly subcommands?: readonly CliCommand[];
  /** Absent for a command that only groups subcommands (`silence`). */
  readonly run?: (parsed: ParsedCommand<O, P>, env: CommandEnvironment) => Promise<number>;
}

/** A described command, its types erased so that commands of every shape sit in one list. */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  readonly description?: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: OptionSpecs;
  readonly examples: readonly string[];
  readonly subcommands: readonly CliCommand[];
  readonly run?: (parsed: { values: Record<string, string | string[] | boolean | undefined>; args: Record<string, string | string[] | undefined> }, env: CommandEnvironment) => Promise<number>;
}

export const JSON_OPTION: OptionSpec = { type: 'boolean', description: 'machine-readable output: JSON on standard output' };
export const CSV_OPTION: OptionSpec = { type: 'boolean', description: 'tables as CSV (RFC 4180, header row, ISO 8601 times) on standard output; other lines go to standard error' };
export const TZ_OPTION: OptionSpec = { type: 'string', placeholder: 'ZONE', choices: ['utc', 'local'], default: 'utc', description: 'the time zone of the times shown: local is this process\'s (TZ), with its offset' };
export const NO_COLOR_OPTION: OptionSpec = { type: 'boolean', description: 'no colours, even on a terminal (as NO_COLOR=1 does)' };
/** The options of every command that prints data, added by `defineCommand`: output form, time zone, colour. */
export const OUTPUT_OPTIONS: OptionSpecs = { json: JSON_OPTION, csv: CSV_OPTION, tz: TZ_OPTION, 'no-color': NO_COLOR_OPTION };
export const HELP_FLAGS = ['--help', '-h'] as const;

/** Describes a command; `values` and `args` in its `run` are typed from the description. */
export function defineCommand<const O extends OptionSpecs = Record<never, OptionSpec>, const P extends readonly PositionalSpec[] = readonly []>(
  definition: CommandDefinition<O, P>,
): CliCommand {
  const { json = true, run, ...rest } = definition;
  return {
    ...rest,
    positionals: definition.positionals ?? [],
    options: { ...(definition.options ?? {}), ...(json && (definition.run !== undefined || definition.subcommands === undefined) ? OUTPUT_OPTIONS : {}) },
    subcommands: definition.subcommands ?? [],
    ...(run === undefined ? {} : { run: run as unknown as NonNullable<CliCommand['run']> }),
  };
}

/** `--limit N`, `--unacknowledged`: an option as help and errors write it. */
export function optionUsage(name: string, option: OptionSpec): string {
  return option.type === 'boolean' ? `--${name}` : `--${name} ${option.placeholder ?? 'VALUE'}`;
}

/** `pitwall trend <source> --every DURATION [options]`: the arguments and the required options. */
export function synopsis(path: readonly string[], command: CliCommand): string {
  const args = command.positionals.map((p) => {
    const name = `<${p.name}>${p.variadic ? '...' : ''}`;
    return p.optional ? `[${name}]` : name;
  });
  const required = Object.entries(command.options).filter(([, option]) => option.required).map(([name, option]) => optionUsage(name, option));
  const optional = Object.values(command.options).some((option) => !option.required) ? ['[options]'] : [];
  if (command.run === undefined && command.subcommands.length > 0) return `pitwall ${path.join(' ')} ${command.subcommands.map((s) => s.name).join('|')} …`;
  return ['pitwall', ...path, ...args, ...required, ...optional].join(' ');
}

/** What the command line asked for: a command to run with its values, or the help of one. */
export type Invocation =
  | { readonly kind: 'run'; readonly path: readonly string[]; readonly run: NonNullable<CliCommand['run']>; readonly parsed: Parameters<NonNullable<CliCommand['run']>>[0] }
  | { readonly kind: 'help'; readonly path: readonly string[]; readonly command: CliCommand };

function helpAsked(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => (HELP_FLAGS as readonly string[]).includes(arg));
}

/**
 * Resolves `argv` (after the command's name) against the command and its subcommands, and parses
 * its options and arguments. Every mistake is a PitwallError('input') in one line that names the
 * valid choices and, when one is close, suggests it.
 */
export function resolveInvocation(path: readonly string[], command: CliCommand, argv: readonly string[]): Invocation {
  // The subcommand is the first word that is not an option (`rules --json validate f` as `rules validate --json f`).
  const at = argv.findIndex((arg) => !arg.startsWith('-') || arg === '--');
  const sub = at < 0 ? undefined : command.subcommands.find((s) => s.name === argv[at]);
  if (sub !== undefined) return resolveInvocation([...path, sub.name], sub, [...argv.slice(0, at), ...argv.slice(at + 1)]);
  const first = argv[0];
  if (helpAsked(argv)) return { kind: 'help', path, command };
  if (command.run === undefined) {
    const names = command.subcommands.map((s) => s.name);
    if (first === undefined || first.startsWith('-')) throw new PitwallError('input', messages.subcommandMissing(`pitwall ${path.join(' ')}`, names));
    throw unknownNameError('subcommand', first, names, `\`pitwall ${path.join(' ')}\``);
  }
  return { kind: 'run', path, run: command.run, parsed: parseArguments(path, command, argv) };
}

function parseArguments(path: readonly string[], command: CliCommand, argv: readonly string[]) {
  const name = `pitwall ${path.join(' ')}`;
  const values: Record<string, string | string[] | boolean | undefined> = {};
  for (const [key, option] of Object.entries(command.options)) values[key] = option.type === 'boolean' ? false : option.multiple ? [] : option.default;
  const given: string[] = [];
  const flags = Object.keys(command.options).map((key) => `--${key}`);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      given.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      given.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const flag = equals > 0 && arg.startsWith('--') ? arg.slice(0, equals) : arg;
    const key = flag.startsWith('--') ? flag.slice(2) : undefined;
    const option = key !== undefined && Object.hasOwn(command.options, key) ? command.options[key] : undefined;
    if (key === undefined || option === undefined) {
      const known = [...flags, ...HELP_FLAGS];
      const suggestion = nearestName(flag, known);
      // Without a near name it may be a path or value that begins with a dash.
      throw new PitwallError('input', `${messages.unknownName('option', flag, suggestion, known, `\`${name}\``)}${suggestion === undefined ? ` ${messages.dashArgumentHint(name)}` : ''}`);
    }
    if (option.type === 'boolean') {
      if (equals > 0 && flag !== arg) throw new PitwallError('input', messages.optionTakesNoValue(flag, name));
      values[key] = true;
      continue;
    }
    let value: string | undefined;
    if (flag !== arg) value = arg.slice(equals + 1);
    else {
      const next = argv[i + 1];
      // The next flag is not this one's value: `--limit --json` forgot the number.
      if (next !== undefined && !(next.startsWith('--') || (HELP_FLAGS as readonly string[]).includes(next))) {
        value = next;
        i++;
      }
    }
    if (value === undefined) throw new PitwallError('input', messages.optionNeedsValue(flag, option.placeholder ?? 'VALUE', name));
    for (const item of option.list ? value.split(',').map((part) => part.trim()) : [value]) {
      if (option.choices !== undefined && !option.choices.includes(item)) {
        throw new PitwallError('input', messages.optionNotOneOf(flag, option.choices, item, nearestName(item, option.choices)));
      }
    }
    const earlier = values[key];
    values[key] = Array.isArray(earlier) ? [...earlier, value] : value;
  }
  for (const [key, option] of Object.entries(command.options)) {
    if (option.required && values[key] === undefined) throw new PitwallError('input', messages.optionRequired(`--${key}`, option.placeholder ?? 'VALUE', name));
  }
  return { values, args: assignArguments(path, command, given) };
}

function assignArguments(path: readonly string[], command: CliCommand, given: readonly string[]): Record<string, string | string[] | undefined> {
  const args: Record<string, string | string[] | undefined> = {};
  let next = 0;
  for (const positional of command.positionals) {
    const taken = positional.variadic ? given.slice(next) : given.slice(next, next + 1);
    next += taken.length;
    if (taken.length === 0 && !positional.optional) {
      throw new PitwallError('input', messages.argumentMissing(`<${positional.name}> (${positional.description})`, synopsis(path, command)));
    }
    for (const value of taken) {
      if (positional.choices !== undefined && !positional.choices.includes(value)) throw unknownNameError(positional.name, value, positional.choices);
    }
    args[positional.name] = positional.variadic ? taken : taken[0];
  }
  const extra = given[next];
  if (extra !== undefined) throw new PitwallError('input', messages.argumentUnexpected(extra, synopsis(path, command)));
  return args;
}

/**
 * Shell completion scripts for bash and zsh, written from the command descriptions: commands,
 * subcommands, each command's options, the values of options that have a fixed set, and file
 * names for the arguments (sources and rule files).
 */
import { PitwallError } from '../core/errors';
import { HELP_FLAGS, type CliCommand } from './commandSpec';

/** A command, or a subcommand with the command before it, and what completes after it. */
interface CompletionPath {
  readonly path: string;
  readonly flags: readonly { readonly flag: string; readonly description: string }[];
  /** Options that take a value: their fixed values, or none to offer. */
  readonly valued: readonly { readonly flag: string; readonly choices: readonly string[] }[];
  /** Fixed values of the first argument (help's command names); file names otherwise. */
  readonly argumentChoices: readonly string[] | undefined;
}

/** Every word put into a script is checked to be plain: nothing in it is shell syntax. */
function plain(word: string): string {
  if (!/^[A-Za-z0-9_.,:+-]+$/.test(word)) throw new PitwallError('internal', `"${word}" cannot be put in a completion script as it is.`);
  return word;
}

function pathsOf(commands: readonly CliCommand[]): CompletionPath[] {
  const paths: CompletionPath[] = [];
  const add = (path: string, command: CliCommand) =>
    paths.push({
      path,
      flags: [...Object.entries(command.options).map(([name, option]) => ({ flag: `--${name}`, description: option.description })), { flag: '--help', description: 'the help of this command' }],
      valued: Object.entries(command.options)
        .filter(([, option]) => option.type === 'string')
        .map(([name, option]) => ({ flag: `--${name}`, choices: option.choices ?? [] })),
      argumentChoices: command.positionals[0]?.choices,
    });
  for (const command of commands) {
    add(command.name, command);
    for (const sub of command.subcommands) add(`${command.name} ${sub.name}`, sub);
  }
  return paths;
}

const TOP_FLAGS = ['--help', '--version'];

export function bashCompletion(commands: readonly CliCommand[]): string {
  const words = (list: readonly string[]) => list.map(plain).join(' ');
  const subcommandCases = commands
    .filter((c) => c.subcommands.length > 0)
    .map((c) => `    ${plain(c.name)}) case "\${COMP_WORDS[2]}" in ${words(c.subcommands.map((s) => s.name)).replace(/ /g, '|')}) (( COMP_CWORD > 2 )) && command="$command \${COMP_WORDS[2]}" ;; esac
      if (( COMP_CWORD == 2 )) && [[ "$cur" != -* ]]; then
        COMPREPLY=($(compgen -W "${words(c.subcommands.map((s) => s.name))}" -- "$cur"))${c.run === undefined ? '' : `
        COMPREPLY+=($(compgen -f -- "$cur"))`}
        return 0
      fi ;;`)
    .join('\n');
  const pathCases = pathsOf(commands)
    .map((p) => {
      const values = p.valued.map((v) => `        ${plain(v.flag)}) ${v.choices.length > 0 ? `COMPREPLY=($(compgen -W "${words(v.choices)}" -- "$cur")); ` : ''}return 0 ;;`);
      return `    "${p.path.split(' ').map(plain).join(' ')}")
      flags="${words(p.flags.map((f) => f.flag))}"${p.argumentChoices === undefined ? '' : `
      choices="${words(p.argumentChoices)}"`}${values.length === 0 ? '' : `
      case "$prev" in
${values.join('\n')}
      esac`} ;;`;
    })
    .join('\n');
  return `# bash completion for pitwall, made by \`pitwall completion bash\`.
# Load it with: eval "$(pitwall completion bash)"   (in ~/.bashrc)
# or save it as ~/.local/share/bash-completion/completions/pitwall
_pitwall() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" command flags="" choices=""
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  if (( COMP_CWORD <= 1 )); then
    COMPREPLY=($(compgen -W "${words([...commands.map((c) => c.name), ...TOP_FLAGS])}" -- "$cur"))
    return 0
  fi
  command="\${COMP_WORDS[1]}"
  case "$command" in
${subcommandCases}
  esac
  case "$command" in
${pathCases}
    *) return 0 ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [[ -n "$choices" ]]; then
    COMPREPLY=($(compgen -W "$choices" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}
complete -o filenames -F _pitwall pitwall
`;
}

/** A `_describe` entry: `name:description`, quoted for zsh. */
function described(name: string, description: string): string {
  return `'${plain(name)}:${description.replace(/'/g, `'\\''`)}'`;
}

export function zshCompletion(commands: readonly CliCommand[]): string {
  const subcommandCases = commands
    .filter((c) => c.subcommands.length > 0)
    .map((c) => `    (${plain(c.name)})
      if (( CURRENT == 3 )) && [[ $PREFIX != -* ]]; then
        candidates=(${c.subcommands.map((s) => described(s.name, s.summary)).join(' ')})
        _describe -t commands 'pitwall ${plain(c.name)} subcommand' candidates${c.run === undefined ? '' : `
        _files`}
        return
      fi
      case \${words[3]} in (${c.subcommands.map((s) => plain(s.name)).join('|')}) command="$command \${words[3]}" ;; esac ;;`)
    .join('\n');
  const pathCases = pathsOf(commands)
    .map((p) => {
      const values = p.valued.map((v) => `        (${plain(v.flag)}) ${v.choices.length > 0 ? `compadd -- ${v.choices.map(plain).join(' ')}; ` : ''}return ;;`);
      return `    ("${p.path.split(' ').map(plain).join(' ')}")${values.length === 0 ? '' : `
      case \${words[CURRENT-1]} in
${values.join('\n')}
      esac`}
      candidates=(${p.flags.map((f) => described(f.flag, f.description)).join(' ')})${p.argumentChoices === undefined ? '' : `
      choices=(${p.argumentChoices.map(plain).join(' ')})`} ;;`;
    })
    .join('\n');
  return `#compdef pitwall
# zsh completion for pitwall, made by \`pitwall completion zsh\`.
# Load it with: eval "$(pitwall completion zsh)"   (in ~/.zshrc, after compinit)
# or save it as _pitwall in a folder of $fpath
_pitwall() {
  local command
  local -a candidates choices
  if (( CURRENT == 2 )); then
    candidates=(${commands.map((c) => described(c.name, c.summary)).join(' ')} ${described('--version', 'the version of pitwall')} ${described(HELP_FLAGS[0], 'the list of commands')})
    _describe -t commands 'pitwall command' candidates
    return
  fi
  command=\${words[2]}
  case $command in
${subcommandCases}
  esac
  case $command in
${pathCases}
    (*) return ;;
  esac
  if [[ $PREFIX == -* ]]; then
    _describe -t options 'option' candidates
  elif (( \${#choices} > 0 )); then
    compadd -- $choices
  else
    _files
  fi
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _pitwall "$@"
else
  compdef _pitwall pitwall
fi
`;
}

export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;

export function completionScript(shell: (typeof COMPLETION_SHELLS)[number], commands: readonly CliCommand[]): string {
  return shell === 'bash' ? bashCompletion(commands) : zshCompletion(commands);
}

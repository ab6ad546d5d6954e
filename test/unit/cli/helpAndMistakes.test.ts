import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import { resolveInvocation, type CliCommand } from '../../../src/cli/commandSpec';
import { COMMANDS } from '../../../src/cli/main';
import { editDistance } from '../../../src/core/suggest';
import { pitwall } from './runCli';

const REPO = join(__dirname, '../../..');

/** Every command and subcommand as the words that name it: ['alerts'], ['silence', 'add'], … */
function allPaths(): { path: string[]; command: CliCommand }[] {
  return COMMANDS.flatMap((command) => [{ path: [command.name], command }, ...command.subcommands.map((sub) => ({ path: [command.name, sub.name], command: sub }))]);
}

function flagsOf(command: CliCommand): string[] {
  return Object.keys(command.options).map((name) => `--${name}`);
}

/** The words of an example as a shell would pass them (quotes removed), up to a redirection. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const word = match[1] ?? match[2] ?? (match[3] as string);
    if (match[3] !== undefined && /^[<>|]/.test(word)) break;
    words.push(word);
  }
  return words;
}

/** Neither Node's parseArgs wording nor its error codes ever reach the user. */
const RAW_PARSE_ARGS = /ERR_PARSE_ARGS|Unknown option '|place it at the end|To specify a positional argument|argument missing/;

describe('pitwall help and mistakes', function () {
  this.timeout(120_000);
  let root = '';
  let jsonl = '';
  let sqlite = '';
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-help-'));
    await generateDataset({ outDir: root, predictions: 2000, seed: 12 });
    jsonl = join(root, 'monitoring');
    sqlite = join(root, 'monitoring.db');
  });
  after(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  it('covers every command of the list, subcommands included', () => {
    const names = allPaths().map(({ path }) => path.join(' '));
    for (const expected of ['summary', 'alerts', 'rules validate', 'rule add', 'silence add', 'silence list', 'silence expire', 'trend', 'completion', 'help']) assert.ok(names.includes(expected), expected);
  });

  for (const { path, command } of allPaths()) {
    const name = path.join(' ');
    it(`\`pitwall ${name} --help\`, \`-h\` and \`pitwall help ${name}\` print its synopsis, options with defaults and examples (exit 0)`, async () => {
      const long = await pitwall(...path, '--help');
      assert.equal(long.status, 0, long.stderr);
      assert.equal(long.stderr, '');
      const short = await pitwall(...path, '-h');
      const viaHelp = await pitwall('help', ...path);
      assert.equal(short.status, 0);
      assert.equal(viaHelp.status, 0, viaHelp.stderr);
      assert.equal(short.stdout, long.stdout);
      assert.equal(viaHelp.stdout, long.stdout);
      const text = long.stdout;
      assert.ok(text.startsWith(`pitwall ${name} — ${command.summary}\n`), text);
      assert.match(text, new RegExp(`^Usage:\\n  pitwall ${name}( |$)`, 'm'));
      for (const [option, spec] of Object.entries(command.options)) {
        const line = text.split('\n').find((l) => l.startsWith(`  --${option}`) && l.includes(spec.description));
        assert.ok(line, `--${option} is listed with its description`);
        if (spec.default !== undefined) assert.ok(line.includes(`default: ${spec.default}`), `${line}: its default`);
        if (spec.type === 'string') assert.ok(line.startsWith(`  --${option} ${spec.placeholder ?? 'VALUE'}`), line);
      }
      for (const positional of command.positionals) assert.match(text, new RegExp(`  <${positional.name}>`));
      for (const sub of command.subcommands) assert.match(text, new RegExp(`^  ${sub.name} +${sub.summary.replace(/[()]/g, '\\$&')}$`, 'm'));
      assert.ok(command.examples.length >= 2 && command.examples.length <= 3, 'two or three examples');
      const examples = text.slice(text.indexOf('Examples:\n'));
      for (const example of command.examples) assert.ok(examples.includes(`  ${example}\n`), example);
    });

    it(`the examples of \`pitwall ${name}\` are accepted by its own parser`, () => {
      for (const example of command.examples) {
        const [program, head, ...rest] = shellWords(example);
        assert.equal(program, 'pitwall', example);
        const top = COMMANDS.find((c) => c.name === head);
        assert.ok(top, example);
        const invocation = resolveInvocation([top.name], top, rest);
        assert.equal(invocation.kind, 'run', example);
        assert.deepEqual(invocation.path.slice(0, path.length), path, `${example} is an example of pitwall ${name}`);
      }
    });
  }

  it('lists every command in `pitwall --help` and `pitwall help`, exit 0', async () => {
    const top = await pitwall('--help');
    assert.equal(top.status, 0);
    assert.deepEqual(await pitwall('help'), top);
    for (const { path, command } of allPaths()) {
      if (command.run !== undefined) assert.match(top.stdout, new RegExp(`^  pitwall ${path.join(' ')}\\b.*${command.summary.slice(0, 20).replace(/[()]/g, '\\$&')}`, 'm'));
    }
  });

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`suggests the nearest command and option in one line and exits 2 (real process, ${kind})`, () => {
      const source = kind === 'jsonl' ? jsonl : sqlite;
      const run = (...args: string[]) => spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), join(REPO, 'src/cli/main.ts'), ...args], { encoding: 'utf8', timeout: 60_000 });
      const command = run('sumary', source);
      assert.equal(command.status, 2);
      assert.equal(command.stdout, '', 'the whole usage is not printed');
      assert.equal(command.stderr, `pitwall: unknown command "sumary"; did you mean \`summary\`? Valid: ${COMMANDS.map((c) => c.name).join(', ')}.\n`);
      const flag = run('alerts', source, '--unack');
      assert.equal(flag.status, 2);
      assert.match(flag.stderr, /^pitwall: unknown option "--unack" for `pitwall alerts`; did you mean `--unacknowledged`\? Valid: --severity, --model, --rule, --since, --unacknowledged, --limit, --json, --csv, --tz, --no-color, --help, -h\.\n$/);
      const missing = run('alerts', source, '--limit');
      assert.equal(missing.status, 2);
      assert.equal(missing.stderr, 'pitwall: --limit needs a value: --limit N (see `pitwall alerts --help`).\n');
      const ok = run('alerts', source, '--unacknowledged', '--json');
      assert.equal(ok.status, 0, ok.stderr);
      assert.ok(Array.isArray(JSON.parse(ok.stdout)));
    });

    it(`names the mistake in subcommands, values, arguments and required options (${kind})`, async () => {
      const source = kind === 'jsonl' ? jsonl : sqlite;
      const cases: [string[], RegExp][] = [
        [['silence', 'ad', source, '--rule', 'x', '--for', '1h'], /^unknown subcommand "ad" for `pitwall silence`; did you mean `add`\? Valid: add, list, expire\.$/],
        [['silence'], /^`pitwall silence` needs a subcommand: add, list, expire/],
        [['rule', 'ad', source, 'x.json'], /did you mean `add`\?/],
        [['silence', 'add', source, '--rulle', 'x'], /did you mean `--rule`\?/],
        [['alerts', source, '--severity', 'critcal'], /^--severity must be info, warning or critical, not "critcal"; did you mean `critical`\?$/],
        [['calibration', source, '--strategy', 'quantile'], /^--strategy must be width or mass, not "quantile"\.$/],
        [['alerts', source, '--json=yes'], /^--json takes no value/],
        [['alerts', source, '--limit', '--json'], /^--limit needs a value/],
        [['alerts', source, 'extra'], /^unexpected argument "extra"; usage: pitwall alerts <source> \[options\]$/],
        [['ack', source], /^missing <alert> .*usage: pitwall ack <source> <alert>\.\.\. \[options\]$/],
        [['drift', source, '--current', '2026-10-01..2026-10-02'], /^--baseline is required: --baseline T1\.\.T2/],
        [['help', 'alrets'], /^unknown command "alrets"; did you mean `alerts`\?/],
        [['help', 'silence', 'lst'], /^unknown subcommand "lst" for `pitwall silence`; did you mean `list`\?/],
        [['completion', 'fish'], /^unknown shell "fish"; valid: bash, zsh\.$/],
      ];
      for (const [args, pattern] of cases) {
        const result = await pitwall(...args);
        assert.equal(result.status, 2, `${args.join(' ')}: ${result.stdout}`);
        assert.match(result.stderr, pattern, args.join(' '));
        assert.ok(!result.stderr.includes('\n'), `${args.join(' ')}: one line`);
        assert.doesNotMatch(result.stderr, RAW_PARSE_ARGS);
      }
    });

    it(`takes options before, between and after the arguments, and --opt=value (${kind})`, async () => {
      const source = kind === 'jsonl' ? jsonl : sqlite;
      const a = await pitwall('alerts', '--limit', '2', source, '--json');
      const b = await pitwall('alerts', source, '--limit=2', '--json');
      assert.equal(a.status, 0, a.stderr);
      assert.equal(JSON.parse(a.stdout).length, 2, 'the generated data has more than two alerts');
      assert.deepEqual(b, a);
    });
  }

  it('rejects every unknown option of every command with exit 2, a suggestion or the valid list, and no parseArgs text', async () => {
    const paths = allPaths().filter(({ command }) => command.run !== undefined);
    const name = fc.stringMatching(/^--[a-z][a-z0-9-]{0,14}$/);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), name, fc.boolean(), async ({ path, command }, flag, inline) => {
        fc.pre(!flagsOf(command).includes(flag) && flag !== '--help');
        const result = await pitwall(...path, sqlite, inline ? `${flag}=1` : flag);
        assert.equal(result.status, 2, `${path.join(' ')} ${flag}: ${result.stdout}`);
        const line = result.stderr;
        assert.ok(line.startsWith(`unknown option "${flag}" for \`pitwall ${path.join(' ')}\``), line);
        assert.ok(line.includes(` valid: ${[...flagsOf(command), '--help', '-h'].join(', ')}.`) || line.includes(` Valid: ${[...flagsOf(command), '--help', '-h'].join(', ')}.`), `${line}: the valid options`);
        const suggested = /did you mean `([^`]+)`\?/.exec(line)?.[1];
        if (suggested !== undefined) assert.ok([...flagsOf(command), '--help', '-h'].includes(suggested), line);
        assert.doesNotMatch(line, RAW_PARSE_ARGS);
      }),
      { numRuns: 300 },
    );
  });

  it('suggests the option meant when one letter is dropped, added, changed or two are swapped', async () => {
    const paths = allPaths().filter(({ command }) => command.run !== undefined && flagsOf(command).some((f) => f.length >= 6));
    const typo = fc.constantFrom(...paths).chain(({ path, command }) =>
      fc.record({
        path: fc.constant(path),
        command: fc.constant(command),
        flag: fc.constantFrom(...flagsOf(command).filter((f) => f.length >= 6)),
        at: fc.nat(),
        edit: fc.constantFrom('drop', 'add', 'change', 'swap'),
        letter: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'),
      }),
    );
    await fc.assert(
      fc.asyncProperty(typo, async ({ path, command, flag, at, edit, letter }) => {
        const i = 2 + (at % (flag.length - 3));
        const mistyped =
          edit === 'drop' ? flag.slice(0, i) + flag.slice(i + 1)
          : edit === 'add' ? flag.slice(0, i) + letter + flag.slice(i)
          : edit === 'change' ? flag.slice(0, i) + letter + flag.slice(i + 1)
          : flag.slice(0, i) + (flag[i + 1] ?? '') + (flag[i] ?? '') + flag.slice(i + 2);
        fc.pre(!flagsOf(command).includes(mistyped));
        const result = await pitwall(...path, jsonl, mistyped, '1');
        assert.equal(result.status, 2);
        const suggested = /did you mean `([^`]+)`\?/.exec(result.stderr)?.[1];
        assert.ok(suggested !== undefined, `${path.join(' ')} ${mistyped}: ${result.stderr}`);
        assert.ok(editDistance(mistyped, suggested) <= 1, `${mistyped} → ${suggested}`);
      }),
      { numRuns: 200 },
    );
  });
});

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import { COMMANDS } from '../../../src/cli/main';
import { pitwall } from './runCli';

describe('pitwall completion', function () {
  this.timeout(60_000);
  let root = '';
  let bashScript = '';

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-completion-'));
    await generateDataset({ outDir: root, predictions: 200, seed: 4 });
    const made = await pitwall('completion', 'bash');
    assert.equal(made.status, 0, made.stderr);
    bashScript = join(root, 'pitwall.bash');
    writeFileSync(bashScript, made.stdout);
  });
  after(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  /** What bash's completion function offers for the words typed so far (the last one is being completed), in a real bash. */
  function complete(...words: string[]): string[] {
    const script = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _pitwall; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const result = spawnSync('bash', ['-c', script, 'bash', bashScript, ...words], { encoding: 'utf8', cwd: root });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    return result.stdout.split('\n').filter((line) => line !== '');
  }

  it('prints a bash script that bash reads without a syntax error, and registers the function', () => {
    const check = spawnSync('bash', ['-n', bashScript], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    const registered = spawnSync('bash', ['-c', `source "${bashScript}" && complete -p pitwall`], { encoding: 'utf8' });
    assert.equal(registered.status, 0, registered.stderr);
    assert.match(registered.stdout, /-F _pitwall pitwall/);
  });

  it('completes commands, subcommands, options and their fixed values in a real bash', () => {
    assert.deepEqual(complete('pitwall', 'al'), ['alerts']);
    assert.deepEqual(complete('pitwall', 'alerts', '--un'), ['--unacknowledged']);
    assert.deepEqual(complete('pitwall', 'alerts', 'monitoring', '--un'), ['--unacknowledged']);
    assert.deepEqual(complete('pitwall', 'sil'), ['silence']);
    assert.deepEqual(complete('pitwall', 'silence', '').sort(), ['add', 'expire', 'list']);
    assert.deepEqual(complete('pitwall', 'silence', 'add', 'monitoring.db', '--ru'), ['--rule']);
    assert.deepEqual(complete('pitwall', 'rules', 'validate', '--'), ['--json', '--csv', '--tz', '--no-color', '--help']);
    assert.deepEqual(complete('pitwall', 'alerts', 'monitoring', '--tz', '').sort(), ['local', 'utc']);
    assert.deepEqual(complete('pitwall', 'alerts', 'monitoring', '--severity', 'c'), ['critical']);
    assert.deepEqual(complete('pitwall', 'calibration', 'monitoring', '--strategy', '').sort(), ['mass', 'width']);
    assert.deepEqual(complete('pitwall', 'alerts', 'monitoring', '--limit', ''), [], 'a free value: nothing to offer');
    assert.deepEqual(complete('pitwall', 'help', 'sil'), ['silence']);
    assert.deepEqual(complete('pitwall', 'completion', ''), ['bash', 'zsh']);
    assert.deepEqual(complete('pitwall', '--ver'), ['--version']);
    assert.deepEqual(complete('pitwall', 'nonsense', '--'), [], 'an unknown command has nothing to complete');
  });

  it('completes the source argument with file names (a JSONL folder, a SQLite file)', () => {
    mkdirSync(join(root, 'other'), { recursive: true });
    assert.deepEqual(complete('pitwall', 'summary', 'monitoring').sort(), ['monitoring', 'monitoring.db']);
    assert.deepEqual(complete('pitwall', 'rules', 'mon').sort(), ['monitoring', 'monitoring.db'], 'rules takes a source or validate');
    assert.deepEqual(complete('pitwall', 'rules', 'va'), ['validate']);
  });

  it('offers exactly the options of each command and subcommand, as their descriptions list them', () => {
    for (const command of COMMANDS) {
      for (const [path, spec] of [[[command.name], command] as const, ...command.subcommands.map((sub) => [[command.name, sub.name], sub] as const)]) {
        if (spec.run === undefined) continue;
        const offered = complete('pitwall', ...path, '--');
        assert.deepEqual(offered.sort(), [...Object.keys(spec.options).map((name) => `--${name}`), '--help'].sort(), path.join(' '));
      }
    }
  });

  // zsh is installed by `npm run test:unit` (scripts/setupTestDeps.mjs --debian).
  it('prints a zsh script that zsh reads without a syntax error and registers with compinit', async () => {
    const result = await pitwall('completion', 'zsh');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^#compdef pitwall\n/);
    for (const command of COMMANDS) assert.ok(result.stdout.includes(`'${command.name}:`), command.name);
    const script = join(root, '_pitwall');
    writeFileSync(script, result.stdout);
    const check = spawnSync('zsh', ['-n', script], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    const registered = spawnSync('zsh', ['-f', '-c', `autoload -Uz compinit && compinit -u -D && source "${script}" && print -r -- $_comps[pitwall]`], { encoding: 'utf8', cwd: root });
    assert.equal(registered.status, 0, registered.stderr);
    assert.equal(registered.stdout.trim(), '_pitwall');
  });

  it('refuses a shell it has no script for, with the valid ones (exit 2)', async () => {
    const result = await pitwall('completion', 'fish');
    assert.equal(result.status, 2);
    assert.equal(result.stderr, 'unknown shell "fish"; valid: bash, zsh.');
    assert.equal((await pitwall('completion')).status, 2);
  });
});

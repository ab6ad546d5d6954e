/**
 * The README's `pitwall` examples run as written on the demo data (`npm run generate -- --out demo`).
 *
 * The convention, stated in the README's section "The `pitwall` command":
 * - inside a ```sh block, a line that starts with `pitwall ` (or `$ pitwall `) is a command; a line
 *   ending in `\` continues on the next one; a trailing `# comment` is not part of the command;
 * - the command must exit 0, or the status its comment names (`# exit 2: …`);
 * - `cat > FILE <<'EOF'` … `EOF` writes FILE for the commands after it in that block;
 * - a trailing `> FILE` sends standard output to FILE;
 * - every command runs in a fresh working folder holding a fresh copy of `demo/`, so a command that
 *   writes (ack, rule add, silence add, outcome, migrate, --record …) never changes what another sees;
 * - `pitwall watch` runs in its own process until its first evaluation, then gets SIGINT (Ctrl-C).
 * Nothing else in a block runs (`npm run generate …` is what this test does itself, with the project's
 * generator and its default options, so the alert ids and prediction ids of the examples exist).
 */

import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import { pitwall, type CliResult } from './runCli';

const REPO = join(__dirname, '../../..');
const MAIN = join(REPO, 'src/cli/main.ts');

interface ReadmeExample {
  /** 1-based line of the README where the command starts. */
  readonly line: number;
  readonly text: string;
  readonly argv: readonly string[];
  readonly stdoutTo?: string;
  readonly expectedStatus: number;
  /** Files the block's heredocs wrote before this command: name → content. */
  readonly files: ReadonlyMap<string, string>;
}

/** The words of a command as a POSIX shell passes them: quotes removed, nothing expanded. */
function shellWords(text: string, line: number): { argv: string[]; stdoutTo?: string } {
  const words: string[] = [];
  let stdoutTo: string | undefined;
  const pattern = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(>)\s*(\S+)|([^\s"'>]+))/gy;
  let read = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    read = pattern.lastIndex;
    if (match[3] !== undefined) stdoutTo = match[4];
    else if (stdoutTo !== undefined) throw new Error(`README line ${line}: words after a redirection: ${text}`);
    else words.push(match[1]?.replace(/\\(.)/g, '$1') ?? match[2] ?? (match[5] as string));
  }
  if (text.slice(read).trim() !== '') throw new Error(`README line ${line}: cannot read "${text}" as shell words`);
  return stdoutTo === undefined ? { argv: words } : { argv: words, stdoutTo };
}

/** A trailing ` # comment` (outside quotes) split off the command. */
function splitComment(text: string): { command: string; comment: string } {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) return { command: text.slice(0, i).trimEnd(), comment: text.slice(i + 1).trim() };
  }
  return { command: text.trimEnd(), comment: '' };
}

/** Every `pitwall …` command of the README's ```sh blocks, by the convention above. */
function extractExamples(readme: string): ReadmeExample[] {
  const lines = readme.split('\n');
  const examples: ReadmeExample[] = [];
  let inSh = false;
  let files = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (/^```/.test(raw)) {
      inSh = !inSh && /^```(sh|bash|shell)\s*$/.test(raw);
      files = new Map();
      continue;
    }
    if (!inSh) continue;
    const heredoc = /^cat > (\S+) <<'?(\w+)'?\s*$/.exec(raw);
    if (heredoc) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) body.push(lines[i] as string);
      files = new Map(files).set(heredoc[1] as string, `${body.join('\n')}\n`);
      continue;
    }
    const start = /^(?:\$ )?(pitwall .*)$/.exec(raw);
    if (!start) continue;
    const line = i + 1;
    let text = start[1] as string;
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${(lines[++i] as string).trim()}`;
    const { command, comment } = splitComment(text);
    const status = /^exit (\d+)\b/.exec(comment);
    const { argv, stdoutTo } = shellWords(command, line);
    examples.push({ line, text: command, argv: argv.slice(1), ...(stdoutTo === undefined ? {} : { stdoutTo }), expectedStatus: status ? Number(status[1]) : 0, files });
  }
  return examples;
}

/** `pitwall watch …` in its own process in `cwd`: stopped with SIGINT after its first evaluation. */
function runWatch(argv: readonly string[], cwd: string): Promise<CliResult> {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), MAIN, ...argv], { cwd, env: { ...process.env, TZ: 'UTC' } });
  let stdout = '';
  let stderr = '';
  let signalled = false;
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`watch printed no evaluation within 60 s; stderr: ${stderr}`));
    }, 60_000);
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!signalled && stdout.includes('\n')) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    child.on('exit', (code) => {
      clearTimeout(deadline);
      resolve({ status: code ?? 1, stdout, stderr });
    });
  });
}

/** Runs one example in `cwd` as the README writes it: in-process, or `watch` in its own process. */
async function runExample(example: ReadmeExample, cwd: string): Promise<CliResult> {
  for (const [name, content] of example.files) writeFileSync(join(cwd, name), content);
  if (example.argv[0] === 'watch') return runWatch(example.argv, cwd);
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const result = await pitwall(...example.argv);
    if (example.stdoutTo !== undefined) writeFileSync(example.stdoutTo, result.stdout);
    return result;
  } finally {
    process.chdir(before);
  }
}

describe('the README examples', function () {
  this.timeout(600_000);
  const examples = extractExamples(readFileSync(join(REPO, 'README.md'), 'utf8'));
  let root = '';
  let demo = '';
  let n = 0;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-readme-'));
    demo = join(root, 'demo');
    // The defaults are what `npm run generate -- --out demo` writes: the README's ids are in it.
    await generateDataset({ outDir: demo });
  });
  after(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  /** A fresh working folder with its own copy of the demo data the example names. */
  function freshFolder(example: ReadmeExample): string {
    const cwd = join(root, `run-${++n}`);
    mkdirSync(join(cwd, 'demo'), { recursive: true });
    for (const part of ['monitoring', 'monitoring.db']) {
      if (example.argv.some((word) => word === `demo/${part}` || word.startsWith(`demo/${part}/`))) cpSync(join(demo, part), join(cwd, 'demo', part), { recursive: true });
    }
    return cwd;
  }

  it('finds the examples of every part of the CLI section, with the demo paths `npm run generate -- --out demo` writes', () => {
    const commands = new Set(examples.map((e) => e.argv.slice(0, e.argv[0] === 'rule' || e.argv[0] === 'silence' ? 2 : 1).join(' ')));
    for (const expected of ['summary', 'status', 'alerts', 'ack', 'outcome', 'migrate', 'metrics', 'trend', 'drift', 'evaluate', 'watch', 'rule add', 'rule edit', 'rule remove', 'silence add', 'help', 'completion', 'report', 'notebook']) {
      assert.ok(commands.has(expected), `no README example of \`pitwall ${expected}\``);
    }
    for (const example of examples) {
      for (const word of example.argv) assert.ok(!word.startsWith('demo/data/'), `README line ${example.line}: ${word} is not where the generator writes`);
      const at = example.argv.indexOf('--at');
      if (example.argv[0] === 'evaluate' && at >= 0) assert.ok(example.argv.includes('--dry-run'), `README line ${example.line}: an evaluate --at example must be a --dry-run`);
    }
  });

  it('reads the convention: continuation lines, comments, quotes, redirection, expected status, heredocs', () => {
    const readme = [
      '```sh',
      "cat > r.json <<'EOF'",
      '{"a": 1}',
      'EOF',
      'pitwall ack demo/monitoring x --comment "a # b" \\',
      '  --by ana   # exit 2: why',
      '$ pitwall trend demo/monitoring.db --vega > t.json',
      'npm run generate -- --out demo',
      '```',
      '```json',
      'pitwall summary not-a-command',
      '```',
    ].join('\n');
    const [first, second, ...rest] = extractExamples(readme);
    assert.equal(rest.length, 0);
    assert.deepEqual(first?.argv, ['ack', 'demo/monitoring', 'x', '--comment', 'a # b', '--by', 'ana']);
    assert.equal(first?.expectedStatus, 2);
    assert.equal(first?.files.get('r.json'), '{"a": 1}\n');
    assert.deepEqual(second?.argv, ['trend', 'demo/monitoring.db', '--vega']);
    assert.equal(second?.stdoutTo, 't.json');
    assert.equal(second?.expectedStatus, 0);
  });

  for (const example of examples) {
    it(`README line ${example.line}: \`pitwall ${example.argv.join(' ')}\` exits ${example.expectedStatus}`, async () => {
      const cwd = freshFolder(example);
      try {
        const result = await runExample(example, cwd);
        assert.equal(result.status, example.expectedStatus, `README line ${example.line}: ${example.text}\nstderr: ${result.stderr}\nstdout: ${result.stdout.slice(0, 2000)}`);
        if (example.expectedStatus === 0) assert.notEqual(result.stdout.trim(), '', `README line ${example.line} printed nothing`);
        else assert.match(result.stderr, /\S/, `README line ${example.line} failed without saying why`);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    });
  }
});

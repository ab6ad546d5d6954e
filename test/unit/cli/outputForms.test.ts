import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import type { CliCommand } from '../../../src/cli/commandSpec';
import { COMMANDS } from '../../../src/cli/main';
import { pitwall } from './runCli';

const MAIN = join(__dirname, '../../../src/cli/main.ts');
const ESC = '\u001b[';

/** The real CLI in a child process, with exactly the environment given (plus PATH for tsx). */
function spawnCli(args: readonly string[], environment: Record<string, string>) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...environment } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** An RFC 4180 reader, strict: a stray quote or a record of the wrong width fails the test. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  const endField = () => {
    record.push(field);
    field = '';
  };
  while (i < text.length) {
    const char = text[i] as string;
    if (char === '"' && field === '') {
      // The closing quote is the first one not doubled; doubled ones are skipped in pairs.
      let at = i + 1;
      for (;;) {
        const next = text.indexOf('"', at);
        if (next < 0) throw new Error('unterminated quoted field');
        if (text[next + 1] === '"') {
          at = next + 2;
          continue;
        }
        field = text.slice(i + 1, next).replace(/""/g, '"');
        i = next + 1;
        break;
      }
      if (i < text.length && text[i] !== ',' && text[i] !== '\r') throw new Error(`text after a closing quote at ${i}`);
      continue;
    }
    if (char === '"') throw new Error(`a quote inside an unquoted field at ${i}`);
    if (char === '\n') throw new Error(`a bare LF ends a line at ${i}`);
    if (char === ',') {
      endField();
      i++;
    } else if (char === '\r' && text[i + 1] === '\n') {
      endField();
      records.push(record);
      record = [];
      i += 2;
    } else {
      field += char;
      i++;
    }
  }
  if (field !== '' || record.length > 0) throw new Error('the last record has no CRLF');
  return records;
}

/** Every command path that takes the output options, from the command list itself. */
function outputCommands(commands: readonly CliCommand[], path: readonly string[] = []): string[] {
  return commands.flatMap((c) => [
    ...(c.run !== undefined && Object.hasOwn(c.options, 'csv') ? [[...path, c.name].join(' ')] : []),
    ...outputCommands(c.subcommands, [...path, c.name]),
  ]);
}

/**
 * What each command needs to print its table on the generated data; null: it prints no table
 * (a confirmation, a stream of lines, or a write). A new command must be added here, one way or the other.
 */
const TABLES: Readonly<Record<string, readonly string[] | null>> = {
  summary: [],
  status: [],
  alerts: ['--limit', '1000'],
  ack: null,
  unack: null,
  rules: [],
  'rules validate': null,
  'rule add': null,
  'rule remove': null,
  'rule enable': null,
  'rule disable': null,
  'rule edit': null,
  outcome: null,
  migrate: null,
  metrics: [],
  trend: ['--every', '1d'],
  calibration: [],
  health: [],
  drift: ['--baseline', '2026-10-01..2026-10-07', '--current', '2026-10-08..2026-10-14'],
  estimate: [],
  query: ['predictions | window 1d | by model_version | metrics accuracy, ece'],
  evaluate: ['--dry-run', '--at', '2026-10-14T12:00:00Z'],
  watch: null,
  deliveries: [],
  'silence add': null,
  'silence list': [],
  'silence expire': null,
  backtest: ['acc_low', '--every', '6h'],
  explain: ['alert_quoted', '--window', '1d', '--baseline', '1d'],
  // A page written to a file; a notebook's cells, one table each (reportCli.test.ts).
  report: null,
  'notebook run': null,
};

describe('pitwall output forms: --csv, --tz, colour', () => {
  let root: string;
  let sources: { kind: string; path: string }[];
  before(async function () {
    this.timeout(120_000);
    root = mkdtempSync(join(tmpdir(), 'pitwall-output-'));
    await generateDataset({ outDir: root, predictions: 3000, seed: 5 });
    sources = [
      { kind: 'jsonl', path: join(root, 'monitoring') },
      { kind: 'sqlite', path: join(root, 'monitoring.db') },
    ];
    for (const { path } of sources) {
      // A delivery log and a silence, so that `deliveries` and `silence list` have rows to print.
      const evaluated = await pitwall('evaluate', path, '--at', '2026-10-20T00:00:00Z');
      assert.equal(evaluated.status, 0, evaluated.stderr);
      const silenced = await pitwall('silence', 'add', path, '--rule', 'acc_low', '--for', '2d', '--comment', 'race weekend, "wet", then dry\nback Monday');
      assert.equal(silenced.status, 0, silenced.stderr);
    }
    // An alert whose title holds a quote, a comma and a line break, in both formats.
    appendFileSync(
      join(root, 'monitoring', 'alerts.jsonl'),
      `${JSON.stringify({ timestamp: 1791000000, alert_id: 'alert_quoted', severity: 'warning', title: 'quoted', message: 'He said "box, box"\nnow', metric_name: 'accuracy', metric_value: 0.5, threshold: 0.7, component: 'performance', model_version: 'v1.0', acknowledged: false, acknowledged_at: null, acknowledged_by: null })}\n`,
    );
    const inserted = spawnSync('sqlite3', [join(root, 'monitoring.db'), `INSERT INTO alerts (alert_id, timestamp, severity, title, message, model_version, acknowledged) VALUES ('alert_quoted', '2026-10-03 14:40:00.000000', 'warning', 'quoted', 'He said "box, box"' || char(10) || 'now', 'v1.0', 0)`], { encoding: 'utf8' });
    assert.equal(inserted.status, 0, inserted.stderr);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('knows, for every command with the output options, whether and how it prints a table', () => {
    assert.deepEqual(outputCommands(COMMANDS).sort(), Object.keys(TABLES).sort());
  });

  for (const [command, extra] of Object.entries(TABLES)) {
    if (extra === null) continue;
    for (const kind of ['jsonl', 'sqlite']) {
      it(`${command} --csv on a ${kind} source prints one CSV table with a header row and ISO 8601 times`, async () => {
        const source = sources.find((s) => s.kind === kind)?.path as string;
        const result = await pitwall(...command.split(' '), source, ...extra, '--csv');
        assert.equal(result.status, 0, result.stderr);
        const [header, ...rows] = parseCsv(result.stdout);
        assert.ok(header !== undefined && header.length >= 2, `a header row: ${result.stdout.slice(0, 200)}`);
        assert.ok(header.every((title) => /^[A-Z0-9][A-Z0-9 .%/²_-]*$/.test(title)), `header: ${header.join('|')}`);
        assert.ok(rows.length > 0, 'at least one row');
        for (const row of rows) assert.equal(row.length, header.length, `row ${row.join('|')}`);
        const cells = rows.flat();
        assert.ok(!cells.some((c) => /\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/.test(c)), 'no time in the text form');
        if (header.some((title) => /\b(TIME|START|AT|FIRED|FINISHED|FROM|UNTIL|PERIOD)\b/.test(title))) {
          assert.ok(cells.some((c) => /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/.test(c)), 'times are ISO 8601 UTC');
        }
      });
    }
  }

  for (const kind of ['jsonl', 'sqlite']) {
    it(`quotes a ${kind} alert message holding a quote, a comma and a line break (RFC 4180), and reads back the same text`, async () => {
      const source = sources.find((s) => s.kind === kind)?.path as string;
      const result = await pitwall('alerts', source, '--limit', '1000', '--csv');
      assert.equal(result.status, 0, result.stderr);
      assert.ok(result.stdout.includes('"He said ""box, box""\nnow"'), 'the field is quoted with its quotes doubled');
      const [header, ...rows] = parseCsv(result.stdout);
      const message = header?.indexOf('MESSAGE') ?? -1;
      assert.ok(rows.some((row) => row[message] === 'He said "box, box"\nnow'));
      const silences = await pitwall('silence', 'list', source, '--csv');
      const [silenceHeader, ...silenceRows] = parseCsv(silences.stdout);
      assert.equal(silenceRows[0]?.[silenceHeader?.indexOf('COMMENT') ?? -1], 'race weekend, "wet", then dry\nback Monday');
    });

    it(`refuses --csv with --json or --vega on a ${kind} source (exit 2, reason on stderr, nothing on stdout)`, async () => {
      const source = sources.find((s) => s.kind === kind)?.path as string;
      for (const args of [['alerts', source, '--csv', '--json'], ['calibration', source, '--vega', '--csv']]) {
        const result = await pitwall(...args);
        assert.equal(result.status, 2);
        assert.equal(result.stdout, '');
        assert.match(result.stderr, /--csv and --json \(or --vega\) ask for two forms of the same output/);
      }
    });

    it(`sends the lines around a table to stderr under --csv on a ${kind} source, and keeps --json as it was`, async () => {
      const source = sources.find((s) => s.kind === kind)?.path as string;
      const csv = await pitwall('backtest', source, 'acc_low', '--every', '6h', '--csv');
      assert.match(csv.stderr, /^Replay: .*\nRule acc_low: \d+ alert\(s\)/);
      assert.ok(csv.stdout.startsWith('FIRES AT,MODEL,SEGMENT,WHY\r\n'));
      const json = JSON.parse((await pitwall('alerts', source, '--json', '--limit', '1', '--tz', 'local')).stdout) as Record<string, unknown>[];
      assert.equal(typeof json[0]?.timestamp, 'number', '--tz changes no JSON field');
    });

    it(`shows times in the process's zone with --tz local on a ${kind} source (TZ=Europe/Berlin, spawned)`, function () {
      // Four real processes, each starting tsx: slow on a busy machine.
      this.timeout(120_000);
      const source = sources.find((s) => s.kind === kind)?.path as string;
      const berlin = { TZ: 'Europe/Berlin' };
      const local = spawnCli(['alerts', source, '--limit', '3', '--tz', 'local'], berlin);
      assert.equal(local.status, 0, local.stderr);
      // The generated data lies in October 2026 before the 25th: Berlin is on summer time, UTC+2.
      assert.match(local.stdout, /\n2026-10-\d\d \d\d:\d\d:\d\d\+02:00 /);
      assert.doesNotMatch(local.stdout, /\d\dZ /);
      const csv = spawnCli(['alerts', source, '--limit', '3', '--tz', 'local', '--csv'], berlin);
      assert.match(csv.stdout, /\r\n2026-10-\d\dT\d\d:\d\d:\d\d\+02:00,/);
      const utc = spawnCli(['alerts', source, '--limit', '3'], berlin);
      assert.match(utc.stdout, /\n2026-10-\d\d \d\d:\d\d:\d\dZ /, 'UTC stays the default whatever TZ says');
      const bad = spawnCli(['alerts', source, '--tz', 'berlin'], berlin);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--tz must be utc or local, not "berlin"/);
    });

    it(`colours severities and problems with FORCE_COLOR, and never with NO_COLOR, --no-color or a pipe, on a ${kind} source (spawned)`, function () {
      this.timeout(180_000);
      const source = sources.find((s) => s.kind === kind)?.path as string;
      const forced = spawnCli(['rules', source], { FORCE_COLOR: '1' });
      assert.equal(forced.status, 0, forced.stderr);
      assert.ok(forced.stdout.includes(`${ESC}31mcritical${ESC}0m`), 'critical in red');
      assert.ok(forced.stdout.includes(`${ESC}33mwarning${ESC}0m`), 'warning in yellow');
      const failed = spawnCli(['alerts', source, '--limit', 'many'], { FORCE_COLOR: '1' });
      assert.equal(failed.status, 2);
      assert.ok(failed.stderr.startsWith(`${ESC}31mpitwall: --limit needs a whole number`), failed.stderr);
      const forcedCsv = spawnCli(['rules', source, '--csv'], { FORCE_COLOR: '1' });
      assert.ok(!forcedCsv.stdout.includes(ESC), 'CSV is never coloured');
      for (const [environment, args] of [
        [{ NO_COLOR: '1' }, []],
        [{ NO_COLOR: '1', FORCE_COLOR: '1' }, []],
        [{ FORCE_COLOR: '1' }, ['--no-color']],
        [{}, []],
      ] as const) {
        const plain = spawnCli(['rules', source, ...args], environment);
        assert.equal(plain.status, 0, plain.stderr);
        assert.match(plain.stdout, /critical/);
        assert.ok(!plain.stdout.includes(ESC) && !plain.stderr.includes(ESC), `no colour with ${JSON.stringify(environment)} ${args.join(' ')}`);
        const failure = spawnCli(['alerts', source, '--limit', 'many', ...args], environment);
        assert.ok(!failure.stderr.includes(ESC));
      }
    });
  }

  it('documents --csv, --tz and --no-color in the help of every command that takes --json', async () => {
    for (const command of outputCommands(COMMANDS)) {
      const help = await pitwall(...command.split(' '), '--help');
      assert.equal(help.status, 0, command);
      for (const line of [/--csv {2,}tables as CSV/, /--tz ZONE {2,}.*one of utc, local; default: utc/, /--no-color {2,}no colours/]) assert.match(help.stdout, line, command);
    }
  });
});

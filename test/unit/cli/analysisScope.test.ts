import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOW, pitwall } from './runCli';
import { generateDataset } from '../../../scripts/generator/generateDataset';

const RANGE_LINE = /^Range: .* · model: .* · window: .*$/m;

describe('pitwall analytics: no silent nothing, one vocabulary', function () {
  this.timeout(120_000);
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-scope-cli-'));
    await generateDataset({ outDir: root, predictions: 3000, seed: 5 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const kind of ['jsonl', 'sqlite'] as const) {
    const source = () => join(root, kind === 'jsonl' ? 'monitoring' : 'monitoring.db');

    it(`refuses an unknown model version in every analytics command, naming the known ones, exit 2 (${kind})`, async () => {
      const commands = [
        ['metrics'],
        ['trend', '--every', '1d'],
        ['calibration'],
        ['estimate'],
        ['drift', '--baseline', '2026-10-01..2026-10-05', '--current', '2026-10-10..2026-10-14'],
      ];
      for (const command of commands) {
        const result = await pitwall(...(command.slice(0, 1) as [string]), source(), ...command.slice(1), '--model', 'v1.2');
        assert.equal(result.status, 2, `${command[0]}: ${result.stdout}`);
        assert.match(result.stderr, /unknown model version "v1\.2" for `--model`; did you mean `v1\.0`\? Valid: v1\.0, v1\.1\./, command[0]);
        assert.equal(result.stdout, '', `${command[0]} prints no table of dashes`);
      }
    });

    it(`refuses a feature or metadata key no prediction has with the nearest one the source has, exit 2 (${kind})`, async () => {
      for (const [args, what, near] of [
        [['trend', '--every', '1d', '--by', 'circuitt'], 'feature "circuitt"', 'circuit'],
        [['trend', '--every', '1d', '--by', 'metadata:sourc'], 'metadata key "sourc"', 'source'],
        [['drift', '--baseline', '2026-10-01..2026-10-05', '--current', '2026-10-10..2026-10-14', '--feature', 'circuitt'], 'feature "circuitt"', 'circuit'],
      ] as const) {
        const result = await pitwall(args[0], source(), ...args.slice(1));
        assert.equal(result.status, 2, `${args.join(' ')}: ${result.stdout}`);
        assert.match(result.stderr, new RegExp(`unknown ${what}; did you mean \`${near}\`\\? Valid: `), args.join(' '));
      }
    });

    it(`says the data's span for a range outside it, exit 0, instead of a table of dashes (${kind})`, async () => {
      const metrics = await pitwall('metrics', source(), '--from', '2027-01-01', '--to', '2027-02-01');
      assert.equal(metrics.status, 0, metrics.stderr);
      assert.match(metrics.stdout, /No predictions in 2027-01-01 00:00:00Z … 2027-02-01 00:00:00Z \(exclusive\): the data spans 2026-10-01 \d\d:\d\d:\d\dZ … 2026-10-14 \d\d:\d\d:\d\dZ\./);
      assert.doesNotMatch(metrics.stdout, /ground truth|accuracy/);
      const trend = await pitwall('trend', source(), '--every', '1d', '--model', 'v1.1', '--from', '2027-01-01');
      assert.match(trend.stdout, /No predictions of v1\.1 from 2027-01-01 00:00:00Z on: the data of v1\.1 spans/);
      assert.doesNotMatch(trend.stdout, /WINDOW START/);
      const calibration = await pitwall('calibration', source(), '--to', '2026-01-01');
      assert.match(calibration.stdout, /No predictions before 2026-01-01 00:00:00Z: the data spans/);
      const drift = await pitwall('drift', source(), '--baseline', '2026-10-01..2026-10-05', '--current', '2027-01-01..2027-01-05');
      assert.equal(drift.status, 0, drift.stderr);
      assert.match(drift.stdout, /No predictions in 2027-01-01 00:00:00Z … 2027-01-05 00:00:00Z \(exclusive\): the data spans/);
      // --json keeps stdout a JSON document and says it on stderr.
      const json = await pitwall('trend', source(), '--every', '1d', '--from', '2027-01-01', '--json');
      assert.deepEqual(JSON.parse(json.stdout), []);
      assert.match(json.stderr, /No predictions from 2027-01-01 00:00:00Z on: the data spans/);
    });

    it(`echoes the range, model and window it used: a header line, and a scope object in JSON objects (${kind})`, async () => {
      const metrics = await pitwall('metrics', source(), '--model', 'v1.1', '--from', '2026-10-11');
      assert.match(metrics.stdout, /^Range: 2026-10-11 00:00:00Z … 2026-10-14 \d\d:\d\d:\d\dZ \(last prediction\) · model: v1\.1 · window: the whole range$/m);
      const trend = await pitwall('trend', source(), '--every', '1d', '--by', 'model_version', '--to', '2026-10-05');
      assert.match(trend.stdout, /^Range: 2026-10-01 \d\d:\d\d:\d\dZ \(first prediction\) … 2026-10-05 00:00:00Z \(exclusive\) · model: every version · window: 1d, by model_version$/m);
      for (const command of [['calibration'], ['estimate', '--every', '1d']]) {
        assert.match((await pitwall(command[0] as string, source(), ...command.slice(1))).stdout, RANGE_LINE, command[0]);
      }
      assert.match((await pitwall('drift', source(), '--baseline', '2026-10-01..2026-10-05', '--current', '2026-10-10..2026-10-14')).stdout, /^Baseline: 2026-10-01 00:00:00Z … 2026-10-05 00:00:00Z \(exclusive\) · current: .* · model: every version$/m);
      assert.match((await pitwall('backtest', source(), 'acc_low', '--every', '6h')).stdout, /^Replay: 2026-10-01 .* … 2026-10-14 .* · every 6h$/m);
      const scope = (JSON.parse((await pitwall('metrics', source(), '--model', 'v1.0', '--from', '2026-10-03', '--json')).stdout) as { scope: Record<string, unknown> }).scope;
      assert.deepEqual([scope.model_version, scope.from, scope.to, scope.window], ['v1.0', Date.parse('2026-10-03T00:00:00Z') / 1000, null, null]);
      assert.equal(typeof scope.data_first, 'number');
      // An age instead of a time: that long before now (the tests' now is NOW).
      const aged = (JSON.parse((await pitwall('metrics', source(), '--from', '40d', '--to', '20d', '--json')).stdout) as { scope: Record<string, unknown> }).scope;
      assert.deepEqual([aged.from, aged.to], [NOW - 40 * 86_400, NOW - 20 * 86_400]);
      const unreadable = await pitwall('metrics', source(), '--from', '7x');
      assert.equal(unreadable.status, 2);
      assert.ok('scope' in (JSON.parse((await pitwall('estimate', source(), '--json')).stdout) as object));
      assert.ok('scope' in (JSON.parse((await pitwall('calibration', source(), '--json')).stdout) as object));
    });

    it(`takes the rules' metric names in trend --metrics: f1_score = f1, expected_calibration_error = ece (${kind})`, async () => {
      const rules = await pitwall('trend', source(), '--every', '1d', '--metrics', 'f1_score,expected_calibration_error,num_predictions', '--json');
      const short = await pitwall('trend', source(), '--every', '1d', '--metrics', 'f1,ece', '--json');
      assert.equal(rules.status, 0, rules.stderr);
      assert.deepEqual(JSON.parse(rules.stdout), JSON.parse(short.stdout));
      assert.ok((JSON.parse(short.stdout) as object[]).every((row) => 'f1' in row && 'ece' in row && 'count' in row));
      const wrong = await pitwall('trend', source(), '--every', '1d', '--metrics', 'f1_scor');
      assert.equal(wrong.status, 2);
      assert.match(wrong.stderr, /unknown metric "f1_scor"; did you mean `f1_score`\?/);
    });
  }
});

import * as assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pitwall } from './runCli';
import { renderSpec } from '../core/charts/renderSpec';
import { generateDataset } from '../../../scripts/generator/generateDataset';

const DAY = 86400;
const START = Date.parse('2026-10-01T00:00:00Z') / 1000;

describe('pitwall analytics commands', function () {
  this.timeout(60_000);
  let root: string;
  let jsonl: string;
  let sqlite: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-analytics-cli-'));
    await generateDataset({ outDir: root, predictions: 4000, seed: 9 });
    jsonl = join(root, 'monitoring');
    sqlite = join(root, 'monitoring.db');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('prints every metric of item 2 in snake_case, the same for both formats', async () => {
    const a = await pitwall('metrics', jsonl, '--json', '--model', 'v1.0');
    const b = await pitwall('metrics', sqlite, '--json', '--model', 'v1.0');
    assert.equal(a.status, 0, a.stderr);
    const metrics = JSON.parse(a.stdout) as Record<string, unknown>;
    for (const key of ['count', 'labelled', 'label_coverage', 'accuracy', 'precision', 'recall', 'f1', 'specificity', 'roc_auc', 'average_precision', 'log_loss', 'brier', 'ece', 'mce', 'reliability', 'num_predictions', 'avg_confidence', 'min_confidence', 'max_confidence', 'confidence_std']) {
      assert.ok(key in metrics, key);
    }
    assert.deepEqual(metrics, JSON.parse(b.stdout));
    assert.ok((metrics.accuracy as number) > 0.6 && (metrics.accuracy as number) < 0.95);
  });

  it('applies --min-labels to metrics as trend does: too few labels give insufficient with the count, not confident numbers', async () => {
    // Three labelled predictions: the first three that have ground truth.
    const folder = join(root, 'few-labels');
    cpSync(jsonl, folder, { recursive: true });
    const outcomes = readFileSync(join(folder, 'outcomes.jsonl'), 'utf8').split('\n').filter(Boolean);
    writeFileSync(join(folder, 'outcomes.jsonl'), `${outcomes.slice(0, 3).join('\n')}\n`);
    type Summary = { labelled: number; insufficient: boolean; min_labels: number; accuracy: number | null; f1: number | null; roc_auc: number | null; ece: number | null; avg_confidence: number | null };
    const few = JSON.parse((await pitwall('metrics', folder, '--json')).stdout) as Summary;
    assert.deepEqual([few.labelled, few.insufficient, few.min_labels, few.accuracy, few.f1, few.roc_auc, few.ece], [3, true, 30, null, null, null, null]);
    assert.ok(few.avg_confidence !== null, 'label-free metrics are still reported');
    const table = await pitwall('metrics', folder);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /insufficient: 3 labelled predictions, fewer than --min-labels 30/);
    assert.match(table.stdout, /accuracy\s+—/);
    // At or above the minimum the numbers come back, as in trend.
    const enough = JSON.parse((await pitwall('metrics', folder, '--json', '--min-labels', '3')).stdout) as Summary;
    assert.deepEqual([enough.insufficient, enough.min_labels], [false, 3]);
    assert.ok(enough.accuracy !== null);
    assert.equal((JSON.parse((await pitwall('metrics', folder, '--json', '--min-labels', '4')).stdout) as Summary).accuracy, null);
  });

  it('takes --from and --to as ISO 8601 or unix seconds alike', async () => {
    const iso = JSON.parse((await pitwall('metrics', sqlite, '--json', '--from', '2026-10-03T00:00:00Z', '--to', '2026-10-05T00:00:00Z')).stdout) as { count: number };
    const unix = JSON.parse((await pitwall('metrics', sqlite, '--json', '--from', String(START + 2 * DAY), '--to', String(START + 4 * DAY))).stdout) as { count: number };
    assert.deepEqual(iso, unix);
    assert.ok(iso.count > 100 && iso.count < 1500, `${iso.count}`);
  });

  it('prints one trend row per window and group, pushed down on SQLite and equal to the JSONL folder', async () => {
    const args = ['--every', '1d', '--by', 'model_version', '--metrics', 'accuracy,ece,roc_auc,brier', '--json'];
    const a = await pitwall('trend', jsonl, ...args);
    const b = await pitwall('trend', sqlite, ...args);
    assert.equal(a.status, 0, a.stderr);
    const rows = JSON.parse(a.stdout) as { window_start: number; group: string; count: number; accuracy: number | null }[];
    assert.deepEqual(rows, JSON.parse(b.stdout));
    assert.equal(rows.reduce((sum, row) => sum + row.count, 0), 4000);
    assert.deepEqual([...new Set(rows.map((row) => row.group))].sort(), ['v1.0', 'v1.1']);
    assert.ok(rows.every((row) => 'ece' in row && 'brier' in row && !('f1' in row)));
  });

  it('flags the edge windows of --from/--to partial with their covered span, and lists empty windows with --fill-empty', async () => {
    const from = '2026-10-03T06:00:00Z';
    const to = '2026-10-05T12:00:00Z';
    type Row = { window_start: number; count: number; partial: boolean; covered_start?: number; covered_end?: number };
    const rows = JSON.parse((await pitwall('trend', sqlite, '--every', '1d', '--from', from, '--to', to, '--metrics', 'accuracy', '--json')).stdout) as Row[];
    assert.deepEqual(
      rows.map((row) => [row.window_start, row.partial, row.covered_start, row.covered_end]),
      [
        [START + 2 * DAY, true, START + 2 * DAY + 6 * 3600, START + 3 * DAY],
        [START + 3 * DAY, false, undefined, undefined],
        [START + 4 * DAY, true, START + 4 * DAY, START + 4 * DAY + 12 * 3600],
      ],
    );
    const table = await pitwall('trend', jsonl, '--every', '1d', '--from', from, '--to', to, '--metrics', 'accuracy');
    assert.match(table.stdout, /2026-10-03 00:00:00Z \(partial: 2026-10-03 06:00:00Z – 2026-10-04 00:00:00Z\)/);
    assert.match(table.stdout, /\(partial\): the window reaches outside --from\/--to/);
    // A range past the data: the days without predictions are listed with count 0 only when asked.
    const args = ['--every', '1d', '--from', '2026-10-13T00:00:00Z', '--to', '2026-10-20T00:00:00Z', '--metrics', 'accuracy', '--json'];
    for (const source of [jsonl, sqlite]) {
      const plain = JSON.parse((await pitwall('trend', source, ...args)).stdout) as Row[];
      const filled = JSON.parse((await pitwall('trend', source, ...args, '--fill-empty')).stdout) as Row[];
      assert.ok(plain.every((row) => row.count > 0));
      assert.deepEqual(filled.map((row) => row.window_start), Array.from({ length: 7 }, (_, k) => START + (12 + k) * DAY));
      assert.ok(filled.filter((row) => row.count === 0).length >= 7 - plain.length && plain.length < 7);
      assert.deepEqual(filled.filter((row) => row.count > 0), plain);
    }
  });

  it('slides windows and groups by a feature', async () => {
    const { status, stdout } = await pitwall('trend', sqlite, '--every', '1d', '--slide', '6h', '--by', 'circuit', '--metrics', 'accuracy', '--json');
    assert.equal(status, 0);
    const rows = JSON.parse(stdout) as { window_start: number; count: number; group: string }[];
    // Each row is in four 1-day windows sliding by 6 hours.
    assert.equal(rows.reduce((sum, row) => sum + row.count, 0), 4 * 4000);
    assert.ok(rows.some((row) => row.window_start % DAY === 6 * 3600));
  });

  it('segments by a metadata key, the same from both formats', async () => {
    const args = ['--every', '1d', '--by', 'metadata:race_id', '--metrics', 'accuracy', '--min-labels', '0', '--json'];
    const a = JSON.parse((await pitwall('trend', jsonl, ...args)).stdout) as { group: string | null; count: number }[];
    assert.deepEqual(a, JSON.parse((await pitwall('trend', sqlite, ...args)).stdout));
    assert.ok(new Set(a.map((row) => row.group)).size > 5);
    assert.equal(a.reduce((sum, row) => sum + row.count, 0), 4000);
  });

  it('prints a readable trend table that marks windows with too few labels', async () => {
    const { status, stdout } = await pitwall('trend', jsonl, '--every', '1h', '--metrics', 'accuracy', '--min-labels', '20');
    assert.equal(status, 0);
    assert.match(stdout, /^Range: .*\nWINDOW START\s+N\s+LABELLED\s+ACCURACY/);
    assert.match(stdout, /\(too few\)/);
  });

  it('prints reliability bins with Wilson intervals, equal width or equal mass', async () => {
    const width = JSON.parse((await pitwall('calibration', sqlite, '--json', '--bins', '5')).stdout) as { bins: { count: number }[]; ece: number; binning: string };
    assert.equal(width.binning, 'width');
    assert.equal(width.bins.length, 5);
    const mass = JSON.parse((await pitwall('calibration', sqlite, '--json', '--bins', '8', '--strategy', 'mass')).stdout) as typeof width;
    assert.equal(mass.binning, 'mass');
    const counts = mass.bins.map((bin) => bin.count);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= Math.max(...counts) * 0.5, `mass bins ${counts}`);
    const text = await pitwall('calibration', jsonl);
    assert.match(text.stdout, /^Range: .*\nECE 0\.\d{4} · MCE 0\.\d{4}/);
    assert.match(text.stdout, /95% INTERVAL/);
  });

  it('computes health per model version and records it only when asked', async () => {
    const at = String(START + 10.9 * DAY);
    const dry = JSON.parse((await pitwall('health', sqlite, '--json', '--at', at)).stdout) as { snapshots: { snapshot: { model_version: string; degradation_detected: boolean } }[]; recorded: unknown };
    assert.equal(dry.recorded, null);
    assert.deepEqual(dry.snapshots.map((r) => r.snapshot.model_version).sort(), ['v1.0', 'v1.1']);
    const before = JSON.parse((await pitwall('summary', sqlite, '--json')).stdout) as { health_snapshots: number };
    const recorded = await pitwall('health', sqlite, '--at', at, '--record');
    assert.equal(recorded.status, 0, recorded.stderr);
    assert.match(recorded.stdout, /Recorded 2 health snapshot\(s\)/);
    const after = JSON.parse((await pitwall('summary', sqlite, '--json')).stdout) as { health_snapshots: number };
    assert.equal(after.health_snapshots, before.health_snapshots + 2);
  });

  it('estimates performance per window without labels, realized values apart, refusing a miscalibrated reference', async () => {
    const { status, stdout, stderr } = await pitwall('estimate', sqlite, '--every', '2d', '--reference', '2026-10-01T00:00:00Z..2026-10-10T00:00:00Z', '--json');
    assert.equal(status, 0, stderr);
    const report = JSON.parse(stdout) as { reference: { from: number; to: number }; windows: { model_version: string; status: string; estimated: { accuracy: number } | null; realized: { accuracy: number } | null; labelled: number; count: number }[] };
    assert.ok(report.windows.length >= 8);
    for (const w of report.windows) {
      assert.ok(w.status === 'ok' || w.estimated === null, 'a refused estimate has no numbers');
      if (w.labelled === 0) assert.equal(w.realized, null);
    }
    // Before v1.1's degradation, estimated and realized accuracy agree.
    const early = report.windows.filter((w) => w.estimated !== null && w.realized !== null && w.labelled > 150);
    assert.ok(early.length >= 4, `${early.length} windows with estimates and enough labels`);
    for (const w of early.slice(0, 4)) {
      const gap = Math.abs((w.estimated as { accuracy: number }).accuracy - (w.realized as { accuracy: number }).accuracy);
      assert.ok(gap < 0.08, `estimated vs realized accuracy ${gap}`);
    }
    const refused = await pitwall('estimate', sqlite, '--every', '2d', '--reference', '2026-10-01T00:00:00Z..2026-10-01T01:00:00Z');
    assert.equal(refused.status, 0);
    assert.match(refused.stdout, /No performance is estimated/);
  });

  it('prints chart specs with --vega that compile and render without warnings', async () => {
    for (const args of [
      ['trend', sqlite, '--every', '1d', '--by', 'model_version', '--metrics', 'accuracy,ece', '--vega'],
      ['calibration', jsonl, '--vega'],
      ['estimate', sqlite, '--every', '2d', '--vega'],
    ]) {
      const { status, stdout, stderr } = await pitwall(...args);
      assert.equal(status, 0, stderr);
      const chart = await renderSpec(JSON.parse(stdout) as Parameters<typeof renderSpec>[0]);
      assert.ok(chart.svg.length > 1000, `${args[0]} renders`);
    }
  });

  it('finds the drift of track_temp after day 10 and records drift_results rows on request', async () => {
    const args = ['--baseline', '2026-10-01T00:00:00Z..2026-10-08T00:00:00Z', '--current', '2026-10-11T00:00:00Z..2026-10-15T00:00:00Z', '--model', 'v1.1'];
    const { status, stdout, stderr } = await pitwall('drift', sqlite, ...args, '--json');
    assert.equal(status, 0, stderr);
    const results = JSON.parse(stdout) as { feature_name: string; severity: string; kind: string }[];
    assert.deepEqual(results.map((r) => r.feature_name), ['circuit', 'grid_position', 'track_temp']);
    assert.equal(results.find((r) => r.feature_name === 'track_temp')?.severity, 'drift');
    assert.equal(results.find((r) => r.feature_name === 'grid_position')?.severity, 'none');
    assert.equal(results.find((r) => r.feature_name === 'circuit')?.kind, 'categorical');
    for (const source of [jsonl, sqlite]) {
      const recorded = await pitwall('drift', source, ...args, '--feature', 'track_temp', '--record');
      assert.equal(recorded.status, 0, recorded.stderr);
      assert.match(recorded.stdout, /Recorded 1 drift result/);
    }
    const chart = await renderSpec(JSON.parse((await pitwall('drift', jsonl, ...args, '--vega')).stdout) as Parameters<typeof renderSpec>[0]);
    assert.ok(chart.svg.includes('track_temp'));
    const one = await renderSpec(JSON.parse((await pitwall('drift', jsonl, ...args, '--feature', 'circuit', '--vega')).stdout) as Parameters<typeof renderSpec>[0]);
    assert.ok(one.svg.includes('circuit'));
  });

  it('keeps drift of a numeric feature numeric when a stray string arrives, and says how many values were not numbers', async () => {
    const folder = join(root, 'stray');
    cpSync(jsonl, folder, { recursive: true });
    const at = Date.parse('2026-10-12T00:00:00Z') / 1000;
    appendFileSync(
      join(folder, 'predictions.jsonl'),
      `${JSON.stringify({ timestamp: at, model_version: 'v1.1', prediction_id: 'pred-stray', predicted_outcome: 1, confidence: 0.9, features: { grid_position: 3, track_temp: 'n/a', circuit: 'spa' }, metadata: {} })}\n`,
    );
    const args = ['--baseline', '2026-10-01T00:00:00Z..2026-10-08T00:00:00Z', '--current', '2026-10-11T00:00:00Z..2026-10-15T00:00:00Z', '--model', 'v1.1', '--feature', 'track_temp'];
    const json = await pitwall('drift', folder, ...args, '--json');
    assert.equal(json.status, 0, json.stderr);
    const [result] = JSON.parse(json.stdout) as { kind: string; severity: string; psi: number | null; non_numeric: { baseline: number; current: number } }[];
    assert.deepEqual([result?.kind, result?.severity, result?.non_numeric], ['numeric', 'drift', { baseline: 0, current: 1 }]);
    assert.ok((result?.psi ?? 0) > 0.2);
    const table = await pitwall('drift', folder, ...args);
    assert.match(table.stdout, /"track_temp" is numeric, but 0 of its baseline values and 1 of its current values are not numbers: they are counted as missing/);
  });

  for (const [args, pattern] of [
    [['drift', 'SRC', '--baseline', '2026-10-01..2026-10-02'], /--current is required/],
    [['drift', 'SRC', '--baseline', '2026-10-01..2026-10-05', '--current', '2026-10-06..2026-10-10', '--feature', 'nope'], /feature "nope"/],
    [['estimate', 'SRC', '--reference', '2026-10-05'], /T1\.\.T2/],
    [['estimate', 'SRC', '--reference', '2026-10-05..2026-10-01'], /must end after it starts/],
    [['trend', 'SRC'], /--every is required/],
    [['trend', 'SRC', '--every', '1w'], /1w/],
    [['trend', 'SRC', '--every', '1h', '--slide', '2h'], /slide/],
    [['trend', 'SRC', '--every', '1h', '--metrics', 'acuracy'], /unknown metric "acuracy"; did you mean `accuracy`\?/],
    [['trend', 'SRC', '--every', '1h', '--by', 'no_such_feature'], /no_such_feature/],
    [['metrics', 'SRC', '--from', 'yesterday'], /--from/],
    [['metrics', 'SRC', '--from', '2026-10-05', '--to', '2026-10-01'], /--to must be after --from/],
    [['calibration', 'SRC', '--bins', '0'], /--bins/],
    [['calibration', 'SRC', '--strategy', 'quantile'], /width or mass/],
    [['health', 'SRC', '--every', 'daily'], /daily/],
  ] as const) {
    it(`exits 2 with a clear message for ${args.slice(1).join(' ').replace('SRC', '<source>')}`, async () => {
      const result = await pitwall(...args.map((arg) => (arg === 'SRC' ? sqlite : arg)));
      assert.equal(result.status, 2, result.stdout);
      assert.match(result.stderr, pattern);
    });
  }
});

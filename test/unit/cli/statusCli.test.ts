import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOW, pitwall } from './runCli';
import { generateDataset } from '../../../scripts/generator/generateDataset';

describe('pitwall status, and the data span of summary, health', () => {
  let root: string;
  const sources: Record<'jsonl' | 'sqlite', string> = { jsonl: '', sqlite: '' };
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-status-cli-'));
    await generateDataset({ outDir: root, predictions: 20000, seed: 11 });
    sources.jsonl = join(root, 'monitoring');
    sources.sqlite = join(root, 'monitoring.db');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`prints what is wrong with a ${kind} source, most severe first`, async () => {
      const { status, stdout, stderr } = await pitwall('status', sources[kind]);
      assert.equal(status, 0, stderr);
      assert.match(stdout, /^Data: 2026-10-01 \S+ … 2026-10-14 \S+, newest prediction 17 days ago\.$/m);
      assert.match(stdout, /^ {2}critical {2}v1\.1: accuracy 0\.\d{4} against 0\.\d{4} in the reference period, a significant drop/m);
      assert.match(stdout, /^ {2}warning {3}The newest prediction is 17 days ago/m);
      assert.match(stdout, /^Open alerts: \d+ \(critical \d+, warning \d+, info \d+\)$/m);
      assert.match(stdout, /^Rules firing: none$/m);
      assert.match(stdout, /^ {2}v1\.1 +2026-10-14 \S+ \(17 days ago\) .* degraded$/m);
      const lines = stdout.split('\n').filter((line) => /^ {2}(critical|warning|info) /.test(line));
      const rank = (line: string) => ['critical', 'warning', 'info'].indexOf(line.trim().split(' ')[0] as string);
      assert.deepEqual(lines.map(rank), lines.map(rank).sort((a, b) => a - b));
    });

    it(`gives the status of a ${kind} source as JSON, with the clock and the reference it used`, async () => {
      const { status, stdout } = await pitwall('status', sources[kind], '--json', '--reference', 'previous');
      assert.equal(status, 0);
      const report = JSON.parse(stdout) as {
        now: number;
        span: { newest: number; age: number };
        open_alerts: { total: number };
        health: { versions: { snapshot: { model_version: string }; period_start: number; reference: { from: number; to: number; degradation: { status: string } } }[] };
        problems: { severity: string; kind: string }[];
      };
      assert.equal(report.now, NOW);
      assert.equal(report.span.age, NOW - report.span.newest);
      const [first] = report.health.versions;
      assert.ok(first);
      assert.deepEqual([first.reference.from, first.reference.to], [first.period_start - 86400, first.period_start]);
      // Against the day before, nothing is degraded: that is what the default reference is for.
      assert.ok(!report.problems.some((p) => p.kind === 'degraded'));
      const alerts = JSON.parse((await pitwall('alerts', sources[kind], '--json', '--unacknowledged', '--limit', '100000')).stdout) as unknown[];
      assert.equal(report.open_alerts.total, alerts.length);
    });
  }

  it('gives the same status for both formats of the same data', async () => {
    const [a, b] = await Promise.all([pitwall('status', sources.jsonl, '--json'), pitwall('status', sources.sqlite, '--json')]);
    const strip = (text: string) => {
      const report = JSON.parse(text) as Record<string, unknown>;
      delete report.source;
      return report;
    };
    assert.deepEqual(strip(a.stdout), strip(b.stdout));
  });

  it('refuses a bad --reference, --every, --stale-after or flag with exit 2 and says why on stderr', async () => {
    const cases: [string[], RegExp][] = [
      [['--reference', 'lastweek'], /--reference: The health reference must be "previous", a duration such as 7d/],
      [['--reference', '2026-10-10..2026-10-01'], /--reference/],
      [['--every', 'daily'], /daily/],
      [['--stale-after', 'soon'], /--stale-after needs a duration/],
      [['--min-labels', '-3'], /--min-labels/],
      [['--bogus'], /bogus/],
    ];
    for (const [args, message] of cases) {
      const result = await pitwall('status', sources.sqlite, ...args);
      assert.equal(result.status, 2, args.join(' '));
      assert.match(result.stderr, message);
    }
    const missing = await pitwall('status');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /missing <source> \(a JSONL folder or a SQLite database file, or a postgres:\/\/ URL/);
    const nowhere = await pitwall('status', join(root, 'nowhere'));
    assert.equal(nowhere.status, 2);
    assert.match(nowhere.stderr, /No monitoring source/);
  });

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`summarises a ${kind} source with its data span, freshness and open alerts by severity and model`, async () => {
      const text = await pitwall('summary', sources[kind]);
      assert.equal(text.status, 0);
      assert.match(text.stdout, /^data span +2026-10-01 \S+ … 2026-10-14 \S+$/m);
      assert.match(text.stdout, /^freshness +newest prediction 17 days ago$/m);
      const json = JSON.parse((await pitwall('summary', sources[kind], '--json')).stdout) as {
        unacknowledged: number;
        data_span: { oldest: number; newest: number; versions: { model_version: string }[] };
        open_alerts: { total: number; by_severity: Record<string, number>; by_model: { model_version: string | null; total: number }[] };
      };
      assert.equal(json.open_alerts.total, json.unacknowledged);
      const { critical = 0, warning = 0, info = 0 } = json.open_alerts.by_severity;
      assert.match(text.stdout, new RegExp(`^open alerts +${json.unacknowledged}: critical ${critical}, warning ${warning}, info ${info}; ${json.open_alerts.by_model.map((m) => `${m.model_version} ${m.total}`).join(', ')}$`, 'm'));
      assert.deepEqual(json.data_span.versions.map((v) => v.model_version), ['v1.0', 'v1.1']);
      assert.ok(json.data_span.oldest < json.data_span.newest);
    });

    it(`reports health of a ${kind} source against the reference beside the previous period`, async () => {
      const { status, stdout } = await pitwall('health', sources[kind], '--at', '2026-10-14T12:00:00Z');
      assert.equal(status, 0);
      assert.match(stdout, /DEGRADATION +REFERENCE +CHANGE +VS REFERENCE/);
      assert.match(stdout, /^v1\.1 .* stable +0\.\d{4} +-0\.\d{4} +degraded$/m);
      assert.match(stdout, /^Reference: 2026-10-07 00:00:00Z … 2026-10-14 00:00:00Z/m);
      const json = JSON.parse((await pitwall('health', sources[kind], '--at', '2026-10-14T12:00:00Z', '--reference', '2026-10-02..2026-10-05', '--json')).stdout) as {
        snapshots: { reference: { from: number; to: number } }[];
      };
      assert.deepEqual([json.snapshots[0]?.reference.from, json.snapshots[0]?.reference.to], [Date.UTC(2026, 9, 2) / 1000, Date.UTC(2026, 9, 5) / 1000]);
      const bad = await pitwall('health', sources[kind], '--reference', 'sometime');
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--reference/);
    });

    it(`keeps status and health of a ${kind} source to the version --model names, and refuses one it lacks with the nearest it has`, async () => {
      const one = await pitwall('status', sources[kind], '--model', 'v1.1', '--json');
      assert.equal(one.status, 0, one.stderr);
      const report = JSON.parse(one.stdout) as {
        span: { versions: { model_version: string }[] };
        health: { versions: { snapshot: { model_version: string } }[] };
        open_alerts: { total: number; by_model: { model_version: string | null }[] };
        problems: { model_version: string | null }[];
      };
      assert.deepEqual(report.span.versions.map((v) => v.model_version), ['v1.1']);
      assert.deepEqual(report.health.versions.map((v) => v.snapshot.model_version), ['v1.1']);
      assert.deepEqual([...new Set(report.open_alerts.by_model.map((m) => m.model_version))], report.open_alerts.total === 0 ? [] : ['v1.1']);
      assert.ok(report.problems.every((p) => p.model_version === null || p.model_version === 'v1.1'));
      const health = await pitwall('health', sources[kind], '--model', 'v1.0', '--json');
      assert.equal(health.status, 0, health.stderr);
      assert.deepEqual((JSON.parse(health.stdout) as { snapshots: { snapshot: { model_version: string } }[] }).snapshots.map((r) => r.snapshot.model_version), ['v1.0']);
      for (const command of ['status', 'health']) {
        const wrong = await pitwall(command, sources[kind], '--model', 'v1.1x');
        assert.equal(wrong.status, 2, command);
        assert.equal(wrong.stdout, '');
        assert.match(wrong.stderr, /^unknown model version "v1\.1x" for \S+; did you mean `v1\.1`\? Valid: v1\.0, v1\.1\.$/, command);
      }
    });
  }
});

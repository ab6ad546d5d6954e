import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../../scripts/generator/generateDataset';
import { computeHealth } from '../../../../src/core/analytics/health';
import { computeStatus, readFiringRules } from '../../../../src/core/analytics/status';
import { countOpenAlerts, describeAge, readDataSpan } from '../../../../src/core/analytics/glance';
import { fingerprintOf } from '../../../../src/core/alerting/evaluate';
import { isPitwallError } from '../../../../src/core/errors';
import { withOpenStore } from '../../withOpenStore';

const DAY = 86400;
/** The generated data covers 2026-10-01 to 2026-10-15. */
const END = Date.parse('2026-10-15T00:00:00Z') / 1000;

describe('status of a source', () => {
  let root: string;
  const sources: Record<'jsonl' | 'sqlite', string> = { jsonl: '', sqlite: '' };
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-status-'));
    await generateDataset({ outDir: root, predictions: 20000, seed: 11 });
    sources.jsonl = join(root, 'monitoring');
    sources.sqlite = join(root, 'monitoring.db');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('tells an age in the largest whole unit, and a time ahead of the clock as such', () => {
    assert.equal(describeAge(52 * DAY + 3600), '52 days ago');
    assert.equal(describeAge(DAY), '1 day ago');
    assert.equal(describeAge(2 * 3600 + 59), '2 hours ago');
    assert.equal(describeAge(90), '1 minute ago');
    assert.equal(describeAge(30), 'just now');
    assert.equal(describeAge(-3 * 3600), '3 hours ahead of the clock');
  });

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`reads the span and each version's newest prediction of a ${kind} source as its columns have them`, async () => {
      await withOpenStore(sources[kind], async (store) => {
        const now = END + 52 * DAY;
        const span = await readDataSpan(store, now);
        const columns = await store.readPredictionColumns();
        const times = Array.from(columns.timestamp);
        // The span is kept to the millisecond.
        const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) <= 0.0005 + 1e-9, `${a} ≈ ${b}`);
        close(span.oldest, Math.min(...times));
        close(span.newest, Math.max(...times));
        close(span.age, now - Math.max(...times));
        assert.deepEqual(span.versions.map((v) => v.model_version), ['v1.0', 'v1.1']);
        for (const version of span.versions) {
          const newest = Math.max(...times.filter((_, i) => columns.model_version[i] === version.model_version));
          close(version.newest, newest);
        }
      });
    });

    it(`counts open alerts of a ${kind} source by severity and model as the alerts themselves add up`, async () => {
      await withOpenStore(sources[kind], async (store) => {
        const open = await store.readAlerts({ acknowledged: false, limit: 100000 });
        const counted = await countOpenAlerts(store);
        assert.ok(open.length > 0, 'the generated data has open alerts');
        assert.equal(counted.total, open.length);
        for (const severity of ['info', 'warning', 'critical'] as const) {
          assert.equal(counted.by_severity[severity], open.filter((a) => a.severity === severity).length);
          for (const row of counted.by_model) {
            assert.equal(row[severity], open.filter((a) => a.severity === severity && a.model_version === row.model_version).length);
          }
        }
        assert.equal(counted.by_model.reduce((sum, row) => sum + row.total, 0), open.length);
      });
    });
  }

  it('finds v1.1 degraded against the week before although it looks stable against the day before, the same from JSONL and SQLite', async () => {
    const at = END - DAY / 2;
    const verdicts = await Promise.all(
      (['jsonl', 'sqlite'] as const).map((kind) =>
        withOpenStore(sources[kind], async (store) => {
          const reports = await computeHealth(store, { at });
          const previous = await computeHealth(store, { at, reference: 'previous' });
          return { reports, previous };
        }),
      ),
    );
    const [jsonl, sqlite] = verdicts as [(typeof verdicts)[0], (typeof verdicts)[0]];
    const v11 = jsonl.reports.find((r) => r.snapshot.model_version === 'v1.1');
    const v10 = jsonl.reports.find((r) => r.snapshot.model_version === 'v1.0');
    assert.equal(v11?.reference.degradation.status, 'degraded');
    assert.equal(v11?.reference.from, END - DAY - 7 * DAY);
    assert.equal(v11?.reference.to, END - DAY);
    assert.ok((v11?.reference.change as number) < -0.05, `v1.1 fell by ${v11?.reference.change}`);
    assert.notEqual(v10?.reference.degradation.status, 'degraded');
    assert.notEqual(v11?.degradation.status, 'degraded', 'period to period the decline is not significant');
    // The previous period as the reference is what the period-to-period verdict says.
    for (const report of jsonl.previous) assert.equal(report.reference.degradation.status, report.degradation.status);
    assert.deepEqual(
      sqlite.reports.map((r) => [r.snapshot.model_version, r.reference.labelled, r.reference.count, r.reference.degradation.status]),
      jsonl.reports.map((r) => [r.snapshot.model_version, r.reference.labelled, r.reference.count, r.reference.degradation.status]),
    );
    // A fixed range pools exactly its predictions.
    const range = { from: END - 10 * DAY, to: END - 8 * DAY };
    await withOpenStore(sources.sqlite, async (store) => {
      const [report] = await computeHealth(store, { at, reference: range });
      const expected = await store.countPredictions({ ...range, modelVersion: report?.snapshot.model_version as string });
      assert.equal(report?.reference.count, expected);
      assert.deepEqual([report?.reference.from, report?.reference.to], [range.from, range.to]);
    });
  });

  it('refuses a reference that is empty, naming what it takes', async () => {
    await withOpenStore(sources.jsonl, async (store) => {
      await assert.rejects(computeHealth(store, { reference: { from: END, to: END - DAY } }), (error) => isPitwallError(error) && error.code === 'input' && /previous.*7d.*T1\.\.T2/.test(error.message));
      await assert.rejects(computeHealth(store, { reference: -5 }), (error) => isPitwallError(error) && error.code === 'input');
    });
  });

  for (const kind of ['jsonl', 'sqlite'] as const) {
    it(`lists the problems of a ${kind} source most severe first: a silent version, a firing rule, a degraded version, open alerts, stale data`, async () => {
      const copy = mkdtempSync(join(tmpdir(), 'pitwall-status-copy-'));
      try {
        await generateDataset({ outDir: copy, predictions: 20000, seed: 11, format: kind });
        const path = kind === 'jsonl' ? join(copy, 'monitoring') : join(copy, 'monitoring.db');
        const later = END + 3 * DAY;
        await withOpenStore(path, async (store) => {
          // v1.0 keeps sending for three more days; v1.1 has gone silent.
          for (let i = 0; i < 5; i++) {
            await store.recordPrediction({ timestamp: later - i * 60, model_version: 'v1.0', prediction_id: `late-${i}`, predicted_outcome: 1, confidence: 0.9, features: {}, metadata: {} });
          }
          const [rule] = await store.readRules();
          assert.ok(rule, 'the generated data has rules');
          await store.updateAlertStates({ [fingerprintOf(rule.rule_id, 'v1.0', null)]: later - 2 * 3600 }, []);
        });
        await withOpenStore(path, async (store) => {
          const rules = await store.readRules();
          const firing = await readFiringRules(store);
          assert.deepEqual(firing.map((f) => [f.rule_id, f.model_version, f.since, f.severity]), [[rules[0]?.rule_id, 'v1.0', later - 2 * 3600, rules[0]?.severity]]);

          const fresh = await computeStatus(store, { now: later + 600 });
          const kinds = fresh.problems.map((p) => p.kind);
          assert.ok(kinds.includes('silent'), kinds.join());
          assert.ok(!kinds.includes('stale'), 'ten minutes after the newest prediction the source is fresh');
          const silent = fresh.problems.find((p) => p.kind === 'silent');
          assert.equal(silent?.model_version, 'v1.1');
          assert.equal(silent?.severity, 'critical');
          assert.match(silent?.message ?? '', /v1\.1 is silent: its newest prediction is 3 days ago, 3 days before the source's newest/);
          assert.ok(kinds.includes('firing'));
          assert.equal(fresh.problems.find((p) => p.kind === 'degraded')?.model_version, 'v1.1');
          const rank = { critical: 0, warning: 1, info: 2 } as const;
          const ranks = fresh.problems.map((p) => rank[p.severity]);
          assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), 'most severe first');
          assert.equal(fresh.open_alerts.total, await store.countAlerts({ acknowledged: false }));

          const old = await computeStatus(store, { now: later + 52 * DAY });
          const stale = old.problems.find((p) => p.kind === 'stale');
          assert.match(stale?.message ?? '', /newest prediction is 52 days ago/);
          assert.equal(old.span.age, later + 52 * DAY - (old.span.newest as number));
          // A longer allowance takes the silence back.
          const lenient = await computeStatus(store, { now: later + 600, staleAfter: 5 * DAY });
          assert.ok(!lenient.problems.some((p) => p.kind === 'silent'));
        });
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    });
  }

  it('reports an empty source without failing: no span, no health, nothing wrong but what it has', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pitwall-status-empty-'));
    try {
      const folder = join(empty, 'monitoring');
      mkdirSync(folder);
      writeFileSync(join(folder, 'predictions.jsonl'), '');
      await withOpenStore(folder, async (store) => {
        const report = await computeStatus(store, { now: END });
        assert.equal(report.span.newest, null);
        assert.deepEqual(report.health.versions, []);
        assert.deepEqual(report.problems, []);
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

import * as assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import { ALERT_CONTEXT_FILE, ALERT_CONTEXT_TABLE } from '../../../src/core/store/alertContextRecords';
import { withOpenStore } from '../withOpenStore';
import { selectRows, runSqlite } from '../core/store/sqlite/writerSupport';
import { pitwall } from './runCli';

interface Explained {
  alert: { key: string; timestamp: number; model_version: string | null; message: string | null };
  why: {
    kind: string;
    rule_id: string | null;
    baseline: { from: number; to: number };
    current: { from: number; to: number };
    labelled: { baseline: number; current: number };
    segments: { label: string; baseline: { labelled: number; correct: number }; current: { labelled: number; correct: number }; z: number; p_value: number; drop: number }[];
    drifted_features: { feature: string; statistic: string; value: number; importance: number | null }[];
    feature: { feature: string; baseline: { count: number }; current: { count: number } } | null;
    recorded_at: number | null;
  };
}

const KINDS = ['jsonl', 'sqlite'] as const;
/** The evaluation time of the recording tests: v1.1 has degraded for two days. */
const AT = Date.parse('2026-10-13T00:00:00Z') / 1000;

describe('pitwall explain: why an alert fired', function () {
  this.timeout(180_000);
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-explain-'));
    await generateDataset({ outDir: root, predictions: 6000, seed: 9 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const sourceOf = (kind: (typeof KINDS)[number], folder = root) => join(folder, kind === 'jsonl' ? 'monitoring' : 'monitoring.db');

  async function explained(...args: string[]): Promise<Explained> {
    const result = await pitwall('explain', ...args, '--json');
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as Explained;
  }

  /** The newest accuracy alert the Python service fired for v1.1, by its key in each source. */
  async function pythonAccuracyAlert(kind: (typeof KINDS)[number]): Promise<string> {
    const listed = await pitwall('alerts', sourceOf(kind), '--model', 'v1.1', '--limit', '1000', '--json');
    const alerts = JSON.parse(listed.stdout) as { key: string; message: string; severity: string; timestamp: number }[];
    const found = alerts.filter((a) => a.message.startsWith('accuracy is') && a.severity === 'critical').sort((a, b) => b.timestamp - a.timestamp)[0];
    assert.ok(found, 'the generated source has a critical accuracy alert of v1.1');
    return found.key;
  }

  it('computes the context of an alert the Python service fired, identically from a folder and a database, as exactly {alert, why}', async () => {
    const results: Explained[] = [];
    for (const kind of KINDS) {
      const key = await pythonAccuracyAlert(kind);
      const result = await pitwall('explain', sourceOf(kind), key, '--window', '1d', '--baseline', '3d', '--json');
      assert.equal(result.status, 0, result.stderr);
      const parsed = JSON.parse(result.stdout) as Explained & Record<string, unknown>;
      assert.deepEqual(Object.keys(parsed), ['alert', 'why']);
      assert.equal(parsed.alert.key, key);
      const { why } = parsed;
      assert.equal(why.kind, 'performance');
      assert.equal(why.rule_id, 'acc_low', 'the one rule of the source that matches the alert');
      assert.equal(why.recorded_at, null, 'computed now: the Python service records no context');
      assert.equal(why.current.to, parsed.alert.timestamp);
      assert.equal(why.current.to - why.current.from, 86400);
      assert.equal(why.baseline.to, why.current.from);
      assert.equal(why.baseline.to - why.baseline.from, 3 * 86400);
      assert.ok(why.segments.length > 0, 'accuracy fell in some segment after v1.1 degraded');
      for (const segment of why.segments) {
        assert.ok(segment.baseline.labelled >= 10 && segment.current.labelled >= 10, segment.label);
        assert.ok(segment.drop > 0 && segment.z < 0 && segment.p_value > 0 && segment.p_value < 0.5, segment.label);
      }
      assert.ok(why.drifted_features.length > 0);
      for (const feature of why.drifted_features) assert.deepEqual(Object.keys(feature), ['feature', 'statistic', 'value', 'importance', 'weighted']);
      assert.ok(why.drifted_features.every((f) => f.importance === null), 'no feature_importance records in the generated source');
      results.push(parsed);
    }
    const [jsonl, sqlite] = results as [Explained, Explained];
    // A folder keeps the alert's time as a float, a database to the microsecond: the windows agree to that.
    assert.ok(Math.abs(jsonl.why.current.to - sqlite.why.current.to) < 1e-5);
    const withoutTimes = (why: Explained['why']) => ({ ...why, baseline: null, current: null });
    assert.deepEqual(withoutTimes(jsonl.why), withoutTimes(sqlite.why), 'the same data gives the same context in either form');
  });

  for (const kind of KINDS) {
    it(`prints a short readable table, and refuses an unknown alert with a suggestion, exit 2 (${kind})`, async () => {
      const key = await pythonAccuracyAlert(kind);
      const table = await pitwall('explain', sourceOf(kind), key, '--window', '1d', '--baseline', '3d');
      assert.equal(table.status, 0, table.stderr);
      assert.match(table.stdout, /^Alert .* · critical · .* · model v1\.1 · fired \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/m);
      assert.match(table.stdout, /^Rule: acc_low$/m);
      assert.match(table.stdout, /^Computed now: no context was recorded with this alert\.$/m);
      assert.match(table.stdout, /^SEGMENT\s+BASELINE\s+ALERT WINDOW\s+DROP\s+Z\s+P$/m);
      assert.match(table.stdout, /^FEATURE\s+STATISTIC\s+VALUE\s+IMPORTANCE$/m);
      assert.match(table.stdout, /\(\d+\/\d+\)\s+0\.\d+\s+-\d+\.\d\d/);

      const mistyped = `${key}9`;
      const unknown = await pitwall('explain', sourceOf(kind), mistyped);
      assert.equal(unknown.status, 2);
      assert.equal(unknown.stdout, '');
      assert.match(unknown.stderr, new RegExp(`unknown alert "${mistyped.replace(/[.#]/g, '\\$&')}"; did you mean \`[^\`]+\`\\? Valid: `));
      const window = await pitwall('explain', sourceOf(kind), key, '--window', 'a day');
      assert.equal(window.status, 2);
      assert.match(window.stderr, /a day/);
    });

    it(`records the context when Pitwall's engine fires, reads it back, and leaves the Python system's records as they were (${kind})`, async () => {
      const folder = mkdtempSync(join(root, `record-${kind}-`));
      const source = sourceOf(kind, folder);
      cpSync(sourceOf(kind), source, { recursive: true });
      const rule = join(folder, 'rule.json');
      writeFileSync(
        rule,
        JSON.stringify({
          rule_id: 'acc_seen',
          metric_name: 'accuracy',
          metric_type: 'threshold',
          threshold: 1.01,
          comparison: '<',
          severity: 'warning',
          component: 'performance',
          enabled: true,
          cooldown_minutes: 0,
          channels: ['file'],
          conditions: { window: '1d', baseline_window: '3d', model_versions: ['v1.1'] },
        }),
      );
      assert.equal((await pitwall('rule', 'add', source, rule)).status, 0);
      const evaluation = await pitwall('evaluate', source, '--at', new Date(AT * 1000).toISOString(), '--json');
      assert.equal(evaluation.status, 0, evaluation.stderr);
      // The source's own rules may fire too (a folder's rules keep no cooldown of the Python service's).
      const created = (JSON.parse(evaluation.stdout) as { alerts: { key: string; threshold: number }[] }).alerts;
      const ours = created.filter((alert) => alert.threshold === 1.01);
      assert.equal(ours.length, 1, evaluation.stdout);
      const key = (ours[0] as { key: string }).key;

      if (kind === 'jsonl') {
        const lines = readFileSync(join(source, ALERT_CONTEXT_FILE), 'utf8').trim().split('\n');
        assert.deepEqual(lines.map((line) => (JSON.parse(line) as { alert: string }).alert).sort(), created.map((alert) => alert.key).sort(), 'one context per alert fired');
        assert.ok(!readFileSync(join(source, 'alerts.jsonl'), 'utf8').includes('"why"'), 'the alert record keeps the Python format');
      } else {
        const rows = selectRows(source, `SELECT alert, recorded_at FROM ${ALERT_CONTEXT_TABLE}`);
        assert.deepEqual(rows.map((row) => row[0]).sort(), created.map((alert) => alert.key).sort(), 'one context per alert fired');
        assert.ok(rows.every((row) => row[1] === AT));
        const columns = selectRows(source, 'PRAGMA table_info(alerts)').map((row) => row[1]);
        assert.ok(!columns.includes('why'), 'the alerts table keeps its schema');
      }

      const recorded = await explained(source, key);
      assert.equal(recorded.why.recorded_at, AT);
      assert.equal(recorded.why.rule_id, 'acc_seen');
      assert.equal(recorded.why.current.from, AT - 86400);
      assert.equal(recorded.why.baseline.from, AT - 4 * 86400);
      assert.ok(recorded.why.segments.length > 0);
      // Computing it again from the same data gives what was recorded.
      const fresh = await explained(source, key, '--window', '1d', '--baseline', '3d');
      assert.equal(fresh.why.recorded_at, null);
      assert.deepEqual({ ...fresh.why, recorded_at: AT }, recorded.why);
      const table = await pitwall('explain', source, key);
      assert.match(table.stdout, /^Recorded when it fired \(2026-10-13 00:00:00Z\)\.$/m);
    });

    it(`skips a damaged stored context with a message naming where, and computes that alert's context again (${kind})`, async () => {
      const folder = mkdtempSync(join(root, `damaged-${kind}-`));
      const source = sourceOf(kind, folder);
      cpSync(sourceOf(kind), source, { recursive: true });
      const key = await pythonAccuracyAlert(kind);
      if (kind === 'jsonl') {
        // A line that is not a context, one that is not JSON, and a torn last line.
        appendFileSync(join(source, ALERT_CONTEXT_FILE), `{"alert": "${key}", "recorded_at": 1, "why": {"kind": "nonsense"}}\nnot json\n{"alert": "${key}", "recor`);
      } else {
        runSqlite(source, [
          ['CREATE TABLE pitwall_alert_context (id INTEGER PRIMARY KEY AUTOINCREMENT, alert TEXT NOT NULL, recorded_at REAL NOT NULL, why TEXT NOT NULL)', []],
          ['INSERT INTO pitwall_alert_context (alert, recorded_at, why) VALUES (?, 1, ?)', [key, '{"kind": "nonsense"}']],
          ['INSERT INTO pitwall_alert_context (alert, recorded_at, why) VALUES (?, 1, ?)', [key, 'not json']],
        ]);
      }
      const result = await pitwall('explain', source, key, '--json');
      assert.equal(result.status, 0, result.stderr);
      const parsed = JSON.parse(result.stdout) as Explained;
      assert.equal(parsed.why.recorded_at, null, 'no good record: computed now');
      assert.equal(parsed.why.kind, 'performance');
      if (kind === 'jsonl') {
        const file = join(source, ALERT_CONTEXT_FILE).replace(/[.]/g, '\\.');
        assert.match(result.stderr, new RegExp(`warning: ${file} line 1: .*why\\.kind.*This alert context was skipped`));
        assert.match(result.stderr, new RegExp(`warning: ${file} line 2: `));
        assert.match(result.stderr, /unfinished last line|bytes/);
      } else {
        assert.match(result.stderr, /pitwall_alert_context row 1: .*why\.kind.*This alert context was skipped/);
        assert.match(result.stderr, /pitwall_alert_context row 2: why is not JSON text/);
      }
    });

    it(`weights the drifted features by the source's feature importance records when it has them (${kind})`, async () => {
      const folder = mkdtempSync(join(root, `importance-${kind}-`));
      const source = sourceOf(kind, folder);
      cpSync(sourceOf(kind), source, { recursive: true });
      await withOpenStore(source, async (store) => {
        for (const [feature, score] of [['track_temp', 3], ['grid_position', 1]] as const) {
          await store.recordFeatureImportance({ timestamp: AT - 86400 * 5, model_version: 'v1.1', feature_name: feature, importance_score: score, shap_value: null, percentage: null, rank: null });
        }
      });
      const key = await pythonAccuracyAlert(kind);
      const { why } = await explained(source, key, '--window', '1d', '--baseline', '3d');
      const importance = Object.fromEntries(why.drifted_features.map((f) => [f.feature, f.importance]));
      assert.deepEqual(importance, { track_temp: 0.75, grid_position: 0.25, circuit: null });
      assert.equal(why.drifted_features.at(-1)?.feature, 'circuit', 'a feature without a record ranks after those with one');
      assert.ok(existsSync(source));
    });
  }

  it('explains itself in --help', async () => {
    const help = await pitwall('explain', '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /pitwall explain <source> <alert> \[options\]/);
    assert.match(help.stdout, /--baseline DURATION/);
    assert.match(help.stdout, /two-proportion z-test/);
  });
});

/**
 * Hostile input against the storage layer and the CLI, on real files in temporary folders: files
 * that are folders, loops or unreadable, huge and binary lines, Windows line endings and BOMs,
 * nonsense rules, absurd timestamps, damaged SQLite files and CLI arguments meant to confuse.
 * Each attack checks the promise of DESIGN.md: no crash and no hang, a message naming the file,
 * line or row and field, the good data still loads, and nothing is written back damaged.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { PitwallError } from '../../../src/core/errors';
import { openJsonlStore } from '../../../src/core/store/jsonl/jsonlStore';
import { openStore } from '../../../src/core/store/openStore';
import { SqliteStore } from '../../../src/core/store/sqlite/sqliteStore';
import { ModelPerformanceTracker } from '../../../src/core/tracker';
import {
  lookAt,
  NOW,
  pitwall,
  Playground,
  python,
  pythonJsonLines,
  pythonSql,
  REPO,
  rejectionOf,
  type Workspace,
} from './support';

const RULE = {
  rule_id: 'hostile_rule',
  metric_name: 'accuracy',
  metric_type: 'threshold',
  threshold: 0.5,
  comparison: '<',
  severity: 'warning',
  component: 'performance',
};

interface CliAlert {
  readonly key: string;
  readonly alert_id: string;
  readonly acknowledged: boolean;
  readonly acknowledged_by: string | null;
}

async function openAlerts(source: string): Promise<CliAlert[]> {
  const result = await pitwall('alerts', source, '--json', '--unacknowledged');
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as CliAlert[];
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n');
}

describe('hostile input: storage and CLI', function () {
  this.timeout(60_000);
  let playground: Playground;
  let ws: Workspace;

  before(async () => {
    playground = await Playground.create();
  });
  beforeEach(() => {
    ws = playground.fresh();
  });
  after(() => playground.cleanup());

  describe('a JSONL folder whose files are not plain files', () => {
    it('alerts.jsonl as a directory: a warning names the file, every other file loads, and summary prints it', async () => {
      rmSync(ws.file('alerts.jsonl'));
      mkdirSync(ws.file('alerts.jsonl'));
      const { counts, description } = await lookAt(ws.jsonl);
      assert.equal(counts.predictions, 2000);
      assert.equal(counts.rules, 8);
      assert.equal(counts.healthSnapshots, 110);
      assert.equal(counts.alerts, 0);
      assert.ok(
        description.warnings.some((w) => w.includes(ws.file('alerts.jsonl')) && /not a regular file/.test(w)),
        description.warnings.join('\n'),
      );
      const summary = await pitwall('summary', ws.jsonl);
      assert.equal(summary.status, 0, summary.stderr);
      assert.match(summary.stdout, /^predictions\s+2000$/m);
      assert.match(summary.stdout, /warning: Cannot read .*alerts\.jsonl: .*not a regular file/);
    });

    it('alerts.jsonl as a symlink loop: the warning and the read-only reason name the file, the rest loads', async () => {
      rmSync(ws.file('alerts.jsonl'));
      symlinkSync('alerts.jsonl', ws.file('alerts.jsonl'));
      const { counts, description } = await lookAt(ws.jsonl);
      assert.equal(counts.predictions, 2000);
      assert.equal(counts.rules, 8);
      assert.ok(description.warnings.some((w) => w.includes(ws.file('alerts.jsonl')) && /ELOOP/.test(w)), description.warnings.join('\n'));
      assert.equal(description.writable, false);
      assert.match(description.readOnlyReason ?? '', /alerts\.jsonl.*ELOOP/);
    });

    it('a source path that is a symlink loop is refused with a message naming it, exit status 2', async () => {
      const loop = join(ws.root, 'loop');
      symlinkSync('loop', loop);
      const result = await pitwall('summary', loop);
      assert.equal(result.status, 2);
      assert.ok(result.stderr.includes(loop), result.stderr);
    });

    it('alert_rules.json as a directory: a warning names it, the rest loads, and rule add fails naming it without writing', async () => {
      rmSync(ws.file('alert_rules.json'));
      mkdirSync(ws.file('alert_rules.json'));
      const { counts, description } = await lookAt(ws.jsonl);
      assert.equal(counts.rules, 0);
      assert.equal(counts.alerts, 6);
      assert.equal(counts.predictions, 2000);
      assert.ok(description.warnings.some((w) => w.includes(ws.file('alert_rules.json')) && /not a regular file/.test(w)), description.warnings.join('\n'));
      const file = join(ws.root, 'rule.json');
      writeFileSync(file, JSON.stringify(RULE));
      const added = await pitwall('rule', 'add', ws.jsonl, file);
      assert.notEqual(added.status, 0);
      assert.ok(added.stderr.includes(ws.file('alert_rules.json')), added.stderr);
      assert.ok(statSync(ws.file('alert_rules.json')).isDirectory());
      assert.ok(!existsSync(ws.file('alert_rules.pitwall.json')), 'no rule settings written for a rule that was not saved');
    });
  });

  describe('JSONL content', () => {
    it('a 50 MB line of garbage is reported by line number in a short message, and the lines after it load', async () => {
      const path = ws.file('predictions.jsonl');
      const original = lines(path);
      const garbage = `{"prediction_id": "${'x'.repeat(50 * 1024 * 1024)}`;
      writeFileSync(path, [...original.slice(0, 2), garbage, ...original.slice(2)].join('\n'));
      const { counts, description } = await lookAt(ws.jsonl);
      assert.equal(counts.predictions, 2000);
      const [problem, ...others] = description.diagnostics;
      assert.equal(others.length, 0);
      assert.equal(problem?.line, 3);
      assert.equal(problem?.file, path);
      assert.match(problem?.message ?? '', /^predictions\.jsonl line 3: not valid JSON/);
      assert.ok((problem?.message.length ?? Infinity) < 400, 'the message does not quote the 50 MB line');
    });

    it('a line longer than the reader accepts is skipped as too long, and the next lines load', async () => {
      const path = ws.file('predictions.jsonl');
      const original = lines(path);
      writeFileSync(path, [original[0], 'y'.repeat(3 << 20), ...original.slice(1)].join('\n'));
      const store = await openJsonlStore(ws.jsonl, { maxLineBytes: 1 << 20 });
      try {
        assert.equal((await store.counts()).predictions, 2000);
        const { diagnostics } = await store.describe();
        assert.equal(diagnostics.length, 1);
        assert.equal(diagnostics[0]?.line, 2);
        assert.match(diagnostics[0]?.message ?? '', /^predictions\.jsonl line 2: longer than 1048576 bytes/);
      } finally {
        await store.close();
      }
    });

    it('a line of NUL bytes is reported as line 1, and the alerts after it load', async () => {
      const path = ws.file('alerts.jsonl');
      writeFileSync(path, Buffer.concat([Buffer.alloc(64 * 1024), Buffer.from('\n'), readFileSync(path)]));
      const { counts, description } = await lookAt(ws.jsonl);
      assert.equal(counts.alerts, 6);
      assert.equal(description.diagnostics.length, 1);
      assert.equal(description.diagnostics[0]?.line, 1);
      assert.match(description.diagnostics[0]?.message ?? '', /^alerts\.jsonl line 1: not valid JSON/);
    });

    it('a file of NUL bytes without a newline is an incomplete line; an append ends it first so the new alert is a line of its own', async () => {
      const path = ws.file('alerts.jsonl');
      writeFileSync(path, Buffer.alloc(10_000));
      const store = await openJsonlStore(ws.jsonl, { tornTailGraceMs: 0 });
      try {
        assert.equal((await store.counts()).alerts, 0);
        assert.ok((await store.describe()).warnings.some((w) => /^alerts\.jsonl ends in an incomplete line \(10000 bytes/.test(w)));
        const alert = await store.appendAlert({
          timestamp: NOW,
          severity: 'critical',
          title: 'after the zeros',
          message: 'm',
          metric_name: 'accuracy',
          metric_value: 0.1,
          threshold: 0.5,
          component: 'performance',
          model_version: 'v1.1',
          acknowledged: false,
          acknowledged_at: null,
          acknowledged_by: null,
        });
        assert.equal((await store.readAlerts()).length, 1);
        assert.equal((await store.readAlert(alert.key))?.title, 'after the zeros');
        assert.equal((await store.describe()).diagnostics[0]?.line, 1, 'the zeros stay a bad line 1');
      } finally {
        await store.close();
      }
      const bytes = readFileSync(path);
      assert.ok(bytes.subarray(0, 10_000).equals(Buffer.alloc(10_000)), 'the zeros are kept as they were');
      const parsed = pythonJsonLines(path);
      assert.equal(parsed.length, 2);
      assert.equal(parsed[0], 'JSONDecodeError');
      assert.equal((parsed[1] as Record<string, unknown>).title, 'after the zeros');
    });

    it('CRLF files (Windows editors) load like LF ones, and acknowledging keeps every other byte and the CRLF', async () => {
      for (const name of ['predictions.jsonl', 'outcomes.jsonl', 'alerts.jsonl', 'health_snapshots.jsonl', 'alert_rules.json']) {
        const path = ws.file(name);
        writeFileSync(path, readFileSync(path, 'utf8').replace(/\n/g, '\r\n'));
      }
      const { counts, description } = await lookAt(ws.jsonl);
      assert.deepEqual(
        { predictions: counts.predictions, outcomes: counts.outcomes, alerts: counts.alerts, rules: counts.rules, health: counts.healthSnapshots },
        { predictions: 2000, outcomes: 1393, alerts: 6, rules: 8, health: 110 },
      );
      assert.deepEqual(description.diagnostics, []);
      const path = ws.file('alerts.jsonl');
      const before = lines(path);
      const [target] = await openAlerts(ws.jsonl);
      assert.ok(target);
      const acked = await pitwall('ack', ws.jsonl, target.key, '--by', 'windows-user', '--json');
      assert.equal(acked.status, 0, acked.stderr);
      const after = lines(path);
      assert.equal(after.length, before.length);
      const changed = after.map((line, i) => (line === before[i] ? -1 : i)).filter((i) => i >= 0);
      assert.equal(changed.length, 1);
      assert.ok(after.slice(0, -1).every((line) => line.endsWith('\r')), 'every line still ends in CRLF');
      const records = pythonJsonLines(path) as Record<string, unknown>[];
      assert.equal(records.filter((r) => r.acknowledged_by === 'windows-user').length, 1);
      assert.equal(records.length, 6);
    });

    it('a UTF-8 BOM at the start of a JSONL file is not a bad line, and a rewrite keeps it', async () => {
      for (const name of ['predictions.jsonl', 'alerts.jsonl']) {
        const path = ws.file(name);
        writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(path)]));
      }
      const { counts, description } = await lookAt(ws.jsonl);
      assert.equal(counts.predictions, 2000);
      assert.equal(counts.alerts, 6);
      assert.deepEqual(description.diagnostics, []);
      const first = JSON.parse(lines(ws.file('alerts.jsonl'))[0]?.slice(1) ?? '') as { alert_id: string };
      const acked = await pitwall('ack', ws.jsonl, first.alert_id, '--json');
      assert.equal(acked.status, 0, acked.stderr);
      assert.deepEqual(JSON.parse(acked.stdout).acknowledged, [`${first.alert_id}#1`]);
      const bytes = readFileSync(ws.file('alerts.jsonl'));
      assert.deepEqual([...bytes.subarray(0, 4)], [0xef, 0xbb, 0xbf, 0x7b]);
    });

    it('acknowledging an alert whose line has unknown keys keeps them, their spelling and every other line', async () => {
      const path = ws.file('alerts.jsonl');
      const original = lines(path);
      const first = JSON.parse(original[0] ?? '') as Record<string, unknown>;
      const withExtras = `${original[0]?.slice(0, -1)}, "ticket": {"id": 7, "tags": ["a", "b"]}, "weird key \\u00e9": 1.50, "runbook": null}`;
      writeFileSync(path, [withExtras, ...original.slice(1)].join('\n'));
      const acked = await pitwall('ack', ws.jsonl, String(first.alert_id), '--by', 'me', '--json');
      assert.equal(acked.status, 0, acked.stderr);
      const after = lines(path);
      assert.deepEqual(after.slice(1), original.slice(1));
      const expected = withExtras
        .replace('"acknowledged": false', '"acknowledged": true')
        .replace('"acknowledged_at": null', `"acknowledged_at": ${NOW}.0`)
        .replace('"acknowledged_by": null', '"acknowledged_by": "me"');
      assert.equal(after[0], expected);
    });

    it('a prediction with 10,000 features loads, serves its columns and takes an outcome', async () => {
      const features: Record<string, number | string> = { circuit: 'spa' };
      for (let i = 0; i < 10_000; i++) features[`f${i}`] = i / 8;
      const line = JSON.stringify({ timestamp: NOW - 10, model_version: 'v1.1', prediction_id: 'wide', predicted_outcome: 1, confidence: 0.8, features, metadata: {} });
      writeFileSync(ws.file('predictions.jsonl'), `${readFileSync(ws.file('predictions.jsonl'), 'utf8')}${line}\n`);
      const store = await openStore(ws.jsonl);
      try {
        assert.equal((await store.counts()).predictions, 2001);
        assert.equal(Object.keys((await store.readPrediction('wide'))?.features ?? {}).length, 10_001);
        const columns = await store.readPredictionColumns({ from: NOW - 11, features: ['f9999', 'f0'] });
        assert.equal(columns.length, 1);
        assert.deepEqual(columns.features.get('f9999'), [9999 / 8]);
        const evaluation = await new ModelPerformanceTracker(store, () => NOW).recordActualOutcome('wide', 1);
        assert.equal(evaluation?.correct, true);
      } finally {
        await store.close();
      }
    });

    it('absurd timestamps are reported by line and field; a pre-1970 one loads; nothing else is lost', async () => {
      const path = ws.file('predictions.jsonl');
      const stamps: unknown[] = [1e20, -1, '2026-02-30 00:00:00.000000', '2026-10-01T00:00:00+25:00', '2026-10-01T00:00:00+02:00', '1790813677', null];
      const extra = stamps.map((timestamp, i) =>
        JSON.stringify({ timestamp, model_version: 'v9', prediction_id: `t${i}`, predicted_outcome: 0, confidence: 0.6, features: { a: 1 }, metadata: {} }),
      );
      writeFileSync(path, `${readFileSync(path, 'utf8')}${extra.join('\n')}\n`);
      const store = await openStore(ws.jsonl);
      try {
        const loaded = await store.readPredictions({ modelVersion: 'v9' });
        assert.deepEqual(
          loaded.map((p) => [p.prediction_id, p.timestamp]),
          [
            ['t1', -1],
            ['t4', Date.UTC(2026, 9, 1) / 1000 - 7200],
          ],
        );
        const { diagnostics } = await store.describe();
        assert.deepEqual(
          diagnostics.map((d) => [d.line, d.field]),
          [2001, 2003, 2004, 2006, 2007].map((line) => [line, 'timestamp']),
        );
        assert.match(diagnostics[0]?.message ?? '', /^predictions\.jsonl line 2001: timestamp must be a time between the years 1 and 9999/);
        assert.match(diagnostics[1]?.message ?? '', /line 2003: timestamp .*"2026-02-30 00:00:00\.000000"/);
        assert.match(diagnostics[2]?.message ?? '', /line 2004: timestamp .*"2026-10-01T00:00:00\+25:00"/);
        assert.equal((await store.counts()).predictions, 2002);
      } finally {
        await store.close();
      }
    });
  });

  describe('alert_rules.json', () => {
    for (const [name, text, reason] of [
      ['{}', '{}', /must hold a JSON array of rules, not an object/],
      ['null', 'null', /must hold a JSON array of rules, not null/],
      ['empty', '', /is not valid JSON/],
      ['a truncated array', '[{"rule_id": "a", "metric_name"', /is not valid JSON/],
    ] as const) {
      it(`holding ${name}: the file is named, alerts still load, and rule add refuses without touching it`, async () => {
        const path = ws.file('alert_rules.json');
        writeFileSync(path, text);
        const { counts, description } = await lookAt(ws.jsonl);
        assert.equal(counts.rules, 0);
        assert.equal(counts.alerts, 6);
        assert.equal(description.diagnostics.length, 1);
        assert.equal(description.diagnostics[0]?.file, path);
        assert.match(description.diagnostics[0]?.message ?? '', new RegExp(`^alert_rules\\.json ${reason.source}`));
        const file = join(ws.root, 'rule.json');
        writeFileSync(file, JSON.stringify(RULE));
        const added = await pitwall('rule', 'add', ws.jsonl, file);
        assert.notEqual(added.status, 0);
        assert.match(added.stderr, /will not rewrite .*alert_rules\.json/);
        assert.equal(readFileSync(path, 'utf8'), text);
        assert.ok(!existsSync(ws.file('alert_rules.pitwall.json')));
      });
    }

    it('__proto__ and constructor keys are warned about by index and field, pollute nothing, and survive a rewrite', async () => {
      const path = ws.file('alert_rules.json');
      const element = `{"__proto__": {"enabled": false, "polluted": 1}, "constructor": {"prototype": {"polluted": 2}}, ${JSON.stringify({ ...RULE, rule_id: 'proto' }).slice(1, -1)}, "conditions": {"__proto__": {"max_value": 0}, "min_value": 0.1}}`;
      writeFileSync(path, `[\n  ${element}\n]`);
      const store = await openStore(ws.jsonl);
      try {
        const [rule, ...others] = await store.readRules();
        assert.equal(others.length, 0);
        assert.equal(rule?.rule_id, 'proto');
        assert.equal(rule?.enabled, true, '__proto__.enabled is not the rule\'s enabled');
        assert.equal(rule?.conditions.min_value, 0.1);
        assert.equal(rule?.conditions.max_value, undefined);
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
        const { diagnostics } = await store.describe();
        assert.deepEqual(
          diagnostics.map((d) => [d.severity, d.index, d.field]),
          [
            ['warning', 0, '__proto__'],
            ['warning', 0, 'constructor'],
            ['warning', 0, 'conditions.__proto__'],
          ],
        );
      } finally {
        await store.close();
      }
      const file = join(ws.root, 'rule.json');
      writeFileSync(file, JSON.stringify(RULE));
      assert.equal((await pitwall('rule', 'add', ws.jsonl, file)).status, 0);
      const text = readFileSync(path, 'utf8');
      assert.ok(text.includes(element), 'the element with __proto__ keeps its text');
      const ids = JSON.parse(python('import json, sys; print(json.dumps([r["rule_id"] for r in json.load(open(sys.argv[1]))]))', path)) as string[];
      assert.deepEqual(ids, ['proto', 'hostile_rule']);
    });

    it('duplicate rule_ids: the later one is reported by index and field, the first is kept, and rule add keeps both', async () => {
      const path = ws.file('alert_rules.json');
      writeFileSync(path, JSON.stringify([{ ...RULE, rule_id: 'dup' }, { ...RULE, rule_id: 'dup', threshold: 0.9 }, { ...RULE, rule_id: 'other' }], null, 2));
      const { counts, description } = await lookAt(ws.jsonl);
      assert.equal(counts.rules, 2);
      assert.deepEqual(
        description.diagnostics.map((d) => [d.severity, d.index, d.field]),
        [['error', 1, 'rule_id']],
      );
      assert.match(description.diagnostics[0]?.message ?? '', /^alert_rules\.json\[1\]: rule_id "dup" is already used by rule \[0\]/);
      const rules = JSON.parse((await pitwall('rules', ws.jsonl, '--json')).stdout) as { rule_id: string; threshold: number }[];
      assert.deepEqual(rules.map((r) => [r.rule_id, r.threshold]), [['dup', 0.5], ['other', 0.5]]);
      const file = join(ws.root, 'rule.json');
      writeFileSync(file, JSON.stringify(RULE));
      assert.equal((await pitwall('rule', 'add', ws.jsonl, file)).status, 0);
      const thresholds = JSON.parse(python('import json, sys; print(json.dumps([[r["rule_id"], r["threshold"]] for r in json.load(open(sys.argv[1]))]))', path)) as unknown[];
      assert.deepEqual(thresholds, [['dup', 0.5], ['dup', 0.9], ['other', 0.5], ['hostile_rule', 0.5]]);
    });

    it('a 10 MB rules file loads, and adding a rule keeps every byte of every rule', async () => {
      const path = ws.file('alert_rules.json');
      const many = Array.from({ length: 2000 }, (_, i) => ({ ...RULE, rule_id: `bulk_${i}`, component: 'c'.repeat(100) }));
      writeFileSync(path, JSON.stringify([{ ...RULE, rule_id: 'huge', component: 'z'.repeat(10 * 1024 * 1024) }, ...many], null, 2));
      const before = readFileSync(path, 'utf8');
      assert.ok(before.length > 10 * 1024 * 1024);
      assert.equal((await lookAt(ws.jsonl)).counts.rules, 2001);
      const file = join(ws.root, 'rule.json');
      writeFileSync(file, JSON.stringify(RULE));
      const added = await pitwall('rule', 'add', ws.jsonl, file);
      assert.equal(added.status, 0, added.stderr);
      const after = readFileSync(path, 'utf8');
      assert.equal(after.slice(0, before.length - 2), before.slice(0, -2), 'everything before the closing bracket is unchanged');
      const summary = JSON.parse(
        python('import json, sys; r = json.load(open(sys.argv[1])); print(json.dumps([len(r), len(r[0]["component"]), r[-1]["rule_id"]]))', path),
      ) as unknown[];
      assert.deepEqual(summary, [2002, 10 * 1024 * 1024, 'hostile_rule']);
    });
  });

  describe('SQLite files', () => {
    it('a JSONL file renamed to .db is refused with a message naming it, and left as it was', async () => {
      const fake = join(ws.root, 'renamed.db');
      copyFileSync(ws.file('alerts.jsonl'), fake);
      const before = readFileSync(fake);
      const error = await rejectionOf(openStore(fake));
      assert.ok(error instanceof PitwallError);
      assert.equal(error.message, `${fake} is not a SQLite database: it does not start with "SQLite format 3". Choose the monitoring database file.`);
      const result = await pitwall('summary', fake);
      assert.notEqual(result.status, 0);
      assert.ok(result.stderr.includes(fake));
      assert.ok(readFileSync(fake).equals(before));
      assert.deepEqual(readdirSync(ws.root).filter((name) => name.startsWith('renamed.db')), ['renamed.db']);
    });

    it('a zero-byte .db opens empty with warnings naming it; writes are refused and it stays zero bytes', async () => {
      const empty = join(ws.root, 'zero.db');
      writeFileSync(empty, '');
      const { counts, description } = await lookAt(empty);
      assert.equal(counts.predictions + counts.alerts + counts.rules, 0);
      assert.ok(description.warnings.length > 0 && description.warnings.every((w) => w.startsWith(empty)));
      const file = join(ws.root, 'rule.json');
      writeFileSync(file, JSON.stringify(RULE));
      const added = await pitwall('rule', 'add', empty, file);
      assert.notEqual(added.status, 0);
      assert.match(added.stderr, /zero\.db: it has no alert_rules table/);
      const outcome = await pitwall('outcome', empty, 'pred-0000001', '1');
      assert.equal(outcome.status, 2);
      assert.equal(statSync(empty).size, 0);
      assert.deepEqual(readdirSync(ws.root).filter((name) => name.startsWith('zero.db')), ['zero.db']);
    });

    it('a garbage -wal is ignored with a warning naming it; the data loads and, read-only, neither file changes', async () => {
      const wal = `${ws.db}-wal`;
      writeFileSync(wal, Buffer.alloc(5000, 0x41));
      const dbBefore = readFileSync(ws.db);
      const store = await SqliteStore.open(ws.db, { readOnly: 'opened for inspection' });
      try {
        const counts = await store.counts();
        assert.deepEqual([counts.predictions, counts.alerts, counts.rules], [2000, 6, 8]);
        const description = await store.describe();
        assert.deepEqual(description.warnings, [`${wal} has no valid write-ahead-log header and was ignored, as SQLite does.`]);
        assert.equal(description.readOnlyReason, 'opened for inspection');
        assert.equal((await rejectionOf(store.acknowledgeAlerts(['1'], 'x', NOW))).message, 'opened for inspection');
      } finally {
        await store.close();
      }
      assert.ok(readFileSync(ws.db).equals(dbBefore));
      assert.ok(readFileSync(wal).equals(Buffer.alloc(5000, 0x41)));
      assert.deepEqual(readdirSync(ws.root).filter((name) => name.startsWith('monitoring.db')).sort(), ['monitoring.db', 'monitoring.db-wal']);
    });

    it('a db cut inside its last page never crashes: it loads, or is refused with a message naming it; nothing is written', async () => {
      truncateSync(ws.db, statSync(ws.db).size - 1000);
      const before = readFileSync(ws.db);
      try {
        const { counts } = await lookAt(ws.db);
        assert.equal(counts.predictions, 2000);
      } catch (error) {
        assert.ok(error instanceof PitwallError, String(error));
        assert.ok(error.message.startsWith(`${ws.db} is truncated`), error.message);
      }
      const result = await pitwall('ack', ws.db, '1');
      assert.notEqual(result.status, 0);
      assert.ok(result.stderr.includes(ws.db), result.stderr);
      assert.ok(readFileSync(ws.db).equals(before));
    });

    it('a db chmod 444 (tests run as root): describe() tells the truth about whether a write works', async () => {
      chmodSync(ws.db, 0o444);
      const store = await openStore(ws.db);
      try {
        const { writable, readOnlyReason } = await store.describe();
        const [open] = await store.readAlerts({ acknowledged: false });
        assert.ok(open);
        const outcome = await store.acknowledgeAlerts([open.key], 'root', NOW).then(
          (result) => ({ wrote: true, acknowledged: result.acknowledged }),
          (error: unknown) => ({ wrote: false, error }),
        );
        assert.equal(outcome.wrote, writable, `describe() said writable=${writable} (${readOnlyReason})`);
        if (!writable) assert.ok(readOnlyReason?.includes(ws.db));
        else assert.deepEqual('acknowledged' in outcome ? outcome.acknowledged : null, [open.key]);
      } finally {
        await store.close();
      }
      assert.equal(statSync(ws.db).mode & 0o777, 0o444, 'the file keeps its mode');
      assert.equal(pythonSql(ws.db, 'SELECT count(*) FROM alerts').integrity, 'ok');
    });

    it("predictions.features of 'null', '[]' and '{\"a\": {\"b\": 1}}' are reported by row and field; the other rows load", async () => {
      python(
        `import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("UPDATE predictions SET features = 'null' WHERE id = 1")
con.execute("UPDATE predictions SET features = '[]' WHERE id = 2")
con.execute("UPDATE predictions SET features = '{\\"a\\": {\\"b\\": 1}}' WHERE id = 3")
con.commit()`,
        ws.db,
      );
      const store = await openStore(ws.db);
      try {
        assert.equal((await store.counts()).predictions, 1997);
        assert.equal(await store.countPredictions(), 1997);
        const { diagnostics } = await store.describe();
        assert.deepEqual(
          diagnostics.map((d) => [d.file, d.row, d.field]),
          [
            ['predictions', 1, 'features'],
            ['predictions', 2, 'features'],
            ['predictions', 3, 'features.a'],
          ],
        );
        assert.equal(diagnostics[0]?.message, 'monitoring.db, predictions row 1: features must be a JSON object, not null. The row was skipped.');
        assert.match(diagnostics[1]?.message ?? '', /predictions row 2: features must be a JSON object, not an array/);
        assert.match(diagnostics[2]?.message ?? '', /predictions row 3: features\.a must be a number, text, true\/false or null, not an object/);
        const columns = await store.readPredictionColumns({ features: ['track_temp'] });
        assert.equal(columns.length, 1997);
        assert.equal(columns.prediction_id[0], 'pred-0000003');
        assert.equal((await store.readPredictions({ limit: 1 }))[0]?.prediction_id, 'pred-0000003');
      } finally {
        await store.close();
      }
      const { rows } = pythonSql(ws.db, 'SELECT features FROM predictions WHERE id <= 3 ORDER BY id');
      assert.deepEqual(rows, [['null'], ['[]'], ['{"a": {"b": 1}}']], 'the bad rows are left as they were');
    });
  });

  describe('as a user without rights on the files', () => {
    it('an unreadable JSONL file is a warning and a read-only db is read-only: nothing is written', function () {
      this.timeout(30_000);
      chmodSync(ws.file('alerts.jsonl'), 0o000);
      chmodSync(ws.db, 0o444);
      const dbBefore = readFileSync(ws.db);
      // The child runs as another user when this is root, and that user may not be able to enter
      // the checkout (a clone under a 0700 folder): it runs a bundle of what it needs, placed
      // beside the data, not the repository's sources.
      const childDir = join(ws.root, 'child');
      mkdirSync(childDir, { mode: 0o755 });
      writeFileSync(
        join(childDir, 'entry.js'),
        `
const { join } = require('node:path');
const { openStore } = require(${JSON.stringify(join(REPO, 'src/core/store/openStore.ts'))});
(async () => {
  const report = {};
  for (const [name, path] of [['jsonl', process.argv[2]], ['db', process.argv[3]]]) {
    const store = await openStore(path, { wasmPath: join(__dirname, 'sql-wasm.wasm') });
    const [counts, description] = [await store.counts(), await store.describe()];
    let write;
    try {
      const [open] = await store.readAlerts({ acknowledged: false });
      await store.acknowledgeAlerts(open ? [open.key] : ['1'], 'nobody', 1e9);
      write = 'written';
    } catch (error) {
      write = error.code + ': ' + error.message;
    }
    report[name] = { predictions: counts.predictions, alerts: counts.alerts, writable: description.writable, reason: description.readOnlyReason, warnings: description.warnings, write };
    await store.close();
  }
  process.stdout.write(JSON.stringify(report));
})();`,
      );
      const child = join(childDir, 'child.js');
      buildSync({ entryPoints: [join(childDir, 'entry.js')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: child, logLevel: 'silent' });
      copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), join(childDir, 'sql-wasm.wasm'));
      const asRoot = process.getuid?.() === 0;
      const nobody = asRoot ? { uid: 65534, gid: 65534 } : {};
      if (asRoot) {
        // Node itself, or the temporary folder, may be out of that user's reach: then say so and skip.
        const probe = spawnSync(process.execPath, ['-e', 'require("node:fs").accessSync(process.argv[1], require("node:fs").constants.R_OK)', child], { encoding: 'utf8', timeout: 10_000, cwd: childDir, ...nobody });
        if (probe.status !== 0) {
          console.log(`      skipped: user nobody cannot run ${process.execPath} on ${child}: ${(probe.stderr || String(probe.error ?? probe.signal)).trim().split('\n')[0] ?? ''}`);
          this.skip();
        }
      }
      const result = spawnSync(process.execPath, [child, ws.jsonl, ws.db], { encoding: 'utf8', timeout: 25_000, cwd: childDir, ...nobody });
      assert.equal(result.status, 0, result.stderr);
      type Seen = { predictions: number; alerts: number; writable: boolean; reason: string | null; warnings: string[]; write: string };
      const seen = JSON.parse(result.stdout) as { jsonl: Seen; db: Seen };
      assert.equal(seen.jsonl.predictions, 2000);
      assert.equal(seen.jsonl.alerts, 0);
      assert.ok(seen.jsonl.warnings.some((w) => w.includes(ws.file('alerts.jsonl')) && /EACCES/.test(w)), seen.jsonl.warnings.join('\n'));
      assert.equal(seen.db.predictions, 2000);
      assert.equal(seen.db.writable, false);
      assert.ok(seen.db.reason?.includes(ws.db), String(seen.db.reason));
      assert.match(seen.db.write, /^read-only: .*monitoring\.db/);
      assert.ok(readFileSync(ws.db).equals(dbBefore));
      assert.equal(statSync(ws.file('alerts.jsonl')).mode & 0o777, 0);
    });
  });

  describe('the CLI', () => {
    it('takes paths with spaces, unicode and a leading dash (after --)', async () => {
      const folder = join(ws.root, 'my data ünïcödé 📈');
      renameSync(ws.jsonl, folder);
      const dashed = join(ws.root, '-monitoring.db');
      renameSync(ws.db, dashed);
      const a = await pitwall('summary', folder, '--json');
      assert.equal(a.status, 0, a.stderr);
      assert.equal(JSON.parse(a.stdout).predictions, 2000);
      const refused = await pitwall('summary', '-monitoring.db');
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, /unknown option "-monitoring\.db" for `pitwall summary`; valid: .*goes after "--"/);
      const b = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), join(REPO, 'src/cli/main.ts'), 'summary', '--json', '--', '-monitoring.db'], {
        cwd: ws.root,
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(b.status, 0, b.stderr);
      assert.equal(JSON.parse(b.stdout).predictions, 2000);
    });

    it('--limit: only plain whole numbers (not -1, huge, 2.5, 1e3, 0x2 or empty), and --severity is exact', async () => {
      const negative = await pitwall('alerts', ws.jsonl, '--limit', '-1');
      assert.equal(negative.status, 2);
      assert.match(negative.stderr, /--limit/);
      const negativeInline = await pitwall('alerts', ws.jsonl, '--limit=-1');
      assert.equal(negativeInline.status, 2);
      assert.equal(negativeInline.stderr, '--limit needs a whole number ≥ 0, not "-1".');
      const huge = await pitwall('alerts', ws.db, '--limit', '99999999999999999999');
      assert.equal(huge.status, 2);
      assert.match(huge.stderr, /--limit needs a whole number/);
      const fraction = await pitwall('alerts', ws.db, '--limit', '2.5');
      assert.equal(fraction.status, 2);
      for (const odd of ['1e3', '0x2', ' 5 ', '']) assert.equal((await pitwall('alerts', ws.db, '--limit', odd)).status, 2, `--limit "${odd}"`);
      const thousand = await pitwall('alerts', ws.db, '--limit', '1000', '--json');
      assert.equal(thousand.status, 0, thousand.stderr);
      assert.equal(JSON.parse(thousand.stdout).length, 6);
      const upper = await pitwall('alerts', ws.jsonl, '--severity', 'CRITICAL');
      assert.equal(upper.status, 2);
      assert.equal(upper.stderr, '--severity must be info, warning or critical, not "CRITICAL"; did you mean `critical`?');
    });

    for (const kind of ['jsonl', 'sqlite'] as const) {
      it(`ack with 1000 ids (${kind}): each unknown one is named, the one real alert is acknowledged, nothing else changes`, async () => {
        const source = kind === 'jsonl' ? ws.jsonl : ws.db;
        const [target, ...others] = await openAlerts(source);
        assert.ok(target);
        const names = Array.from({ length: 1000 }, (_, i) => (i === 500 ? target.alert_id : `missing_${i}`));
        const alertsBefore = kind === 'jsonl' ? lines(ws.file('alerts.jsonl')) : [];
        const result = await pitwall('ack', source, ...names, '--by', 'bulk', '--json');
        assert.equal(result.status, 2);
        const report = JSON.parse(result.stdout) as { acknowledged: string[]; not_found: string[] };
        assert.deepEqual(report.acknowledged, [target.key]);
        assert.equal(report.not_found.length, 999);
        assert.ok(result.stderr.includes('"missing_0"') && result.stderr.includes('"missing_999"'));
        const after = JSON.parse((await pitwall('alerts', source, '--json')).stdout) as CliAlert[];
        assert.equal(after.length, 6);
        assert.equal(after.filter((a) => a.acknowledged_by === 'bulk').length, 1);
        assert.ok(others.every((o) => after.find((a) => a.key === o.key)?.acknowledged === false));
        if (kind === 'jsonl') {
          const alertsAfter = lines(ws.file('alerts.jsonl'));
          assert.equal(alertsAfter.filter((line, i) => line !== alertsBefore[i]).length, 1);
        } else {
          assert.deepEqual(pythonSql(ws.db, "SELECT count(*) FROM alerts WHERE acknowledged_by = 'bulk'").rows, [[1]]);
        }
      });
    }

    it('rule add refuses NaN, a string threshold, a negative cooldown, naming the file or the field; a 10 MB rule is added', async () => {
      const rulesBefore = readFileSync(ws.file('alert_rules.json'));
      const dbRulesBefore = pythonSql(ws.db, 'SELECT * FROM alert_rules ORDER BY id').rows;
      const write = (name: string, text: string): string => {
        const file = join(ws.root, `rule ${name}.json`);
        writeFileSync(file, text);
        return file;
      };
      const nan = write('nan', JSON.stringify(RULE).replace('0.5', 'NaN'));
      const text = write('text', JSON.stringify({ ...RULE, threshold: '0.5' }));
      const negative = write('negative', JSON.stringify({ ...RULE, cooldown_minutes: -5 }));
      for (const source of [ws.jsonl, ws.db]) {
        const a = await pitwall('rule', 'add', source, nan);
        assert.equal(a.status, 2);
        assert.ok(a.stderr.startsWith(`${nan}: `), a.stderr);
        const b = await pitwall('rule', 'add', source, text);
        assert.equal(b.status, 2);
        assert.match(b.stderr, /threshold: must be a number, not "0\.5"/);
        const c = await pitwall('rule', 'add', source, negative);
        assert.equal(c.status, 2);
        assert.match(c.stderr, /cooldown_minutes: must be a whole number ≥ 0, not -5/);
      }
      assert.ok(readFileSync(ws.file('alert_rules.json')).equals(rulesBefore));
      assert.ok(!existsSync(ws.file('alert_rules.pitwall.json')));
      assert.deepEqual(pythonSql(ws.db, 'SELECT * FROM alert_rules ORDER BY id').rows, dbRulesBefore);

      const big = write('big', JSON.stringify({ ...RULE, rule_id: 'big', component: 'b'.repeat(10 * 1024 * 1024) }));
      for (const source of [ws.jsonl, ws.db]) {
        const added = await pitwall('rule', 'add', source, big);
        assert.equal(added.status, 0, added.stderr);
        const listed = JSON.parse((await pitwall('rules', source, '--json')).stdout) as { rule_id: string; component: string }[];
        assert.equal(listed.find((r) => r.rule_id === 'big')?.component.length, 10 * 1024 * 1024);
        assert.equal(listed.length, 9);
      }
      assert.deepEqual(pythonSql(ws.db, "SELECT length(component) FROM alert_rules WHERE rule_id = 'big'").rows, [[10 * 1024 * 1024]]);
    });

    it("outcome for a prediction id like x' OR 1=1 -- matches nothing and changes nothing", async () => {
      const outcomesBefore = readFileSync(ws.file('outcomes.jsonl'));
      const labelledBefore = pythonSql(ws.db, 'SELECT count(*) FROM predictions WHERE actual_outcome IS NOT NULL').rows;
      for (const source of [ws.jsonl, ws.db]) {
        for (const id of ["x' OR 1=1 --", "pred-0000001' --", 'pred-%', '"; DROP TABLE predictions; --']) {
          const result = await pitwall('outcome', source, id, '1');
          assert.equal(result.status, 2, `${id}: ${result.stderr}`);
          assert.ok(result.stderr.includes(`no prediction "${id}"`), result.stderr);
        }
      }
      assert.ok(readFileSync(ws.file('outcomes.jsonl')).equals(outcomesBefore));
      const after = pythonSql(ws.db, 'SELECT count(*) FROM predictions WHERE actual_outcome IS NOT NULL');
      assert.deepEqual(after.rows, labelledBefore);
      assert.equal(after.integrity, 'ok');
      assert.deepEqual(pythonSql(ws.db, 'SELECT count(*) FROM predictions').rows, [[2000]]);
    });
  });
});

import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset } from '../../../scripts/generator/generateDataset';
import { runQuery, type QueryResult, type QuerySource } from '../../../src/core/query/run';
import { FolderDatabase } from '../../../src/core/query/sql';
import { openStore } from '../../../src/core/store/openStore';
import { NOW, pitwall } from './runCli';

const FORMATS = join(__dirname, '..', '..', 'fixtures', 'formats');

function json<T>(result: { status: number; stdout: string; stderr: string }): T {
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

describe('pitwall query: PQL and SQL on a source', function () {
  this.timeout(120_000);
  let root: string;
  let jsonl: string;
  let sqlite: string;
  let sources: [string, string][];
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pitwall-query-cli-'));
    await generateDataset({ outDir: root, predictions: 4000, seed: 9 });
    jsonl = join(root, 'monitoring');
    sqlite = join(root, 'monitoring.db');
    sources = [
      ['JSONL folder', jsonl],
      ['SQLite file', sqlite],
    ];
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  describe('gives exactly what the analytics commands give, on both stores', () => {
    const trends: [string, string[]][] = [
      ['predictions | window 1d | by model_version | metrics accuracy, ece, roc_auc, brier', ['--every', '1d', '--by', 'model_version', '--metrics', 'accuracy,ece,roc_auc,brier']],
      [
        'predictions | where model_version == "v1.1" and timestamp >= 2026-10-03T06:00:00Z and timestamp < 2026-10-09\n| window 1d slide 6h fill | by circuit | metrics f1_score, ece_mass, log_loss bins=5 min_labels=10',
        ['--every', '1d', '--slide', '6h', '--fill-empty', '--by', 'circuit', '--metrics', 'f1_score,ece_mass,log_loss', '--bins', '5', '--min-labels', '10', '--model', 'v1.1', '--from', '2026-10-03T06:00:00Z', '--to', '2026-10-09'],
      ],
      ['predictions | where timestamp > ago(40d) | window 6h | by metadata.race_id', ['--every', '6h', '--by', 'metadata:race_id', '--from', '40d']],
    ];
    for (const [text, args] of trends) {
      it(`trend rows bit for bit: ${text.split('\n')[0]?.slice(0, 70)}…`, async () => {
        const byStore: unknown[] = [];
        for (const [name, source] of sources) {
          const pql = json<QueryResult>(await pitwall('query', source, text, '--json'));
          const cli = json<unknown[]>(await pitwall('trend', source, ...args, '--json'));
          assert.ok(cli.length > 3, `${name}: ${cli.length} windows`);
          assert.equal(pql.kind, 'windows');
          // JSON text equality: the same numbers to the last bit, the same keys in the same order.
          assert.equal(JSON.stringify(pql.rows), JSON.stringify(cli), name);
          assert.equal(pql.path, source === sqlite ? 'scan' : 'in-memory');
          byStore.push(pql.rows);
        }
        assert.deepEqual(byStore[0], byStore[1]);
      });
    }

    it('pushes the trend down to SQL when the file is read through the store, with the same rows', async () => {
      const store = await openStore(sqlite);
      try {
        const throughStore: QuerySource = { scanColumns: () => Promise.resolve(undefined), withStore: (use) => use(store) };
        const outcome = await runQuery('predictions | window 1h | by model_version | metrics accuracy, ece, roc_auc', throughStore, { now: NOW });
        assert.deepEqual(outcome.errors, []);
        const [result] = outcome.results;
        assert.equal(result?.path, 'pushdown');
        // The statements it ran, parameters written in: SQL that runs as shown.
        const [bins] = result?.sql?.split(';\n') ?? [];
        assert.match(bins ?? '', /^SELECT w\.ws, w\.g, w\.gt, .* FROM \(SELECT .* FROM predictions .*GROUP BY w\.ws, w\.gt, w\.g, b$/s);
        const rerun = json<QueryResult>(await pitwall('query', sqlite, '--sql', bins ?? '', '--json'));
        assert.equal(rerun.rows.reduce((n, row) => n + (row['count(*)'] as number), 0), 4000);
        const cli = json<unknown[]>(await pitwall('trend', sqlite, '--every', '1h', '--by', 'model_version', '--metrics', 'accuracy,ece,roc_auc', '--json'));
        assert.equal(JSON.stringify(result?.rows), JSON.stringify(cli));
      } finally {
        await store.close();
      }
    });

    it('metrics over a range: the values of `pitwall metrics`', async () => {
      for (const [name, source] of sources) {
        const pql = json<QueryResult>(await pitwall('query', source, 'predictions | where model_version == "v1.0" | metrics accuracy, f1, roc_auc, ece, avg_confidence strategy=mass bins=15', '--json'));
        const cli = json<Record<string, unknown>>(await pitwall('metrics', source, '--model', 'v1.0', '--strategy', 'mass', '--bins', '15', '--json'));
        assert.equal(pql.rows.length, 1);
        const row = pql.rows[0] as Record<string, unknown>;
        assert.deepEqual(Object.keys(row), ['count', 'labelled', 'label_coverage', 'insufficient', 'accuracy', 'f1', 'roc_auc', 'ece', 'avg_confidence']);
        for (const key of Object.keys(row)) assert.equal(row[key], cli[key], `${name}: ${key}`);
        assert.ok((row.count as number) > 1000);
      }
    });

    it('calibration: the bins, ECE and MCE of `pitwall calibration`', async () => {
      for (const [name, source] of sources) {
        const pql = json<QueryResult>(await pitwall('query', source, 'predictions | where model_version == "v1.1" | calibration bins=8 strategy=mass | chart reliability', '--json'));
        const cli = json<{ bins: unknown[]; ece: number; mce: number }>(await pitwall('calibration', source, '--model', 'v1.1', '--bins', '8', '--strategy', 'mass', '--json'));
        assert.equal(pql.kind, 'calibration');
        assert.deepEqual(pql.rows, cli.bins, name);
        assert.equal(pql.rows.length, 8);
        assert.deepEqual([pql.meta?.ece, pql.meta?.mce], [cli.ece, cli.mce]);
        assert.deepEqual(pql.chart, { kind: 'reliability' });
      }
    });

    it('drift: each test\'s statistic as `pitwall drift` computes it', async () => {
      for (const [name, source] of sources) {
        const pql = json<QueryResult>(await pitwall('query', source, 'predictions | reference 2026-10-01..2026-10-08 | where timestamp in 2026-10-11..2026-10-15 | drift psi(track_temp), js(circuit), ks(track_temp)', '--json'));
        const cli = json<Record<string, unknown>[]>(await pitwall('drift', source, '--baseline', '2026-10-01..2026-10-08', '--current', '2026-10-11..2026-10-15', '--feature', 'track_temp,circuit', '--json'));
        const of = (feature: string) => cli.find((r) => r.feature_name === feature) as Record<string, unknown>;
        assert.deepEqual(
          pql.rows.map((r) => [r.feature, r.statistic, r.value, r.p_value, r.severity]),
          [
            ['track_temp', 'psi', of('track_temp').psi, null, of('track_temp').severity],
            ['circuit', 'js', of('circuit').js_distance, null, of('circuit').severity],
            ['track_temp', 'ks', of('track_temp').ks_statistic, of('track_temp').ks_p_value, of('track_temp').severity],
          ],
          name,
        );
        assert.equal(pql.rows[0]?.severity, 'drift', 'the generated data drifts on track_temp after day 10');
      }
    });

    it('alerts: the listing of `pitwall alerts` with the same filters, open ones first', async () => {
      const cases: [string, string[]][] = [
        ['alerts | where severity == "critical" and not acknowledged | take 5', ['--severity', 'critical', '--unacknowledged', '--limit', '5']],
        ['alerts | where severity in ("critical", "warning") and model_version == "v1.1" | take 20', ['--severity', 'critical,warning', '--model', 'v1.1', '--limit', '20']],
        ['alerts | where rule == "acc_warn" and timestamp >= 2026-10-05 | take 7', ['--rule', 'acc_warn', '--since', '2026-10-05', '--limit', '7']],
      ];
      for (const [name, source] of sources) {
        for (const [text, args] of cases) {
          const pql = json<QueryResult>(await pitwall('query', source, text, '--json'));
          const cli = json<unknown[]>(await pitwall('alerts', source, ...args, '--json'));
          assert.ok(cli.length > 0, `${name}: ${text} finds alerts`);
          assert.deepEqual(pql.rows, cli, `${name}: ${text}`);
        }
      }
    });
  });

  it('estimate, health and alert when: the estimates of `pitwall estimate`, the snapshots of `pitwall health`, the alerts of `pitwall backtest`', async () => {
    const ruleFile = join(root, 'rule.json');
    writeFileSync(ruleFile, JSON.stringify({ rule_id: 'pql', metric_name: 'accuracy', metric_type: 'threshold', threshold: 0.75, comparison: '<', severity: 'critical', component: 'performance', for_minutes: 30, conditions: { window: '6h', model_versions: ['v1.1'] } }));
    for (const [name, source] of sources) {
      const estimated = json<QueryResult>(await pitwall('query', source, 'predictions | where model_version == "v1.1" | window 1d | reference 2026-10-01..2026-10-06 | estimate', '--json'));
      const cli = json<{ windows: { window_start: number; estimated: { accuracy: number } | null; realized: { accuracy: number } | null }[] }>(
        await pitwall('estimate', source, '--model', 'v1.1', '--every', '1d', '--reference', '2026-10-01..2026-10-06', '--json'),
      );
      assert.deepEqual(
        estimated.rows.map((r) => [r.window_start, r.estimated_accuracy, r.realized_accuracy]),
        cli.windows.map((w) => [w.window_start, w.estimated?.accuracy ?? null, w.realized?.accuracy ?? null]),
        name,
      );
      assert.ok(estimated.rows.some((r) => typeof r.estimated_accuracy === 'number'), `${name}: something is estimated`);

      const health = json<QueryResult>(await pitwall('query', source, 'predictions | window 1d | health min_labels=10', '--json'));
      const snapshots = json<{ snapshots: { snapshot: { model_version: string; accuracy: number | null; num_predictions: number }; degradation: { status: string } }[] }>(await pitwall('health', source, '--every', '1d', '--min-labels', '10', '--json'));
      assert.deepEqual(
        health.rows.map((r) => [r.model_version, r.accuracy, r.count, r.degradation]),
        snapshots.snapshots.map((s) => [s.snapshot.model_version, s.snapshot.accuracy, s.snapshot.num_predictions, s.degradation.status]),
        name,
      );

      const fired = json<QueryResult>(await pitwall('query', source, 'predictions | where model_version == "v1.1" | window 6h | alert when accuracy < 0.75 for 30m severity critical', '--json'));
      const replay = json<{ alerts: unknown[]; evaluations: number }>(await pitwall('backtest', source, ruleFile, '--json'));
      assert.ok(replay.alerts.length > 0, `${name}: the rule fires in the generated data`);
      assert.deepEqual(fired.rows, replay.alerts, name);
      assert.equal(fired.meta?.evaluations, replay.evaluations);
    }
  });

  it('runs a file of several statements, with let naming a pipeline used by later ones', async () => {
    const file = join(root, 'day.pql');
    writeFileSync(file, ['// v1.1 from the fourth day on', 'let late = predictions | where model_version == "v1.1" and timestamp >= 2026-10-04', 'late | window 1d | metrics accuracy', 'late | metrics accuracy; rules | where metric_type == "drift" | select rule_id'].join('\n'));
    for (const [, source] of sources) {
      const results = json<QueryResult[]>(await pitwall('query', source, '--file', file, '--json'));
      assert.deepEqual(results.map((r) => r.kind), ['windows', 'metrics', 'rules']);
      const trend = json<unknown[]>(await pitwall('trend', source, '--every', '1d', '--metrics', 'accuracy', '--model', 'v1.1', '--from', '2026-10-04', '--json'));
      assert.equal(JSON.stringify(results[0]?.rows), JSON.stringify(trend));
      const metrics = json<{ accuracy: number }>(await pitwall('metrics', source, '--model', 'v1.1', '--from', '2026-10-04', '--json'));
      assert.equal(results[1]?.rows[0]?.accuracy, metrics.accuracy);
      assert.deepEqual(results[2]?.rows, [{ rule_id: 'track_temp_drift' }]);
    }
  });

  it('sorts nulls last in both directions', async () => {
    // Windows of the newest days: some have too few labels, and their accuracy is null.
    for (const direction of ['asc', 'desc']) {
      const results = json<{ rows: { accuracy: number | null }[] }>(await pitwall('query', jsonl, `predictions | window 6h | metrics accuracy | sort accuracy ${direction}`, '--json'));
      const values = results.rows.map((row) => row.accuracy);
      const known = values.filter((value): value is number => value !== null);
      assert.ok(known.length > 0 && known.length < values.length, `some windows without accuracy (${values.length - known.length} of ${values.length})`);
      assert.deepEqual(values, [...known.sort((a, b) => (direction === 'asc' ? a - b : b - a)), ...values.filter((value) => value === null)], direction);
    }
  });

  it('prints tables for people, CSV with --csv and a Vega-Lite spec with --vega', async () => {
    const text = await pitwall('query', sqlite, 'predictions | window 1d | by model_version | metrics accuracy | where group == "v1.0" | sort accuracy desc | take 3');
    assert.equal(text.status, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^WINDOW_START\s+WINDOW_END\s+GROUP\s+COUNT\s+LABELLED\s+LABEL_COVERAGE\s+INSUFFICIENT\s+PARTIAL\s+ACCURACY$/);
    assert.equal(lines.length, 4);
    const accuracies = lines.slice(1).map((line) => Number(line.split(/\s+/).at(-1)));
    assert.deepEqual(accuracies, [...accuracies].sort((a, b) => b - a));
    const csv = await pitwall('query', jsonl, 'rules | select rule_id, threshold | take 2', '--csv');
    assert.equal(csv.status, 0, csv.stderr);
    assert.equal(csv.stdout, 'RULE_ID,THRESHOLD\r\nacc_low,0.7\r\nacc_warn,0.78\r\n');
    const vega = json<{ $schema: string }>(await pitwall('query', jsonl, 'predictions | window 1d | metrics accuracy, ece', '--vega'));
    assert.match(vega.$schema, /vega-lite\/v\d/);
    const none = await pitwall('query', jsonl, 'rules', '--vega');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /A rules result has no chart/);
  });

  describe('errors: the line, a caret under the span, the hint, exit 2', () => {
    it('a misspelt metric', async () => {
      const result = await pitwall('query', sqlite, 'predictions | window 1h | metrics acuracy, ece');
      assert.equal(result.status, 2);
      assert.equal(result.stdout, '');
      assert.equal(
        result.stderr,
        ['query:1:35: There is no window metric `acuracy`. (PQL unknown-metric)', '  predictions | window 1h | metrics acuracy, ece', '                                    ^^^^^^^', '  hint: did you mean `accuracy`?'].join('\n'),
      );
    });

    it('a misspelt field in a filter, on the second line of a file', async () => {
      const file = join(root, 'typo.pql');
      writeFileSync(file, 'predictions\n  | where model_verison == "v1.1" | window 1h\n');
      const result = await pitwall('query', jsonl, '--file', file);
      assert.equal(result.status, 2);
      assert.match(result.stderr, /^.*typo\.pql:2:11: This condition cannot be applied to predictions; .*\(PQL unsupported-filter\)\n {4}\| where model_verison == "v1\.1" \| window 1h\n {12}\^{13}\n {2}hint: did you mean `model_version`\?$/);
    });

    it('a model version or a feature the source does not have, found when the query runs', async () => {
      const version = await pitwall('query', jsonl, 'predictions | where model_version == "v2.0" | window 1d');
      assert.equal(version.status, 2);
      assert.match(version.stderr, /query:1:38: There is no model version `v2\.0`\. \(PQL unknown-version\)\n.*\n {39}\^{6}\n {2}hint: did you mean `v1\.0`\?/);
      const feature = await pitwall('query', sqlite, 'predictions | window 1d | by circut');
      assert.equal(feature.status, 2);
      assert.match(feature.stderr, /query:1:27: unknown feature "circut"; did you mean `circuit`\?.*\(PQL unknown-field\)\n.*\n {28}\^{9}$/);
    });

    it('every parse error of a file at once, and nothing run', async () => {
      const file = join(root, 'broken.pql');
      writeFileSync(file, 'rules | take 1\npredictions | metrcs accuracy\nalerts | where title == "open\n');
      const result = await pitwall('query', sqlite, '--file', file);
      assert.equal(result.status, 2);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /broken\.pql:2:15: There is no stage `metrcs`\. \(PQL unknown-stage\)[\s\S]*hint: did you mean `metrics`\?\n.*broken\.pql:3:25: This string has no closing quote on its line\. \(PQL unterminated-string\)/);
    });

    it('no query, or two at once; a source that does not exist', async () => {
      assert.match((await pitwall('query', sqlite)).stderr, /Give the query as an argument, or --file FILE, or --sql SQL/);
      assert.equal((await pitwall('query', sqlite, 'rules', '--sql', 'select 1')).status, 2);
      const missing = await pitwall('query', join(root, 'nowhere'), 'rules');
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /No monitoring source at .*nowhere/);
    });
  });

  describe('--sql', () => {
    it('answers the same on a folder (loaded into the Python tables) and on its database', async () => {
      const sql = 'select model_version, count(*) as n, sum(actual_outcome is not null) as labelled, round(avg(confidence), 9) as c from predictions group by model_version order by model_version';
      const [a, b] = [await pitwall('query', jsonl, '--sql', sql, '--json'), await pitwall('query', sqlite, '--sql', sql, '--json')].map((r) => json<QueryResult>(r));
      assert.deepEqual(a?.rows, b?.rows);
      assert.deepEqual(a?.columns.map((c) => c.name), ['model_version', 'n', 'labelled', 'c']);
      const counts = a?.rows.map((row) => row.n as number) ?? [];
      assert.equal(counts.reduce((x, y) => x + y, 0), 4000);
      const alerts = [await pitwall('query', jsonl, '--sql', 'select severity, count(*) from alerts group by 1 order by 1', '--json'), await pitwall('query', sqlite, '--sql', 'select severity, count(*) from alerts group by 1 order by 1', '--json')].map((r) => json<QueryResult>(r).rows);
      assert.deepEqual(alerts[0], alerts[1]);
      assert.ok((alerts[0] ?? []).length >= 2);
    });

    it('loads only the tables a query names', async () => {
      const folder = await FolderDatabase.open(jsonl);
      try {
        await folder.ensure('select count(*) from alerts a join alert_rules r on a.metric_name = r.metric_name');
        assert.deepEqual([...folder.tables].sort(), ['alert_rules', 'alerts']);
        const count = folder.database.exec('select count(*) from predictions')[0]?.values[0]?.[0];
        assert.equal(count, 0, 'predictions not loaded');
        await folder.ensure('select * from predictions limit 1');
        assert.equal(folder.database.exec('select count(*) from predictions')[0]?.values[0]?.[0], 4000);
      } finally {
        folder.close();
      }
    });

    it('reads a live database with its WAL, read-only: writes are refused and the file is untouched', async () => {
      const dir = mkdtempSync(join(root, 'wal-'));
      copyFileSync(join(FORMATS, 'live-wal', 'monitoring.db'), join(dir, 'monitoring.db'));
      copyFileSync(join(FORMATS, 'live-wal', 'monitoring.db-wal'), join(dir, 'monitoring.db-wal'));
      const db = join(dir, 'monitoring.db');
      const before = [readFileSync(db), readFileSync(`${db}-wal`)];
      const read = json<QueryResult>(await pitwall('query', db, '--sql', "select count(*) as n, sum(prediction_id like 'wal-%') as wal from predictions; select acknowledged_by from alerts where id = 2", '--json'));
      assert.deepEqual(read.rows, [{ acknowledged_by: 'wal-writer' }]);
      const counts = json<QueryResult>(await pitwall('query', db, '--sql', "select count(*) as n, sum(prediction_id like 'wal-%') as wal from predictions", '--json'));
      assert.deepEqual(counts.rows, [{ n: 450, wal: 50 }]);
      const write = await pitwall('query', db, '--sql', 'delete from predictions');
      assert.equal(write.status, 2);
      assert.match(write.stderr, /SQL: attempt to write a readonly database/);
      assert.deepEqual([readFileSync(db), readFileSync(`${db}-wal`)], before);
      assert.ok(statSync(db).size > 0);
    });

    it('says what is wrong with the SQL, exit 2', async () => {
      const result = await pitwall('query', jsonl, '--sql', 'select * from nope');
      assert.equal(result.status, 2);
      assert.match(result.stderr, /SQL: no such table: nope/);
    });
  });
});

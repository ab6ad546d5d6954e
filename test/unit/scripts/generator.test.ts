import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';
import { DAY, SNAPSHOT_INTERVAL } from '../../../scripts/generator/dataset';
import { type GenerateResult, generateDataset } from '../../../scripts/generator/generateDataset';

const FORMATS = join(__dirname, '../../fixtures/formats');
const SAMPLE_JSONL = join(FORMATS, 'jsonl');
const START = Date.parse('2026-10-01T00:00:00Z') / 1000;
const END = START + 14 * DAY;
const DEGRADATION = START + 10 * DAY;
// Big enough that the 24-hour windows hold the labels the service needs to evaluate rules.
const PREDICTIONS = 4000;

type Json = Record<string, unknown>;

function readLines(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  assert.equal(lines.pop(), '', `${path} ends with a newline`);
  return lines;
}

function readRecords(path: string): Json[] {
  return readLines(path).map((line) => JSON.parse(line) as Json);
}

function query(db: Database, sql: string): SqlValue[][] {
  return db.exec(sql)[0]?.values ?? [];
}

function scalar(db: Database, sql: string): SqlValue {
  return query(db, sql)[0]?.[0] ?? null;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function python(): string | null {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(candidate, ['--version']).status === 0) return candidate;
  }
  return null;
}

/** Python reads everything back with json and sqlite3 and compares it with what it would write. */
const PYTHON_CHECK = String.raw`
import datetime, json, sqlite3, sys
jsonl, path = sys.argv[1], sys.argv[2]
problems = []
def text_of(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S.%f')
for name in ['predictions.jsonl', 'outcomes.jsonl', 'health_snapshots.jsonl', 'alerts.jsonl']:
    with open(f'{jsonl}/{name}', encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            line = line[:-1]
            if json.dumps(json.loads(line)) != line:
                problems.append(f'{name}:{number} is not json.dumps output')
with open(f'{jsonl}/alert_rules.json', encoding='utf-8') as f:
    text = f.read()
if json.dumps(json.loads(text), indent=2) != text:
    problems.append('alert_rules.json is not json.dumps(indent=2) output')
con = sqlite3.connect(path)
mode = con.execute('PRAGMA journal_mode').fetchone()[0]
integrity = con.execute('PRAGMA integrity_check').fetchone()[0]
rows = {r[0]: r[1:] for r in con.execute(
    'SELECT prediction_id, timestamp, model_version, predicted_outcome, confidence, features, extra_metadata,'
    ' actual_outcome, actual_outcome_timestamp FROM predictions')}
with open(f'{jsonl}/predictions.jsonl', encoding='utf-8') as f:
    for line in f:
        p = json.loads(line)
        expected = (text_of(p['timestamp']), p['model_version'], p['predicted_outcome'], p['confidence'],
                    json.dumps(p['features']), json.dumps(p['metadata']))
        if rows.get(p['prediction_id'], ())[:6] != expected:
            problems.append(f"prediction {p['prediction_id']} differs: {rows.get(p['prediction_id'])} vs {expected}")
labelled = 0
with open(f'{jsonl}/outcomes.jsonl', encoding='utf-8') as f:
    for line in f:
        o = json.loads(line)
        labelled += 1
        if rows[o['prediction_id']][6:] != (o['actual_outcome'], text_of(o['timestamp'])):
            problems.append(f"outcome of {o['prediction_id']} differs")
if labelled != con.execute('SELECT count(*) FROM predictions WHERE actual_outcome IS NOT NULL').fetchone()[0]:
    problems.append('labelled counts differ')
alerts = con.execute('SELECT timestamp, severity, metric_name, metric_value, threshold, model_version,'
                     ' acknowledged, acknowledged_at, acknowledged_by FROM alerts ORDER BY id').fetchall()
with open(f'{jsonl}/alerts.jsonl', encoding='utf-8') as f:
    for a, row in zip((json.loads(line) for line in f), alerts):
        expected = (text_of(a['timestamp']), a['severity'], a['metric_name'], a['metric_value'], a['threshold'],
                    a['model_version'], int(a['acknowledged']),
                    None if a['acknowledged_at'] is None else text_of(a['acknowledged_at']), a['acknowledged_by'])
        if row != expected:
            problems.append(f"alert {a['alert_id']} differs: {row} vs {expected}")
con.close()
print(json.dumps({'journal_mode': mode, 'integrity': integrity, 'problems': problems[:10], 'count': len(problems)}))
`;

describe('generateData', function () {
  this.timeout(60_000);
  const root = mkdtempSync(join(tmpdir(), 'pitwall-generator-'));
  let SQL: SqlJsStatic;
  let result: GenerateResult;
  let db: Database;
  let sample: Database;
  const jsonl = (name: string) => join(root, 'a', 'monitoring', name);

  before(async () => {
    SQL = await initSqlJs();
    result = await generateDataset({ outDir: join(root, 'a'), predictions: PREDICTIONS, seed: 7 });
    db = new SQL.Database(readFileSync(join(root, 'a', 'monitoring.db')));
    sample = new SQL.Database(readFileSync(join(FORMATS, 'sqlite', 'monitoring.db')));
  });

  after(() => {
    db?.close();
    sample?.close();
    rmSync(root, { recursive: true, force: true });
  });

  describe('determinism', () => {
    it('writes byte-identical files for the same seed and options, whatever the format option', async () => {
      await generateDataset({ outDir: join(root, 'b'), predictions: PREDICTIONS, seed: 7 });
      await generateDataset({ outDir: join(root, 'c'), predictions: PREDICTIONS, seed: 7, format: 'jsonl' });
      for (const name of readdirSync(join(root, 'a', 'monitoring'))) {
        const original = readFileSync(jsonl(name));
        assert.ok(original.equals(readFileSync(join(root, 'b', 'monitoring', name))), name);
        assert.ok(original.equals(readFileSync(join(root, 'c', 'monitoring', name))), `${name} (jsonl only)`);
      }
      assert.ok(readFileSync(join(root, 'a', 'monitoring.db')).equals(readFileSync(join(root, 'b', 'monitoring.db'))));
      assert.deepEqual(readdirSync(join(root, 'c')), ['monitoring']);
    });

    it('writes different data for a different seed', async () => {
      await generateDataset({ outDir: join(root, 'd'), predictions: PREDICTIONS, seed: 8 });
      assert.ok(!readFileSync(jsonl('predictions.jsonl')).equals(readFileSync(join(root, 'd', 'monitoring', 'predictions.jsonl'))));
      assert.ok(!readFileSync(join(root, 'a', 'monitoring.db')).equals(readFileSync(join(root, 'd', 'monitoring.db'))));
    });

    it('refuses to replace a database whose -wal file exists', async () => {
      writeFileSync(join(root, 'd', 'monitoring.db-wal'), '');
      await assert.rejects(generateDataset({ outDir: join(root, 'd'), predictions: 100, format: 'sqlite' }), /monitoring\.db-wal exists/);
    });
  });

  describe('the JSONL folder', () => {
    const keysOf = (record: unknown) => Object.keys(record as Json);

    for (const name of ['predictions.jsonl', 'health_snapshots.jsonl', 'alerts.jsonl']) {
      it(`${name} has the sample's keys in the sample's order on every line`, () => {
        const expected = keysOf(readRecords(join(SAMPLE_JSONL, name))[0]);
        const records = readRecords(jsonl(name));
        assert.ok(records.length > 0);
        for (const record of records) assert.deepEqual(keysOf(record), expected);
      });
    }

    it("predictions' features and metadata have the sample's keys and value types", () => {
      const sampleRecord = readRecords(join(SAMPLE_JSONL, 'predictions.jsonl'))[0] as Json;
      for (const record of readRecords(jsonl('predictions.jsonl'))) {
        assert.deepEqual(keysOf(record.features), keysOf(sampleRecord.features));
        assert.deepEqual(keysOf(record.metadata), keysOf(sampleRecord.metadata));
        const features = record.features as Json;
        assert.ok(Number.isInteger(features.grid_position) && (features.grid_position as number) >= 1);
        assert.ok(['monza', 'spa', 'suzuka', 'interlagos'].includes(features.circuit as string));
        assert.equal((record.metadata as Json).source, 'sim');
      }
    });

    it('outcomes.jsonl has prediction_id, actual_outcome, timestamp in arrival order, after each prediction', () => {
      const predicted = new Map(readRecords(jsonl('predictions.jsonl')).map((p) => [p.prediction_id, p.timestamp as number]));
      let previous = -Infinity;
      for (const outcome of readRecords(jsonl('outcomes.jsonl'))) {
        assert.deepEqual(keysOf(outcome), ['prediction_id', 'actual_outcome', 'timestamp']);
        const madeAt = predicted.get(outcome.prediction_id);
        assert.ok(madeAt !== undefined, `${outcome.prediction_id} is a prediction`);
        const arrived = outcome.timestamp as number;
        assert.ok(arrived > madeAt && arrived <= END);
        assert.ok(arrived >= previous, 'in arrival order');
        assert.ok(outcome.actual_outcome === 0 || outcome.actual_outcome === 1);
        previous = arrived;
      }
    });

    it('alert_rules.json has the sample rules\' keys, every comparison and severity, and no trailing newline', () => {
      const sampleRules = JSON.parse(readFileSync(join(SAMPLE_JSONL, 'alert_rules.json'), 'utf8')) as Json[];
      const text = readFileSync(jsonl('alert_rules.json'), 'utf8');
      assert.ok(text.startsWith('[\n  {\n    "rule_id": ') && text.endsWith('\n  }\n]'));
      const rules = JSON.parse(text) as Json[];
      for (const rule of rules) assert.deepEqual(keysOf(rule), keysOf(sampleRules[0]));
      assert.deepEqual(new Set(rules.map((r) => r.comparison)), new Set(['<', '>', '==', '!=']));
      assert.deepEqual(new Set(rules.map((r) => r.severity)), new Set(['info', 'warning', 'critical']));
      assert.ok(rules.some((r) => r.enabled === false));
      assert.ok(text.includes('"conditions": {}') && text.includes('"min_value": 0.0'));
    });

    it('writes numbers in Python float or int form as the samples do', () => {
      const float = String.raw`-?\d+\.\d+(?:e[+-]\d+)?|-?\d+e[+-]\d+`;
      const patterns: Record<string, RegExp[]> = {
        'predictions.jsonl': [
          new RegExp(`^\\{"timestamp": \\d{10}\\.\\d+, `),
          /"predicted_outcome": [01], "confidence": 0\.\d{1,6}, /,
          /"grid_position": \d{1,2}, "track_temp": \d+\.\d{1,3}, /,
          /"metadata": \{"race_id": \d+, "source": "sim"\}\}$/,
        ],
        'outcomes.jsonl': [/^\{"prediction_id": "pred-\d{7}", "actual_outcome": [01], "timestamp": \d{10}\.\d+\}$/],
        'health_snapshots.jsonl': [
          /^\{"timestamp": \d{10}\.0, /,
          new RegExp(`"accuracy": (${float}), "precision": (${float}), "recall": (${float}), "f1_score": (${float}), `),
          new RegExp(`"roc_auc": (${float}|null), "expected_calibration_error": (${float}), "num_predictions": \\d+, `),
          new RegExp(`"prediction_accuracy_trend": (${float}), "degradation_detected": (true|false)\\}$`),
        ],
        'alerts.jsonl': [
          /^\{"timestamp": \d{10}\.\d+, "alert_id": "alert_\d{13}", "severity": "(info|warning|critical)", /,
          new RegExp(`"metric_value": (${float}), "threshold": (${float}), `),
          new RegExp(`"acknowledged": (true|false), "acknowledged_at": (\\d{10}\\.\\d+|null), "acknowledged_by": ("[^"]+"|null)\\}$`),
        ],
      };
      for (const [name, regexps] of Object.entries(patterns)) {
        for (const line of readLines(jsonl(name))) {
          for (const regexp of regexps) assert.match(line, regexp, name);
        }
      }
    });

    it('sorts predictions by timestamp with sequential ids and confidences in [0.5, 1)', () => {
      const records = readRecords(jsonl('predictions.jsonl'));
      assert.equal(records.length, PREDICTIONS);
      records.forEach((record, index) => {
        assert.equal(record.prediction_id, `pred-${String(index).padStart(7, '0')}`);
        if (index > 0) assert.ok((record.timestamp as number) >= ((records[index - 1] as Json).timestamp as number));
        assert.ok((record.confidence as number) >= 0.5 && (record.confidence as number) < 1);
        assert.ok((record.timestamp as number) >= START && (record.timestamp as number) < END);
      });
    });

    it('labels about 70% of predictions, most of the last day not yet', () => {
      const predictions = readRecords(jsonl('predictions.jsonl'));
      const labelled = new Set(readRecords(jsonl('outcomes.jsonl')).map((o) => o.prediction_id));
      assert.ok(labelled.size / predictions.length > 0.6 && labelled.size / predictions.length < 0.8);
      const lastDay = predictions.filter((p) => (p.timestamp as number) >= END - DAY);
      assert.ok(lastDay.filter((p) => !labelled.has(p.prediction_id)).length / lastDay.length > 0.5);
    });

    it('has health snapshots every 6 hours for each model version', () => {
      const snapshots = readRecords(jsonl('health_snapshots.jsonl'));
      for (const s of snapshots) assert.equal(((s.timestamp as number) - START) % SNAPSHOT_INTERVAL, 0);
      for (const version of ['v1.0', 'v1.1']) {
        assert.ok(snapshots.filter((s) => s.model_version === version).length >= 50, version);
      }
    });

    it('has unique alert ids made of the alert time in ms, and acknowledgments that follow their alert', () => {
      const alerts = readRecords(jsonl('alerts.jsonl'));
      assert.equal(new Set(alerts.map((a) => a.alert_id)).size, alerts.length);
      for (const a of alerts) {
        assert.equal(a.alert_id, `alert_${Math.trunc((a.timestamp as number) * 1000)}`);
        assert.equal(a.acknowledged, a.acknowledged_at !== null);
        assert.equal(a.acknowledged, a.acknowledged_by !== null);
        if (a.acknowledged) assert.ok((a.acknowledged_at as number) > (a.timestamp as number) && (a.acknowledged_at as number) < END);
      }
      assert.ok(alerts.some((a) => a.acknowledged) && alerts.some((a) => !a.acknowledged));
      assert.deepEqual(new Set(alerts.map((a) => a.severity)), new Set(['info', 'warning', 'critical']));
    });

    it('logs exactly the alerts of rules with the file channel, in the Python file channel format', () => {
      const rules = JSON.parse(readFileSync(jsonl('alert_rules.json'), 'utf8')) as Json[];
      const fileRules = rules.filter((r) => (r.channels as string[]).includes('file'));
      const logged = readLines(jsonl('alerts.jsonl')).filter((line) => {
        const a = JSON.parse(line) as Json;
        return fileRules.some((r) => r.metric_name === a.metric_name && r.severity === a.severity);
      });
      const timestampText = (line: string) => /^\{"timestamp": ([^,]+),/.exec(line)?.[1];
      const expected = logged
        .map((line) => {
          const a = JSON.parse(line) as Json;
          return `[${timestampText(line)}] [${a.severity}] ${a.title}\n  ${a.message}\n\n`;
        })
        .join('');
      assert.ok(logged.length > 0);
      assert.equal(readFileSync(jsonl('alert_log.txt'), 'utf8'), expected);
      assert.match(expected, /^\[\d{10}\.\d+\] \[(critical|warning)\] [A-Z]+: \w+ Alert\n {2}\w+ is \d+\.\d{4} \([<>!=]{1,2} \d+\.\d{4}\)\n\n/);
    });
  });

  describe('the SQLite database', () => {
    it('is marked WAL in header bytes 18 and 19', () => {
      const header = readFileSync(join(root, 'a', 'monitoring.db')).subarray(0, 100);
      assert.equal(header.toString('latin1', 0, 16), 'SQLite format 3\0');
      assert.equal(header[18], 2);
      assert.equal(header[19], 2);
    });

    it("has exactly the sample database's schema, in order", () => {
      const schema = 'SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid';
      assert.deepEqual(query(db, schema), query(sample, schema));
    });

    it('holds the same counts as the JSONL folder', () => {
      assert.equal(scalar(db, 'SELECT count(*) FROM predictions'), readLines(jsonl('predictions.jsonl')).length);
      assert.equal(scalar(db, 'SELECT count(*) FROM predictions WHERE actual_outcome IS NOT NULL'), readLines(jsonl('outcomes.jsonl')).length);
      assert.equal(scalar(db, 'SELECT count(*) FROM predictions WHERE actual_outcome_timestamp IS NOT NULL'), readLines(jsonl('outcomes.jsonl')).length);
      assert.equal(scalar(db, 'SELECT count(*) FROM health_snapshots'), readLines(jsonl('health_snapshots.jsonl')).length);
      assert.equal(scalar(db, 'SELECT count(*) FROM alerts'), readLines(jsonl('alerts.jsonl')).length);
      assert.equal(scalar(db, 'SELECT count(*) FROM alert_rules'), (JSON.parse(readFileSync(jsonl('alert_rules.json'), 'utf8')) as unknown[]).length);
      const counts = result.files.find((f) => f.path.endsWith('monitoring.db'))?.counts;
      assert.equal(counts?.predictions, PREDICTIONS);
    });

    it('stores DateTime columns as SQLAlchemy text and created_at as CURRENT_TIMESTAMP text', () => {
      const dateTime = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/;
      const currentTimestamp = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
      const columns: Record<string, string[]> = {
        predictions: ['timestamp', 'actual_outcome_timestamp'],
        health_snapshots: ['timestamp'],
        alerts: ['timestamp', 'acknowledged_at'],
        alert_rules: ['last_triggered'],
        drift_results: ['timestamp'],
        degradation_analysis: ['timestamp'],
        metric_snapshots: ['timestamp'],
      };
      for (const [table, names] of Object.entries(columns)) {
        for (const name of names) {
          for (const [value] of query(db, `SELECT ${name} FROM ${table} WHERE ${name} IS NOT NULL`)) assert.match(String(value), dateTime, `${table}.${name}`);
        }
        for (const [value] of query(db, `SELECT created_at FROM ${table}`)) assert.match(String(value), currentTimestamp, `${table}.created_at`);
      }
      assert.equal(scalar(db, "SELECT count(*) FROM predictions WHERE typeof(timestamp) != 'text' OR typeof(confidence) != 'real'"), 0);
      assert.equal(scalar(db, 'SELECT count(*) FROM health_snapshots WHERE prediction_accuracy_trend IS NOT NULL'), 0);
      assert.equal(scalar(db, 'SELECT count(*) FROM health_snapshots WHERE degradation_detected NOT IN (0, 1)'), 0);
      assert.equal(scalar(db, 'SELECT count(*) FROM alerts WHERE acknowledged NOT IN (0, 1) OR (acknowledged = 1) != (acknowledged_at IS NOT NULL)'), 0);
    });

    it('stores JSON columns as json.dumps text that parses', () => {
      const jsonColumns: Record<string, string[]> = {
        predictions: ['features', 'extra_metadata'],
        alert_rules: ['channels', 'conditions'],
        drift_results: ['baseline_stats', 'current_stats'],
        degradation_analysis: ['top_features', 'error_patterns', 'recommended_actions'],
      };
      for (const [table, names] of Object.entries(jsonColumns)) {
        assert.ok(Number(scalar(db, `SELECT count(*) FROM ${table}`)) > 0, `${table} has rows`);
        for (const name of names) {
          for (const [value] of query(db, `SELECT ${name} FROM ${table}`)) {
            assert.equal(typeof value, 'string');
            JSON.parse(value as string);
            assert.doesNotMatch(value as string, /":\S|,\S/, `${table}.${name} has json.dumps spacing`);
          }
        }
      }
      assert.deepEqual(query(db, "SELECT channels, conditions FROM alert_rules WHERE rule_id = 'acc_low'"), [['["console", "file"]', '{"min_value": 0.0}']]);
    });

    it('uses UUID4 alert ids and keeps each rule\'s last trigger time', () => {
      const ids = query(db, 'SELECT alert_id FROM alerts').map(([id]) => id);
      for (const id of ids) assert.match(String(id), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(new Set(ids).size, ids.length);
      const rules = query(db, 'SELECT metric_name, severity, last_triggered FROM alert_rules');
      for (const [metric, severity, lastTriggered] of rules) {
        const latest = scalar(db, `SELECT max(timestamp) FROM alerts WHERE metric_name = '${metric}' AND severity = '${severity}'`);
        assert.equal(lastTriggered, latest, `${metric} ${severity}`);
      }
      assert.ok(rules.some(([, , last]) => last !== null));
    });

    it('titles alerts as the database-backed system does', () => {
      for (const [title, message, metric] of query(db, 'SELECT title, message, metric_name FROM alerts')) {
        assert.equal(title, `${metric} Alert`);
        assert.match(String(message), new RegExp(`^${metric} is [\\d.e+-]+ \\(threshold: [\\d.]+\\)$`));
      }
    });

    it('reads back in real Python as what Python would have written, and passes integrity_check in WAL mode', function () {
      const interpreter = python();
      if (interpreter === null) this.skip();
      const run = spawnSync(interpreter, ['-c', PYTHON_CHECK, join(root, 'a', 'monitoring'), join(root, 'a', 'monitoring.db')], {
        encoding: 'utf8',
      });
      assert.equal(run.status, 0, run.stderr);
      const report = JSON.parse(run.stdout) as { journal_mode: string; integrity: string; problems: string[]; count: number };
      assert.equal(report.journal_mode, 'wal');
      assert.equal(report.integrity, 'ok');
      assert.deepEqual(report.problems, []);
    });
  });

  describe('the story the demo tells', () => {
    interface Labelled {
      version: string;
      time: number;
      correct: boolean;
      confidence: number;
    }
    let labelled: Labelled[];
    let predictions: Json[];

    before(() => {
      predictions = readRecords(jsonl('predictions.jsonl'));
      const outcomes = new Map(readRecords(jsonl('outcomes.jsonl')).map((o) => [o.prediction_id, o.actual_outcome]));
      labelled = predictions
        .filter((p) => outcomes.has(p.prediction_id))
        .map((p) => ({
          version: p.model_version as string,
          time: p.timestamp as number,
          correct: outcomes.get(p.prediction_id) === p.predicted_outcome,
          confidence: p.confidence as number,
        }));
    });

    const accuracy = (rows: Labelled[]) => rows.filter((r) => r.correct).length / rows.length;
    const slice = (version: string, after: boolean) => labelled.filter((r) => r.version === version && r.time >= DEGRADATION === after);

    it('has a calibrated v1.0 with accuracy near 0.8 throughout', () => {
      for (const after of [false, true]) {
        const rows = slice('v1.0', after);
        assert.ok(Math.abs(accuracy(rows) - 0.8) < 0.06, `accuracy ${accuracy(rows)}`);
        assert.ok(Math.abs(mean(rows.map((r) => r.confidence)) - accuracy(rows)) < 0.06);
      }
    });

    it('has v1.1 lose accuracy after day 10 and turn over-confident', () => {
      const before = slice('v1.1', false);
      const after = slice('v1.1', true);
      assert.ok(accuracy(before) > 0.75, `before ${accuracy(before)}`);
      assert.ok(accuracy(after) < accuracy(before) - 0.12, `after ${accuracy(after)} vs before ${accuracy(before)}`);
      assert.ok(mean(after.map((r) => r.confidence)) - accuracy(after) > 0.15, 'over-confident');
    });

    it("shifts v1.1's track_temp mean by several degrees after day 10, and not v1.0's", () => {
      const meanTemperature = (version: string, after: boolean) =>
        mean(
          predictions
            .filter((p) => p.model_version === version && (p.timestamp as number) >= DEGRADATION === after)
            .map((p) => (p.features as Json).track_temp as number),
        );
      assert.ok(meanTemperature('v1.1', true) - meanTemperature('v1.1', false) > 5);
      assert.ok(Math.abs(meanTemperature('v1.0', true) - meanTemperature('v1.0', false)) < 1.5);
    });

    it('fires critical alerts for v1.1 during the degradation far more often than before it', () => {
      const alerts = readRecords(jsonl('alerts.jsonl'));
      const during = alerts.filter((a) => a.model_version === 'v1.1' && (a.timestamp as number) >= DEGRADATION);
      assert.ok(during.some((a) => a.metric_name === 'accuracy' && a.severity === 'critical'));
      assert.ok(during.some((a) => a.metric_name === 'track_temp_psi'));
      // Small windows make the healthy period noisy, so compare rates rather than expect silence.
      const criticalPerDayDuring = during.filter((a) => a.severity === 'critical').length / 4;
      const criticalPerDayBefore = alerts.filter((a) => a.severity === 'critical' && (a.timestamp as number) < DEGRADATION).length / 10;
      assert.ok(criticalPerDayDuring > 2 * criticalPerDayBefore, `${criticalPerDayDuring} vs ${criticalPerDayBefore} a day`);
    });

    it("stores drift results that flag v1.1's track_temp after day 10 far above any other feature", () => {
      // Results at midnight cover the day before; the first to cover day 10 is on 2026-10-12.
      const after = `timestamp >= '2026-10-12'`;
      const drifted = query(db, `SELECT drift_detected, severity, test_statistic FROM drift_results WHERE model_version = 'v1.1' AND feature_name = 'track_temp' AND ${after}`);
      assert.ok(drifted.length >= 3);
      for (const [detected, severity] of drifted) assert.deepEqual([detected, severity], [1, 'high']);
      const weakest = Math.min(...drifted.map((row) => row[2] as number));
      const otherwise = Number(scalar(db, `SELECT max(test_statistic) FROM drift_results WHERE NOT (model_version = 'v1.1' AND feature_name = 'track_temp' AND ${after})`));
      assert.ok(weakest > 3 * otherwise, `${weakest} vs ${otherwise}`);
      assert.equal(scalar(db, "SELECT count(*) FROM drift_results WHERE drift_type != 'psi' OR p_value != 0.0"), 0);
    });

    it('stores degradation analyses only for v1.1, after day 10, with ranked features', () => {
      const rows = query(
        db,
        'SELECT timestamp, model_version, baseline_value, current_value, degradation_percent, failure_cohort_size, top_features, error_patterns FROM degradation_analysis',
      );
      assert.ok(rows.length > 0);
      for (const [timestamp, version, baseline, current, percent, cohort, topFeatures, errorPatterns] of rows) {
        assert.equal(version, 'v1.1');
        assert.ok(String(timestamp) > '2026-10-11');
        assert.ok((current as number) < 0.9 * (baseline as number));
        assert.ok(Math.abs((percent as number) - (((baseline as number) - (current as number)) / (baseline as number)) * 100) < 1e-9);
        assert.equal((JSON.parse(errorPatterns as string) as Json).n_errors, cohort);
        const features = JSON.parse(topFeatures as string) as Json[];
        assert.deepEqual(features.map((f) => f.rank), [1, 2, 3]);
        assert.deepEqual(new Set(features.map((f) => f.feature_name)), new Set(['track_temp', 'grid_position', 'circuit']));
      }
    });
  });
});

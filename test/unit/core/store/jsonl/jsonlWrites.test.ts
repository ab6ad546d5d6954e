import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PitwallError } from '../../../../../src/core/errors';
import type { Alert } from '../../../../../src/core/model/alert';
import type { AlertRule } from '../../../../../src/core/model/alertRule';
import type { Prediction } from '../../../../../src/core/model/prediction';
import { openJsonlStore, type JsonlStore, type JsonlStoreOptions } from '../../../../../src/core/store/jsonl/jsonlStore';
import { toPythonAlert, toPythonLine } from '../../../../../src/core/store/jsonl/pythonRecords';
import type { NewAlert } from '../../../../../src/core/store/store';
import { python, pythonRead, type PythonReport } from './pythonCheck';
import { makeTempDir, type TempDir } from './support';

const SAMPLE_FILES = ['predictions.jsonl', 'alerts.jsonl', 'health_snapshots.jsonl', 'alert_rules.json', 'alert_log.txt'];

function isPitwallError(code: string, mentioning: string | RegExp) {
  return (error: unknown): boolean =>
    error instanceof PitwallError &&
    error.code === code &&
    (typeof mentioning === 'string' ? error.message.includes(mentioning) : mentioning.test(error.message));
}

function lines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  assert.ok(text.endsWith('\n'), `${path} ends with a newline`);
  return text.slice(0, -1).split('\n');
}

function lastLine(path: string): string {
  return lines(path).at(-1) as string;
}

/** Every file of the folder, by name, as bytes. */
function snapshot(folder: string): Map<string, Buffer> {
  return new Map(readdirSync(folder).map((name) => [name, readFileSync(join(folder, name))]));
}

/** Python read everything, built every dataclass, and found every line in json.dumps form with the right types. */
function assertPythonReadsAll(report: PythonReport): void {
  for (const [name, file] of Object.entries(report.files)) {
    assert.ok(file.endsWithNewline, `${name} ends with a newline`);
    assert.deepEqual(
      { notJson: file.notJson, rejected: file.rejected, notDumpsForm: file.notDumpsForm, wrongTypes: file.wrongTypes },
      { notJson: [], rejected: [], notDumpsForm: [], wrongTypes: [] },
      name,
    );
    assert.equal(file.records, file.lines, name);
  }
  if (report.rules !== undefined) {
    assert.deepEqual(report.rules.rejected, []);
    assert.deepEqual(report.rules.wrongTypes, []);
    assert.ok(report.rules.dumpsForm, 'alert_rules.json is json.dumps(rules, indent=2)');
  }
}

const PREDICTION: Prediction = {
  timestamp: 1790900000,
  model_version: 'v1.1',
  prediction_id: 'pw-1',
  predicted_outcome: 1,
  confidence: 0.75,
  features: { grid_position: 3, track_temp: 30.5, circuit: 'spa' },
  metadata: { source: 'pitwall' },
};

const NEW_ALERT: NewAlert = {
  timestamp: 1795000000.25,
  severity: 'warning',
  title: 'PERFORMANCE: accuracy Alert',
  message: 'accuracy is 0.6000 (< 0.7000)',
  metric_name: 'accuracy',
  metric_value: 0.6,
  threshold: 0.7,
  component: 'performance',
  model_version: 'v1.1',
  acknowledged: false,
  acknowledged_at: null,
  acknowledged_by: null,
};

const RULE: AlertRule = {
  rule_id: 'drift_temp',
  metric_name: 'psi.track_temp',
  metric_type: 'drift',
  threshold: 0.25,
  comparison: '>',
  severity: 'critical',
  component: 'drift',
  enabled: true,
  cooldown_minutes: 30,
  channels: ['console', 'slack'],
  conditions: { min_value: 0 },
  for_minutes: 10,
  min_samples: 50,
  last_triggered: null,
};

/** RULE's seed fields as Python's json.dumps gives them (min_value is the float 0.0, spelled via a stand-in). */
const SEED_RULE_JSON = JSON.stringify({
  rule_id: 'drift_temp',
  metric_name: 'psi.track_temp',
  metric_type: 'drift',
  threshold: 0.25,
  comparison: '>',
  severity: 'critical',
  component: 'drift',
  enabled: true,
  cooldown_minutes: 30,
  channels: ['console', 'slack'],
  conditions: { min_value: 0.5 },
}).replace('0.5}', '0.0}');

function alertLine(index: number, id = `base-${index}`): string {
  return toPythonLine(
    toPythonAlert({ ...NEW_ALERT, timestamp: 1790000000 + index, alert_id: id, acknowledged: false, acknowledged_at: null, acknowledged_by: null }),
  );
}

describe('JsonlStore writes', function () {
  this.timeout(60_000);
  let temp: TempDir;
  const stores: JsonlStore[] = [];

  async function open(options: JsonlStoreOptions = {}): Promise<JsonlStore> {
    const store = await openJsonlStore(temp.path, { tornTailGraceMs: 200, ...options });
    stores.push(store);
    return store;
  }

  beforeEach(function () {
    temp = makeTempDir();
    for (const name of SAMPLE_FILES) temp.copySample(name);
  });
  afterEach(async function () {
    for (const store of stores.splice(0)) await store.close();
    temp.remove();
  });

  describe('appends', function () {
    it('writes each record as the Python system would, after the lines already there, and reads it back at once', async function () {
      const before = snapshot(temp.path);
      const store = await open();
      await store.recordPrediction(PREDICTION);
      assert.equal(
        lastLine(temp.file('predictions.jsonl')),
        '{"timestamp": 1790900000.0, "model_version": "v1.1", "prediction_id": "pw-1", "predicted_outcome": 1, "confidence": 0.75, ' +
          '"features": {"grid_position": 3, "track_temp": 30.5, "circuit": "spa"}, "metadata": {"source": "pitwall"}}',
      );
      assert.equal((await store.readPrediction('pw-1'))?.confidence, 0.75);

      assert.equal(await store.recordOutcome({ prediction_id: 'pw-1', actual_outcome: 0, timestamp: 1790900100 }), true);
      assert.equal(
        readFileSync(temp.file('outcomes.jsonl'), 'utf8'),
        '{"prediction_id": "pw-1", "actual_outcome": 0, "timestamp": 1790900100.0}\n',
      );
      assert.equal((await store.readPrediction('pw-1'))?.actual_outcome, 0);

      await store.recordHealthSnapshot({
        timestamp: 1790900200,
        model_version: 'v1.1',
        accuracy: 1,
        precision: 0.5,
        recall: 0,
        f1_score: 0.25,
        roc_auc: null,
        expected_calibration_error: 0.125,
        num_predictions: 40,
        prediction_accuracy_trend: -0.05,
        degradation_detected: false,
      });
      assert.equal(
        lastLine(temp.file('health_snapshots.jsonl')),
        '{"timestamp": 1790900200.0, "model_version": "v1.1", "accuracy": 1.0, "precision": 0.5, "recall": 0.0, "f1_score": 0.25, ' +
          '"roc_auc": null, "expected_calibration_error": 0.125, "num_predictions": 40, "prediction_accuracy_trend": -0.05, "degradation_detected": false}',
      );

      await store.recordMetricSnapshot({
        timestamp: 1790900300,
        model_version: 'v1.1',
        metric_name: 'accuracy',
        value: 1,
        window_size: 100,
        threshold: 0.7,
        status: 'normal',
      });
      assert.equal(
        readFileSync(temp.file('metrics.jsonl'), 'utf8'),
        '{"timestamp": 1790900300.0, "metric_name": "accuracy", "value": 1.0, "window_size": 100, "threshold": 0.7, "status": "normal"}\n',
      );
      assert.deepEqual(
        (await store.readMetricSnapshots()).map((m) => [m.metric_name, m.value, m.model_version]),
        [['accuracy', 1, null]],
      );

      const alert = await store.appendAlert({ ...NEW_ALERT, alert_id: 'alert_1795000000250' });
      assert.equal(
        lastLine(temp.file('alerts.jsonl')),
        '{"timestamp": 1795000000.25, "alert_id": "alert_1795000000250", "severity": "warning", "title": "PERFORMANCE: accuracy Alert", ' +
          '"message": "accuracy is 0.6000 (< 0.7000)", "metric_name": "accuracy", "metric_value": 0.6, "threshold": 0.7, ' +
          '"component": "performance", "model_version": "v1.1", "acknowledged": false, "acknowledged_at": null, "acknowledged_by": null}',
      );
      assert.equal(alert.key, 'alert_1795000000250#1');
      assert.deepEqual(await store.readAlert(alert.key), alert);

      await store.recordDriftResult({
        timestamp: 1790900400,
        feature_name: 'track_temp',
        model_version: 'v1.1',
        drift_detected: true,
        test_statistic: 0.31,
        p_value: 0.001,
        threshold: 0.25,
        drift_type: 'psi',
        baseline_stats: { mean: 28.5, n: 100 },
        current_stats: { mean: 36, n: 80 },
        severity: 'high',
      });
      await store.recordDegradationAnalysis({
        timestamp: 1790900500,
        model_version: 'v1.1',
        metric_name: 'accuracy',
        baseline_value: 0.8,
        current_value: 0.6,
        degradation_percent: 25,
        failure_cohort_size: 12,
        top_features: [{ feature_name: 'track_temp', importance_score: 0.4 }],
        error_patterns: { n_errors: 12 },
        recommended_actions: ['retrain'],
      });
      await store.recordFeatureImportance({
        timestamp: 1790900600,
        model_version: 'v1.1',
        feature_name: 'track_temp',
        importance_score: 0.4,
        shap_value: 0.1,
        percentage: 40,
        rank: 1,
      });
      assert.deepEqual(
        [(await store.readDriftResults()).length, (await store.readDegradationAnalyses()).length, (await store.readFeatureImportance()).length],
        [1, 1, 1],
      );
      assert.equal(
        readFileSync(temp.file('degradation_analysis.jsonl'), 'utf8'),
        '{"timestamp": 1790900500.0, "model_version": "v1.1", "metric_name": "accuracy", "baseline_value": 0.8, "current_value": 0.6, ' +
          '"degradation_percent": 25.0, "failure_cohort_size": 12, "top_features": [{"feature_name": "track_temp", "importance_score": 0.4}], ' +
          '"error_patterns": {"n_errors": 12}, "recommended_actions": ["retrain"]}\n',
      );

      // The lines that were there are untouched: each file starts with its old bytes.
      for (const [name, bytes] of before) assert.ok(readFileSync(temp.file(name)).subarray(0, bytes.length).equals(bytes), name);
      const counts = await store.counts();
      assert.deepEqual([counts.predictions, counts.outcomes, counts.healthSnapshots, counts.metricSnapshots, counts.alerts], [401, 1, 99, 1, 64]);
      assert.deepEqual((await store.describe()).diagnostics, []);

      const report = pythonRead(temp.path);
      assertPythonReadsAll(report);
      assert.equal(report.files['alerts.jsonl']?.records, 64);
      assert.equal(report.files['metrics.jsonl']?.records, 1);
    });

    it('refuses a prediction_id that is already recorded, and writes nothing', async function () {
      const store = await open();
      await assert.rejects(
        store.recordPrediction({ ...PREDICTION, prediction_id: 'pred-0000000' }),
        isPitwallError('conflict', '"pred-0000000" is already recorded'),
      );
      await store.recordPrediction(PREDICTION);
      const before = readFileSync(temp.file('predictions.jsonl'));
      await assert.rejects(store.recordPrediction({ ...PREDICTION, confidence: 0.9 }), isPitwallError('conflict', '"pw-1"'));
      // Another writer's prediction is seen too: the check refreshes first.
      temp.append('predictions.jsonl', `${JSON.stringify({ ...PREDICTION, prediction_id: 'python-1' })}\n`);
      await assert.rejects(store.recordPrediction({ ...PREDICTION, prediction_id: 'python-1' }), isPitwallError('conflict', 'python-1'));
      assert.equal(readFileSync(temp.file('predictions.jsonl')).length, before.length + Buffer.byteLength(`${JSON.stringify({ ...PREDICTION, prediction_id: 'python-1' })}\n`));
      assert.equal((await store.counts()).predictions, 402);
    });

    it('records no outcome for a prediction it does not have', async function () {
      const store = await open();
      assert.equal(await store.recordOutcome({ prediction_id: 'nope', actual_outcome: 1, timestamp: 1790900000 }), false);
      assert.equal(existsSync(temp.file('outcomes.jsonl')), false);
    });

    it('refuses hostile records with a clear error and writes nothing', async function () {
      const store = await open({ maxLineBytes: 64 * 1024 });
      const before = snapshot(temp.path);
      const deep = JSON.parse(`${'{"a":'.repeat(100)}1${'}'.repeat(100)}`) as Record<string, never>;
      const attempts: [string, () => Promise<unknown>, string, RegExp][] = [
        ['NaN confidence', () => store.recordPrediction({ ...PREDICTION, confidence: NaN }), 'input', /confidence must be a finite number, not NaN/],
        ['confidence above 1', () => store.recordPrediction({ ...PREDICTION, confidence: 1.5 }), 'input', /confidence must be between 0 and 1/],
        [
          'features whose prototype is set by __proto__',
          () => store.recordPrediction({ ...PREDICTION, features: { __proto__: { polluted: 1 } } as never }),
          'input',
          /features must be a JSON object/,
        ],
        ['metadata nested 100 deep', () => store.recordPrediction({ ...PREDICTION, metadata: deep }), 'input', /deeper than 64/],
        ['infinite timestamp', () => store.recordPrediction({ ...PREDICTION, timestamp: Infinity }), 'input', /timestamp must be a finite number/],
        [
          'a huge model_version',
          () => store.recordPrediction({ ...PREDICTION, model_version: 'v'.repeat(200_000) }),
          'input',
          /takes 200\d{3} bytes as a line, more than the 65536/,
        ],
        ['NaN metric_value', () => store.appendAlert({ ...NEW_ALERT, metric_value: NaN }), 'input', /metric_value must be a finite number/],
        ['an unknown severity', () => store.appendAlert({ ...NEW_ALERT, severity: 'fatal' as never }), 'input', /severity must be one of/],
        [
          'accuracy above 1',
          () =>
            store.recordHealthSnapshot({
              timestamp: 1790900000,
              model_version: 'v1.1',
              accuracy: 2,
              precision: null,
              recall: null,
              f1_score: null,
              roc_auc: null,
              expected_calibration_error: null,
              num_predictions: 1,
              prediction_accuracy_trend: null,
              degradation_detected: false,
            }),
          'input',
          /accuracy must be between 0 and 1/,
        ],
        [
          'a metric without window_size',
          () =>
            store.recordMetricSnapshot({
              timestamp: 1790900000,
              model_version: null,
              metric_name: 'accuracy',
              value: 0.5,
              window_size: null,
              threshold: null,
              status: 'normal',
            }),
          'input',
          /PerformanceMetric, which needs a window_size/,
        ],
        [
          'a huge acknowledged_by',
          () => store.acknowledgeAlerts(['alert_1790856000000#2'], 'x'.repeat(100_000), 1792000000),
          'input',
          /takes \d+ bytes as a line/,
        ],
        ['a NaN acknowledgment time', () => store.acknowledgeAlerts(['alert_1790856000000#2'], 'me', NaN), 'input', /acknowledged_at must be a finite number/],
        ['a numeric acknowledged_by', () => store.acknowledgeAlerts(['alert_1790856000000#2'], 7 as never, 1792000000), 'input', /acknowledged_by must be text/],
        ['a bad comparison', () => store.saveRule({ ...RULE, comparison: '<>' as never }), 'input', /comparison must be one of/],
        ['an unknown channel', () => store.saveRule({ ...RULE, channels: ['pager'] as never }), 'input', /channels\.0 must be one of/],
        ['a NaN trigger time', () => store.markRuleTriggered('acc_low', NaN), 'input', /last_triggered must be a finite number/],
      ];
      for (const [what, attempt, code, message] of attempts) {
        await assert.rejects(attempt(), isPitwallError(code, message), what);
      }
      assert.deepEqual(snapshot(temp.path), before);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal((await store.counts()).predictions, 400);
    });

    it('keeps a feature named __proto__ as data, as the reader does', async function () {
      const store = await open();
      const features = JSON.parse('{"__proto__": 3, "grid_position": 1}') as Prediction['features'];
      await store.recordPrediction({ ...PREDICTION, features });
      assert.match(lastLine(temp.file('predictions.jsonl')), /"features": \{"__proto__": 3, "grid_position": 1\}/);
      const read = await store.readPrediction('pw-1');
      assert.equal(read?.features['__proto__'], 3);
      assertPythonReadsAll(pythonRead(temp.path));
    });

    it('ends a torn last line left by a dead writer before appending, so the fragment stays a bad line of its own', async function () {
      temp.append('health_snapshots.jsonl', '{"timestamp": 17908');
      const past = new Date(Date.now() - 60_000);
      utimesSync(temp.file('health_snapshots.jsonl'), past, past);
      const store = await open();
      assert.match((await store.describe()).warnings.join('\n'), /incomplete line/);
      const original = readFileSync(temp.file('health_snapshots.jsonl'));
      await store.recordHealthSnapshot({
        timestamp: 1790900200,
        model_version: 'v1.1',
        accuracy: 0.5,
        precision: 0.5,
        recall: 0.5,
        f1_score: 0.5,
        roc_auc: 0.5,
        expected_calibration_error: 0.1,
        num_predictions: 10,
        prediction_accuracy_trend: 0,
        degradation_detected: false,
      });
      const text = readFileSync(temp.file('health_snapshots.jsonl'), 'utf8');
      assert.ok(text.startsWith(`${original.toString('utf8')}\n{"timestamp": 1790900200.0, `));
      assert.equal((await store.counts()).healthSnapshots, 99);
      const { diagnostics, warnings } = await store.describe();
      assert.deepEqual(
        diagnostics.map((d) => [d.line, d.severity]),
        [[99, 'error']],
      );
      assert.doesNotMatch(warnings.join('\n'), /incomplete line/);
      const report = pythonRead(temp.path).files['health_snapshots.jsonl'];
      assert.deepEqual([report?.notJson, report?.records, report?.rejected], [[99], 99, []]);
    });

    it('waits for a torn last line that its writer is finishing, and appends after it', async function () {
      const store = await open({ tornTailGraceMs: 3000 });
      const line = `${JSON.stringify({ ...PREDICTION, prediction_id: 'python-slow' }).replace('1790900000', '1790900000.0')}\n`;
      const fd = openSync(temp.file('predictions.jsonl'), 'a');
      writeSync(fd, line.slice(0, 40));
      setTimeout(() => {
        writeSync(fd, line.slice(40));
        closeSync(fd);
      }, 150);
      await store.recordPrediction(PREDICTION);
      const tail = lines(temp.file('predictions.jsonl')).slice(-2);
      assert.deepEqual(tail.map((text) => (JSON.parse(text) as Prediction).prediction_id), ['python-slow', 'pw-1']);
      assert.equal((await store.counts()).predictions, 402);
      assert.deepEqual((await store.describe()).diagnostics, []);
    });
  });

  describe('alert ids', function () {
    it('gives a new alert alert_<unix ms> of its time, the next free millisecond when that is taken', async function () {
      const store = await open();
      const alert = await store.appendAlert({ ...NEW_ALERT, timestamp: 1790856000 });
      // The sample already has two alerts with alert_1790856000000.
      assert.equal(alert.alert_id, 'alert_1790856000001');
      assert.equal(alert.key, 'alert_1790856000001#1');
      assert.deepEqual(await store.readAlert(alert.key), alert);
    });

    it('keeps ids unique for 1000 alerts in the same millisecond', async function () {
      const store = await open();
      const keys: string[] = [];
      for (let i = 0; i < 1000; i++) keys.push((await store.appendAlert({ ...NEW_ALERT, message: `n${i}` })).key);
      assert.equal(new Set(keys).size, 1000);
      assert.deepEqual(keys.slice(0, 3), ['alert_1795000000250#1', 'alert_1795000000251#1', 'alert_1795000000252#1']);
      assert.ok(keys.every((key) => key.endsWith('#1')));
      const ids = lines(temp.file('alerts.jsonl')).map((text) => (JSON.parse(text) as Alert).alert_id);
      assert.equal(new Set(ids.slice(63)).size, 1000);
      assert.equal((await store.counts()).alerts, 1063);
      assertPythonReadsAll(pythonRead(temp.path));
    });

    it('keeps a given alert_id even when Python already used it, keyed by its occurrence', async function () {
      const store = await open();
      const alert = await store.appendAlert({ ...NEW_ALERT, alert_id: 'alert_1790856000000' });
      assert.equal(alert.key, 'alert_1790856000000#3');
      assert.equal((await store.readAlert('alert_1790856000000#3'))?.message, NEW_ALERT.message);
    });
  });

  describe('acknowledgments', function () {
    const AT = 1792000000.5;

    it('rewrites only the acknowledged line, keeps every other byte, and logs who, when and why', async function () {
      const store = await open();
      const before = lines(temp.file('alerts.jsonl'));
      const result = await store.acknowledgeAlerts(
        ['alert_1790856000000#2', 'alert_1790856000000#1', 'nope#1', 'alert_1790856000000#2'],
        'oncall@example.com',
        AT,
        'Looked into it: v1.1 drifted.',
      );
      assert.deepEqual(result, {
        acknowledged: ['alert_1790856000000#2'],
        alreadyAcknowledged: ['alert_1790856000000#1'],
        notFound: ['nope#1'],
      });
      const after = lines(temp.file('alerts.jsonl'));
      assert.equal(after.length, before.length);
      after.forEach((line, i) => {
        if (i !== 1) assert.equal(line, before[i], `line ${i + 1}`);
      });
      // Exactly what Python's own acknowledge would have written for that line.
      const expected = python(
        'import json, sys\nd = json.loads(sys.argv[1])\nd.update(acknowledged=True, acknowledged_at=float(sys.argv[2]), acknowledged_by=sys.argv[3])\nprint(json.dumps(d))',
        before[1] as string,
        String(AT),
        'oncall@example.com',
      );
      assert.equal(after[1], expected.trim());

      const alert = await store.readAlert('alert_1790856000000#2');
      assert.deepEqual([alert?.acknowledged, alert?.acknowledged_at, alert?.acknowledged_by], [true, AT, 'oncall@example.com']);
      assert.deepEqual(await store.readAcknowledgments('alert_1790856000000#2'), [
        {
          alert_key: 'alert_1790856000000#2',
          alert_id: 'alert_1790856000000',
          acknowledged_at: AT,
          acknowledged_by: 'oncall@example.com',
          comment: 'Looked into it: v1.1 drifted.',
        },
      ]);
      assert.equal(
        readFileSync(temp.file('acknowledgments.jsonl'), 'utf8'),
        '{"alert_key": "alert_1790856000000#2", "alert_id": "alert_1790856000000", "acknowledged_at": 1792000000.5, ' +
          '"acknowledged_by": "oncall@example.com", "comment": "Looked into it: v1.1 drifted."}\n',
      );

      // A fresh reader sees the same, from the files alone.
      const again = await openJsonlStore(temp.path);
      stores.push(again);
      assert.deepEqual(await again.readAlert('alert_1790856000000#2'), alert);
      assert.equal((await again.readAcknowledgments()).length, 1);
      assert.deepEqual((await again.describe()).diagnostics, []);
      assertPythonReadsAll(pythonRead(temp.path));
    });

    it('leaves an alert acknowledged already as it was, and writes nothing', async function () {
      const store = await open();
      await store.acknowledgeAlerts(['alert_1790856000000#2'], 'first', AT);
      const before = snapshot(temp.path);
      const inode = statSync(temp.file('alerts.jsonl')).ino;
      const result = await store.acknowledgeAlerts(['alert_1790856000000#2'], 'second', AT + 60, 'again');
      assert.deepEqual(result, { acknowledged: [], alreadyAcknowledged: ['alert_1790856000000#2'], notFound: [] });
      assert.deepEqual(snapshot(temp.path), before);
      assert.equal(statSync(temp.file('alerts.jsonl')).ino, inode);
      assert.equal((await store.readAlert('alert_1790856000000#2'))?.acknowledged_by, 'first');
    });

    it('acknowledges alerts in lines written in any key order, with unknown keys and no acknowledgment fields', async function () {
      writeFileSync(
        temp.file('alerts.jsonl'),
        '{"alert_id": "a1", "timestamp": 1790000000.0, "severity": "info", "title": "t", "message": "m", "metric_name": "x", ' +
          '"metric_value": 1.0, "threshold": 2.0, "component": "c", "model_version": null, "acknowledged": false, "source": {"host": "h"}}\n' +
          '{"timestamp": 1790000001.0,"alert_id":"a2","severity":"info","title":"t","message":"m","metric_name":"x","metric_value":1.0,' +
          '"threshold":2.0,"component":"c","model_version":"v"}\n',
      );
      const store = await open();
      await store.acknowledgeAlerts(['a1#1', 'a2#1'], null, AT);
      assert.deepEqual(lines(temp.file('alerts.jsonl')), [
        '{"alert_id": "a1", "timestamp": 1790000000.0, "severity": "info", "title": "t", "message": "m", "metric_name": "x", ' +
          '"metric_value": 1.0, "threshold": 2.0, "component": "c", "model_version": null, "acknowledged": true, "source": {"host": "h"}, ' +
          '"acknowledged_at": 1792000000.5, "acknowledged_by": null}',
        '{"timestamp": 1790000001.0,"alert_id":"a2","severity":"info","title":"t","message":"m","metric_name":"x","metric_value":1.0,' +
          '"threshold":2.0,"component":"c","model_version":"v", "acknowledged": true, "acknowledged_at": 1792000000.5, "acknowledged_by": null}',
      ]);
      assert.deepEqual(
        (await store.readAlerts({ order: 'asc' })).map((a) => [a.key, a.acknowledged, a.acknowledged_at]),
        [
          ['a1#1', true, AT],
          ['a2#1', true, AT],
        ],
      );
    });

    it('keeps bad lines as they are and ends a dead torn line, which stays a bad line of its own', async function () {
      temp.append('alerts.jsonl', 'this is not json\n\n{"timestamp": 17');
      const past = new Date(Date.now() - 60_000);
      utimesSync(temp.file('alerts.jsonl'), past, past);
      const store = await open();
      const before = readFileSync(temp.file('alerts.jsonl'), 'utf8');
      await store.acknowledgeAlerts(['alert_1790877600000#1'], 'me', AT);
      const after = readFileSync(temp.file('alerts.jsonl'), 'utf8');
      const beforeLines = before.split('\n');
      const afterLines = after.split('\n');
      assert.equal(afterLines.length, beforeLines.length + 1);
      assert.deepEqual(afterLines.slice(63), ['this is not json', '', '{"timestamp": 17', '']);
      assert.deepEqual(
        afterLines.map((line, i) => i).filter((i) => afterLines[i] !== beforeLines[i]),
        [2, 66],
      );
      const { diagnostics } = await store.describe();
      assert.deepEqual(
        diagnostics.map((d) => d.line),
        [64, 66],
      );
      // The next alert starts on its own line.
      await store.appendAlert(NEW_ALERT);
      assert.equal((await store.counts()).alerts, 64);
    });

    it('carries over a line that a writer was finishing in the replaced file', async function () {
      const store = await open({ tornTailGraceMs: 3000 });
      const line = alertLine(1, 'python-late');
      const fd = openSync(temp.file('alerts.jsonl'), 'a');
      writeSync(fd, line.slice(0, 50));
      await store.refresh();
      setTimeout(() => {
        writeSync(fd, line.slice(50));
        closeSync(fd);
      }, 200);
      await store.acknowledgeAlerts(['alert_1790877600000#1'], 'me', AT);
      // The carrying over runs before the next call.
      await store.refresh();
      assert.equal(lines(temp.file('alerts.jsonl')).filter((text) => text === line.slice(0, -1)).length, 1);
      assert.equal((await store.readAlerts({ alertId: 'python-late' })).length, 1);
      assert.equal((await store.counts()).alerts, 64);
      assert.deepEqual((await store.describe()).diagnostics, []);
    });

    it('acknowledges the very first of 30,000 alerts and keeps the 29,999 others byte for byte', async function () {
      const count = 30_000;
      const fd = openSync(temp.file('alerts.jsonl'), 'w');
      for (let i = 0; i < count; i += 1000) {
        writeSync(fd, Array.from({ length: 1000 }, (_, j) => alertLine(i + j)).join(''));
      }
      closeSync(fd);
      const before = readFileSync(temp.file('alerts.jsonl'));
      const store = await open();
      assert.equal((await store.counts()).alerts, count);
      const result = await store.acknowledgeAlerts(['base-0#1'], 'me', AT);
      assert.deepEqual(result.acknowledged, ['base-0#1']);
      const after = readFileSync(temp.file('alerts.jsonl'));
      const firstEnd = (buffer: Buffer) => buffer.indexOf(0x0a) + 1;
      assert.ok(after.subarray(firstEnd(after)).equals(before.subarray(firstEnd(before))), 'every other line is unchanged');
      assert.match(after.subarray(0, firstEnd(after)).toString(), /"alert_id": "base-0", .*"acknowledged": true, "acknowledged_at": 1792000000\.5, "acknowledged_by": "me"\}\n$/);
      assert.equal(lines(temp.file('alerts.jsonl')).length, count);
      assert.equal((await store.countAlerts({ acknowledged: true })), 1);
      const report = pythonRead(temp.path).files['alerts.jsonl'];
      assert.deepEqual([report?.records, report?.notJson, report?.rejected], [count, [], []]);
    });

    it('loses neither an appended alert nor an acknowledgment while Python appends alerts throughout', async function () {
      const base = 300;
      writeFileSync(temp.file('alerts.jsonl'), Array.from({ length: base }, (_, i) => alertLine(i)).join(''));
      const store = await open();
      const appended = 8000;
      const child = spawn('python3', [
        '-c',
        String.raw`
import json, sys, time
path, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    alert = {"timestamp": 1795000000.0 + i, "alert_id": f"python-{i}", "severity": "info", "title": "t", "message": "m",
             "metric_name": "x", "metric_value": 1.0, "threshold": 2.0, "component": "c", "model_version": "v1.1",
             "acknowledged": False, "acknowledged_at": None, "acknowledged_by": None}
    with open(path, 'a') as f:
        f.write(json.dumps(alert) + '\n')
    if i % 5 == 0:
        time.sleep(0.001)
`,
        temp.file('alerts.jsonl'),
        String(appended),
      ]);
      const done = new Promise<number | null>((resolve) => child.on('exit', resolve));
      let running = true;
      void done.then(() => (running = false));
      const acknowledged: string[] = [];
      let whileAppending = 0;
      for (let i = 0; running || i < 20; i++) {
        const key = `base-${i % base}#1`;
        if (!acknowledged.includes(key)) {
          const result = await store.acknowledgeAlerts([key], `pitwall-${i}`, AT + i);
          assert.deepEqual(result.acknowledged, [key]);
          acknowledged.push(key);
          if (running) whileAppending++;
        }
      }
      assert.equal(await done, 0);
      assert.ok(whileAppending >= 5, `${whileAppending} acknowledgments while Python appended`);

      const fresh = await openJsonlStore(temp.path);
      stores.push(fresh);
      assert.deepEqual((await fresh.describe()).diagnostics, []);
      const alerts = await fresh.readAlerts({ order: 'asc' });
      assert.equal(alerts.length, base + appended);
      const pythonIds = alerts.filter((a) => a.alert_id.startsWith('python-')).map((a) => a.alert_id);
      assert.equal(new Set(pythonIds).size, appended);
      const acknowledgedNow = alerts.filter((a) => a.acknowledged).map((a) => a.key);
      assert.deepEqual(acknowledgedNow.sort(), [...acknowledged].sort());
      assert.equal((await fresh.readAcknowledgments()).length, acknowledged.length);
      const report = pythonRead(temp.path).files['alerts.jsonl'];
      assert.deepEqual([report?.records, report?.notJson, report?.rejected], [base + appended, [], []]);
    });
  });

  describe('rules', function () {
    const rulesPath = () => temp.file('alert_rules.json');

    /** What Python writes after applying `change` (Python source, on `rules`) to the current file. */
    function pythonRules(change: string, ...args: string[]): string {
      return python(
        `import json, sys\nrules = json.load(open(sys.argv[1]))\n${change}\nsys.stdout.write(json.dumps(rules, indent=2))`,
        rulesPath(),
        ...args,
      );
    }

    it('adds a rule as Python would, with only the seed keys, and keeps Pitwall fields beside it', async function () {
      const expected = pythonRules(
        'rules.append(json.loads(sys.argv[2]))',
        SEED_RULE_JSON,
      );
      const store = await open();
      await store.saveRule({ ...RULE, last_triggered: 1790900000 });
      assert.equal(readFileSync(rulesPath(), 'utf8'), expected);
      assert.equal(
        readFileSync(temp.file('alert_rules.pitwall.json'), 'utf8'),
        '{\n  "drift_temp": {\n    "for_minutes": 10,\n    "min_samples": 50,\n    "last_triggered": 1790900000.0\n  }\n}',
      );
      const rule = (await store.readRules()).find((r) => r.rule_id === 'drift_temp') as AlertRule;
      assert.deepEqual({ ...rule, conditions: { ...rule.conditions } }, { ...RULE, last_triggered: 1790900000 });
      assertPythonReadsAll(pythonRead(temp.path));
      assert.equal(pythonRead(temp.path).rules?.count, 4);
    });

    it('replaces a rule in place and keeps the other elements as written', async function () {
      writeFileSync(
        rulesPath(),
        readFileSync(rulesPath(), 'utf8').replace('"threshold": 0.6,', '"threshold": 6e-1,\n    "owner":   "ml-team",'),
      );
      const store = await open();
      const ece = (await store.readRules()).find((r) => r.rule_id === 'ece_high') as AlertRule;
      const before = readFileSync(rulesPath(), 'utf8');
      await store.saveRule({ ...ece, threshold: 0.15, channels: ['file', 'email'] });
      const after = readFileSync(rulesPath(), 'utf8');
      const ownerRule = /\{\n {4}"rule_id": "conf_low"[\s\S]*?\n {2}\}/;
      assert.equal(ownerRule.exec(after)?.[0], ownerRule.exec(before)?.[0], 'the untouched rule keeps its spelling');
      assert.deepEqual(
        (JSON.parse(after) as { rule_id: string; threshold: number }[]).map((r) => [r.rule_id, r.threshold]),
        [
          ['acc_low', 0.7],
          ['ece_high', 0.15],
          ['conf_low', 0.6],
        ],
      );
      assert.deepEqual((await store.readRules()).find((r) => r.rule_id === 'ece_high')?.channels, ['file', 'email']);
      assert.equal(existsSync(temp.file('alert_rules.pitwall.json')), false, 'a rule with default Pitwall fields needs no entry');
    });

    it('deletes a rule and its Pitwall fields, and says when there was none', async function () {
      const expected = pythonRules('rules = [r for r in rules if r["rule_id"] != "conf_low"]');
      const store = await open();
      await store.markRuleTriggered('conf_low', 1790900000);
      assert.equal(await store.deleteRule('conf_low'), true);
      assert.equal(readFileSync(rulesPath(), 'utf8'), expected);
      assert.equal(readFileSync(temp.file('alert_rules.pitwall.json'), 'utf8'), '{}');
      const before = snapshot(temp.path);
      assert.equal(await store.deleteRule('conf_low'), false);
      assert.deepEqual(snapshot(temp.path), before);
      assert.deepEqual(
        (await store.readRules()).map((r) => r.rule_id),
        ['acc_low', 'ece_high'],
      );
      assertPythonReadsAll(pythonRead(temp.path));
    });

    it('keeps when a rule last fired outside alert_rules.json, across a restart', async function () {
      const rulesBefore = readFileSync(rulesPath());
      const store = await open();
      await store.markRuleTriggered('acc_low', 1790900000.25);
      await store.markRuleTriggered('no_such_rule', 1790900000.25);
      assert.ok(readFileSync(rulesPath()).equals(rulesBefore), 'alert_rules.json is not touched');
      assert.deepEqual(JSON.parse(readFileSync(temp.file('alert_rules.pitwall.json'), 'utf8')), {
        acc_low: { for_minutes: 0, min_samples: 0, last_triggered: 1790900000.25 },
      });
      assert.equal((await store.readRules()).find((r) => r.rule_id === 'acc_low')?.last_triggered, 1790900000.25);
      const again = await openJsonlStore(temp.path);
      stores.push(again);
      assert.equal((await again.readRules()).find((r) => r.rule_id === 'acc_low')?.last_triggered, 1790900000.25);
      assert.equal((await again.readRules()).find((r) => r.rule_id === 'ece_high')?.last_triggered, null);
      assertPythonReadsAll(pythonRead(temp.path));
    });

    it('creates alert_rules.json in the Python form when there is none', async function () {
      temp.remove();
      temp = makeTempDir();
      const store = await open();
      await store.saveRule({ ...RULE, for_minutes: 0, min_samples: 0 });
      const expected = python(
        'import json, sys\nsys.stdout.write(json.dumps([json.loads(sys.argv[1])], indent=2))',
        SEED_RULE_JSON,
      );
      assert.equal(readFileSync(rulesPath(), 'utf8'), expected);
      assert.deepEqual(readdirSync(temp.path), ['alert_rules.json']);
    });

    it('refuses to rewrite a rules file it cannot read, and leaves it as it is', async function () {
      writeFileSync(rulesPath(), '[{"rule_id": "broken",');
      const store = await open();
      await assert.rejects(store.saveRule(RULE), isPitwallError('corrupt', /will not rewrite \S*alert_rules\.json: it cannot read all of it back/));
      await assert.rejects(store.deleteRule('broken'), isPitwallError('corrupt', 'alert_rules.json'));
      assert.equal(readFileSync(rulesPath(), 'utf8'), '[{"rule_id": "broken",');
    });
  });

  describe('a read-only folder', function () {
    it('says it is writable when it is', async function () {
      const store = await open();
      assert.deepEqual([(await store.describe()).writable, (await store.describe()).readOnlyReason], [true, null]);
    });

    it('refuses every write with the reason it was opened read-only for, and writes nothing', async function () {
      const store = await open({ readOnly: 'The workspace is not trusted.' });
      const description = await store.describe();
      assert.deepEqual([description.writable, description.readOnlyReason], [false, 'The workspace is not trusted.']);
      const before = snapshot(temp.path);
      const writes: (() => Promise<unknown>)[] = [
        () => store.recordPrediction(PREDICTION),
        () => store.recordOutcome({ prediction_id: 'pred-0000000', actual_outcome: 1, timestamp: 1790900000 }),
        () => store.appendAlert(NEW_ALERT),
        () => store.acknowledgeAlerts(['alert_1790856000000#2'], 'me', 1792000000),
        () => store.saveRule(RULE),
        () => store.deleteRule('acc_low'),
        () => store.markRuleTriggered('acc_low', 1792000000),
      ];
      for (const write of writes) await assert.rejects(write(), isPitwallError('read-only', 'not trusted'));
      assert.deepEqual(snapshot(temp.path), before);
    });

    it('says why when the folder is not writable', async function () {
      if (process.getuid?.() === 0) this.skip();
      const { chmodSync } = await import('node:fs');
      chmodSync(temp.path, 0o555);
      try {
        const description = await (await open()).describe();
        assert.equal(description.writable, false);
        assert.match(description.readOnlyReason ?? '', /folder is not writable/);
      } finally {
        chmodSync(temp.path, 0o755);
      }
    });
  });
});

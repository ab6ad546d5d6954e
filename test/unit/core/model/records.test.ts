import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertRecord } from '../../../../src/core/model/alert';
import { alertRuleRecord } from '../../../../src/core/model/alertRule';
import { degradationAnalysisRecord } from '../../../../src/core/model/degradationAnalysis';
import { driftResultRecord } from '../../../../src/core/model/driftResult';
import { featureImportanceRecord } from '../../../../src/core/model/featureImportance';
import { healthSnapshotRecord } from '../../../../src/core/model/healthSnapshot';
import { metricSnapshotRecord } from '../../../../src/core/model/metricSnapshot';
import { outcomeRecord } from '../../../../src/core/model/outcome';
import { performanceMetricRecord } from '../../../../src/core/model/performanceMetric';
import { predictionRecord, predictionWithOutcomeRecord } from '../../../../src/core/model/prediction';
import {
  describeIssue,
  parseRecord,
  type RecordOf,
  type RecordParse,
  type RecordSpec,
} from '../../../../src/core/model/record';

const SAMPLES = join(__dirname, '../../../fixtures/formats/jsonl');

function sampleLines(file: string): unknown[] {
  return readFileSync(join(SAMPLES, file), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

function accept<S extends RecordSpec>(spec: S, input: unknown): Extract<RecordParse<RecordOf<S>>, { ok: true }> {
  const parsed = parseRecord(spec, input);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.issues.map(describeIssue).join('; '));
  return parsed;
}

/** The problems found, as `field: reason` lines. */
function refuse(spec: RecordSpec, input: unknown): string[] {
  const parsed = parseRecord(spec, input);
  assert.ok(!parsed.ok, 'expected the record to be refused');
  return parsed.issues.map((issue) => `${issue.field}: ${issue.reason}`);
}

const goodPrediction = () => ({
  timestamp: 1790814189.1212647,
  model_version: 'v1.0',
  prediction_id: 'pred-1',
  predicted_outcome: 1,
  confidence: 0.75,
  features: { grid_position: 11, track_temp: 28.652, circuit: 'interlagos' },
  metadata: { race_id: 0, source: 'sim' },
});

/** Rows as the sample monitoring.db holds them, with extra_metadata named metadata. */
const sqliteRows = {
  prediction: {
    id: 1,
    timestamp: '2026-10-01 00:23:09.121265',
    model_version: 'v1.0',
    prediction_id: 'pred-0000000',
    predicted_outcome: 0,
    confidence: 0.591872,
    actual_outcome: 1,
    actual_outcome_timestamp: '2026-10-01 17:37:39.786047',
    features: '{"grid_position": 11, "track_temp": 28.652, "circuit": "interlagos"}',
    metadata: '{"race_id": 0, "source": "sim"}',
    created_at: '2026-11-26 14:50:38',
  },
  health: {
    id: 1,
    timestamp: '2026-10-01 12:00:00.000000',
    model_version: 'v1.1',
    accuracy: 0.0,
    precision: 0.0,
    recall: 0.0,
    f1_score: 0.0,
    roc_auc: null,
    expected_calibration_error: 0.882731,
    num_predictions: 1,
    prediction_accuracy_trend: null,
    degradation_detected: 1,
    created_at: '2026-11-26 14:50:38',
  },
  alert: {
    id: 1,
    alert_id: 'e5a9d7e2-f76f-48b0-b934-e2509f7e3fe4',
    timestamp: '2026-10-01 12:00:00.000000',
    severity: 'critical',
    title: 'accuracy Alert',
    message: 'accuracy is 0.0 (threshold: 0.7)',
    metric_name: 'accuracy',
    metric_value: 0.0,
    threshold: 0.7,
    component: 'performance',
    model_version: 'v1.1',
    acknowledged: 1,
    acknowledged_at: '2026-10-15 00:10:00.000000',
    acknowledged_by: 'oncall@example.com',
    created_at: '2026-11-26 14:50:38',
  },
  rule: {
    id: 1,
    rule_id: 'acc_low',
    metric_name: 'accuracy',
    metric_type: 'threshold',
    threshold: 0.7,
    comparison: '<',
    severity: 'critical',
    component: 'performance',
    enabled: 1,
    cooldown_minutes: 360,
    channels: '["console", "file"]',
    conditions: '{"min_value": 0.0}',
    last_triggered: '2026-10-01 12:00:00.000000',
    created_at: '2026-11-26 14:50:38',
    updated_at: '2026-11-26 14:50:38',
  },
};

describe('record schemas', function () {
  describe('the sample JSONL files', function () {
    it('accept every line of predictions, alerts and health snapshots, and every rule', function () {
      assert.equal(
        sampleLines('predictions.jsonl').filter((line) => parseRecord(predictionRecord, line).ok).length,
        400,
      );
      assert.equal(sampleLines('alerts.jsonl').filter((line) => parseRecord(alertRecord, line).ok).length, 63);
      assert.equal(
        sampleLines('health_snapshots.jsonl').filter((line) => parseRecord(healthSnapshotRecord, line).ok).length,
        98,
      );
      const rules = JSON.parse(readFileSync(join(SAMPLES, 'alert_rules.json'), 'utf8')) as unknown[];
      assert.equal(rules.filter((rule) => parseRecord(alertRuleRecord, rule).ok).length, 3);
    });

    it('keep a prediction line as it was written, timestamp bit for bit', function () {
      const line = sampleLines('predictions.jsonl')[0];
      const { value, layout, unknownKeys } = accept(predictionRecord, line);
      assert.deepEqual({ ...value, features: { ...value.features } }, line);
      assert.equal(value.timestamp, 1790814189.1212647);
      assert.deepEqual(layout.keys, Object.keys(line as object));
      assert.deepEqual({ ...layout.timestamps }, { timestamp: 'unix-seconds' });
      assert.deepEqual(unknownKeys, []);
    });

    it('give a rule the seed dataclass defaults and Pitwall defaults for absent fields', function () {
      const rules = JSON.parse(readFileSync(join(SAMPLES, 'alert_rules.json'), 'utf8')) as unknown[];
      const { value, layout } = accept(alertRuleRecord, rules[0]);
      assert.equal(value.for_minutes, 0);
      assert.equal(value.min_samples, 0);
      assert.equal(value.last_triggered, null);
      assert.equal(value.conditions.min_value, 0);
      assert.ok(!layout.keys.includes('for_minutes'), 'the layout records that the file did not have the field');
      const bare = accept(alertRuleRecord, {
        rule_id: 'r',
        metric_name: 'accuracy',
        metric_type: 'threshold',
        threshold: 0.5,
        comparison: '<',
        severity: 'info',
        component: 'performance',
      }).value;
      assert.equal(bare.enabled, true);
      assert.equal(bare.cooldown_minutes, 60);
      assert.deepEqual(bare.channels, ['console']);
      assert.deepEqual({ ...bare.conditions }, {});
    });
  });

  describe('the database encodings', function () {
    it('read a predictions row: SQLAlchemy text times, JSON text features and metadata, ground truth', function () {
      const { value, layout, unknownKeys } = accept(predictionWithOutcomeRecord, sqliteRows.prediction);
      assert.equal(value.timestamp, 1790814189.121265);
      assert.equal(value.actual_outcome, 1);
      assert.equal(value.actual_outcome_timestamp, 1790876259.786047);
      assert.deepEqual({ ...value.features }, { grid_position: 11, track_temp: 28.652, circuit: 'interlagos' });
      assert.deepEqual(value.metadata, { race_id: 0, source: 'sim' });
      assert.deepEqual(unknownKeys, ['id', 'created_at']);
      assert.deepEqual({ ...layout.extra }, { id: 1, created_at: '2026-11-26 14:50:38' });
      assert.deepEqual(
        { ...layout.timestamps },
        { timestamp: 'sqlalchemy-text', actual_outcome_timestamp: 'sqlalchemy-text' },
      );
    });

    it('read 0/1 booleans and NULLs in health snapshot, alert and rule rows', function () {
      const health = accept(healthSnapshotRecord, sqliteRows.health).value;
      assert.equal(health.degradation_detected, true);
      assert.equal(health.prediction_accuracy_trend, null);
      const alert = accept(alertRecord, sqliteRows.alert).value;
      assert.equal(alert.acknowledged, true);
      assert.equal(alert.acknowledged_at, 1792023000);
      assert.equal(accept(alertRecord, { ...sqliteRows.alert, acknowledged: 0 }).value.acknowledged, false);
      assert.equal(accept(alertRecord, { ...sqliteRows.alert, acknowledged: null }).value.acknowledged, false);
      const rule = accept(alertRuleRecord, sqliteRows.rule).value;
      assert.equal(rule.enabled, true);
      assert.deepEqual(rule.channels, ['console', 'file']);
      assert.equal(rule.conditions.min_value, 0);
      assert.equal(rule.last_triggered, 1790856000);
    });

    it('read JSON text and JSON values alike in drift and degradation rows', function () {
      const drift = accept(driftResultRecord, {
        timestamp: '2026-10-12 00:00:00.000000',
        feature_name: 'track_temp',
        drift_detected: 1,
        p_value: 0.001,
        baseline_stats: '{"mean": 30.1, "std": 2.5}',
        current_stats: { mean: 36.4, std: 2.7 },
      }).value;
      assert.equal(drift.drift_detected, true);
      assert.deepEqual(drift.baseline_stats, { mean: 30.1, std: 2.5 });
      assert.deepEqual(drift.current_stats, { mean: 36.4, std: 2.7 });
      assert.equal(drift.model_version, null);
      const analysis = accept(degradationAnalysisRecord, {
        timestamp: 1791763200,
        recommended_actions: '["Retrain the model"]',
        top_features: [['track_temp', 0.4]],
      }).value;
      assert.deepEqual(analysis.recommended_actions, ['Retrain the model']);
      assert.deepEqual(analysis.top_features, [['track_temp', 0.4]]);
      assert.deepEqual(
        refuse(degradationAnalysisRecord, { timestamp: 1791763200, error_patterns: '{"broken' }).map(
          (line) => line.split(':')[0],
        ),
        ['error_patterns'],
      );
    });

    it('read metric snapshots, outcomes and feature importance', function () {
      assert.equal(
        accept(metricSnapshotRecord, { timestamp: 1, model_version: 'v1.0', metric_name: 'accuracy', value: 0.8 }).value
          .status,
        null,
      );
      assert.equal(
        accept(performanceMetricRecord, { timestamp: 1, metric_name: 'accuracy', value: 0.8, window_size: 10 }).value
          .status,
        'normal',
      );
      assert.equal(
        accept(outcomeRecord, { prediction_id: 'p', actual_outcome: 0, timestamp: 2 }).value.actual_outcome,
        0,
      );
      assert.equal(
        accept(featureImportanceRecord, { timestamp: 1, feature_name: 'grid_position', rank: 1 }).value.rank,
        1,
      );
    });
  });

  describe('refusals name the field and the reason', function () {
    it('for NaN, Infinity and numbers out of range', function () {
      assert.deepEqual(refuse(predictionRecord, { ...goodPrediction(), confidence: NaN }), [
        'confidence: must be a finite number, not NaN',
      ]);
      assert.deepEqual(refuse(predictionRecord, { ...goodPrediction(), confidence: JSON.parse('1e999') }), [
        'confidence: must be a finite number, not Infinity',
      ]);
      assert.deepEqual(refuse(predictionRecord, { ...goodPrediction(), confidence: 1.5 }), [
        'confidence: must be between 0 and 1, not 1.5',
      ]);
      assert.deepEqual(refuse(predictionRecord, { ...goodPrediction(), confidence: -0.1 }), [
        'confidence: must be between 0 and 1, not -0.1',
      ]);
      assert.deepEqual(refuse(predictionRecord, { ...goodPrediction(), timestamp: 1e300 }), [
        'timestamp: must be a time between the years 1 and 9999, not 1e+300',
      ]);
      assert.deepEqual(refuse(healthSnapshotRecord, { ...sqliteRows.health, num_predictions: 1e20 }), [
        'num_predictions: must be a whole number ≥ 0, not 100000000000000000000',
      ]);
    });

    it('for a predicted outcome other than 0 or 1', function () {
      for (const outcome of [2, -1, 0.5, '1', true]) {
        const [problem] = refuse(predictionRecord, { ...goodPrediction(), predicted_outcome: outcome });
        assert.match(problem ?? '', /^predicted_outcome: must be one of 0, 1, not /);
      }
    });

    it('for every missing required field at once', function () {
      assert.deepEqual(refuse(predictionRecord, {}), [
        'timestamp: is missing',
        'model_version: is missing',
        'prediction_id: is missing',
        'predicted_outcome: is missing',
        'confidence: is missing',
        'features: is missing',
      ]);
    });

    it('for wrong types, an empty id and an unknown severity', function () {
      assert.deepEqual(refuse(predictionRecord, { ...goodPrediction(), model_version: 1, prediction_id: '' }), [
        'model_version: must be text, not 1',
        'prediction_id: must not be empty',
      ]);
      assert.deepEqual(refuse(alertRecord, { ...sqliteRows.alert, severity: 'fatal', acknowledged: 'yes' }), [
        'severity: must be one of "info", "warning", "critical", not "fatal"',
        'acknowledged: must be one of true, false, 0, 1, not "yes"',
      ]);
      assert.deepEqual(refuse(alertRuleRecord, { ...sqliteRows.rule, channels: '["file", "pager"]' }), [
        'channels.1: must be one of "console", "file", "email", "slack", "webhook", not "pager"',
      ]);
    });

    it('for features that are not flat numbers, text, booleans or nulls', function () {
      assert.deepEqual(refuse(predictionRecord, { ...goodPrediction(), features: { grid: [1, 2] } }), [
        'features.grid: must be a number, text, true/false or null, not an array',
      ]);
      assert.deepEqual(refuse(predictionRecord, { ...goodPrediction(), features: { temp: JSON.parse('-1e999') } }), [
        'features.temp: must be a finite number, not -Infinity',
      ]);
      assert.deepEqual(refuse(predictionRecord, { ...goodPrediction(), features: [1] }), [
        'features: must be a JSON object, not an array',
      ]);
      assert.match(
        refuse(predictionRecord, { ...goodPrediction(), features: '{nope' })[0] ?? '',
        /^features: must be JSON, but the text/,
      );
    });

    it('for a record that is not an object', function () {
      assert.deepEqual(refuse(predictionRecord, [1, 2]), [': must be a JSON object, not an array']);
      assert.deepEqual(refuse(predictionRecord, 'text'), [': must be a JSON object, not "text"']);
      assert.deepEqual(refuse(predictionRecord, null), [': must be a JSON object, not null']);
      assert.equal(
        describeIssue({ field: '', reason: 'must be a JSON object, not null' }),
        'the record must be a JSON object, not null',
      );
    });

    it('for metadata nested 100,000 deep, without recursing', function () {
      const deep = JSON.parse(`{"a": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`) as unknown;
      assert.deepEqual(refuse(predictionRecord, { ...goodPrediction(), metadata: deep }), [
        'metadata: nests arrays or objects deeper than 64 levels',
      ]);
      const text = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      assert.deepEqual(refuse(driftResultRecord, { timestamp: 1, feature_name: 'f', baseline_stats: text }), [
        'baseline_stats: nests arrays or objects deeper than 64 levels',
      ]);
    });
  });

  describe('hostile keys and layouts', function () {
    it('keeps a __proto__ key as data, in extra, without touching any prototype', function () {
      const input = JSON.parse(
        '{"__proto__": {"polluted": true}, "timestamp": 1, "model_version": "v", "prediction_id": "p", "predicted_outcome": 0, "confidence": 0.5, "features": {"__proto__": 3, "constructor": "x"}}',
      ) as unknown;
      const { value, layout, unknownKeys } = accept(predictionRecord, input);
      assert.deepEqual(unknownKeys, ['__proto__']);
      assert.deepEqual(Object.keys(layout.extra), ['__proto__']);
      assert.deepEqual(layout.extra['__proto__'], { polluted: true });
      assert.equal(Object.getPrototypeOf(value.features), null);
      assert.equal(value.features['__proto__'], 3);
      assert.equal(value.features['constructor'], 'x');
      assert.equal(
        value.features['toString'],
        undefined,
        'a feature a prediction lacks is undefined, whatever its name',
      );
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
      const rule = accept(alertRuleRecord, {
        ...sqliteRows.rule,
        conditions: '{"__proto__": {"min_value": 5}, "max_value": 1}',
      }).value;
      assert.equal(rule.conditions.min_value, undefined);
      assert.deepEqual(Object.keys(rule.conditions), ['__proto__', 'max_value']);
    });

    it('keeps key order and unknown keys in the layout, apart from the typed value', function () {
      const input = {
        alert_id: 'a',
        extra_field: [1],
        timestamp: 5,
        severity: 'info',
        title: null,
        message: null,
        metric_name: null,
        metric_value: null,
        threshold: null,
        component: null,
        model_version: null,
      };
      const { value, layout } = accept(alertRecord, input);
      assert.deepEqual(layout.keys, Object.keys(input));
      assert.deepEqual({ ...layout.extra }, { extra_field: [1] });
      assert.ok(!('extra_field' in value));
    });

    it('shares one layout between records spelled like the schema', function () {
      const [first, second] = sampleLines('alerts.jsonl').filter(
        (line) => (line as { acknowledged: boolean }).acknowledged === false,
      );
      assert.equal(accept(alertRecord, first).layout, accept(alertRecord, second).layout);
    });
  });
});

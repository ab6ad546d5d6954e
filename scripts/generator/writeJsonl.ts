/**
 * Writes the dataset as the Python file-based store writes it (`data/monitoring/`): the same
 * keys in the same order, `json.dumps` formatting, unix-float timestamps, `alert_<ms>` ids,
 * titles and messages from its `evaluate_rule`, and `alert_log.txt` from its file channel.
 * `outcomes.jsonl` is Pitwall's own file: one line per label, in arrival order.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RuleConditions } from '../../src/core/model/fields';
import { type PyJson, formatPythonFloat, pyFloat, toPythonJson } from '../../src/core/model/pythonJson';
import {
  toPythonAlert,
  toPythonHealthSnapshot,
  toPythonOutcome,
  toPythonPrediction,
  toPythonRule,
  toPythonRuleConditions,
} from '../../src/core/store/jsonl/pythonRecords';
import type { AlertRule } from './alerting';
import { writeFileAtomically } from './atomicFile';
import { type Alert, type Dataset, type HealthSnapshot, CIRCUITS, MODEL_VERSIONS, dayIndex, predictionId } from './dataset';
import { formatPythonFixed } from './pythonFormat';

export interface WrittenFile {
  path: string;
  /** Records written, by kind (e.g. `{ predictions: 50000 }`). */
  counts: Record<string, number>;
}

function conditionsOf(rule: AlertRule): RuleConditions {
  return {
    ...(rule.conditions.minValue === undefined ? {} : { min_value: rule.conditions.minValue }),
    ...(rule.conditions.maxValue === undefined ? {} : { max_value: rule.conditions.maxValue }),
  };
}

/** A rule's `conditions` object; the database's `conditions` column holds the same JSON. */
export function ruleConditionsToJson(rule: AlertRule): PyJson {
  return toPythonRuleConditions(conditionsOf(rule));
}

function ruleToJson(rule: AlertRule): PyJson {
  return toPythonRule({
    rule_id: rule.ruleId,
    metric_name: rule.metricName,
    metric_type: rule.metricType,
    threshold: rule.threshold,
    comparison: rule.comparison,
    severity: rule.severity,
    component: rule.component,
    enabled: rule.enabled,
    cooldown_minutes: rule.cooldownMinutes,
    channels: rule.channels,
    conditions: conditionsOf(rule),
  });
}

export function fileAlertTitle(alert: Alert): string {
  return `${alert.rule.component.toUpperCase()}: ${alert.rule.metricName} Alert`;
}

export function fileAlertMessage(alert: Alert): string {
  const { metricName, comparison, threshold } = alert.rule;
  return `${metricName} is ${formatPythonFixed(alert.metricValue, 4)} (${comparison} ${formatPythonFixed(threshold, 4)})`;
}

function alertToJson(alert: Alert): PyJson {
  return toPythonAlert({
    timestamp: alert.timestamp,
    alert_id: alert.fileAlertId,
    severity: alert.rule.severity,
    title: fileAlertTitle(alert),
    message: fileAlertMessage(alert),
    metric_name: alert.rule.metricName,
    metric_value: alert.metricValue,
    threshold: alert.rule.threshold,
    component: alert.rule.component,
    model_version: alert.modelVersion,
    acknowledged: alert.acknowledgedAt !== null,
    acknowledged_at: alert.acknowledgedAt,
    acknowledged_by: alert.acknowledgedBy,
  });
}

function snapshotToJson(snapshot: HealthSnapshot): PyJson {
  return toPythonHealthSnapshot({
    timestamp: snapshot.timestamp,
    model_version: snapshot.modelVersion,
    accuracy: snapshot.accuracy,
    precision: snapshot.precision,
    recall: snapshot.recall,
    f1_score: snapshot.f1Score,
    roc_auc: snapshot.rocAuc,
    expected_calibration_error: snapshot.expectedCalibrationError,
    num_predictions: snapshot.numPredictions,
    prediction_accuracy_trend: snapshot.predictionAccuracyTrend,
    degradation_detected: snapshot.degradationDetected,
  });
}

function writeLines<T>(path: string, items: Iterable<T>, toJson: (item: T) => PyJson): number {
  let count = 0;
  writeFileAtomically(path, (writer) => {
    for (const item of items) {
      writer.write(`${toPythonJson(toJson(item))}\n`);
      count++;
    }
  });
  return count;
}

function* range(count: number): Iterable<number> {
  for (let i = 0; i < count; i++) yield i;
}

/** Writes every file of the JSONL store into `directory` (created if missing). */
export function writeJsonlStore(dataset: Dataset, directory: string): WrittenFile[] {
  mkdirSync(directory, { recursive: true });
  const { predictions, timeline } = dataset;
  const written: WrittenFile[] = [];

  const predictionsPath = join(directory, 'predictions.jsonl');
  const predictionCount = writeLines(predictionsPath, range(predictions.count), (i) => {
    const timestamp = predictions.timestamp[i] as number;
    return toPythonPrediction({
      timestamp,
      model_version: MODEL_VERSIONS[predictions.version[i] as number] as string,
      prediction_id: predictionId(i),
      predicted_outcome: predictions.predicted[i] as 0 | 1,
      confidence: predictions.confidence[i] as number,
      // track_temp is a float in Python even when it happens to be whole.
      features: {
        grid_position: predictions.gridPosition[i] as number,
        track_temp: pyFloat(predictions.trackTemp[i] as number),
        circuit: CIRCUITS[predictions.circuit[i] as number] as string,
      },
      metadata: { race_id: dayIndex(timeline, timestamp), source: 'sim' },
    });
  });
  written.push({ path: predictionsPath, counts: { predictions: predictionCount } });

  const outcomesPath = join(directory, 'outcomes.jsonl');
  const outcomeCount = writeLines(outcomesPath, dataset.outcomeOrder, (i) =>
    toPythonOutcome({
      prediction_id: predictionId(i),
      actual_outcome: predictions.actual[i] as 0 | 1,
      timestamp: predictions.labelTime[i] as number,
    }),
  );
  written.push({ path: outcomesPath, counts: { outcomes: outcomeCount } });

  const snapshotsPath = join(directory, 'health_snapshots.jsonl');
  written.push({ path: snapshotsPath, counts: { 'health snapshots': writeLines(snapshotsPath, dataset.healthSnapshots, snapshotToJson) } });

  const alertsPath = join(directory, 'alerts.jsonl');
  const acknowledged = dataset.alerts.filter((alert) => alert.acknowledgedAt !== null).length;
  written.push({ path: alertsPath, counts: { alerts: writeLines(alertsPath, dataset.alerts, alertToJson), acknowledged } });

  // json.dump(rules, f, indent=2) writes no trailing newline.
  const rulesPath = join(directory, 'alert_rules.json');
  writeFileAtomically(rulesPath, (writer) => writer.write(toPythonJson(dataset.rules.map(ruleToJson), { indent: 2 })));
  written.push({ path: rulesPath, counts: { rules: dataset.rules.length } });

  const logPath = join(directory, 'alert_log.txt');
  let logged = 0;
  writeFileAtomically(logPath, (writer) => {
    for (const alert of dataset.alerts) {
      if (!alert.rule.channels.includes('file')) continue;
      writer.write(`[${formatPythonFloat(alert.timestamp)}] [${alert.rule.severity}] ${fileAlertTitle(alert)}\n`);
      writer.write(`  ${fileAlertMessage(alert)}\n\n`);
      logged++;
    }
  });
  written.push({ path: logPath, counts: { 'logged alerts': logged } });

  return written;
}

/**
 * Writes the dataset as the Python database-backed system stores it (SQLAlchemy on SQLite):
 * the DDL of the format sample's `schema.sql`, DateTime columns as `YYYY-MM-DD HH:MM:SS.ffffff`
 * text, `created_at` as `CURRENT_TIMESTAMP` text of the simulated insert time, JSON columns as
 * `json.dumps` text, booleans 0/1, UUID4 alert ids, and its own alert titles and messages.
 *
 * The database is built in memory with sql.js and exported to a brand-new file (temp, fsync,
 * rename), with the header marked WAL as `PRAGMA journal_mode=WAL` leaves it.
 */

import { existsSync } from 'node:fs';
import initSqlJs, { type Database, type SqlValue } from 'sql.js';
import { sqliteSchemaSql } from '../../src/core/store/sqlite/schema';
import { PitwallError } from '../../src/core/errors';
import { type PyJson, formatPythonFloat, pyFloat, toPythonJson } from '../../src/core/model/pythonJson';
import { writeFileAtomically } from './atomicFile';
import { type Alert, type Dataset, CIRCUITS, MODEL_VERSIONS, dayIndex, predictionId } from './dataset';
import type { DistributionStats } from './statistics';
import { formatSqlAlchemyDateTime, formatSqliteCurrentTimestamp } from './timeFormat';
import { type WrittenFile, ruleConditionsToJson } from './writeJsonl';

/** The single source of the database's DDL: the `.schema` of the Python system's sample. */

/** Header offsets 18 and 19: file format write / read version, 2 meaning WAL. */
const WAL_HEADER_OFFSETS = [18, 19] as const;

function statsToJson(stats: DistributionStats): PyJson {
  return {
    mean: pyFloat(stats.mean),
    std: pyFloat(stats.std),
    percentile_25: pyFloat(stats.percentile25),
    percentile_50: pyFloat(stats.percentile50),
    percentile_75: pyFloat(stats.percentile75),
  };
}

export function databaseAlertTitle(alert: Alert): string {
  return `${alert.rule.metricName} Alert`;
}

export function databaseAlertMessage(alert: Alert): string {
  return `${alert.rule.metricName} is ${formatPythonFloat(alert.metricValue)} (threshold: ${formatPythonFloat(alert.rule.threshold)})`;
}

function insertAll(db: Database, sql: string, rows: Iterable<SqlValue[]>): number {
  const statement = db.prepare(sql);
  let count = 0;
  try {
    for (const row of rows) {
      statement.run(row);
      count++;
    }
  } finally {
    statement.free();
  }
  return count;
}

function* predictionRows(dataset: Dataset): Iterable<SqlValue[]> {
  const { predictions, timeline } = dataset;
  for (let i = 0; i < predictions.count; i++) {
    const timestamp = predictions.timestamp[i] as number;
    const timestampText = formatSqlAlchemyDateTime(timestamp);
    const actual = predictions.actual[i] as number;
    const features = toPythonJson({
      grid_position: predictions.gridPosition[i] as number,
      track_temp: pyFloat(predictions.trackTemp[i] as number),
      circuit: CIRCUITS[predictions.circuit[i] as number] as string,
    });
    yield [
      timestampText,
      MODEL_VERSIONS[predictions.version[i] as number] as string,
      predictionId(i),
      predictions.predicted[i] as number,
      predictions.confidence[i] as number,
      actual < 0 ? null : actual,
      actual < 0 ? null : formatSqlAlchemyDateTime(predictions.labelTime[i] as number),
      features,
      toPythonJson({ race_id: dayIndex(timeline, timestamp), source: 'sim' }),
      timestampText.slice(0, 19),
    ];
  }
}

function fillDatabase(db: Database, dataset: Dataset): Record<string, number> {
  const { timeline } = dataset;
  const counts: Record<string, number> = {};

  counts.predictions = insertAll(
    db,
    `INSERT INTO predictions (timestamp, model_version, prediction_id, predicted_outcome, confidence,
       actual_outcome, actual_outcome_timestamp, features, extra_metadata, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    predictionRows(dataset),
  );
  counts.labelled = dataset.outcomeOrder.length;

  // The database API leaves prediction_accuracy_trend NULL.
  counts['health snapshots'] = insertAll(
    db,
    `INSERT INTO health_snapshots (timestamp, model_version, accuracy, precision, recall, f1_score, roc_auc,
       expected_calibration_error, num_predictions, prediction_accuracy_trend, degradation_detected, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
    dataset.healthSnapshots.map((s) => [
      formatSqlAlchemyDateTime(s.timestamp),
      s.modelVersion,
      s.accuracy,
      s.precision,
      s.recall,
      s.f1Score,
      s.rocAuc,
      s.expectedCalibrationError,
      s.numPredictions,
      s.degradationDetected ? 1 : 0,
      formatSqliteCurrentTimestamp(s.timestamp),
    ]),
  );

  counts.alerts = insertAll(
    db,
    `INSERT INTO alerts (alert_id, timestamp, severity, title, message, metric_name, metric_value, threshold,
       component, model_version, acknowledged, acknowledged_at, acknowledged_by, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    dataset.alerts.map((a) => [
      a.databaseAlertId,
      formatSqlAlchemyDateTime(a.timestamp),
      a.rule.severity,
      databaseAlertTitle(a),
      databaseAlertMessage(a),
      a.rule.metricName,
      a.metricValue,
      a.rule.threshold,
      a.rule.component,
      a.modelVersion,
      a.acknowledgedAt === null ? 0 : 1,
      a.acknowledgedAt === null ? null : formatSqlAlchemyDateTime(a.acknowledgedAt),
      a.acknowledgedBy,
      formatSqliteCurrentTimestamp(a.timestamp),
    ]),
  );

  // last_triggered keeps the cooldown; updated_at moves with it (SQLAlchemy onupdate=now()).
  const lastTriggered = new Map<string, number>();
  for (const alert of dataset.alerts) lastTriggered.set(alert.rule.ruleId, alert.timestamp);
  counts.rules = insertAll(
    db,
    `INSERT INTO alert_rules (rule_id, metric_name, metric_type, threshold, comparison, severity, component,
       enabled, cooldown_minutes, channels, conditions, last_triggered, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    dataset.rules.map((rule) => {
      const last = lastTriggered.get(rule.ruleId);
      return [
        rule.ruleId,
        rule.metricName,
        rule.metricType,
        rule.threshold,
        rule.comparison,
        rule.severity,
        rule.component,
        rule.enabled ? 1 : 0,
        rule.cooldownMinutes,
        toPythonJson([...rule.channels]),
        toPythonJson(ruleConditionsToJson(rule)),
        last === undefined ? null : formatSqlAlchemyDateTime(last),
        formatSqliteCurrentTimestamp(timeline.start),
        formatSqliteCurrentTimestamp(last ?? timeline.start),
      ];
    }),
  );

  counts['drift results'] = insertAll(
    db,
    `INSERT INTO drift_results (timestamp, feature_name, model_version, drift_detected, test_statistic, p_value,
       threshold, drift_type, baseline_stats, current_stats, severity, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    dataset.driftResults.map((d) => [
      formatSqlAlchemyDateTime(d.timestamp),
      d.featureName,
      d.modelVersion,
      d.driftDetected ? 1 : 0,
      d.testStatistic,
      d.pValue,
      d.threshold,
      d.driftType,
      toPythonJson(statsToJson(d.baselineStats)),
      toPythonJson(statsToJson(d.currentStats)),
      d.severity,
      formatSqliteCurrentTimestamp(d.timestamp),
    ]),
  );

  counts['degradation analyses'] = insertAll(
    db,
    `INSERT INTO degradation_analysis (timestamp, model_version, metric_name, baseline_value, current_value,
       degradation_percent, failure_cohort_size, top_features, error_patterns, recommended_actions, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    dataset.degradationAnalyses.map((d) => [
      formatSqlAlchemyDateTime(d.timestamp),
      d.modelVersion,
      d.metricName,
      d.baselineValue,
      d.currentValue,
      d.degradationPercent,
      d.failureCohortSize,
      toPythonJson(
        d.topFeatures.map((f) => ({
          feature_name: f.featureName,
          importance_score: pyFloat(f.importanceScore),
          shap_value: pyFloat(f.shapValue),
          percentage: pyFloat(f.percentage),
          rank: f.rank,
        })),
      ),
      toPythonJson({
        n_errors: d.errorPatterns.nErrors,
        error_rate: pyFloat(d.errorPatterns.errorRate),
        mean_prediction: pyFloat(d.errorPatterns.meanPrediction),
        std_prediction: pyFloat(d.errorPatterns.stdPrediction),
      }),
      toPythonJson(d.recommendedActions),
      formatSqliteCurrentTimestamp(d.timestamp),
    ]),
  );

  counts['metric snapshots'] = insertAll(
    db,
    `INSERT INTO metric_snapshots (timestamp, model_version, metric_name, value, window_size, threshold, status, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    dataset.metricSnapshots.map((m) => [
      formatSqlAlchemyDateTime(m.timestamp),
      m.modelVersion,
      m.metricName,
      m.value,
      m.windowSize,
      m.threshold,
      m.status,
      formatSqliteCurrentTimestamp(m.timestamp),
    ]),
  );
  return counts;
}

/** Builds `monitoring.db` at `path`, which must not be a database another process has open. */
export async function writeSqliteDatabase(dataset: Dataset, path: string): Promise<WrittenFile> {
  // A leftover -wal would be replayed onto the new file, and means a writer may be connected.
  for (const suffix of ['-wal', '-journal']) {
    if (existsSync(path + suffix)) {
      throw new PitwallError('conflict', `Refusing to replace ${path}: ${path}${suffix} exists, so a connection may still be open. Close it or choose another --out.`);
    }
  }
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  let bytes: Uint8Array;
  let counts: Record<string, number>;
  try {
    // Journal in memory: the file is private to this process until it is renamed into place.
    db.exec('PRAGMA journal_mode = MEMORY');
    db.exec(sqliteSchemaSql);
    db.exec('BEGIN');
    counts = fillDatabase(db, dataset);
    db.exec('COMMIT');
    bytes = db.export();
  } finally {
    db.close();
  }
  for (const offset of WAL_HEADER_OFFSETS) bytes[offset] = 2;
  writeFileAtomically(path, (writer) => writer.writeBytes(bytes));
  return { path, counts };
}

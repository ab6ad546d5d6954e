/**
 * Records as the Python file-based store writes them: its dataclasses' keys in their order,
 * floats marked as floats (a float timestamp prints `1790856000.0`, not `1790856000`), ints as
 * ints. Pitwall's own files (outcomes, acknowledgments, drift, degradation, importance) follow
 * the same conventions. `toPythonLine` then gives the exact `json.dumps(record)` line.
 */
import type { Acknowledgment } from '../../model/acknowledgment';
import type { Alert } from '../../model/alert';
import type { AlertRule } from '../../model/alertRule';
import type { DegradationAnalysis } from '../../model/degradationAnalysis';
import type { DriftResult } from '../../model/driftResult';
import type { FeatureImportance } from '../../model/featureImportance';
import type { RuleConditions } from '../../model/fields';
import type { HealthSnapshot } from '../../model/healthSnapshot';
import type { Outcome } from '../../model/outcome';
import type { PerformanceMetric } from '../../model/performanceMetric';
import type { Prediction } from '../../model/prediction';
import { pyFloat, toPythonJson, type PyFloat, type PyJson } from '../../model/pythonJson';

type PyObject = { readonly [key: string]: PyJson };

/**
 * A prediction whose free-form parts may carry PyFloat marks: a JSON number read back cannot
 * say whether Python held `30.0` or `30`, so a writer that knows (the demo generator) says so.
 */
export type PythonPrediction = Omit<Prediction, 'features' | 'metadata'> & {
  readonly features: PyObject;
  readonly metadata: PyJson;
};

/** The seed's AlertRule fields: the only keys alert_rules.json may hold for its Python loader. */
export type SeedRule = Pick<
  AlertRule,
  | 'rule_id'
  | 'metric_name'
  | 'metric_type'
  | 'threshold'
  | 'comparison'
  | 'severity'
  | 'component'
  | 'enabled'
  | 'cooldown_minutes'
  | 'channels'
  | 'conditions'
>;

function float(value: number): PyFloat;
function float(value: number | null): PyFloat | null;
function float(value: number | null): PyFloat | null {
  return value === null ? null : pyFloat(value);
}

/** `json.dumps(value)` and the newline that ends a JSONL record. */
export function toPythonLine(value: PyJson): string {
  return `${toPythonJson(value)}\n`;
}

export function toPythonPrediction(prediction: PythonPrediction): PyJson {
  return {
    timestamp: pyFloat(prediction.timestamp),
    model_version: prediction.model_version,
    prediction_id: prediction.prediction_id,
    predicted_outcome: prediction.predicted_outcome,
    confidence: pyFloat(prediction.confidence),
    features: prediction.features,
    metadata: prediction.metadata,
  };
}

export function toPythonOutcome(outcome: Outcome): PyJson {
  return {
    prediction_id: outcome.prediction_id,
    actual_outcome: outcome.actual_outcome,
    timestamp: pyFloat(outcome.timestamp),
  };
}

export function toPythonHealthSnapshot(snapshot: HealthSnapshot): PyJson {
  return {
    timestamp: pyFloat(snapshot.timestamp),
    model_version: snapshot.model_version,
    accuracy: float(snapshot.accuracy),
    precision: float(snapshot.precision),
    recall: float(snapshot.recall),
    f1_score: float(snapshot.f1_score),
    roc_auc: float(snapshot.roc_auc),
    expected_calibration_error: float(snapshot.expected_calibration_error),
    num_predictions: snapshot.num_predictions,
    prediction_accuracy_trend: float(snapshot.prediction_accuracy_trend),
    degradation_detected: snapshot.degradation_detected,
  };
}

export function toPythonPerformanceMetric(metric: PerformanceMetric): PyJson {
  return {
    timestamp: pyFloat(metric.timestamp),
    metric_name: metric.metric_name,
    value: pyFloat(metric.value),
    window_size: metric.window_size,
    threshold: float(metric.threshold),
    status: metric.status,
  };
}

export function toPythonAlert(alert: Alert): PyJson {
  return {
    timestamp: pyFloat(alert.timestamp),
    alert_id: alert.alert_id,
    severity: alert.severity,
    title: alert.title,
    message: alert.message,
    metric_name: alert.metric_name,
    metric_value: float(alert.metric_value),
    threshold: float(alert.threshold),
    component: alert.component,
    model_version: alert.model_version,
    acknowledged: alert.acknowledged,
    acknowledged_at: float(alert.acknowledged_at),
    acknowledged_by: alert.acknowledged_by,
  };
}

/** A rule's conditions: `min_value` and `max_value` are floats in Python; other keys pass as they are. */
export function toPythonRuleConditions(conditions: RuleConditions): PyJson {
  const out = new Map<string, PyJson>();
  for (const [key, value] of Object.entries(conditions)) {
    if (value === undefined) continue;
    out.set(key, (key === 'min_value' || key === 'max_value') && typeof value === 'number' ? pyFloat(value) : value);
  }
  return out;
}

/** A rule with the seed's keys only, in its order: Pitwall's own rule fields live elsewhere. */
export function toPythonRule(rule: SeedRule): PyJson {
  return {
    rule_id: rule.rule_id,
    metric_name: rule.metric_name,
    metric_type: rule.metric_type,
    threshold: pyFloat(rule.threshold),
    comparison: rule.comparison,
    severity: rule.severity,
    component: rule.component,
    enabled: rule.enabled,
    cooldown_minutes: rule.cooldown_minutes,
    channels: [...rule.channels],
    conditions: toPythonRuleConditions(rule.conditions),
  };
}

export function toPythonDriftResult(result: DriftResult): PyJson {
  return {
    timestamp: pyFloat(result.timestamp),
    feature_name: result.feature_name,
    model_version: result.model_version,
    drift_detected: result.drift_detected,
    test_statistic: float(result.test_statistic),
    p_value: float(result.p_value),
    threshold: float(result.threshold),
    drift_type: result.drift_type,
    baseline_stats: result.baseline_stats,
    current_stats: result.current_stats,
    severity: result.severity,
  };
}

export function toPythonDegradationAnalysis(analysis: DegradationAnalysis): PyJson {
  return {
    timestamp: pyFloat(analysis.timestamp),
    model_version: analysis.model_version,
    metric_name: analysis.metric_name,
    baseline_value: float(analysis.baseline_value),
    current_value: float(analysis.current_value),
    degradation_percent: float(analysis.degradation_percent),
    failure_cohort_size: analysis.failure_cohort_size,
    top_features: analysis.top_features,
    error_patterns: analysis.error_patterns,
    recommended_actions: analysis.recommended_actions,
  };
}

export function toPythonFeatureImportance(importance: FeatureImportance): PyJson {
  return {
    timestamp: pyFloat(importance.timestamp),
    model_version: importance.model_version,
    feature_name: importance.feature_name,
    importance_score: float(importance.importance_score),
    shap_value: float(importance.shap_value),
    percentage: float(importance.percentage),
    rank: importance.rank,
  };
}

export function toPythonAcknowledgment(acknowledgment: Acknowledgment): PyJson {
  return {
    alert_key: acknowledgment.alert_key,
    alert_id: acknowledgment.alert_id,
    acknowledged_at: pyFloat(acknowledgment.acknowledged_at),
    acknowledged_by: acknowledgment.acknowledged_by,
    comment: acknowledgment.comment,
  };
}

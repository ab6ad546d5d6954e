/**
 * Builds the simulated deployment's records, independent of any file format: predictions
 * (columnar, so a million of them stay small), delayed and partial ground truth, health
 * snapshots every 6 hours per model version, the alerts the rules fired and who acknowledged
 * them, and the database-only drift, degradation and metric records.
 *
 * The story: v1.0 is calibrated (accuracy about 0.8) apart from a six-hour incident early on;
 * v1.1 matches it until the degradation day (day 10 of 14), when `features.track_temp` drifts
 * up by several degrees and v1.1 turns over-confident and much less accurate.
 */

import { ALERT_RULES, ruleFires, type AlertRule } from './alerting';
import { formatPythonFixed } from './pythonFormat';
import { Random } from './random';
import { CalibrationBins, PsiBaseline, describeDistribution, rocAuc, type DistributionStats } from './statistics';

export const MODEL_VERSIONS = ['v1.0', 'v1.1'] as const;
export const CIRCUITS = ['monza', 'spa', 'suzuka', 'interlagos'] as const;
/** Circuits differ in typical track temperature, so the feature is not one flat normal. */
const CIRCUIT_TEMPERATURE = [30.5, 24.5, 28, 29.5] as const;

export const HOUR = 3600;
export const DAY = 86400;
export const SNAPSHOT_INTERVAL = 6 * HOUR;
const METRIC_WINDOW = DAY;
/** Below this many labelled predictions the service does not evaluate rules or drift. */
const MIN_SAMPLES = 30;
const LABEL_RATE = 0.75;
const DRIFT_SHIFT = 8.5;
const DEGRADED_ACCURACY_THRESHOLD = 0.7;

/** Separate PRNG streams per purpose (see Random). */
const STREAM = { traffic: 1, predictions: 2, labels: 3, evaluation: 4, acknowledgments: 5, uuids: 6 } as const;

export interface DatasetOptions {
  predictions: number;
  seed: number;
  /** Unix seconds. */
  start: number;
  days: number;
}

export interface Timeline {
  start: number;
  /** The simulated "now" at which the data is written. */
  end: number;
  degradationStart: number;
  /** A six-hour dip in v1.0's accuracy, so that the healthy period is not alert-free. */
  incident: { start: number; end: number } | null;
  /** Drift baselines use each version's predictions before this time. */
  baselineEnd: number;
}

export interface PredictionColumns {
  count: number;
  timestamp: Float64Array;
  /** Index into MODEL_VERSIONS. */
  version: Uint8Array;
  /** Index into CIRCUITS. */
  circuit: Uint8Array;
  gridPosition: Uint8Array;
  trackTemp: Float64Array;
  predicted: Uint8Array;
  confidence: Float64Array;
  /** Ground truth as known at the end: -1 when no label had arrived by then. */
  actual: Int8Array;
  /** When the label arrived (unix seconds); NaN when none did. */
  labelTime: Float64Array;
}

export interface HealthSnapshot {
  timestamp: number;
  modelVersion: string;
  accuracy: number;
  precision: number;
  recall: number;
  f1Score: number;
  rocAuc: number | null;
  expectedCalibrationError: number;
  numPredictions: number;
  predictionAccuracyTrend: number;
  degradationDetected: boolean;
}

export interface Alert {
  timestamp: number;
  /** The file store's id, `alert_<unix ms>`. */
  fileAlertId: string;
  /** The database's id, a UUID4. */
  databaseAlertId: string;
  rule: AlertRule;
  modelVersion: string;
  metricValue: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
}

export interface MetricSnapshot {
  timestamp: number;
  modelVersion: string;
  metricName: string;
  value: number;
  windowSize: number;
  threshold: number | null;
  status: 'normal' | 'warning' | 'alert';
}

export interface DriftResult {
  timestamp: number;
  featureName: string;
  modelVersion: string;
  driftDetected: boolean;
  testStatistic: number;
  pValue: number;
  threshold: number;
  driftType: 'psi';
  baselineStats: DistributionStats;
  currentStats: DistributionStats;
  severity: 'low' | 'medium' | 'high';
}

export interface FeatureImportance {
  featureName: string;
  importanceScore: number;
  shapValue: number;
  percentage: number;
  rank: number;
}

export interface DegradationAnalysis {
  timestamp: number;
  modelVersion: string;
  metricName: string;
  baselineValue: number;
  currentValue: number;
  degradationPercent: number;
  failureCohortSize: number;
  topFeatures: FeatureImportance[];
  errorPatterns: { nErrors: number; errorRate: number; meanPrediction: number; stdPrediction: number };
  recommendedActions: string[];
}

export interface Dataset {
  options: DatasetOptions;
  timeline: Timeline;
  predictions: PredictionColumns;
  /** Indices of labelled predictions in the order their labels arrived. */
  outcomeOrder: Uint32Array;
  healthSnapshots: HealthSnapshot[];
  rules: readonly AlertRule[];
  alerts: Alert[];
  metricSnapshots: MetricSnapshot[];
  driftResults: DriftResult[];
  degradationAnalyses: DegradationAnalysis[];
}

export function predictionId(index: number): string {
  return `pred-${String(index).padStart(7, '0')}`;
}

/** The day of the simulation a time falls in, from 0; the predictions' `race_id`. */
export function dayIndex(timeline: Timeline, time: number): number {
  return Math.floor((time - timeline.start) / DAY);
}

function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** First index whose timestamp is >= time. */
function lowerBound(timestamps: Float64Array, time: number): number {
  let lo = 0;
  let hi = timestamps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((timestamps[mid] as number) < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function buildTimeline(options: DatasetOptions): Timeline {
  const { start, days } = options;
  const degradationDay = Math.max(1, Math.round((days * 10) / 14));
  const incidentDay = Math.round((days * 4) / 14);
  const incident =
    days >= 7 && incidentDay < degradationDay - 1
      ? { start: start + incidentDay * DAY + 6 * HOUR, end: start + incidentDay * DAY + 12 * HOUR }
      : null;
  return {
    start,
    end: start + days * DAY,
    degradationStart: start + degradationDay * DAY,
    incident,
    baselineEnd: start + (degradationDay >= 3 ? 2 : 1) * DAY,
  };
}

/** Sorted prediction times: more traffic in the afternoon (UTC), each day a little different. */
function generateTimestamps(random: Random, count: number, timeline: Timeline): Float64Array {
  const hours = Math.round((timeline.end - timeline.start) / HOUR);
  const weights = new Float64Array(hours);
  let total = 0;
  let dayFactor = 1;
  for (let h = 0; h < hours; h++) {
    if (h % 24 === 0) dayFactor = 0.85 + 0.3 * random.next();
    const hourOfDay = new Date((timeline.start + h * HOUR) * 1000).getUTCHours();
    const weight = dayFactor * (1 + 0.5 * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24));
    weights[h] = weight;
    total += weight;
  }
  const timestamps = new Float64Array(count);
  let written = 0;
  let cumulative = 0;
  for (let h = 0; h < hours; h++) {
    cumulative += weights[h] as number;
    const upTo = h === hours - 1 ? count : Math.round((count * cumulative) / total);
    const offsets = new Float64Array(upTo - written);
    for (let k = 0; k < offsets.length; k++) offsets[k] = random.nextDouble();
    offsets.sort();
    for (let k = 0; k < offsets.length; k++) timestamps[written + k] = timeline.start + (h + (offsets[k] as number)) * HOUR;
    written = upTo;
  }
  return timestamps;
}

function generatePredictions(options: DatasetOptions, timeline: Timeline): PredictionColumns {
  const count = options.predictions;
  const timestamp = generateTimestamps(new Random(options.seed, STREAM.traffic), count, timeline);
  const columns: PredictionColumns = {
    count,
    timestamp,
    version: new Uint8Array(count),
    circuit: new Uint8Array(count),
    gridPosition: new Uint8Array(count),
    trackTemp: new Float64Array(count),
    predicted: new Uint8Array(count),
    confidence: new Float64Array(count),
    actual: new Int8Array(count),
    labelTime: new Float64Array(count),
  };
  const random = new Random(options.seed, STREAM.predictions);
  const labels = new Random(options.seed, STREAM.labels);
  const { incident } = timeline;
  for (let i = 0; i < count; i++) {
    const t = timestamp[i] as number;
    const version = random.next() < 0.5 ? 0 : 1;
    const circuit = random.int(0, CIRCUITS.length - 1);
    const grid = random.int(1, 20);
    // v1.1's degradation ramps in over six hours rather than switching at midnight.
    const intensity = version === 1 ? clamp01((t - timeline.degradationStart) / (6 * HOUR)) : 0;
    const temperature = roundTo((CIRCUIT_TEMPERATURE[circuit] as number) + DRIFT_SHIFT * intensity + 3.5 * random.normal(), 3);
    const predicted = random.next() < 1 / (1 + Math.exp((grid - 10.5) / 3)) ? 1 : 0;
    // Hot tracks, outside what v1.1 was trained on, are where it fails.
    const degraded = random.next() < intensity * clamp01((temperature - 28) / 6);
    const sharpness = degraded ? 4.5 : version === 0 ? 1.6 : 1.8;
    const confidence = roundTo(0.5 + 0.49 * (1 - Math.pow(1 - random.next(), sharpness)), 6);
    let pCorrect = degraded ? 0.4 + (0.2 * (confidence - 0.5)) / 0.49 : confidence;
    if (incident && version === 0 && t >= incident.start && t < incident.end) pCorrect -= 0.22;
    const truth = random.next() < pCorrect ? predicted : 1 - predicted;

    const labelled = labels.next() < LABEL_RATE;
    const delayHours = Math.min(72, 0.75 + 13 * Math.exp(0.6 * labels.normal()));
    const arrival = t + delayHours * HOUR;

    columns.version[i] = version;
    columns.circuit[i] = circuit;
    columns.gridPosition[i] = grid;
    columns.trackTemp[i] = temperature;
    columns.predicted[i] = predicted;
    columns.confidence[i] = confidence;
    if (labelled && arrival <= timeline.end) {
      columns.actual[i] = truth;
      columns.labelTime[i] = arrival;
    } else {
      columns.actual[i] = -1;
      columns.labelTime[i] = NaN;
    }
  }
  return columns;
}

function orderOutcomes(predictions: PredictionColumns): Uint32Array {
  const labelled: number[] = [];
  for (let i = 0; i < predictions.count; i++) if ((predictions.actual[i] as number) >= 0) labelled.push(i);
  const time = predictions.labelTime;
  labelled.sort((a, b) => (time[a] as number) - (time[b] as number) || a - b);
  return Uint32Array.from(labelled);
}

/** Everything the service computes over one model version's window. */
interface WindowStats {
  all: number;
  confidenceSum: number;
  labelled: number;
  correct: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  bins: CalibrationBins;
  positiveScores: Float64Array;
  negativeScores: Float64Array;
  temperatures: Float64Array;
  grids: Float64Array;
}

/** Stats per model version over predictions in [from, to) whose labels were known at `to`. */
function windowStats(predictions: PredictionColumns, from: number, to: number): WindowStats[] {
  const lo = lowerBound(predictions.timestamp, from);
  const hi = lowerBound(predictions.timestamp, to);
  const size = hi - lo;
  const stats = MODEL_VERSIONS.map(() => ({
    all: 0,
    confidenceSum: 0,
    labelled: 0,
    correct: 0,
    truePositives: 0,
    falsePositives: 0,
    falseNegatives: 0,
    bins: new CalibrationBins(),
    positives: 0,
    negatives: 0,
    positiveScores: new Float64Array(size),
    negativeScores: new Float64Array(size),
    temperatures: new Float64Array(size),
    grids: new Float64Array(size),
  }));
  for (let i = lo; i < hi; i++) {
    const s = stats[predictions.version[i] as number];
    if (!s) continue;
    const confidence = predictions.confidence[i] as number;
    s.temperatures[s.all] = predictions.trackTemp[i] as number;
    s.grids[s.all] = predictions.gridPosition[i] as number;
    s.all++;
    s.confidenceSum += confidence;
    const actual = predictions.actual[i] as number;
    if (actual < 0 || !((predictions.labelTime[i] as number) <= to)) continue;
    const predicted = predictions.predicted[i] as number;
    s.labelled++;
    if (actual === predicted) s.correct++;
    if (predicted === 1 && actual === 1) s.truePositives++;
    if (predicted === 1 && actual === 0) s.falsePositives++;
    if (predicted === 0 && actual === 1) s.falseNegatives++;
    s.bins.add(confidence, actual === predicted);
    const scoreOfPositive = predicted === 1 ? confidence : 1 - confidence;
    if (actual === 1) s.positiveScores[s.positives++] = scoreOfPositive;
    else s.negativeScores[s.negatives++] = scoreOfPositive;
  }
  return stats.map((s) => ({
    ...s,
    positiveScores: s.positiveScores.subarray(0, s.positives),
    negativeScores: s.negativeScores.subarray(0, s.negatives),
    temperatures: s.temperatures.subarray(0, s.all),
    grids: s.grids.subarray(0, s.all),
  }));
}

function toHealthSnapshot(time: number, version: string, s: WindowStats, previousAccuracy: number | undefined): HealthSnapshot {
  const accuracy = s.correct / s.labelled;
  const predictedPositive = s.truePositives + s.falsePositives;
  const actualPositive = s.truePositives + s.falseNegatives;
  const precision = predictedPositive > 0 ? s.truePositives / predictedPositive : 0;
  const recall = actualPositive > 0 ? s.truePositives / actualPositive : 0;
  return {
    timestamp: time,
    modelVersion: version,
    accuracy,
    precision,
    recall,
    f1Score: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    rocAuc: rocAuc(s.positiveScores, s.negativeScores),
    expectedCalibrationError: s.bins.expectedCalibrationError(),
    numPredictions: s.labelled,
    predictionAccuracyTrend: previousAccuracy === undefined ? 0 : accuracy - previousAccuracy,
    degradationDetected: accuracy < DEGRADED_ACCURACY_THRESHOLD,
  };
}

function metricSnapshotsOf(snapshot: HealthSnapshot, avgConfidence: number): MetricSnapshot[] {
  const base = { timestamp: snapshot.timestamp, modelVersion: snapshot.modelVersion, windowSize: METRIC_WINDOW / 60 };
  const accuracy = snapshot.accuracy;
  const ece = snapshot.expectedCalibrationError;
  return [
    { ...base, metricName: 'accuracy', value: accuracy, threshold: 0.7, status: accuracy < 0.7 ? 'alert' : accuracy < 0.78 ? 'warning' : 'normal' },
    { ...base, metricName: 'avg_confidence', value: avgConfidence, threshold: 0.6, status: avgConfidence < 0.6 ? 'alert' : 'normal' },
    { ...base, metricName: 'expected_calibration_error', value: ece, threshold: 0.1, status: ece > 0.1 ? 'alert' : ece > 0.05 ? 'warning' : 'normal' },
  ];
}

/** Each version's feature values before the baseline cut-off, for drift. */
function driftBaselines(predictions: PredictionColumns, timeline: Timeline) {
  const stats = windowStats(predictions, timeline.start, timeline.baselineEnd);
  return stats.map((s) => ({
    trackTemp: s.temperatures.length > 0 ? { psi: new PsiBaseline(s.temperatures), values: s.temperatures } : null,
    gridPosition: s.grids.length > 0 ? { psi: new PsiBaseline(s.grids), values: s.grids } : null,
  }));
}

interface Evaluation {
  healthSnapshots: HealthSnapshot[];
  metricSnapshots: MetricSnapshot[];
  alerts: Alert[];
}

/**
 * Every 6 hours: a health snapshot per model version over the last 24 hours of labelled
 * predictions, then each rule evaluated against it, as the service's scheduler would.
 */
function evaluateSchedule(options: DatasetOptions, timeline: Timeline, predictions: PredictionColumns): Evaluation {
  const clock = new Random(options.seed, STREAM.evaluation);
  const uuids = new Random(options.seed, STREAM.uuids);
  const baselines = driftBaselines(predictions, timeline);
  const result: Evaluation = { healthSnapshots: [], metricSnapshots: [], alerts: [] };
  const previousAccuracy = new Map<string, number>();
  const lastFired = new Map<string, number>();
  let lastAlertMillis = -Infinity;
  for (let time = timeline.start + SNAPSHOT_INTERVAL; time <= timeline.end; time += SNAPSHOT_INTERVAL) {
    const stats = windowStats(predictions, time - METRIC_WINDOW, time);
    // The evaluation job runs a moment after the snapshot time and takes a few ms per rule.
    let now = time + 0.4 + 2 * clock.next();
    MODEL_VERSIONS.forEach((version, v) => {
      const s = stats[v] as WindowStats;
      if (s.labelled === 0) return;
      const snapshot = toHealthSnapshot(time, version, s, previousAccuracy.get(version));
      previousAccuracy.set(version, snapshot.accuracy);
      result.healthSnapshots.push(snapshot);
      const avgConfidence = s.confidenceSum / s.all;
      result.metricSnapshots.push(...metricSnapshotsOf(snapshot, avgConfidence));
      if (s.labelled < MIN_SAMPLES) return;
      const baseline = baselines[v]?.trackTemp;
      const metrics: Record<string, number | null> = {
        accuracy: snapshot.accuracy,
        precision: snapshot.precision,
        recall: snapshot.recall,
        f1_score: snapshot.f1Score,
        roc_auc: snapshot.rocAuc,
        expected_calibration_error: snapshot.expectedCalibrationError,
        avg_confidence: avgConfidence,
        num_predictions: s.all,
        degradation_detected: snapshot.degradationDetected ? 1 : 0,
        track_temp_psi: baseline && time > timeline.baselineEnd && s.all >= MIN_SAMPLES ? baseline.psi.psi(s.temperatures) : null,
      };
      for (const rule of ALERT_RULES) {
        now += 0.002 + 0.018 * clock.next();
        const value = metrics[rule.metricName];
        if (value === null || value === undefined || Number.isNaN(value)) continue;
        if (!ruleFires(rule, value, now, lastFired.get(rule.ruleId))) continue;
        // The file store's ids are unix milliseconds; keep them unique.
        while (Math.trunc(now * 1000) <= lastAlertMillis) now += 0.001;
        lastAlertMillis = Math.trunc(now * 1000);
        lastFired.set(rule.ruleId, now);
        result.alerts.push({
          timestamp: now,
          fileAlertId: `alert_${lastAlertMillis}`,
          databaseAlertId: uuids.uuid4(),
          rule,
          modelVersion: version,
          metricValue: value,
          acknowledgedAt: null,
          acknowledgedBy: null,
        });
      }
    });
  }
  return result;
}

const ACKNOWLEDGERS = ['oncall@example.com', 'oncall@example.com', 'ml-platform@example.com', 'alice@example.com'] as const;
const ACKNOWLEDGE = {
  critical: { probability: 0.75, medianMinutes: 20 },
  warning: { probability: 0.5, medianMinutes: 90 },
  info: { probability: 0.25, medianMinutes: 300 },
} as const;

/** Some alerts get acknowledged, critical ones sooner and more often; none after the end. */
function acknowledgeAlerts(options: DatasetOptions, timeline: Timeline, alerts: Alert[]): void {
  const random = new Random(options.seed, STREAM.acknowledgments);
  for (const alert of alerts) {
    const policy = ACKNOWLEDGE[alert.rule.severity];
    const wanted = random.next() < policy.probability;
    const delayMinutes = policy.medianMinutes * Math.exp(0.8 * random.normal());
    const by = random.pick(ACKNOWLEDGERS);
    const at = alert.timestamp + delayMinutes * 60;
    if (wanted && at < timeline.end) {
      alert.acknowledgedAt = at;
      alert.acknowledgedBy = by;
    }
  }
}

function severityOfPsi(psi: number): DriftResult['severity'] {
  return psi > 0.25 ? 'high' : psi > 0.15 ? 'medium' : 'low';
}

/** The nightly drift job: PSI of each numeric feature over the last day against the baseline. */
function computeDriftResults(timeline: Timeline, predictions: PredictionColumns): DriftResult[] {
  const baselines = driftBaselines(predictions, timeline);
  const results: DriftResult[] = [];
  for (let time = timeline.baselineEnd + DAY; time <= timeline.end; time += DAY) {
    const stats = windowStats(predictions, time - DAY, time);
    MODEL_VERSIONS.forEach((version, v) => {
      const s = stats[v] as WindowStats;
      const baseline = baselines[v];
      if (!baseline || s.all < MIN_SAMPLES) return;
      const features = [
        ['grid_position', baseline.gridPosition, s.grids],
        ['track_temp', baseline.trackTemp, s.temperatures],
      ] as const;
      for (const [featureName, reference, current] of features) {
        if (!reference) continue;
        const psi = reference.psi.psi(current);
        if (Number.isNaN(psi)) continue;
        results.push({
          timestamp: time,
          featureName,
          modelVersion: version,
          driftDetected: psi > 0.2,
          testStatistic: psi,
          pValue: 0,
          threshold: 0.2,
          driftType: 'psi',
          baselineStats: describeDistribution(reference.values),
          currentStats: describeDistribution(current),
          severity: severityOfPsi(psi),
        });
      }
    });
  }
  return results;
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length === 0 ? 0 : sum / values.length;
}

/** Sample standard deviation, as pandas' `std()`. */
function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let squares = 0;
  for (const v of values) squares += (v - m) * (v - m);
  return Math.sqrt(squares / (values.length - 1));
}

/**
 * Daily, for a version whose last-day accuracy fell more than 10% below its accuracy before the
 * degradation day: how much, which features separate its errors, and what to do.
 */
function computeDegradationAnalyses(timeline: Timeline, predictions: PredictionColumns): DegradationAnalysis[] {
  const analyses: DegradationAnalysis[] = [];
  const { timestamp, version, actual, labelTime, predicted, confidence, trackTemp, gridPosition, circuit } = predictions;
  for (let time = timeline.degradationStart + DAY; time <= timeline.end; time += DAY) {
    MODEL_VERSIONS.forEach((name, v) => {
      let baselineLabelled = 0;
      let baselineCorrect = 0;
      const windowStart = lowerBound(timestamp, time - DAY);
      const windowEnd = lowerBound(timestamp, time);
      const baselineEnd = lowerBound(timestamp, timeline.degradationStart);
      for (let i = 0; i < baselineEnd; i++) {
        if (version[i] !== v || (actual[i] as number) < 0 || !((labelTime[i] as number) <= time)) continue;
        baselineLabelled++;
        if (actual[i] === predicted[i]) baselineCorrect++;
      }
      const errors: number[] = [];
      const correct: number[] = [];
      for (let i = windowStart; i < windowEnd; i++) {
        if (version[i] !== v || (actual[i] as number) < 0 || !((labelTime[i] as number) <= time)) continue;
        (actual[i] === predicted[i] ? correct : errors).push(i);
      }
      const labelled = errors.length + correct.length;
      if (baselineLabelled < MIN_SAMPLES || labelled < MIN_SAMPLES) return;
      const baselineValue = baselineCorrect / baselineLabelled;
      const currentValue = correct.length / labelled;
      if (currentValue >= 0.9 * baselineValue) return;
      const degradationPercent = ((baselineValue - currentValue) / baselineValue) * 100;
      const topFeatures = rankFeatures(errors, correct, { trackTemp, gridPosition, circuit });
      const errorConfidences = errors.map((i) => confidence[i] as number);
      const actions: string[] = [];
      if (degradationPercent > 10) {
        actions.push(`Critical: accuracy degraded ${formatPythonFixed(degradationPercent, 1)}%. Investigate immediately.`);
      }
      actions.push(`Focus on features: ${topFeatures.map((f) => f.featureName).join(', ')}. These are driving performance issues.`);
      if (errors.length > 10) actions.push('High error rate detected. Consider retraining or data quality checks.');
      analyses.push({
        timestamp: time,
        modelVersion: name,
        metricName: 'accuracy',
        baselineValue,
        currentValue,
        degradationPercent,
        failureCohortSize: errors.length,
        topFeatures,
        errorPatterns: {
          nErrors: errors.length,
          errorRate: (errors.length / labelled) * 100,
          meanPrediction: mean(errorConfidences),
          stdPrediction: sampleStd(errorConfidences),
        },
        recommendedActions: actions,
      });
    });
  }
  return analyses;
}

/**
 * How strongly each feature separates errors from correct predictions: the standardized mean
 * difference for numeric features, the largest per-circuit error-rate gap for the circuit.
 */
function rankFeatures(
  errors: readonly number[],
  correct: readonly number[],
  columns: { trackTemp: Float64Array; gridPosition: Uint8Array; circuit: Uint8Array },
): FeatureImportance[] {
  const all = [...errors, ...correct];
  const numeric = (column: ArrayLike<number>) => {
    const std = sampleStd(all.map((i) => column[i] as number)) || 1;
    return Math.abs(mean(errors.map((i) => column[i] as number)) - mean(correct.map((i) => column[i] as number))) / std;
  };
  const errorRate = errors.length / all.length;
  let circuitGap = 0;
  CIRCUITS.forEach((_, c) => {
    const inCircuit = all.filter((i) => columns.circuit[i] === c);
    if (inCircuit.length === 0) return;
    const rate = errors.filter((i) => columns.circuit[i] === c).length / inCircuit.length;
    circuitGap = Math.max(circuitGap, Math.abs(rate - errorRate));
  });
  const scores: Array<[string, number]> = [
    ['track_temp', numeric(columns.trackTemp)],
    ['grid_position', numeric(columns.gridPosition)],
    ['circuit', circuitGap],
  ];
  scores.sort((a, b) => b[1] - a[1]);
  const total = scores.reduce((sum, [, score]) => sum + score, 0);
  return scores.map(([featureName, score], index) => ({
    featureName,
    importanceScore: score,
    shapValue: score,
    percentage: total > 0 ? (score / total) * 100 : 0,
    rank: index + 1,
  }));
}

/** The whole simulated deployment for the given options; deterministic in them. */
export function buildDataset(options: DatasetOptions): Dataset {
  const timeline = buildTimeline(options);
  const predictions = generatePredictions(options, timeline);
  const evaluation = evaluateSchedule(options, timeline, predictions);
  acknowledgeAlerts(options, timeline, evaluation.alerts);
  return {
    options,
    timeline,
    predictions,
    outcomeOrder: orderOutcomes(predictions),
    healthSnapshots: evaluation.healthSnapshots,
    rules: ALERT_RULES,
    alerts: evaluation.alerts,
    metricSnapshots: evaluation.metricSnapshots,
    driftResults: computeDriftResults(timeline, predictions),
    degradationAnalyses: computeDegradationAnalyses(timeline, predictions),
  };
}

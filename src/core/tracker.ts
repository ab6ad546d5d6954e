/**
 * ModelPerformanceTracker: the seed's API over any Store, with its defects fixed — accuracy
 * comes from recorded ground truth (never from confidence), calibration is a real ECE with
 * per-bin accuracy, outcomes are persisted, predictions are validated and unique.
 */
import {
  accuracyOf,
  calibrationOf,
  confidenceStatistics,
  confusion,
  type Calibration,
  type ConfidenceStatistics,
} from './analytics/classification';
import { PitwallError } from './errors';
import { messages } from './messages';
import { HealthSnapshotSchema, type HealthSnapshot } from './model/healthSnapshot';
import { PredictionSchema, type Prediction } from './model/prediction';
import type { Store } from './store/store';

/** The clock, in float seconds since the epoch; injectable so windows are testable. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now() / 1000;

export interface OutcomeEvaluation {
  prediction_id: string;
  model_version: string;
  predicted_outcome: number;
  actual_outcome: number;
  confidence: number;
  correct: boolean;
  /** |confidence − 1| when right, |confidence − 0| when wrong: how far the stated confidence was from what happened. */
  calibration_error: number;
}

export interface CalibrationMetrics extends Calibration {
  model_version: string | null;
  n_bins: number;
}

function issuesOf(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || 'record'}: ${issue.message}`).join('; ');
}

function checkWindow(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new PitwallError('input', messages.windowNotPositive(name, value));
}

export class ModelPerformanceTracker {
  constructor(
    readonly store: Store,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Validates and records one prediction; a duplicate prediction_id is refused, never written twice. */
  async recordPrediction(
    predictionId: string,
    modelVersion: string,
    predictedOutcome: number,
    confidence: number,
    features: Record<string, unknown>,
    metadata: Record<string, unknown> | null = null,
  ): Promise<Prediction> {
    const parsed = PredictionSchema.safeParse({
      timestamp: this.clock(),
      model_version: modelVersion,
      prediction_id: predictionId,
      predicted_outcome: predictedOutcome,
      confidence,
      features,
      metadata,
    });
    if (!parsed.success) throw new PitwallError('input', messages.invalidRecord('prediction', issuesOf(parsed.error)));
    if (await this.store.readPrediction(predictionId)) throw new PitwallError('conflict', messages.duplicatePrediction(predictionId));
    await this.store.recordPrediction(parsed.data);
    return parsed.data;
  }

  /** Persists the ground truth of a prediction and evaluates it; null when no such prediction exists. */
  async recordActualOutcome(predictionId: string, actualOutcome: number): Promise<OutcomeEvaluation | null> {
    if (actualOutcome !== 0 && actualOutcome !== 1) throw new PitwallError('input', messages.outcomeNotBinary(actualOutcome));
    const prediction = await this.store.readPrediction(predictionId);
    if (!prediction) return null;
    const recorded = await this.store.recordOutcome({ prediction_id: predictionId, actual_outcome: actualOutcome, timestamp: this.clock() });
    if (!recorded) return null;
    const correct = prediction.predicted_outcome === actualOutcome;
    return {
      prediction_id: predictionId,
      model_version: prediction.model_version,
      predicted_outcome: prediction.predicted_outcome,
      actual_outcome: actualOutcome,
      confidence: prediction.confidence,
      correct,
      calibration_error: Math.abs(prediction.confidence - (correct ? 1 : 0)),
    };
  }

  private async window(modelVersion: string | null, windowMinutes: number) {
    checkWindow('window_minutes', windowMinutes);
    const now = this.clock();
    return this.store.readPredictionColumns({
      ...(modelVersion === null ? {} : { modelVersion }),
      from: now - windowMinutes * 60,
      to: now + 1e-6,
    });
  }

  /** The seed's confidence statistics over the last `windowMinutes`, plus realized accuracy and label counts. */
  async getPerformanceMetrics(
    modelVersion: string | null = null,
    windowMinutes = 60,
  ): Promise<ConfidenceStatistics & { labelled: number; accuracy: number | null; model_version: string | null; window_minutes: number }> {
    const columns = await this.window(modelVersion, windowMinutes);
    const matrix = confusion({ length: columns.length, predicted: columns.predicted_outcome, confidence: columns.confidence, actual: columns.actual_outcome });
    return {
      ...confidenceStatistics(columns.confidence),
      labelled: matrix.labelled,
      accuracy: accuracyOf(matrix),
      model_version: modelVersion,
      window_minutes: windowMinutes,
    };
  }

  /** True accuracy over the last `windowMinutes` from recorded outcomes; null when none have arrived. */
  async calculateAccuracy(modelVersion: string | null = null, windowMinutes = 60): Promise<number | null> {
    const columns = await this.window(modelVersion, windowMinutes);
    return accuracyOf(confusion({ length: columns.length, predicted: columns.predicted_outcome, confidence: columns.confidence, actual: columns.actual_outcome }));
  }

  /** Expected calibration error over every labelled prediction, with per-bin confidence and accuracy. */
  async calculateCalibrationMetrics(modelVersion: string | null = null, nBins = 10): Promise<CalibrationMetrics> {
    const columns = await this.store.readPredictionColumns({ ...(modelVersion === null ? {} : { modelVersion }), hasOutcome: true });
    const calibration = calibrationOf(
      { length: columns.length, predicted: columns.predicted_outcome, confidence: columns.confidence, actual: columns.actual_outcome },
      nBins,
    );
    return { ...calibration, model_version: modelVersion, n_bins: nBins };
  }

  async recordHealthSnapshot(snapshot: HealthSnapshot): Promise<HealthSnapshot> {
    const parsed = HealthSnapshotSchema.safeParse(snapshot);
    if (!parsed.success) throw new PitwallError('input', messages.invalidRecord('health snapshot', issuesOf(parsed.error)));
    await this.store.recordHealthSnapshot(parsed.data);
    return parsed.data;
  }

  /** The newest `limit` snapshots, newest first. */
  async getRecentHealthSnapshots(modelVersion: string | null = null, limit = 100): Promise<readonly HealthSnapshot[]> {
    return this.store.readHealthSnapshots({ ...(modelVersion === null ? {} : { modelVersion }), order: 'desc', limit });
  }

  /** Snapshots of the last `hours`, oldest first: the rows of the seed's trend DataFrame. */
  async getPerformanceTrend(modelVersion: string | null = null, hours = 24): Promise<readonly HealthSnapshot[]> {
    checkWindow('hours', hours);
    const now = this.clock();
    return this.store.readHealthSnapshots({
      ...(modelVersion === null ? {} : { modelVersion }),
      from: now - hours * 3600,
      to: now + 1e-6,
      order: 'asc',
    });
  }
}

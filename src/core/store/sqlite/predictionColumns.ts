/**
 * PredictionColumns read from the predictions table row by row: the scalar columns checked in JS,
 * without building a record per row, and only the requested features, taken out of the JSON text
 * by SQLite (`json_extract`), so a feature nobody asked for is never parsed.
 */
import type { SqlValue } from 'sql.js';
import type { FeatureValue } from '../../model/fields';
import type { PredictionWithOutcome } from '../../model/prediction';
import { parseTimestamp } from '../../model/timestamps';
import { OUTCOME_UNKNOWN, type PredictionColumns } from '../store';
import { columnSql, type TableShape } from './queries';
import { quoteIdentifier, quoteText } from './rows';

type ScalarPrediction = Omit<PredictionWithOutcome, 'features' | 'metadata'>;

const SCALAR_COLUMNS = [
  'id',
  'timestamp',
  'model_version',
  'prediction_id',
  'predicted_outcome',
  'confidence',
  'actual_outcome',
  'actual_outcome_timestamp',
] as const;

/** The scalar columns, then each feature's value and JSON type. */
export function columnsSelectList(shape: TableShape, features: readonly string[], metadata: readonly string[] = []): string {
  const text = shape.columns.has('features') ? quoteIdentifier('features') : 'NULL';
  const meta = shape.columns.has('extra_metadata') ? quoteIdentifier('extra_metadata') : 'NULL';
  return [
    ...SCALAR_COLUMNS.map((column) => columnSql(shape, column)),
    // A JSON-quoted name is a path label SQLite reads back exactly, whatever characters the name holds.
    ...features.flatMap((name) => {
      const path = quoteText(`$.${JSON.stringify(name)}`);
      return [`json_extract(${text}, ${path})`, `json_type(${text}, ${path})`];
    }),
    ...metadata.flatMap((name) => {
      const path = quoteText(`$.${JSON.stringify(name)}`);
      // extra_metadata may hold text that is not JSON: such rows take the schema's careful path.
      return [`CASE WHEN json_valid(${meta}) THEN json_extract(${meta}, ${path}) END`, `CASE WHEN json_valid(${meta}) THEN json_type(${meta}, ${path}) END`];
    }),
  ].join(', ');
}

/** A feature from `json_extract` and `json_type`; undefined for a value a feature may not hold. */
export function featureValue(value: SqlValue | undefined, type: SqlValue | undefined): FeatureValue | undefined {
  switch (type) {
    case null:
    case undefined:
    case 'null':
      return null;
    case 'true':
      return true;
    case 'false':
      return false;
    case 'integer':
    case 'real':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'text':
      return typeof value === 'string' ? value : undefined;
    default:
      return undefined;
  }
}

/** Seconds of a stored timestamp; NaN for a value that is not one. */
function seconds(value: SqlValue | undefined): number {
  if (value === null || value === undefined) return NaN;
  const parsed = parseTimestamp(value);
  return parsed.ok ? parsed.seconds : NaN;
}

/** The scalar values of a row as the schema would read them; undefined when one needs the schema's word. */
function scalarPrediction(row: readonly SqlValue[]): ScalarPrediction | undefined {
  const [, time, version, id, predicted, confidence, actual, actualAt] = row;
  const timestamp = seconds(time);
  const actualSeconds = actualAt === null || actualAt === undefined ? null : seconds(actualAt);
  if (Number.isNaN(timestamp) || Number.isNaN(actualSeconds)) return undefined;
  if (typeof version !== 'string' || typeof id !== 'string' || id === '') return undefined;
  if (predicted !== 0 && predicted !== 1) return undefined;
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) return undefined;
  const outcome = actual ?? null;
  if (outcome !== null && outcome !== 0 && outcome !== 1) return undefined;
  return {
    timestamp,
    model_version: version,
    prediction_id: id,
    predicted_outcome: predicted,
    confidence,
    actual_outcome: outcome,
    actual_outcome_timestamp: actualSeconds,
  };
}

/** The columns while they are read. */
export class ColumnsBuilder {
  private readonly ids: string[] = [];
  private readonly times: number[] = [];
  private readonly versions: string[] = [];
  private readonly predicted: number[] = [];
  private readonly confidence: number[] = [];
  private readonly actual: number[] = [];
  private readonly actualAt: number[] = [];
  private readonly features: Map<string, FeatureValue[]>;
  private readonly metadata: Map<string, FeatureValue[]>;
  /** One string per model version, however many rows repeat it. */
  private readonly interned = new Map<string, string>();
  private readonly values: FeatureValue[] = [];

  constructor(
    private readonly names: readonly string[],
    private readonly metadataNames: readonly string[] = [],
  ) {
    this.features = new Map(names.map((name) => [name, []]));
    this.metadata = new Map(metadataNames.map((name) => [name, []]));
  }

  /** Adds a row read with `columnsSelectList`; false, adding nothing, when it needs the schema's word. */
  addRow(row: readonly SqlValue[]): boolean {
    const prediction = scalarPrediction(row);
    if (prediction === undefined) return false;
    const values = this.values;
    values.length = 0;
    for (let index = 0; index < this.names.length; index++) {
      const value = featureValue(row[SCALAR_COLUMNS.length + 2 * index], row[SCALAR_COLUMNS.length + 2 * index + 1]);
      if (value === undefined) return false;
      values.push(value);
    }
    const base = SCALAR_COLUMNS.length + 2 * this.names.length;
    // A nested metadata value groups nothing: it reads as null, as in the JSONL store.
    const meta = this.metadataNames.map((_, index) => featureValue(row[base + 2 * index], row[base + 2 * index + 1]) ?? null);
    this.add(prediction, values, meta);
    return true;
  }

  /** Adds a prediction and its requested features, in the order of the names. */
  add(prediction: ScalarPrediction, features: readonly FeatureValue[], metadata: readonly FeatureValue[] = []): void {
    let version = this.interned.get(prediction.model_version);
    if (version === undefined) {
      version = prediction.model_version;
      this.interned.set(version, version);
    }
    this.ids.push(prediction.prediction_id);
    this.times.push(prediction.timestamp);
    this.versions.push(version);
    this.predicted.push(prediction.predicted_outcome);
    this.confidence.push(prediction.confidence);
    this.actual.push(prediction.actual_outcome ?? OUTCOME_UNKNOWN);
    this.actualAt.push(prediction.actual_outcome_timestamp ?? NaN);
    this.names.forEach((name, index) => this.features.get(name)?.push(features[index] ?? null));
    this.metadataNames.forEach((name, index) => this.metadata.get(name)?.push(metadata[index] ?? null));
  }

  build(): PredictionColumns {
    return {
      length: this.ids.length,
      prediction_id: this.ids,
      timestamp: Float64Array.from(this.times),
      model_version: this.versions,
      predicted_outcome: Uint8Array.from(this.predicted),
      confidence: Float64Array.from(this.confidence),
      actual_outcome: Int8Array.from(this.actual),
      actual_outcome_timestamp: Float64Array.from(this.actualAt),
      features: this.features,
      metadata: this.metadata,
    };
  }
}

/**
 * Predictions in columns, joined with their outcomes: typed arrays for times, labels and
 * confidences, interned model versions, features and metadata as columns (objectColumns.ts),
 * so a million predictions take less memory than their file does on disk (bench/jsonlLoad.ts).
 */
import type { FeatureValue, Features } from '../../model/fields';
import type { JsonObject, JsonValue } from '../../model/json';
import type { PredictionWithOutcome } from '../../model/prediction';
import { OUTCOME_UNKNOWN, type PredictionColumns, type PredictionFilter } from '../store';
import { IdIndex } from './idIndex';
import { ObjectColumns } from './objectColumns';
import type { PlainPrediction } from './predictionLine';
import { TimeOrder } from './timeOrder';

interface KnownOutcome {
  readonly outcome: 0 | 1;
  readonly at: number;
}

export class PredictionTable {
  readonly times = new TimeOrder();
  private ids: string[] = [];
  private lines = new Uint32Array(1024);
  private versionOfRow = new Uint32Array(1024);
  private readonly versions: string[] = [];
  private readonly versionIds = new Map<string, number>();
  private predicted = new Uint8Array(1024);
  private confidence = new Float64Array(1024);
  private actual = new Int8Array(1024).fill(OUTCOME_UNKNOWN);
  private actualAt = new Float64Array(1024).fill(NaN);
  private readonly features = new ObjectColumns<FeatureValue>();
  private readonly metadata = new ObjectColumns<JsonValue>();
  private readonly index = new IdIndex((row) => this.ids[row] as string);
  /**
   * While ids arrive in ascending order (as sequential or time-based ids do) no id can repeat
   * and a binary search finds any of them, so the hash index is only filled once an id breaks
   * the order: rows before `indexed` are in it.
   */
  private ascending = true;
  private indexed = 0;
  private outcomesKnown = 0;
  /** Outcomes whose prediction has not been read (yet). */
  private readonly waiting = new Map<string, KnownOutcome>();

  get size(): number {
    return this.ids.length;
  }

  /** Predictions with a known outcome, plus outcomes waiting for their prediction. */
  get outcomeCount(): number {
    return this.outcomesKnown + this.waiting.size;
  }

  get waitingOutcomes(): number {
    return this.waiting.size;
  }

  get modelVersions(): readonly string[] {
    return this.versions;
  }

  /**
   * Adds a prediction read from `line`. When its id is already taken the first one stays,
   * and the line of that first one is returned; otherwise 0.
   */
  add(prediction: PlainPrediction, line: number): number {
    const row = this.ids.length;
    const id = prediction.prediction_id;
    if (!this.ascending || (row > 0 && id <= (this.ids[row - 1] as string))) {
      this.ascending = false;
      this.fillIndex();
      const holder = this.index.insert(id, row);
      if (holder !== row) return this.lines[holder] as number;
      this.indexed = row + 1;
    }
    if (row === this.lines.length) this.grow();
    this.ids.push(id);
    this.times.push(prediction.timestamp);
    this.lines[row] = line;
    this.versionOfRow[row] = this.versionId(prediction.model_version);
    this.predicted[row] = prediction.predicted_outcome;
    this.confidence[row] = prediction.confidence;
    this.features.add(row, prediction.features);
    this.metadata.add(row, prediction.metadata ?? null);
    if (this.waiting.size > 0) {
      const waiting = this.waiting.get(id);
      if (waiting !== undefined) {
        this.waiting.delete(id);
        this.setOutcome(row, waiting);
      }
    }
    return 0;
  }

  /** Records ground truth; a later call for the same prediction supersedes an earlier one. */
  recordOutcome(predictionId: string, outcome: 0 | 1, at: number): void {
    const row = this.find(predictionId);
    if (row < 0) this.waiting.set(predictionId, { outcome, at });
    else this.setOutcome(row, { outcome, at });
  }

  clearOutcomes(): void {
    this.actual.fill(OUTCOME_UNKNOWN);
    this.actualAt.fill(NaN);
    this.outcomesKnown = 0;
    this.waiting.clear();
  }

  clear(): void {
    this.times.clear();
    this.ids = [];
    this.lines = new Uint32Array(1024);
    this.versionOfRow = new Uint32Array(1024);
    this.versions.length = 0;
    this.versionIds.clear();
    this.predicted = new Uint8Array(1024);
    this.confidence = new Float64Array(1024);
    this.actual = new Int8Array(1024).fill(OUTCOME_UNKNOWN);
    this.actualAt = new Float64Array(1024).fill(NaN);
    this.features.clear();
    this.metadata.clear();
    this.index.clear();
    this.ascending = true;
    this.indexed = 0;
    this.outcomesKnown = 0;
    this.waiting.clear();
  }

  find(predictionId: string): number {
    if (!this.ascending) return this.index.find(predictionId);
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ids[mid] as string) < predictionId) lo = mid + 1;
      else hi = mid;
    }
    return this.ids[lo] === predictionId ? lo : -1;
  }

  /** A test for the rows a filter keeps (its time range aside, which the time order serves). */
  matcher(filter: PredictionFilter): (row: number) => boolean {
    const version = filter.modelVersion === undefined ? -1 : (this.versionIds.get(filter.modelVersion) ?? -2);
    if (version === -2) return () => false;
    const hasOutcome = filter.hasOutcome;
    return (row) =>
      (version === -1 || this.versionOfRow[row] === version) &&
      (hasOutcome === undefined || (this.actual[row] !== OUTCOME_UNKNOWN) === hasOutcome);
  }

  row(row: number): PredictionWithOutcome {
    const actual = this.actual[row] as number;
    return {
      timestamp: this.times.time(row),
      model_version: this.versions[this.versionOfRow[row] as number] as string,
      prediction_id: this.ids[row] as string,
      predicted_outcome: this.predicted[row] as 0 | 1,
      confidence: this.confidence[row] as number,
      features: this.features.row(row) as Features,
      metadata: this.metadata.row(row) as JsonObject | null,
      actual_outcome: actual === OUTCOME_UNKNOWN ? null : (actual as 0 | 1),
      actual_outcome_timestamp: actual === OUTCOME_UNKNOWN ? null : (this.actualAt[row] as number),
    };
  }

  columns(rows: readonly number[], featureNames: readonly string[], metadataNames: readonly string[] = []): PredictionColumns {
    const n = rows.length;
    const columns = {
      length: n,
      prediction_id: rows.map((row) => this.ids[row] as string),
      timestamp: new Float64Array(n),
      model_version: rows.map((row) => this.versions[this.versionOfRow[row] as number] as string),
      predicted_outcome: new Uint8Array(n),
      confidence: new Float64Array(n),
      actual_outcome: new Int8Array(n),
      actual_outcome_timestamp: new Float64Array(n),
      features: new Map<string, readonly FeatureValue[]>(
        featureNames.map((name) => [name, this.features.column(name, rows)]),
      ),
      metadata: new Map<string, readonly FeatureValue[]>(
        metadataNames.map((name) => [name, this.metadata.column(name, rows).map((value) => (value !== null && typeof value === 'object' ? null : value))]),
      ),
    };
    rows.forEach((row, i) => {
      columns.timestamp[i] = this.times.time(row);
      columns.predicted_outcome[i] = this.predicted[row] as number;
      columns.confidence[i] = this.confidence[row] as number;
      columns.actual_outcome[i] = this.actual[row] as number;
      columns.actual_outcome_timestamp[i] = this.actualAt[row] as number;
    });
    return columns;
  }

  private fillIndex(): void {
    this.index.reserve(this.ids.length + 1);
    for (let row = this.indexed; row < this.ids.length; row++) this.index.insert(this.ids[row] as string, row);
    this.indexed = this.ids.length;
  }

  private setOutcome(row: number, known: KnownOutcome): void {
    if (this.actual[row] === OUTCOME_UNKNOWN) this.outcomesKnown++;
    this.actual[row] = known.outcome;
    this.actualAt[row] = known.at;
  }

  private versionId(version: string): number {
    let id = this.versionIds.get(version);
    if (id === undefined) {
      id = this.versions.length;
      this.versions.push(version);
      this.versionIds.set(version, id);
    }
    return id;
  }

  private grow(): void {
    const capacity = this.lines.length * 2;
    this.lines = resized(this.lines, new Uint32Array(capacity));
    this.versionOfRow = resized(this.versionOfRow, new Uint32Array(capacity));
    this.predicted = resized(this.predicted, new Uint8Array(capacity));
    this.confidence = resized(this.confidence, new Float64Array(capacity));
    this.actual = resized(this.actual, new Int8Array(capacity).fill(OUTCOME_UNKNOWN));
    this.actualAt = resized(this.actualAt, new Float64Array(capacity).fill(NaN));
  }
}

function resized<T extends Uint8Array | Int8Array | Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}

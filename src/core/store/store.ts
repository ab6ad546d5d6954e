/**
 * The Store: what every backend (a JSONL folder, a SQLite file, PostgreSQL) serves. Methods are
 * async and queries are plain data, so a SQL backend turns them into WHERE / ORDER BY / LIMIT
 * and never pulls a whole table into memory.
 *
 * Conventions every backend keeps:
 * - Times are float seconds since the epoch, UTC (see model/timestamps.ts). A time range is
 *   `from` inclusive, `to` exclusive; either may be left out.
 * - Results are in time order, oldest first, except alerts, which come newest first. Records
 *   with equal timestamps keep their storage order (file line, row id) in either direction,
 *   as Python's stable `sorted(..., reverse=True)` does. `offset` then `limit` apply after
 *   ordering.
 */
import type { Acknowledgment } from '../model/acknowledgment';
import type { Alert, AlertSeverity } from '../model/alert';
import type { AlertContextLog, AlertContextRecord } from '../model/alertWhy';
import type { AlertRule } from '../model/alertRule';
import type { DegradationAnalysis } from '../model/degradationAnalysis';
import type { DriftResult } from '../model/driftResult';
import type { FeatureImportance } from '../model/featureImportance';
import type { FeatureValue } from '../model/fields';
import type { HealthSnapshot } from '../model/healthSnapshot';
import type { MetricSnapshot } from '../model/metricSnapshot';
import type { Outcome } from '../model/outcome';
import type { Prediction, PredictionWithOutcome } from '../model/prediction';
import type { DeliveryLog, DeliveryQuery, DeliveryRecord } from '../model/delivery';
import type { Silence } from '../model/silence';
import type { WindowPlan, WindowStats } from './windowStats';

export type StoreKind = 'jsonl' | 'sqlite' | 'postgres';

export type Collection =
  | 'predictions'
  | 'outcomes'
  | 'healthSnapshots'
  | 'metricSnapshots'
  | 'alerts'
  | 'rules'
  | 'driftResults'
  | 'degradationAnalyses'
  | 'featureImportance';

export type SortOrder = 'asc' | 'desc';

export interface TimeRange {
  readonly from?: number;
  readonly to?: number;
}

export interface Page {
  readonly limit?: number;
  readonly offset?: number;
}

export interface Ordered {
  readonly order?: SortOrder;
}

export interface PredictionFilter extends TimeRange {
  readonly modelVersion?: string;
  /** Only predictions whose ground truth is known (true) or not yet known (false). */
  readonly hasOutcome?: boolean;
}
export interface PredictionQuery extends PredictionFilter, Page, Ordered {}

export interface PredictionColumnsQuery extends PredictionQuery {
  /** Feature columns to include, by name. */
  readonly features?: readonly string[];
  /** Metadata keys to include as columns, by name: scalar values; a nested object or list reads as null. */
  readonly metadata?: readonly string[];
}

/** The features of a range of predictions to count (countFeatureValues). */
export interface FeatureCountsQuery extends PredictionFilter {
  readonly features: readonly string[];
}

/** One feature's values over a range of predictions as a store counted them: all drift reads of them. */
export interface FeatureValueCounts {
  /** The distinct finite numbers, ascending, and how many predictions hold each. */
  readonly numbers: { readonly values: Float64Array; readonly counts: Float64Array };
  /** Each value that is not a number, by its text (a boolean as 'true' or 'false'), and how many predictions hold it. */
  readonly others: ReadonlyMap<string, number>;
  /** Predictions where the feature is null or absent. */
  readonly missing: number;
}

/** Marks a prediction whose ground truth is not known in `PredictionColumns.actual_outcome`. */
export const OUTCOME_UNKNOWN = -1;

/**
 * Predictions as columns, for analytics over many rows: one entry per selected prediction, in
 * query order. Missing values: `actual_outcome` is OUTCOME_UNKNOWN, `actual_outcome_timestamp`
 * NaN, a feature the prediction does not have is null.
 */
export interface PredictionColumns {
  readonly length: number;
  readonly prediction_id: readonly string[];
  readonly timestamp: Float64Array;
  readonly model_version: readonly string[];
  readonly predicted_outcome: Uint8Array;
  readonly confidence: Float64Array;
  readonly actual_outcome: Int8Array;
  readonly actual_outcome_timestamp: Float64Array;
  readonly features: ReadonlyMap<string, readonly FeatureValue[]>;
  /** The metadata keys asked for (scalars; null where missing or nested). */
  readonly metadata?: ReadonlyMap<string, readonly FeatureValue[]>;
}

/**
 * The prediction columns that windowed metrics read; PredictionColumns has them all. A reader
 * that met the model versions as codes may hand them over too: `model_version[i]` is
 * `model_version_codes.names[model_version_codes.codes[i]]`, so grouping by version need not
 * encode a million strings again.
 */
export type WindowColumns = Pick<PredictionColumns, 'length' | 'timestamp' | 'model_version' | 'predicted_outcome' | 'confidence' | 'actual_outcome' | 'features' | 'metadata'> & {
  readonly model_version_codes?: { readonly codes: Int32Array; readonly names: readonly string[] };
};

/**
 * An alert scope to match: every field given must agree (null matches a field the alert leaves
 * empty). `segment` matches the engine's message, which ends with its scope: `… for v1, circuit=A`.
 */
export interface AlertScope {
  readonly metric_name?: string | null;
  readonly threshold?: number | null;
  readonly severity?: AlertSeverity;
  readonly component?: string | null;
  readonly model_version?: string | null;
  readonly segment?: string;
}

/** Alerts that any of the scopes match, or none of them (`any` of no scope selects nothing; `none` of no scope, everything). */
export interface AlertScopeCondition {
  readonly match: 'any' | 'none';
  readonly scopes: readonly AlertScope[];
}

export interface AlertFilter extends TimeRange {
  readonly severity?: AlertSeverity | readonly AlertSeverity[];
  readonly acknowledged?: boolean;
  /** null: alerts that name no model version. */
  readonly modelVersion?: string | null;
  readonly alertId?: string;
  /** null: alerts that name no component. */
  readonly component?: string | null;
  /** Alerts whose title, message or alert_id holds this text, ASCII letters compared case-insensitively. */
  readonly text?: string;
  /** Conditions on the alert's scope, all of which must hold. */
  readonly scopes?: readonly AlertScopeCondition[];
}

/** The alert fields countAlertGroups groups by. */
export type AlertGroupColumn = 'severity' | 'model_version' | 'component' | 'metric_name' | 'threshold';

/** One group of countAlertGroups: its values, in the order of the columns asked for; its alerts in all and open. */
export interface AlertGroupCount {
  readonly values: readonly (string | number | null)[];
  readonly total: number;
  readonly open: number;
}
/** Newest first unless `order` says otherwise. */
export interface AlertQuery extends AlertFilter, Page, Ordered {}

/**
 * A store-unique, stable name for one alert. JSONL: `<alert_id>#<n>`, the n-th (from 1) alert
 * with that alert_id in file order, since the Python system writes `alert_<unix ms>` ids that
 * collide; it survives appends and Pitwall's own rewrites, which keep the order. SQLite and
 * PostgreSQL: the row's `id`, as text. Callers treat it as opaque.
 */
export type AlertKey = string;

export type StoredAlert = Alert & { readonly key: AlertKey };

export interface HealthSnapshotQuery extends TimeRange, Page, Ordered {
  readonly modelVersion?: string;
}

export interface MetricSnapshotQuery extends TimeRange, Page, Ordered {
  readonly modelVersion?: string;
  readonly metricName?: string;
}

export interface DriftResultQuery extends TimeRange, Page, Ordered {
  readonly modelVersion?: string;
  readonly featureName?: string;
  readonly driftDetected?: boolean;
}

export interface DegradationAnalysisQuery extends TimeRange, Page, Ordered {
  readonly modelVersion?: string;
  readonly metricName?: string;
}

export interface FeatureImportanceQuery extends TimeRange, Page, Ordered {
  readonly modelVersion?: string;
  readonly featureName?: string;
}

export interface StoreCounts {
  readonly predictions: number;
  /** Predictions whose ground truth is known, plus outcomes still waiting for their prediction. */
  readonly outcomes: number;
  readonly healthSnapshots: number;
  readonly metricSnapshots: number;
  readonly alerts: number;
  readonly unacknowledgedAlerts: number;
  readonly rules: number;
  readonly driftResults: number;
  readonly degradationAnalyses: number;
  readonly featureImportance: number;
}

/** A problem with one record or file. `error`: the record was skipped; `warning`: it loaded, with a remark. */
export interface StoreDiagnostic {
  readonly severity: 'error' | 'warning';
  /** Absolute path of the file, or the table name in a database. */
  readonly file: string;
  /** 1-based line of a JSONL file. */
  readonly line?: number;
  /** 0-based position in a JSON array (alert_rules.json). */
  readonly index?: number;
  /** Row id in a database table. */
  readonly row?: number;
  /** Dotted path of the field at fault, when one is. */
  readonly field?: string;
  /** What is wrong, without the location: for views that show file and line themselves. */
  readonly reason: string;
  /** The whole sentence, naming file, line or row and field. */
  readonly message: string;
}

export interface StoreDescription {
  readonly kind: StoreKind;
  /** Folder or file path; for a server, its address without credentials. */
  readonly path: string;
  readonly writable: boolean;
  /** Why the store is read-only; null when it is writable. */
  readonly readOnlyReason: string | null;
  /** Sentences about the store as a whole (an incomplete last line, outcomes without predictions). */
  readonly warnings: readonly string[];
  /** Every current problem with a record, capped per file (a warning says how many more). */
  readonly diagnostics: readonly StoreDiagnostic[];
}

export interface CollectionChange {
  readonly collection: Collection;
  /** `appended`: new records were added; `reloaded`: the source was replaced or truncated and read again. */
  readonly kind: 'appended' | 'reloaded';
  /** Records added by the change (after a reload, all of them). */
  readonly added: number;
}

export interface RefreshOptions {
  /** Count everything again instead of following what changed (a server source; files are always read whole). */
  readonly full?: boolean;
}

export interface RefreshResult {
  readonly changes: readonly CollectionChange[];
  /** Problems found by this refresh. */
  readonly diagnostics: readonly StoreDiagnostic[];
}

/** Alerts that share the fields a rule writes into each alert it raises. */
export interface AlertSignatureCount {
  readonly metric_name: string | null;
  readonly threshold: number | null;
  readonly severity: AlertSeverity;
  readonly component: string | null;
  readonly count: number;
}

/** What readPredictionTime can select by. */
export interface PredictionTimeFilter {
  readonly modelVersion?: string;
  readonly hasOutcome?: boolean;
}

export interface StoreReader {
  describe(): Promise<StoreDescription>;
  /** Picks up what changed in the source since it was last read. */
  refresh(options?: RefreshOptions): Promise<RefreshResult>;
  close(): Promise<void>;
  counts(): Promise<StoreCounts>;

  readModelVersions(): Promise<readonly string[]>;
  readPredictions(query?: PredictionQuery): Promise<readonly PredictionWithOutcome[]>;
  readPredictionColumns(query?: PredictionColumnsQuery): Promise<PredictionColumns>;
  readPrediction(predictionId: string): Promise<PredictionWithOutcome | undefined>;
  countPredictions(filter?: PredictionFilter): Promise<number>;

  readHealthSnapshots(query?: HealthSnapshotQuery): Promise<readonly HealthSnapshot[]>;
  readMetricSnapshots(query?: MetricSnapshotQuery): Promise<readonly MetricSnapshot[]>;

  readAlerts(query?: AlertQuery): Promise<readonly StoredAlert[]>;
  readAlert(key: AlertKey): Promise<StoredAlert | undefined>;
  countAlerts(filter?: AlertFilter): Promise<number>;
  /** The alerts a filter selects, counted per distinct value of these fields, in one pass (a database: one GROUP BY). */
  countAlertGroups(columns: readonly AlertGroupColumn[], filter?: AlertFilter): Promise<readonly AlertGroupCount[]>;

  readRules(): Promise<readonly AlertRule[]>;

  /**
   * The time of the oldest or newest prediction the filter selects, null when it selects none,
   * where a store can read it off the end of a time index (a database's min()/max() walk its
   * timestamp index from that end and stop at the first row that matches, instead of reading every
   * row of a model version); callers fall back to a one-row ordered read. A row the store refuses
   * does not count.
   */
  readPredictionTime?(end: 'oldest' | 'newest', filter?: PredictionTimeFilter): Promise<number | null>;

  /**
   * The monitoring files (a folder) or tables (a database) of the Python system's formats that
   * the source has, present even when empty; none when it holds no monitoring data at all (a
   * command that writes then refuses it unless asked to create one). Left out where a source
   * always holds its schema (a server).
   */
  monitoringData?(): Promise<readonly string[]>;

  /**
   * Alerts per severity, in all and open, in one pass where a store can (a database groups them
   * in one query instead of six counts); callers fall back to countAlerts.
   */
  countAlertsBySeverity?(): Promise<readonly { readonly severity: AlertSeverity; readonly total: number; readonly open: number }[]>;

  /**
   * Unacknowledged alerts per severity and model version (null: alerts that name none), in one
   * pass where a store can; callers fall back to countAlerts per severity and version.
   */
  countOpenAlertsByModel?(): Promise<readonly { readonly severity: AlertSeverity; readonly model_version: string | null; readonly open: number }[]>;

  /**
   * Alerts in the range counted by what names the rule that raised them (the Python alert record
   * has no rule id): metric, threshold, severity and component. One grouped pass where a store
   * can; callers fall back to reading the range's alerts.
   */
  countAlertsBySignature?(range?: TimeRange): Promise<readonly AlertSignatureCount[]>;

  /**
   * Runs a window plan inside the source (a database pushes it down to SQL); undefined when this
   * source cannot run it as asked, and the caller computes it over loaded predictions instead.
   */
  aggregateWindows?(plan: WindowPlan): Promise<WindowStats[] | undefined>;

  /** The SQL statements `aggregateWindows` runs for a plan, for a result to show where it was pushed down. */
  explainWindows?(plan: WindowPlan): Promise<readonly string[]>;

  /**
   * Each feature's values over a range counted inside the source (a database server: one row per
   * distinct number or category travels, never the predictions), for drift.
   */
  countFeatureValues?(query: FeatureCountsQuery): Promise<ReadonlyMap<string, FeatureValueCounts>>;

  /** The feature names of the first `limit` predictions a filter selects in time order (oldest first unless 'desc'), read inside the source. */
  readFeatureNames?(filter: PredictionFilter, limit: number, order?: SortOrder): Promise<readonly string[]>;

  /** Which alert conditions are firing, by fingerprint, with when they fired (the engine's state, Pitwall's own record). */
  readAlertStates(): Promise<Readonly<Record<string, number>>>;

  /**
   * Pitwall's acknowledgment log (who, when, and the comment the Python alert record has no room
   * for), oldest first; only of these alerts when `keys` is given. None when the source has none.
   */
  readAcknowledgments(keys?: readonly AlertKey[]): Promise<readonly Acknowledgment[]>;

  /** Silences, active or not, oldest first (Pitwall's own records; none when the source has none). */
  readSilences(): Promise<readonly Silence[]>;

  /**
   * The delivery log (Pitwall's own record), oldest first. A damaged line or row is skipped and
   * named in `problems`; the rest still reads.
   */
  readDeliveries(query?: DeliveryQuery): Promise<DeliveryLog>;

  /**
   * The recorded contexts of alerts ("why it fired", Pitwall's own record): the newest of each
   * alert asked for (of every alert without `keys`), oldest first. A damaged line or row is
   * skipped and named in `problems`; the rest still reads.
   */
  readAlertContexts(keys?: readonly AlertKey[]): Promise<AlertContextLog>;

  readDriftResults(query?: DriftResultQuery): Promise<readonly DriftResult[]>;
  readDegradationAnalyses(query?: DegradationAnalysisQuery): Promise<readonly DegradationAnalysis[]>;
  readFeatureImportance(query?: FeatureImportanceQuery): Promise<readonly FeatureImportance[]>;
}

/** What an acknowledgment did, alert by alert. */
export interface AcknowledgeResult {
  readonly acknowledged: readonly AlertKey[];
  /** Keys that were already acknowledged; left as they were. */
  readonly alreadyAcknowledged: readonly AlertKey[];
  readonly notFound: readonly AlertKey[];
  /**
   * What went wrong after the alerts were acknowledged (a folder's acknowledgment log could not
   * take the comment): the acknowledgment stands, and these sentences say what is missing.
   */
  readonly problems?: readonly string[];
}

export interface UnacknowledgeResult {
  readonly unacknowledged: readonly AlertKey[];
  /** Keys of alerts that were not acknowledged; left as they were. */
  readonly notAcknowledged: readonly AlertKey[];
  readonly notFound: readonly AlertKey[];
}

/** A new alert; the store assigns its key (and, in a database, its UUID when `alert_id` is absent). */
export type NewAlert = Omit<Alert, 'alert_id'> & { readonly alert_id?: string };

/**
 * Writes, each one atomic. Appends are one write each; rewrites check that the source did not
 * change since it was read. A store that cannot write says why in `describe().readOnlyReason`.
 */
export interface StoreWriter {
  recordPrediction(prediction: Prediction): Promise<void>;
  /** Records ground truth; false when no prediction has that id. A later outcome supersedes an earlier one. */
  recordOutcome(outcome: Outcome): Promise<boolean>;
  recordHealthSnapshot(snapshot: HealthSnapshot): Promise<void>;
  recordMetricSnapshot(snapshot: MetricSnapshot): Promise<void>;
  appendAlert(alert: NewAlert): Promise<StoredAlert>;
  /**
   * Acknowledges alerts by key, all or none. The Python system's alert record has no comment
   * field, so a comment goes to Pitwall's own acknowledgment log beside the alerts (a file or
   * table that the Python reader never sees).
   */
  acknowledgeAlerts(keys: readonly AlertKey[], acknowledgedBy: string | null, at: number, comment?: string | null): Promise<AcknowledgeResult>;
  /** Takes acknowledgments back, all or none: the alerts read as never acknowledged again. */
  unacknowledgeAlerts(keys: readonly AlertKey[]): Promise<UnacknowledgeResult>;
  /** Adds a rule, or replaces the rule with the same rule_id. */
  saveRule(rule: AlertRule): Promise<void>;
  /** False when no rule has that id. */
  deleteRule(ruleId: string): Promise<boolean>;
  /** Persists a rule's cooldown: when it last fired. */
  markRuleTriggered(ruleId: string, at: number): Promise<void>;
  /** Marks conditions firing (with when) or cleared, in one write; the other fingerprints stay as they are. */
  updateAlertStates(firing: Readonly<Record<string, number>>, cleared: readonly string[]): Promise<void>;
  /** Adds a silence, or replaces the one with the same id. */
  saveSilence(silence: Silence): Promise<void>;
  /** Ends a silence at `at` (if it ends later); false when no silence has that id. */
  expireSilence(id: string, at: number): Promise<boolean>;
  /**
   * What one evaluation fired, in one transaction where the store has them (a database): the
   * conditions firing and cleared, each fired rule's cooldown, and the alerts, in that order.
   * A store without transactions leaves it out, and callers write the parts in that order.
   */
  recordFirings?(firing: Readonly<Record<string, number>>, cleared: readonly string[], triggered: readonly string[], at: number, alerts: readonly NewAlert[]): Promise<StoredAlert[]>;
  /** Appends to the delivery log, all records in one write. */
  recordDeliveries(records: readonly DeliveryRecord[]): Promise<void>;
  /** Appends alert contexts, all records in one write. */
  recordAlertContexts(records: readonly AlertContextRecord[]): Promise<void>;
  recordDriftResult(result: DriftResult): Promise<void>;
  recordDegradationAnalysis(analysis: DegradationAnalysis): Promise<void>;
  recordFeatureImportance(importance: FeatureImportance): Promise<void>;
}

export type Store = StoreReader & StoreWriter;

/**
 * A JSONL monitoring folder (`data/monitoring/` of the Python system, plus Pitwall's own files),
 * read and written so that the Python system keeps reading every file Pitwall has touched.
 *
 * Reading: opening reads every file; `refresh()` reads only what was appended since, or a file
 * again from its start when it was replaced or truncated. Every good line loads; each bad one is
 * skipped and reported with its file, line and field. A missing file is an empty collection;
 * alert_log.txt is a log, not data, and is not read.
 *
 * Writing (DESIGN.md, "Writing safely"; fileWrites.ts and lineRewrite.ts say how):
 * - Records are appended as one `write()` each, in exactly the form the Python system writes
 *   them (its dataclasses' keys in their order, `json.dumps` formatting, float timestamps), after
 *   ending a torn last line. Nothing is written that the Python reader would reject: its
 *   dataclasses take exactly their fields (`Alert(**data)`), so no Pitwall key goes into
 *   alerts.jsonl or alert_rules.json. Pitwall's own data goes to files of its own: outcomes.jsonl,
 *   acknowledgments.jsonl (who acknowledged which alert, and the comment), alert_rules.pitwall.json
 *   (each rule's `for_minutes`, `min_samples` and `last_triggered`, merged into the rules on
 *   reading), drift_results.jsonl, degradation_analysis.jsonl and feature_importance.jsonl.
 *   metrics.jsonl holds the seed's PerformanceMetric, which has no model version: metric
 *   snapshots written here read back with `model_version` null.
 * - Acknowledging rewrites alerts.jsonl through a temporary file and a rename, only the
 *   acknowledged lines changed, any alert at any file size; the rules files are rewritten the
 *   same way. A rewrite checks that the file did not change since it was read, and starts over
 *   if it did; lines appended meanwhile are carried into the new file, by a step that runs
 *   after the call returns and before the next one (or `close()`).
 * - Every write refreshes the store, so reads see it.
 *
 * Calls run one at a time, so a read never sees a refresh or a write half done.
 */
import { existsSync } from 'node:fs';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { PitwallError, describeError } from '../../errors';
import { messages } from '../../messages';
import { acknowledgmentRecord, type Acknowledgment } from '../../model/acknowledgment';
import { alertRecord, parsePlainAlert } from '../../model/alert';
import { alertRuleRecord, type AlertRule } from '../../model/alertRule';
import { degradationAnalysisRecord, type DegradationAnalysis } from '../../model/degradationAnalysis';
import { driftResultRecord, type DriftResult } from '../../model/driftResult';
import { featureImportanceRecord, type FeatureImportance } from '../../model/featureImportance';
import { healthSnapshotRecord, type HealthSnapshot } from '../../model/healthSnapshot';
import { metricSnapshotFromPerformanceMetric, metricSnapshotRecord, type MetricSnapshot } from '../../model/metricSnapshot';
import { isPlainOutcome, outcomeRecord, type Outcome } from '../../model/outcome';
import { performanceMetricRecord } from '../../model/performanceMetric';
import { predictionRecord, type Prediction, type PredictionWithOutcome } from '../../model/prediction';
import { isPlainObject } from '../../model/json';
import type { PyJson } from '../../model/pythonJson';
import {
  describeIssue,
  parseRecord,
  type FieldIssue,
  type RecordLayout,
  type RecordParse,
  type RecordOf,
  type RecordSpec,
} from '../../model/record';
import { parseTimestamp } from '../../model/timestamps';
import type {
  AcknowledgeResult,
  UnacknowledgeResult,
  AlertFilter,
  AlertGroupColumn,
  AlertGroupCount,
  AlertKey,
  AlertQuery,
  AlertSignatureCount,
  Collection,
  CollectionChange,
  DegradationAnalysisQuery,
  DriftResultQuery,
  FeatureImportanceQuery,
  HealthSnapshotQuery,
  MetricSnapshotQuery,
  NewAlert,
  PredictionColumns,
  PredictionColumnsQuery,
  PredictionFilter,
  PredictionQuery,
  RefreshResult,
  StoreCounts,
  StoreDescription,
  StoreDiagnostic,
  StoredAlert,
  Store,
  TimeRange,
} from '../store';
import { acknowledgeAlertLine, unacknowledgeAlertLine } from './alertLine';
import { DiagnosticLog } from './diagnosticLog';
import { FileFollower, isMissing, type FollowerOptions, type LineSink } from './fileFollower';
import { appendLines, replaceFile, sleep } from './fileWrites';
import { rewriteLines, type LineEdit } from './lineRewrite';
import { AlertRows } from './alertRows';
import { loadAlertIndex, MAX_INDEXED_BYTES, saveAlertIndex, type AlertIndexSettings } from './alertIndex';
import { BLANK_LINE, LineProblem, parseJsonLine } from './lineJson';
import { isPlainPrediction, type PlainPrediction } from './predictionLine';
import { PredictionTable } from './predictionTable';
import {
  toPythonAcknowledgment,
  toPythonAlert,
  toPythonDegradationAnalysis,
  toPythonDriftResult,
  toPythonFeatureImportance,
  toPythonHealthSnapshot,
  toPythonLine,
  toPythonOutcome,
  toPythonPerformanceMetric,
  toPythonPrediction,
} from './pythonRecords';
import { RecordList, type ListEntry } from './recordList';
import { RULE_SETTINGS_FILE, RuleSettingsFile, settingsOf, withRuleSettings, type RuleSettings } from './ruleSettings';
import { RulesFile, type RuleEntry } from './rulesFile';
import { withRuleDeleted, withRuleSaved } from './rulesRewrite';
import { ALERT_STATE_FILE, checkSilence, parseAlertStates, parseSilencesFile, SILENCES_FILE, withAlertStates, withSilence } from '../silenceRecords';
import { checkDeliveries, deliveryLine, DELIVERIES_FILE, DeliverySelection, parseDelivery, ProblemList } from '../deliveryRecords';
import type { DeliveryLog, DeliveryQuery, DeliveryRecord } from '../../model/delivery';
import type { AlertContextLog, AlertContextRecord } from '../../model/alertWhy';
import { ALERT_CONTEXT_FILE, alertContextLine, checkAlertContexts, newestContexts, parseAlertContext } from '../alertContextRecords';
import type { Silence } from '../../model/silence';
import { countRows, selectRows } from './timeOrder';

/** The file of each collection in a JSONL folder. */
export const JSONL_FILES = {
  predictions: 'predictions.jsonl',
  outcomes: 'outcomes.jsonl',
  healthSnapshots: 'health_snapshots.jsonl',
  metricSnapshots: 'metrics.jsonl',
  alerts: 'alerts.jsonl',
  rules: 'alert_rules.json',
  driftResults: 'drift_results.jsonl',
  degradationAnalyses: 'degradation_analysis.jsonl',
  featureImportance: 'feature_importance.jsonl',
} as const satisfies Record<Collection, string>;

/** Pitwall's log of acknowledgments, with their comments (see `JsonlStore.readAcknowledgments`). */
export const ACKNOWLEDGMENTS_FILE = 'acknowledgments.jsonl';

export interface JsonlStoreOptions extends FollowerOptions {
  /** Problems kept per file; the rest are counted (default 1000). */
  readonly diagnosticsPerFile?: number;
  /** Open read-only, for this reason (a sentence for the user). */
  readonly readOnly?: string;
  /** How long a torn last line may be waited for before Pitwall ends it and writes after it (default 1000 ms). */
  readonly tornTailGraceMs?: number;
  /** How long after replacing alerts.jsonl appends to the replaced file are still carried over (default 20 ms). */
  readonly lateAppendGraceMs?: number;
  /** Attempts of a rewrite whose file keeps changing under it (default 10). */
  readonly rewriteAttempts?: number;
  /** Runs just before a rewritten alerts.jsonl is renamed into place (tests use it to reach that moment). */
  readonly beforeReplace?: () => Promise<void>;
  /** Keeps an index of alerts.jsonl between processes (alertIndex.ts); none without it. The CLI keeps it in the user's cache folder. */
  readonly alertIndex?: AlertIndexOptions;
}

export interface AlertIndexOptions {
  readonly folder: string;
  /** The build of Pitwall: an index another build made is not used. */
  readonly build: string;
  /** The smallest alerts.jsonl worth an index (default 1 MiB): a smaller one parses in milliseconds. */
  readonly minBytes?: number;
}

/** The write options' defaults. */
export const JSONL_WRITE_DEFAULTS = { tornTailGraceMs: 1000, lateAppendGraceMs: 250, rewriteAttempts: 10 } as const;

/** Mirrors the Python system's `alert_<unix ms>`. */
function alertIdAt(milliseconds: number): string {
  return `alert_${milliseconds}`;
}

/** Opens a JSONL monitoring folder for reading and loads it. */
export async function openJsonlStore(folder: string, options: JsonlStoreOptions = {}): Promise<JsonlStore> {
  const path = resolve(folder);
  try {
    if (!(await stat(path)).isDirectory()) throw new PitwallError('input', messages.jsonlNotFolder(path));
  } catch (error) {
    if (error instanceof PitwallError) throw error;
    throw new PitwallError('not-found', messages.sourceNotFound(path), { cause: error });
  }
  const store = new JsonlStore(path, options);
  await store.refresh();
  return store;
}

/** One line file and what reading it feeds. */
interface LineSource {
  readonly collection: Exclude<Collection, 'rules'> | 'acknowledgments';
  readonly follower: FileFollower;
  readonly log: DiagnosticLog;
  readonly sink: LineSink;
  /** Records accepted since the file was last read from its start. */
  accepted: number;
  /** Its records were dropped for a reason of another file: report the next read as a reload. */
  reloadNext: boolean;
}

const FILES = { ...JSONL_FILES, acknowledgments: ACKNOWLEDGMENTS_FILE } as const;

function isPredictionFile(source: LineSource): boolean {
  return source.collection === 'predictions' || source.collection === 'outcomes';
}

export class JsonlStore implements Store {
  private readonly predictions = new PredictionTable();
  private readonly health = new RecordList<HealthSnapshot>();
  private readonly metrics = new RecordList<MetricSnapshot>();
  private readonly alerts = new AlertRows((text, line, key) => this.parseIndexedAlert(text, line, key));
  /**
   * Each alert_id's rows in file order: a row, or the rows of an id given more than once. The
   * n-th is the alert keyed `<alert_id>#<n>`; one lookup per alert read, and no key hashed.
   */
  private rowsById: Map<string, number | number[]> | undefined = new Map();
  /** The index of alerts.jsonl as last loaded or saved: its checksum and length, not saved again while they hold. */
  private alertIndexState: string | undefined;
  private alertIndexTried = false;
  private readonly drift = new RecordList<DriftResult>();
  private readonly degradation = new RecordList<DegradationAnalysis>();
  private readonly importance = new RecordList<FeatureImportance>();
  private acknowledgments: Acknowledgment[] = [];
  private readonly sources: LineSource[];
  /** The delivery log: followed like the line files, but read only when asked for, and reported only to its reader. */
  private readonly deliveryFollower: FileFollower;
  private readonly deliverySink: LineSink;
  private deliveries: DeliveryRecord[] = [];
  private deliveryProblems: ProblemList;
  /** The alert contexts: followed like the delivery log, read only when asked for. */
  private readonly contextFollower: FileFollower;
  private readonly contextSink: LineSink;
  private contexts: AlertContextRecord[] = [];
  private contextProblems: ProblemList;
  private readonly rulesFile: RulesFile;
  private readonly ruleSettings: RuleSettingsFile;
  /** Files that could not be read at the last refresh, with why. */
  private readonly unreadable = new Map<string, string>();
  /** Files whose late appends could not be carried over after a rewrite, with the warning that says so. */
  private readonly lateFailures = new Map<string, string>();
  /** Diagnostics found by the refresh under way. */
  private found: StoreDiagnostic[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /**
   * predictions.jsonl and outcomes.jsonl are read (and then followed) from the first question
   * that needs predictions: listing, counting and acknowledging alerts, and the rules, never
   * parse them.
   */
  private predictionsLoaded = false;
  /** The first read of the prediction files, under way: it runs beside the store's queue, so alerts and rules still answer meanwhile. */
  private predictionsLoading: Promise<void> | undefined;

  constructor(
    readonly folder: string,
    private readonly options: JsonlStoreOptions = {},
  ) {
    const cap = options.diagnosticsPerFile ?? 1000;
    const source = (collection: LineSource['collection'], makeSink: (source: LineSource) => LineSink): LineSource => {
      const partial = {
        collection,
        follower: new FileFollower(join(folder, FILES[collection]), collection === 'alerts' && options.alertIndex !== undefined ? { ...options, checksum: true } : options),
        log: new DiagnosticLog(cap),
        accepted: 0,
        reloadNext: false,
      };
      return Object.assign(partial, { sink: makeSink(partial as LineSource) });
    };
    const outcomes = source('outcomes', (self) => {
      const take = (outcome: Outcome) => {
        this.predictions.recordOutcome(outcome.prediction_id, outcome.actual_outcome, outcome.timestamp);
      };
      const checked = this.recordSink(self, outcomeRecord, take, () => this.predictions.clearOutcomes());
      // A line as the Python service writes it is taken as parsed (its layout is never needed:
      // outcomes are not rewritten); anything else goes through the schema, which words what is wrong.
      return {
        ...checked,
        line: (text, line) => {
          const value = parseJsonLine(text);
          if (!isPlainOutcome(value)) return checked.line(text, line);
          take(value);
          self.accepted++;
        },
      };
    });
    this.sources = [
      source('predictions', (self) => this.predictionSink(self, outcomes)),
      outcomes,
      source('healthSnapshots', (self) => this.listSink(self, healthSnapshotRecord, this.health)),
      source('metricSnapshots', (self) =>
        this.recordSink(
          self,
          performanceMetricRecord,
          (metric, line, layout) => {
            this.metrics.add(metricSnapshotFromPerformanceMetric(metric), line, layout);
          },
          () => this.metrics.clear(),
        ),
      ),
      source('alerts', (self) =>
        this.recordSink(
          self,
          alertRecord,
          (alert, line, layout) => {
            const earlier = this.alertRowsById.get(alert.alert_id);
            const occurrence = earlier === undefined ? 1 : typeof earlier === 'number' ? 2 : earlier.length + 1;
            const key = `${alert.alert_id}#${occurrence}`;
            // The record was made for this line alone: it takes its key in place instead of being copied (100k alerts, 100k objects fewer).
            const stored = alert as { -readonly [K in keyof StoredAlert]: StoredAlert[K] };
            stored.key = key;
            const row = this.alerts.add(stored, line, layout);
            if (earlier === undefined) this.alertRowsById.set(alert.alert_id, row);
            else if (typeof earlier === 'number') this.alertRowsById.set(alert.alert_id, [earlier, row]);
            else earlier.push(row);
          },
          () => {
            this.alerts.clear();
            this.rowsById = new Map();
          },
          parsePlainAlert,
        ),
      ),
      source('driftResults', (self) => this.listSink(self, driftResultRecord, this.drift)),
      source('degradationAnalyses', (self) => this.listSink(self, degradationAnalysisRecord, this.degradation)),
      source('featureImportance', (self) => this.listSink(self, featureImportanceRecord, this.importance)),
      source('acknowledgments', (self) =>
        this.recordSink(
          self,
          acknowledgmentRecord,
          (acknowledgment) => {
            this.acknowledgments.push(acknowledgment);
          },
          () => {
            this.acknowledgments = [];
          },
        ),
      ),
    ];
    this.rulesFile = new RulesFile(join(folder, JSONL_FILES.rules), new DiagnosticLog(cap));
    this.ruleSettings = new RuleSettingsFile(join(folder, RULE_SETTINGS_FILE), new DiagnosticLog(cap));
    this.deliveryFollower = new FileFollower(join(folder, DELIVERIES_FILE), options);
    this.deliveryProblems = this.newDeliveryProblems();
    this.deliverySink = this.makeDeliverySink();
    this.contextFollower = new FileFollower(join(folder, ALERT_CONTEXT_FILE), options);
    this.contextProblems = this.newContextProblems();
    this.contextSink = this.makeContextSink();
  }

  async describe(): Promise<StoreDescription> {
    // A first read of the prediction files under way is part of what there is to describe.
    await this.predictionsLoading;
    return this.exclusive(async () => {
      const warnings: string[] = [];
      const diagnostics: StoreDiagnostic[] = [];
      for (const source of this.sources) {
        const name = basename(source.follower.path);
        if (source.follower.pendingBytes > 0)
          warnings.push(messages.jsonlPendingLine(name, source.follower.pendingBytes));
        diagnostics.push(...source.log.all);
        if (source.log.overflow > 0) warnings.push(messages.jsonlMoreProblems(name, source.log.overflow));
      }
      diagnostics.push(...this.rulesFile.log.all, ...this.ruleSettings.log.all);
      if (this.predictions.waitingOutcomes > 0) {
        warnings.push(messages.jsonlOrphanOutcomes(JSONL_FILES.outcomes, this.predictions.waitingOutcomes));
      }
      for (const [file, detail] of this.unreadable) warnings.push(messages.jsonlReadFailed(file, detail));
      warnings.push(...this.lateFailures.values());
      // Files not read yet count as present when they exist.
      const present = (source: LineSource) => source.follower.present || (!this.predictionsLoaded && isPredictionFile(source) && existsSync(source.follower.path));
      if (!this.rulesFile.present && !this.sources.some(present)) {
        warnings.push(messages.jsonlNoData(this.folder));
      }
      const readOnlyReason = await this.readOnlyReason();
      return {
        kind: 'jsonl',
        path: this.folder,
        writable: readOnlyReason === null,
        readOnlyReason,
        warnings,
        diagnostics,
      };
    });
  }

  refresh(): Promise<RefreshResult> {
    return this.exclusive(() => this.refreshNow());
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.saveAlertIndexNow();
      for (const source of this.sources) source.sink.reset();
      this.deliverySink.reset();
      this.contextSink.reset();
    }, true);
  }

  counts(): Promise<StoreCounts> {
    return this.withPredictions(async () => {
      return this.countsNow();
    });
  }

  private countsNow(): StoreCounts {
    return {
      predictions: this.predictions.size,
      outcomes: this.predictions.outcomeCount,
      healthSnapshots: this.health.size,
      metricSnapshots: this.metrics.size,
      alerts: this.alerts.size,
      unacknowledgedAlerts: this.alerts.count({}, { acknowledged: false }),
      rules: this.rulesFile.rules.length,
      driftResults: this.drift.size,
      degradationAnalyses: this.degradation.size,
      featureImportance: this.importance.size,
    };
  }

  monitoringData(): Promise<readonly string[]> {
    return Promise.resolve(Object.values(JSONL_FILES).filter((name) => existsSync(join(this.folder, name))));
  }

  readModelVersions(): Promise<readonly string[]> {
    return this.withPredictions(async () => {
      const versions = new Set(this.predictions.modelVersions);
      for (const list of [this.health, this.metrics, this.drift, this.degradation, this.importance]) {
        for (const record of list.values()) if (record.model_version !== null) versions.add(record.model_version);
      }
      for (let row = 0; row < this.alerts.size; row++) {
        const version = this.alerts.modelVersionOf(row);
        if (version !== null) versions.add(version);
      }
      return [...versions].sort(new Intl.Collator('en', { numeric: true }).compare);
    });
  }

  readPredictions(query: PredictionQuery = {}): Promise<readonly PredictionWithOutcome[]> {
    return this.withPredictions(async () => {
      return this.selectPredictions(query).map((row) => this.predictions.row(row));
    });
  }

  readPredictionColumns(query: PredictionColumnsQuery = {}): Promise<PredictionColumns> {
    return this.withPredictions(async () => {
      return this.predictions.columns(this.selectPredictions(query), query.features ?? [], query.metadata ?? []);
    });
  }

  readPrediction(predictionId: string): Promise<PredictionWithOutcome | undefined> {
    return this.withPredictions(async () => {
      const row = this.predictions.find(predictionId);
      return row < 0 ? undefined : this.predictions.row(row);
    });
  }

  countPredictions(filter: PredictionFilter = {}): Promise<number> {
    return this.withPredictions(async () => {
      return countRows(this.predictions.times, filter, this.predictions.matcher(filter));
    });
  }

  readHealthSnapshots(query: HealthSnapshotQuery = {}): Promise<readonly HealthSnapshot[]> {
    return this.exclusive(() =>
      this.health.select(
        query,
        'asc',
        (s) => query.modelVersion === undefined || s.model_version === query.modelVersion,
      ),
    );
  }

  readMetricSnapshots(query: MetricSnapshotQuery = {}): Promise<readonly MetricSnapshot[]> {
    return this.exclusive(() =>
      this.metrics.select(
        query,
        'asc',
        (m) =>
          (query.modelVersion === undefined || m.model_version === query.modelVersion) &&
          (query.metricName === undefined || m.metric_name === query.metricName),
      ),
    );
  }

  readAlerts(query: AlertQuery = {}): Promise<readonly StoredAlert[]> {
    return this.exclusive(() => this.alerts.select(query, 'desc', query));
  }

  readAlert(key: AlertKey): Promise<StoredAlert | undefined> {
    return this.exclusive(() => {
      const row = this.alertRowOf(key);
      return row === undefined ? undefined : this.alerts.entry(row)?.value;
    });
  }

  countAlerts(filter: AlertFilter = {}): Promise<number> {
    return this.exclusive(() => this.alerts.count(filter, filter));
  }

  countAlertGroups(columns: readonly AlertGroupColumn[], filter: AlertFilter = {}): Promise<readonly AlertGroupCount[]> {
    return this.exclusive(() => {
      const groups = new Map<string, { values: (string | number | null)[]; total: number; open: number }>();
      // Grouped on the index's columns where it has them: threshold needs the records.
      const value = (row: number, column: AlertGroupColumn): string | number | null =>
        column === 'threshold' ? this.alerts.valueAt(row).threshold : this.alerts.groupValue(row, column);
      for (const row of this.alerts.rows(filter, filter)) {
        const values = columns.map((column) => value(row, column));
        const key = JSON.stringify(values);
        const group = groups.get(key) ?? { values, total: 0, open: 0 };
        group.total += 1;
        if (!this.alerts.acknowledgedAt(row)) group.open += 1;
        groups.set(key, group);
      }
      return [...groups.values()];
    });
  }

  /** The alerts are in memory: grouped here, so only the counts cross to the caller (another thread in the editor). */
  countAlertsBySignature(range: TimeRange = {}): Promise<AlertSignatureCount[]> {
    return this.exclusive(() => {
      const groups = new Map<string, AlertSignatureCount & { count: number }>();
      for (const alert of this.alerts.select(range, 'asc', {})) {
        const key = JSON.stringify([alert.metric_name, alert.threshold, alert.severity, alert.component]);
        const group = groups.get(key);
        if (group === undefined) groups.set(key, { metric_name: alert.metric_name, threshold: alert.threshold, severity: alert.severity, component: alert.component, count: 1 });
        else group.count++;
      }
      return [...groups.values()];
    });
  }

  readRules(): Promise<readonly AlertRule[]> {
    return this.exclusive(() => this.mergedRules());
  }

  readSilences(): Promise<readonly Silence[]> {
    return this.exclusive(async () => {
      const path = join(this.folder, SILENCES_FILE);
      const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw new PitwallError('io', messages.jsonlWriteFailed(path, describeError(error)), { cause: error });
      });
      return parseSilencesFile(path, bytes);
    });
  }

  readAlertStates(): Promise<Readonly<Record<string, number>>> {
    return this.exclusive(async () => {
      const path = join(this.folder, ALERT_STATE_FILE);
      const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw new PitwallError('io', messages.jsonlWriteFailed(path, describeError(error)), { cause: error });
      });
      return parseAlertStates(path, bytes);
    });
  }

  updateAlertStates(firing: Readonly<Record<string, number>>, cleared: readonly string[]): Promise<void> {
    return this.exclusive(async () => {
      if (Object.keys(firing).length === 0 && cleared.length === 0) return;
      await this.ensureWritable();
      const path = join(this.folder, ALERT_STATE_FILE);
      await this.replace(path, (current) => withAlertStates(path, current, firing, cleared));
    });
  }

  saveSilence(silence: Silence): Promise<void> {
    return this.exclusive(async () => {
      await this.ensureWritable();
      const value = checkSilence(silence);
      const path = join(this.folder, SILENCES_FILE);
      await this.replace(path, (current) => withSilence(path, current, value));
    });
  }

  expireSilence(id: string, at: number): Promise<boolean> {
    return this.exclusive(async () => {
      await this.ensureWritable();
      const path = join(this.folder, SILENCES_FILE);
      let found = false;
      await this.replace(path, (current) => {
        const silence = parseSilencesFile(path, current).find((s) => s.id === id);
        found = silence !== undefined;
        if (silence === undefined || silence.ends_at <= at) return null;
        return withSilence(path, current, { ...silence, ends_at: Math.max(at, silence.starts_at + 1e-6) });
      });
      return found;
    });
  }

  /** Reads what was appended to deliveries.pitwall.jsonl since the last read; a torn last line waits for its newline. */
  readDeliveries(query: DeliveryQuery = {}): Promise<DeliveryLog> {
    return this.exclusive(async () => {
      const selection = new DeliverySelection(query);
      const follower = this.deliveryFollower;
      try {
        await follower.follow(this.deliverySink);
      } catch (error) {
        if (error instanceof PitwallError) throw error;
        throw new PitwallError('io', messages.jsonlReadFailed(follower.path, describeError(error)), { cause: error });
      }
      for (const record of this.deliveries) selection.offer(record);
      const problems = this.deliveryProblems.all;
      if (follower.pendingBytes > 0) problems.push(messages.jsonlPendingLine(follower.path, follower.pendingBytes));
      return { records: selection.records, problems };
    });
  }

  /** Appends to deliveries.pitwall.jsonl, every record in one write, after ending a torn last line. */
  recordDeliveries(records: readonly DeliveryRecord[]): Promise<void> {
    return this.exclusive(async () => {
      if (records.length === 0) return;
      await this.ensureWritable();
      const { path, maxLineBytes } = this.deliveryFollower;
      const lines = checkDeliveries(path, records).map((record) => toPythonLine(deliveryLine(record)));
      for (const line of lines) {
        const bytes = Buffer.byteLength(line, 'utf8');
        if (bytes > maxLineBytes) throw new PitwallError('input', messages.jsonlRecordTooLong(path, 'delivery record', bytes, maxLineBytes));
      }
      // appendLines refuses a link, pipe or device in the log's place.
      await this.io(path, () => appendLines(path, Buffer.from(lines.join(''), 'utf8'), this.tornTailGraceMs));
    });
  }

  /** Reads what was appended to alert_context.pitwall.jsonl since the last read; a torn last line waits for its newline. */
  readAlertContexts(keys?: readonly AlertKey[]): Promise<AlertContextLog> {
    return this.exclusive(async () => {
      const follower = this.contextFollower;
      try {
        await follower.follow(this.contextSink);
      } catch (error) {
        if (error instanceof PitwallError) throw error;
        throw new PitwallError('io', messages.jsonlReadFailed(follower.path, describeError(error)), { cause: error });
      }
      const problems = this.contextProblems.all;
      if (follower.pendingBytes > 0) problems.push(messages.jsonlPendingLine(follower.path, follower.pendingBytes));
      return { records: newestContexts(this.contexts, keys), problems };
    });
  }

  /** Appends to alert_context.pitwall.jsonl, every record in one write, after ending a torn last line. */
  recordAlertContexts(records: readonly AlertContextRecord[]): Promise<void> {
    return this.exclusive(async () => {
      if (records.length === 0) return;
      await this.ensureWritable();
      const { path, maxLineBytes } = this.contextFollower;
      const lines = checkAlertContexts(path, records).map(alertContextLine);
      for (const line of lines) {
        const bytes = Buffer.byteLength(line, 'utf8');
        if (bytes > maxLineBytes) throw new PitwallError('input', messages.jsonlRecordTooLong(path, 'alert context', bytes, maxLineBytes));
      }
      await this.io(path, () => appendLines(path, Buffer.from(lines.join(''), 'utf8'), this.tornTailGraceMs));
    });
  }

  readDriftResults(query: DriftResultQuery = {}): Promise<readonly DriftResult[]> {
    return this.exclusive(() =>
      this.drift.select(
        query,
        'asc',
        (d) =>
          (query.modelVersion === undefined || d.model_version === query.modelVersion) &&
          (query.featureName === undefined || d.feature_name === query.featureName) &&
          (query.driftDetected === undefined || d.drift_detected === query.driftDetected),
      ),
    );
  }

  readDegradationAnalyses(query: DegradationAnalysisQuery = {}): Promise<readonly DegradationAnalysis[]> {
    return this.exclusive(() =>
      this.degradation.select(
        query,
        'asc',
        (d) =>
          (query.modelVersion === undefined || d.model_version === query.modelVersion) &&
          (query.metricName === undefined || d.metric_name === query.metricName),
      ),
    );
  }

  readFeatureImportance(query: FeatureImportanceQuery = {}): Promise<readonly FeatureImportance[]> {
    return this.exclusive(() =>
      this.importance.select(
        query,
        'asc',
        (f) =>
          (query.modelVersion === undefined || f.model_version === query.modelVersion) &&
          (query.featureName === undefined || f.feature_name === query.featureName),
      ),
    );
  }

  /** Pitwall's acknowledgments (with their comments), oldest first; of these alerts when `keys` is given (one key or several). */
  readAcknowledgments(keys?: AlertKey | readonly AlertKey[]): Promise<readonly Acknowledgment[]> {
    return this.exclusive(() => {
      if (keys === undefined) return [...this.acknowledgments];
      const wanted = new Set(typeof keys === 'string' ? [keys] : keys);
      return this.acknowledgments.filter((entry) => wanted.has(entry.alert_key));
    });
  }

  // --- writes ----------------------------------------------------------------

  recordPrediction(prediction: Prediction): Promise<void> {
    return this.withPredictions(async () => {
      await this.ensureWritable();
      const value = this.validate('predictions', predictionRecord, 'prediction', prediction);
      const line = this.line('predictions', 'prediction', toPythonPrediction(value));
      await this.refreshNow();
      if (this.predictions.find(value.prediction_id) >= 0) {
        throw new PitwallError('conflict', messages.jsonlPredictionExists(this.pathOf('predictions'), value.prediction_id));
      }
      await this.append('predictions', line);
    });
  }

  recordOutcome(outcome: Outcome): Promise<boolean> {
    return this.withPredictions(async () => {
      await this.ensureWritable();
      const value = this.validate('outcomes', outcomeRecord, 'outcome', outcome);
      const line = this.line('outcomes', 'outcome', toPythonOutcome(value));
      await this.refreshNow();
      if (this.predictions.find(value.prediction_id) < 0) return false;
      await this.append('outcomes', line);
      return true;
    });
  }

  recordHealthSnapshot(snapshot: HealthSnapshot): Promise<void> {
    return this.appendRecord('healthSnapshots', healthSnapshotRecord, 'health snapshot', snapshot, toPythonHealthSnapshot);
  }

  /** Writes the seed's PerformanceMetric, which has no model version: the snapshot's is not kept. */
  recordMetricSnapshot(snapshot: MetricSnapshot): Promise<void> {
    return this.exclusive(async () => {
      await this.ensureWritable();
      const value = this.validate('metricSnapshots', metricSnapshotRecord, 'metric snapshot', snapshot);
      const { timestamp, metric_name, window_size, threshold, status } = value;
      if (window_size === null || status === null) {
        throw new PitwallError(
          'input',
          messages.jsonlMetricIncomplete(this.pathOf('metricSnapshots'), window_size === null ? 'window_size' : 'status'),
        );
      }
      const metric = { timestamp, metric_name, value: value.value, window_size, threshold, status };
      await this.append('metricSnapshots', this.line('metricSnapshots', 'metric snapshot', toPythonPerformanceMetric(metric)));
    });
  }

  /**
   * Appends an alert. Without an alert_id it gets `alert_<unix ms>` as the Python system writes
   * them, but one that no alert in the file has: the alert's time in milliseconds, plus one
   * while that is taken.
   */
  appendAlert(alert: NewAlert): Promise<StoredAlert> {
    return this.exclusive(async () => {
      await this.ensureWritable();
      const given = alert.alert_id;
      const value = this.validate('alerts', alertRecord, 'alert', { ...alert, alert_id: given ?? alertIdAt(0) });
      // Refreshed just before choosing, so an id another writer (Pitwall or Python) took is seen.
      await this.refreshNow();
      const alertId = given ?? this.freeAlertId(value.timestamp);
      const record = { ...value, alert_id: alertId };
      await this.append('alerts', this.line('alerts', 'alert', toPythonAlert(record)));
      const key = `${alertId}#${this.occurrencesOf(alertId) || 1}`;
      const row = this.alertRowOf(key);
      return (row === undefined ? undefined : this.alerts.entry(row)?.value) ?? { ...record, key };
    });
  }

  /**
   * Acknowledges alerts by key: their lines in alerts.jsonl get `acknowledged`, `acknowledged_at`
   * and `acknowledged_by`, every other line stays byte for byte, and acknowledgments.jsonl gets one
   * line each with the comment. An alert already acknowledged is left as it was.
   */
  acknowledgeAlerts(
    keys: readonly AlertKey[],
    acknowledgedBy: string | null,
    at: number,
    comment: string | null = null,
  ): Promise<AcknowledgeResult> {
    return this.exclusive(async () => {
      await this.ensureWritable();
      const unique = [...new Set(keys)];
      const source = this.source('alerts');
      for (let attempt = 1; ; attempt++) {
        await this.refreshNow();
        const { open, acknowledged, notFound } = this.alertsByState(unique);
        const alreadyAcknowledged = acknowledged.map((entry) => entry.value.key);
        const records = open.map((entry) =>
          this.validate('alerts', acknowledgmentRecord, 'acknowledgment', {
            alert_key: entry.value.key,
            alert_id: entry.value.alert_id,
            acknowledged_at: at,
            acknowledged_by: acknowledgedBy,
            comment,
          }),
        );
        const read = source.follower.readState;
        const first = records[0];
        if (first === undefined || read === null) return { acknowledged: [], alreadyAcknowledged, notFound };
        const logLines = records.map((record) => this.line('acknowledgments', 'acknowledgment', toPythonAcknowledgment(record)));
        const edits = new Map<number, LineEdit>(
          open.map((entry) => [
            entry.line,
            this.alertLineEdit(entry.value.alert_id, 'acknowledged alert', (text) => acknowledgeAlertLine(text, first.acknowledged_at, first.acknowledged_by)),
          ]),
        );
        if (!(await this.rewriteAlertLines(read, edits, attempt))) continue;
        for (const entry of open) this.markAcknowledged(entry, first.acknowledged_at, first.acknowledged_by);
        const result = { acknowledged: open.map((entry) => entry.value.key), alreadyAcknowledged, notFound };
        try {
          await this.append('acknowledgments', logLines.join(''));
        } catch (error) {
          // The alerts are acknowledged already: saying they are not would be wrong.
          return { ...result, problems: [messages.jsonlAcknowledgmentNotLogged(this.pathOf('acknowledgments'), describeError(error))] };
        }
        return result;
      }
    });
  }

  /** Rewrites the acknowledged alerts' lines as never acknowledged, in place, as acknowledging does. */
  unacknowledgeAlerts(keys: readonly AlertKey[]): Promise<UnacknowledgeResult> {
    return this.exclusive(async () => {
      await this.ensureWritable();
      const unique = [...new Set(keys)];
      const source = this.source('alerts');
      for (let attempt = 1; ; attempt++) {
        await this.refreshNow();
        const { open, acknowledged, notFound } = this.alertsByState(unique);
        const notAcknowledged = open.map((entry) => entry.value.key);
        const read = source.follower.readState;
        if (acknowledged.length === 0 || read === null) return { unacknowledged: [], notAcknowledged, notFound };
        const edits = new Map<number, LineEdit>(
          acknowledged.map((entry) => [entry.line, this.alertLineEdit(entry.value.alert_id, 'unacknowledged alert', unacknowledgeAlertLine)]),
        );
        if (!(await this.rewriteAlertLines(read, edits, attempt))) continue;
        for (const entry of acknowledged) {
          const row = this.alertRowOf(entry.value.key) as number;
          this.alerts.replace(row, { ...entry.value, acknowledged: false, acknowledged_at: null, acknowledged_by: null }, entry.layout);
        }
        return { unacknowledged: acknowledged.map((entry) => entry.value.key), notAcknowledged, notFound };
      }
    });
  }

  /** Adds a rule, or replaces the one with its rule_id; its Pitwall fields go to alert_rules.pitwall.json. */
  saveRule(rule: AlertRule): Promise<void> {
    return this.exclusive(async () => {
      await this.ensureWritable();
      const value = this.validate('rules', alertRuleRecord, 'alert rule', rule);
      const rulesPath = this.pathOf('rules');
      await this.replace(rulesPath, (current) => withRuleSaved(rulesPath, current, value));
      await this.updateRuleSettings(value.rule_id, () => settingsOf(value));
      await this.refreshNow();
    });
  }

  deleteRule(ruleId: string): Promise<boolean> {
    return this.exclusive(async () => {
      await this.ensureWritable();
      const rulesPath = this.pathOf('rules');
      const deleted = await this.replace(rulesPath, (current) => withRuleDeleted(rulesPath, current, ruleId));
      await this.updateRuleSettings(ruleId, () => null);
      await this.refreshNow();
      return deleted;
    });
  }

  /** Keeps when a rule last fired in alert_rules.pitwall.json; a rule_id no rule has is ignored, as a database does. */
  markRuleTriggered(ruleId: string, at: number): Promise<void> {
    return this.exclusive(async () => {
      await this.ensureWritable();
      const time = parseTimestamp(at);
      if (!time.ok) {
        throw new PitwallError(
          'input',
          messages.jsonlRecordInvalid(this.settingsPath, 'rule trigger time', describeIssue({ field: 'last_triggered', reason: time.reason })),
        );
      }
      await this.refreshNow();
      const rule = this.mergedRules().find((candidate) => candidate.rule_id === ruleId);
      if (rule === undefined) return;
      await this.updateRuleSettings(ruleId, (existing) => ({
        for_minutes: (existing ?? rule).for_minutes,
        min_samples: (existing ?? rule).min_samples,
        last_triggered: time.seconds,
      }));
      await this.refreshNow();
    });
  }

  recordDriftResult(result: DriftResult): Promise<void> {
    return this.appendRecord('driftResults', driftResultRecord, 'drift result', result, toPythonDriftResult);
  }

  recordDegradationAnalysis(analysis: DegradationAnalysis): Promise<void> {
    return this.appendRecord(
      'degradationAnalyses',
      degradationAnalysisRecord,
      'degradation analysis',
      analysis,
      toPythonDegradationAnalysis,
    );
  }

  recordFeatureImportance(importance: FeatureImportance): Promise<void> {
    return this.appendRecord('featureImportance', featureImportanceRecord, 'feature importance', importance, toPythonFeatureImportance);
  }

  /** An alert as read, with its line and layout: what a writer needs to rewrite it in place. */
  /** The alerts of these keys as they are now: open, acknowledged, or not found; each in the keys' order. */
  private alertsByState(keys: readonly AlertKey[]): { open: ListEntry<StoredAlert>[]; acknowledged: ListEntry<StoredAlert>[]; notFound: AlertKey[] } {
    const open: ListEntry<StoredAlert>[] = [];
    const acknowledged: ListEntry<StoredAlert>[] = [];
    const notFound: AlertKey[] = [];
    for (const key of keys) {
      const entry = this.alertEntry(key);
      if (entry === undefined) notFound.push(key);
      else (entry.value.acknowledged ? acknowledged : open).push(entry);
    }
    return { open, acknowledged, notFound };
  }

  alertEntry(key: AlertKey): ListEntry<StoredAlert> | undefined {
    const row = this.alertRowOf(key);
    return row === undefined ? undefined : this.alerts.entry(row);
  }

  /**
   * Each alert_id's rows in file order: a row, or the rows of an id given more than once. The
   * n-th is the alert keyed `<alert_id>#<n>`; one lookup per alert read, and no key hashed. Made
   * from the alert index's column when first needed after it was installed.
   */
  private get alertRowsById(): Map<string, number | number[]> {
    if (this.rowsById === undefined) {
      const byId = new Map<string, number | number[]>();
      for (let row = 0; row < this.alerts.size; row++) {
        const id = this.alerts.alertIdOf(row);
        const earlier = byId.get(id);
        if (earlier === undefined) byId.set(id, row);
        else if (typeof earlier === 'number') byId.set(id, [earlier, row]);
        else earlier.push(row);
      }
      this.rowsById = byId;
    }
    return this.rowsById;
  }

  /** The rows of one alert_id: from the map once it is made, else by a pass over the column (a command asking for one alert makes no map of them all). */
  private rowsOfId(alertId: string): number | number[] | undefined {
    if (this.rowsById !== undefined) return this.rowsById.get(alertId);
    const rows = this.alerts.rowsWithId(alertId);
    return rows.length === 0 ? undefined : rows.length === 1 ? rows[0] : rows;
  }

  /** The row of the alert keyed `<alert_id>#<n>` (n written as a plain number), if there is one. */
  private alertRowOf(key: AlertKey): number | undefined {
    const hash = key.lastIndexOf('#');
    const suffix = key.slice(hash + 1);
    const n = Number(suffix);
    if (hash < 0 || !Number.isSafeInteger(n) || n < 1 || String(n) !== suffix) return undefined;
    const rows = this.rowsOfId(key.slice(0, hash));
    if (typeof rows === 'number') return n === 1 ? rows : undefined;
    return rows?.[n - 1];
  }

  /** How many alerts the file holds with this alert_id. */
  private occurrencesOf(alertId: string): number {
    const rows = this.rowsOfId(alertId);
    return rows === undefined ? 0 : typeof rows === 'number' ? 1 : rows.length;
  }

  /** A rule as read, with its position in the file and its layout. */
  ruleEntry(ruleId: string): RuleEntry | undefined {
    return this.rulesFile.entry(ruleId);
  }

  /** Follows every file; what `refresh()` does, for use inside a call that already runs exclusively. */
  private async refreshNow(): Promise<RefreshResult> {
    this.found = [];
    const changes: CollectionChange[] = [];
    for (const source of this.sources) {
      if (!this.predictionsLoaded && isPredictionFile(source)) continue;
      await this.followSource(source, changes);
    }
    let rulesChanged = false;
    for (const file of [this.rulesFile, this.ruleSettings]) {
      try {
        if (await file.refresh((diagnostic) => this.found.push(diagnostic))) rulesChanged = true;
        this.unreadable.delete(file.path);
      } catch (error) {
        this.unreadable.set(file.path, describeError(error));
      }
    }
    if (rulesChanged) changes.push({ collection: 'rules', kind: 'reloaded', added: this.rulesFile.rules.length });
    return { changes, diagnostics: this.found };
  }

  /** Reads what was appended to one line file since it was last read, noting the change. */
  private async followSource(source: LineSource, changes: CollectionChange[]): Promise<void> {
    const before = source.accepted;
    let reset: boolean;
    try {
      const fromIndex = source.collection === 'alerts' && !this.alertIndexTried ? await this.installAlertIndex(source) : undefined;
      reset = (await source.follower.follow(source.sink)).reset;
      // The file was replaced since the index was read: its problems are those the parse found again.
      if (reset && fromIndex !== undefined) this.found = this.found.filter((diagnostic) => !fromIndex.includes(diagnostic));
      this.unreadable.delete(source.follower.path);
    } catch (error) {
      this.unreadable.set(source.follower.path, describeError(error));
      return;
    }
    const { collection } = source;
    const reloaded = reset || source.reloadNext;
    source.reloadNext = false;
    if (collection === 'acknowledgments') return;
    if (reloaded) changes.push({ collection, kind: 'reloaded', added: source.accepted });
    else if (source.accepted > before) changes.push({ collection, kind: 'appended', added: source.accepted - before });
  }

  /**
   * Runs `work` in the store's queue once the prediction files have been read. The first read
   * runs outside the queue (nothing else touches those files until it is done: refresh() follows
   * them only after), so a large predictions.jsonl does not hold up the alerts and the rules.
   */
  private async withPredictions<T>(work: () => T | Promise<T>): Promise<T> {
    if (!this.predictionsLoaded) {
      this.predictionsLoading ??= this.loadPredictions();
      await this.predictionsLoading;
    }
    return this.exclusive(work);
  }

  private async loadPredictions(): Promise<void> {
    // The first read is no change to report: refresh() reports what follows it.
    for (const source of this.sources) if (isPredictionFile(source) && !this.closed) await this.followSource(source, []);
    this.predictionsLoaded = true;
  }

  private selectPredictions(query: PredictionQuery): number[] {
    return selectRows(this.predictions.times, query, 'asc', this.predictions.matcher(query));
  }

  private get tornTailGraceMs(): number {
    return this.options.tornTailGraceMs ?? JSONL_WRITE_DEFAULTS.tornTailGraceMs;
  }

  private get rewriteAttempts(): number {
    return Math.max(1, this.options.rewriteAttempts ?? JSONL_WRITE_DEFAULTS.rewriteAttempts);
  }

  private get settingsPath(): string {
    return this.ruleSettings.path;
  }

  private pathOf(collection: keyof typeof FILES): string {
    return join(this.folder, FILES[collection]);
  }

  private source(collection: LineSource['collection']): LineSource {
    return this.sources.find((source) => source.collection === collection) as LineSource;
  }

  private mergedRules(): AlertRule[] {
    return this.rulesFile.rules.map((rule) => this.ruleSettings.apply(rule));
  }

  /** Why the folder cannot be written, or null when it can. */
  private async readOnlyReason(): Promise<string | null> {
    if (this.options.readOnly !== undefined) return this.options.readOnly;
    try {
      await access(this.folder, constants.W_OK | constants.X_OK);
    } catch (error) {
      return messages.jsonlFolderNotWritable(this.folder, describeError(error));
    }
    for (const name of [...Object.values(FILES), RULE_SETTINGS_FILE]) {
      const path = join(this.folder, name);
      try {
        await access(path, constants.W_OK);
        if (!(await stat(path)).isFile()) return messages.notRegularFile(path);
      } catch (error) {
        if (!isMissing(error)) return messages.jsonlFileNotWritable(path, describeError(error));
      }
    }
    return null;
  }

  /** Every write first asks what describe() says: a store that says read-only never writes. */
  private async ensureWritable(): Promise<void> {
    const reason = await this.readOnlyReason();
    if (reason !== null) throw new PitwallError('read-only', reason);
  }

  /** The record as its schema reads it, so nothing the schema refuses reaches a file. */
  private validate<S extends RecordSpec>(collection: keyof typeof FILES, spec: S, what: string, value: unknown): RecordOf<S> {
    const parsed = parseRecord(spec, value);
    if (!parsed.ok) {
      const details = parsed.issues.map(describeIssue).join('; ');
      throw new PitwallError('input', messages.jsonlRecordInvalid(this.pathOf(collection), what, details));
    }
    return parsed.value;
  }

  /** The record's line; refused when it is longer than a reader of the file accepts. */
  private line(collection: LineSource['collection'], what: string, record: PyJson): string {
    const text = toPythonLine(record);
    const { maxLineBytes, path } = this.source(collection).follower;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > maxLineBytes) throw new PitwallError('input', messages.jsonlRecordTooLong(path, what, bytes, maxLineBytes));
    return text;
  }

  /** Appends whole lines in one write, then reads them back. */
  private async append(collection: LineSource['collection'], lines: string): Promise<void> {
    const { path } = this.source(collection).follower;
    await this.io(path, () => appendLines(path, Buffer.from(lines, 'utf8'), this.tornTailGraceMs));
    await this.refreshNow();
  }

  private appendRecord<S extends RecordSpec>(
    collection: LineSource['collection'],
    spec: S,
    what: string,
    value: unknown,
    toPython: (record: RecordOf<S>) => PyJson,
  ): Promise<void> {
    return this.exclusive(async () => {
      await this.ensureWritable();
      const record = this.validate(collection, spec, what, value);
      await this.append(collection, this.line(collection, what, toPython(record)));
    });
  }

  private replace(path: string, build: (current: Buffer | null) => Uint8Array | null): Promise<boolean> {
    return this.io(path, () => replaceFile(path, build, { attempts: this.rewriteAttempts, settleMs: 50 }));
  }

  private updateRuleSettings(ruleId: string, update: (existing: RuleSettings | null) => RuleSettings | null): Promise<boolean> {
    const path = this.settingsPath;
    return this.replace(path, (current) => withRuleSettings(path, current, ruleId, update));
  }

  /** Runs file work, turning what the system refused into a PitwallError naming the file. */
  private async io<T>(path: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof PitwallError) throw error;
      const code = (error as NodeJS.ErrnoException | null)?.code;
      const readOnly = code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
      throw new PitwallError(readOnly ? 'read-only' : 'io', messages.jsonlWriteFailed(path, describeError(error)), { cause: error });
    }
  }

  /** An alert_id no alert in the file has: the time in milliseconds, plus one while that is taken. */
  private freeAlertId(timestamp: number): string {
    let milliseconds = Math.trunc(timestamp * 1000);
    while (this.alertRowsById.has(alertIdAt(milliseconds))) milliseconds++;
    return alertIdAt(milliseconds);
  }

  /** The edit of one alert's line; it declines a line that is not that alert (the file changed). */
  /** An edit of the line holding this alert_id (other lines are left alone), refused when it grows past the line limit. */
  private alertLineEdit(alertId: string, what: string, edit: (text: string) => string): LineEdit {
    const { path, maxLineBytes } = this.source('alerts').follower;
    return (text) => {
      const value = parseJsonLine(text);
      if (!isPlainObject(value) || value.alert_id !== alertId) return null;
      const edited = edit(text);
      const bytes = Buffer.byteLength(edited, 'utf8') + 1;
      if (bytes > maxLineBytes) throw new PitwallError('input', messages.jsonlRecordTooLong(path, what, bytes, maxLineBytes));
      return edited;
    };
  }

  /**
   * Rewrites lines of alerts.jsonl read as `read`; false when the file changed since (the caller
   * reads again and retries), a conflict after the last attempt.
   */
  private async rewriteAlertLines(read: NonNullable<FileFollower['readState']>, edits: ReadonlyMap<number, LineEdit>, attempt: number): Promise<boolean> {
    const source = this.source('alerts');
    const path = source.follower.path;
    const result = await this.io(path, () =>
      rewriteLines({
        path,
        read,
        edits,
        tornTailGraceMs: this.tornTailGraceMs,
        lateAppendGraceMs: this.options.lateAppendGraceMs ?? JSONL_WRITE_DEFAULTS.lateAppendGraceMs,
        ...(this.options.beforeReplace === undefined ? {} : { beforeReplace: this.options.beforeReplace }),
      }),
    );
    if (result.status === 'changed') {
      if (attempt >= this.rewriteAttempts) throw new PitwallError('conflict', messages.jsonlKeptChanging(path, attempt));
      await sleep(10 * attempt);
      return false;
    }
    // Queued, so it runs before any later call (and before close), whatever happens next here.
    this.afterwards(path, result.carryLateAppends);
    source.follower.adopt(result.file);
    return true;
  }

  /** Updates an alert read before its line was acknowledged, as reading the new line would. */
  private markAcknowledged(entry: ListEntry<StoredAlert>, at: number, by: string | null): void {
    const row = this.alertRowOf(entry.value.key) as number;
    const { layout } = entry;
    const added = ['acknowledged', 'acknowledged_at', 'acknowledged_by'].filter((key) => !layout.keys.includes(key));
    this.alerts.replace(
      row,
      { ...entry.value, acknowledged: true, acknowledged_at: at, acknowledged_by: by },
      {
        keys: added.length === 0 ? layout.keys : [...layout.keys, ...added],
        extra: layout.extra,
        timestamps: { ...layout.timestamps, acknowledged_at: 'unix-seconds' },
      },
    );
  }

  /** Runs file work once the current call has finished, ahead of any later call; a failure becomes a warning. */
  private afterwards(path: string, work: () => Promise<unknown>): void {
    void this.exclusive(async () => {
      try {
        await work();
        this.lateFailures.delete(path);
      } catch (error) {
        // A conflict (another process rewrote the file meanwhile) says all there is to say.
        const conflict = error instanceof PitwallError && error.code === 'conflict';
        this.lateFailures.set(path, conflict ? error.message : messages.jsonlCarryFailed(path, describeError(error)));
      }
    }, true);
  }

  /** Alerts taken from the index of alerts.jsonl when the store opened, not parsed (0 without one). */
  get alertsFromIndex(): number {
    return this.alerts.indexedRows;
  }

  private alertIndexSettings(source: LineSource, build: string): AlertIndexSettings {
    return { maxLineBytes: source.follower.maxLineBytes, diagnosticsPerFile: this.options.diagnosticsPerFile ?? 1000, build };
  }

  /**
   * Before alerts.jsonl is first read: takes its rows, problems and read position from the index
   * of the bytes it still starts with, when there is one; the follow then reads only what follows.
   */
  private async installAlertIndex(source: LineSource): Promise<readonly StoreDiagnostic[] | undefined> {
    this.alertIndexTried = true;
    const options = this.options.alertIndex;
    if (options === undefined || source.follower.readState !== null) return undefined;
    const index = await loadAlertIndex(options.folder, source.follower.path, this.alertIndexSettings(source, options.build));
    if (index === undefined) return undefined;
    this.alerts.install(index.rows);
    this.rowsById = undefined;
    source.accepted = index.accepted;
    source.log.restore(index.diagnostics, index.overflow);
    this.found.push(...index.diagnostics);
    source.follower.adopt({ dev: index.dev, ino: index.ino, consumed: index.consumed, head: index.head, tail: index.tail, lines: index.lines, crc: index.crc });
    this.alertIndexState = `${index.crc}:${index.consumed}`;
    return index.diagnostics;
  }

  /** Keeps the index of alerts.jsonl as read now, for the next process; a failure only costs that process a parse. */
  private async saveAlertIndexNow(): Promise<void> {
    const options = this.options.alertIndex;
    if (options === undefined) return;
    const source = this.source('alerts');
    const file = source.follower.consumedFile;
    if (file === null || file.crc === null || file.consumed < (options.minBytes ?? 1024 * 1024) || file.consumed > MAX_INDEXED_BYTES) return;
    const state = `${file.crc}:${file.consumed}`;
    if (this.alertIndexState === state) return;
    try {
      await saveAlertIndex(options.folder, source.follower.path, this.alertIndexSettings(source, options.build), {
        consumed: file.consumed,
        lines: file.lines,
        crc: file.crc,
        accepted: source.accepted,
        diagnostics: source.log.all,
        overflow: source.log.overflow,
        columns: this.alerts.columns(),
      });
      this.alertIndexState = state;
    } catch {
      // A cache: the next process parses the file instead.
    }
  }

  /** An indexed alert's record, parsed from its line as the alerts sink parses it. */
  private parseIndexedAlert(text: string, line: number, key: AlertKey): ListEntry<StoredAlert> {
    const value = parseJsonLine(text);
    const parsed = parsePlainAlert(value) ?? parseRecord(alertRecord, value);
    if (!parsed.ok) throw new PitwallError('format', messages.jsonlLineSkipped(basename(this.pathOf('alerts')), line, parsed.issues.map(describeIssue).join('; ')));
    const stored = parsed.value as { -readonly [K in keyof StoredAlert]: StoredAlert[K] };
    stored.key = key;
    return { value: stored, line, layout: parsed.layout };
  }

  /** Runs `work` after every earlier call has finished. */
  private exclusive<T>(work: () => T | Promise<T>, evenClosed = false): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed && !evenClosed) throw new PitwallError('input', messages.jsonlClosed(this.folder));
      return work();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private newDeliveryProblems(): ProblemList {
    const path = this.deliveryFollower.path;
    return new ProblemList(this.options.diagnosticsPerFile ?? 1000, (count) => messages.jsonlMoreProblems(path, count));
  }

  private newContextProblems(): ProblemList {
    const path = this.contextFollower.path;
    return new ProblemList(this.options.diagnosticsPerFile ?? 1000, (count) => messages.jsonlMoreProblems(path, count));
  }

  /** Keeps each good alert context, and a sentence naming the line and field of each bad one. */
  private makeContextSink(): LineSink {
    const { path, maxLineBytes } = this.contextFollower;
    const skip = (line: number, problem: string): void => this.contextProblems.add(messages.alertContextLineSkipped(path, line, problem));
    return {
      reset: () => {
        this.contexts = [];
        this.contextProblems = this.newContextProblems();
      },
      line: (text, line) => {
        const value = parseJsonLine(text);
        if (value === BLANK_LINE) return;
        if (value instanceof LineProblem) return skip(line, value.problem);
        const parsed = parseAlertContext(value);
        if (parsed.ok) this.contexts.push(parsed.value);
        else skip(line, parsed.issues.map(describeIssue).join('; '));
      },
      badLine: (line, problem) => skip(line, problem === 'not-utf8' ? messages.jsonlLineNotUtf8() : messages.jsonlLineTooLong(maxLineBytes)),
    };
  }

  /** Keeps each good record of the delivery log, and a sentence naming the line and field of each bad one. */
  private makeDeliverySink(): LineSink {
    const { path, maxLineBytes } = this.deliveryFollower;
    const skip = (line: number, problem: string): void => this.deliveryProblems.add(messages.deliveryLineSkipped(path, line, problem));
    return {
      reset: () => {
        this.deliveries = [];
        this.deliveryProblems = this.newDeliveryProblems();
      },
      line: (text, line) => {
        const value = parseJsonLine(text);
        if (value === BLANK_LINE) return;
        if (value instanceof LineProblem) return skip(line, value.problem);
        const parsed = parseDelivery(value);
        if (parsed.ok) this.deliveries.push(parsed.value);
        else skip(line, parsed.issues.map(describeIssue).join('; '));
      },
      badLine: (line, problem) => skip(line, problem === 'not-utf8' ? messages.jsonlLineNotUtf8() : messages.jsonlLineTooLong(maxLineBytes)),
    };
  }

  private report(source: LineSource, line: number, issues: readonly FieldIssue[] | string): void {
    const problem = typeof issues === 'string' ? issues : issues.map(describeIssue).join('; ');
    const field = typeof issues === 'string' ? undefined : issues[0]?.field || undefined;
    const diagnostic: StoreDiagnostic = {
      severity: 'error',
      file: source.follower.path,
      line,
      ...(field === undefined ? {} : { field }),
      reason: problem,
      message: messages.jsonlLineSkipped(basename(source.follower.path), line, problem),
    };
    if (source.log.add(diagnostic)) this.found.push(diagnostic);
  }

  /** A sink parsing each line as JSON, reporting what is not, and handing the rest to `take`. */
  private jsonSink(source: LineSource, take: (value: unknown, line: number) => void, forget: () => void): LineSink {
    return {
      reset: () => {
        source.log.clear();
        source.accepted = 0;
        forget();
      },
      line: (text, line) => {
        const value = parseJsonLine(text);
        if (value === BLANK_LINE) return;
        if (value instanceof LineProblem) this.report(source, line, value.problem);
        else take(value, line);
      },
      badLine: (line, problem) => {
        this.report(
          source,
          line,
          problem === 'not-utf8'
            ? messages.jsonlLineNotUtf8()
            : messages.jsonlLineTooLong(source.follower.maxLineBytes),
        );
      },
    };
  }

  private recordSink<S extends RecordSpec>(
    source: LineSource,
    spec: S,
    take: (value: RecordOf<S>, line: number, layout: RecordLayout) => void,
    forget: () => void,
    /** A check of the common shape by hand, answering as parseRecord does where it answers. */
    fast?: (value: unknown) => RecordParse<RecordOf<S>> | undefined,
  ): LineSink {
    return this.jsonSink(
      source,
      (value, line) => {
        const parsed = fast?.(value) ?? parseRecord(spec, value);
        if (!parsed.ok) return this.report(source, line, parsed.issues);
        take(parsed.value, line, parsed.layout);
        source.accepted++;
      },
      forget,
    );
  }

  private listSink<S extends RecordSpec>(
    source: LineSource,
    spec: S,
    list: { add(value: RecordOf<S>, line: number, layout: RecordLayout): number; clear(): void },
  ): LineSink {
    return this.recordSink(
      source,
      spec,
      (value, line, layout) => list.add(value, line, layout),
      () => list.clear(),
    );
  }

  private predictionSink(source: LineSource, outcomes: LineSource): LineSink {
    const take = (value: unknown, line: number): void => {
      let prediction: PlainPrediction;
      if (isPlainPrediction(value)) prediction = value;
      else {
        const parsed = parseRecord(predictionRecord, value);
        if (!parsed.ok) return this.report(source, line, parsed.issues);
        prediction = parsed.value;
      }
      const firstLine = this.predictions.add(prediction, line);
      if (firstLine > 0) {
        this.report(source, line, [
          { field: 'prediction_id', reason: messages.jsonlDuplicatePrediction(prediction.prediction_id, firstLine) },
        ]);
      } else {
        source.accepted++;
      }
    };
    return this.jsonSink(source, take, () => {
      // Outcomes live in the prediction table: read outcomes.jsonl again once predictions are back.
      this.predictions.clear();
      outcomes.follower.restart();
      outcomes.log.clear();
      outcomes.accepted = 0;
      outcomes.reloadNext = true;
    });
  }
}


/**
 * The read side of a JSONL monitoring folder (`data/monitoring/` of the Python system, plus
 * Pitwall's outcomes.jsonl). Opening reads every file; `refresh()` reads only what was appended
 * since, or a file again from its start when it was replaced or truncated. Every good line
 * loads; each bad one is skipped and reported with its file, line and field. A missing file
 * is an empty collection; alert_log.txt is a log, not data, and is not read.
 *
 * Calls run one at a time, so a read never sees a refresh half done.
 */
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { PitwallError, describeError } from '../../errors';
import { messages } from '../../messages';
import { alertRecord } from '../../model/alert';
import type { AlertRule } from '../../model/alertRule';
import { degradationAnalysisRecord, type DegradationAnalysis } from '../../model/degradationAnalysis';
import { driftResultRecord, type DriftResult } from '../../model/driftResult';
import { featureImportanceRecord, type FeatureImportance } from '../../model/featureImportance';
import { healthSnapshotRecord, type HealthSnapshot } from '../../model/healthSnapshot';
import { metricSnapshotFromPerformanceMetric, type MetricSnapshot } from '../../model/metricSnapshot';
import { outcomeRecord } from '../../model/outcome';
import { performanceMetricRecord } from '../../model/performanceMetric';
import { predictionRecord, type PredictionWithOutcome } from '../../model/prediction';
import {
  describeIssue,
  parseRecord,
  type FieldIssue,
  type RecordLayout,
  type RecordOf,
  type RecordSpec,
} from '../../model/record';
import type {
  AlertFilter,
  AlertKey,
  AlertQuery,
  Collection,
  CollectionChange,
  DegradationAnalysisQuery,
  DriftResultQuery,
  FeatureImportanceQuery,
  HealthSnapshotQuery,
  MetricSnapshotQuery,
  PredictionColumns,
  PredictionColumnsQuery,
  PredictionFilter,
  PredictionQuery,
  RefreshResult,
  StoreCounts,
  StoreDescription,
  StoreDiagnostic,
  StoredAlert,
  StoreReader,
} from '../store';
import { DiagnosticLog } from './diagnosticLog';
import { FileFollower, type FollowerOptions, type LineSink } from './fileFollower';
import { BLANK_LINE, LineProblem, parseJsonLine } from './lineJson';
import { isPlainPrediction, type PlainPrediction } from './predictionLine';
import { PredictionTable } from './predictionTable';
import { RecordList, type ListEntry } from './recordList';
import { RulesFile, type RuleEntry } from './rulesFile';
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

export interface JsonlStoreOptions extends FollowerOptions {
  /** Problems kept per file; the rest are counted (default 1000). */
  readonly diagnosticsPerFile?: number;
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
  readonly collection: Exclude<Collection, 'rules'>;
  readonly follower: FileFollower;
  readonly log: DiagnosticLog;
  readonly sink: LineSink;
  /** Records accepted since the file was last read from its start. */
  accepted: number;
  /** Its records were dropped for a reason of another file: report the next read as a reload. */
  reloadNext: boolean;
}

export class JsonlStore implements StoreReader {
  private readonly predictions = new PredictionTable();
  private readonly health = new RecordList<HealthSnapshot>();
  private readonly metrics = new RecordList<MetricSnapshot>();
  private readonly alerts = new RecordList<StoredAlert>();
  private readonly alertRows = new Map<AlertKey, number>();
  private readonly alertOccurrences = new Map<string, number>();
  private readonly drift = new RecordList<DriftResult>();
  private readonly degradation = new RecordList<DegradationAnalysis>();
  private readonly importance = new RecordList<FeatureImportance>();
  private readonly sources: LineSource[];
  private readonly rulesFile: RulesFile;
  /** Files that could not be read at the last refresh, with why. */
  private readonly unreadable = new Map<string, string>();
  /** Diagnostics found by the refresh under way. */
  private found: StoreDiagnostic[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly folder: string,
    options: JsonlStoreOptions = {},
  ) {
    const cap = options.diagnosticsPerFile ?? 1000;
    const source = (collection: LineSource['collection'], makeSink: (source: LineSource) => LineSink): LineSource => {
      const partial = {
        collection,
        follower: new FileFollower(join(folder, JSONL_FILES[collection]), options),
        log: new DiagnosticLog(cap),
        accepted: 0,
        reloadNext: false,
      };
      return Object.assign(partial, { sink: makeSink(partial as LineSource) });
    };
    const outcomes = source('outcomes', (self) =>
      this.recordSink(
        self,
        outcomeRecord,
        (outcome) => {
          this.predictions.recordOutcome(outcome.prediction_id, outcome.actual_outcome, outcome.timestamp);
        },
        () => this.predictions.clearOutcomes(),
      ),
    );
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
            const occurrence = (this.alertOccurrences.get(alert.alert_id) ?? 0) + 1;
            this.alertOccurrences.set(alert.alert_id, occurrence);
            const key = `${alert.alert_id}#${occurrence}`;
            this.alertRows.set(key, this.alerts.add({ ...alert, key }, line, layout));
          },
          () => {
            this.alerts.clear();
            this.alertRows.clear();
            this.alertOccurrences.clear();
          },
        ),
      ),
      source('driftResults', (self) => this.listSink(self, driftResultRecord, this.drift)),
      source('degradationAnalyses', (self) => this.listSink(self, degradationAnalysisRecord, this.degradation)),
      source('featureImportance', (self) => this.listSink(self, featureImportanceRecord, this.importance)),
    ];
    this.rulesFile = new RulesFile(join(folder, JSONL_FILES.rules), new DiagnosticLog(cap));
  }

  describe(): Promise<StoreDescription> {
    return this.exclusive(() => {
      const warnings: string[] = [];
      const diagnostics: StoreDiagnostic[] = [];
      for (const source of this.sources) {
        const name = basename(source.follower.path);
        if (source.follower.pendingBytes > 0)
          warnings.push(messages.jsonlPendingLine(name, source.follower.pendingBytes));
        diagnostics.push(...source.log.all);
        if (source.log.overflow > 0) warnings.push(messages.jsonlMoreProblems(name, source.log.overflow));
      }
      diagnostics.push(...this.rulesFile.log.all);
      if (this.predictions.waitingOutcomes > 0) {
        warnings.push(messages.jsonlOrphanOutcomes(JSONL_FILES.outcomes, this.predictions.waitingOutcomes));
      }
      for (const [file, detail] of this.unreadable) warnings.push(messages.jsonlReadFailed(file, detail));
      if (!this.rulesFile.present && this.sources.every((source) => !source.follower.present)) {
        warnings.push(messages.jsonlNoData(this.folder));
      }
      return {
        kind: 'jsonl',
        path: this.folder,
        writable: false,
        readOnlyReason: messages.jsonlReadOnly(this.folder),
        warnings,
        diagnostics,
      };
    });
  }

  refresh(): Promise<RefreshResult> {
    return this.exclusive(async () => {
      this.found = [];
      const changes: CollectionChange[] = [];
      for (const source of this.sources) {
        const before = source.accepted;
        let reset: boolean;
        try {
          reset = (await source.follower.follow(source.sink)).reset;
          this.unreadable.delete(source.follower.path);
        } catch (error) {
          this.unreadable.set(source.follower.path, describeError(error));
          continue;
        }
        if (reset || source.reloadNext)
          changes.push({ collection: source.collection, kind: 'reloaded', added: source.accepted });
        else if (source.accepted > before)
          changes.push({ collection: source.collection, kind: 'appended', added: source.accepted - before });
        source.reloadNext = false;
      }
      try {
        if (await this.rulesFile.refresh((diagnostic) => this.found.push(diagnostic))) {
          changes.push({ collection: 'rules', kind: 'reloaded', added: this.rulesFile.rules.length });
        }
        this.unreadable.delete(this.rulesFile.path);
      } catch (error) {
        this.unreadable.set(this.rulesFile.path, describeError(error));
      }
      return { changes, diagnostics: this.found };
    });
  }

  close(): Promise<void> {
    return this.exclusive(() => {
      if (this.closed) return;
      this.closed = true;
      for (const source of this.sources) source.sink.reset();
    }, true);
  }

  counts(): Promise<StoreCounts> {
    return this.exclusive(() => ({
      predictions: this.predictions.size,
      outcomes: this.predictions.outcomeCount,
      healthSnapshots: this.health.size,
      metricSnapshots: this.metrics.size,
      alerts: this.alerts.size,
      unacknowledgedAlerts: this.alerts.count({}, (alert) => !alert.acknowledged),
      rules: this.rulesFile.rules.length,
      driftResults: this.drift.size,
      degradationAnalyses: this.degradation.size,
      featureImportance: this.importance.size,
    }));
  }

  readModelVersions(): Promise<readonly string[]> {
    return this.exclusive(() => {
      const versions = new Set(this.predictions.modelVersions);
      for (const list of [this.health, this.metrics, this.alerts, this.drift, this.degradation, this.importance]) {
        for (const record of list.values()) if (record.model_version !== null) versions.add(record.model_version);
      }
      return [...versions].sort(new Intl.Collator('en', { numeric: true }).compare);
    });
  }

  readPredictions(query: PredictionQuery = {}): Promise<readonly PredictionWithOutcome[]> {
    return this.exclusive(() => this.selectPredictions(query).map((row) => this.predictions.row(row)));
  }

  readPredictionColumns(query: PredictionColumnsQuery = {}): Promise<PredictionColumns> {
    return this.exclusive(() => this.predictions.columns(this.selectPredictions(query), query.features ?? []));
  }

  readPrediction(predictionId: string): Promise<PredictionWithOutcome | undefined> {
    return this.exclusive(() => {
      const row = this.predictions.find(predictionId);
      return row < 0 ? undefined : this.predictions.row(row);
    });
  }

  countPredictions(filter: PredictionFilter = {}): Promise<number> {
    return this.exclusive(() => countRows(this.predictions.times, filter, this.predictions.matcher(filter)));
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
    return this.exclusive(() => this.alerts.select(query, 'desc', alertMatcher(query)));
  }

  readAlert(key: AlertKey): Promise<StoredAlert | undefined> {
    return this.exclusive(() => {
      const row = this.alertRows.get(key);
      return row === undefined ? undefined : this.alerts.entry(row)?.value;
    });
  }

  countAlerts(filter: AlertFilter = {}): Promise<number> {
    return this.exclusive(() => this.alerts.count(filter, alertMatcher(filter)));
  }

  readRules(): Promise<readonly AlertRule[]> {
    return this.exclusive(() => this.rulesFile.rules);
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

  /** An alert as read, with its line and layout: what a writer needs to rewrite it in place. */
  alertEntry(key: AlertKey): ListEntry<StoredAlert> | undefined {
    const row = this.alertRows.get(key);
    return row === undefined ? undefined : this.alerts.entry(row);
  }

  /** A rule as read, with its position in the file and its layout. */
  ruleEntry(ruleId: string): RuleEntry | undefined {
    return this.rulesFile.entry(ruleId);
  }

  private selectPredictions(query: PredictionQuery): number[] {
    return selectRows(this.predictions.times, query, 'asc', this.predictions.matcher(query));
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
  ): LineSink {
    return this.jsonSink(
      source,
      (value, line) => {
        const parsed = parseRecord(spec, value);
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

function alertMatcher(filter: AlertFilter): (alert: StoredAlert) => boolean {
  const severities =
    filter.severity === undefined
      ? undefined
      : new Set(typeof filter.severity === 'string' ? [filter.severity] : filter.severity);
  return (alert) =>
    (severities === undefined || severities.has(alert.severity)) &&
    (filter.acknowledged === undefined || alert.acknowledged === filter.acknowledged) &&
    (filter.modelVersion === undefined || alert.model_version === filter.modelVersion) &&
    (filter.alertId === undefined || alert.alert_id === filter.alertId);
}

/**
 * A JSONL monitoring folder read for a migration: each file once, front to back, as rows of the
 * database's tables. Records are validated as the JSONL store validates them, and a line it would
 * skip is skipped here with the same diagnostic. What must be known before any row is written is
 * read first: the rules, the alerts (their ids made unique, and the rules' last_triggered) and the
 * outcomes (joined into the predictions). Then predictions and the other files are streamed.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { messages } from '../../messages';
import { alertRecord, type Alert } from '../../model/alert';
import type { AlertRule } from '../../model/alertRule';
import { degradationAnalysisRecord, type DegradationAnalysis } from '../../model/degradationAnalysis';
import { driftResultRecord, type DriftResult } from '../../model/driftResult';
import { featureImportanceRecord, type FeatureImportance } from '../../model/featureImportance';
import { healthSnapshotRecord, type HealthSnapshot } from '../../model/healthSnapshot';
import type { JsonValue } from '../../model/json';
import { outcomeRecord, type Outcome } from '../../model/outcome';
import { performanceMetricRecord, type PerformanceMetric } from '../../model/performanceMetric';
import { predictionRecord } from '../../model/prediction';
import type { PyJson } from '../../model/pythonJson';
import { describeIssue, parseRecord, type FieldIssue } from '../../model/record';
import { RULE_FIELDS_IN_CONDITIONS } from '../sqlite/rows';
import { toSqlAlchemyText } from '../../model/timestamps';
import { DiagnosticLog } from '../jsonl/diagnosticLog';
import { isMissing } from '../jsonl/fileFollower';
import { ACKNOWLEDGMENTS_FILE, JSONL_FILES } from '../jsonl/jsonlStore';
import { RuleSettingsFile, RULE_SETTINGS_FILE } from '../jsonl/ruleSettings';
import { DELIVERIES_FILE, DELIVERY_FIELDS, parseDelivery } from '../deliveryRecords';
import { ALERT_STATE_FILE, parseAlertStates, parseSilencesFile, SILENCES_FILE } from '../silenceRecords';
import { ACKNOWLEDGMENTS_TABLE_SQL, ALERT_KEYS_TABLE_SQL, ALERT_STATE_TABLE_SQL, DELIVERIES_TABLE_SQL, SILENCES_TABLE_SQL } from '../sqlite/sqliteStore';
import { acknowledgmentRecord, type Acknowledgment } from '../../model/acknowledgment';
import type { DeliveryRecord } from '../../model/delivery';
import { BLANK_LINE, LineProblem, parseJsonLine } from '../jsonl/lineJson';
import { isPlainPrediction, type PlainPrediction } from '../jsonl/predictionLine';
import { RulesFile } from '../jsonl/rulesFile';
import type { StoreDiagnostic } from '../store';
import type { SqliteParam, SqliteStatement } from '../sqlite/writer';
import { LineReader } from './lineReader';
import { pythonJsonText, pythonReadingOf } from './pythonJsonText';
import { keyText, TABLES, type MigrationTable, type TableSpec } from './tables';

/** Pitwall's own tables, beside the service's: what a folder keeps in its `*.pitwall.*` files and acknowledgments.jsonl. */
export type PitwallTable = 'pitwall_acknowledgments' | 'pitwall_silences' | 'pitwall_alert_state' | 'pitwall_deliveries' | 'pitwall_alert_keys';

/** A line of the migration report: a table, or the outcomes joined into predictions. */
export type MigrationPart = MigrationTable | 'outcomes' | PitwallTable;

export interface Tally {
  /** Records read from the source and fit to migrate. */
  read: number;
  /** Rows inserted (or, in a dry run, that would be). */
  inserted: number;
  /** Rows whose identity the target already holds, or an earlier record of the source gave. */
  present: number;
  /** Rows of the target completed: outcomes filled, rules' last_triggered moved forward. */
  updated: number;
  /** Records not migrated: bad lines, and a last line still being written. */
  skipped: number;
  /** Records migrated under another id. */
  renamed: number;
}

/** What to write: a row, or a change to a row an earlier migration or the live service wrote. */
export type PlannedItem =
  | { readonly kind: 'row'; readonly spec: TableSpec; readonly values: readonly SqliteParam[]; readonly withOutcome: boolean }
  | { readonly kind: 'outcome'; readonly predictionId: string; readonly outcome: 0 | 1; readonly at: string; readonly orphan: boolean }
  | { readonly kind: 'triggered'; readonly ruleId: string; readonly at: string }
  /** A statement that inserts a row of Pitwall's own tables only when the target lacks it (or, without a tally, creates a table). */
  | { readonly kind: 'sql'; readonly statement: SqliteStatement; readonly tally: Tally | null };

export interface AlertRenaming {
  readonly file: string;
  readonly line: number;
  readonly from: string;
  readonly to: string;
  readonly message: string;
}

export interface FolderSourceOptions {
  /** Problems kept per file; the rest are counted (default 1000). */
  readonly diagnosticsPerFile?: number;
  /** Called every PROGRESS_ROWS records of a part, and at its end. */
  readonly onRows?: (part: MigrationPart, rows: number) => void;
}

type LineCollection = Exclude<keyof typeof JSONL_FILES, 'rules'>;

/** One line file being read, and where its problems and counts go. */
interface LineFile {
  readonly reader: LineReader;
  readonly log: DiagnosticLog;
  readonly tally: Tally;
  readonly part: MigrationPart;
}

type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly FieldIssue[] | string };

interface ReadRecord<T> {
  readonly value: T;
  readonly line: number;
  readonly text: string;
}

interface KeptRule {
  readonly values: SqliteParam[];
  readonly lastTriggered: string | null;
}

const PROGRESS_ROWS = 10_000;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// The JSONL store's order of files, which its diagnostics follow.
const LINE_FILES: readonly [LineCollection, MigrationPart][] = [
  ['predictions', 'predictions'],
  ['outcomes', 'outcomes'],
  ['healthSnapshots', 'health_snapshots'],
  ['metricSnapshots', 'metric_snapshots'],
  ['alerts', 'alerts'],
  ['driftResults', 'drift_results'],
  ['degradationAnalyses', 'degradation_analysis'],
  ['featureImportance', 'feature_importance'],
];

export const MIGRATION_PARTS: readonly MigrationPart[] = [
  'predictions',
  'outcomes',
  'health_snapshots',
  'alerts',
  'alert_rules',
  'drift_results',
  'feature_importance',
  'degradation_analysis',
  'metric_snapshots',
  'pitwall_acknowledgments',
  'pitwall_silences',
  'pitwall_alert_state',
  'pitwall_deliveries',
  'pitwall_alert_keys',
];

/** The source file of each part of the report. */
export const PART_FILES: Readonly<Record<MigrationPart, string>> = {
  predictions: JSONL_FILES.predictions,
  outcomes: JSONL_FILES.outcomes,
  health_snapshots: JSONL_FILES.healthSnapshots,
  alerts: JSONL_FILES.alerts,
  alert_rules: JSONL_FILES.rules,
  drift_results: JSONL_FILES.driftResults,
  feature_importance: JSONL_FILES.featureImportance,
  degradation_analysis: JSONL_FILES.degradationAnalyses,
  metric_snapshots: JSONL_FILES.metricSnapshots,
  pitwall_acknowledgments: ACKNOWLEDGMENTS_FILE,
  pitwall_silences: SILENCES_FILE,
  pitwall_alert_state: ALERT_STATE_FILE,
  pitwall_deliveries: DELIVERIES_FILE,
  pitwall_alert_keys: JSONL_FILES.alerts,
};

function emptyTally(): Tally {
  return { read: 0, inserted: 0, present: 0, updated: 0, skipped: 0, renamed: 0 };
}

const flag = (value: boolean | null): SqliteParam => (value === null ? null : value ? 1 : 0);
const time = (seconds: number | null): string | null => (seconds === null ? null : toSqlAlchemyText(seconds));
/** `created_at` as CURRENT_TIMESTAMP would have written it when the Python system stored the record. */
const createdAt = (text: string): string => text.slice(0, 19);

export class FolderSource {
  readonly tallies: Readonly<Record<MigrationPart, Tally>>;
  readonly renamings: AlertRenaming[] = [];
  /** Sentences about the source as a whole. */
  readonly warnings: string[] = [];
  private readonly files: Readonly<Record<LineCollection, LineFile>>;
  private readonly rulesPath: string;
  private readonly rulesLog: DiagnosticLog;
  private readonly settingsLog: DiagnosticLog;
  /** Pitwall's own line files: acknowledgments.jsonl and deliveries.pitwall.jsonl. */
  private readonly acknowledgments: LineFile;
  private readonly deliveries: LineFile;
  private readonly pitwallLog: DiagnosticLog;
  /** The JSONL store's key of each migrated alert (`<alert_id>#<n>`) → the alert_id it is migrated under. */
  private readonly alertKeys = new Map<string, string>();
  private readonly onRows: (part: MigrationPart, rows: number) => void;
  private readonly outcomes = new OutcomeTable();
  private alerts: SqliteParam[][] = [];
  private rules: KeptRule[] = [];

  constructor(
    readonly folder: string,
    options: FolderSourceOptions = {},
  ) {
    const cap = options.diagnosticsPerFile ?? 1000;
    const tallies = Object.fromEntries(MIGRATION_PARTS.map((part) => [part, emptyTally()])) as Record<MigrationPart, Tally>;
    this.tallies = tallies;
    this.files = Object.fromEntries(
      LINE_FILES.map(([collection, part]) => [
        collection,
        {
          reader: new LineReader(join(folder, JSONL_FILES[collection])),
          log: new DiagnosticLog(cap),
          tally: tallies[part],
          part,
        },
      ]),
    ) as Record<LineCollection, LineFile>;
    this.rulesPath = join(folder, JSONL_FILES.rules);
    this.rulesLog = new DiagnosticLog(cap);
    this.settingsLog = new DiagnosticLog(cap);
    this.pitwallLog = new DiagnosticLog(cap);
    const lineFile = (name: string, part: MigrationPart): LineFile => ({ reader: new LineReader(join(folder, name)), log: new DiagnosticLog(cap), tally: tallies[part], part });
    this.acknowledgments = lineFile(ACKNOWLEDGMENTS_FILE, 'pitwall_acknowledgments');
    this.deliveries = lineFile(DELIVERIES_FILE, 'pitwall_deliveries');
    this.onRows = options.onRows ?? (() => undefined);
  }

  /** Every problem found, file by file in the JSONL store's order, each file's up to the cap. */
  get diagnostics(): StoreDiagnostic[] {
    return [
      ...LINE_FILES.flatMap(([collection]) => this.files[collection].log.all),
      ...this.rulesLog.all,
      ...this.settingsLog.all,
      ...this.acknowledgments.log.all,
      ...this.deliveries.log.all,
      ...this.pitwallLog.all,
    ];
  }

  /** Outcomes whose prediction predictions.jsonl does not hold; known once the predictions were read. */
  get orphanOutcomes(): number {
    return this.outcomes.unjoined;
  }

  /** Reads what the rows depend on: rules, alerts and outcomes. */
  async prepare(): Promise<void> {
    const rules = await this.readRules();
    const alerts = await this.readAlerts();
    const fired = this.lastFired(rules.map((rule) => rule.rule), alerts);
    this.rules = rules.map(({ rule, values }) => {
      const last = Math.max(rule.last_triggered ?? -Infinity, fired.get(rule.rule_id) ?? -Infinity);
      const lastTriggered = Number.isFinite(last) ? toSqlAlchemyText(last) : null;
      values[values.length - 1] = lastTriggered;
      return { values, lastTriggered };
    });
    const outcomes = this.files.outcomes;
    const reading = this.read(outcomes, (value) => parseRecord(outcomeRecord, value), ({ value, line }) => {
      if (!this.storable(outcomes, line, ['prediction_id'], [value.prediction_id])) return;
      this.outcomes.set(value);
      this.counted(outcomes);
    });
    for await (const _items of reading);
  }

  /**
   * The rows, table by table in the schema's order, a chunk of the source at a time. With `updates`,
   * also what completes rows already in the target: outcomes for predictions without one (including
   * outcomes whose prediction only the target holds), and rules' last_triggered.
   */
  async *batches(updates: boolean): AsyncGenerator<readonly PlannedItem[]> {
    yield* this.predictionItems(updates);
    if (updates) {
      yield this.outcomes.unjoinedEntries().map(([predictionId, outcome, at]) => ({
        kind: 'outcome' as const,
        predictionId,
        outcome,
        at: toSqlAlchemyText(at),
        orphan: true,
      }));
    }
    yield* this.lineRows(this.files.healthSnapshots, TABLES.health_snapshots, (value) => parseRecord(healthSnapshotRecord, value), healthValues);
    yield this.alertItems();
    yield this.ruleItems(updates);
    yield* this.lineRows(this.files.driftResults, TABLES.drift_results, (value) => parseRecord(driftResultRecord, value), driftValues);
    yield* this.lineRows(this.files.featureImportance, TABLES.feature_importance, (value) => parseRecord(featureImportanceRecord, value), importanceValues);
    yield* this.lineRows(this.files.degradationAnalyses, TABLES.degradation_analysis, (value) => parseRecord(degradationAnalysisRecord, value), degradationValues);
    yield* this.lineRows(this.files.metricSnapshots, TABLES.metric_snapshots, (value) => parseRecord(performanceMetricRecord, value), metricValues);
    yield* this.pitwallItems();
    const metrics = this.tallies.metric_snapshots.read;
    if (metrics > 0) this.warnings.push(messages.migrationMetricsWithoutVersion(JSONL_FILES.metricSnapshots, metrics));
    for (const [collection] of LINE_FILES) {
      const { log } = this.files[collection];
      if (log.overflow > 0) this.warnings.push(messages.jsonlMoreProblems(JSONL_FILES[collection], log.overflow));
    }
    if (this.rulesLog.overflow > 0) this.warnings.push(messages.jsonlMoreProblems(JSONL_FILES.rules, this.rulesLog.overflow));
    for (const file of [this.acknowledgments, this.deliveries]) {
      if (file.log.overflow > 0) this.warnings.push(messages.jsonlMoreProblems(basename(file.reader.path), file.log.overflow));
    }
  }

  /**
   * The rows of one of the service's tables only, as `batches` plans them for a new database: for a
   * reader that loads a folder into the Python system's table layout a table at a time (`prepare`
   * first, as for `batches`).
   */
  async *tableRows(table: MigrationTable): AsyncGenerator<readonly PlannedItem[]> {
    switch (table) {
      case 'predictions':
        yield* this.predictionItems(false);
        return;
      case 'alerts':
        yield this.alertItems();
        return;
      case 'alert_rules':
        yield this.ruleItems(false);
        return;
      case 'health_snapshots':
        yield* this.lineRows(this.files.healthSnapshots, TABLES.health_snapshots, (value) => parseRecord(healthSnapshotRecord, value), healthValues);
        return;
      case 'drift_results':
        yield* this.lineRows(this.files.driftResults, TABLES.drift_results, (value) => parseRecord(driftResultRecord, value), driftValues);
        return;
      case 'feature_importance':
        yield* this.lineRows(this.files.featureImportance, TABLES.feature_importance, (value) => parseRecord(featureImportanceRecord, value), importanceValues);
        return;
      case 'degradation_analysis':
        yield* this.lineRows(this.files.degradationAnalyses, TABLES.degradation_analysis, (value) => parseRecord(degradationAnalysisRecord, value), degradationValues);
        return;
      case 'metric_snapshots':
        yield* this.lineRows(this.files.metricSnapshots, TABLES.metric_snapshots, (value) => parseRecord(performanceMetricRecord, value), metricValues);
        return;
    }
  }

  /**
   * Pitwall's own records, after the alerts they name: each table created if the target lacks it,
   * then its rows, each inserted only when the target does not hold it yet (a second migration
   * adds nothing, and a live database's own firing states and silences win).
   */
  private async *pitwallItems(): AsyncGenerator<readonly PlannedItem[]> {
    // A table is created before its first row only: a folder without Pitwall's records migrates into exactly the service's schema.
    const created = new Set<string>();
    const withTable = (sql: string, items: PlannedItem[]): PlannedItem[] => {
      if (items.length === 0 || created.has(sql)) return items;
      created.add(sql);
      return [{ kind: 'sql', statement: { sql, params: [] }, tally: null }, ...items];
    };

    // `<alert_id>#1` finds the alert with that alert_id anyway; the keys of renamed alerts need their row.
    const keys = this.tallies.pitwall_alert_keys;
    const keyItems: PlannedItem[] = [];
    for (const [key, alertId] of this.alertKeys) {
      if (key === `${alertId}#1`) continue;
      keys.read++;
      keyItems.push({ kind: 'sql', statement: { sql: 'INSERT OR IGNORE INTO pitwall_alert_keys (alert_key, alert_id) VALUES (?, ?)', params: [key, alertId] }, tally: keys });
    }
    yield withTable(ALERT_KEYS_TABLE_SQL, keyItems);

    const acknowledgments = this.acknowledgments;
    const seenAcknowledgments = new Set<string>();
    const acknowledgmentItems = this.read(acknowledgments, (value) => parseRecord(acknowledgmentRecord, value), ({ value, line }, items) => {
      const alertId = this.alertKeys.get(value.alert_key);
      if (alertId === undefined) {
        this.skip(acknowledgments, line, [{ field: 'alert_key', reason: messages.migrationAlertKeyUnknown(value.alert_key, JSONL_FILES.alerts) }]);
        return;
      }
      const row = acknowledgmentValues(value);
      if (!this.storable(acknowledgments, line, ['acknowledged_by', 'acknowledged_at', 'comment'], row)) return;
      this.counted(acknowledgments);
      const identity = JSON.stringify([alertId, ...row]);
      if (seenAcknowledgments.has(identity)) {
        acknowledgments.tally.present++;
        return;
      }
      seenAcknowledgments.add(identity);
      items.push({ kind: 'sql', statement: insertAcknowledgment(alertId, row), tally: acknowledgments.tally });
    });
    for await (const items of acknowledgmentItems) yield withTable(ACKNOWLEDGMENTS_TABLE_SQL, [...items]);

    const silences = await this.wholeFileItems(SILENCES_FILE, 'pitwall_silences', (path, bytes) =>
      parseSilencesFile(path, bytes).map((silence) => ({
        identity: silence.id,
        statement: {
          sql: 'INSERT INTO pitwall_silences (id, silence) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM pitwall_silences WHERE id = ?)',
          params: [silence.id, JSON.stringify(silence), silence.id],
        },
      })),
    );
    yield withTable(SILENCES_TABLE_SQL, silences);
    const states = await this.wholeFileItems(ALERT_STATE_FILE, 'pitwall_alert_state', (path, bytes) =>
      Object.entries(parseAlertStates(path, bytes)).map(([fingerprint, at]) => ({
        identity: fingerprint,
        statement: {
          sql: 'INSERT INTO pitwall_alert_state (fingerprint, fired_at) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM pitwall_alert_state WHERE fingerprint = ?)',
          params: [fingerprint, at, fingerprint],
        },
      })),
    );
    yield withTable(ALERT_STATE_TABLE_SQL, states);

    const deliveries = this.deliveries;
    const seenDeliveries = new Set<string>();
    const deliveryItems = this.read(deliveries, parseDelivery, ({ value, line }, items) => {
      const row = DELIVERY_FIELDS.map((field) => value[field]);
      if (!this.storable(deliveries, line, DELIVERY_FIELDS, row)) return;
      this.counted(deliveries);
      const identity = JSON.stringify(row);
      if (seenDeliveries.has(identity)) {
        deliveries.tally.present++;
        return;
      }
      seenDeliveries.add(identity);
      items.push({ kind: 'sql', statement: insertDelivery(value, this.alertKeys.get(value.alert)), tally: deliveries.tally });
    });
    for await (const items of deliveryItems) yield withTable(DELIVERIES_TABLE_SQL, [...items]);
  }

  /** A JSON file Pitwall rewrites whole (silences, firing states): all its records, or none and a problem naming it. */
  private async wholeFileItems(
    name: string,
    part: PitwallTable,
    parse: (path: string, bytes: Buffer) => { identity: string; statement: SqliteStatement }[],
  ): Promise<PlannedItem[]> {
    const path = join(this.folder, name);
    const tally = this.tallies[part];
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    let rows: { identity: string; statement: SqliteStatement }[];
    try {
      rows = parse(path, bytes);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      tally.skipped++;
      this.pitwallLog.add({ severity: 'error', file: path, reason, message: messages.migrationFileNotMigrated(name, reason) });
      return [];
    }
    const seen = new Set<string>();
    const items: PlannedItem[] = [];
    for (const row of rows) {
      tally.read++;
      if (seen.has(row.identity)) {
        tally.present++;
        continue;
      }
      seen.add(row.identity);
      items.push({ kind: 'sql', statement: row.statement, tally });
    }
    return items;
  }

  private predictionItems(updates: boolean): AsyncGenerator<readonly PlannedItem[]> {
    const file = this.files.predictions;
    const spec = TABLES.predictions;
    const firstLine = new Map<string, number>();
    return this.read(file, decodePrediction, ({ value: prediction, line, text }, items) => {
      const id = prediction.prediction_id;
      const first = firstLine.get(id);
      if (first !== undefined) {
        this.skip(file, line, [{ field: 'prediction_id', reason: messages.jsonlDuplicatePrediction(id, first) }]);
        return;
      }
      const outcome = this.outcomes.find(id);
      const at = toSqlAlchemyText(prediction.timestamp);
      const exact = pythonReadingOf(text);
      const values: SqliteParam[] = [
        at,
        prediction.model_version,
        id,
        prediction.predicted_outcome,
        prediction.confidence,
        outcome === undefined ? null : outcome.outcome,
        outcome === undefined ? null : toSqlAlchemyText(outcome.at),
        pythonJsonText(prediction.features, exact, 'features'),
        prediction.metadata == null ? null : pythonJsonText(prediction.metadata, exact, 'metadata'),
        createdAt(at),
      ];
      if (!this.storable(file, line, spec.columns, values)) return;
      firstLine.set(id, line);
      this.counted(file);
      items.push({ kind: 'row', spec, values, withOutcome: outcome !== undefined });
      if (outcome !== undefined) {
        this.outcomes.join(id);
        if (updates) items.push({ kind: 'outcome', predictionId: id, outcome: outcome.outcome, at: values[6] as string, orphan: false });
      }
    });
  }

  /** Rows of a file whose records map to one table each, without repeats of a row's identity. */
  private lineRows<T>(
    file: LineFile,
    spec: TableSpec,
    decode: (value: unknown) => Decoded<T>,
    toValues: (value: T, text: string) => SqliteParam[],
  ): AsyncGenerator<readonly PlannedItem[]> {
    const seen = new Set<string>();
    return this.read(file, decode, ({ value, line, text }, items) => {
      const values = toValues(value, text);
      if (!this.storable(file, line, spec.columns, values)) return;
      this.counted(file);
      const key = keyText(spec, values);
      if (seen.has(key)) {
        file.tally.present++;
        return;
      }
      seen.add(key);
      items.push({ kind: 'row', spec, values, withOutcome: false });
    });
  }

  /**
   * Reads a line file a chunk at a time. Each validated record goes to `take` in line order, between
   * the reports of the lines skipped around it; what `take` plans is yielded chunk by chunk.
   */
  private async *read<T>(
    file: LineFile,
    decode: (value: unknown) => Decoded<T>,
    take: (record: ReadRecord<T>, items: PlannedItem[]) => void,
  ): AsyncGenerator<readonly PlannedItem[]> {
    for await (const batch of file.reader.batches()) {
      const items: PlannedItem[] = [];
      for (const item of batch) {
        if ('problem' in item) {
          this.skip(file, item.line, item.problem === 'not-utf8' ? messages.jsonlLineNotUtf8() : messages.jsonlLineTooLong(file.reader.maxLineBytes));
          continue;
        }
        const value = parseJsonLine(item.text);
        if (value === BLANK_LINE) continue;
        if (value instanceof LineProblem) {
          this.skip(file, item.line, value.problem);
          continue;
        }
        const decoded = decode(value);
        if (decoded.ok) take({ value: decoded.value, line: item.line, text: item.text }, items);
        else this.skip(file, item.line, decoded.issues);
      }
      yield items;
    }
    this.finished(file);
  }

  /** After a file was read: its unfinished last line, if any, is reported as not migrated. */
  private finished(file: LineFile): void {
    const { reader } = file;
    if (reader.pendingBytes > 0) {
      const reason = messages.migrationLineUnfinished(reader.pendingBytes);
      const name = basename(reader.path);
      file.tally.skipped++;
      file.log.add({
        severity: 'error',
        file: reader.path,
        line: reader.nextLine,
        reason,
        message: messages.migrationLineNotMigrated(name, reader.nextLine, reason),
      });
    }
    this.onRows(file.part, file.tally.read);
  }

  /** As the JSONL store reports a skipped line. */
  private skip(file: LineFile, line: number, issues: readonly FieldIssue[] | string): void {
    const problem = typeof issues === 'string' ? issues : issues.map(describeIssue).join('; ');
    const field = typeof issues === 'string' ? undefined : issues[0]?.field || undefined;
    file.tally.skipped++;
    file.log.add({
      severity: 'error',
      file: file.reader.path,
      line,
      ...(field === undefined ? {} : { field }),
      reason: problem,
      message: messages.jsonlLineSkipped(basename(file.reader.path), line, problem),
    });
  }

  /** False, with the line skipped, when a text value has no UTF-8 form. */
  private storable(file: LineFile, line: number, columns: readonly string[], values: readonly SqliteParam[]): boolean {
    const column = unstorableColumn(columns, values);
    if (column === undefined) return true;
    this.skip(file, line, [{ field: column, reason: messages.migrationTextUnpaired() }]);
    return false;
  }

  private counted(file: LineFile): void {
    if (++file.tally.read % PROGRESS_ROWS === 0) this.onRows(file.part, file.tally.read);
  }

  private async readRules(): Promise<{ rule: AlertRule; values: SqliteParam[] }[]> {
    const name = JSONL_FILES.rules;
    const tally = this.tallies.alert_rules;
    const rulesFile = new RulesFile(this.rulesPath, this.rulesLog);
    await rulesFile.refresh(() => undefined);
    // Pitwall's own fields of the rules (cooldown, for_minutes, min_samples) live beside alert_rules.json.
    const settings = new RuleSettingsFile(join(this.folder, RULE_SETTINGS_FILE), this.settingsLog);
    await settings.refresh(() => undefined);
    let exact: PyJson | undefined;
    try {
      exact = pythonReadingOf(await readFile(this.rulesPath, 'utf8'));
    } catch (error) {
      if (!isMissing(error) && !(error instanceof SyntaxError)) throw error;
    }
    const kept: { rule: AlertRule; values: SqliteParam[] }[] = [];
    for (const read of rulesFile.rules) {
      const rule = settings.apply(read);
      const entry = rulesFile.entry(rule.rule_id);
      const index = entry?.index ?? -1;
      // The file is read twice; an element that is not this rule means it changed in between.
      const element = Array.isArray(exact) ? (exact as readonly PyJson[])[index] : undefined;
      const python = element instanceof Map && element.get('rule_id') === rule.rule_id ? element : undefined;
      const values: SqliteParam[] = [
        rule.rule_id,
        rule.metric_name,
        rule.metric_type,
        rule.threshold,
        rule.comparison,
        rule.severity,
        rule.component,
        flag(rule.enabled),
        rule.cooldown_minutes,
        pythonJsonText(rule.channels, python, 'channels'),
        conditionsText(rule, python),
        null,
      ];
      const column = unstorableColumn(TABLES.alert_rules.columns, values);
      if (column !== undefined) {
        const problem = describeIssue({ field: column, reason: messages.migrationTextUnpaired() });
        this.rulesLog.add({ severity: 'error', file: this.rulesPath, index, field: column, reason: problem, message: messages.jsonlRuleSkipped(name, index, problem) });
        continue;
      }
      tally.read++;
      kept.push({ rule, values });
    }
    tally.skipped = this.rulesLog.all.filter((diagnostic) => diagnostic.severity === 'error').length;
    this.onRows('alert_rules', tally.read);
    return kept;
  }

  /** Reads the alerts and makes their ids unique: the first keeps its id, a later one becomes `<id>-<n>`. */
  private async readAlerts(): Promise<Alert[]> {
    const file = this.files.alerts;
    const read: (ReadRecord<Alert> & { values: SqliteParam[]; key: string })[] = [];
    // The JSONL store numbers every alert it reads, one it cannot migrate too: keys are counted the same way.
    const keyOccurrences = new Map<string, number>();
    const reading = this.read(file, (value) => parseRecord(alertRecord, value), (record) => {
      const id = record.value.alert_id;
      const occurrence = (keyOccurrences.get(id) ?? 0) + 1;
      keyOccurrences.set(id, occurrence);
      const values = alertValues(record.value);
      if (!this.storable(file, record.line, TABLES.alerts.columns, values)) return;
      this.counted(file);
      read.push({ ...record, values, key: `${id}#${occurrence}` });
    });
    for await (const _items of reading);
    const originals = new Set(read.map((record) => record.value.alert_id));
    const given = new Set<string>();
    const occurrences = new Map<string, number>();
    for (const record of read) {
      const id = record.value.alert_id;
      const occurrence = (occurrences.get(id) ?? 0) + 1;
      occurrences.set(id, occurrence);
      let unique = id;
      if (occurrence > 1) {
        // The n-th alert with an id becomes `<id>-n` (the JSONL store's key `<id>#n`), or the next n the source does not use.
        let n = occurrence;
        do unique = `${id}-${n++}`;
        while (originals.has(unique) || given.has(unique));
      }
      given.add(unique);
      this.alertKeys.set(record.key, unique);
      if (unique !== id) {
        record.values[0] = unique;
        file.tally.renamed++;
        const name = JSONL_FILES.alerts;
        this.renamings.push({ file: name, line: record.line, from: id, to: unique, message: messages.migrationAlertRenamed(name, record.line, id, unique) });
      }
    }
    this.alerts = read.map((record) => record.values);
    return read.map((record) => record.value);
  }

  /**
   * When each rule last fired, from the alerts. An alert does not name its rule; the Python system's
   * evaluate_rule gives it the rule's metric_name, component and severity (and threshold), so an
   * alert belongs to the one rule with those three. When several rules share them, the rule with the
   * alert's threshold; when that leaves not exactly one, the alerts are left out and a warning says so.
   */
  private lastFired(rules: readonly AlertRule[], alerts: readonly Alert[]): Map<string, number> {
    const byIdentity = new Map<string, AlertRule[]>();
    for (const rule of rules) {
      const identity = JSON.stringify([rule.metric_name, rule.component, rule.severity]);
      byIdentity.set(identity, [...(byIdentity.get(identity) ?? []), rule]);
    }
    const fired = new Map<string, number>();
    const ambiguous = new Map<string, readonly AlertRule[]>();
    for (const alert of alerts) {
      const identity = JSON.stringify([alert.metric_name, alert.component, alert.severity]);
      const candidates = byIdentity.get(identity);
      if (candidates === undefined) continue;
      const matched = candidates.length === 1 ? candidates : candidates.filter((rule) => rule.threshold === alert.threshold);
      const rule = matched.length === 1 ? matched[0] : undefined;
      if (rule === undefined) {
        ambiguous.set(identity, candidates);
        continue;
      }
      fired.set(rule.rule_id, Math.max(fired.get(rule.rule_id) ?? -Infinity, alert.timestamp));
    }
    for (const candidates of ambiguous.values()) {
      const [first] = candidates as [AlertRule];
      this.warnings.push(messages.migrationRuleAmbiguous(first.metric_name, first.component, first.severity, candidates.map((rule) => rule.rule_id)));
    }
    return fired;
  }

  private alertItems(): PlannedItem[] {
    return this.alerts.map((values) => ({ kind: 'row', spec: TABLES.alerts, values, withOutcome: false }));
  }

  private ruleItems(updates: boolean): PlannedItem[] {
    return this.rules.flatMap(({ values, lastTriggered }): PlannedItem[] => {
      const row: PlannedItem = { kind: 'row', spec: TABLES.alert_rules, values, withOutcome: false };
      if (!updates || lastTriggered === null) return [row];
      return [row, { kind: 'triggered', ruleId: values[0] as string, at: lastTriggered }];
    });
  }
}

function decodePrediction(value: unknown): Decoded<PlainPrediction> {
  return isPlainPrediction(value) ? { ok: true, value } : parseRecord(predictionRecord, value);
}

function unstorableColumn(columns: readonly string[], values: readonly SqliteParam[]): string | undefined {
  const index = values.findIndex((value) => typeof value === 'string' && LONE_SURROGATE.test(value));
  return index < 0 ? undefined : columns[index];
}

function alertValues(alert: Alert): SqliteParam[] {
  const at = toSqlAlchemyText(alert.timestamp);
  return [
    alert.alert_id,
    at,
    alert.severity,
    alert.title,
    alert.message,
    alert.metric_name,
    alert.metric_value,
    alert.threshold,
    alert.component,
    alert.model_version,
    flag(alert.acknowledged),
    time(alert.acknowledged_at),
    alert.acknowledged_by,
    createdAt(at),
  ];
}

function healthValues(snapshot: HealthSnapshot): SqliteParam[] {
  const at = toSqlAlchemyText(snapshot.timestamp);
  return [
    at,
    snapshot.model_version,
    snapshot.accuracy,
    snapshot.precision,
    snapshot.recall,
    snapshot.f1_score,
    snapshot.roc_auc,
    snapshot.expected_calibration_error,
    snapshot.num_predictions,
    snapshot.prediction_accuracy_trend,
    flag(snapshot.degradation_detected),
    createdAt(at),
  ];
}

/** metrics.jsonl has no model version and the column takes no NULL: the empty text stands for "not recorded". */
function metricValues(metric: PerformanceMetric): SqliteParam[] {
  const at = toSqlAlchemyText(metric.timestamp);
  return [at, '', metric.metric_name, metric.value, metric.window_size, metric.threshold, metric.status, createdAt(at)];
}

/** A free-form JSON column: NULL for null (what the Pitwall reader reads back as null), else Python's JSON text. */
function jsonColumn(value: JsonValue | null, exact: PyJson | undefined, field: string): string | null {
  return value === null ? null : pythonJsonText(value, exact, field);
}

function driftValues(drift: DriftResult, text: string): SqliteParam[] {
  const at = toSqlAlchemyText(drift.timestamp);
  const exact = pythonReadingOf(text);
  return [
    at,
    drift.feature_name,
    drift.model_version,
    flag(drift.drift_detected),
    drift.test_statistic,
    drift.p_value,
    drift.threshold,
    drift.drift_type,
    jsonColumn(drift.baseline_stats, exact, 'baseline_stats'),
    jsonColumn(drift.current_stats, exact, 'current_stats'),
    drift.severity,
    createdAt(at),
  ];
}

function importanceValues(importance: FeatureImportance): SqliteParam[] {
  const at = toSqlAlchemyText(importance.timestamp);
  return [
    at,
    importance.model_version,
    importance.feature_name,
    importance.importance_score,
    importance.shap_value,
    importance.percentage,
    importance.rank,
    createdAt(at),
  ];
}

function degradationValues(analysis: DegradationAnalysis, text: string): SqliteParam[] {
  const at = toSqlAlchemyText(analysis.timestamp);
  const exact = pythonReadingOf(text);
  return [
    at,
    analysis.model_version,
    analysis.metric_name,
    analysis.baseline_value,
    analysis.current_value,
    analysis.degradation_percent,
    analysis.failure_cohort_size,
    jsonColumn(analysis.top_features, exact, 'top_features'),
    jsonColumn(analysis.error_patterns, exact, 'error_patterns'),
    jsonColumn(analysis.recommended_actions, exact, 'recommended_actions'),
    createdAt(at),
  ];
}

/**
 * outcomes.jsonl by prediction id, a later line superseding an earlier one, in typed arrays: a
 * million outcomes are a Map of ids to rows and 9 bytes a row.
 */
class OutcomeTable {
  private readonly rows = new Map<string, number>();
  private outcome = new Uint8Array(1024);
  private at = new Float64Array(1024);
  private joined = new Uint8Array(1024);
  private joinedCount = 0;

  get unjoined(): number {
    return this.rows.size - this.joinedCount;
  }

  set(outcome: Outcome): void {
    let row = this.rows.get(outcome.prediction_id);
    if (row === undefined) {
      row = this.rows.size;
      if (row === this.at.length) this.grow();
      this.rows.set(outcome.prediction_id, row);
    }
    this.outcome[row] = outcome.actual_outcome;
    this.at[row] = outcome.timestamp;
  }

  find(predictionId: string): { readonly outcome: 0 | 1; readonly at: number } | undefined {
    const row = this.rows.get(predictionId);
    return row === undefined ? undefined : { outcome: this.outcome[row] as 0 | 1, at: this.at[row] as number };
  }

  join(predictionId: string): void {
    const row = this.rows.get(predictionId) as number;
    if (this.joined[row] === 0) this.joinedCount++;
    this.joined[row] = 1;
  }

  /** Outcomes no prediction was joined with: id, outcome and time. */
  unjoinedEntries(): [string, 0 | 1, number][] {
    const entries: [string, 0 | 1, number][] = [];
    for (const [id, row] of this.rows) {
      if (this.joined[row] === 0) entries.push([id, this.outcome[row] as 0 | 1, this.at[row] as number]);
    }
    return entries;
  }

  private grow(): void {
    const capacity = this.at.length * 2;
    const outcome = new Uint8Array(capacity);
    outcome.set(this.outcome);
    const at = new Float64Array(capacity);
    at.set(this.at);
    const joined = new Uint8Array(capacity);
    joined.set(this.joined);
    this.outcome = outcome;
    this.at = at;
    this.joined = joined;
  }
}

/** A rule's conditions as Python's JSON text, with Pitwall's own for_minutes and min_samples kept inside them as the SQLite store keeps them. */
function conditionsText(rule: AlertRule, python: PyJson | undefined): string {
  const own = Object.fromEntries(RULE_FIELDS_IN_CONDITIONS.filter((field) => rule[field] !== 0).map((field) => [field, rule[field]]));
  if (Object.keys(own).length === 0) return pythonJsonText(rule.conditions as PyJson, python, 'conditions');
  return pythonJsonText({ ...(rule.conditions as Record<string, PyJson>), ...own }, undefined, 'conditions');
}

function acknowledgmentValues(acknowledgment: Acknowledgment): SqliteParam[] {
  // The table takes no NULL comment: an acknowledgment without one keeps its place in the history with an empty one.
  return [acknowledgment.acknowledged_by, toSqlAlchemyText(acknowledgment.acknowledged_at), acknowledgment.comment ?? ''];
}

/** An acknowledgment, tied to its alert's row by the alert_id it was migrated under. */
function insertAcknowledgment(alertId: string, row: readonly SqliteParam[]): SqliteStatement {
  return {
    sql:
      'INSERT INTO pitwall_acknowledgments (alert_row_id, acknowledged_by, acknowledged_at, comment) ' +
      'SELECT a.id, ?, ?, ? FROM alerts a WHERE a.alert_id = ? AND NOT EXISTS (SELECT 1 FROM pitwall_acknowledgments p ' +
      'WHERE p.alert_row_id = a.id AND p.acknowledged_by IS ? AND p.acknowledged_at = ? AND p.comment = ?)',
    params: [...row, alertId, ...row],
  };
}

/**
 * A delivery; one that names an alert by its JSONL key names it by its row's key (the row id) in
 * the database, as a delivery recorded there does. A resolve notice names a fingerprint and stays.
 */
function insertDelivery(record: DeliveryRecord, alertId: string | undefined): SqliteStatement {
  const rest = DELIVERY_FIELDS.filter((field) => field !== 'alert');
  const values = rest.map((field) => record[field]);
  return {
    sql:
      `INSERT INTO pitwall_deliveries (alert, ${rest.join(', ')}) ` +
      `SELECT k.alert, ${rest.map(() => '?').join(', ')} FROM (SELECT COALESCE((SELECT CAST(id AS TEXT) FROM alerts WHERE alert_id = ?), ?) AS alert) k ` +
      `WHERE NOT EXISTS (SELECT 1 FROM pitwall_deliveries d WHERE d.alert = k.alert AND ${rest.map((field) => `d.${field} IS ?`).join(' AND ')})`,
    params: [...values, alertId ?? null, record.alert, ...values],
  };
}

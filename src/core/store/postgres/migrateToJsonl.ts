/**
 * A PostgreSQL database out into a new JSONL folder in the Python system's file formats, the
 * reverse of the folder migration: predictions.jsonl with the labels in outcomes.jsonl, the
 * snapshots, alerts, drift, degradation and importance files, alert_rules.json (Pitwall's rule
 * fields in alert_rules.pitwall.json), and Pitwall's own records. An alert's key in the folder is
 * `<alert_id>#<n>` (the n-th alert of that id in file order), so acknowledgments, deliveries and
 * alert contexts that name an alert by its row id name it by that key instead.
 *
 * The record files are new, written whole in pages as they are read; the rules and Pitwall's own
 * records go through the JSONL store's own writes. The target folder must not exist or be empty. A
 * dry run writes the same into a temporary folder, counts it, and removes it.
 *
 * What the folder format cannot hold is said, not dropped silently: metrics.jsonl has no model
 * version and needs a window size and a status; a labelled prediction needs its label's time.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import type { PyJson } from '../../model/pythonJson';
import type { PrintableMigrationReport } from '../migrate';
import type { Tally } from '../migration/folderSource';
import { ACKNOWLEDGMENTS_FILE, JSONL_FILES, openJsonlStore } from '../jsonl/jsonlStore';
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
  type PythonPrediction,
} from '../jsonl/pythonRecords';
import { ALERT_CONTEXT_FILE } from '../alertContextRecords';
import { DELIVERIES_FILE } from '../deliveryRecords';
import { ALERT_STATE_FILE, SILENCES_FILE } from '../silenceRecords';
import type { StoreDiagnostic } from '../store';
import { PostgresStore } from './postgresStore';

/** Records read from the server per page. */
const PAGE = 5000;

const emptyTally = (): Tally => ({ read: 0, inserted: 0, present: 0, updated: 0, skipped: 0, renamed: 0 });

type Part = PrintableMigrationReport['parts'][number];

export interface JsonlExportOptions {
  readonly dryRun?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

/** Whether a target names a folder to write (not a database file): an existing folder, or a name without a database extension. */
export function isFolderTarget(target: string): boolean {
  if (existsSync(target)) return statSync(target).isDirectory();
  return !/\.(db|sqlite3?|db3)$/i.test(target);
}

/** Copies a PostgreSQL database into a new JSONL folder; see the module comment. */
export async function migratePostgresToJsonl(source: string, folder: string, options: JsonlExportOptions = {}): Promise<PrintableMigrationReport> {
  const started = performance.now();
  const target = resolve(folder);
  const dryRun = options.dryRun ?? false;
  if (existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length > 0)) throw new PitwallError('conflict', messages.postgresMigrationTargetExists(target));
  if (!existsSync(dirname(target))) throw new PitwallError('not-found', messages.migrationTargetFolderMissing(dirname(target)));
  const store = await PostgresStore.open(source, { readOnly: messages.postgresMigrationReadsOnly() }, options.env);
  const scratch = dryRun ? mkdtempSync(join(tmpdir(), 'pitwall-export-')) : undefined;
  const out = scratch ?? target;
  const parts: Part[] = [];
  const diagnostics: StoreDiagnostic[] = [];
  const warnings: string[] = [];
  try {
    mkdirSync(out, { recursive: true });
    const { path: address } = await store.describe();
    const write = (file: string, lines: readonly string[]): Promise<void> => (lines.length === 0 ? Promise.resolve() : appendFile(join(out, file), lines.join('')));
    const part = (name: string, file: string, read: number, written: number): void => {
      parts.push({ part: name, file, ...emptyTally(), read, inserted: written, skipped: read - written });
    };

    // Predictions page by page; a label goes to outcomes.jsonl, as the Python system records it.
    let predictions = 0;
    let outcomes = 0;
    let labelled = 0;
    for (let offset = 0; ; offset += PAGE) {
      const page = await store.readPredictions({ limit: PAGE, offset, order: 'asc' });
      const lines: string[] = [];
      const labels: string[] = [];
      for (const prediction of page) {
        const { actual_outcome: actual, actual_outcome_timestamp: at, ...rest } = prediction;
        lines.push(toPythonLine(toPythonPrediction(rest as unknown as PythonPrediction)));
        if (actual === null) continue;
        labelled++;
        if (at === null) {
          diagnostics.push(problem('predictions', address, messages.postgresExportOutcomeWithoutTime(prediction.prediction_id)));
          continue;
        }
        labels.push(toPythonLine(toPythonOutcome({ prediction_id: prediction.prediction_id, actual_outcome: actual, timestamp: at })));
      }
      await write(JSONL_FILES.predictions, lines);
      await write(JSONL_FILES.outcomes, labels);
      predictions += page.length;
      outcomes += labels.length;
      if (page.length < PAGE) break;
    }
    part('predictions', JSONL_FILES.predictions, predictions, predictions);
    part('outcomes', JSONL_FILES.outcomes, labelled, outcomes);

    const health = await store.readHealthSnapshots({ order: 'asc' });
    await write(JSONL_FILES.healthSnapshots, health.map((snapshot) => toPythonLine(toPythonHealthSnapshot(snapshot))));
    part('health_snapshots', JSONL_FILES.healthSnapshots, health.length, health.length);

    // Alerts in row order; each gets the folder's key, which Pitwall's records then name it by.
    const alerts = [...(await store.readAlerts({ order: 'asc' }))].sort((a, b) => Number(a.key) - Number(b.key));
    const seen = new Map<string, number>();
    const keys = new Map<string, string>();
    const alertLines: string[] = [];
    for (const { key, ...alert } of alerts) {
      const n = (seen.get(alert.alert_id) ?? 0) + 1;
      seen.set(alert.alert_id, n);
      keys.set(key, `${alert.alert_id}#${n}`);
      alertLines.push(toPythonLine(toPythonAlert(alert)));
    }
    await write(JSONL_FILES.alerts, alertLines);
    part('alerts', JSONL_FILES.alerts, alerts.length, alerts.length);

    const drift = await store.readDriftResults({ order: 'asc' });
    await write(JSONL_FILES.driftResults, drift.map((result) => toPythonLine(toPythonDriftResult(result))));
    part('drift_results', JSONL_FILES.driftResults, drift.length, drift.length);
    const importance = await store.readFeatureImportance({ order: 'asc' });
    await write(JSONL_FILES.featureImportance, importance.map((row) => toPythonLine(toPythonFeatureImportance(row))));
    part('feature_importance', JSONL_FILES.featureImportance, importance.length, importance.length);
    const degradation = await store.readDegradationAnalyses({ order: 'asc' });
    await write(JSONL_FILES.degradationAnalyses, degradation.map((analysis) => toPythonLine(toPythonDegradationAnalysis(analysis))));
    part('degradation_analysis', JSONL_FILES.degradationAnalyses, degradation.length, degradation.length);

    const metrics = await store.readMetricSnapshots({ order: 'asc' });
    const metricLines: string[] = [];
    for (const { timestamp, metric_name, value, window_size, threshold, status } of metrics) {
      if (window_size === null || status === null) {
        diagnostics.push(problem('metric_snapshots', address, messages.postgresExportMetricIncomplete(metric_name, window_size === null ? 'window_size' : 'status')));
        continue;
      }
      metricLines.push(toPythonLine(toPythonPerformanceMetric({ timestamp, metric_name, value, window_size, threshold, status })));
    }
    await write(JSONL_FILES.metricSnapshots, metricLines);
    part('metric_snapshots', JSONL_FILES.metricSnapshots, metrics.length, metricLines.length);
    if (metrics.some((metric) => metric.model_version !== '')) warnings.push(messages.postgresExportMetricVersions(JSONL_FILES.metricSnapshots));

    const keyOf = (key: string): string => keys.get(key) ?? key;
    const acknowledgments = await store.readAcknowledgments();
    await write(
      ACKNOWLEDGMENTS_FILE,
      acknowledgments.map((ack) => toPythonLine(toPythonAcknowledgment({ ...ack, alert_key: keyOf(ack.alert_key) }) as PyJson)),
    );
    part('pitwall_acknowledgments', ACKNOWLEDGMENTS_FILE, acknowledgments.length, acknowledgments.length);

    // The rules and the rest of Pitwall's records through the folder store's own writes.
    const rules = await store.readRules();
    const silences = await store.readSilences();
    const states = await store.readAlertStates();
    const deliveries = await store.readDeliveries();
    const contexts = await store.readAlertContexts();
    const jsonl = await openJsonlStore(out);
    try {
      for (const rule of rules) await jsonl.saveRule(rule);
      for (const silence of silences) await jsonl.saveSilence(silence);
      await jsonl.updateAlertStates(states, []);
      await jsonl.recordDeliveries(deliveries.records.map((record) => ({ ...record, alert: keyOf(record.alert) })));
      await jsonl.recordAlertContexts(contexts.records.map((record) => ({ ...record, alert: keyOf(record.alert) })));
    } finally {
      await jsonl.close();
    }
    part('alert_rules', JSONL_FILES.rules, rules.length, rules.length);
    part('pitwall_silences', SILENCES_FILE, silences.length, silences.length);
    part('pitwall_alert_state', ALERT_STATE_FILE, Object.keys(states).length, Object.keys(states).length);
    part('pitwall_deliveries', DELIVERIES_FILE, deliveries.records.length, deliveries.records.length);
    part('pitwall_alert_context', ALERT_CONTEXT_FILE, contexts.records.length, contexts.records.length);
    warnings.push(...deliveries.problems, ...contexts.problems);
    return {
      folder: address,
      target,
      dryRun,
      newDatabase: true,
      parts,
      renamed: [],
      diagnostics,
      warnings,
      elapsedMs: performance.now() - started,
    };
  } finally {
    await store.close();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  }
}

function problem(table: string, address: string, reason: string): StoreDiagnostic {
  return { severity: 'error', file: table, reason, message: messages.postgresExportSkipped(address, table, reason) };
}

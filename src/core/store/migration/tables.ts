/**
 * The rows a migration writes, table by table: the columns it fills (all but `id`, and `created_at` /
 * `updated_at` of rules, left to their CURRENT_TIMESTAMP default), the columns that identify a row
 * (so a second migration finds what the first one wrote), and the SQL for a new database (many rows
 * per INSERT) and for an existing one (one row, only when no row has its identity).
 */
import type { SqliteParam, SqliteStatement } from '../sqlite/writer';

export type MigrationTable =
  | 'predictions'
  | 'health_snapshots'
  | 'alerts'
  | 'alert_rules'
  | 'drift_results'
  | 'feature_importance'
  | 'degradation_analysis'
  | 'metric_snapshots';

export interface TableSpec {
  readonly name: MigrationTable;
  readonly columns: readonly string[];
  /** The identity of a row; `nullable` ones are compared with IS, the others with = (which an index serves). */
  readonly key: readonly { readonly column: string; readonly nullable: boolean }[];
}

const key = (column: string, nullable = false) => ({ column, nullable });

/** In the schema's order, which is the order a migration writes them in. */
export const TABLES: Readonly<Record<MigrationTable, TableSpec>> = {
  predictions: {
    name: 'predictions',
    columns: [
      'timestamp',
      'model_version',
      'prediction_id',
      'predicted_outcome',
      'confidence',
      'actual_outcome',
      'actual_outcome_timestamp',
      'features',
      'extra_metadata',
      'created_at',
    ],
    key: [key('prediction_id')],
  },
  health_snapshots: {
    name: 'health_snapshots',
    columns: [
      'timestamp',
      'model_version',
      'accuracy',
      'precision',
      'recall',
      'f1_score',
      'roc_auc',
      'expected_calibration_error',
      'num_predictions',
      'prediction_accuracy_trend',
      'degradation_detected',
      'created_at',
    ],
    key: [key('timestamp'), key('model_version')],
  },
  alerts: {
    name: 'alerts',
    columns: [
      'alert_id',
      'timestamp',
      'severity',
      'title',
      'message',
      'metric_name',
      'metric_value',
      'threshold',
      'component',
      'model_version',
      'acknowledged',
      'acknowledged_at',
      'acknowledged_by',
      'created_at',
    ],
    key: [key('alert_id')],
  },
  alert_rules: {
    name: 'alert_rules',
    columns: [
      'rule_id',
      'metric_name',
      'metric_type',
      'threshold',
      'comparison',
      'severity',
      'component',
      'enabled',
      'cooldown_minutes',
      'channels',
      'conditions',
      'last_triggered',
    ],
    key: [key('rule_id')],
  },
  drift_results: {
    name: 'drift_results',
    columns: [
      'timestamp',
      'feature_name',
      'model_version',
      'drift_detected',
      'test_statistic',
      'p_value',
      'threshold',
      'drift_type',
      'baseline_stats',
      'current_stats',
      'severity',
      'created_at',
    ],
    key: [key('timestamp'), key('feature_name'), key('model_version', true)],
  },
  feature_importance: {
    name: 'feature_importance',
    columns: ['timestamp', 'model_version', 'feature_name', 'importance_score', 'shap_value', 'percentage', 'rank', 'created_at'],
    key: [key('timestamp'), key('model_version', true), key('feature_name')],
  },
  degradation_analysis: {
    name: 'degradation_analysis',
    columns: [
      'timestamp',
      'model_version',
      'metric_name',
      'baseline_value',
      'current_value',
      'degradation_percent',
      'failure_cohort_size',
      'top_features',
      'error_patterns',
      'recommended_actions',
      'created_at',
    ],
    key: [key('timestamp'), key('model_version', true), key('metric_name', true)],
  },
  metric_snapshots: {
    name: 'metric_snapshots',
    columns: ['timestamp', 'model_version', 'metric_name', 'value', 'window_size', 'threshold', 'status', 'created_at'],
    key: [key('timestamp'), key('model_version'), key('metric_name')],
  },
};

/** The values of a row's identity, in key order. */
export function keyOf(spec: TableSpec, values: readonly SqliteParam[]): SqliteParam[] {
  return spec.key.map(({ column }) => values[spec.columns.indexOf(column)] as SqliteParam);
}

/** A row's identity as text, for finding repeats within the source in a Set. */
export function keyText(spec: TableSpec, values: readonly SqliteParam[]): string {
  return JSON.stringify(keyOf(spec, values));
}

// SQLite allows 32,766 parameters a statement; this many rows keep well below it and parse quickly.
const ROWS_PER_INSERT = 100;

/** INSERTs for a brand-new database: up to ROWS_PER_INSERT rows each. */
export function* bulkInserts(spec: TableSpec, rows: Iterable<readonly SqliteParam[]>): Generator<SqliteStatement> {
  let params: SqliteParam[] = [];
  let count = 0;
  const flush = (): SqliteStatement => {
    const tuple = `(${spec.columns.map(() => '?').join(', ')})`;
    const statement = { sql: `INSERT INTO ${spec.name} (${spec.columns.join(', ')}) VALUES ${Array(count).fill(tuple).join(', ')}`, params };
    params = [];
    count = 0;
    return statement;
  };
  for (const row of rows) {
    params.push(...row);
    if (++count === ROWS_PER_INSERT) yield flush();
  }
  if (count > 0) yield flush();
}

/** One row for an existing database, inserted only when no row has its identity. */
export function insertIfMissing(spec: TableSpec, values: readonly SqliteParam[]): SqliteStatement {
  return { sql: insertIfMissingSql(spec), params: [...values, ...keyOf(spec, values)] };
}

const insertSql = new Map<MigrationTable, string>();

function insertIfMissingSql(spec: TableSpec): string {
  let sql = insertSql.get(spec.name);
  if (sql === undefined) {
    const where = spec.key.map(({ column, nullable }) => `${column} ${nullable ? 'IS' : '='} ?`).join(' AND ');
    sql =
      `INSERT INTO ${spec.name} (${spec.columns.join(', ')}) ` +
      `SELECT ${spec.columns.map(() => '?').join(', ')} ` +
      `WHERE NOT EXISTS (SELECT 1 FROM ${spec.name} WHERE ${where})`;
    insertSql.set(spec.name, sql);
  }
  return sql;
}

/** Fills a prediction's ground truth where the database does not know it yet. */
export function fillOutcome(predictionId: string, outcome: 0 | 1, at: string): SqliteStatement {
  return {
    sql: 'UPDATE predictions SET actual_outcome = ?, actual_outcome_timestamp = ? WHERE prediction_id = ? AND actual_outcome IS NULL',
    params: [outcome, at, predictionId],
  };
}

/** Moves a rule's last_triggered forward, never back; updated_at moves as SQLAlchemy's onupdate moves it. */
export function advanceLastTriggered(ruleId: string, at: string): SqliteStatement {
  return {
    sql: 'UPDATE alert_rules SET last_triggered = ?, updated_at = CURRENT_TIMESTAMP WHERE rule_id = ? AND (last_triggered IS NULL OR last_triggered < ?)',
    params: [at, ruleId, at],
  };
}

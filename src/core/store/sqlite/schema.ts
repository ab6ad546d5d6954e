/**
 * The database schema of the Python monitoring system (SQLAlchemy's `database_models.py`), as
 * data: the reader checks an opened database against the column lists, and migration creates new
 * databases from the DDL. Both come from one table list so they cannot disagree; the statements
 * reproduce SQLAlchemy's text byte for byte (a unit test compares them with the committed sample's
 * `schema.sql`).
 */

export interface SqliteColumn {
  readonly name: string;
  /** Type and constraints as SQLAlchemy emits them, e.g. `VARCHAR(50) NOT NULL`. */
  readonly definition: string;
}

export interface SqliteTable {
  readonly name: string;
  readonly columns: readonly SqliteColumn[];
  /** Table constraints after the columns, e.g. `PRIMARY KEY (id)`. */
  readonly constraints: readonly string[];
  /** Complete `CREATE [UNIQUE] INDEX` statements, without the semicolon. */
  readonly indexes: readonly string[];
}

export const sqliteTables: readonly SqliteTable[] = [
  {
    name: 'predictions',
    columns: [
      { name: 'id', definition: 'INTEGER NOT NULL' },
      { name: 'timestamp', definition: 'DATETIME NOT NULL' },
      { name: 'model_version', definition: 'VARCHAR(50) NOT NULL' },
      { name: 'prediction_id', definition: 'VARCHAR(100) NOT NULL' },
      { name: 'predicted_outcome', definition: 'INTEGER NOT NULL' },
      { name: 'confidence', definition: 'FLOAT NOT NULL' },
      { name: 'actual_outcome', definition: 'INTEGER' },
      { name: 'actual_outcome_timestamp', definition: 'DATETIME' },
      { name: 'features', definition: 'JSON NOT NULL' },
      { name: 'extra_metadata', definition: 'JSON' },
      { name: 'created_at', definition: 'DATETIME DEFAULT (CURRENT_TIMESTAMP)' },
    ],
    constraints: ['PRIMARY KEY (id)'],
    indexes: [
      'CREATE INDEX ix_predictions_timestamp ON predictions (timestamp)',
      'CREATE INDEX idx_predictions_timestamp_model ON predictions (timestamp, model_version)',
      'CREATE UNIQUE INDEX ix_predictions_prediction_id ON predictions (prediction_id)',
      'CREATE INDEX idx_predictions_confidence ON predictions (confidence)',
      'CREATE INDEX ix_predictions_model_version ON predictions (model_version)',
    ],
  },
  {
    name: 'health_snapshots',
    columns: [
      { name: 'id', definition: 'INTEGER NOT NULL' },
      { name: 'timestamp', definition: 'DATETIME NOT NULL' },
      { name: 'model_version', definition: 'VARCHAR(50) NOT NULL' },
      { name: 'accuracy', definition: 'FLOAT' },
      { name: 'precision', definition: 'FLOAT' },
      { name: 'recall', definition: 'FLOAT' },
      { name: 'f1_score', definition: 'FLOAT' },
      { name: 'roc_auc', definition: 'FLOAT' },
      { name: 'expected_calibration_error', definition: 'FLOAT' },
      { name: 'num_predictions', definition: 'INTEGER' },
      { name: 'prediction_accuracy_trend', definition: 'FLOAT' },
      { name: 'degradation_detected', definition: 'BOOLEAN' },
      { name: 'created_at', definition: 'DATETIME DEFAULT (CURRENT_TIMESTAMP)' },
    ],
    constraints: ['PRIMARY KEY (id)'],
    indexes: [
      'CREATE INDEX ix_health_snapshots_timestamp ON health_snapshots (timestamp)',
      'CREATE INDEX ix_health_snapshots_model_version ON health_snapshots (model_version)',
      'CREATE INDEX idx_health_timestamp_model ON health_snapshots (timestamp, model_version)',
    ],
  },
  {
    name: 'alerts',
    columns: [
      { name: 'id', definition: 'INTEGER NOT NULL' },
      { name: 'alert_id', definition: 'VARCHAR(100) NOT NULL' },
      { name: 'timestamp', definition: 'DATETIME NOT NULL' },
      { name: 'severity', definition: 'VARCHAR(20) NOT NULL' },
      { name: 'title', definition: 'VARCHAR(255)' },
      { name: 'message', definition: 'TEXT' },
      { name: 'metric_name', definition: 'VARCHAR(100)' },
      { name: 'metric_value', definition: 'FLOAT' },
      { name: 'threshold', definition: 'FLOAT' },
      { name: 'component', definition: 'VARCHAR(50)' },
      { name: 'model_version', definition: 'VARCHAR(50)' },
      { name: 'acknowledged', definition: 'BOOLEAN' },
      { name: 'acknowledged_at', definition: 'DATETIME' },
      { name: 'acknowledged_by', definition: 'VARCHAR(100)' },
      { name: 'created_at', definition: 'DATETIME DEFAULT (CURRENT_TIMESTAMP)' },
    ],
    constraints: ['PRIMARY KEY (id)'],
    indexes: [
      'CREATE INDEX ix_alerts_timestamp ON alerts (timestamp)',
      'CREATE INDEX idx_alerts_acknowledged ON alerts (acknowledged)',
      'CREATE UNIQUE INDEX ix_alerts_alert_id ON alerts (alert_id)',
      'CREATE INDEX ix_alerts_acknowledged ON alerts (acknowledged)',
      'CREATE INDEX ix_alerts_severity ON alerts (severity)',
      'CREATE INDEX idx_alerts_timestamp_severity ON alerts (timestamp, severity)',
    ],
  },
  {
    name: 'alert_rules',
    columns: [
      { name: 'id', definition: 'INTEGER NOT NULL' },
      { name: 'rule_id', definition: 'VARCHAR(100) NOT NULL' },
      { name: 'metric_name', definition: 'VARCHAR(100) NOT NULL' },
      { name: 'metric_type', definition: 'VARCHAR(50)' },
      { name: 'threshold', definition: 'FLOAT' },
      { name: 'comparison', definition: 'VARCHAR(5)' },
      { name: 'severity', definition: 'VARCHAR(20)' },
      { name: 'component', definition: 'VARCHAR(50)' },
      { name: 'enabled', definition: 'BOOLEAN' },
      { name: 'cooldown_minutes', definition: 'INTEGER' },
      { name: 'channels', definition: 'JSON' },
      { name: 'conditions', definition: 'JSON' },
      { name: 'last_triggered', definition: 'DATETIME' },
      { name: 'created_at', definition: 'DATETIME DEFAULT (CURRENT_TIMESTAMP)' },
      { name: 'updated_at', definition: 'DATETIME DEFAULT (CURRENT_TIMESTAMP)' },
    ],
    constraints: ['PRIMARY KEY (id)', 'CONSTRAINT uq_rule_id UNIQUE (rule_id)'],
    indexes: [
      'CREATE INDEX ix_alert_rules_enabled ON alert_rules (enabled)',
      'CREATE UNIQUE INDEX ix_alert_rules_rule_id ON alert_rules (rule_id)',
    ],
  },
  {
    name: 'drift_results',
    columns: [
      { name: 'id', definition: 'INTEGER NOT NULL' },
      { name: 'timestamp', definition: 'DATETIME NOT NULL' },
      { name: 'feature_name', definition: 'VARCHAR(100) NOT NULL' },
      { name: 'model_version', definition: 'VARCHAR(50)' },
      { name: 'drift_detected', definition: 'BOOLEAN' },
      { name: 'test_statistic', definition: 'FLOAT' },
      { name: 'p_value', definition: 'FLOAT' },
      { name: 'threshold', definition: 'FLOAT' },
      { name: 'drift_type', definition: 'VARCHAR(50)' },
      { name: 'baseline_stats', definition: 'JSON' },
      { name: 'current_stats', definition: 'JSON' },
      { name: 'severity', definition: 'VARCHAR(20)' },
      { name: 'created_at', definition: 'DATETIME DEFAULT (CURRENT_TIMESTAMP)' },
    ],
    constraints: ['PRIMARY KEY (id)'],
    indexes: [
      'CREATE INDEX ix_drift_results_timestamp ON drift_results (timestamp)',
      'CREATE INDEX ix_drift_results_drift_detected ON drift_results (drift_detected)',
      'CREATE INDEX idx_drift_timestamp_feature ON drift_results (timestamp, feature_name)',
      'CREATE INDEX idx_drift_detected ON drift_results (drift_detected)',
      'CREATE INDEX ix_drift_results_feature_name ON drift_results (feature_name)',
    ],
  },
  {
    name: 'feature_importance',
    columns: [
      { name: 'id', definition: 'INTEGER NOT NULL' },
      { name: 'timestamp', definition: 'DATETIME NOT NULL' },
      { name: 'model_version', definition: 'VARCHAR(50)' },
      { name: 'feature_name', definition: 'VARCHAR(100) NOT NULL' },
      { name: 'importance_score', definition: 'FLOAT' },
      { name: 'shap_value', definition: 'FLOAT' },
      { name: 'percentage', definition: 'FLOAT' },
      { name: 'rank', definition: 'INTEGER' },
      { name: 'created_at', definition: 'DATETIME DEFAULT (CURRENT_TIMESTAMP)' },
    ],
    constraints: ['PRIMARY KEY (id)'],
    indexes: [
      'CREATE INDEX ix_feature_importance_timestamp ON feature_importance (timestamp)',
      'CREATE INDEX ix_feature_importance_feature_name ON feature_importance (feature_name)',
      'CREATE INDEX ix_feature_importance_model_version ON feature_importance (model_version)',
      'CREATE INDEX idx_importance_model_feature ON feature_importance (model_version, feature_name)',
      'CREATE INDEX idx_importance_timestamp_feature ON feature_importance (timestamp, feature_name)',
    ],
  },
  {
    name: 'degradation_analysis',
    columns: [
      { name: 'id', definition: 'INTEGER NOT NULL' },
      { name: 'timestamp', definition: 'DATETIME NOT NULL' },
      { name: 'model_version', definition: 'VARCHAR(50)' },
      { name: 'metric_name', definition: 'VARCHAR(100)' },
      { name: 'baseline_value', definition: 'FLOAT' },
      { name: 'current_value', definition: 'FLOAT' },
      { name: 'degradation_percent', definition: 'FLOAT' },
      { name: 'failure_cohort_size', definition: 'INTEGER' },
      { name: 'top_features', definition: 'JSON' },
      { name: 'error_patterns', definition: 'JSON' },
      { name: 'recommended_actions', definition: 'JSON' },
      { name: 'created_at', definition: 'DATETIME DEFAULT (CURRENT_TIMESTAMP)' },
    ],
    constraints: ['PRIMARY KEY (id)'],
    indexes: [
      'CREATE INDEX ix_degradation_analysis_model_version ON degradation_analysis (model_version)',
      'CREATE INDEX idx_degradation_timestamp_model ON degradation_analysis (timestamp, model_version)',
      'CREATE INDEX ix_degradation_analysis_timestamp ON degradation_analysis (timestamp)',
    ],
  },
  {
    name: 'metric_snapshots',
    columns: [
      { name: 'id', definition: 'INTEGER NOT NULL' },
      { name: 'timestamp', definition: 'DATETIME NOT NULL' },
      { name: 'model_version', definition: 'VARCHAR(50) NOT NULL' },
      { name: 'metric_name', definition: 'VARCHAR(100) NOT NULL' },
      { name: 'value', definition: 'FLOAT NOT NULL' },
      { name: 'window_size', definition: 'INTEGER' },
      { name: 'threshold', definition: 'FLOAT' },
      { name: 'status', definition: 'VARCHAR(20)' },
      { name: 'created_at', definition: 'DATETIME DEFAULT (CURRENT_TIMESTAMP)' },
    ],
    constraints: ['PRIMARY KEY (id)'],
    indexes: [
      'CREATE INDEX ix_metric_snapshots_timestamp ON metric_snapshots (timestamp)',
      'CREATE INDEX idx_metric_model_name ON metric_snapshots (model_version, metric_name)',
      'CREATE INDEX idx_metric_timestamp_name ON metric_snapshots (timestamp, metric_name)',
      'CREATE INDEX ix_metric_snapshots_model_version ON metric_snapshots (model_version)',
    ],
  },
];

/** The `CREATE TABLE` statement of a table, laid out as SQLAlchemy lays it out (tabs, ", " line ends). */
export function createTableStatement(table: SqliteTable): string {
  const lines = [...table.columns.map((column) => `${column.name} ${column.definition}`), ...table.constraints];
  return `CREATE TABLE ${table.name} (\n\t${lines.join(', \n\t')}\n)`;
}

/** Every statement of the schema in SQLAlchemy's order (each table, then its indexes), without semicolons. */
export const sqliteSchemaStatements: readonly string[] = sqliteTables.flatMap((table) => [
  createTableStatement(table),
  ...table.indexes,
]);

/** The whole schema as one script, identical to the sqlite3 shell's `.schema` of a database SQLAlchemy created. */
export const sqliteSchemaSql: string = sqliteSchemaStatements.map((statement) => `${statement};\n`).join('');

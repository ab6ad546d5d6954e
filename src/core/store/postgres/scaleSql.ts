/**
 * The SQL for taking the Python system's predictions past one server (README, "Scale past one
 * server"). Pitwall's windowed metrics rest on per-(window, model version, confidence bin) sums —
 * counts, labelled, correct, Σ confidence, the confusion counts — which are additive: hours add
 * up to days, shards and chunks add up to the table. So the same sums can be kept by TimescaleDB
 * (a continuous aggregate over a hypertable) or computed on every Citus worker and added by the
 * coordinator, and the kernel's combine step turns them into accuracy and ECE as before.
 *
 * Nothing here runs by itself: Pitwall never changes the Python system's tables. These are the
 * statements an operator reviews and runs; they are tested as text.
 */

/** Python's calibration bins: `conf >= i/bins and conf < (i+1)/bins`; a confidence of 1.0 is in none (NULL). */
export function confidenceBinSql(column: string, bins: number): string {
  if (!Number.isInteger(bins) || bins < 1 || bins > 100) throw new RangeError(`bins must be a whole number from 1 to 100, not ${bins}`);
  // A CASE ladder against float8 edges, as Python compares: width_bucket and floor(x * bins) put a value one ulp below an edge in the wrong bin.
  const steps = Array.from({ length: bins }, (_, index) => `WHEN ${column} < ${edge(index + 1, bins)}::float8 THEN ${index + 1}`);
  return `CASE WHEN ${column} < 0 THEN NULL ${steps.join(' ')} END`;
}

/** i / bins as Python writes the float (0.1, 0.2, …, 1.0). */
function edge(index: number, bins: number): string {
  const value = index / bins;
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

export interface WindowSumsOptions {
  /** The window, a PostgreSQL interval: '1 hour', '15 minutes'. */
  readonly window: string;
  /** Confidence bins (Python's ECE uses 10). */
  readonly bins: number;
  /** How the window start is written: PostgreSQL 14's date_bin, or TimescaleDB's time_bucket. */
  readonly bucket: 'date_bin' | 'time_bucket';
}

const INTERVAL = /^\d+ (?:microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?)$/;

function checkInterval(text: string): string {
  if (!INTERVAL.test(text)) throw new RangeError(`"${text}" is not an interval such as '1 hour' or '15 minutes'`);
  return text;
}

/** The additive sums' columns, after the grouping keys. */
export const WINDOW_SUM_COLUMNS = ['n_pred', 'n_labeled', 'n_correct', 'sum_conf', 'tp', 'fp', 'fn', 'tn'] as const;

/** SELECT … GROUP BY (window, model_version, bin) over predictions: the per-window sums, one statement. */
export function windowSumsSql(options: WindowSumsOptions): string {
  const window = checkInterval(options.window);
  const start =
    options.bucket === 'date_bin'
      ? `date_bin(INTERVAL '${window}', "timestamp", TIMESTAMPTZ '2000-01-01 00:00:00+00')`
      : `time_bucket(INTERVAL '${window}', "timestamp")`;
  return [
    `SELECT ${start} AS win,`,
    `  model_version,`,
    `  ${confidenceBinSql('confidence', options.bins)} AS bin,`,
    `  count(*) AS n_pred,`,
    `  count(actual_outcome) AS n_labeled,`,
    `  count(*) FILTER (WHERE actual_outcome = predicted_outcome) AS n_correct,`,
    `  coalesce(sum(confidence) FILTER (WHERE actual_outcome IS NOT NULL), 0) AS sum_conf,`,
    `  count(*) FILTER (WHERE predicted_outcome = 1 AND actual_outcome = 1) AS tp,`,
    `  count(*) FILTER (WHERE predicted_outcome = 1 AND actual_outcome = 0) AS fp,`,
    `  count(*) FILTER (WHERE predicted_outcome = 0 AND actual_outcome = 1) AS fn,`,
    `  count(*) FILTER (WHERE predicted_outcome = 0 AND actual_outcome = 0) AS tn`,
    `FROM predictions`,
    `GROUP BY 1, 2, 3`,
  ].join('\n');
}

/**
 * The index that lets a per-version window read only the index: version first, then time, with
 * the columns the sums read. Built without blocking the Python system's writes.
 */
export function coveringIndexSql(): string {
  return 'CREATE INDEX CONCURRENTLY IF NOT EXISTS pitwall_predictions_version_time ON predictions (model_version, "timestamp") INCLUDE (confidence, predicted_outcome, actual_outcome)';
}

export interface TimescaleOptions {
  /** The continuous aggregate's window (and so the finest window Pitwall reads from it). */
  readonly window: string;
  readonly bins: number;
  /** A chunk's span of time. */
  readonly chunk: string;
  /** How far back labels still arrive (Pitwall's label horizon): the refresh re-materialises that far. */
  readonly labelHorizon: string;
  readonly schedule: string;
}

export const DEFAULT_TIMESCALE_OPTIONS: TimescaleOptions = { window: '1 hour', bins: 10, chunk: '1 day', labelHorizon: '48 hours', schedule: '15 minutes' };

/** The continuous aggregate that keeps the per-window sums. */
export const WINDOW_SUMS_VIEW = 'pitwall_window_sums';

/**
 * TimescaleDB: predictions as a hypertable partitioned on "timestamp", and the per-window sums
 * kept by a continuous aggregate. A hypertable's unique indexes must include its time column, so
 * the Python schema's PRIMARY KEY (id) and UNIQUE (prediction_id) become (id, "timestamp") and
 * (prediction_id, "timestamp"): the database then no longer refuses a prediction_id repeated at
 * another time — the Python system must not write one (it does not: it makes them unique).
 */
export function timescaleSql(options: TimescaleOptions = DEFAULT_TIMESCALE_OPTIONS): string[] {
  const chunk = checkInterval(options.chunk);
  const horizon = checkInterval(options.labelHorizon);
  const window = checkInterval(options.window);
  return [
    'CREATE EXTENSION IF NOT EXISTS timescaledb',
    'ALTER TABLE predictions DROP CONSTRAINT predictions_pkey',
    'ALTER TABLE predictions ADD PRIMARY KEY (id, "timestamp")',
    'DROP INDEX ix_predictions_prediction_id',
    'CREATE UNIQUE INDEX ix_predictions_prediction_id ON predictions (prediction_id, "timestamp")',
    `SELECT create_hypertable('predictions', 'timestamp', chunk_time_interval => INTERVAL '${chunk}', migrate_data => true)`,
    `CREATE MATERIALIZED VIEW ${WINDOW_SUMS_VIEW} WITH (timescaledb.continuous) AS\n${windowSumsSql({ window, bins: options.bins, bucket: 'time_bucket' })}\nWITH NO DATA`,
    // Labels are UPDATEs of old rows: TimescaleDB records the changed range, and each refresh re-materialises back to the label horizon (plus a window).
    `SELECT add_continuous_aggregate_policy('${WINDOW_SUMS_VIEW}', start_offset => INTERVAL '${horizon}' + INTERVAL '${window}', end_offset => INTERVAL '${window}', schedule_interval => INTERVAL '${checkInterval(options.schedule)}')`,
  ];
}

export interface CitusOptions {
  readonly shards: number;
}

/**
 * Citus: predictions spread over the workers by prediction_id (each label's UPDATE then goes to
 * one worker), the small tables copied to every node. Every unique key must contain the
 * distribution column, so PRIMARY KEY (id) becomes (id, prediction_id); UNIQUE (prediction_id)
 * already does. Ids from a sequence are bigint on a distributed table. The per-window sums are
 * then the same SELECT: each worker sums its shards and the coordinator adds the sums (no
 * GROUPING SETS, which distributed queries reject; "all versions" is the sum over versions).
 */
export function citusSql(options: CitusOptions = { shards: 32 }): string[] {
  if (!Number.isInteger(options.shards) || options.shards < 1) throw new RangeError(`shards must be a positive whole number, not ${options.shards}`);
  return [
    'CREATE EXTENSION IF NOT EXISTS citus',
    'ALTER TABLE predictions ALTER COLUMN id TYPE bigint',
    'ALTER TABLE predictions DROP CONSTRAINT predictions_pkey',
    'ALTER TABLE predictions ADD PRIMARY KEY (id, prediction_id)',
    `SET citus.shard_count = ${options.shards}`,
    "SELECT create_distributed_table('predictions', 'prediction_id')",
    ...['alerts', 'alert_rules', 'health_snapshots', 'metric_snapshots', 'drift_results', 'degradation_analyses', 'feature_importance'].map((table) => `SELECT create_reference_table('${table}')`),
  ];
}

/** Coarser windows from the continuous aggregate's: sums of sums, grouped by the wider window. */
export function rollUpSql(window: string): string {
  const wider = checkInterval(window);
  return [
    `SELECT time_bucket(INTERVAL '${wider}', win) AS win, model_version, bin,`,
    `  ${WINDOW_SUM_COLUMNS.map((column) => `sum(${column}) AS ${column}`).join(', ')}`,
    `FROM ${WINDOW_SUMS_VIEW}`,
    'GROUP BY 1, 2, 3',
  ].join('\n');
}

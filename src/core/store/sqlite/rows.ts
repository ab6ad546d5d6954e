/**
 * The tables of the monitoring database as records: which column holds which field, and the
 * field's kind. A kind says what a zod schema cannot tell SQL: how to spot a suspect value inside
 * SQLite (so an audit of 200,000 rows hands only the suspects to the schema), what a NULL means,
 * and how a value is written back in the database's own encoding (SQLAlchemy text times, 0/1,
 * `json.dumps` text).
 */
import { ALERT_SEVERITIES, alertRecord } from '../../model/alert';
import { alertRuleRecord, COMPARISONS, METRIC_TYPES, type AlertRule } from '../../model/alertRule';
import { degradationAnalysisRecord } from '../../model/degradationAnalysis';
import { driftResultRecord } from '../../model/driftResult';
import { featureImportanceRecord } from '../../model/featureImportance';
import { RULE_CONDITION_KEYS } from '../../model/fields';
import { healthSnapshotRecord } from '../../model/healthSnapshot';
import { isPlainObject, MAX_JSON_DEPTH } from '../../model/json';
import { METRIC_STATUSES } from '../../model/performanceMetric';
import { metricSnapshotRecord } from '../../model/metricSnapshot';
import { predictionWithOutcomeRecord } from '../../model/prediction';
import { pyFloat, toPythonJson, type PyJson } from '../../model/pythonJson';
import type { RecordSpec } from '../../model/record';
import { toSqlAlchemyText } from '../../model/timestamps';
import type { Collection } from '../store';
import type { SqliteParam } from './writerShared';

export type FieldKind =
  | 'timestamp'
  | 'number'
  /** a number from 0 to 1 */
  | 'fraction'
  /** a whole number ≥ 0 */
  | 'count'
  | 'text'
  /** non-empty text */
  | 'name'
  /** 0 or 1, as a class label */
  | 'binary'
  /** a boolean stored as 0/1 */
  | 'flag'
  | 'features'
  /** a JSON object */
  | 'object'
  /** any JSON */
  | 'json'
  | 'channels'
  | 'conditions'
  | { readonly oneOf: readonly string[] };

/**
 * What a SQL NULL in the column is: a bad value (`required`), the record's null (`nullable`), or
 * no value at all, so the schema's default applies (`defaulted`).
 */
export type NullMeaning = 'required' | 'nullable' | 'defaulted';

export interface FieldSpec {
  readonly field: string;
  readonly column: string;
  readonly kind: FieldKind;
  readonly nulls: NullMeaning;
}

export interface TableSpec<S extends RecordSpec = RecordSpec> {
  readonly table: string;
  readonly record: S;
  readonly fields: readonly FieldSpec[];
  /** The column results are ordered by; rules have none and keep row order. */
  readonly timeColumn: string | undefined;
  /** Rewrites a row's values before the schema sees them (rules: fields kept inside `conditions`). */
  readonly adjust?: (input: Record<string, unknown>) => void;
  /** Where fields without a column of their own are stored, as a dotted path. */
  readonly storedIn?: Readonly<Record<string, string>>;
}

function field(name: string, kind: FieldKind, nulls: NullMeaning = 'required', column = name): FieldSpec {
  return { field: name, column, kind, nulls };
}

function nullable(name: string, kind: FieldKind, column = name): FieldSpec {
  return field(name, kind, 'nullable', column);
}

/**
 * Pitwall's own rule fields: the SQLAlchemy table has no columns for them, so they travel inside
 * `conditions`, of which the Python system reads only min_value and max_value.
 */
export const RULE_FIELDS_IN_CONDITIONS = ['for_minutes', 'min_samples'] as const;

function liftRuleFields(input: Record<string, unknown>): void {
  const text = input.conditions;
  if (typeof text !== 'string') return;
  let conditions: unknown;
  try {
    conditions = JSON.parse(text);
  } catch {
    // The schema reports the text.
    return;
  }
  if (!isPlainObject(conditions) || !RULE_FIELDS_IN_CONDITIONS.some((key) => Object.hasOwn(conditions, key))) return;
  for (const key of RULE_FIELDS_IN_CONDITIONS) {
    if (!Object.hasOwn(conditions, key)) continue;
    input[key] = conditions[key];
    delete conditions[key];
  }
  input.conditions = conditions;
}

export const predictionsTable: TableSpec<typeof predictionWithOutcomeRecord> = {
  table: 'predictions',
  record: predictionWithOutcomeRecord,
  timeColumn: 'timestamp',
  fields: [
    field('timestamp', 'timestamp'),
    field('model_version', 'text'),
    field('prediction_id', 'name'),
    field('predicted_outcome', 'binary'),
    field('confidence', 'fraction'),
    field('features', 'features'),
    nullable('metadata', 'object', 'extra_metadata'),
    nullable('actual_outcome', 'binary'),
    nullable('actual_outcome_timestamp', 'timestamp'),
  ],
};

export const healthSnapshotsTable: TableSpec<typeof healthSnapshotRecord> = {
  table: 'health_snapshots',
  record: healthSnapshotRecord,
  timeColumn: 'timestamp',
  fields: [
    field('timestamp', 'timestamp'),
    field('model_version', 'text'),
    nullable('accuracy', 'fraction'),
    nullable('precision', 'fraction'),
    nullable('recall', 'fraction'),
    nullable('f1_score', 'fraction'),
    nullable('roc_auc', 'fraction'),
    nullable('expected_calibration_error', 'fraction'),
    nullable('num_predictions', 'count'),
    nullable('prediction_accuracy_trend', 'number'),
    nullable('degradation_detected', 'flag'),
  ],
};

export const alertsTable: TableSpec<typeof alertRecord> = {
  table: 'alerts',
  record: alertRecord,
  timeColumn: 'timestamp',
  fields: [
    field('timestamp', 'timestamp'),
    field('alert_id', 'name'),
    field('severity', { oneOf: ALERT_SEVERITIES }),
    nullable('title', 'text'),
    nullable('message', 'text'),
    nullable('metric_name', 'text'),
    nullable('metric_value', 'number'),
    nullable('threshold', 'number'),
    nullable('component', 'text'),
    nullable('model_version', 'text'),
    nullable('acknowledged', 'flag'),
    nullable('acknowledged_at', 'timestamp'),
    nullable('acknowledged_by', 'text'),
  ],
};

export const rulesTable: TableSpec<typeof alertRuleRecord> = {
  table: 'alert_rules',
  record: alertRuleRecord,
  timeColumn: undefined,
  fields: [
    field('rule_id', 'name'),
    field('metric_name', 'name'),
    field('metric_type', { oneOf: METRIC_TYPES }),
    field('threshold', 'number'),
    field('comparison', { oneOf: COMPARISONS }),
    field('severity', { oneOf: ALERT_SEVERITIES }),
    field('component', 'text'),
    field('enabled', 'flag', 'defaulted'),
    field('cooldown_minutes', 'count', 'defaulted'),
    field('channels', 'channels', 'defaulted'),
    field('conditions', 'conditions', 'defaulted'),
    nullable('last_triggered', 'timestamp'),
  ],
  adjust: liftRuleFields,
  storedIn: Object.fromEntries(RULE_FIELDS_IN_CONDITIONS.map((key) => [key, `conditions.${key}`])),
};

export const driftResultsTable: TableSpec<typeof driftResultRecord> = {
  table: 'drift_results',
  record: driftResultRecord,
  timeColumn: 'timestamp',
  fields: [
    field('timestamp', 'timestamp'),
    field('feature_name', 'name'),
    nullable('model_version', 'text'),
    nullable('drift_detected', 'flag'),
    nullable('test_statistic', 'number'),
    nullable('p_value', 'fraction'),
    nullable('threshold', 'number'),
    nullable('drift_type', 'text'),
    nullable('baseline_stats', 'json'),
    nullable('current_stats', 'json'),
    nullable('severity', 'text'),
  ],
};

export const degradationAnalysesTable: TableSpec<typeof degradationAnalysisRecord> = {
  table: 'degradation_analysis',
  record: degradationAnalysisRecord,
  timeColumn: 'timestamp',
  fields: [
    field('timestamp', 'timestamp'),
    nullable('model_version', 'text'),
    nullable('metric_name', 'text'),
    nullable('baseline_value', 'number'),
    nullable('current_value', 'number'),
    nullable('degradation_percent', 'number'),
    nullable('failure_cohort_size', 'count'),
    nullable('top_features', 'json'),
    nullable('error_patterns', 'json'),
    nullable('recommended_actions', 'json'),
  ],
};

export const featureImportanceTable: TableSpec<typeof featureImportanceRecord> = {
  table: 'feature_importance',
  record: featureImportanceRecord,
  timeColumn: 'timestamp',
  fields: [
    field('timestamp', 'timestamp'),
    nullable('model_version', 'text'),
    field('feature_name', 'name'),
    nullable('importance_score', 'number'),
    nullable('shap_value', 'number'),
    nullable('percentage', 'number'),
    nullable('rank', 'count'),
  ],
};

export const metricSnapshotsTable: TableSpec<typeof metricSnapshotRecord> = {
  table: 'metric_snapshots',
  record: metricSnapshotRecord,
  timeColumn: 'timestamp',
  fields: [
    field('timestamp', 'timestamp'),
    nullable('model_version', 'text'),
    field('metric_name', 'name'),
    field('value', 'number'),
    nullable('window_size', 'count'),
    nullable('threshold', 'number'),
    nullable('status', { oneOf: METRIC_STATUSES }),
  ],
};

export const allTables: readonly TableSpec[] = [
  predictionsTable,
  healthSnapshotsTable,
  metricSnapshotsTable,
  alertsTable,
  rulesTable,
  driftResultsTable,
  degradationAnalysesTable,
  featureImportanceTable,
];

/** The table each collection lives in; outcomes are columns of predictions. */
export const tableOfCollection: Readonly<Record<Collection, TableSpec>> = {
  predictions: predictionsTable,
  outcomes: predictionsTable,
  healthSnapshots: healthSnapshotsTable,
  metricSnapshots: metricSnapshotsTable,
  alerts: alertsTable,
  rules: rulesTable,
  driftResults: driftResultsTable,
  degradationAnalyses: degradationAnalysesTable,
  featureImportance: featureImportanceTable,
};

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteText(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function isJsonKind(kind: FieldKind): boolean {
  return kind === 'features' || kind === 'object' || kind === 'json' || kind === 'channels' || kind === 'conditions';
}

/** At most MAX_JSON_DEPTH brackets at all: a cheap bound on the nesting the schema refuses. */
function shallowJson(c: string): string {
  return `length(${c}) - length(replace(replace(${c}, '[', ''), '{', '')) <= ${MAX_JSON_DEPTH}`;
}

const NUMBER_SQL = (c: string) => `typeof(${c}) IN ('integer', 'real') AND abs(${c}) < 9e999`;

/**
 * SQL true only for values the schema accepts, in the database's own encoding; where it is false
 * the row is a suspect and the schema decides (it may accept, say, ISO text for a time). Undefined
 * where SQL cannot tell, so every row goes to the schema.
 */
function validValueSql(kind: FieldKind, c: string): string | undefined {
  if (typeof kind === 'object') return `typeof(${c}) = 'text' AND ${c} IN (${kind.oneOf.map(quoteText).join(', ')})`;
  switch (kind) {
    case 'timestamp':
      // SQLAlchemy's own text: datetime() rebuilds the same date and time only when each part is in range.
      return (
        `typeof(${c}) = 'text' AND ${c} LIKE '____-__-__ __:__:__.______'` +
        ` AND ${c} BETWEEN '0001-01-01' AND '9999-12-31 23:59:59.000000'` +
        ` AND datetime(${c}) = substr(${c}, 1, 19) AND substr(${c}, 21) GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]'`
      );
    case 'number':
      return NUMBER_SQL(c);
    case 'fraction':
      return `${NUMBER_SQL(c)} AND ${c} BETWEEN 0 AND 1`;
    case 'count':
      return `typeof(${c}) = 'integer' AND ${c} BETWEEN 0 AND 9007199254740991`;
    case 'text':
      return `typeof(${c}) = 'text'`;
    case 'name':
      return `typeof(${c}) = 'text' AND ${c} <> ''`;
    case 'binary':
    case 'flag':
      return `typeof(${c}) = 'integer' AND ${c} IN (0, 1)`;
    case 'features':
      // No bracket after the opening one: no nested value, which a feature may not be.
      return `typeof(${c}) = 'text' AND ${c} LIKE '{%' AND ${c} NOT LIKE '%[%' AND ${c} NOT LIKE '_%{%' AND json_valid(${c})`;
    case 'object':
      return `typeof(${c}) = 'text' AND ${c} LIKE '{%' AND json_valid(${c}) AND ${shallowJson(c)}`;
    case 'json':
      return `typeof(${c}) IN ('integer', 'real') OR (typeof(${c}) = 'text' AND json_valid(${c}) AND ${shallowJson(c)})`;
    case 'channels':
    case 'conditions':
      return undefined;
  }
}

/**
 * SQL true for a row whose stored values may not pass the schema, over the fields whose columns
 * the table has; `1` when some field can only be checked by the schema.
 */
export function suspectRowSql(spec: TableSpec, hasColumn: (column: string) => boolean): string {
  const checks: string[] = [];
  for (const f of spec.fields) {
    if (!hasColumn(f.column)) continue;
    const c = quoteIdentifier(f.column);
    const valid = validValueSql(f.kind, c);
    if (valid === undefined) return '1';
    const nulls = f.nulls === 'required' ? '' : isJsonKind(f.kind) ? `${c} IS NULL OR ${c} = 'null' OR ` : `${c} IS NULL OR `;
    checks.push(`NOT coalesce(${nulls}(${valid}), 0)`);
  }
  return checks.length === 0 ? '0' : checks.join(' OR ');
}

/**
 * The values of one row, by position in `fields` from `offset`, as the schema's input; `nulls` are
 * nullable fields whose columns an older schema lacks, which read as null.
 */
export function rowInput(
  spec: TableSpec,
  fields: readonly FieldSpec[],
  nulls: readonly FieldSpec[],
  values: readonly unknown[],
  offset: number,
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const f of nulls) input[f.field] = null;
  fields.forEach((f, index) => {
    let value = values[index + offset];
    // A JSON column holding JSON null (SQLAlchemy's JSON type writes None so) is a NULL.
    if (value === 'null' && f.nulls !== 'required' && isJsonKind(f.kind)) value = null;
    if (value === null && f.nulls === 'defaulted') return;
    input[f.field] = value;
  });
  spec.adjust?.(input);
  return input;
}

/** A record field's dotted path as the database names it: `metadata.x` is `extra_metadata.x`. */
export function columnPath(spec: TableSpec, path: string): string {
  const [head = '', ...rest] = path.split('.');
  const column = spec.fields.find((f) => f.field === head)?.column ?? spec.storedIn?.[head] ?? head;
  return [column, ...rest].join('.');
}

/** Python floats, as the seed's rules hold them: `{"min_value": 0.0}`. */
function conditionsForPython(conditions: Readonly<Record<string, unknown>>): PyJson {
  const copy = Object.create(null) as Record<string, PyJson>;
  for (const [key, value] of Object.entries(conditions)) {
    copy[key] = RULE_CONDITION_KEYS.includes(key) && typeof value === 'number' ? pyFloat(value) : (value as PyJson);
  }
  return copy;
}

/** A rule's values by field for writing, with Pitwall's own fields moved into `conditions` (when set). */
export function ruleForWriting(rule: AlertRule): Record<string, unknown> {
  const conditions = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(rule.conditions)) {
    if (!(RULE_FIELDS_IN_CONDITIONS as readonly string[]).includes(key)) conditions[key] = value;
  }
  for (const key of RULE_FIELDS_IN_CONDITIONS) if (rule[key] !== 0) conditions[key] = rule[key];
  return { ...rule, conditions };
}

/** A field's value in the database's encoding. */
export function encodeValue(kind: FieldKind, value: unknown): SqliteParam {
  if (value === null || value === undefined) return null;
  if (typeof kind === 'object') return value as string;
  switch (kind) {
    case 'timestamp':
      return toSqlAlchemyText(value as number);
    case 'flag':
      return value === true ? 1 : 0;
    case 'features':
    case 'object':
    case 'json':
    case 'channels':
      return toPythonJson(value as PyJson);
    case 'conditions':
      return toPythonJson(conditionsForPython(value as Readonly<Record<string, unknown>>));
    case 'number':
    case 'fraction':
    case 'count':
    case 'binary':
    case 'text':
    case 'name':
      return value as string | number;
  }
}

/**
 * A tumbling window plan as SQL over the predictions table (sliding windows are combined from
 * tumbling panes, windowStats.ts): one scan that sums each (window, group, calibration bin),
 * and, when the plan needs scores, one that counts each labelled (window, group, score, label).
 * Windows start at whole multiples of their length in unix seconds, as analytics/windows.ts
 * assigns them: a row at t is in the window starting at s exactly when s ≤ ⌊t⌋ < s + every,
 * because s and every are whole seconds, so SQLite's whole-second `unixepoch()` places rows as
 * the exact time would.
 */
import type { SqlValue } from 'sql.js';
import { emptyBin, segmentOf, type BinStats, type WindowPlan, type WindowStats } from '../windowStats';
import { featureValue } from './predictionColumns';
import { columnSql, type SqlText, type TableShape, type Where } from './queries';
import { quoteText } from './rows';

/**
 * Rows whose timestamp SQLite's date functions read as the schema does: SQLAlchemy's text
 * ('YYYY-MM-DD HH:MM:SS' with up to six fraction digits). The plan is pushed down only when
 * every row in range has this form; anything else is computed over loaded records.
 */
export function oddTimestampsSql(shape: TableShape, where: Where): SqlText {
  const t = columnSql(shape, 'timestamp');
  const odd = `NOT (typeof(${t}) = 'text' AND ${t} GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]*' AND (length(${t}) = 19 OR (length(${t}) BETWEEN 21 AND 26 AND substr(${t}, 20, 1) = '.')))`;
  const clause = where.sql === '' ? `WHERE ${odd}` : `${where.sql} AND ${odd}`;
  return { sql: `SELECT count(*) FROM predictions ${clause}`, params: [...where.params] };
}

/** The rows of the plan with their window start, group key and type, label (-1 when unknown). */
function windowedRows(shape: TableShape, where: Where, plan: WindowPlan): SqlText {
  const t = `unixepoch(${columnSql(shape, 'timestamp')})`;
  const params: SqlValue[] = [...where.params];
  let group = 'NULL AS g, NULL AS gt';
  if (plan.by === 'model_version') group = `${columnSql(shape, 'model_version')} AS g, 'text' AS gt`;
  else {
    const segment = segmentOf(plan.by);
    if (segment !== undefined) {
      const column = columnSql(shape, segment.kind === 'feature' ? 'features' : 'extra_metadata');
      const path = quoteText(`$.${JSON.stringify(segment.name)}`);
      // Metadata may be NULL or 'null' text; only valid JSON is looked into.
      const valid = segment.kind === 'metadata' ? `json_valid(${column})` : '1';
      const type = `json_type(${column}, ${path})`;
      // One SQL group per key the memory path makes: missing, JSON null and nested values are all
      // the null group, and 3 and 3.0 one number; otherwise two SQL groups would be added up
      // afterwards in another order than memory's, and sums could differ in the last bit.
      const plain = `${valid} AND ${type} IN ('text', 'integer', 'real', 'true', 'false')`;
      group = `CASE WHEN ${plain} THEN json_extract(${column}, ${path}) END AS g,
        CASE WHEN ${plain} THEN (CASE WHEN ${type} IN ('integer', 'real') THEN 'number' ELSE ${type} END) END AS gt`;
    }
  }
  const actual = columnSql(shape, 'actual_outcome');
  const base = `SELECT ${t} AS t, ${group}, ${columnSql(shape, 'predicted_outcome')} AS y, ${columnSql(shape, 'confidence')} AS c,
    CASE WHEN ${actual} IN (0, 1) THEN ${actual} ELSE -1 END AS a
    FROM predictions ${where.sql}`;
  // Plans here are tumbling (panes of a sliding plan): the latest window start at or before t,
  // floored (not truncated) for times before 1970.
  const { every } = plan;
  const start = `(r.t - ((r.t % ${every}) + ${every}) % ${every})`;
  return { sql: `SELECT ${start} AS ws, r.g, r.gt, r.y, r.c, r.a FROM (${base}) AS r`, params };
}

/** One scan: sums per (window, group, bin); bin 0 holds the unlabelled rows. */
export function windowBinsSql(shape: TableShape, where: Where, plan: WindowPlan): SqlText {
  const rows = windowedRows(shape, where, plan);
  const { bins } = plan;
  const bin = `CASE WHEN w.a < 0 THEN 0 ELSE min(CAST(w.c * ${bins} AS INTEGER), ${bins - 1}) + 1 END`;
  const p1 = 'CASE WHEN w.y = 1 THEN w.c ELSE 1 - w.c END';
  return {
    sql: `SELECT w.ws, w.g, w.gt, ${bin} AS b, count(*),
        sum(w.a = 1 AND w.y = 1), sum(w.a = 0 AND w.y = 1), sum(w.a = 0 AND w.y <> 1), sum(w.a = 1 AND w.y <> 1),
        sum(w.c), sum(w.c * w.c), min(w.c), max(w.c),
        coalesce(sum(CASE WHEN w.a >= 0 THEN (w.a - ${p1}) * (w.a - ${p1}) END), 0.0)
      FROM (${rows.sql}) AS w GROUP BY w.ws, w.gt, w.g, b`,
    params: rows.params,
  };
}

/** Labelled rows counted per (window, group, predicted, confidence, actual), in the canonical order. */
export function windowScoresSql(shape: TableShape, where: Where, plan: WindowPlan): SqlText {
  const rows = windowedRows(shape, where, plan);
  return {
    sql: `SELECT w.ws, w.g, w.gt, w.y, w.c, w.a, count(*)
      FROM (${rows.sql}) AS w WHERE w.a >= 0 GROUP BY w.ws, w.gt, w.g, w.y, w.c, w.a ORDER BY w.y, w.c, w.a`,
    params: rows.params,
  };
}

/** A statement with its parameters written in as SQL literals, for people to read (and run in the sqlite3 shell). */
export function inlineParams(text: SqlText): string {
  let next = 0;
  let quoted = false;
  let out = '';
  for (const c of text.sql) {
    if (c === "'") quoted = !quoted;
    if (c !== '?' || quoted) {
      out += c;
      continue;
    }
    const value = text.params[next++];
    out += value === null || value === undefined ? 'NULL' : typeof value === 'number' ? String(value) : typeof value === 'string' ? quoteText(value) : `x'${Buffer.from(value).toString('hex')}'`;
  }
  return out;
}

/** A group value from SQL as the in-memory path keys it: String(value), or null. */
export function groupKey(value: SqlValue, type: SqlValue): string | null {
  if (type === null) return null;
  if (type === 'text' && typeof value === 'string') return value;
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value) ? String(value) : null;
  const feature = featureValue(value ?? null, type);
  return feature === undefined || feature === null ? null : String(feature);
}

/** Collects the statistics rows of windowBinsSql and windowScoresSql into WindowStats. */
export class WindowStatsCollector {
  private readonly windows = new Map<string, { window_start: number; group: string | null; bins: BinStats[]; scores: { predicted: number[]; confidence: number[]; actual: number[]; weight: number[] } }>();

  constructor(private readonly plan: WindowPlan) {}

  private entry(ws: number, group: string | null) {
    const id = `${ws}\u0000${group === null ? '\u0001' : group}`;
    let entry = this.windows.get(id);
    if (entry === undefined) {
      entry = { window_start: ws, group, bins: Array.from({ length: this.plan.bins + 1 }, emptyBin), scores: { predicted: [], confidence: [], actual: [], weight: [] } };
      this.windows.set(id, entry);
    }
    return entry;
  }

  addBinRow(row: readonly SqlValue[]): void {
    const [ws, g, gt, b, count, tp, fp, tn, fn, sum, square, min, max, brier] = row as number[];
    const bin = this.entry(Number(ws), groupKey(g as SqlValue, gt as SqlValue)).bins[Number(b)] as BinStats;
    // Two SQL groups can share one key (a feature stored as 3 in one row and 3.0 in another): they add up.
    bin.count += Number(count);
    bin.truePositives += Number(tp);
    bin.falsePositives += Number(fp);
    bin.trueNegatives += Number(tn);
    bin.falseNegatives += Number(fn);
    bin.confidenceSum += Number(sum);
    bin.confidenceSquareSum += Number(square);
    bin.confidenceMin = Math.min(bin.confidenceMin, Number(min));
    bin.confidenceMax = Math.max(bin.confidenceMax, Number(max));
    bin.brierSum += Number(brier);
  }

  addScoreRow(row: readonly SqlValue[]): void {
    const [ws, g, gt, y, c, a, count] = row as number[];
    const { scores } = this.entry(Number(ws), groupKey(g as SqlValue, gt as SqlValue));
    scores.predicted.push(Number(y));
    scores.confidence.push(Number(c));
    scores.actual.push(Number(a));
    scores.weight.push(Number(count));
  }

  stats(): WindowStats[] {
    return [...this.windows.values()].map(({ window_start, group, bins, scores }) => ({
      window_start,
      group,
      bins,
      ...(this.plan.scores
        ? {
            scores: {
              predicted: Uint8Array.from(scores.predicted),
              confidence: Float64Array.from(scores.confidence),
              actual: Uint8Array.from(scores.actual),
              weight: Uint32Array.from(scores.weight),
            },
          }
        : {}),
    }));
  }
}

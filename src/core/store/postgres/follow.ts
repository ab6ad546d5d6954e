/**
 * Following a PostgreSQL source live without a trigger or a schema change: each tick is one
 * statement that costs what changed, not what the tables hold.
 *
 * - New rows: every table has a SERIAL id. A tick counts the rows above the low-water mark and
 *   moves the mark to the highest id seen. Ids are taken when a row is inserted but become
 *   visible when its transaction commits, so a later id can commit first: the ids below the
 *   mark not seen yet (in a window under the top) are kept as gaps and looked up again on the
 *   next ticks, and a gap filled is counted then, once. A gap is given up once every transaction
 *   that was running when it was found has ended (the snapshot's xmin passed the xmax of the
 *   snapshot that found it) and a grace period has passed: its transaction rolled back, or the
 *   row was deleted.
 * - Labels arrive as UPDATEs of old rows, which no id shows. A tick counts the labelled
 *   predictions whose time is within a trailing horizon of the newest prediction, with a
 *   checksum of (id, label): more of them is labels appended, a changed checksum otherwise is
 *   a label corrected. A label for a prediction older than the horizon waits for a full
 *   reconcile. Optionally that window is read only when the server's count of updated or
 *   deleted predictions moved (or a while passed), so a quiet tick costs what the ids cost.
 * - Acknowledgments and rules change in place: their small tables are summarised whole.
 * - A full reconcile counts everything again and says which collections differ from what the
 *   ticks made of them (rows deleted, labels beyond the horizon), then follows from there.
 */
import type { Collection, CollectionChange } from '../store';
import { quoteIdentifier } from '../sqlite/rows';
import { columnSql, type PostgresTableShape } from './querySql';

export interface FollowOptions {
  /** Seconds before the newest prediction within which labels are read again on every tick. */
  readonly labelHorizonSeconds: number;
  /** Ids under the top within which missing ones are kept as gaps. */
  readonly gapWindow?: number;
  /** Gaps kept at most; the oldest are given up past it (a full reconcile finds them). */
  readonly maxGaps?: number;
  /** A gap is kept at least this long, for a transaction that took its id before it had a transaction id. */
  readonly gapGraceMs?: number;
  /** 0 (the default): the label window is read on every tick. More: only when the server's counters say rows were updated, and at least this often. */
  readonly labelRescanMs?: number;
}

export const DEFAULT_LABEL_HORIZON_SECONDS = 24 * 3600;
const DEFAULT_GAP_WINDOW = 10_000;
const DEFAULT_MAX_GAPS = 10_000;
const DEFAULT_GAP_GRACE_MS = 60_000;

/** One table followed by id. */
export interface FollowedTable {
  readonly collection: Collection;
  readonly shape: PostgresTableShape;
}

interface Gap {
  /** xmax of the snapshot that found it: once the xmin passes it, every transaction running then has ended. */
  readonly xmax: number;
  readonly foundAt: number;
}

/** What one tick read of one table. */
export interface IdReading {
  readonly top: number | null;
  /** Rows above the mark. */
  readonly added: number;
  /** Gaps now visible. */
  readonly filled: readonly number[];
  /** Ids in the window under the top, above the mark. */
  readonly recent: readonly number[];
}

export interface Snapshot {
  readonly xmin: number;
  readonly xmax: number;
}

/** The low-water mark of one table and the ids under it not seen yet. */
export class IdMark {
  private mark = 0;
  private readonly gaps = new Map<number, Gap>();

  constructor(
    private readonly window: number = DEFAULT_GAP_WINDOW,
    private readonly maxGaps: number = DEFAULT_MAX_GAPS,
    private readonly graceMs: number = DEFAULT_GAP_GRACE_MS,
  ) {}

  get lowWater(): number {
    return this.mark;
  }

  get missing(): readonly number[] {
    return [...this.gaps.keys()];
  }

  /** Takes in a reading; returns how many rows it saw for the first time. */
  apply(reading: IdReading, snapshot: Snapshot, now: number): number {
    for (const id of reading.filled) this.gaps.delete(id);
    const seen = reading.added + reading.filled.length;
    if (reading.top !== null && reading.top > this.mark) {
      const present = new Set(reading.recent);
      for (let id = Math.max(this.mark, reading.top - this.window) + 1; id < reading.top; id++) {
        if (!present.has(id)) this.gaps.set(id, { xmax: snapshot.xmax, foundAt: now });
      }
      this.mark = reading.top;
    }
    for (const [id, gap] of this.gaps) {
      if (snapshot.xmin >= gap.xmax && now - gap.foundAt >= this.graceMs) this.gaps.delete(id);
    }
    // Map order is insertion order: the oldest gaps go first.
    for (const id of this.gaps.keys()) {
      if (this.gaps.size <= this.maxGaps) break;
      this.gaps.delete(id);
    }
    return seen;
  }
}

/** The SQL of one tick (or, with every mark at zero, of a full count), and how to read its row. */
export interface TickSql {
  readonly sql: string;
  readonly params: unknown[];
}

function parseJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** The state of a live follow over one PostgreSQL database. */
export class PostgresFollow {
  private readonly marks = new Map<Collection, IdMark>();
  private counts = new Map<Collection, number>();
  private alertsDetail = '';
  private rulesDetail = '';
  /** The start of the label window, as the server's text; null before the first reading. */
  private labelSince: string | null = null;
  private labelCount = 0;
  private labelSum = '0';
  /** The predictions' updated and deleted row counter (pg_stat_user_tables) at the last tick; null before the first. */
  private counter: string | null = null;
  /** The counter moved at the last tick: the window is read again this tick, for an UPDATE that committed after that tick's snapshot. */
  private rescan = false;
  private lastScan = Number.NEGATIVE_INFINITY;
  private seeded = false;
  /** What the source held when it was opened (openedSql), for the first reading to say what changed since. */
  private opened: {
    /** Each table's highest id and the ids in the window under it. */
    readonly tables: ReadonlyMap<Collection, { readonly top: number | null; readonly recent: ReadonlySet<number> }>;
    readonly alertsDetail: string;
    readonly rulesDetail: string;
    /** The label window's start, count and checksum, as a tick reads them; null without labels. */
    readonly labels: readonly [string | null, number, string] | null;
  } | null = null;

  constructor(
    private readonly tables: readonly FollowedTable[],
    private readonly predictions: PostgresTableShape,
    private readonly alerts: PostgresTableShape,
    private readonly rules: PostgresTableShape,
    private readonly options: FollowOptions = { labelHorizonSeconds: DEFAULT_LABEL_HORIZON_SECONDS },
  ) {}

  get isSeeded(): boolean {
    return this.seeded;
  }

  /** The alerts' acknowledgment summary and the rules' checksum, as each tick reads them. */
  private detailParts(): string[] {
    return [
      this.alerts.present ? `(SELECT count(*) FILTER (WHERE ${columnSql(this.alerts, 'acknowledged')} IS TRUE)::text || '/' || coalesce(max(${columnSql(this.alerts, 'acknowledged_at')})::text, '') FROM alerts)` : `''`,
      this.rules.present ? `(SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '') FROM ${quoteIdentifier(this.rules.spec.table)} t)` : `''`,
    ];
  }

  /**
   * What the source holds as it is opened, cheaply: each table's highest id off its key and the ids
   * in the window under it, the small alerts and rules summaries, and the label window's count and
   * checksum. The first tick counts everything, some time later, and reports as reloaded what changed
   * since this reading (a row above or within that window, a lower id that committed late, an
   * acknowledgment, a rule, a label in the horizon) instead of taking it in unreported.
   */
  openedSql(): TickSql {
    const window = this.options.gapWindow ?? DEFAULT_GAP_WINDOW;
    const parts = this.tables.map(({ shape }) => {
      const table = quoteIdentifier(shape.spec.table);
      return `(SELECT json_build_array(m.top, (SELECT coalesce(json_agg(id), '[]') FROM ${table} WHERE id > m.top - ${Math.trunc(window)})) FROM (SELECT max(id) AS top FROM ${table}) m)`;
    });
    parts.push(...this.detailParts());
    const params: unknown[] = [];
    if (this.hasLabels()) {
      params.push(this.options.labelHorizonSeconds);
      parts.push(this.labelWindowSql('(SELECT max("timestamp") - make_interval(secs => $1::double precision) FROM predictions)'));
    } else parts.push('NULL');
    return { sql: `SELECT ${parts.join(', ')}`, params };
  }

  /** The label window from `since`: its start as text, its labelled count and its checksum of (id, label). */
  private labelWindowSql(since: string, extra = ''): string {
    const outcome = columnSql(this.predictions, 'actual_outcome');
    const hash = `hashtextextended(id::text || ':' || ${outcome}::text, 0)`;
    return `(SELECT json_build_array((${since})::text, count(${outcome}), coalesce(sum(${hash}), 0)::text${extra}) FROM predictions WHERE "timestamp" >= ${since})`;
  }

  /** Takes in the row of openedSql(). */
  applyOpened(row: readonly unknown[]): void {
    const tables = new Map<Collection, { top: number | null; recent: Set<number> }>();
    this.tables.forEach(({ collection }, index) => {
      const [top = null, recent = []] = (parseJson(row[index]) ?? []) as [number | string | null, (number | string)[]];
      tables.set(collection, { top: top === null ? null : Number(top), recent: new Set(recent.map(Number)) });
    });
    const at = this.tables.length;
    const labels = parseJson(row[at + 2]) as [string | null, number | string, string] | null;
    this.opened = {
      tables,
      alertsDetail: String(row[at] ?? ''),
      rulesDetail: String(row[at + 1] ?? ''),
      labels: labels === null || labels === undefined ? null : [labels[0], Number(labels[1]), String(labels[2])],
    };
  }

  private newMark(): IdMark {
    return new IdMark(this.options.gapWindow, this.options.maxGaps, this.options.gapGraceMs);
  }

  private hasLabels(): boolean {
    return this.predictions.present && ['id', 'actual_outcome', 'timestamp'].every((column) => this.predictions.columns.has(column));
  }

  /**
   * One statement: the snapshot, each table's rows above its mark (all rows with `full`), the
   * label window, and the in-place state of alerts and rules. With `full` the labelled
   * predictions of the whole table are counted too.
   *
   * With `labelRescanMs`, the label window is read only when it may have changed: when the
   * predictions' counter of updated and deleted rows moved (the server evaluates the window's
   * subquery only then), on the tick after it moved, and at least every `labelRescanMs` (a
   * server that does not count).
   * The labels of new rows are counted with the rows.
   */
  tickSql(full: boolean, now = Date.now()): TickSql {
    const params: unknown[] = [];
    const param = (value: unknown, type: string): string => {
      params.push(value);
      return `$${params.length}::${type}`;
    };
    const window = this.options.gapWindow ?? DEFAULT_GAP_WINDOW;
    const parts = ['pg_snapshot_xmin(pg_current_snapshot())::text', 'pg_snapshot_xmax(pg_current_snapshot())::text'];
    for (const { collection, shape } of this.tables) {
      const table = quoteIdentifier(shape.spec.table);
      const mark = full ? this.newMark() : (this.marks.get(collection) ?? this.newMark());
      const low = param(mark.lowWater, 'int');
      const gaps = param(mark.missing, 'int[]');
      parts.push(
        `(SELECT json_build_array(n.top, n.added, ` +
          `(SELECT coalesce(json_agg(id), '[]') FROM ${table} WHERE id = ANY(${gaps})), ` +
          `(SELECT coalesce(json_agg(id), '[]') FROM ${table} WHERE id > greatest(${low}, n.top - ${param(window, 'int')}))) ` +
          `FROM (SELECT max(id) AS top, count(*) AS added FROM ${table} WHERE id > ${low}) n)`,
      );
    }
    if (this.hasLabels()) {
      const outcome = columnSql(this.predictions, 'actual_outcome');
      const horizon = param(this.options.labelHorizonSeconds, 'double precision');
      const hash = `hashtextextended(id::text || ':' || ${outcome}::text, 0)`;
      // The window starts a horizon before the newest prediction, read off the end of the timestamp index.
      const since = full || this.labelSince === null ? `(SELECT max("timestamp") - make_interval(secs => ${horizon}) FROM predictions)` : param(this.labelSince, 'timestamptz');
      const next = `(SELECT max("timestamp") - make_interval(secs => ${horizon}) FROM predictions)`;
      const mark = this.marks.get('predictions');
      parts.push(
        full || mark === undefined
          ? 'NULL'
          : `(SELECT json_build_array(count(${outcome}), count(${outcome}) FILTER (WHERE "timestamp" >= ${since}), coalesce(sum(${hash}) FILTER (WHERE "timestamp" >= ${since}), 0)::text) ` +
              `FROM predictions WHERE id > ${param(mark.lowWater, 'int')} OR id = ANY(${param(mark.missing, 'int[]')}))`,
      );
      const counter = `(SELECT coalesce((SELECT (n_tup_upd + n_tup_del)::text FROM pg_stat_user_tables WHERE relid = 'predictions'::regclass), ''))`;
      parts.push(counter);
      const force = full || this.labelSince === null || this.rescan || now - this.lastScan >= (this.options.labelRescanMs ?? 0);
      parts.push(
        `CASE WHEN ${param(force, 'boolean')} OR ${counter} IS DISTINCT FROM ${param(this.counter, 'text')} THEN ` +
          `${this.labelWindowSql(since, `, CASE WHEN ${next} - ${since} > make_interval(secs => ${horizon}) THEN ${next}::text END`)} END`,
      );
      parts.push(full ? `(SELECT count(${outcome}) FROM predictions)` : 'NULL');
    }
    parts.push(...this.detailParts());
    return { sql: `SELECT ${parts.join(', ')}`, params };
  }

  /**
   * Takes in the row of tickSql(full). Without `full`, the changes since the last tick; with
   * it, the collections whose full count differs from what the ticks made of them (reloaded).
   * The first reading (which must be full) seeds, and reports as reloaded what changed since openedSql() was read.
   */
  apply(row: readonly unknown[], full: boolean, now = Date.now()): CollectionChange[] {
    const snapshot = { xmin: Number(row[0]), xmax: Number(row[1]) };
    let index = 2;
    const appended = new Map<Collection, number>();
    const nextCounts = new Map(this.counts);
    // The first reading after openedSql(): the collections that changed since the source was opened.
    const sinceOpened = new Set<Collection>();
    for (const { collection } of this.tables) {
      const [top, added, filled, recent] = parseJson(row[index++]) as [number | null, number, number[], number[]];
      const reading = { top, added: Number(added), filled, recent };
      if (full) {
        const opened = this.seeded ? undefined : this.opened?.tables.get(collection);
        // Rows above the top read at the open, or below it that were not there then (their transaction committed since).
        if (opened !== undefined && (opened.top !== (reading.top === null ? null : Number(reading.top)) || reading.recent.some((id) => opened.top !== null && Number(id) <= opened.top && !opened.recent.has(Number(id))))) {
          sinceOpened.add(collection);
        }
        const mark = this.newMark();
        mark.apply(reading, snapshot, now);
        this.marks.set(collection, mark);
        nextCounts.set(collection, reading.added);
        continue;
      }
      const mark = this.marks.get(collection) ?? this.newMark();
      this.marks.set(collection, mark);
      const seen = mark.apply(reading, snapshot, now);
      if (seen === 0) continue;
      nextCounts.set(collection, (nextCounts.get(collection) ?? 0) + seen);
      appended.set(collection, seen);
    }
    let labelsCorrected = false;
    if (this.hasLabels()) {
      const fresh = parseJson(row[index++]) as [number, number, string] | null;
      const counter = String(row[index++] ?? '');
      const scan = parseJson(row[index++]) as [string | null, number, string, string | null] | null;
      const labelled = row[index++];
      // The labels of the new rows, and what they add to the window's count and checksum.
      const [newLabelled = 0, newInWindow = 0, newInWindowSum = '0'] = fresh ?? [];
      const expectedCount = this.labelCount + Number(newInWindow);
      const expectedSum = BigInt(this.labelSum) + BigInt(newInWindowSum);
      let added = Number(newLabelled);
      let removed = 0;
      if (scan !== null) {
        const [since, count, sum, rebaseTo] = scan;
        // A window that had no start (no predictions yet) is taken in as it is: its new rows were counted above.
        if (!full && this.labelSince !== null) {
          const delta = Number(count) - expectedCount;
          if (delta > 0) added += delta;
          else if (delta < 0) removed = -delta;
          labelsCorrected = delta < 0 || (delta === 0 && BigInt(sum) !== expectedSum);
        }
        this.labelSince = since;
        this.labelCount = Number(count);
        this.labelSum = sum;
        this.rebaseTo = rebaseTo;
        this.lastScan = now;
      } else {
        this.labelCount = expectedCount;
        this.labelSum = String(expectedSum);
      }
      this.rescan = this.counter !== null && counter !== this.counter;
      this.counter = counter;
      if (full) nextCounts.set('outcomes', Number(labelled ?? 0));
      // Labels given since the open, within the horizon: the window's start, count or checksum moved.
      const openedLabels = this.seeded ? null : (this.opened?.labels ?? null);
      if (full && openedLabels !== null && scan !== null && (scan[0] !== openedLabels[0] || Number(scan[1]) !== openedLabels[1] || String(scan[2]) !== openedLabels[2])) sinceOpened.add('outcomes');
      else if (added - removed !== 0) nextCounts.set('outcomes', (nextCounts.get('outcomes') ?? 0) + added - removed);
      if (!full && added > 0) appended.set('outcomes', added);
    }
    const alertsDetail = String(row[index++] ?? '');
    const rulesDetail = String(row[index++] ?? '');
    const changes: CollectionChange[] = [];
    if (full) {
      for (const [collection, count] of nextCounts) {
        const inPlace = (collection === 'alerts' && alertsDetail !== this.alertsDetail) || (collection === 'rules' && rulesDetail !== this.rulesDetail);
        if (count !== this.counts.get(collection) || inPlace) changes.push({ collection, kind: 'reloaded', added: count });
      }
    } else {
      // What changes in place (an acknowledgment, a rule edited, a label corrected) is read again, as the SQLite store reports it.
      const reloaded = new Set<Collection>();
      if (alertsDetail !== this.alertsDetail) reloaded.add('alerts');
      if (rulesDetail !== this.rulesDetail || appended.has('rules')) reloaded.add('rules');
      if (labelsCorrected) reloaded.add('outcomes');
      for (const [collection, added] of appended) if (!reloaded.has(collection)) changes.push({ collection, kind: 'appended', added });
      for (const collection of reloaded) changes.push({ collection, kind: 'reloaded', added: nextCounts.get(collection) ?? 0 });
    }
    const first = !this.seeded;
    if (first && this.opened !== null) {
      if (alertsDetail !== this.opened.alertsDetail) sinceOpened.add('alerts');
      if (rulesDetail !== this.opened.rulesDetail) sinceOpened.add('rules');
      this.opened = null;
    }
    this.counts = nextCounts;
    this.alertsDetail = alertsDetail;
    this.rulesDetail = rulesDetail;
    this.seeded = true;
    return first ? [...sinceOpened].map((collection) => ({ collection, kind: 'reloaded', added: nextCounts.get(collection) ?? 0 })) : changes;
  }

  /** Where the label window starts next, once it spans more than twice the horizon; null otherwise. */
  private rebaseTo: string | null = null;

  /** The SQL that restarts the label window a horizon before the newest prediction, when it has grown past twice the horizon. */
  rebaseSql(): TickSql | undefined {
    if (!this.hasLabels() || this.rebaseTo === null) return undefined;
    const outcome = columnSql(this.predictions, 'actual_outcome');
    return {
      sql: `SELECT $1::text, count(${outcome}), coalesce(sum(hashtextextended(id::text || ':' || ${outcome}::text, 0)), 0)::text FROM predictions WHERE "timestamp" >= $1::timestamptz`,
      params: [this.rebaseTo],
    };
  }

  /** Takes in the row of rebaseSql(). */
  applyRebase(row: readonly unknown[]): void {
    this.labelSince = String(row[0]);
    this.labelCount = Number(row[1]);
    this.labelSum = String(row[2]);
    this.rebaseTo = null;
  }
}

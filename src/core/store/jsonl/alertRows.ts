/**
 * The alerts of alerts.jsonl in file order, queried by time. A row is either a record the store
 * parsed from its line, or a row of an alert index (alertIndex.ts): then only the columns that
 * filters, counts and groups look at are held, with the bytes of the file, and the row becomes a
 * record when something reads it, parsed from its line by the store's own parser. 100,000
 * indexed alerts cost a few megabytes of typed arrays instead of 100,000 records.
 */
import type { RecordLayout } from '../../model/record';
import { alertMatcher } from '../alertFilter';
import type { AlertFilter, SortOrder, StoredAlert, TimeRange } from '../store';
import type { ListEntry } from './recordList';
import { countRows, selectRows, TimeOrder, type RowQuery } from './timeOrder';

/** The columns of indexed alerts; strings are indices into `strings` (-1: null). */
export interface AlertColumns {
  readonly count: number;
  /** The 1-based line of each row. */
  readonly lines: Uint32Array;
  readonly timestamps: Float64Array;
  readonly acknowledged: Uint8Array;
  readonly severity: Int32Array;
  readonly modelVersion: Int32Array;
  readonly component: Int32Array;
  readonly metricName: Int32Array;
  readonly strings: readonly string[];
  /** Every row's alert_id, one after the other (one string, not 100,000), each ending at its `alertIdEnds`. */
  readonly alertIdText: string;
  readonly alertIdEnds: Uint32Array;
  /** n of the key `<alert_id>#<n>`. */
  readonly occurrences: Uint32Array;
}

/** Indexed rows: their columns and the file's bytes (its first `consumed`), with where each line starts. */
export interface IndexedRows {
  readonly columns: AlertColumns;
  readonly bytes: Buffer;
  /** Byte offset of line n at [n - 1]; [lines] is the end. */
  readonly lineStarts: Float64Array;
}

/** Parses one line (its text, without the newline) into the record it was indexed from. */
export type AlertLineParser = (text: string, line: number, key: string) => ListEntry<StoredAlert>;

const NULL = -1;

export class AlertRows {
  private readonly times = new TimeOrder();
  /** Records, by row; an indexed row's is made when first read. */
  private entries: (ListEntry<StoredAlert> | undefined)[] = [];
  private indexed: IndexedRows | undefined;

  constructor(private readonly parse: AlertLineParser) {}

  get size(): number {
    return this.entries.length;
  }

  /** Rows that come from an index and have not been read as records yet are not parsed. */
  get indexedRows(): number {
    return this.indexed?.columns.count ?? 0;
  }

  /** Takes the rows of an index; only into an empty list, before any record. */
  install(rows: IndexedRows): void {
    if (this.entries.length > 0) throw new Error('an alert index goes into an empty list');
    const { columns } = rows;
    this.indexed = rows;
    this.entries = new Array<ListEntry<StoredAlert> | undefined>(columns.count);
    for (let row = 0; row < columns.count; row++) this.times.push(columns.timestamps[row] as number);
  }

  /** Appends a record; returns its row. */
  add(value: StoredAlert, line: number, layout: RecordLayout): number {
    this.entries.push({ value, line, layout });
    this.times.push(value.timestamp);
    return this.entries.length - 1;
  }

  /** Replaces a record in place with one of the same timestamp (a line Pitwall rewrote). */
  replace(row: number, value: StoredAlert, layout: RecordLayout): void {
    this.entries[row] = { value, line: this.lineOf(row), layout };
  }

  entry(row: number): ListEntry<StoredAlert> | undefined {
    if (row < 0 || row >= this.entries.length) return undefined;
    return this.entries[row] ?? this.materialize(row);
  }

  values(): StoredAlert[] {
    const values: StoredAlert[] = new Array<StoredAlert>(this.entries.length);
    for (let row = 0; row < this.entries.length; row++) values[row] = this.valueAt(row);
    return values;
  }

  clear(): void {
    this.entries = [];
    this.indexed = undefined;
    this.times.clear();
  }

  select(query: RowQuery, defaultOrder: SortOrder, filter: AlertFilter): StoredAlert[] {
    return selectRows(this.times, query, defaultOrder, this.rowMatcher(filter)).map((row) => this.valueAt(row));
  }

  count(range: TimeRange, filter: AlertFilter): number {
    return countRows(this.times, range, this.rowMatcher(filter));
  }

  /** The rows of `range` that pass `filter`, in file order. */
  rows(range: TimeRange, filter: AlertFilter): number[] {
    return selectRows(this.times, range, 'asc', this.rowMatcher(filter));
  }

  valueAt(row: number): StoredAlert {
    return (this.entries[row] ?? this.materialize(row)).value;
  }

  lineOf(row: number): number {
    const entry = this.entries[row];
    return entry !== undefined ? entry.line : ((this.indexed as IndexedRows).columns.lines[row] as number);
  }

  alertIdOf(row: number): string {
    const entry = this.entries[row];
    return entry !== undefined ? entry.value.alert_id : idAt((this.indexed as IndexedRows).columns, row);
  }

  /** The rows whose alert_id is `id`, in file order: a pass over the column, no record read. */
  rowsWithId(id: string): number[] {
    const rows: number[] = [];
    const indexed = this.indexed?.columns;
    const first = indexed?.count ?? 0;
    if (indexed !== undefined) {
      const { alertIdText: text, alertIdEnds: ends } = indexed;
      if (id === '') {
        for (let row = 0; row < first; row++) if (ends[row] === (row === 0 ? 0 : ends[row - 1])) rows.push(row);
      } else {
        // A search of the one string; a match counts where it is exactly one row's id.
        for (let at = text.indexOf(id); at >= 0; at = text.indexOf(id, at + 1)) {
          const row = firstEndingAfter(ends, first, at);
          if (row < first && (row === 0 ? 0 : ends[row - 1]) === at && ends[row] === at + id.length) rows.push(row);
        }
      }
    }
    for (let row = first; row < this.entries.length; row++) if ((this.entries[row] as ListEntry<StoredAlert>).value.alert_id === id) rows.push(row);
    return rows;
  }

  acknowledgedAt(row: number): boolean {
    const entry = this.entries[row];
    return entry !== undefined ? entry.value.acknowledged : (this.indexed as IndexedRows).columns.acknowledged[row] === 1;
  }

  modelVersionOf(row: number): string | null {
    const entry = this.entries[row];
    return entry !== undefined ? entry.value.model_version : this.stringAt((this.indexed as IndexedRows).columns.modelVersion, row);
  }

  /** The value of a column that groups can use without the record; undefined for one that needs it. */
  groupValue(row: number, column: 'severity' | 'model_version' | 'component' | 'metric_name'): string | null {
    const entry = this.entries[row];
    if (entry !== undefined) return entry.value[column];
    const { columns } = this.indexed as IndexedRows;
    const values = column === 'severity' ? columns.severity : column === 'model_version' ? columns.modelVersion : column === 'component' ? columns.component : columns.metricName;
    return this.stringAt(values, row);
  }

  /**
   * The columns of every row as they are now (records read or rewritten since included), for an
   * index of the file these rows were read from.
   */
  columns(): AlertColumns {
    const count = this.entries.length;
    const indexed = this.indexed?.columns;
    // The index's columns as they are, its strings first; rows read as records since are written over them.
    const strings = indexed === undefined ? [] : [...indexed.strings];
    const ids = new Map<string, number>(strings.map((text, id) => [text, id]));
    const intern = (value: string | null): number => {
      if (value === null) return NULL;
      let id = ids.get(value);
      if (id === undefined) {
        id = strings.length;
        strings.push(value);
        ids.set(value, id);
      }
      return id;
    };
    const from = <T extends Uint32Array | Float64Array | Uint8Array | Int32Array>(make: new (length: number) => T, column: T | undefined): T => {
      const array = new make(count);
      if (column !== undefined) array.set(column.subarray(0, Math.min(count, column.length)));
      return array;
    };
    const columns = {
      count,
      lines: from(Uint32Array, indexed?.lines),
      timestamps: from(Float64Array, indexed?.timestamps),
      acknowledged: from(Uint8Array, indexed?.acknowledged),
      severity: from(Int32Array, indexed?.severity),
      modelVersion: from(Int32Array, indexed?.modelVersion),
      component: from(Int32Array, indexed?.component),
      metricName: from(Int32Array, indexed?.metricName),
      strings,
      alertIdText: '',
      alertIdEnds: new Uint32Array(count),
      occurrences: from(Uint32Array, indexed?.occurrences),
    };
    // The index's ids as they are (a rewrite never changes an alert_id), then those of the rows after it.
    const kept = indexed === undefined ? 0 : Math.min(indexed.count, count);
    const more: string[] = [];
    if (indexed !== undefined) columns.alertIdEnds.set(indexed.alertIdEnds.subarray(0, kept));
    let end = kept === 0 ? 0 : (columns.alertIdEnds[kept - 1] as number);
    for (let row = kept; row < count; row++) {
      const id = (this.entries[row] as ListEntry<StoredAlert>).value.alert_id;
      more.push(id);
      end += id.length;
      columns.alertIdEnds[row] = end;
    }
    columns.alertIdText = (indexed === undefined ? '' : indexed.alertIdText.slice(0, kept === 0 ? 0 : indexed.alertIdEnds[kept - 1])) + more.join('');
    for (let row = 0; row < count; row++) {
      const entry = this.entries[row];
      if (entry === undefined) continue;
      const { value, line } = entry;
      columns.lines[row] = line;
      columns.timestamps[row] = value.timestamp;
      columns.acknowledged[row] = value.acknowledged ? 1 : 0;
      columns.severity[row] = intern(value.severity);
      columns.modelVersion[row] = intern(value.model_version);
      columns.component[row] = intern(value.component);
      columns.metricName[row] = intern(value.metric_name);
      columns.occurrences[row] = Number(value.key.slice(value.key.lastIndexOf('#') + 1));
    }
    return columns;
  }

  private stringAt(values: Int32Array, row: number): string | null {
    const id = values[row] as number;
    return id === NULL ? null : ((this.indexed as IndexedRows).columns.strings[id] as string);
  }

  private materialize(row: number): ListEntry<StoredAlert> {
    const { columns, bytes, lineStarts } = this.indexed as IndexedRows;
    const line = columns.lines[row] as number;
    // The line without its newline, decoded as the follower decodes it (a byte-order mark dropped).
    let text = bytes.toString('utf8', lineStarts[line - 1], (lineStarts[line] as number) - 1);
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const entry = this.parse(text, line, `${idAt(columns, row)}#${columns.occurrences[row] as number}`);
    this.entries[row] = entry;
    return entry;
  }

  /**
   * A test of one row against `filter`: on the columns where the filter needs no more (severity,
   * acknowledged, model version, alert_id, component), else on the record.
   */
  private rowMatcher(filter: AlertFilter): (row: number) => boolean {
    const needsRecord = (filter.text !== undefined && filter.text !== '') || (filter.scopes !== undefined && filter.scopes.length > 0);
    if (needsRecord || this.indexed === undefined) {
      const matches = alertMatcher(filter);
      return (row) => matches(this.valueAt(row));
    }
    const severities = filter.severity === undefined ? undefined : new Set<string | null>(typeof filter.severity === 'string' ? [filter.severity] : filter.severity);
    const component = filter.component;
    return (row) =>
      (severities === undefined || severities.has(this.groupValue(row, 'severity'))) &&
      (filter.acknowledged === undefined || this.acknowledgedAt(row) === filter.acknowledged) &&
      (filter.modelVersion === undefined || this.modelVersionOf(row) === filter.modelVersion) &&
      (filter.alertId === undefined || this.alertIdOf(row) === filter.alertId) &&
      (component === undefined || this.groupValue(row, 'component') === component);
  }
}

function idAt(columns: AlertColumns, row: number): string {
  return columns.alertIdText.slice(row === 0 ? 0 : columns.alertIdEnds[row - 1], columns.alertIdEnds[row]);
}

/** The first of the first `count` rows whose id ends after `position` (count when none does). */
function firstEndingAfter(ends: Uint32Array, count: number, position: number): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((ends[middle] as number) > position) high = middle;
    else low = middle + 1;
  }
  return low;
}

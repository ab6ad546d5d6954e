import type { RecordLayout } from '../../model/record';
import type { SortOrder, TimeRange } from '../store';
import { countRows, selectRows, TimeOrder, type RowQuery } from './timeOrder';

/** A record as read, with the line it came from and its layout, for a writer that rewrites the file. */
export interface ListEntry<T> {
  readonly value: T;
  readonly line: number;
  readonly layout: RecordLayout;
}

/** The records of one small JSONL file (alerts, health snapshots…) in file order, queried by time. */
export class RecordList<T extends { readonly timestamp: number }> {
  private readonly times = new TimeOrder();
  private entries: ListEntry<T>[] = [];

  get size(): number {
    return this.entries.length;
  }

  /** Appends a record; returns its row. */
  add(value: T, line: number, layout: RecordLayout): number {
    this.entries.push({ value, line, layout });
    this.times.push(value.timestamp);
    return this.entries.length - 1;
  }

  /** Replaces a record in place with one of the same timestamp (a line Pitwall rewrote). */
  replace(row: number, value: T, layout: RecordLayout): void {
    const entry = this.entries[row] as ListEntry<T>;
    this.entries[row] = { value, line: entry.line, layout };
  }

  entry(row: number): ListEntry<T> | undefined {
    return this.entries[row];
  }

  values(): T[] {
    return this.entries.map((entry) => entry.value);
  }

  clear(): void {
    this.entries = [];
    this.times.clear();
  }

  select(query: RowQuery, defaultOrder: SortOrder, keep: (value: T) => boolean): T[] {
    return selectRows(this.times, query, defaultOrder, (row) => keep(this.valueAt(row))).map((row) =>
      this.valueAt(row),
    );
  }

  count(range: TimeRange, keep: (value: T) => boolean): number {
    return countRows(this.times, range, (row) => keep(this.valueAt(row)));
  }

  private valueAt(row: number): T {
    return (this.entries[row] as ListEntry<T>).value;
  }
}

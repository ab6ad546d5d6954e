/**
 * The timestamps of an in-memory collection, in storage order, and the time order over them:
 * the rows themselves while the file is in time order (the usual case), else a permutation
 * sorted once and kept until the next append. Time ranges are found by binary search.
 */
import type { Ordered, Page, SortOrder, TimeRange } from '../store';

export class TimeOrder {
  private times = new Float64Array(1024);
  private count = 0;
  private inOrder = true;
  private permutation: Uint32Array | null = null;

  get length(): number {
    return this.count;
  }

  time(row: number): number {
    return this.times[row] as number;
  }

  push(time: number): void {
    if (this.count === this.times.length) {
      const bigger = new Float64Array(this.times.length * 2);
      bigger.set(this.times);
      this.times = bigger;
    }
    if (this.count > 0 && time < (this.times[this.count - 1] as number)) this.inOrder = false;
    this.times[this.count++] = time;
    this.permutation = null;
  }

  clear(): void {
    this.times = new Float64Array(1024);
    this.count = 0;
    this.inOrder = true;
    this.permutation = null;
  }

  /**
   * Visits the rows within `range` in time order, `visit` returning false to stop. Equal
   * timestamps keep storage order in both directions.
   */
  scan(order: SortOrder, range: TimeRange, visit: (row: number) => boolean): void {
    const rowAt = this.rowAt();
    const lo = range.from === undefined ? 0 : this.lowerBound(range.from, rowAt);
    const hi = range.to === undefined ? this.count : this.lowerBound(range.to, rowAt);
    if (order === 'asc') {
      for (let position = lo; position < hi; position++) if (!visit(rowAt(position))) return;
      return;
    }
    let last = hi - 1;
    while (last >= lo) {
      const time = this.time(rowAt(last));
      let first = last;
      while (first > lo && this.time(rowAt(first - 1)) === time) first--;
      for (let position = first; position <= last; position++) if (!visit(rowAt(position))) return;
      last = first - 1;
    }
  }

  private rowAt(): (position: number) => number {
    if (this.inOrder) return (position) => position;
    if (this.permutation === null) {
      const times = this.times;
      const rows = new Uint32Array(this.count);
      for (let row = 0; row < rows.length; row++) rows[row] = row;
      this.permutation = rows.sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
    }
    const permutation = this.permutation;
    return (position) => permutation[position] as number;
  }

  /** The first position whose time is ≥ `time`. */
  private lowerBound(time: number, rowAt: (position: number) => number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.time(rowAt(mid)) < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export type RowQuery = TimeRange & Page & Ordered;

/** The rows a query selects, in its order, after offset and limit. */
export function selectRows(
  times: TimeOrder,
  query: RowQuery,
  defaultOrder: SortOrder,
  matches: (row: number) => boolean,
): number[] {
  const rows: number[] = [];
  let skip = query.offset ?? 0;
  const limit = query.limit ?? Infinity;
  if (limit <= 0) return rows;
  times.scan(query.order ?? defaultOrder, query, (row) => {
    if (!matches(row)) return true;
    if (skip > 0) {
      skip--;
      return true;
    }
    rows.push(row);
    return rows.length < limit;
  });
  return rows;
}

export function countRows(times: TimeOrder, range: TimeRange, matches: (row: number) => boolean): number {
  let count = 0;
  times.scan('asc', range, (row) => {
    if (matches(row)) count++;
    return true;
  });
  return count;
}

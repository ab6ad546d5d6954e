/**
 * Counts read straight from a table's b-tree pages (SQLite's "Database File Format" §1.6, §2.1),
 * for a table too large to count through sql.js on every open: the rows, and the rows whose
 * given column is not NULL, from the leaf cells' record headers alone (no value is decoded,
 * no row is kept). Leaf pages are read in runs of the file. Anything unexpected (a page of the
 * wrong kind, a pointer out of range, a page met twice) throws `ScanRefused`, and the caller
 * counts with SQL instead.
 */
import type { PageSource } from './pageSource';
import { readVarint, ScanRefused } from './tableScan';

export interface VersionCount {
  readonly rows: number;
  readonly notNull: number;
}

export interface TableCount {
  readonly rows: number;
  /** Rows whose counted column is not NULL. */
  readonly notNull: number;
  /** The same per value of the grouping column (text values; rows with another value are in the totals only). */
  readonly byGroup: ReadonlyMap<string, VersionCount>;
}

export interface CountOptions {
  /** Checked between slices of pages: an aborted count throws the signal's reason. */
  readonly signal?: AbortSignal;
  /** Pages read between two yields to the event loop (default 2048: a few milliseconds). */
  readonly pagesPerSlice?: number;
}

function u16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
}

function u32(bytes: Uint8Array, offset: number): number {
  return (((bytes[offset] as number) << 24) | ((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number)) >>> 0;
}

/** Length of the varint at `offset` (at most 9), refusing one that runs past `limit`. */
function skipVarint(bytes: Uint8Array, offset: number, limit: number): number {
  for (let i = 0; i < 9; i++) {
    if (offset + i >= limit) throw new ScanRefused('a varint runs past its page');
    if (i === 8 || (bytes[offset + i] as number) < 0x80) return i + 1;
  }
  return 9;
}

/** A varint below 2^28 (record header sizes and serial types of the columns read here). */
function smallVarint(bytes: Uint8Array, offset: number, limit: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    if (offset + i >= limit) throw new ScanRefused('a varint runs past its page');
    const byte = bytes[offset + i] as number;
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) return [value, i + 1];
  }
  throw new ScanRefused('a record header field is larger than a count reads');
}

/**
 * The leaf pages of a table b-tree, level by level, read in runs of the file. Page numbers are
 * kept in typed arrays: a 10M-row table has about a million leaves, 4 MB here against 8 MB and
 * more as an array of numbers.
 */
function leavesOf(source: PageSource, root: number, seen: Uint8Array): Uint32Array {
  const interior = 0x05;
  const leaf = 0x0d;
  let sorted = Uint32Array.of(root);
  for (;;) {
    for (const page of sorted) {
      if (!(page >= 1 && page <= source.pageCount)) throw new ScanRefused(`page ${page} is outside the file`);
      if (seen[page]) throw new ScanRefused(`page ${page} is reached twice`);
      seen[page] = 1;
    }
    const first = source.page(sorted[0] as number);
    const kind = first[(sorted[0] as number) === 1 ? 100 : 0];
    if (kind === leaf) return sorted;
    if (kind !== interior) throw new ScanRefused(`page ${sorted[0] as number} is not a page of this b-tree (type ${kind})`);
    let next = new Uint32Array(Math.min(source.pageCount, Math.max(64, sorted.length * 64)));
    let count = 0;
    source.forEachPage(sorted, (page, bytes) => {
      const header = page === 1 ? 100 : 0;
      if (bytes[header] !== interior) throw new ScanRefused(`page ${page} is not an interior page like the others of its level`);
      const cells = u16(bytes, header + 3);
      if (count + cells + 1 > source.pageCount) throw new ScanRefused('more children than pages');
      if (count + cells + 1 > next.length) {
        const grown = new Uint32Array(Math.min(source.pageCount, Math.max(2 * next.length, count + cells + 1)));
        grown.set(next.subarray(0, count));
        next = grown;
      }
      for (let i = 0; i < cells; i++) {
        const at = u16(bytes, header + 12 + 2 * i);
        if (at + 4 > bytes.length) throw new ScanRefused(`a cell pointer of page ${page} is out of range`);
        next[count++] = u32(bytes, at);
      }
      next[count++] = u32(bytes, header + 8);
    });
    // Numeric order, in place: the next level's pages, read in file order.
    sorted = next.subarray(0, count).sort();
  }
}

/**
 * Rows of a rowid table, those whose column `notNullColumn` (0-based, in the record) is not NULL,
 * and both per text value of `groupColumn`. It yields to the event loop between slices of pages,
 * so a large table is counted without holding the thread.
 */
export async function countTableRows(source: PageSource, root: number, notNullColumn: number, groupColumn: number, options: CountOptions = {}): Promise<TableCount> {
  const seen = new Uint8Array(source.pageCount + 1);
  const leaves = leavesOf(source, root, seen);
  let rows = 0;
  let notNull = 0;
  const groups = new Map<string, { rows: number; notNull: number }>();
  // Group values by their bytes, decoded once each.
  const known: Group[] = [];
  let lastGroup: Group | undefined;
  const last = Math.max(notNullColumn, groupColumn);
  const usable = source.usable;
  const visit = (page: number, bytes: Uint8Array): void => {
    const header = page === 1 ? 100 : 0;
    if (bytes[header] !== 0x0d) throw new ScanRefused(`page ${page} is not a table leaf like the others of its level`);
    const cells = u16(bytes, header + 3);
    const limit = bytes.length;
    rows += cells;
    for (let i = 0; i < cells; i++) {
      let at = u16(bytes, header + 8 + 2 * i);
      if (at < header + 8 || at >= limit) throw new ScanRefused(`a cell pointer of page ${page} is out of range`);
      const [payload, payloadLength] = readVarint(bytes, at);
      at += payloadLength;
      at += skipVarint(bytes, at, limit);
      // What of the payload lies on this page; a record's header always does.
      const localEnd = at + localPayload(payload, usable, true);
      const [headerSize, sizeLength] = smallVarint(bytes, at, limit);
      const headerEnd = at + headerSize;
      let p = at + sizeLength;
      let body = headerEnd;
      let outcomeType = 0;
      let groupType = 0;
      let groupStart = 0;
      for (let index = 0; index <= last && p < headerEnd; index++) {
        const [type, length] = smallVarint(bytes, p, limit);
        p += length;
        if (index === notNullColumn) outcomeType = type;
        if (index === groupColumn) {
          groupType = type;
          groupStart = body;
        }
        body += type >= 12 ? (type - 12) >> 1 : SERIAL_SIZES[type] ?? 0;
      }
      // A record shorter than the table (a column added later) reads the missing ones as NULL.
      const counted = outcomeType !== 0;
      if (counted) notNull++;
      if (groupType >= 13 && groupType % 2 === 1) {
        const end = groupStart + ((groupType - 13) >> 1);
        if (end > localEnd || end > limit) throw new ScanRefused('a grouping value lies on an overflow page');
        // Few distinct values, mostly in runs: the last one matched is tried first, then the others, byte by byte.
        let group = lastGroup !== undefined && sameBytes(lastGroup.bytes, bytes, groupStart, end) ? lastGroup : undefined;
        if (group === undefined) {
          group = known.find((candidate) => sameBytes(candidate.bytes, bytes, groupStart, end));
          if (group === undefined) {
            group = { bytes: bytes.slice(groupStart, end), rows: 0, notNull: 0 };
            known.push(group);
            groups.set(textOf(bytes, groupStart, end), group);
          }
          lastGroup = group;
        }
        group.rows++;
        if (counted) group.notNull++;
      }
    }
  };
  const slice = Math.max(1, options.pagesPerSlice ?? 2048);
  for (let start = 0; start < leaves.length; start += slice) {
    if (options.signal?.aborted) throw options.signal.reason;
    source.forEachPage(leaves.slice(start, start + slice), visit);
    if (start + slice < leaves.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (options.signal?.aborted) throw options.signal.reason;
  return { rows, notNull, byGroup: groups };
}

const SERIAL_SIZES = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0];

/** Bytes of a cell's payload kept on its page (§1.6): a table leaf's, or an index page's. */
function localPayload(size: number, usable: number, tableLeaf: boolean): number {
  const maxLocal = tableLeaf ? usable - 35 : Math.floor(((usable - 12) * 64) / 255) - 23;
  if (size <= maxLocal) return size;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const local = minLocal + ((size - minLocal) % (usable - 4));
  return local > maxLocal ? minLocal : local;
}

interface Group {
  readonly bytes: Uint8Array;
  rows: number;
  notNull: number;
}

function sameBytes(known: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (known.length !== end - start) return false;
  for (let i = 0; i < known.length; i++) if (known[i] !== bytes[start + i]) return false;
  return true;
}

function textOf(bytes: Uint8Array, start: number, end: number): string {
  try {
    return decoder.decode(bytes.subarray(start, end));
  } catch {
    throw new ScanRefused('text that is not UTF-8');
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The first column of the index entry in the cell at `at` (past an interior cell's child pointer): text, or null for any other value. */
function firstText(bytes: Uint8Array, at: number, usable: number): string | null {
  const [size, sizeLength] = smallVarint(bytes, at, usable);
  const start = at + sizeLength;
  const local = localPayload(size, usable, false);
  const [headerSize, headerLength] = smallVarint(bytes, start, start + local);
  const [type] = smallVarint(bytes, start + headerLength, start + local);
  if (type < 13 || type % 2 === 0) return null;
  const length = (type - 13) / 2;
  const valueStart = start + headerSize;
  if (valueStart + length > start + local) throw new ScanRefused('an index entry keeps its first column on overflow pages');
  try {
    return decoder.decode(bytes.subarray(valueStart, valueStart + length));
  } catch {
    throw new ScanRefused('index text that is not UTF-8');
  }
}

/**
 * The distinct text values of an index's first column (other values left out), reading only the
 * pages where the value changes: an interior page's entries bound its children, and a child
 * between two equal bounds holds that value alone. A few pages for a column of few values.
 */
export function distinctFirstColumn(source: PageSource, root: number): Set<string> {
  const found = new Set<string>();
  const usable = source.usable;
  const seen = new Uint8Array(source.pageCount + 1);
  const visit = (page: number, low: string | null | undefined, high: string | null | undefined): void => {
    if (low !== undefined && low === high) return;
    if (!(page >= 1 && page <= source.pageCount)) throw new ScanRefused(`page ${page} is outside the file`);
    if (seen[page]) throw new ScanRefused(`page ${page} is reached twice`);
    seen[page] = 1;
    const bytes = source.page(page);
    const header = page === 1 ? 100 : 0;
    const kind = bytes[header];
    const cells = u16(bytes, header + 3);
    if (kind === 0x0a) {
      for (let i = 0; i < cells; i++) {
        const value = firstText(bytes, u16(bytes, header + 8 + 2 * i), usable);
        if (value !== null) found.add(value);
      }
      return;
    }
    if (kind !== 0x02) throw new ScanRefused(`page ${page} is not an index b-tree page (type ${kind})`);
    let previous = low;
    for (let i = 0; i < cells; i++) {
      const at = u16(bytes, header + 12 + 2 * i);
      if (at + 4 > usable) throw new ScanRefused(`a cell pointer of page ${page} is out of range`);
      const key = firstText(bytes, at + 4, usable);
      if (key !== null) found.add(key);
      visit(u32(bytes, at), previous, key);
      previous = key;
    }
    visit(u32(bytes, header + 8), previous, high);
  };
  visit(root, undefined, undefined);
  return found;
}

/**
 * Counts read straight from a table's b-tree pages (SQLite's "Database File Format" §1.6, §2.1),
 * for a table too large to count through sql.js on every open: the rows, and the rows whose
 * given column is not NULL, from the leaf cells' record headers alone (no value is decoded,
 * no row is kept). Leaf pages are read in runs of the file. Anything unexpected (a page of the
 * wrong kind, a pointer out of range, a page met twice) throws `CountRefused`, and the caller
 * counts with SQL instead.
 */
import type { PageSource } from './pageSource';

export class CountRefused extends Error {}

export interface TableCount {
  readonly rows: number;
  /** Rows whose column (by position in the record) is not NULL. */
  readonly notNull: number;
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
    if (offset + i >= limit) throw new CountRefused('a varint runs past its page');
    if (i === 8 || (bytes[offset + i] as number) < 0x80) return i + 1;
  }
  return 9;
}

/** A varint below 2^28 (record header sizes and serial types of the columns read here). */
function smallVarint(bytes: Uint8Array, offset: number, limit: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    if (offset + i >= limit) throw new CountRefused('a varint runs past its page');
    const byte = bytes[offset + i] as number;
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) return [value, i + 1];
  }
  throw new CountRefused('a record header field is larger than a count reads');
}

/**
 * The leaf pages of a b-tree of `interior`/`leaf` page kinds, level by level; interior cells are
 * counted into `interiorCells` (an index keeps entries in them too).
 */
function leavesOf(source: PageSource, root: number, interior: number, leaf: number, seen: Uint8Array): { leaves: number[]; interiorCells: number } {
  let level = [root];
  let interiorCells = 0;
  for (;;) {
    const sorted = [...level].sort((a, b) => a - b);
    for (const page of sorted) {
      if (!(page >= 1 && page <= source.pageCount)) throw new CountRefused(`page ${page} is outside the file`);
      if (seen[page]) throw new CountRefused(`page ${page} is reached twice`);
      seen[page] = 1;
    }
    const first = source.page(sorted[0] as number);
    const kind = first[(sorted[0] as number) === 1 ? 100 : 0];
    if (kind === leaf) return { leaves: sorted, interiorCells };
    if (kind !== interior) throw new CountRefused(`page ${sorted[0] as number} is not a page of this b-tree (type ${kind})`);
    const next: number[] = [];
    source.forEachPage(sorted, (page, bytes) => {
      const header = page === 1 ? 100 : 0;
      if (bytes[header] !== interior) throw new CountRefused(`page ${page} is not an interior page like the others of its level`);
      const cells = u16(bytes, header + 3);
      interiorCells += cells;
      for (let i = 0; i < cells; i++) {
        const at = u16(bytes, header + 12 + 2 * i);
        if (at + 4 > bytes.length) throw new CountRefused(`a cell pointer of page ${page} is out of range`);
        next.push(u32(bytes, at));
      }
      next.push(u32(bytes, header + 8));
    });
    if (next.length > source.pageCount) throw new CountRefused('more children than pages');
    level = next;
  }
}

/** Entries of an index b-tree (a non-partial index has one per row of its table). */
export function countIndexEntries(source: PageSource, root: number): number {
  const seen = new Uint8Array(source.pageCount + 1);
  const { leaves, interiorCells } = leavesOf(source, root, 0x02, 0x0a, seen);
  let entries = interiorCells;
  source.forEachPage(leaves, (page, bytes) => {
    if (bytes[page === 1 ? 100 : 0] !== 0x0a) throw new CountRefused(`page ${page} is not an index leaf like the others of its level`);
    entries += u16(bytes, (page === 1 ? 100 : 0) + 3);
  });
  return entries;
}

/** Rows of a rowid table, and those whose column at `column` (0-based, in the record) is not NULL. */
export function countTableRows(source: PageSource, root: number, column: number): TableCount {
  const seen = new Uint8Array(source.pageCount + 1);
  const { leaves } = leavesOf(source, root, 0x05, 0x0d, seen);
  let rows = 0;
  let notNull = 0;
  source.forEachPage(leaves, (page, bytes) => {
    const header = page === 1 ? 100 : 0;
    if (bytes[header] !== 0x0d) throw new CountRefused(`page ${page} is not a table leaf like the others of its level`);
    const cells = u16(bytes, header + 3);
    const limit = bytes.length;
    rows += cells;
    for (let i = 0; i < cells; i++) {
      let at = u16(bytes, header + 8 + 2 * i);
      if (at < header + 8 || at >= limit) throw new CountRefused(`a cell pointer of page ${page} is out of range`);
      at += skipVarint(bytes, at, limit);
      at += skipVarint(bytes, at, limit);
      // The record header is at the start of the payload, which always keeps its first bytes on the page.
      const [headerSize, sizeLength] = smallVarint(bytes, at, limit);
      const headerEnd = at + headerSize;
      let p = at + sizeLength;
      let type = 0;
      let index = 0;
      for (; index <= column && p < headerEnd; index++) {
        const [value, length] = smallVarint(bytes, p, limit);
        type = value;
        p += length;
      }
      // A record shorter than the table (a column added later) reads the missing ones as NULL.
      if (index === column + 1 && type !== 0) notNull++;
    }
  });
  return { rows, notNull };
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Local payload of an index cell whose payload is `size` bytes (§1.6). */
function indexLocal(size: number, usable: number): number {
  const maxLocal = Math.floor(((usable - 12) * 64) / 255) - 23;
  if (size <= maxLocal) return size;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const local = minLocal + ((size - minLocal) % (usable - 4));
  return local > maxLocal ? minLocal : local;
}

/** The first column of the index entry in the cell at `at` (past an interior cell's child pointer): text, or null for any other value. */
function firstText(bytes: Uint8Array, at: number, usable: number): string | null {
  const [size, sizeLength] = smallVarint(bytes, at, usable);
  const start = at + sizeLength;
  const local = indexLocal(size, usable);
  const [headerSize, headerLength] = smallVarint(bytes, start, start + local);
  const [type] = smallVarint(bytes, start + headerLength, start + local);
  if (type < 13 || type % 2 === 0) return null;
  const length = (type - 13) / 2;
  const valueStart = start + headerSize;
  if (valueStart + length > start + local) throw new CountRefused('an index entry keeps its first column on overflow pages');
  try {
    return decoder.decode(bytes.subarray(valueStart, valueStart + length));
  } catch {
    throw new CountRefused('index text that is not UTF-8');
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
    if (!(page >= 1 && page <= source.pageCount)) throw new CountRefused(`page ${page} is outside the file`);
    if (seen[page]) throw new CountRefused(`page ${page} is reached twice`);
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
    if (kind !== 0x02) throw new CountRefused(`page ${page} is not an index b-tree page (type ${kind})`);
    let previous = low;
    for (let i = 0; i < cells; i++) {
      const at = u16(bytes, header + 12 + 2 * i);
      if (at + 4 > usable) throw new CountRefused(`a cell pointer of page ${page} is out of range`);
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

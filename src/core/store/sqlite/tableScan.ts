/**
 * Reads the rows of one rowid table straight from a database image (the main file with its
 * committed WAL frames applied, as snapshot.ts reads it), following SQLite's "Database File
 * Format" §1.6 (b-tree pages), §1.7 (overflow) and §2.1 (records). It exists for speed: a
 * million-row scan decodes only the columns asked for, without copying the file into a
 * WebAssembly heap first. It trusts nothing: a page of the wrong kind, a pointer out of range,
 * a cycle or a record that overruns its cell throws `ScanRefused`, and callers fall back to the
 * full SQLite engine, which reports the damage properly.
 */

export class ScanRefused extends Error {}

export interface ImageLayout {
  readonly pageSize: number;
  /** Page size less the reserved bytes at the end of each page. */
  readonly usable: number;
  readonly pageCount: number;
}

export function layoutOf(image: Uint8Array): ImageLayout {
  if (image.length < 100) throw new ScanRefused('the image is shorter than its header');
  return layoutOfHeader(image, (pageSize) => Math.floor(image.length / pageSize));
}

/** The layout from the database header (page 1's first 100 bytes); `pageCountOf` gives the pages of the database at that page size. */
export function layoutOfHeader(head: Uint8Array, pageCountOf: (pageSize: number) => number): ImageLayout {
  if (head.length < 100) throw new ScanRefused('the image is shorter than its header');
  const raw = (head[16] as number) * 256 + (head[17] as number);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new ScanRefused(`page size ${raw}`);
  // Text encoding 1 is UTF-8; the decoders below read nothing else.
  const encoding = (((head[56] as number) << 24) | ((head[57] as number) << 16) | ((head[58] as number) << 8) | (head[59] as number)) >>> 0;
  if (encoding !== 1 && encoding !== 0) throw new ScanRefused(`text encoding ${encoding}`);
  const usable = pageSize - (head[20] as number);
  if (usable < 480) throw new ScanRefused('reserved space leaves too little of a page');
  return { pageSize, usable, pageCount: pageCountOf(pageSize) };
}

/**
 * Where a scan reads pages: a view of one page at a time (its first byte is the page's first
 * byte, page 1's database header included). A view stays valid until the reader is asked to
 * hold other pages (`FilePageReader.hold`); reading another page does not spoil it.
 */
export interface PageReader {
  readonly layout: ImageLayout;
  page(pageNumber: number): Uint8Array;
}

/** Pages of a whole database image in memory. */
export function imagePages(image: Uint8Array): PageReader {
  const layout = layoutOf(image);
  const { pageSize } = layout;
  return { layout, page: (n) => image.subarray((n - 1) * pageSize, n * pageSize) };
}

/** The length of the varint that `varintAt` read last. */
let varintLength = 0;

/** A varint at `offset`, exact to 2^53; its length is left in `varintLength` (no allocation per call). */
function varintAt(bytes: Uint8Array, offset: number): number {
  const first = bytes[offset];
  if (first === undefined) throw new ScanRefused('a varint runs past its page');
  if (first < 0x80) {
    varintLength = 1;
    return first;
  }
  let value = first & 0x7f;
  for (let i = 1; i < 8; i++) {
    const byte = bytes[offset + i];
    if (byte === undefined) throw new ScanRefused('a varint runs past its page');
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) {
      varintLength = i + 1;
      return value;
    }
  }
  const last = bytes[offset + 8];
  if (last === undefined) throw new ScanRefused('a varint runs past its page');
  varintLength = 9;
  return value * 256 + last;
}

/** A varint at `offset`: its value (exact to 2^53) and length. */
export function readVarint(bytes: Uint8Array, offset: number): [value: number, length: number] {
  const value = varintAt(bytes, offset);
  return [value, varintLength];
}

function u32(bytes: Uint8Array, offset: number): number {
  return (((bytes[offset] as number) << 24) | ((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number)) >>> 0;
}

function u16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
}

/** The leaf pages of a table b-tree in key order. */
export interface TableLeaves {
  readonly pages: readonly number[];
  /** Pages met so far (interior and leaf), for the cycle check of overflow chains. */
  readonly seen: Uint8Array;
}

/** A page of the tree, checked to be in the file and met for the first time. */
function treePage(reader: PageReader, seen: Uint8Array, page: number): Uint8Array {
  if (!(page >= 1 && page <= reader.layout.pageCount)) throw new ScanRefused(`page ${page} is outside the file`);
  if (seen[page]) throw new ScanRefused(`page ${page} is reached twice`);
  seen[page] = 1;
  return reader.page(page);
}

/**
 * Walks the interior pages of a table b-tree level by level down to its leaves, reading no leaf:
 * a b-tree is balanced, so the level whose first page is a leaf is the leaf level (scanLeaves
 * refuses any page there that is not one).
 */
export function tableLeaves(reader: PageReader, rootPage: number): TableLeaves {
  const { layout } = reader;
  const seen = new Uint8Array(layout.pageCount + 1);
  let level: number[] = [rootPage];
  for (;;) {
    const first = level[0] as number;
    if (!(first >= 1 && first <= layout.pageCount)) throw new ScanRefused(`page ${first} is outside the file`);
    const kind = reader.page(first)[first === 1 ? 100 : 0];
    if (kind === 0x0d) return { pages: level, seen };
    if (kind !== 0x05) throw new ScanRefused(`page ${first} is not a table b-tree page (type ${kind})`);
    const next: number[] = [];
    for (const page of level) {
      const view = treePage(reader, seen, page);
      const header = page === 1 ? 100 : 0;
      if (view[header] !== 0x05) throw new ScanRefused(`page ${page} is not an interior page like the others of its level`);
      const cells = u16(view, header + 3);
      const pageEnd = layout.usable;
      for (let i = 0; i < cells; i++) {
        const pointer = u16(view, header + 12 + 2 * i);
        if (pointer < header + 12 || pointer + 4 > pageEnd) throw new ScanRefused(`a cell pointer of page ${page} is out of range`);
        next.push(u32(view, pointer));
      }
      next.push(u32(view, header + 8));
    }
    if (next.length > layout.pageCount) throw new ScanRefused('more children than pages');
    level = next;
  }
}

/** The number of cells on a leaf page (from its header; checked when the page is scanned). */
export function leafCellCount(reader: PageReader, page: number): number {
  const view = reader.page(page);
  const header = page === 1 ? 100 : 0;
  return u16(view, header + 3);
}

/**
 * Calls `visit` with each row's id and its record, `bytes[start, end)`: in place on its page, or
 * copied together from overflow pages when it spills. Leaf by leaf in the order given; the bytes
 * are valid only during the call. No allocation per row (a million rows make no garbage).
 */
export function scanLeaves(reader: PageReader, leaves: TableLeaves, visit: (rowid: number, bytes: Uint8Array, start: number, end: number) => void): void {
  const { layout } = reader;
  const { usable } = layout;
  const { seen } = leaves;
  const maxLocal = usable - 35;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;

  const overflowPayload = (view: Uint8Array, headerEnd: number, size: number): Uint8Array => {
    // The size is read from the file: no record is larger than the pages that could hold it.
    if (size > layout.pageCount * usable) throw new ScanRefused('a cell claims more bytes than the file holds');
    let local = minLocal + ((size - minLocal) % (usable - 4));
    if (local > maxLocal) local = minLocal;
    if (headerEnd + local + 4 > usable) throw new ScanRefused('a cell overruns its page');
    const payload = new Uint8Array(size);
    payload.set(view.subarray(headerEnd, headerEnd + local));
    let filled = local;
    let next = u32(view, headerEnd + local);
    while (filled < size) {
      const overflow = treePage(reader, seen, next);
      const take = Math.min(usable - 4, size - filled);
      payload.set(overflow.subarray(4, 4 + take), filled);
      filled += take;
      next = u32(overflow, 0);
    }
    return payload;
  };

  for (const page of leaves.pages) {
    const view = treePage(reader, seen, page);
    const header = page === 1 ? 100 : 0;
    if (view[header] !== 0x0d) throw new ScanRefused(`page ${page} is not a table leaf page like the others of its level`);
    const cells = u16(view, header + 3);
    for (let i = 0; i < cells; i++) {
      const pointer = u16(view, header + 8 + 2 * i);
      if (pointer < header + 8 || pointer >= usable) throw new ScanRefused(`a cell pointer of page ${page} is out of range`);
      const size = varintAt(view, pointer);
      const a = varintLength;
      const rowid = varintAt(view, pointer + a);
      const start = pointer + a + varintLength;
      if (size <= maxLocal) {
        if (start + size > usable) throw new ScanRefused(`a cell of page ${page} overruns it`);
        visit(rowid, view, start, start + size);
      } else {
        visit(rowid, overflowPayload(view, start, size), 0, size);
      }
    }
  }
}

/** Every row of a table, in rowid order. */
export function scanTable(reader: PageReader, rootPage: number, visit: (rowid: number, bytes: Uint8Array, start: number, end: number) => void): void {
  scanLeaves(reader, tableLeaves(reader, rootPage), visit);
}

/** One value's place in a record: its serial type and where its bytes start. */
export interface RecordColumns {
  /** Serial types, by column. */
  readonly types: Int32Array;
  /** Body offsets, by column. */
  readonly offsets: Int32Array;
  /** Columns present in this record (older rows can have fewer, after ALTER TABLE ADD COLUMN). */
  count: number;
}

export function recordColumns(capacity: number): RecordColumns {
  return { types: new Int32Array(capacity), offsets: new Int32Array(capacity), count: 0 };
}

const FIXED_SIZES = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0];

/**
 * Reads the header of the record `bytes[start, end)` into `out` (up to its capacity of columns);
 * the offsets it leaves are positions in `bytes`.
 */
export function readRecordHeader(bytes: Uint8Array, out: RecordColumns, start = 0, end = bytes.length): void {
  const headerSize = varintAt(bytes, start);
  if (headerSize > end - start) throw new ScanRefused('a record header overruns its record');
  let position = start + varintLength;
  const headerEnd = start + headerSize;
  let body = headerEnd;
  let column = 0;
  while (position < headerEnd && column < out.types.length) {
    const type = varintAt(bytes, position);
    position += varintLength;
    out.types[column] = type;
    out.offsets[column] = body;
    body += type < 10 ? (FIXED_SIZES[type] as number) : type >= 12 ? (type - 12) >> 1 : 0;
    if (type === 10 || type === 11) throw new ScanRefused('a record uses a reserved serial type');
    column++;
  }
  // Only the columns read must lie inside the record; later ones are not needed.
  out.count = column;
  for (let c = 0; c < column; c++) {
    const type = out.types[c] as number;
    const valueEnd = (out.offsets[c] as number) + (type < 10 ? (FIXED_SIZES[type] as number) : type >= 12 ? (type - 12) >> 1 : 0);
    if (valueEnd > end) throw new ScanRefused('a record value overruns its record');
  }
}

/** An integer value (serial types 1–6, 8, 9); undefined for any other type. */
export function integerAt(record: Uint8Array, type: number, offset: number): number | undefined {
  switch (type) {
    case 8:
      return 0;
    case 9:
      return 1;
    case 1:
      return ((record[offset] as number) << 24) >> 24;
    case 2:
      return ((((record[offset] as number) << 8) | (record[offset + 1] as number)) << 16) >> 16;
    case 3:
      return ((((record[offset] as number) << 16) | ((record[offset + 1] as number) << 8) | (record[offset + 2] as number)) << 8) >> 8;
    case 4:
      return ((record[offset] as number) << 24) | ((record[offset + 1] as number) << 16) | ((record[offset + 2] as number) << 8) | (record[offset + 3] as number);
    case 5:
    case 6: {
      const view = new DataView(record.buffer, record.byteOffset + offset, type === 5 ? 6 : 8);
      if (type === 5) return view.getInt16(0) * 2 ** 32 + view.getUint32(2);
      const big = view.getBigInt64(0);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : undefined;
    }
    default:
      return undefined;
  }
}

const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A number (integer or float, serial types 1–9); undefined for NULL, text or blob. */
export function numberAt(record: Uint8Array, type: number, offset: number): number | undefined {
  if (type !== 7) return integerAt(record, type, offset);
  // Records store floats big-endian; copying through a scratch array avoids a DataView per value.
  for (let i = 0; i < 8; i++) scratchBytes[littleEndian ? 7 - i : i] = record[offset + i] as number;
  return scratch[0];
}

export function isText(type: number): boolean {
  return type >= 13 && (type & 1) === 1;
}

export function textLength(type: number): number {
  return (type - 13) >> 1;
}

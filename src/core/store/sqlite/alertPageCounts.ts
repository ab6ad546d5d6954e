/**
 * The alerts counted per page of the alerts table's b-tree (SQLite's "Database File Format"
 * §1.6, §2.1), kept from one snapshot to the next, so that after the service appends an alert a
 * refresh reads and decodes the pages that changed, not the table:
 * - while the main file is as it was (WAL mode between checkpoints), a page that neither the old
 *   nor the new WAL holds is the same page: its counts are kept without reading it;
 * - a page the WAL holds is taken from the WAL in memory, and a page of a main file that changed
 *   (a checkpoint, a rollback-journal writer) is read again; either is decoded again only when
 *   its bytes differ from the ones counted (by a digest of the page).
 * Anything unexpected (a page of the wrong kind, a value on an overflow page or of a type the SQL
 * counts read differently) throws `ScanRefused`, and the caller counts with SQL instead.
 */
import { createHash, hash } from 'node:crypto';
import { sameMainFile, type SqliteFingerprint } from './snapshot';
import type { PageSource } from './pageSource';
import { ScanRefused } from './tableScan';

/** Where the counted columns are in the table's records (0-based). */
export interface AlertCountColumns {
  readonly severity: number;
  readonly modelVersion: number;
  readonly acknowledged: number;
}

/** Alerts of one severity (text) and model version (text or null): all, and open (acknowledged IS NOT 1). */
export interface AlertPageGroup {
  readonly severity: string;
  readonly modelVersion: string | null;
  readonly total: number;
  readonly open: number;
}

export interface AlertPageTotals {
  readonly rows: number;
  /** Rows whose acknowledged is 1. */
  readonly acknowledged: number;
  /** The highest rowid, 0 for an empty table. */
  readonly maxRowid: number;
  /** By severity and model version, for the rows whose severity is text. */
  readonly groups: readonly AlertPageGroup[];
}

/** What one update read, for tests and benchmarks. */
export interface AlertPageReads {
  /** Pages of the b-tree. */
  readonly pages: number;
  /** Pages read from the main file. */
  readonly fromFile: number;
  /** Pages taken from the WAL (already in memory). */
  readonly fromWal: number;
  /** Pages whose cells were decoded (their bytes were new). */
  readonly decoded: number;
}

interface Group {
  readonly severity: string;
  readonly modelVersion: string | null;
  total: number;
  open: number;
}

interface Leaf {
  readonly kind: 'leaf';
  readonly sum: string;
  readonly rows: number;
  readonly acknowledged: number;
  readonly maxRowid: number;
  readonly groups: ReadonlyMap<string, Group>;
}

interface Interior {
  readonly kind: 'interior';
  readonly sum: string;
  readonly children: readonly number[];
}

type Counted = Leaf | Interior;

const TABLE_LEAF = 0x0d;
const TABLE_INTERIOR = 0x05;

function u16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
}

function u32(bytes: Uint8Array, offset: number): number {
  return (((bytes[offset] as number) << 24) | ((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number)) >>> 0;
}

/** A digest of the page's bytes (SHA-1, in native code): a changed page keeps its digest only by a collision nobody has a way to make by chance. */
const digest: (bytes: Uint8Array) => string =
  typeof hash === 'function' ? (bytes) => hash('sha1', bytes, 'base64') : (bytes) => createHash('sha1').update(bytes).digest('base64');

const SERIAL_SIZES = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0];

/** Bytes of a table leaf cell's payload kept on its page (§1.6). */
function localPayload(size: number, usable: number): number {
  const maxLocal = usable - 35;
  if (size <= maxLocal) return size;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const local = minLocal + ((size - minLocal) % (usable - 4));
  return local > maxLocal ? minLocal : local;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function text(bytes: Uint8Array, start: number, end: number): string {
  try {
    return decoder.decode(bytes.subarray(start, end));
  } catch {
    throw new ScanRefused('text that is not UTF-8');
  }
}

interface Text {
  readonly bytes: Uint8Array;
  readonly text: string;
}

function sameBytes(known: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (known.length !== end - start) return false;
  for (let i = 0; i < known.length; i++) if (known[i] !== bytes[start + i]) return false;
  return true;
}

/**
 * The few distinct values of a column (severities, model versions), each decoded once: a value
 * is matched by its bytes, the last one first (rows come in runs), then the others.
 */
class Texts {
  private readonly known: Text[] = [];
  private last: Text | undefined;

  read(bytes: Uint8Array, start: number, end: number): Text {
    const last = this.last;
    if (last !== undefined && sameBytes(last.bytes, bytes, start, end)) return last;
    let found = this.known.find((candidate) => sameBytes(candidate.bytes, bytes, start, end));
    if (found === undefined) {
      found = { bytes: bytes.slice(start, end), text: text(bytes, start, end) };
      // Past a few hundred distinct values, matching costs more than decoding: the rest are decoded each time.
      if (this.known.length < 256) this.known.push(found);
    }
    this.last = found;
    return found;
  }
}

/** Whether the integer or float at `at` of serial type `type` equals 1 (as `acknowledged IS 1` compares). */
function isOne(bytes: Uint8Array, at: number, type: number): boolean {
  if (type === 9) return true;
  if (type === 0 || type === 8) return false;
  if (type >= 1 && type <= 6) {
    const size = SERIAL_SIZES[type] as number;
    // 1 is written in one byte; a longer integer equal to 1 has zeros before its last byte.
    for (let i = 0; i < size - 1; i++) if (bytes[at + i] !== 0) return false;
    return bytes[at + size - 1] === 1;
  }
  if (type === 7) return new DataView(bytes.buffer, bytes.byteOffset + at, 8).getFloat64(0) === 1;
  // Text or a blob: how it compares with 1 depends on the column's affinity, which SQL knows.
  throw new ScanRefused('an acknowledged value that is text or a blob');
}

/** Length of the varint read last by `varint`. */
let varintLength = 0;

/** The varint at `offset` (exact to 2^53), its length left in varintLength; no varint may run past `limit`. */
function varint(bytes: Uint8Array, offset: number, limit: number): number {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    if (offset + i >= limit) throw new ScanRefused('a varint runs past its page');
    const byte = bytes[offset + i] as number;
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) {
      varintLength = i + 1;
      return value;
    }
  }
  if (offset + 8 >= limit) throw new ScanRefused('a varint runs past its page');
  varintLength = 9;
  return value * 256 + (bytes[offset + 8] as number);
}

function valueSize(type: number): number {
  return type >= 12 ? (type - 12) >> 1 : (SERIAL_SIZES[type] ?? 0);
}

function decodeLeaf(page: number, bytes: Uint8Array, usable: number, columns: AlertCountColumns, sum: string, texts: { readonly severity: Texts; readonly version: Texts }): Leaf {
  const header = page === 1 ? 100 : 0;
  const cells = u16(bytes, header + 3);
  const limit = Math.min(bytes.length, usable);
  const last = Math.max(columns.severity, columns.modelVersion, columns.acknowledged);
  const groups = new Map<string, Group>();
  // Groups by the severity's and version's decoded values, found without building a key per row.
  const bySeverity = new Map<Text, Map<Text | null, Group>>();
  let acknowledged = 0;
  let maxRowid = 0;
  for (let i = 0; i < cells; i++) {
    let at = u16(bytes, header + 8 + 2 * i);
    if (at < header + 8 || at >= limit) throw new ScanRefused(`a cell pointer of page ${page} is out of range`);
    const payload = varint(bytes, at, limit);
    at += varintLength;
    const rowid = varint(bytes, at, limit);
    at += varintLength;
    if (rowid > maxRowid) maxRowid = rowid;
    // What of the payload lies on this page; a value past it is on an overflow page.
    const localEnd = Math.min(limit, at + localPayload(payload, usable));
    const headerEnd = at + varint(bytes, at, limit);
    let p = at + varintLength;
    if (headerEnd > localEnd) throw new ScanRefused('a record header lies on an overflow page');
    let body = headerEnd;
    // A record shorter than the table (a column added later) reads the missing ones as NULL.
    let severityType = 0;
    let severityStart = 0;
    let versionType = 0;
    let versionStart = 0;
    let ackType = 0;
    let ackStart = 0;
    for (let index = 0; index <= last && p < headerEnd; index++) {
      const type = varint(bytes, p, headerEnd);
      p += varintLength;
      if (index === columns.severity) {
        severityType = type;
        severityStart = body;
      } else if (index === columns.modelVersion) {
        versionType = type;
        versionStart = body;
      } else if (index === columns.acknowledged) {
        ackType = type;
        ackStart = body;
      }
      body += valueSize(type);
    }
    if (severityStart + valueSize(severityType) > localEnd || versionStart + valueSize(versionType) > localEnd || ackStart + valueSize(ackType) > localEnd) {
      throw new ScanRefused('a counted value lies on an overflow page');
    }
    const isAcknowledged = ackType !== 0 && isOne(bytes, ackStart, ackType);
    if (isAcknowledged) acknowledged++;
    // A severity that is not text (a number, a blob, NULL) is no severity's, as SQL reads it.
    if (severityType >= 13 && severityType % 2 === 1) {
      const severity = texts.severity.read(bytes, severityStart, severityStart + valueSize(severityType));
      let modelVersion: Text | null = null;
      if (versionType >= 13 && versionType % 2 === 1) modelVersion = texts.version.read(bytes, versionStart, versionStart + valueSize(versionType));
      // A version that is a number or a blob reads as SQL writes it, which is SQL's to say.
      else if (versionType !== 0) throw new ScanRefused('a model version that is not text');
      let versions = bySeverity.get(severity);
      if (versions === undefined) {
        versions = new Map();
        bySeverity.set(severity, versions);
      }
      let group = versions.get(modelVersion);
      if (group === undefined) {
        group = { severity: severity.text, modelVersion: modelVersion?.text ?? null, total: 0, open: 0 };
        versions.set(modelVersion, group);
        groups.set(`${group.severity}\u0000${group.modelVersion ?? '\u0001'}`, group);
      }
      group.total++;
      if (!isAcknowledged) group.open++;
    }
  }
  return { kind: 'leaf', sum, rows: cells, acknowledged, maxRowid, groups };
}

function decodeInterior(page: number, bytes: Uint8Array, usable: number, sum: string): Interior {
  const header = page === 1 ? 100 : 0;
  const cells = u16(bytes, header + 3);
  const children: number[] = [];
  for (let i = 0; i < cells; i++) {
    const at = u16(bytes, header + 12 + 2 * i);
    if (at + 4 > usable) throw new ScanRefused(`a cell pointer of page ${page} is out of range`);
    children.push(u32(bytes, at));
  }
  children.push(u32(bytes, header + 8));
  return { kind: 'interior', sum, children };
}

export class AlertPageCounts {
  /** The pages counted last, by number, and the snapshot they were read from. */
  private counted = new Map<number, Counted>();
  private from: { readonly fingerprint: SqliteFingerprint; readonly wal: ReadonlySet<number>; readonly root: number; readonly columns: string } | undefined;
  /** What the last update read. */
  lastReads: AlertPageReads = { pages: 0, fromFile: 0, fromWal: 0, decoded: 0 };

  /**
   * The counts of the table whose b-tree starts at `root` in these pages. They are kept for the
   * next update only if the main file did not change while they were read; throws ScanRefused
   * when the pages are not as expected.
   */
  update(source: PageSource, root: number, columns: AlertCountColumns): AlertPageTotals {
    // Text is read as UTF-8: a database in UTF-16 (header bytes 56-59) is counted with SQL.
    const head = source.fingerprint.db?.head;
    if (head === undefined || head.length < 60 || u32(head, 56) !== 1) throw new ScanRefused('the database text is not UTF-8');
    const columnsKey = `${columns.severity},${columns.modelVersion},${columns.acknowledged}`;
    const before = this.from;
    const wal = source.walPageNumbers();
    const kept = before !== undefined && before.root === root && before.columns === columnsKey && sameMainFile(before.fingerprint, source.fingerprint);
    const unchanged = (page: number) => kept && !wal.has(page) && !(before as NonNullable<typeof before>).wal.has(page);
    const usable = source.usable;
    const next = new Map<number, Counted>();
    const reads = { pages: 0, fromFile: 0, fromWal: 0, decoded: 0 };
    const texts = { severity: new Texts(), version: new Texts() };
    const take = (page: number, bytes: Uint8Array): Counted => {
      const sum = digest(bytes);
      const known = this.counted.get(page);
      if (known !== undefined && known.sum === sum) return known;
      reads.decoded++;
      const kind = bytes[page === 1 ? 100 : 0];
      if (kind === TABLE_LEAF) return decodeLeaf(page, bytes, usable, columns, sum, texts);
      if (kind === TABLE_INTERIOR) return decodeInterior(page, bytes, usable, sum);
      throw new ScanRefused(`page ${page} is not a page of a table b-tree (type ${kind})`);
    };
    try {
      this.walk(root, source, unchanged, take, next, reads);
    } finally {
      this.lastReads = reads;
    }
    if (source.unchanged()) {
      this.counted = next;
      this.from = { fingerprint: source.fingerprint, wal, root, columns: columnsKey };
    } else {
      this.counted = new Map();
      this.from = undefined;
      throw new ScanRefused('the main file changed while its pages were counted');
    }
    return totalsOf(next.values());
  }

  /** Visits the b-tree from its root level by level, taking each page from what was counted, the WAL or the file. */
  private walk(
    root: number,
    source: PageSource,
    unchanged: (page: number) => boolean,
    take: (page: number, bytes: Uint8Array) => Counted,
    next: Map<number, Counted>,
    reads: { pages: number; fromFile: number; fromWal: number; decoded: number },
  ): void {
    const seen = new Uint8Array(source.pageCount + 1);
    let level = [root];
    while (level.length > 0) {
      const fromFile: number[] = [];
      const found: Counted[] = [];
      for (const page of level) {
        if (!(page >= 1 && page <= source.pageCount)) throw new ScanRefused(`page ${page} is outside the file`);
        if (seen[page]) throw new ScanRefused(`page ${page} is reached twice`);
        seen[page] = 1;
        reads.pages++;
        const known = this.counted.get(page);
        if (known !== undefined && unchanged(page)) {
          next.set(page, known);
          found.push(known);
          continue;
        }
        const held = source.walPage(page);
        if (held !== undefined) {
          reads.fromWal++;
          const counted = take(page, held);
          next.set(page, counted);
          found.push(counted);
        } else fromFile.push(page);
      }
      fromFile.sort((a, b) => a - b);
      reads.fromFile += fromFile.length;
      source.forEachPage(fromFile, (page, bytes) => {
        const counted = take(page, bytes);
        next.set(page, counted);
        found.push(counted);
      });
      level = found.flatMap((counted) => (counted.kind === 'interior' ? counted.children : []));
      if (level.length > source.pageCount) throw new ScanRefused('more children than pages');
    }
  }
}

function totalsOf(pages: Iterable<Counted>): AlertPageTotals {
  let rows = 0;
  let acknowledged = 0;
  let maxRowid = 0;
  const groups = new Map<string, Group>();
  for (const page of pages) {
    if (page.kind !== 'leaf') continue;
    rows += page.rows;
    acknowledged += page.acknowledged;
    if (page.maxRowid > maxRowid) maxRowid = page.maxRowid;
    for (const [key, group] of page.groups) {
      const sum = groups.get(key);
      if (sum === undefined) groups.set(key, { ...group });
      else {
        sum.total += group.total;
        sum.open += group.open;
      }
    }
  }
  return { rows, acknowledged, maxRowid, groups: [...groups.values()] };
}

/**
 * Applies the committed transactions of a SQLite write-ahead log to the main database file,
 * in memory, as SQLite's "Database File Format" §4 and its WAL recovery (wal.c) do. sql.js has
 * no file of its own to find a `-wal` next to, so without this a reader of a live database
 * sees only what the last checkpoint copied.
 */
import { PitwallError } from '../../errors';
import { messages } from '../../messages';

const SQLITE_MAGIC = 'SQLite format 3\0';
const DATABASE_HEADER_SIZE = 100;
const WAL_HEADER_SIZE = 32;
const WAL_FRAME_HEADER_SIZE = 24;
const WAL_MAGIC = 0x377f0682;
const WAL_FORMAT_VERSION = 3007000;
const MIN_PAGE_SIZE = 512;
const MAX_PAGE_SIZE = 65536;

/** The fields of a database file's 100-byte header that a reader needs. */
export interface DatabaseHeader {
  readonly pageSize: number;
  /** Bytes 18 and 19: 1 for a rollback journal, 2 for WAL. */
  readonly writeVersion: number;
  readonly readVersion: number;
  /** Bytes 24..27; a writer in rollback mode, or one writing page 1 to the WAL, increments it. */
  readonly changeCounter: number;
  /** Bytes 28..31, when SQLite would trust them: non-zero and stamped with the current change counter. */
  readonly pageCount: number | undefined;
}

/** What became of the `-wal` file. */
export type WalStatus =
  /** No `-wal` file, or an empty one. */
  | 'absent'
  /** A header at most: SQLite has nothing to recover from a file of 32 bytes or fewer. */
  | 'no-frames'
  /** Bad magic, page size or header checksum: ignored, as SQLite ignores it. */
  | 'invalid-header'
  /** The main file is empty: SQLite deletes the WAL of an empty database, so it is ignored. */
  | 'empty-database'
  /** A valid log with no commit frame in its valid frames (a transaction still open). */
  | 'no-commits'
  | 'applied';

/** Why the scan of frames ended. */
export type WalScanEnd =
  | 'end-of-file'
  /** The file ends inside a frame: a write in progress or torn by a crash. */
  | 'partial-frame'
  /** A frame's salts differ from the header's: left over from before the log was restarted. */
  | 'salt-mismatch'
  /** A frame's cumulative checksum fails: written only in part. */
  | 'checksum-mismatch'
  | 'zero-page-number';

export interface WalMergeReport {
  readonly status: WalStatus;
  /** Page size of the merged image (0 for an empty image). */
  readonly pageSize: number;
  /** Length of the merged image in pages. */
  readonly pageCount: number;
  /** Whole frames present after the WAL header. */
  readonly framesInFile: number;
  /** Frames in the unbroken chain of matching salts and checksums. */
  readonly validFrames: number;
  /** Valid frames up to and including the last commit frame: the ones applied. */
  readonly framesApplied: number;
  /** Commit frames applied, one a transaction. */
  readonly commits: number;
  /** Valid frames after the last commit frame: an open transaction's spilled pages, ignored. */
  readonly uncommittedFrames: number;
  readonly scanEnd: WalScanEnd;
  /** The scan ended in a partial or half-written frame, which was ignored. */
  readonly tornTail: boolean;
  /** The WAL header's checkpoint sequence and salts; a change in them means the log restarted. */
  readonly checkpointSequence: number | undefined;
  readonly salts: readonly [number, number] | undefined;
}

export interface WalMergeResult {
  /** A complete database image in rollback-journal mode (header bytes 18 and 19 set to 1). */
  readonly image: Uint8Array;
  readonly report: WalMergeReport;
}

interface WalHeader {
  readonly littleEndianChecksums: boolean;
  readonly version: number;
  readonly pageSize: number;
  readonly checkpointSequence: number;
  readonly salt1: number;
  readonly salt2: number;
  readonly checksum: readonly [number, number];
}

interface FrameScan {
  readonly framesInFile: number;
  readonly validFrames: number;
  /** Frames applied (valid frames up to the last commit). */
  readonly committedFrames: number;
  readonly commits: number;
  /** The last commit frame's "database size in pages". */
  readonly committedPageCount: number;
  readonly scanEnd: WalScanEnd;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isValidPageSize(size: number): boolean {
  return size >= MIN_PAGE_SIZE && size <= MAX_PAGE_SIZE && (size & (size - 1)) === 0;
}

/** True when the bytes start with the whole SQLite magic string. */
export function hasSqliteMagic(bytes: Uint8Array): boolean {
  // A few bytes that happen to begin like the magic ("S") are not a database cut short.
  if (bytes.length < SQLITE_MAGIC.length) return false;
  for (let i = 0; i < SQLITE_MAGIC.length; i++) {
    if (bytes[i] !== SQLITE_MAGIC.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Reads a database file's header; `source` names the file in errors. Throws `format` for a file
 * that is not SQLite and `corrupt` for one too short to hold a header or with an impossible page size.
 */
export function readDatabaseHeader(bytes: Uint8Array, source: string): DatabaseHeader {
  if (!hasSqliteMagic(bytes)) throw new PitwallError('format', messages.sqliteNotDatabase(source));
  if (bytes.length < DATABASE_HEADER_SIZE) {
    throw new PitwallError('corrupt', messages.sqliteTruncated(source, DATABASE_HEADER_SIZE, bytes.length));
  }
  const view = viewOf(bytes);
  const rawPageSize = view.getUint16(16);
  // The 2-byte field cannot hold 65536, so SQLite stores it as 1.
  const pageSize = rawPageSize === 1 ? MAX_PAGE_SIZE : rawPageSize;
  if (!isValidPageSize(pageSize)) throw new PitwallError('corrupt', messages.sqliteBadPageSize(source, pageSize));
  const changeCounter = view.getUint32(24);
  const inHeaderPageCount = view.getUint32(28);
  const versionValidFor = view.getUint32(92);
  return {
    pageSize,
    writeVersion: view.getUint8(18),
    readVersion: view.getUint8(19),
    changeCounter,
    pageCount: inHeaderPageCount !== 0 && versionValidFor === changeCounter ? inHeaderPageCount : undefined,
  };
}

/**
 * SQLite's WAL checksum over [start, end) (a multiple of 8 bytes), continuing from `seed`: for each
 * pair of 32-bit words x0, x1 in the byte order the WAL magic selects, s0 += x0 + s1, s1 += x1 + s0 (mod 2^32).
 */
function walChecksum(
  view: DataView,
  start: number,
  end: number,
  littleEndian: boolean,
  seed: readonly [number, number],
): [number, number] {
  let s0 = seed[0];
  let s1 = seed[1];
  for (let i = start; i < end; i += 8) {
    s0 = (s0 + view.getUint32(i, littleEndian) + s1) >>> 0;
    s1 = (s1 + view.getUint32(i + 4, littleEndian) + s0) >>> 0;
  }
  return [s0, s1];
}

/** The header if SQLite would accept it (magic, page size, checksum), else undefined. */
function readWalHeader(view: DataView): WalHeader | undefined {
  const magic = view.getUint32(0);
  if ((magic & 0xfffffffe) !== WAL_MAGIC) return undefined;
  const pageSize = view.getUint32(8);
  // Unlike the database header, the WAL header stores 65536 as it is (wal.c writes the full 32 bits).
  if (!isValidPageSize(pageSize)) return undefined;
  // 0x377f0682: little-endian checksum words; 0x377f0683: big-endian.
  const littleEndianChecksums = (magic & 1) === 0;
  const checksum = walChecksum(view, 0, 24, littleEndianChecksums, [0, 0]);
  if (checksum[0] !== view.getUint32(24) || checksum[1] !== view.getUint32(28)) return undefined;
  return {
    littleEndianChecksums,
    version: view.getUint32(4),
    pageSize,
    checkpointSequence: view.getUint32(12),
    salt1: view.getUint32(16),
    salt2: view.getUint32(20),
    checksum,
  };
}

/** Follows the chain of valid frames from the first, as SQLite's recovery does, and notes the last commit. */
function scanFrames(view: DataView, header: WalHeader): FrameScan {
  const frameSize = WAL_FRAME_HEADER_SIZE + header.pageSize;
  const framesInFile = Math.floor((view.byteLength - WAL_HEADER_SIZE) / frameSize);
  let checksum = header.checksum;
  let validFrames = 0;
  let committedFrames = 0;
  let commits = 0;
  let committedPageCount = 0;
  let scanEnd: WalScanEnd = 'end-of-file';
  for (let offset = WAL_HEADER_SIZE; ; offset += frameSize) {
    if (offset + frameSize > view.byteLength) {
      if (offset < view.byteLength) scanEnd = 'partial-frame';
      break;
    }
    if (view.getUint32(offset + 8) !== header.salt1 || view.getUint32(offset + 12) !== header.salt2) {
      scanEnd = 'salt-mismatch';
      break;
    }
    const pageNumber = view.getUint32(offset);
    if (pageNumber === 0) {
      scanEnd = 'zero-page-number';
      break;
    }
    // The checksum covers the frame header's first 8 bytes and the page, continuing the previous frame's.
    checksum = walChecksum(view, offset, offset + 8, header.littleEndianChecksums, checksum);
    checksum = walChecksum(view, offset + WAL_FRAME_HEADER_SIZE, offset + frameSize, header.littleEndianChecksums, checksum);
    if (checksum[0] !== view.getUint32(offset + 16) || checksum[1] !== view.getUint32(offset + 20)) {
      scanEnd = 'checksum-mismatch';
      break;
    }
    validFrames++;
    const pageCountAfterCommit = view.getUint32(offset + 4);
    if (pageCountAfterCommit !== 0) {
      committedFrames = validFrames;
      commits++;
      committedPageCount = pageCountAfterCommit;
    }
  }
  return { framesInFile, validFrames, committedFrames, commits, committedPageCount, scanEnd };
}

/**
 * Marks the image as a rollback-journal database. Reading does not need it: sql.js 1.16 opens a
 * WAL-marked image as well (checked: it then reports journal_mode=wal). But the image already holds
 * every committed frame; marked 1, SQLite takes it for the complete database it is, instead of
 * setting up a write-ahead log and wal-index of its own in sql.js's in-memory file system for a
 * log that would stay empty.
 */
function markRollbackJournal(image: Uint8Array): void {
  if (image.length < DATABASE_HEADER_SIZE) return;
  if (image[18] === 2) image[18] = 1;
  if (image[19] === 2) image[19] = 1;
}

/** A report for a log that changes nothing, with what the scan found. */
function unchangedReport(
  pageSize: number,
  pageCount: number,
  status: WalStatus,
  scan: Partial<FrameScan>,
  walHeader: WalHeader | undefined,
): WalMergeReport {
  const validFrames = scan.validFrames ?? 0;
  const scanEnd = scan.scanEnd ?? 'end-of-file';
  return {
    status,
    pageSize,
    pageCount,
    framesInFile: scan.framesInFile ?? 0,
    validFrames,
    framesApplied: 0,
    commits: 0,
    uncommittedFrames: validFrames,
    scanEnd,
    tornTail: scanEnd === 'partial-frame' || scanEnd === 'checksum-mismatch',
    checkpointSequence: walHeader?.checkpointSequence,
    salts: walHeader ? [walHeader.salt1, walHeader.salt2] : undefined,
  };
}

/**
 * What the committed transactions of a WAL make of a database, page by page, without building
 * the image: the pages the log replaces (views into `wal`, the latest committed copy of each)
 * and the database's length in pages after them. `dbLength` is the main file's length; `dbHead`
 * at least its 100-byte header (empty for an empty file).
 */
export interface WalPages {
  /** Page size of the database after the log (0 for an empty database). */
  readonly pageSize: number;
  readonly pageCount: number;
  /** Replaced pages by number, none beyond pageCount. */
  readonly pages: ReadonlyMap<number, Uint8Array>;
  readonly report: WalMergeReport;
}

export function readWalPages(dbHead: Uint8Array, dbLength: number, wal: Uint8Array | undefined, source = 'database'): WalPages {
  const walPath = `${source}-wal`;
  const dbHeader = dbLength === 0 ? undefined : readDatabaseHeader(dbHead, source);
  const filePageSize = dbHeader?.pageSize ?? 0;
  const same = (status: WalStatus, scan: Partial<FrameScan>, header: WalHeader | undefined): WalPages => {
    const pageCount = filePageSize === 0 ? 0 : Math.ceil(dbLength / filePageSize);
    return { pageSize: filePageSize, pageCount, pages: new Map(), report: unchangedReport(filePageSize, pageCount, status, scan, header) };
  };
  if (wal === undefined || wal.length === 0) return same('absent', {}, undefined);
  if (wal.length <= WAL_HEADER_SIZE) return same('no-frames', {}, undefined);

  const view = viewOf(wal);
  const walHeader = readWalHeader(view);
  if (!walHeader) return same('invalid-header', {}, undefined);
  // SQLite checks the version only after the checksum, and refuses to open rather than ignore.
  if (walHeader.version !== WAL_FORMAT_VERSION) {
    throw new PitwallError('unsupported', messages.walUnsupportedVersion(walPath, walHeader.version));
  }
  if (!dbHeader) return same('empty-database', {}, walHeader);

  const scan = scanFrames(view, walHeader);
  if (scan.commits === 0) return same('no-commits', scan, walHeader);

  const pageSize = walHeader.pageSize;
  const frameSize = WAL_FRAME_HEADER_SIZE + pageSize;
  const latestFrame = new Map<number, number>();
  for (let frame = 0; frame < scan.committedFrames; frame++) {
    const offset = WAL_HEADER_SIZE + frame * frameSize;
    latestFrame.set(view.getUint32(offset), offset + WAL_FRAME_HEADER_SIZE);
  }
  // SQLite takes the page size from page 1; if the log does not rewrite page 1, the main file's
  // header governs and frames of another size cannot be placed.
  if (pageSize !== dbHeader.pageSize && !latestFrame.has(1)) {
    throw new PitwallError('corrupt', messages.walPageSizeMismatch(walPath, pageSize, dbHeader.pageSize));
  }
  const pageCount = scan.committedPageCount;
  const pages = new Map<number, Uint8Array>();
  for (const [pageNumber, dataOffset] of latestFrame) {
    // Pages beyond the final size belong to transactions that a later commit truncated away.
    if (pageNumber <= pageCount) pages.set(pageNumber, wal.subarray(dataOffset, dataOffset + pageSize));
  }
  return {
    pageSize,
    pageCount,
    pages,
    report: {
      status: 'applied',
      pageSize,
      pageCount,
      framesInFile: scan.framesInFile,
      validFrames: scan.validFrames,
      framesApplied: scan.committedFrames,
      commits: scan.commits,
      uncommittedFrames: scan.validFrames - scan.committedFrames,
      scanEnd: scan.scanEnd,
      tornTail: scan.scanEnd === 'partial-frame' || scan.scanEnd === 'checksum-mismatch',
      checkpointSequence: walHeader.checkpointSequence,
      salts: [walHeader.salt1, walHeader.salt2],
    },
  };
}

/**
 * Returns the database image with every committed transaction of `wal` applied: frames are
 * followed while their salts match the header's and their cumulative checksums hold; those up to
 * and including the last valid commit frame are applied, the latest copy of each page winning;
 * the image is cut or extended to that commit's page count. A missing, empty or invalid WAL leaves
 * the database as it is. Pure: neither input is modified. `source` (the database path) names the
 * files in errors: `format`/`corrupt` for a main file that is not a sound SQLite file,
 * `unsupported` for an unknown WAL version, `corrupt` for a WAL whose pages cannot fit the database.
 */
export function mergeWal(db: Uint8Array, wal: Uint8Array | undefined, source = 'database'): WalMergeResult {
  const planned = readWalPages(db, db.length, wal, source);
  if (planned.report.status !== 'applied') {
    // A copy: `slice()` of a Node Buffer is a view, and the header edit must not reach the caller's bytes.
    const image = new Uint8Array(db);
    markRollbackJournal(image);
    return { image, report: planned.report };
  }
  const { pageSize, pageCount } = planned;
  const image = new Uint8Array(pageCount * pageSize);
  image.set(db.subarray(0, Math.min(db.length, image.length)));
  for (const [pageNumber, bytes] of planned.pages) image.set(bytes, (pageNumber - 1) * pageSize);
  markRollbackJournal(image);
  return { image, report: planned.report };
}

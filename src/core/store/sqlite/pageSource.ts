/**
 * A database's pages as SQLite would read them now, without reading the file whole: the WAL's
 * committed pages are held (a log is small: SQLite checkpoints it every thousand pages or so),
 * every other page is read from the main file when asked. What was read is trusted only if the
 * pair did not change meanwhile: callers compare `fingerprint` with the files' after reading,
 * as snapshot.ts does for a whole read, and read again when they differ.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { PitwallError, describeError } from '../../errors';
import { messages } from '../../messages';
import { nodeSnapshotFiles, sqliteFingerprint, type SqliteFingerprint } from './snapshot';
import { readWalPages, type WalMergeReport } from './wal';

/** Pages read together when a caller asks for a run, at most this many bytes at a time. */
const RUN_BYTES = 4 << 20;
/** Pages this close are read together with the ones between them. */
const MAX_GAP_PAGES = 64;

export class PageSource {
  /** Bytes read from the main file so far. */
  bytesRead = 0;
  /** Readers holding the file open beyond close() (a count under way), and whether close() was called. */
  private users = 0;
  private closing = false;
  /** The read buffer of forEachPage, kept between its calls. */
  private runBuffer: Uint8Array | undefined;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    readonly pageSize: number,
    readonly pageCount: number,
    /** The main file's length when it was opened: pages past it read as zeros, as SQLite reads them. */
    private readonly fileLength: number,
    private readonly walPages: ReadonlyMap<number, Uint8Array>,
    readonly wal: WalMergeReport,
    /** The pair as it was before anything was read. */
    readonly fingerprint: SqliteFingerprint,
    private readonly reserved: number,
  ) {}

  /** Opens the main file and reads the WAL whole; throws a PitwallError naming the file. */
  static open(path: string): PageSource {
    const fingerprint = sqliteFingerprint(path);
    if (fingerprint.db === undefined) throw new PitwallError('not-found', messages.sqliteNotFound(path));
    // Refuses a pipe or device before opening it (a read would block), like every other read of the file.
    nodeSnapshotFiles.readHead(path, 0);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw new PitwallError('io', messages.sqliteReadFailed(path, describeError(error)), { cause: error });
    }
    try {
      const length = fstatSync(fd).size;
      const head = new Uint8Array(Math.min(100, length));
      readSync(fd, head, 0, head.length, 0);
      const walBytes = nodeSnapshotFiles.read(`${path}-wal`);
      const planned = readWalPages(head, length, walBytes, path);
      const page1 = planned.pages.get(1) ?? head;
      return new PageSource(path, fd, planned.pageSize, planned.pageCount, length, planned.pages, planned.report, fingerprint, page1[20] ?? 0);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Bytes of a page that hold data: the page size less the reserved bytes at its end. */
  get usable(): number {
    return this.pageSize - this.reserved;
  }

  /** Page `page` (1-based): a fresh array the caller may keep or change. */
  page(page: number): Uint8Array {
    const bytes = new Uint8Array(this.pageSize);
    this.readInto(page, 1, bytes, 0);
    return bytes;
  }

  /** Pages `first` to `first + count - 1`, one after the other, in a fresh array. */
  bytes(first: number, count: number): Uint8Array {
    const bytes = new Uint8Array(count * this.pageSize);
    this.readInto(first, count, bytes, 0);
    return bytes;
  }

  /**
   * Calls `visit` with each page of `pages` (sorted, distinct), reading nearby pages of the file
   * together with the pages between them in single reads: a table's pages interleave with its
   * indexes' as rows are appended, and one large read beats many small ones.
   */
  forEachPage(pages: ArrayLike<number>, visit: (page: number, bytes: Uint8Array) => void): void {
    const maxRun = Math.max(1, Math.floor(RUN_BYTES / this.pageSize));
    // One buffer for every call (a count makes hundreds of them over a large table, and fresh 4 MB
    // buffers would pile up faster than the collector frees them); a call made from `visit` gets its own.
    const buffer = this.runBuffer ?? new Uint8Array(maxRun * this.pageSize);
    this.runBuffer = undefined;
    try {
      this.visitRuns(pages, maxRun, buffer, visit);
    } finally {
      this.runBuffer = buffer;
    }
  }

  private visitRuns(pages: ArrayLike<number>, maxRun: number, buffer: Uint8Array, visit: (page: number, bytes: Uint8Array) => void): void {
    for (let i = 0; i < pages.length; ) {
      const first = pages[i] as number;
      let last = first;
      let j = i + 1;
      while (j < pages.length && (pages[j] as number) - last <= MAX_GAP_PAGES && (pages[j] as number) - first < maxRun) last = pages[j++] as number;
      this.readInto(first, last - first + 1, buffer, 0);
      for (let k = i; k < j; k++) {
        const offset = ((pages[k] as number) - first) * this.pageSize;
        visit(pages[k] as number, buffer.subarray(offset, offset + this.pageSize));
      }
      i = j;
    }
  }

  /** The numbers of the pages the WAL's committed frames replace. */
  walPageNumbers(): ReadonlySet<number> {
    return new Set(this.walPages.keys());
  }

  /** A page as the WAL's committed frames hold it (already in memory), or undefined when the main file has it. */
  walPage(page: number): Uint8Array | undefined {
    return this.walPages.get(page);
  }

  /** Keeps the file open for a reader that may outlive the snapshot (a count beside the store's queue) until release(). */
  retain(): void {
    this.users++;
  }

  release(): void {
    this.users--;
    if (this.closing && this.users === 0) closeSync(this.fd);
  }

  /** Closes the file once no reader holds it. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.users === 0) closeSync(this.fd);
  }

  /** Whether the main file is still as it was when these pages were opened (a checkpoint changes it). */
  unchanged(): boolean {
    const now = sqliteFingerprint(this.path).db;
    const then = this.fingerprint.db;
    return now !== undefined && then !== undefined && now.stamp.size === then.stamp.size && now.stamp.mtimeNs === then.stamp.mtimeNs && now.stamp.ino === then.stamp.ino;
  }

  private readInto(first: number, count: number, into: Uint8Array, at: number): void {
    if (!(first >= 1 && first + count - 1 <= this.pageCount)) throw new PitwallError('corrupt', messages.sqlitePageOutOfRange(this.path, first + count - 1, this.pageCount));
    const size = this.pageSize;
    const start = (first - 1) * size;
    const end = Math.min(this.fileLength, start + count * size);
    let done = start;
    try {
      while (done < end) {
        const read = readSync(this.fd, into, at + done - start, end - done, done);
        // A file that shrank: the caller's fingerprint check sees the change and reads again.
        if (read === 0) break;
        done += read;
      }
      this.bytesRead += done - start;
    } catch (error) {
      throw new PitwallError('io', messages.sqliteReadFailed(this.path, describeError(error)), { cause: error });
    }
    into.fill(0, at + done - start, at + count * size);
    for (let k = 0; k < count; k++) {
      const replaced = this.walPages.get(first + k);
      if (replaced !== undefined) into.set(replaced, at + k * size);
    }
    // Readers see a rollback-journal database: the WAL is applied here, and sql.js has no -wal beside it.
    if (first === 1 && count * size > 19) {
      if (into[at + 18] === 2) into[at + 18] = 1;
      if (into[at + 19] === 2) into[at + 19] = 1;
    }
  }
}

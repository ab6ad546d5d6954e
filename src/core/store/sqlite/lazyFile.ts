/**
 * A database file that sql.js reads page by page from disk instead of holding it whole.
 *
 * sql.js keeps a database in its in-memory file system (Emscripten's MEMFS), whose file node
 * holds the bytes in a typed array and touches them only through `subarray`, `set`, `slice` and
 * `length`. A LazyFile answers those calls: `subarray(start, end)` reads the bytes from the
 * page source (main file plus committed WAL pages), `set` keeps what SQLite writes in an overlay
 * of whole pages (the replay of Pitwall's own committed writes), and `length` reports room to
 * grow so that MEMFS never copies the file into a new array. So SQLite itself decides which pages
 * a query needs (an index walk, one leaf) and only those are read.
 *
 * `attachLazyFile` checks that sql.js really reads through it (a first query must have asked it
 * for the header); if a future sql.js stores files differently, the caller falls back to reading
 * the file whole.
 */
import type { Database, SqlJsStatic } from 'sql.js';
import type { PageSource } from './pageSource';

/**
 * Pages read together (64 pages of 4 KiB: 256 KiB, at most a 64th of the file), and how many such
 * blocks are kept (32: 8 MiB): fewer, larger reads for a scan. On 100,000 alerts the block size
 * hardly matters (a grouped scan takes about 190 ms with 8 pages or 64); SQLite's own page cache
 * and the copy into its heap cost more.
 */
const READ_AHEAD = 64;
const BLOCKS_KEPT = 32;

/** MEMFS compares `buffer` with its heap's to decide whether it may keep the array. */
const NOT_THE_HEAP = new ArrayBuffer(0);

export class LazyFile {
  /** Bytes read from the source, for tests and benchmarks. */
  bytesRead = 0;
  /** Reads sql.js made through this file (a cached block counts too). */
  reads = 0;
  private readonly overlay = new Map<number, Uint8Array>();
  private readonly blocks = new Map<number, { readonly first: number; readonly bytes: Uint8Array }>();
  private size: number;
  private sealed = false;

  private readonly readAhead: number;

  constructor(private readonly source: PageSource) {
    this.size = source.pageCount * source.pageSize;
    this.readAhead = Math.max(1, Math.min(READ_AHEAD, source.pageCount >> 6));
  }

  readonly buffer = NOT_THE_HEAP;

  /** The file's length while sql.js copies it in; room to grow afterwards (MEMFS reads it as capacity). */
  get length(): number {
    return this.sealed ? Number.MAX_SAFE_INTEGER : this.size;
  }

  /** The "copy" MEMFS takes of the initial contents: this file itself. */
  slice(): LazyFile {
    this.sealed = true;
    return this;
  }

  /** Bytes `start` to `end` as SQLite sees them now: the overlay's pages, else the source's. */
  subarray(start: number, end: number): Uint8Array {
    this.reads++;
    const pageSize = this.source.pageSize;
    // The common read: one page (or part of one) nobody wrote, handed over as a view of its block, no copy.
    const firstPage = Math.floor(start / pageSize) + 1;
    if (end > start && Math.floor((end - 1) / pageSize) + 1 === firstPage && firstPage <= this.source.pageCount && !this.overlay.has(firstPage)) {
      const block = this.block(firstPage);
      const offset = (firstPage - block.first) * pageSize + (start - (firstPage - 1) * pageSize);
      return block.bytes.subarray(offset, offset + (end - start));
    }
    const out = new Uint8Array(Math.max(0, end - start));
    let at = start;
    while (at < end) {
      const page = Math.floor(at / pageSize) + 1;
      const within = at - (page - 1) * pageSize;
      const take = Math.min(end - at, pageSize - within);
      const written = this.overlay.get(page);
      if (written !== undefined) {
        out.set(written.subarray(within, within + take), at - start);
        at += take;
        continue;
      }
      if (page > this.source.pageCount) {
        // Past the end of the file: zeros, as SQLite reads a file being extended.
        at += take;
        continue;
      }
      const block = this.block(page);
      const offset = (page - block.first) * pageSize + within;
      out.set(block.bytes.subarray(offset, offset + take), at - start);
      at += take;
    }
    return out;
  }

  /**
   * The block of pages that holds `page`, read ahead: SQLite asks for one page at a time, and a
   * scan asks for the next ones soon, so READ_AHEAD pages are read in one call and kept a while.
   */
  private block(page: number): { readonly first: number; readonly bytes: Uint8Array } {
    const first = page - ((page - 1) % this.readAhead);
    const cached = this.blocks.get(first);
    if (cached !== undefined) return cached;
    const count = Math.min(this.readAhead, this.source.pageCount - first + 1);
    const block = { first, bytes: this.source.bytes(first, count) };
    this.bytesRead += block.bytes.length;
    this.blocks.set(first, block);
    if (this.blocks.size > BLOCKS_KEPT) this.blocks.delete(this.blocks.keys().next().value as number);
    return block;
  }

  /** What SQLite writes: whole pages kept in the overlay (a partial write patches the page first). */
  set(bytes: ArrayLike<number>, position: number): void {
    const pageSize = this.source.pageSize;
    const data = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    let at = 0;
    while (at < data.length) {
      const offset = position + at;
      const page = Math.floor(offset / pageSize) + 1;
      const within = offset - (page - 1) * pageSize;
      const take = Math.min(data.length - at, pageSize - within);
      let target = this.overlay.get(page);
      if (target === undefined) {
        target = take === pageSize ? new Uint8Array(pageSize) : this.subarray((page - 1) * pageSize, page * pageSize);
        this.overlay.set(page, target);
      }
      target.set(data.subarray(at, at + take), within);
      at += take;
    }
    this.size = Math.max(this.size, position + data.length);
  }
}

/**
 * A sql.js database reading `file`; undefined when this sql.js does not read through it (the
 * caller reads the file whole then).
 */
export function attachLazyFile(sql: SqlJsStatic, file: LazyFile): Database | undefined {
  const database = new sql.Database(file as unknown as Uint8Array);
  try {
    database.exec('SELECT count(*) FROM sqlite_master');
  } catch (error) {
    database.close();
    throw error;
  }
  // Reading the schema reads the file: through this one, or sql.js holds a copy of its own.
  if (file.reads > 0) return database;
  database.close();
  return undefined;
}

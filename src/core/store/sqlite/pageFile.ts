/**
 * A database file read page by page where a scan goes, holding at most one batch of pages at a
 * time: the scan of one table reads that table's pages and not the indexes and other tables
 * around them, and memory stays the size of a batch however large the file is. Pages that the
 * WAL's committed transactions replace are taken from the WAL instead (`wal`, from readWalPages).
 * Each thread has its own reader and file descriptor.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { ImageLayout, PageReader } from './tableScan';

/**
 * Pages this close to each other are read together with the gap between them: a table's pages
 * interleave with its indexes' as rows are appended, and one large read beats many small ones.
 */
const MAX_GAP_PAGES = 64;
/** Gaps read along may add at most this many times the bytes of the pages asked for. */
const GAP_ALLOWANCE = 2;

export class FilePageReader implements PageReader {
  private readonly fd: number;
  private batch = new Uint8Array(0);
  /** Where each held page starts in `batch`. */
  private readonly slots = new Map<number, number>();

  constructor(
    path: string,
    readonly layout: ImageLayout,
    private readonly wal: ReadonlyMap<number, Uint8Array> = new Map(),
  ) {
    this.fd = openSync(path, 'r');
  }

  /** A page from the WAL, the held batch, or else read alone (interior and overflow pages, the schema). */
  page(pageNumber: number): Uint8Array {
    const replaced = this.wal.get(pageNumber);
    if (replaced !== undefined) return replaced;
    const { pageSize } = this.layout;
    const slot = this.slots.get(pageNumber);
    if (slot !== undefined) return this.batch.subarray(slot, slot + pageSize);
    const one = new Uint8Array(pageSize);
    return one.subarray(0, this.readInto(one, 0, pageNumber, 1));
  }

  /**
   * Holds these pages (and lets go of the last batch, whose views are spoiled): nearby pages are
   * read in one call with what lies between them, within GAP_ALLOWANCE.
   */
  hold(pages: readonly number[]): void {
    const { pageSize } = this.layout;
    const wanted = [...new Set(pages)].filter((page) => !this.wal.has(page)).sort((a, b) => a - b);
    const runs: [first: number, count: number][] = [];
    let gapBudget = wanted.length * GAP_ALLOWANCE;
    for (const page of wanted) {
      const last = runs[runs.length - 1];
      const gap = last === undefined ? Infinity : page - (last[0] + last[1]);
      if (last !== undefined && gap <= MAX_GAP_PAGES && gap <= gapBudget) {
        last[1] += gap + 1;
        gapBudget -= gap;
      } else runs.push([page, 1]);
    }
    const bytes = runs.reduce((sum, [, count]) => sum + count * pageSize, 0);
    if (this.batch.length < bytes) this.batch = new Uint8Array(bytes);
    this.slots.clear();
    let offset = 0;
    for (const [first, count] of runs) {
      const read = this.readInto(this.batch, offset, first, count);
      for (let k = 0; k < count && k * pageSize < read; k++) this.slots.set(first + k, offset + k * pageSize);
      offset += count * pageSize;
    }
  }

  /** Reads `count` pages from `first` into `target` at `offset`; the bytes read (fewer at the file's end). */
  private readInto(target: Uint8Array, offset: number, first: number, count: number): number {
    const { pageSize } = this.layout;
    const want = count * pageSize;
    let done = 0;
    while (done < want) {
      const read = readSync(this.fd, target, offset + done, want - done, (first - 1) * pageSize + done);
      // A file shorter than its stamp said: the caller's fingerprint check sees the change.
      if (read === 0) break;
      done += read;
    }
    // What the file no longer holds reads as zeros (a page no scan accepts), never as an older batch's bytes.
    target.fill(0, offset + done, offset + want);
    return done;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * A database file read into a shared image page by page, only where a scan goes: the scan of
 * one table then reads that table's pages and not the indexes and other tables around them.
 * Threads share the image and the bitmap of loaded pages, each with its own file descriptor;
 * two threads loading the same page write the same bytes.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Runs of nearby pages are read in one call, up to this many bytes. */
const MAX_RUN_BYTES = 8 << 20;
/**
 * Pages this close are read together with the gap between them: a table's pages interleave
 * with its indexes' as rows are appended, and one large read beats many small ones.
 */
const MAX_GAP_PAGES = 64;

export class PageFile {
  private readonly fd: number;

  constructor(
    path: string,
    private readonly image: Uint8Array,
    private readonly loaded: Uint8Array,
    private readonly pageSize: number,
  ) {
    this.fd = openSync(path, 'r');
  }

  /** Loads one page unless it is loaded already (an arrow function: it is handed around as a callback). */
  readonly load = (page: number): void => {
    if (this.loaded[page] === 1) return;
    this.read(page, 1);
  };

  /** Loads pages, reading nearby ones (and what lies between them) in single reads. */
  loadAll(pages: readonly number[]): void {
    const wanted = pages.filter((page) => this.loaded[page] !== 1).sort((a, b) => a - b);
    const maxPages = Math.max(1, Math.floor(MAX_RUN_BYTES / this.pageSize));
    for (let i = 0; i < wanted.length; ) {
      const first = wanted[i] as number;
      let last = first;
      i++;
      while (i < wanted.length && (wanted[i] as number) - last <= MAX_GAP_PAGES && (wanted[i] as number) - first < maxPages) last = wanted[i++] as number;
      this.read(first, last - first + 1);
    }
  }

  private read(first: number, count: number): void {
    const start = (first - 1) * this.pageSize;
    const end = Math.min(this.image.length, start + count * this.pageSize);
    let done = start;
    while (done < end) {
      const read = readSync(this.fd, this.image, done, end - done, done);
      // A file shorter than its stamp said: the caller's fingerprint check sees the change.
      if (read === 0) break;
      done += read;
    }
    this.loaded.fill(1, first, first + count);
  }

  close(): void {
    closeSync(this.fd);
  }
}

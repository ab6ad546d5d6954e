/**
 * Follows one append-only line file by byte offset: the first read takes the whole file, each
 * later one only the bytes appended since. Reads go through a file handle in chunks (never the
 * whole file in one string) and decode UTF-8 per run of complete lines, so a character split
 * across two chunks is never cut. A last line without its newline is pending: not delivered,
 * and read again once it is complete. A file that was replaced (another inode), truncated
 * (shorter than what was read), rewritten in place (its first or last bytes before the read
 * offset differ) or removed is read again from the start.
 */
import { isUtf8 } from 'node:buffer';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import { crc32 } from './crc32';

export interface LineSink {
  /** The file was replaced, truncated or removed: forget every line it gave. */
  reset(): void;
  /** A complete line, without its newline; `line` counts from 1. */
  line(text: string, line: number): void;
  /** A complete line that cannot be delivered: it is not UTF-8, or longer than the limit. */
  badLine(line: number, problem: 'not-utf8' | 'too-long'): void;
}

export interface FollowResult {
  /** The sink was reset: what it holds now was read from the start of the file. */
  readonly reset: boolean;
  /** Bytes read for lines: what was appended since the last read, plus a pending line read again. */
  readonly bytesRead: number;
  /** Complete lines delivered to the sink, bad ones included. */
  readonly lines: number;
}

export interface FollowerOptions {
  readonly chunkBytes?: number;
  /** The longest line delivered, newline included; longer ones are reported and skipped. */
  readonly maxLineBytes?: number;
  /**
   * Keeps a CRC-32 of every byte consumed, so that what was read can be told apart from any other
   * content later without keeping it (the alert index of alerts.jsonl is keyed by it).
   */
  readonly checksum?: boolean;
}

/** What a follower has consumed of a file: enough to go on reading it where it stopped. */
export interface ConsumedFile {
  readonly dev: bigint;
  readonly ino: bigint;
  /** End of the last complete line delivered. */
  readonly consumed: number;
  readonly head: Buffer;
  readonly tail: Buffer;
  /** Lines delivered (bad ones included): the next one is numbered one more. */
  readonly lines: number;
  /** CRC-32 of the first `consumed` bytes, when known. */
  readonly crc: number | null;
}

const NEWLINE = 0x0a;
/** How much of the start and of the end of what was read is compared to detect a rewrite. */
export const WINDOW_BYTES = 4096;
const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

interface Seen {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
}

export class FileFollower {
  private readonly chunkBytes: number;
  readonly maxLineBytes: number;
  private seen: Seen | null = null;
  /** File offset just past the last complete line delivered. */
  private consumed = 0;
  private nextLine = 1;
  private pending = 0;
  private head: Buffer = Buffer.alloc(0);
  private tail: Buffer = Buffer.alloc(0);
  /** CRC-32 of the bytes consumed; null when not kept, or when a skipped line left some out. */
  private crc: number | null;
  private readonly checksum: boolean;

  constructor(
    readonly path: string,
    options: FollowerOptions = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.checksum = options.checksum === true && crc32 !== undefined;
    this.crc = this.checksum ? 0 : null;
  }

  /** Whether the file existed at the last follow. */
  get present(): boolean {
    return this.seen !== null;
  }

  /** Bytes of an incomplete last line, waiting for its newline. */
  get pendingBytes(): number {
    return this.pending;
  }

  /**
   * The file as last read: its identity, the end of its last complete line, and the first and
   * last bytes before that end (to tell a file that only grew since from a rewritten one). For a
   * writer that must rewrite exactly the lines read; null when the file did not exist.
   */
  get readState(): { readonly identity: Seen; readonly consumed: number; readonly head: Buffer; readonly tail: Buffer } | null {
    return this.seen === null ? null : { identity: this.seen, consumed: this.consumed, head: this.head, tail: this.tail };
  }

  /** What was consumed, with the line count and checksum; null before the file was seen. */
  get consumedFile(): ConsumedFile | null {
    if (this.seen === null) return null;
    return { dev: this.seen.dev, ino: this.seen.ino, consumed: this.consumed, head: this.head, tail: this.tail, lines: this.nextLine - 1, crc: this.crc };
  }

  /**
   * Goes on with a file whose first `consumed` bytes hold the same lines as those delivered: a
   * rewrite that edited some in place, or (with `lines`) the file an index was made of, whose
   * lines the sink was given from that index. The next follow reads only what comes after them.
   */
  adopt(file: { readonly dev: bigint; readonly ino: bigint; readonly consumed: number; readonly head: Buffer; readonly tail: Buffer; readonly lines?: number; readonly crc?: number | null }): void {
    // An impossible size, so that the next follow looks at the file whatever its size.
    this.seen = { dev: file.dev, ino: file.ino, size: -1n, mtimeNs: -1n };
    this.consumed = file.consumed;
    if (file.lines !== undefined) this.nextLine = file.lines + 1;
    this.pending = 0;
    this.head = file.head;
    this.tail = file.tail;
    this.crc = this.checksum && file.crc !== undefined ? file.crc : null;
  }

  /** Forgets everything read, so the next follow reads the file from its start without resetting the sink. */
  restart(): void {
    this.seen = null;
    this.consumed = 0;
    this.nextLine = 1;
    this.pending = 0;
    this.head = Buffer.alloc(0);
    this.tail = Buffer.alloc(0);
    this.crc = this.checksum ? 0 : null;
  }

  async follow(sink: LineSink): Promise<FollowResult> {
    let handle: FileHandle;
    try {
      // Non-blocking, so that a pipe in the file's place cannot hang the read; it is refused below.
      handle = await open(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      if (!isMissing(error)) throw error;
      const hadFile = this.seen !== null;
      if (hadFile) {
        this.restart();
        sink.reset();
      }
      return { reset: hadFile, bytesRead: 0, lines: 0 };
    }
    try {
      const stat = await handle.stat({ bigint: true });
      if (!stat.isFile()) throw new PitwallError('format', messages.notRegularFile(this.path));
      const now: Seen = { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs };
      const before = this.seen;
      if (before !== null && sameFile(before, now) && before.size === now.size && before.mtimeNs === now.mtimeNs) {
        return { reset: false, bytesRead: 0, lines: 0 };
      }
      let reset = false;
      if (
        before !== null &&
        !(sameFile(before, now) && now.size >= BigInt(this.consumed) && (await this.unchangedBefore(handle)))
      ) {
        this.restart();
        sink.reset();
        reset = true;
      }
      const { bytesRead, lines } = await this.readLines(handle, Number(now.size), sink);
      this.seen = now;
      return { reset, bytesRead, lines };
    } finally {
      await handle.close();
    }
  }

  /** Whether the bytes already read still start and end the same way. */
  private async unchangedBefore(handle: FileHandle): Promise<boolean> {
    const head = await readAt(handle, 0, this.head.length);
    const tail = await readAt(handle, this.consumed - this.tail.length, this.tail.length);
    return head.equals(this.head) && tail.equals(this.tail);
  }

  private async readLines(
    handle: FileHandle,
    size: number,
    sink: LineSink,
  ): Promise<{ bytesRead: number; lines: number }> {
    const firstLine = this.nextLine;
    let bytesRead = 0;
    let capacity = Math.min(this.chunkBytes, this.maxLineBytes, Math.max(64 * 1024, size - this.consumed + 1));
    let buffer = Buffer.allocUnsafe(capacity);
    // buffer[0, filled) holds the file's bytes from `consumed` on: the start of a line with no newline yet.
    let filled = 0;
    for (;;) {
      if (filled === capacity) {
        if (capacity < this.maxLineBytes) {
          capacity = Math.min(capacity * 2, this.maxLineBytes);
          const bigger = Buffer.allocUnsafe(capacity);
          buffer.copy(bigger, 0, 0, filled);
          buffer = bigger;
        } else {
          const end = await this.skipPastNewline(handle, this.consumed + filled);
          bytesRead += end.bytesRead;
          if (end.offset < 0) {
            filled += end.bytesRead;
            break;
          }
          this.remember(buffer.subarray(0, filled));
          this.remember(end.lastBytes);
          // The skipped middle of the line was never kept: the checksum no longer covers what was consumed.
          this.crc = null;
          sink.badLine(this.nextLine++, 'too-long');
          this.consumed = end.offset;
          filled = 0;
          continue;
        }
      }
      const { bytesRead: n } = await handle.read(buffer, filled, capacity - filled, this.consumed + filled);
      if (n === 0) break;
      bytesRead += n;
      const end = filled + n;
      const lastNewline = buffer.lastIndexOf(NEWLINE, end - 1);
      if (lastNewline < filled) {
        filled = end;
        continue;
      }
      const complete = buffer.subarray(0, lastNewline + 1);
      this.deliver(complete, sink);
      this.remember(complete);
      this.consumed += complete.length;
      buffer.copyWithin(0, lastNewline + 1, end);
      filled = end - lastNewline - 1;
    }
    this.pending = filled;
    return { bytesRead, lines: this.nextLine - firstLine };
  }

  /** Delivers the complete lines in `bytes` (which ends with a newline). */
  private deliver(bytes: Buffer, sink: LineSink): void {
    const atStart = this.consumed === 0;
    if (isUtf8(bytes)) {
      // One decode for the whole run: a newline byte never occurs inside a multi-byte character.
      const text = bytes.toString('utf8');
      let start = atStart && text.charCodeAt(0) === 0xfeff ? 1 : 0;
      while (start < text.length) {
        const end = text.indexOf('\n', start);
        sink.line(text.slice(start, end), this.nextLine++);
        start = end + 1;
      }
      return;
    }
    let start = 0;
    while (start < bytes.length) {
      const end = bytes.indexOf(NEWLINE, start);
      const line = bytes.subarray(start, end);
      if (isUtf8(line)) {
        const text = line.toString('utf8');
        sink.line(atStart && start === 0 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, this.nextLine++);
      } else {
        sink.badLine(this.nextLine++, 'not-utf8');
      }
      start = end + 1;
    }
  }

  /** Keeps the first and the last WINDOW_BYTES of everything consumed, to detect a rewrite later. */
  private remember(bytes: Buffer): void {
    if (this.crc !== null && crc32 !== undefined) this.crc = crc32(bytes, this.crc);
    if (this.head.length < WINDOW_BYTES) {
      this.head = Buffer.concat([this.head, bytes.subarray(0, WINDOW_BYTES - this.head.length)]);
    }
    this.tail =
      bytes.length >= WINDOW_BYTES
        ? Buffer.from(bytes.subarray(bytes.length - WINDOW_BYTES))
        : Buffer.from(Buffer.concat([this.tail, bytes]).subarray(-WINDOW_BYTES));
  }

  /**
   * Scans the rest of an over-long line to its newline without keeping it. Returns the offset
   * just past the newline (or -1 at the end of the file) and the line's last bytes, for the
   * tail window.
   */
  private async skipPastNewline(
    handle: FileHandle,
    from: number,
  ): Promise<{ offset: number; bytesRead: number; lastBytes: Buffer }> {
    const scratch = Buffer.allocUnsafe(64 * 1024);
    let position = from;
    let bytesRead = 0;
    let lastBytes = Buffer.alloc(0);
    for (;;) {
      const { bytesRead: n } = await handle.read(scratch, 0, scratch.length, position);
      if (n === 0) return { offset: -1, bytesRead, lastBytes };
      bytesRead += n;
      const newline = scratch.subarray(0, n).indexOf(NEWLINE);
      const upTo = newline < 0 ? n : newline + 1;
      lastBytes = Buffer.from(Buffer.concat([lastBytes, scratch.subarray(0, upTo)]).subarray(-WINDOW_BYTES));
      if (newline >= 0) return { offset: position + newline + 1, bytesRead, lastBytes };
      position += n;
    }
  }
}

function sameFile(a: Seen, b: Seen): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** Up to `length` bytes from `position`: fewer only at the end of the file. */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

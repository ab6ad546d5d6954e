/**
 * Reads a JSONL file once, front to back, at its consumer's pace: the complete lines of one chunk at
 * a time, and the next chunk only when asked (FileFollower delivers a whole file in one call, which a
 * slow consumer such as a transaction per batch would have to hold in memory). The lines are those
 * FileFollower delivers, so line numbers and bad lines agree with the JSONL store's: split at "\n",
 * a byte-order mark dropped from the first line, a line that is not UTF-8 or longer than the limit
 * reported instead of delivered, a last line without its newline left pending.
 */
import { isUtf8 } from 'node:buffer';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import { DEFAULT_MAX_LINE_BYTES, isMissing } from '../jsonl/fileFollower';

export type LineItem =
  | { readonly line: number; readonly text: string }
  | { readonly line: number; readonly problem: 'not-utf8' | 'too-long' };

export interface LineReaderOptions {
  readonly chunkBytes?: number;
  /** The longest line delivered, newline included. */
  readonly maxLineBytes?: number;
}

const NEWLINE = 0x0a;
const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

export class LineReader {
  private readonly chunkBytes: number;
  readonly maxLineBytes: number;
  /** Bytes of a last line without its newline, once the file has been read. */
  pendingBytes = 0;
  /** The number the next line gets: after reading, the pending line's. */
  nextLine = 1;

  constructor(
    readonly path: string,
    options: LineReaderOptions = {},
  ) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.chunkBytes = Math.min(options.chunkBytes ?? DEFAULT_CHUNK_BYTES, this.maxLineBytes);
  }

  /** The file's lines, a chunk's worth per batch; a missing file has none. */
  async *batches(): AsyncGenerator<readonly LineItem[]> {
    let handle: FileHandle;
    try {
      // Non-blocking, so that a pipe in the file's place cannot hang the migration; refused below.
      handle = await open(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    try {
      if (!(await handle.stat()).isFile()) throw new PitwallError('format', messages.notRegularFile(this.path));
      yield* this.readLines(handle);
    } finally {
      await handle.close();
    }
  }

  private async *readLines(handle: FileHandle): AsyncGenerator<readonly LineItem[]> {
    let capacity = this.chunkBytes;
    let buffer = Buffer.allocUnsafe(capacity);
    // buffer[0, filled) holds the file's bytes from `consumed` on: the start of a line with no newline yet.
    let filled = 0;
    let consumed = 0;
    for (;;) {
      if (filled === capacity) {
        if (capacity < this.maxLineBytes) {
          capacity = Math.min(capacity * 2, this.maxLineBytes);
          const bigger = Buffer.allocUnsafe(capacity);
          buffer.copy(bigger, 0, 0, filled);
          buffer = bigger;
        } else {
          const end = await skipPastNewline(handle, consumed + filled);
          if (end.newline === false) {
            filled = end.offset - consumed;
            break;
          }
          yield [{ line: this.nextLine++, problem: 'too-long' }];
          consumed = end.offset;
          filled = 0;
          continue;
        }
      }
      const { bytesRead: n } = await handle.read(buffer, filled, capacity - filled, consumed + filled);
      if (n === 0) break;
      const end = filled + n;
      const lastNewline = buffer.lastIndexOf(NEWLINE, end - 1);
      if (lastNewline < filled) {
        filled = end;
        continue;
      }
      const complete = buffer.subarray(0, lastNewline + 1);
      const items = this.split(complete, consumed === 0);
      consumed += complete.length;
      buffer.copyWithin(0, lastNewline + 1, end);
      filled = end - lastNewline - 1;
      yield items;
    }
    this.pendingBytes = filled;
  }

  /** The lines of `bytes`, which ends with a newline; FileFollower.deliver's rules. */
  private split(bytes: Buffer, atStart: boolean): LineItem[] {
    const items: LineItem[] = [];
    if (isUtf8(bytes)) {
      // One decode for the whole run: a newline byte never occurs inside a multi-byte character.
      const text = bytes.toString('utf8');
      let start = atStart && text.charCodeAt(0) === 0xfeff ? 1 : 0;
      while (start < text.length) {
        const end = text.indexOf('\n', start);
        items.push({ line: this.nextLine++, text: text.slice(start, end) });
        start = end + 1;
      }
      return items;
    }
    let start = 0;
    while (start < bytes.length) {
      const end = bytes.indexOf(NEWLINE, start);
      const line = bytes.subarray(start, end);
      if (isUtf8(line)) {
        const text = line.toString('utf8');
        items.push({ line: this.nextLine++, text: atStart && start === 0 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text });
      } else {
        items.push({ line: this.nextLine++, problem: 'not-utf8' });
      }
      start = end + 1;
    }
    return items;
  }
}

/** The offset just past the next newline at or after `from`, or the end of the file when it ends first. */
async function skipPastNewline(handle: FileHandle, from: number): Promise<{ readonly newline: boolean; readonly offset: number }> {
  const scratch = Buffer.allocUnsafe(64 * 1024);
  for (let position = from; ; ) {
    const { bytesRead: n } = await handle.read(scratch, 0, scratch.length, position);
    if (n === 0) return { newline: false, offset: position };
    const newline = scratch.subarray(0, n).indexOf(NEWLINE);
    if (newline >= 0) return { newline: true, offset: position + newline + 1 };
    position += n;
  }
}

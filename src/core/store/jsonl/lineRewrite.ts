/**
 * Rewrites some lines of a JSONL file that other processes append to (alerts.jsonl while the
 * Python service runs), streaming: whatever the file's size, memory holds one chunk and the
 * lines being edited. Every other byte is copied as it is (bad lines included), so only the
 * edited lines differ.
 *
 * The content goes to a temporary file, fsynced and renamed over the original. When it is opened
 * and again just before the rename, the original must be the file the reader read, or that file
 * with lines appended: a replaced, truncated or rewritten original makes the attempt fail
 * (`changed`), to be done again from a fresh read. Appends are not a reason to start over, because none is lost: once
 * the new file is in place, what was appended to the old one after the point copied is carried
 * over to the end of the new one, in two steps:
 * - at once, right after the rename, the complete lines appended since the read (so a process
 *   killed after the rename loses at most what was appended in the microseconds between this
 *   catch-up and the rename);
 * - `lateAppendGraceMs` after the rename, what writers that opened the file before the rename
 *   wrote into it since. When the kernel says no process holds the replaced file open for
 *   writing (platform/writers.ts), nothing more can come: this step runs at once, without the wait. The caller runs that step (`carryLateAppends`) when it likes, so its
 *   own follow-up need not wait for the grace. A writer that opened the old file and writes
 *   later than that would still write into the replaced file; the Python service opens, writes
 *   one line and closes within microseconds.
 *
 * Before each step the bytes already taken from the replaced file are read again and must be
 * unchanged: a writer that truncated and rewrote it (the Python service's own acknowledgment,
 * which opened the file just before the rename) left bytes that are not appended lines, and
 * copying them would add fragments or duplicates. Then nothing is carried and `carryLateAppends`
 * fails with a conflict saying so: the other process's rewrite went into the replaced file and
 * is lost, and so are lines appended to it since.
 *
 * The last line of the original may be incomplete. A fresh one (a writer is finishing it) is left
 * out and carried over with the late appends once complete; a stale one (its writer died) is
 * copied and ended with a newline, so it stays a bad line of its own (see fileWrites.ts).
 */
import { createHash } from 'node:crypto';
import { lstat, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { PitwallError } from '../../errors';
import { writersOf } from '../../platform/writers';
import { messages } from '../../messages';
import {
  NEWLINE,
  appendLines,
  READ_FLAGS,
  copyPermissions,
  identityOf,
  openRegularFile,
  isStale,
  sleep,
  syncDirectory,
  temporaryPath,
  type FileIdentity,
} from './fileWrites';
import { crc32 } from './crc32';
import { WINDOW_BYTES, isMissing, readAt } from './fileFollower';


/**
 * A running checksum of the bytes taken from the original file, to tell later that they are still
 * there: CRC-32 (zlib's, several GB/s), which another writer's rewrite of a line changes; SHA-256
 * on a Node without zlib.crc32 (before 20.15).
 */
class TakenBytes {
  private crc = 0;
  private readonly hash = crc32 !== undefined ? undefined : createHash('sha256');

  update(bytes: Uint8Array): void {
    if (crc32 !== undefined) this.crc = crc32(bytes, this.crc);
    else this.hash?.update(bytes);
  }

  /** The checksum so far, the running one left as it is. */
  value(): string {
    return this.hash !== undefined ? this.hash.copy().digest('hex') : String(this.crc);
  }
}

const CHUNK_BYTES = 4 * 1024 * 1024;
const POLL_MS = 10;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The part of the file a reader has taken in: the file's identity then, the end of its last
 * complete line, and the first and last bytes before that end.
 */
export interface ReadState {
  readonly identity: FileIdentity;
  readonly consumed: number;
  readonly head: Buffer;
  readonly tail: Buffer;
}

/** Makes a line's new text (no newline) from its text; null when the line is not the one expected. */
export type LineEdit = (text: string) => string | null;

export interface LineRewriteOptions {
  readonly path: string;
  readonly read: ReadState;
  /** Edits by 1-based line number. */
  readonly edits: ReadonlyMap<number, LineEdit>;
  readonly tornTailGraceMs: number;
  readonly lateAppendGraceMs: number;
  /** Runs just before the new file is renamed into place (tests use it to reach that moment). */
  readonly beforeReplace?: () => Promise<void>;
}

/** The rewritten file, described as FileFollower needs it to go on reading without reading it all again. */
export interface RewrittenFile {
  readonly dev: bigint;
  readonly ino: bigint;
  /** End of the last complete line that holds one of the lines read: the lines after it are new to a reader. */
  readonly consumed: number;
  readonly head: Buffer;
  readonly tail: Buffer;
  /** CRC-32 of its first `consumed` bytes (null on a Node without zlib.crc32). */
  readonly crc: number | null;
}

export type LineRewriteResult =
  | { readonly status: 'changed' }
  | {
      readonly status: 'done';
      readonly file: RewrittenFile;
      /**
       * Carries over the late appends (see above) once `lateAppendGraceMs` have passed since the
       * rename, and releases the replaced file; returns the bytes carried. Must be called once:
       * the new file is in place already, so the caller may finish its own work first.
       */
      readonly carryLateAppends: () => Promise<number>;
    };

const CHANGED = { status: 'changed' } as const;

export async function rewriteLines(options: LineRewriteOptions): Promise<LineRewriteResult> {
  const { path, read } = options;
  let source: FileHandle;
  try {
    source = await openRegularFile(path, READ_FLAGS);
  } catch (error) {
    if (isMissing(error)) return CHANGED;
    throw error;
  }
  const temporary = temporaryPath(path);
  let renamed = false;
  let handedOver = false;
  try {
    const before = await source.stat({ bigint: true });
    const windows = await readWindows(source, read.consumed);
    if (!grewFrom(identityOf(before), read.identity) || !windows.head.equals(read.head) || !windows.tail.equals(read.tail)) {
      return CHANGED;
    }
    const target = await open(temporary, 'wx+');
    let copied: { consumed: number; copiedUpTo: number; head: Buffer; tail: Buffer; crc: number | null };
    // Of the bytes taken from the original, to tell later that they are still there.
    const digest = new TakenBytes();
    let rewritten: { readonly dev: bigint; readonly ino: bigint };
    try {
      const written = { crc: crc32 !== undefined ? 0 : null };
      const consumed = await copyWithEdits(source, target, read.consumed, options.edits, digest, written);
      if (consumed < 0) return CHANGED;
      // What follows the lines read is carried over after the rename, as appended lines are,
      // unless it is one torn line whose writer is gone: that is ended here.
      const size = Number(before.size);
      let copiedUpTo = read.consumed;
      if (size > read.consumed && isStale(before.mtimeNs, options.tornTailGraceMs)) {
        const rest = await readAt(source, read.consumed, size - read.consumed);
        if (!rest.includes(NEWLINE)) {
          await target.write(Buffer.concat([rest, Buffer.of(NEWLINE)]), 0, rest.length + 1, consumed);
          digest.update(rest);
          copiedUpTo = size;
        }
      }
      const { head, tail } = await readWindows(target, consumed);
      copied = { consumed, copiedUpTo, head, tail, crc: written.crc };
      await copyPermissions(target, before);
      await target.sync();
      rewritten = await target.stat({ bigint: true });
    } finally {
      await target.close();
    }
    const appendedOnly = await onlyAppended(
      path,
      source,
      identityOf(before),
      { consumed: read.consumed, ...windows },
      copied.copiedUpTo > read.consumed,
    );
    if (!appendedOnly) return CHANGED;
    await options.beforeReplace?.();
    await rename(temporary, path);
    renamed = true;
    const renamedAt = Date.now();
    handedOver = true;
    const replaced = new ReplacedFile(source, path, copied.copiedUpTo, digest);
    // The catch-up: a failure here is reported by the carry that follows, which meets it again.
    await replaced.carry(false, options.tornTailGraceMs, false).catch(() => undefined);
    const carry = async (): Promise<number> => {
      try {
        return await carryLateAppends(replaced, renamedAt, options);
      } finally {
        await source.close();
      }
    };
    try {
      await syncDirectory(dirname(path));
    } catch (error) {
      await carry();
      throw error;
    }
    return {
      status: 'done',
      file: { dev: rewritten.dev, ino: rewritten.ino, consumed: copied.consumed, head: copied.head, tail: copied.tail, crc: copied.crc },
      carryLateAppends: carry,
    };
  } finally {
    if (!handedOver) await source.close();
    if (!renamed) await rm(temporary, { force: true });
  }
}

/** Whether `now` is the file `before` was, same size or longer (other checks tell an append from a rewrite). */
function grewFrom(now: FileIdentity, before: FileIdentity): boolean {
  return now.dev === before.dev && now.ino === before.ino && now.size >= before.size;
}

async function readWindows(handle: FileHandle, consumed: number): Promise<{ head: Buffer; tail: Buffer }> {
  const length = Math.min(WINDOW_BYTES, consumed);
  return { head: await readAt(handle, 0, length), tail: await readAt(handle, consumed - length, length) };
}

/**
 * Copies the complete lines of `source` (its first `consumed` bytes) to `target`, replacing the
 * edited ones, keeping the CRC-32 of what it writes in `written`. Returns the bytes written, or
 * -1 when an edit did not find the line it expected.
 */
async function copyWithEdits(
  source: FileHandle,
  target: FileHandle,
  consumed: number,
  edits: ReadonlyMap<number, LineEdit>,
  digest: TakenBytes,
  written: { crc: number | null },
): Promise<number> {
  const lines = [...edits.keys()].sort((a, b) => a - b);
  const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(consumed, 1)));
  let next = 0;
  let line = 1;
  let position = 0;
  let total = 0;
  // The edited line being read, when it spans chunks.
  let collecting: Buffer[] | null = null;
  while (position < consumed) {
    const { bytesRead } = await source.read(chunk, 0, Math.min(chunk.length, consumed - position), position);
    if (bytesRead === 0) return -1;
    const view = chunk.subarray(0, bytesRead);
    digest.update(view);
    const pieces: Buffer[] = [];
    let start = 0;
    let scan = 0;
    while (scan < bytesRead) {
      if (collecting !== null) {
        const newline = view.indexOf(NEWLINE, scan);
        const end = newline < 0 ? bytesRead : newline + 1;
        collecting.push(Buffer.from(view.subarray(scan, end)));
        scan = start = end;
        if (newline < 0) break;
        const edited = editLine(Buffer.concat(collecting), line === 1, edits.get(line) as LineEdit);
        if (edited === null) return -1;
        pieces.push(edited);
        collecting = null;
        line++;
        next++;
        continue;
      }
      const wanted = lines[next];
      if (wanted === undefined) break;
      if (line === wanted) {
        pieces.push(view.subarray(start, scan));
        start = scan;
        collecting = [];
        continue;
      }
      const newline = view.indexOf(NEWLINE, scan);
      if (newline < 0) break;
      scan = newline + 1;
      line++;
    }
    if (collecting === null) pieces.push(view.subarray(start, bytesRead));
    if (written.crc !== null && crc32 !== undefined) for (const piece of pieces) written.crc = crc32(piece, written.crc);
    total += await writeAllv(target, pieces);
    position += bytesRead;
  }
  return next === lines.length ? total : -1;
}

/** The edited bytes of one line (which ends with its newline), keeping a byte-order mark and a CR. */
function editLine(bytes: Buffer, first: boolean, edit: LineEdit): Buffer | null {
  let body = bytes.subarray(0, bytes.length - 1);
  const bom = first && body.subarray(0, 3).equals(BOM);
  if (bom) body = body.subarray(3);
  const cr = body.length > 0 && body[body.length - 1] === CR;
  if (cr) body = body.subarray(0, body.length - 1);
  const edited = edit(body.toString('utf8'));
  if (edited === null) return null;
  return Buffer.from(`${bom ? '\ufeff' : ''}${edited}${cr ? '\r' : ''}\n`, 'utf8');
}

async function writeAllv(handle: FileHandle, pieces: readonly Buffer[]): Promise<number> {
  const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
  const { bytesWritten } = await handle.writev(pieces);
  if (bytesWritten < total) {
    const rest = Buffer.concat(pieces).subarray(bytesWritten);
    let offset = 0;
    while (offset < rest.length) offset += (await handle.write(rest, offset, rest.length - offset)).bytesWritten;
  }
  return total;
}

/**
 * Whether the file at `path` is still the one read through `source`, or that one with lines
 * appended: the same inode, longer, with the same first and last bytes before `consumed`.
 */
async function onlyAppended(
  path: string,
  source: FileHandle,
  before: FileIdentity,
  read: { readonly consumed: number; readonly head: Buffer; readonly tail: Buffer },
  copiedTornLine: boolean,
): Promise<boolean> {
  let now;
  try {
    // lstat: a link put in the file's place is not the file read.
    now = await lstat(path, { bigint: true });
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
  if (now.dev !== before.dev || now.ino !== before.ino || now.size < before.size) return false;
  if (now.size === before.size) return now.mtimeNs === before.mtimeNs;
  // A torn line taken for dead has been continued: its writer was alive, so read it again.
  if (copiedTornLine) return false;
  const again = await readWindows(source, read.consumed);
  return again.head.equals(read.head) && again.tail.equals(read.tail);
}

/**
 * The replaced file, still open, and how much of it is in the new file: its first `from`
 * bytes, whose digest is kept to tell that they were not rewritten since.
 */
class ReplacedFile {
  private conflict: PitwallError | null = null;

  constructor(
    readonly source: FileHandle,
    readonly path: string,
    private from: number,
    private readonly digest: TakenBytes,
  ) {}

  /** Whether bytes follow those taken, and whether they end a line. */
  async pending(): Promise<{ readonly bytes: number; readonly complete: boolean; readonly mtimeNs: bigint }> {
    const stats = await this.source.stat({ bigint: true });
    const bytes = Math.max(0, Number(stats.size) - this.from);
    const last = bytes === 0 ? [] : await readAt(this.source, Number(stats.size) - 1, 1);
    return { bytes, complete: last[0] === NEWLINE, mtimeNs: stats.mtimeNs };
  }

  /**
   * Appends to the new file what follows the bytes taken: complete lines only, or everything
   * (a torn last line ended with a newline) when `all`. Refuses, carrying nothing, when the
   * bytes taken changed. Returns the bytes carried.
   */
  async carry(all: boolean, tornTailGraceMs: number, checkWhenNothing = true): Promise<number> {
    if (this.conflict !== null) throw this.conflict;
    const size = Number((await this.source.stat({ bigint: true })).size);
    // Nothing to carry and no last word to say: the check (a read of the whole file) waits for the carry that has one.
    if (size === this.from && !checkWhenNothing) return 0;
    const appended = size > this.from ? await readAt(this.source, this.from, size - this.from) : Buffer.alloc(0);
    if (!(await this.unchanged(size))) {
      this.conflict = new PitwallError('conflict', messages.jsonlRewrittenMeanwhile(basename(this.path)));
      throw this.conflict;
    }
    const end = all ? appended.length : appended.lastIndexOf(NEWLINE) + 1;
    if (end === 0) return 0;
    const bytes = appended.subarray(0, end);
    await appendLines(this.path, bytes[end - 1] === NEWLINE ? bytes : Buffer.concat([bytes, Buffer.of(NEWLINE)]), tornTailGraceMs);
    this.digest.update(bytes);
    this.from += end;
    return end;
  }

  /** Whether the file still starts with the bytes taken (it holds at least `size` bytes now). */
  private async unchanged(size: number): Promise<boolean> {
    if (size < this.from) return false;
    const again = new TakenBytes();
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(this.from, 1)));
    for (let position = 0; position < this.from; ) {
      const { bytesRead } = await this.source.read(chunk, 0, Math.min(chunk.length, this.from - position), position);
      if (bytesRead === 0) return false;
      again.update(chunk.subarray(0, bytesRead));
      position += bytesRead;
    }
    return again.value() === this.digest.value();
  }
}

/**
 * Copies what writers appended to the replaced file since the catch-up to the end of the new
 * one, giving a line still being written time to be finished. It watches for at most
 * `tornTailGraceMs`: a writer that keeps the replaced file open and writes on after that
 * writes where no reader looks. Ends with a last check that the replaced file was not
 * rewritten, even when nothing was appended to it.
 */
async function carryLateAppends(
  replaced: ReplacedFile,
  renamedAt: number,
  options: Pick<LineRewriteOptions, 'tornTailGraceMs' | 'lateAppendGraceMs'>,
): Promise<number> {
  // No process holds the replaced file open for writing: nothing more can come, so what is there is all of it.
  if ((await writersOf(replaced.source.fd, dirname(replaced.path))) === 'none') return replaced.carry(true, options.tornTailGraceMs);
  await sleep(Math.max(0, renamedAt + options.lateAppendGraceMs - Date.now()));
  const deadline = Date.now() + options.tornTailGraceMs;
  let carried = 0;
  for (;;) {
    const pending = await replaced.pending();
    if (pending.bytes === 0) return carried + (await replaced.carry(false, options.tornTailGraceMs));
    if (!pending.complete && Date.now() < deadline && !isStale(pending.mtimeNs, options.tornTailGraceMs)) {
      await sleep(POLL_MS);
      continue;
    }
    carried += await replaced.carry(true, options.tornTailGraceMs);
    if (Date.now() >= deadline) return carried;
    await sleep(options.lateAppendGraceMs);
  }
}

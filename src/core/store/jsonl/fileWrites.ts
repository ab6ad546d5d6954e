/**
 * The two ways Pitwall changes a file that the Python monitoring service may be writing at the
 * same moment (DESIGN.md, "Writing safely"):
 * - an append is one `write()` on a file opened for appending, so the kernel places the whole
 *   line after whatever another appender wrote, never inside it;
 * - a rewrite goes to a temporary file in the same folder, is fsynced, and is renamed over the
 *   original only if the original did not change since it was read; the folder is fsynced too.
 *
 * A file that does not end in a newline holds a torn line: a writer was killed mid-line, or is
 * writing one right now. A fresh one (written less than `tornTailGraceMs` ago) is given that
 * long to be finished; one that stays torn is ended with a newline before Pitwall's line, in
 * the same `write()`, so the fragment remains a line of its own (reported as bad, never glued
 * to a good record) and the new record starts on a fresh line.
 *
 * Every file is opened without following a symbolic link and must turn out a regular file: a
 * link in the folder could otherwise carry values from the data (an alert id such as
 * `alert_$(touch x)`) into a file anywhere (a shell script), and a rename would silently put a
 * plain file in place of a deliberate link. Both are refused with a message naming the file.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { BigIntStats } from 'node:fs';
import { PitwallError } from '../../errors';
import { messages } from '../../messages';
import { isMissing, readAt } from './fileFollower';

export const NEWLINE = 0x0a;
const POLL_MS = 10;

export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
}

export function identityOf(stats: BigIntStats): FileIdentity {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeNs: stats.mtimeNs };
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

/** Whether a file was last written `graceMs` or longer ago. */
export function isStale(mtimeNs: bigint, graceMs: number): boolean {
  return Date.now() - Number(mtimeNs / 1_000_000n) >= graceMs;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Writes all of `data` at the handle's position (the end, for a handle opened to append). */
export async function writeAll(handle: FileHandle, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) offset += (await handle.write(data, offset, data.length - offset)).bytesWritten;
}

/** A name in the same folder (so the rename stays on one file system) that no reader looks at. */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.pitwall-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

/** Makes a rename or a new link in `folder` durable. */
export async function syncDirectory(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Gives a replacement the mode and, where allowed, the owner of the file it replaces, so its writers can still append. */
export async function copyPermissions(handle: FileHandle, from: BigIntStats): Promise<void> {
  await handle.chmod(Number(from.mode & 0o7777n));
  try {
    await handle.chown(Number(from.uid), Number(from.gid));
  } catch {
    // Only a privileged process can give a file away; an unprivileged one already owns what it wrote.
  }
}

/**
 * Whether the file ends in a torn line that Pitwall must end before appending. Waits while the
 * torn line is fresh, since its writer may be finishing it.
 */
async function endsTorn(handle: FileHandle, tornTailGraceMs: number): Promise<boolean> {
  const deadline = Date.now() + tornTailGraceMs;
  for (;;) {
    const stats = await handle.stat({ bigint: true });
    if (stats.size === 0n) return false;
    const [last] = await readAt(handle, Number(stats.size) - 1, 1);
    if (last === NEWLINE) return false;
    const now = Date.now();
    if (isStale(stats.mtimeNs, tornTailGraceMs) || now >= deadline) return true;
    await sleep(Math.min(POLL_MS, deadline - now));
  }
}

/** Opening never follows a link in the file's place, nor waits for the other end of a pipe. */
const NO_FOLLOW = constants.O_NOFOLLOW | constants.O_NONBLOCK;
const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | NO_FOLLOW;
export const READ_FLAGS = constants.O_RDONLY | NO_FOLLOW;

/**
 * Opens `path` with `flags` (which include O_NOFOLLOW), refusing a symbolic link and anything
 * that is not a regular file with a PitwallError naming the file.
 */
export async function openRegularFile(path: string, flags: number): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, flags, 0o666);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new PitwallError('input', messages.writeThroughSymlink(path), { cause: error });
    throw error;
  }
  try {
    if (!(await handle.stat()).isFile()) throw new PitwallError('input', messages.writeNotRegularFile(path));
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

/** Appends `data` (whole lines) in one write, after ending a torn last line. Creates the file if needed. */
export async function appendLines(path: string, data: Uint8Array, tornTailGraceMs: number): Promise<void> {
  const handle = await openRegularFile(path, APPEND_FLAGS);
  try {
    const torn = await endsTorn(handle, tornTailGraceMs);
    await writeAll(handle, torn ? Buffer.concat([Buffer.of(NEWLINE), data]) : data);
  } finally {
    await handle.close();
  }
}

interface FileRead {
  readonly bytes: Buffer;
  readonly stats: BigIntStats;
}

async function readWhole(path: string): Promise<FileRead | null> {
  let handle: FileHandle;
  try {
    handle = await openRegularFile(path, READ_FLAGS);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  try {
    const stats = await handle.stat({ bigint: true });
    return { bytes: await readAt(handle, 0, Number(stats.size)), stats };
  } finally {
    await handle.close();
  }
}

/** Writes `bytes` to a new temporary file beside `path`, fsynced; returns its name. */
async function writeTemporary(path: string, bytes: Uint8Array, like: BigIntStats | null): Promise<string> {
  const temporary = temporaryPath(path);
  const handle = await open(temporary, 'wx');
  let written = false;
  try {
    await writeAll(handle, bytes);
    if (like !== null) await copyPermissions(handle, like);
    await handle.sync();
    written = true;
  } finally {
    await handle.close();
    if (!written) await rm(temporary, { force: true });
  }
  return temporary;
}

export interface ReplaceOptions {
  readonly attempts: number;
  /** Pause before deciding that a file that does not parse is not merely halfway through a rewrite. */
  readonly settleMs: number;
}

/**
 * Replaces a small whole-file document (alert_rules.json): `build` makes the new content from
 * the current one (null when the file does not exist), or returns null to leave it as it is.
 * The rename happens only if the file still has the identity and the bytes that `build` saw;
 * otherwise the work is done again from the new content, up to `attempts` times. A missing
 * file is created by a hard link, which fails rather than replace a file created meanwhile.
 * Returns whether the file was written.
 */
export async function replaceFile(
  path: string,
  build: (current: Buffer | null) => Uint8Array | null,
  options: ReplaceOptions,
): Promise<boolean> {
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    if (attempt > 1) await sleep(POLL_MS * (attempt - 1));
    const before = await readWhole(path);
    let next: Uint8Array | null;
    try {
      next = build(before?.bytes ?? null);
    } catch (error) {
      // The Python writer truncates before it writes: what does not parse may be a rewrite under way.
      await sleep(options.settleMs);
      const now = await readWhole(path);
      if (unchanged(before, now)) throw error;
      continue;
    }
    if (next === null) return false;
    const temporary = await writeTemporary(path, next, before?.stats ?? null);
    try {
      if (before === null) {
        try {
          await link(temporary, path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw error;
        }
      } else {
        if (!unchanged(before, await readWhole(path))) continue;
        await rename(temporary, path);
      }
      await syncDirectory(dirname(path));
      return true;
    } finally {
      await rm(temporary, { force: true });
    }
  }
  throw new PitwallError('conflict', messages.jsonlKeptChanging(path, options.attempts));
}

function unchanged(before: FileRead | null, now: FileRead | null): boolean {
  if (before === null || now === null) return before === now;
  return sameIdentity(identityOf(before.stats), identityOf(now.stats)) && before.bytes.equals(now.bytes);
}

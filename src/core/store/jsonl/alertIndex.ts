/**
 * An index of alerts.jsonl kept between processes, so that listing, counting and acknowledging
 * 100,000 alerts does not parse 100,000 lines each time: the columns those questions look at
 * (alertRows.ts), the problems every line had (the audit of the file, as its parse reported
 * them), and what the reader had consumed, keyed by the CRC-32 of the bytes it was made of.
 *
 * It is used only when the file's first `consumed` bytes are still exactly those bytes: they are
 * read and checksummed on every use (tens of milliseconds for 40 MB, against the seconds of a
 * parse), so a file rewritten in place, even to the same size and modification time, is parsed
 * again. Lines appended since are read as usual. A record is parsed from its line when it is
 * read, so what a question returns is what parsing the file returns, byte for byte.
 *
 * The index lives in the user's cache folder (never beside the data), one file per alerts.jsonl,
 * written to a temporary name and renamed. A damaged, foreign or outdated one is ignored.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as v8 from 'node:v8';
import type { StoreDiagnostic } from '../store';
import type { AlertColumns, IndexedRows } from './alertRows';
import { crc32 } from './crc32';
import { WINDOW_BYTES } from './fileFollower';

/** What the reader had consumed, and what it had made of it. */
export interface AlertIndexContent {
  readonly consumed: number;
  readonly lines: number;
  readonly crc: number;
  readonly accepted: number;
  readonly diagnostics: readonly StoreDiagnostic[];
  readonly overflow: number;
  readonly columns: AlertColumns;
}

/** The settings that change what a parse makes of the same bytes: an index made under others is not used. */
export interface AlertIndexSettings {
  readonly maxLineBytes: number;
  readonly diagnosticsPerFile: number;
  /** The build of Pitwall that parsed the file (another may parse or word problems differently). */
  readonly build: string;
}

export interface LoadedAlertIndex extends AlertIndexContent {
  readonly rows: IndexedRows;
  readonly dev: bigint;
  readonly ino: bigint;
  readonly head: Buffer;
  readonly tail: Buffer;
}

const FORMAT = 1;
/** An alerts.jsonl larger than this is parsed each time: its bytes are held in memory while the index is in use. */
export const MAX_INDEXED_BYTES = 1024 * 1024 * 1024;
/** Indexes kept at once (the newest); each folder opened has its own. */
const KEPT = 32;
const MAGIC = 'pitwall-alert-index';

/** Whether this Node can keep an index (it needs zlib.crc32). */
export const ALERT_INDEX_SUPPORTED = crc32 !== undefined;

function indexPath(folder: string, alertsPath: string): string {
  return join(folder, `${createHash('sha256').update(alertsPath).digest('hex').slice(0, 32)}.v8`);
}

/** The index of `alertsPath` (an absolute path), if there is one and the file still starts with what it was made of. */
export async function loadAlertIndex(folder: string, alertsPath: string, settings: AlertIndexSettings): Promise<LoadedAlertIndex | undefined> {
  try {
    return await load(folder, alertsPath, settings);
  } catch {
    // Whatever went wrong (memory, a read error), the file is parsed as if there were no index.
    return undefined;
  }
}

async function load(folder: string, alertsPath: string, settings: AlertIndexSettings): Promise<LoadedAlertIndex | undefined> {
  if (crc32 === undefined) return undefined;
  const stored = await readOwnFile(indexPath(folder, alertsPath));
  if (stored === undefined) return undefined;
  const content = decode(stored, alertsPath, settings);
  if (content === undefined || content.consumed > MAX_INDEXED_BYTES) return undefined;
  let handle;
  try {
    handle = await open(alertsPath, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = await handle.stat({ bigint: true });
    if (!stat.isFile() || stat.size < BigInt(content.consumed)) return undefined;
    const bytes = Buffer.allocUnsafe(content.consumed);
    for (let filled = 0; filled < bytes.length; ) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) return undefined;
      filled += bytesRead;
    }
    if (crc32(bytes) !== content.crc) return undefined;
    const lineStarts = lineStartsOf(bytes, content.lines);
    if (lineStarts === undefined) return undefined;
    const window = Math.min(WINDOW_BYTES, bytes.length);
    return {
      ...content,
      rows: { columns: content.columns, bytes, lineStarts },
      dev: stat.dev,
      ino: stat.ino,
      head: Buffer.from(bytes.subarray(0, window)),
      tail: Buffer.from(bytes.subarray(bytes.length - window)),
    };
  } finally {
    await handle.close();
  }
}

/**
 * The file's bytes when it is a regular file (a symbolic link there is never followed) owned by
 * this user and writable by no one else, checked on the open file itself.
 */
async function readOwnFile(path: string): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = await handle.stat();
    const uid = process.getuid?.();
    if (!stat.isFile() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o022) !== 0) return undefined;
    return await handle.readFile();
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Writes the index of `alertsPath`; a failure is no failure of the caller (the next reader parses the file). */
export async function saveAlertIndex(folder: string, alertsPath: string, settings: AlertIndexSettings, content: AlertIndexContent): Promise<void> {
  if (crc32 === undefined) return;
  const path = indexPath(folder, alertsPath);
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const payload = v8.serialize({ magic: MAGIC, format: FORMAT, path: alertsPath, settings, content });
    const header = Buffer.alloc(8);
    header.writeUInt32LE(crc32(payload), 0);
    header.writeUInt32LE(payload.length, 4);
    await writeFile(temporary, Buffer.concat([header, payload]), { mode: 0o600 });
    await rename(temporary, path);
    await prune(folder);
  } catch {
    await rm(temporary, { force: true }).catch(() => undefined);
  }
}

/** Keeps the newest indexes, and removes what a process killed while saving left behind. */
async function prune(folder: string): Promise<void> {
  const hourAgo = Date.now() - 60 * 60 * 1000;
  const found: { path: string; time: number; index: boolean }[] = [];
  for (const name of await readdir(folder)) {
    const index = /^[0-9a-f]{32}\.v8$/.test(name);
    if (!index && !/^[0-9a-f]{32}\.v8\.\d+\.\d+\.tmp$/.test(name)) continue;
    const path = join(folder, name);
    const stats = await lstat(path).catch(() => undefined);
    if (stats?.isFile() === true) found.push({ path, time: stats.mtimeMs, index });
  }
  const stale = found.filter((file) => !file.index && file.time < hourAgo);
  const old = found.filter((file) => file.index).sort((a, b) => b.time - a.time).slice(KEPT);
  for (const file of [...stale, ...old]) await rm(file.path, { force: true }).catch(() => undefined);
}

/** Removes the index of `alertsPath`, if any. */
export async function forgetAlertIndex(folder: string, alertsPath: string): Promise<void> {
  await rm(indexPath(folder, alertsPath), { force: true }).catch(() => undefined);
}

function decode(stored: Buffer, alertsPath: string, settings: AlertIndexSettings): AlertIndexContent | undefined {
  if (crc32 === undefined || stored.length < 8) return undefined;
  const payload = stored.subarray(8);
  if (stored.readUInt32LE(4) !== payload.length || stored.readUInt32LE(0) !== crc32(payload)) return undefined;
  let value: unknown;
  try {
    value = v8.deserialize(payload);
  } catch {
    return undefined;
  }
  const file = value as { magic?: unknown; format?: unknown; path?: unknown; settings?: Partial<AlertIndexSettings>; content?: AlertIndexContent } | null;
  if (file === null || typeof file !== 'object' || file.magic !== MAGIC || file.format !== FORMAT || file.path !== alertsPath) return undefined;
  if (file.settings?.maxLineBytes !== settings.maxLineBytes || file.settings.diagnosticsPerFile !== settings.diagnosticsPerFile || file.settings.build !== settings.build) return undefined;
  const content = file.content;
  return content !== undefined && wellFormed(content) ? content : undefined;
}

/** The shape a stored index must have before any of it is used. */
function wellFormed(content: AlertIndexContent): boolean {
  const { columns } = content;
  if (!Number.isSafeInteger(content.consumed) || !Number.isSafeInteger(content.lines) || !Number.isSafeInteger(content.accepted) || !Number.isSafeInteger(content.overflow)) return false;
  if (!Array.isArray(content.diagnostics) || typeof columns !== 'object' || columns === null || !Number.isSafeInteger(columns.count)) return false;
  const n = columns.count;
  const typed: [unknown, new (...args: never[]) => unknown][] = [
    [columns.lines, Uint32Array],
    [columns.timestamps, Float64Array],
    [columns.acknowledged, Uint8Array],
    [columns.severity, Int32Array],
    [columns.modelVersion, Int32Array],
    [columns.component, Int32Array],
    [columns.metricName, Int32Array],
    [columns.occurrences, Uint32Array],
  ];
  if (!typed.every(([array, type]) => array instanceof type && (array as { length: number }).length === n)) return false;
  if (typeof columns.alertIdText !== 'string' || !(columns.alertIdEnds instanceof Uint32Array) || columns.alertIdEnds.length !== n) return false;
  return (n === 0 ? 0 : columns.alertIdEnds[n - 1]) === columns.alertIdText.length && Array.isArray(columns.strings);
}

/** Where each of the first `lines` lines starts ([lines]: the end); undefined when the bytes do not hold that many. */
function lineStartsOf(bytes: Buffer, lines: number): Float64Array | undefined {
  const starts = new Float64Array(lines + 1);
  let position = 0;
  for (let line = 0; line < lines; line++) {
    starts[line] = position;
    const newline = bytes.indexOf(0x0a, position);
    if (newline < 0) return undefined;
    position = newline + 1;
  }
  starts[lines] = position;
  return position === bytes.length ? starts : undefined;
}

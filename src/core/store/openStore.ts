import { open, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PitwallError } from '../errors';
import { messages } from '../messages';
import { openJsonlStore, type AlertIndexOptions } from './jsonl/jsonlStore';
import { isPostgresSource } from './postgres/connection';
import { PostgresStore } from './postgres/postgresStore';
import { realPathOf, SqliteStore } from './sqlite/sqliteStore';
import { scanPredictionFile } from './sqlite/predictionScan';
import type { Store, WindowColumns } from './store';

export interface OpenStoreOptions {
  /** Where sql.js's wasm lives when running from a bundle. */
  readonly wasmPath?: string;
  /** Open read-only, for this reason (an untrusted workspace, a CLI flag). */
  readonly readOnly?: string;
  /** The caller is about to write: a database starts its writer while it opens, instead of at the first write. */
  readonly writeSoon?: boolean;
  /** False when the caller will never ask refresh() what changed (a one-off command), which spares a database some counting before each write. */
  readonly followChanges?: boolean;
  /** A PostgreSQL source's password when its URL carries none, and how each refresh reads labels again (follow.ts). */
  readonly postgres?: { readonly password?: string; readonly labelHorizonSeconds?: number; readonly labelRescanSeconds?: number };
  /** Where and for which build a JSONL folder's alert index is kept between processes (jsonl/alertIndex.ts). */
  readonly alertIndex?: AlertIndexOptions;
}

const SQLITE_EXTENSIONS = /\.(db|sqlite3?)$/i;

/** Opens a monitoring source: a directory is a JSONL folder, a file a SQLite database, a postgres:// URL (or `postgres:`, the Python settings) a PostgreSQL database. */
export async function openStore(path: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (isPostgresSource(path)) return PostgresStore.open(path, { ...(options.readOnly === undefined ? {} : { readOnly: options.readOnly }), ...options.postgres });
  const absolute = resolve(path);
  const info = await stat(absolute).catch((cause: unknown) => {
    throw new PitwallError('not-found', messages.sourceNotFound(absolute), { cause });
  });
  if (info.isDirectory()) return openJsonlStore(absolute, options);
  if (!info.isFile()) throw new PitwallError('input', messages.sourceUnrecognised(absolute));
  if (!SQLITE_EXTENSIONS.test(absolute)) {
    // The content decides, not the name: a file that starts like SQLite is opened as SQLite.
    const handle = await open(absolute, 'r');
    try {
      const header = Buffer.alloc(16);
      await handle.read(header, 0, 16, 0);
      if (header.toString('latin1') !== 'SQLite format 3\u0000') throw new PitwallError('input', messages.sourceUnrecognised(absolute));
    } finally {
      await handle.close();
    }
  }
  return SqliteStore.open(absolute, options);
}

/**
 * The predictions of a SQLite file decoded straight from its pages: the fast cold start for
 * one-off analytics (the CLI). Undefined when the source is not a SQLite file, or when some row
 * needs the store's careful reading (the caller opens the store then, which reports it).
 */
export async function scanPredictionColumns(path: string, features: readonly string[] = [], metadata: readonly string[] = []): Promise<WindowColumns | undefined> {
  const absolute = realPathOf(resolve(path));
  const info = await stat(absolute).catch(() => undefined);
  if (info === undefined || !info.isFile()) return undefined;
  try {
    const head = Buffer.alloc(16);
    const handle = await open(absolute, 'r');
    try {
      await handle.read(head, 0, 16, 0);
    } finally {
      await handle.close();
    }
    if (head.toString('latin1') !== 'SQLite format 3\u0000') return undefined;
    return await scanFile(absolute, features, metadata);
  } catch {
    // The fast path is an optimization: whatever stops it, the store reads the file and reports what is wrong.
    return undefined;
  }
}

async function scanFile(absolute: string, features: readonly string[], metadata: readonly string[]): Promise<WindowColumns | undefined> {
  // Bundled (the CLI, the extension), a worker script sits next to the bundle: two threads decode.
  const worker = join(__dirname, 'scanWorker.js');
  const scanned = await scanPredictionFile(absolute, existsSync(worker) ? worker : undefined, features, metadata);
  return typeof scanned === 'object' ? scanned.columns : undefined;
}

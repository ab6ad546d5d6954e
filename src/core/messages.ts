/**
 * Every user-visible sentence the kernel can produce. Keep them short, name the file,
 * line or row and field, and say what to do.
 */

export const messages = {
  // --- sources -------------------------------------------------------------
  sourceNotFound: (path: string) => `No monitoring source at ${path}: choose a JSONL folder or a SQLite file.`,
  sourceUnrecognised: (path: string) =>
    `${path} is neither a JSONL monitoring folder nor a SQLite database (.db, .sqlite, .sqlite3).`,

  // --- model (schemas and encodings) ----------------------------------------

  // --- jsonl store -----------------------------------------------------------

  // --- sqlite store ----------------------------------------------------------
  sqliteNotFound: (path: string) => `No SQLite database at ${path}: the file does not exist.`,
  sqliteReadFailed: (path: string, detail: string) => `Cannot read ${path}: ${detail}.`,
  sqliteNotDatabase: (path: string) =>
    `${path} is not a SQLite database: it does not start with "SQLite format 3". Choose the monitoring database file.`,
  sqliteTruncated: (path: string, expectedBytes: number, actualBytes: number) =>
    `${path} is truncated: its header describes ${expectedBytes} bytes but the file holds ${actualBytes}. Restore it from a backup.`,
  sqliteBadPageSize: (path: string, pageSize: number) =>
    `${path} is corrupt: its header gives the impossible page size ${pageSize}. Restore it from a backup.`,
  sqliteCorrupt: (path: string, detail: string) =>
    `${path} is corrupt (SQLite says: ${detail}). Restore it from a backup, or salvage it with the sqlite3 shell's .recover command.`,
  sqliteUnsupported: (path: string, detail: string) =>
    `${path} uses a SQLite feature this reader does not support (SQLite says: ${detail}).`,
  sqliteQuickCheckFailed: (path: string, problems: readonly string[]) =>
    `${path} failed SQLite's quick_check: ${problems.join('; ')}. Restore it from a backup, or salvage it with the sqlite3 shell's .recover command.`,
  sqliteKeptChanging: (path: string, attempts: number) =>
    `${path} kept changing while it was read (${attempts} attempts): try again when its writer is idle.`,
  sqliteMissingTable: (path: string, table: string) =>
    `${path} has no ${table} table (an older schema): opened without it.`,
  sqliteMissingColumn: (path: string, table: string, column: string) =>
    `${path} has no ${table}.${column} column (an older schema): opened without it.`,
  walInvalidHeader: (walPath: string) =>
    `${walPath} has no valid write-ahead-log header, so it was ignored, as SQLite ignores it.`,
  walUnsupportedVersion: (walPath: string, version: number) =>
    `${walPath} has write-ahead-log format version ${version}; SQLite and Pitwall read version 3007000 only.`,
  walPageSizeMismatch: (walPath: string, walPageSize: number, dbPageSize: number) =>
    `${walPath} holds ${walPageSize}-byte pages but its database has ${dbPageSize}-byte pages and the log does not rewrite page 1: the pair is inconsistent. Check it with the sqlite3 shell.`,
  sqlJsUnavailable: (wasmPath: string, detail: string) =>
    `Cannot load the SQLite engine (sql.js) from ${wasmPath}: ${detail}. Reinstall Pitwall, or set the wasm path.`,

  // --- writes ----------------------------------------------------------------

  // --- cli -------------------------------------------------------------------
} as const;

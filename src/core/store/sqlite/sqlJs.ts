/**
 * Loads sql.js (SQLite compiled to WebAssembly) once per wasm file, on first use. A bundled
 * extension ships `sql-wasm.wasm` next to its bundle and passes that path; in development and
 * tests the copy in node_modules is found with require.resolve.
 */
import { accessSync, constants } from 'node:fs';
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';
import { PitwallError, describeError } from '../../errors';
import { messages } from '../../messages';

export interface SqlJsOptions {
  /** Absolute path of `sql-wasm.wasm`; defaults to the one in node_modules. */
  readonly wasmPath?: string;
}

const loading = new Map<string, Promise<SqlJsStatic>>();

/** The wasm file of the installed sql.js package. */
export function defaultSqlJsWasmPath(): string {
  try {
    return require.resolve('sql.js/dist/sql-wasm.wasm');
  } catch (cause) {
    throw new PitwallError('unsupported', messages.sqlJsUnavailable('sql.js/dist/sql-wasm.wasm', describeError(cause)), {
      cause,
    });
  }
}

/** The sql.js module, initialised at most once for each wasm path; a failed load may be retried. */
export function loadSqlJs(options: SqlJsOptions = {}): Promise<SqlJsStatic> {
  const wasmPath = options.wasmPath ?? defaultSqlJsWasmPath();
  const pending = loading.get(wasmPath);
  if (pending) return pending;
  // sql.js leaves a second, unhandled rejection behind when the wasm file is missing, which would
  // take the process down, so a missing file is reported before sql.js ever sees it.
  try {
    accessSync(wasmPath, constants.R_OK);
  } catch (cause) {
    return Promise.reject(
      new PitwallError('unsupported', messages.sqlJsUnavailable(wasmPath, describeError(cause)), { cause }),
    );
  }
  const loaded = initSqlJs({ locateFile: () => wasmPath }).catch((cause: unknown) => {
    loading.delete(wasmPath);
    throw new PitwallError('unsupported', messages.sqlJsUnavailable(wasmPath, describeError(cause)), { cause });
  });
  loading.set(wasmPath, loaded);
  return loaded;
}

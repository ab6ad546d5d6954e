/**
 * A source path as the query kernel reaches it, for callers without a store of their own (the
 * editor's report and notebook exports): the store opened read-only for each use and closed after,
 * a sound SQLite file's predictions decoded straight from its pages, SQL through runSqlOnSource.
 */
import { openStore, scanPredictionColumns } from '../store/openStore';
import type { NotebookSource } from './notebookRun';
import type { QuerySource } from './run';
import { runSqlOnSource } from './sql';

export interface PathSourceOptions {
  readonly wasmPath?: string;
  /** Why the store opens read-only (an export only reads). */
  readonly readOnly?: string;
  /** A PostgreSQL source's password when its URL carries none (the open source's, in the editor). */
  readonly password?: string;
}

export function pathQuerySource(path: string, options: PathSourceOptions = {}): QuerySource {
  return {
    scanColumns: (features, metadata) => scanPredictionColumns(path, features, metadata),
    withStore: async (use) => {
      const { password, ...rest } = options;
      const store = await openStore(path, { ...rest, followChanges: false, ...(password === undefined ? {} : { postgres: { password } }) });
      try {
        return await use(store);
      } finally {
        await store.close();
      }
    },
  };
}

export function pathNotebookSource(path: string, options: PathSourceOptions = {}): NotebookSource {
  return {
    query: pathQuerySource(path, options),
    runSql: (sql) => runSqlOnSource(path, sql, { ...(options.wasmPath === undefined ? {} : { wasmPath: options.wasmPath }), ...(options.password === undefined ? {} : { password: options.password }) }),
  };
}

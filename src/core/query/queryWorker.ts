/**
 * The worker-thread side of queryRunner.ts: one notebook's source, opened read-only when a cell
 * first needs it and kept open for the next cells, runs PQL and SQL cells and answers with plain
 * data (results, their charts as Vega-Lite and SVG, errors, the `let` names the cell gave). The
 * work runs here, not in the editor's thread, so cancelling a cell ends this thread: the query
 * stops computing wherever it is (a page scan, a window aggregation, a SQLite statement).
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { ChartSpec } from '../charts/theme';
import { openStore, scanPredictionColumns } from '../store/openStore';
import { isPostgresSource } from '../store/postgres/connection';
import type { Store } from '../store/store';
import { serializeError } from '../store/workerStore';
import type { Pipeline } from './ast';
import { chartOfResult } from './chart';
import { svgOfChart } from './chartSvg';
import type { QueryError } from './lexer';
import { runQuery, type QueryResult, type QuerySource } from './run';
import { FolderDatabase, runSql, runSqlOnSource } from './sql';
import type { CellRun, CellRunReply, QueryWorkerData, RunMessage } from './queryRunner';

const port = parentPort;
if (port === null) throw new Error('queryWorker runs in a worker thread');
const { source: sourcePath, wasmPath, password } = workerData as QueryWorkerData;
// A database server is named by its URL; a file or folder by its absolute path.
const server = isPostgresSource(sourcePath);
const path = server ? sourcePath : resolve(sourcePath);
const sqlOptions = wasmPath === undefined ? {} : { wasmPath };

let store: Promise<Store> | undefined;
/** A JSONL folder's tables in memory, and the state of the folder's files they were loaded from. */
let folder: { database: FolderDatabase; stamp: string } | undefined;

/** The store, opened once; read-only: a notebook only reads. Each cell first takes in what changed on disk. */
async function openedStore(): Promise<Store> {
  store ??= openStore(path, { ...sqlOptions, readOnly: 'a notebook only reads its source', ...(password === undefined ? {} : { postgres: { password } }) });
  const opened = await store;
  await opened.refresh();
  return opened;
}

const querySource: QuerySource = {
  scanColumns: (features, metadata) => scanPredictionColumns(path, features, metadata),
  withStore: async (use) => use(await openedStore()),
};

/** Names, sizes and times of a folder's files: a change means its tables are loaded again. */
async function folderStamp(): Promise<string> {
  const names = (await readdir(path)).sort();
  const parts = await Promise.all(names.map(async (name) => {
    const info = await stat(join(path, name)).catch(() => undefined);
    return info === undefined ? name : `${name}:${info.size}:${info.mtimeMs}`;
  }));
  return parts.join('|');
}

async function runSqlCell(text: string): Promise<{ result: QueryResult; problems: string[] }> {
  // On a database server the statement runs there, read-only (postgresSql.ts).
  if (server) return { result: (await runSqlOnSource(path, text, password === undefined ? {} : { password })).result, problems: [] };
  const info = await stat(path);
  if (info.isDirectory()) {
    const stamp = await folderStamp();
    if (folder !== undefined && folder.stamp !== stamp) {
      folder.database.close();
      folder = undefined;
    }
    folder ??= { database: await FolderDatabase.open(path, wasmPath), stamp };
    await folder.database.ensure(text);
    return { result: runSql(folder.database.database, text), problems: folder.database.problems.map((problem) => problem.message) };
  }
  // A file is read afresh for each cell, so a cell sees what was committed when it ran: by real SQLite
  // in a child process where it can (its pid told to the runner, which ends it if the cell is
  // cancelled), else from a sql.js snapshot, its pages read as needed.
  const answer = await runSqlOnSource(path, text, { ...sqlOptions, watchChild: (pid) => port?.postMessage({ type: 'child', pid } satisfies CellRunReply) });
  return { result: answer.result, problems: answer.problems.map((problem) => problem.message) };
}

async function chartsOf(results: readonly QueryResult[]): Promise<CellRun['charts']> {
  return Promise.all(
    results.map(async (result) => {
      const spec = chartOfResult(result);
      if (spec === null) return null;
      // A chart that cannot be drawn headless still goes to the renderer as a spec.
      const svg = await svgOfChart(spec).catch(() => null);
      return { spec: spec as ChartSpec & Record<string, unknown>, svg };
    }),
  );
}

async function run(message: RunMessage): Promise<CellRun> {
  if (message.language === 'sql') {
    const { result, problems } = await runSqlCell(message.text);
    return { results: [result], errors: [], lets: new Map(), problems, charts: await chartsOf([result]) };
  }
  const lets = new Map<string, Pipeline>(message.lets);
  const outcome = await runQuery(message.text, querySource, { now: message.now, lets });
  const given = new Map([...lets].filter(([name]) => !message.lets.has(name)));
  const errors: QueryError[] = [...outcome.errors];
  return { results: outcome.results, errors, lets: given, problems: [], charts: await chartsOf(outcome.results) };
}

port.on('message', (message: RunMessage) => {
  void run(message).then(
    (value) => port.postMessage({ type: 'done', id: message.id, value } satisfies CellRunReply),
    (error: unknown) => port.postMessage({ type: 'failed', id: message.id, error: serializeError(error) } satisfies CellRunReply),
  );
});


/**
 * The worker-thread side of workerStore.ts: opens a source and answers each call with the
 * store's result, or its error as plain data. Started with a source in workerData, it opens it at
 * once; started without one (a spare thread the editor keeps ready), it loads SQLite's
 * WebAssembly meanwhile and opens the source the first message names.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore, type OpenStoreOptions } from './openStore';
import { loadSqlJs } from './sqlite/sqlJs';
import type { Store } from './store';
import { OPTIONAL_STORE_METHODS, serializeError, type WorkerMessage, type WorkerReply } from './workerStore';

const port = parentPort;
if (port === null) throw new Error('storeWorker runs in a worker thread');
const post = (reply: WorkerReply) => port.postMessage(reply);
const given = workerData as { path: string | null; options: OpenStoreOptions };

let opening: Promise<Store> | undefined;
const open = (path: string, options: OpenStoreOptions) => {
  opening = openStore(path, options);
  opening.then(
    (store) => post({ type: 'ready', optional: OPTIONAL_STORE_METHODS.filter((method) => typeof store[method] === 'function') }),
    (error: unknown) => post({ type: 'failed', error: serializeError(error) }),
  );
};
if (given.path !== null) open(given.path, given.options);
// A spare thread: the engine is compiled before a source is named (a failure shows at the open).
else loadSqlJs(given.options.wasmPath === undefined ? {} : { wasmPath: given.options.wasmPath }).catch(() => undefined);

port.on('message', (message: WorkerMessage) => {
  if (message.type === 'open') {
    if (opening === undefined) open(message.path, message.options);
    return;
  }
  void (async () => {
    try {
      const store = (await opening) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const method = store[message.method];
      if (typeof method !== 'function') throw new Error(`the store has no method ${message.method}`);
      post({ type: 'answer', id: message.id, value: await method.apply(store as unknown as Store, [...message.args]) });
    } catch (error) {
      post({ type: 'error', id: message.id, error: serializeError(error) });
    }
  })();
});

/**
 * The worker-thread side of workerStore.ts: opens the source given in workerData and answers
 * each call with the store's result, or its error as plain data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore, type OpenStoreOptions } from './openStore';
import type { Store } from './store';
import { OPTIONAL_STORE_METHODS, serializeError, type WorkerCall, type WorkerReply } from './workerStore';

const port = parentPort;
if (port === null) throw new Error('storeWorker runs in a worker thread');
const { path, options } = workerData as { path: string; options: OpenStoreOptions };
const post = (reply: WorkerReply) => port.postMessage(reply);

const opening = openStore(path, options);
opening.then(
  (store) => post({ type: 'ready', optional: OPTIONAL_STORE_METHODS.filter((method) => typeof store[method] === 'function') }),
  (error: unknown) => post({ type: 'failed', error: serializeError(error) }),
);

port.on('message', (message: WorkerCall) => {
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

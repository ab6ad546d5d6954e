/**
 * A store that lives in a worker thread: every call is a message, every answer plain data, so
 * the thread that holds the proxy (the editor's extension host) never runs the store's work
 * itself — no SQL, no parsing of a large file — and keeps answering while a source loads.
 * Closing the proxy closes the store (which stops a count under way) and ends the thread; a
 * signal given to the open ends it while it is still opening.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../platform/workerThreads';
import { describeError, PitwallError, type PitwallErrorCode } from '../errors';
import { messages } from '../messages';
import type { OpenStoreOptions } from './openStore';
import type { Store } from './store';

/** Every method of the Store interface the proxy forwards (close is handled apart). */
export const STORE_METHODS = [
  'describe', 'refresh', 'counts', 'readModelVersions', 'readPredictions', 'readPredictionColumns', 'readPrediction', 'countPredictions',
  'readHealthSnapshots', 'readMetricSnapshots', 'readAlerts', 'readAlert', 'countAlerts', 'countAlertGroups', 'readRules', 'readAlertStates', 'readAcknowledgments',
  'readSilences', 'readDeliveries', 'readAlertContexts', 'readDriftResults', 'readDegradationAnalyses', 'readFeatureImportance', 'recordPrediction', 'recordOutcome',
  'recordHealthSnapshot', 'recordMetricSnapshot', 'appendAlert', 'acknowledgeAlerts', 'unacknowledgeAlerts', 'saveRule', 'deleteRule',
  'markRuleTriggered', 'updateAlertStates', 'saveSilence', 'expireSilence', 'recordDeliveries', 'recordAlertContexts', 'recordDriftResult',
  'recordDegradationAnalysis', 'recordFeatureImportance',
] as const satisfies readonly Exclude<keyof Store, 'close' | 'aggregateWindows' | 'explainWindows' | 'recordFirings' | 'countAlertsBySeverity' | 'readPredictionTime' | 'countOpenAlertsByModel' | 'countAlertsBySignature' | 'countFeatureValues' | 'readFeatureNames'>[];

/** Methods some stores have; the worker says which its store has. */
export const OPTIONAL_STORE_METHODS = ['aggregateWindows', 'explainWindows', 'recordFirings', 'countAlertsBySeverity', 'readPredictionTime', 'countOpenAlertsByModel', 'countAlertsBySignature', 'countFeatureValues', 'readFeatureNames'] as const satisfies readonly (keyof Store)[];

export type StoreMethod = (typeof STORE_METHODS)[number] | (typeof OPTIONAL_STORE_METHODS)[number] | 'close';

/** What crosses from the worker: a call's answer, or the store opened (with its optional methods) or not. */
export type WorkerReply =
  | { readonly type: 'ready'; readonly optional: readonly string[] }
  | { readonly type: 'failed'; readonly error: SerializedError }
  | { readonly type: 'answer'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

export interface WorkerCall {
  readonly type: 'call';
  readonly id: number;
  readonly method: StoreMethod;
  readonly args: readonly unknown[];
}

/** To a spare thread: the source to open. */
export interface WorkerOpen {
  readonly type: 'open';
  readonly path: string;
  readonly options: OpenStoreOptions;
}

export type WorkerMessage = WorkerCall | WorkerOpen;

export interface SerializedError {
  readonly code: PitwallErrorCode | null;
  readonly message: string;
}

export function serializeError(error: unknown): SerializedError {
  return { code: error instanceof PitwallError ? error.code : null, message: describeError(error) };
}

function errorOf(error: SerializedError): Error {
  return error.code === null ? new Error(error.message) : new PitwallError(error.code, error.message);
}

/** How long a closing store may take before its thread is ended anyway. */
const CLOSE_GRACE_MS = 5000;

export interface WorkerStoreOptions extends OpenStoreOptions {
  /** Ends the thread while the store is still opening: the open rejects. */
  readonly signal?: AbortSignal;
  /** A spare thread started earlier (startSpareStoreWorker) to open the source in, instead of a new one. */
  readonly spare?: Worker;
}

/**
 * A thread of the store worker started before any source is named: it loads its code and
 * SQLite's WebAssembly meanwhile, so that opening a source later starts with them ready.
 */
export function startSpareStoreWorker(script: string, wasmPath?: string): Worker {
  const worker = startWorker(script, { workerData: { path: null, options: wasmPath === undefined ? {} : { wasmPath } } });
  // A spare that is never used must not keep the process alive.
  worker.unref();
  worker.once('exit', () => stoppedSpares.add(worker));
  worker.on('error', () => undefined);
  return worker;
}

/** Spares whose thread ended before they were used: an open then starts a thread of its own. */
const stoppedSpares = new WeakSet<Worker>();

/** Opens the source in a worker thread running `script` (the bundled storeWorker.js), or in the spare given. */
export function openStoreInWorker(path: string, script: string, options: WorkerStoreOptions = {}): Promise<Store> {
  const { signal, spare: offered, ...storeOptions } = options;
  const spare = offered !== undefined && !stoppedSpares.has(offered) ? offered : undefined;
  const worker = spare ?? startWorker(script, { workerData: { path, options: storeOptions } });
  if (spare !== undefined) {
    spare.ref();
    spare.postMessage({ type: 'open', path, options: storeOptions } satisfies WorkerOpen);
  }
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let stopped: Error | undefined;

  return new Promise<Store>((resolveOpen, rejectOpen) => {
    const stop = (error: Error) => {
      stopped ??= error;
      rejectOpen(error);
      for (const call of pending.values()) call.reject(error);
      pending.clear();
    };
    const onAbort = () => {
      stop(new PitwallError('input', messages.storeOpenCancelled(path)));
      void worker.terminate();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    const call = (method: StoreMethod, args: readonly unknown[]): Promise<unknown> =>
      new Promise((resolve, reject) => {
        if (stopped !== undefined) return reject(stopped);
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'call', id, method, args } satisfies WorkerCall);
      });

    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') {
        signal?.removeEventListener('abort', onAbort);
        resolveOpen(proxy(reply.optional));
      } else if (reply.type === 'failed') {
        signal?.removeEventListener('abort', onAbort);
        stop(errorOf(reply.error));
        void worker.terminate();
      } else {
        const waiting = pending.get(reply.id);
        pending.delete(reply.id);
        if (reply.type === 'answer') waiting?.resolve(reply.value);
        else waiting?.reject(errorOf(reply.error));
      }
    });
    worker.on('error', (error) => stop(new PitwallError('internal', messages.storeWorkerFailed(path, describeError(error)), { cause: error })));
    worker.on('exit', (code) => stop(new PitwallError('internal', messages.storeWorkerStopped(path, code))));

    const proxy = (optional: readonly string[]): Store => {
      const store: Record<string, unknown> = {};
      for (const method of [...STORE_METHODS, ...OPTIONAL_STORE_METHODS]) {
        if ((OPTIONAL_STORE_METHODS as readonly string[]).includes(method) && !optional.includes(method)) continue;
        store[method] = (...args: unknown[]) => call(method, args);
      }
      let closing: Promise<void> | undefined;
      store.close = () =>
        (closing ??= (async () => {
          if (stopped !== undefined) return;
          const grace = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
          try {
            await call('close', []);
          } catch {
            // A thread that died or was ended has nothing left to close.
          } finally {
            clearTimeout(grace);
            await worker.terminate();
          }
        })());
      return store as unknown as Store;
    };
  });
}

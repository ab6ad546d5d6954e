/**
 * node:worker_threads, loaded when a thread is first started: a brief command (the newest
 * alerts, one acknowledgment) starts none, and loading the module is a few milliseconds of its start.
 */
import { createRequire } from 'node:module';
import type * as WorkerThreads from 'node:worker_threads';

let workerThreads: typeof WorkerThreads | undefined;

/** A new thread running `script` (WorkerThreads.Worker, from the module loaded on first use). */
export function startWorker(script: string, options?: WorkerThreads.WorkerOptions): WorkerThreads.Worker {
  workerThreads ??= createRequire(__filename)('node:worker_threads') as typeof WorkerThreads;
  return new workerThreads.Worker(script, options);
}

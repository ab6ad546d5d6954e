/**
 * A worker thread that decodes a run of leaf pages of a shared database image (predictionScan.ts)
 * and sends the columns back, transferring their buffers. Bundled as dist/scanWorker.js.
 */
import { parentPort } from 'node:worker_threads';
import { decodeLeaves, type ScanPlan } from './predictionScan';

export interface ScanRequest {
  readonly image: Uint8Array;
  readonly plan: ScanPlan;
  readonly leaves: readonly number[];
  readonly features: readonly string[];
}

parentPort?.on('message', (request: ScanRequest) => {
  const chunk = decodeLeaves(request.image, request.plan, request.leaves, request.features);
  parentPort?.postMessage(chunk, [chunk.timestamp.buffer, chunk.versionCode.buffer, chunk.predicted.buffer, chunk.confidence.buffer, chunk.actual.buffer] as ArrayBuffer[]);
});

/**
 * A worker thread that decodes a run of leaf pages of a database file (predictionScan.ts), a
 * batch at a time, and sends the columns back, transferring their buffers. Bundled as
 * dist/scanWorker.js.
 */
import { parentPort } from 'node:worker_threads';
import { runScanRequest, type ScanRequest } from './predictionScan';

parentPort?.on('message', (request: ScanRequest) => {
  const chunks = runScanRequest(request);
  const buffers = chunks.flatMap((chunk) => [chunk.timestamp.buffer, chunk.versionCode.buffer, chunk.predicted.buffer, chunk.confidence.buffer, chunk.actual.buffer]);
  parentPort?.postMessage(chunks, buffers as ArrayBuffer[]);
});

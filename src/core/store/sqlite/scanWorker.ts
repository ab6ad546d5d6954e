/**
 * A worker thread that decodes a run of leaf pages of a shared database image (predictionScan.ts),
 * loading them from the file first when the image is filled page by page, and sends the columns
 * back, transferring their buffers. Bundled as dist/scanWorker.js.
 */
import { parentPort } from 'node:worker_threads';
import { runScanRequest, type ScanRequest } from './predictionScan';

parentPort?.on('message', (request: ScanRequest) => {
  const chunk = runScanRequest(request);
  parentPort?.postMessage(chunk, [chunk.timestamp.buffer, chunk.versionCode.buffer, chunk.predicted.buffer, chunk.confidence.buffer, chunk.actual.buffer] as ArrayBuffer[]);
});

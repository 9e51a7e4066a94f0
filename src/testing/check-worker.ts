/** A worker thread of a parallel check (parallel.ts): runs the runs it claims, posts what it found. */
import { parentPort, workerData } from 'node:worker_threads';
import { throttledProgress, workerError, type WorkerMessage } from '../load/worker-threads.js';
import { runClaimedRuns, type CheckWorkerData, type SliceResult } from './parallel.js';

const post = (message: WorkerMessage<SliceResult>) => parentPort?.postMessage(message);
try {
  const progress = throttledProgress(post);
  const result = runClaimedRuns(workerData as CheckWorkerData, progress.report);
  progress.flush();
  post({ type: 'done', result });
} catch (error) {
  post(workerError(error));
}

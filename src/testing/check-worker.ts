/** A worker thread of a parallel check (parallel.ts): runs the runs it claims, posts what it found. */
import { parentPort, workerData } from 'node:worker_threads';
import { workerError, type WorkerMessage } from '../load/worker-threads.js';
import { runClaimedRuns, type CheckWorkerData, type SliceResult } from './parallel.js';

const post = (message: WorkerMessage<SliceResult>) => parentPort?.postMessage(message);
try {
  post({ type: 'done', result: runClaimedRuns(workerData as CheckWorkerData, (done) => post({ type: 'progress', done })) });
} catch (error) {
  post(workerError(error));
}

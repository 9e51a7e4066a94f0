/** A worker thread of a parallel search (search-parallel.ts): plans the mixes it claims, posts their outcomes. */
import { parentPort, workerData } from 'node:worker_threads';
import { throttledProgress, workerError, type WorkerMessage } from '../load/worker-threads.js';
import { planClaimedMixes, type IndexedOutcome, type SearchWorkerData } from './search-parallel.js';

const post = (message: WorkerMessage<IndexedOutcome[]>) => parentPort?.postMessage(message);
try {
  const progress = throttledProgress(post);
  const result = planClaimedMixes(workerData as SearchWorkerData, progress.report);
  progress.flush();
  post({ type: 'done', result });
} catch (error) {
  post(workerError(error));
}

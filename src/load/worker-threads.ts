/**
 * Worker threads that load twin's own code the way the main thread loaded it: from dist/ as
 * plain JavaScript, and from src/ (tests, `npm run bench`, `tsx src/cli/entry.ts`) through tsx,
 * registered in the worker before its module is imported. A worker receives plain data (a
 * resolved cluster, manifests, options), never a user's module: a cluster or scenario file runs
 * once, in the main thread, and its errors are reported once.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BugError, ConfigError, InterruptedError } from '../errors.js';

/** The default `--workers`: every core Node reports (os.availableParallelism, Node ≥ 18.14). */
export function defaultWorkerCount(): number {
  return availableParallelism();
}

/** `--workers N`: a whole number from 1 to 256. */
export function workerCountOption(flag: string, written: string | number): number {
  const value = typeof written === 'number' ? written : written.trim() === '' ? Number.NaN : Number(written);
  if (!Number.isInteger(value) || value < 1 || value > 256)
    throw ConfigError.single(flag, '', `${JSON.stringify(written)} is not a whole number from 1 to 256`, `e.g. ${flag} 2`);
  return value;
}

/** What a worker module posts to its parent. */
export type WorkerMessage<R> =
  | { readonly type: 'progress'; readonly done: number }
  | { readonly type: 'done'; readonly result: R }
  | { readonly type: 'error'; readonly message: string; readonly config?: { file: string; problems: ConfigError['problems'] } };

/** Starts `module` (a sibling's `new URL('./x.js', import.meta.url)`) with `data`. */
function startWorker(module: URL, data: unknown): Worker {
  const source = module.href.replace(/\.js$/, '.ts');
  if (!import.meta.url.endsWith('.ts')) return new Worker(module, { workerData: data });
  // From source: register tsx in the worker first (its ESM API, resolved from here so that it is
  // the tsx twin depends on), then import the TypeScript module.
  const tsx = tsxModuleApi();
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

/** tsx's ESM API (its package.json `exports["./esm/api"].import`), as a file URL: an eval'd worker resolves nothing from here. */
function tsxModuleApi(): string {
  const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const entry = manifest.exports['./esm/api']?.import.default ?? './dist/esm/api/index.mjs';
  return pathToFileURL(join(dirname(manifestPath), entry)).href;
}

export interface WorkerRun<R> {
  readonly module: URL;
  /** One entry per worker: the data it is started with. */
  readonly data: readonly unknown[];
  /** Called with the total of runs done, as workers report them. */
  readonly onProgress?: (done: number) => void;
  /** Aborting terminates every worker and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Turns a worker's result back into a value (results cross as structured clones). */
  readonly result?: (value: unknown) => R;
}

/** Runs one worker per `data` entry and resolves with their results in the same order. */
export async function runWorkers<R>(run: WorkerRun<R>): Promise<R[]> {
  run.signal?.throwIfAborted();
  const workers = run.data.map((data) => startWorker(run.module, data));
  const progress = run.data.map(() => 0);
  const stopAll = () => Promise.all(workers.map((w) => w.terminate()));
  const onAbort = () => void stopAll();
  run.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.all(
      workers.map(
        (worker, index) =>
          new Promise<R>((resolve, reject) => {
            let settled = false;
            worker.on('message', (message: WorkerMessage<R>) => {
              if (message.type === 'progress') {
                progress[index] = message.done;
                run.onProgress?.(progress.reduce((a, b) => a + b, 0));
              } else if (message.type === 'done') {
                settled = true;
                resolve(run.result ? run.result(message.result) : message.result);
              } else {
                settled = true;
                reject(message.config ? new ConfigError(message.config.file, message.config.problems) : new BugError(message.message));
              }
            });
            worker.on('error', (error) => {
              settled = true;
              reject(new BugError(`worker thread failed: ${error.message}`));
            });
            worker.on('exit', (code) => {
              if (settled) return;
              if (run.signal?.aborted) reject(run.signal.reason ?? new InterruptedError('interrupted'));
              else reject(new BugError(`worker thread exited with code ${code} before its result`));
            });
          }),
      ),
    );
  } catch (error) {
    await stopAll();
    throw run.signal?.aborted ? (run.signal.reason ?? error) : error;
  } finally {
    run.signal?.removeEventListener('abort', onAbort);
  }
}

/** How often a worker reports its progress at most: a message per run cost a tenth of a check's time. */
const progressEveryMs = 100;

/**
 * A worker's progress callback that posts at most every {@link progressEveryMs} (the progress line
 * needs no more), and `flush` for the last count, posted before the result.
 */
export function throttledProgress(post: (message: WorkerMessage<never>) => void): { report: (done: number) => void; flush: () => void } {
  let last = 0;
  let pending: number | null = null;
  const send = (done: number) => {
    pending = null;
    last = performance.now();
    post({ type: 'progress', done });
  };
  return {
    report: (done) => (performance.now() - last >= progressEveryMs ? send(done) : void (pending = done)),
    flush: () => (pending === null ? undefined : send(pending)),
  };
}

/** The message a worker posts for an error it met (a ConfigError keeps its file and problems). */
export function workerError(error: unknown): WorkerMessage<never> {
  if (error instanceof ConfigError)
    return { type: 'error', message: error.message, config: { file: error.file, problems: error.problems } };
  return { type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}

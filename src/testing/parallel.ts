/**
 * A check on worker threads, with results byte-identical to one thread for the same seed.
 *
 * fast-check draws run i's schedule from the seed and i alone, so any thread can draw it. Each
 * worker walks fast-check's run order with the same seed and runs the runs it claims (a shared
 * flag per run, so a long schedule does not hold the others up); a failure lowers a shared
 * "first failure" mark and runs after it are skipped. When every worker is done, every run before
 * the first failure has passed, so that failure is the one a single thread meets first; the main
 * thread then replays it from its fast-check path and shrinks it, as the single thread does
 * (check.ts `shrinkFrom`). A shard (`--shard I/N`) is the runs i with i mod N = I - 1.
 */
import fc from 'fast-check';
import type { KubernetesObject } from '@kubernetes/client-node';
import { inShard, wholeSweep, type Shard } from '../load/shards.js';
import { defaultWorkerCount, runWorkers } from '../load/worker-threads.js';
import type { Cluster } from '../model/cluster.js';
import { checkResilience, holds, passedCheck, prepareCheck, shrinkFrom, type CheckResult, type PreparedCheck } from './check.js';
import { propertyFromSpec, type PropertySpec } from './properties.js';
import type { ScheduleBounds } from './schedules.js';

/** A check as plain data: what a worker thread or a shard needs to run its slice. */
export interface CheckJob {
  readonly cluster: Cluster;
  readonly objects: readonly KubernetesObject[];
  readonly property: PropertySpec;
  readonly runs?: number;
  readonly bounds?: ScheduleBounds;
}

export interface SliceOptions {
  /** Worker threads (default: every core); 1 runs in this thread. */
  readonly workers?: number;
  /** The slice of the runs (default: all of them). */
  readonly shard?: Shard;
  /** Called as runs finish, with the count of runs done in this slice and the slice's size. */
  readonly onRun?: (done: number, total: number) => void;
  /** Aborting stops the workers (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** What a slice found: the first failing run in fast-check's order, if any. */
export interface SliceResult {
  /** Runs of the slice that ran. */
  readonly ran: number;
  /** 0-based index of the first failing run of the slice, or null when every run held. */
  readonly firstFailure: number | null;
}

/** The data a check worker starts with. */
export interface CheckWorkerData {
  readonly job: CheckJob;
  readonly seed: number;
  readonly shard: Shard;
  /** Int32 per run: 1 once a thread has claimed it. */
  readonly claims: SharedArrayBuffer;
  /** Int32[1]: the lowest failing run so far (`runs` when none). */
  readonly lowest: SharedArrayBuffer;
}

/** A seed as fast-check picks one when none is given (its `QualifiedParameters`): the time, mixed with a random word. */
export function pickSeed(seed: number | undefined): number {
  return seed ?? Date.now() ^ (Math.random() * 0x100000000);
}

/** The check a job describes, validated. */
export function prepareJob(job: CheckJob, seed?: number): PreparedCheck {
  return prepareCheck(job.cluster, job.objects, propertyFromSpec(job.property), {
    ...(job.runs !== undefined ? { runs: job.runs } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(job.bounds ? { bounds: job.bounds } : {}),
  });
}

/** Runs the claimed runs of a slice, in one thread (a worker's body). */
export function runClaimedRuns(data: CheckWorkerData, onDone: (done: number) => void = () => {}): SliceResult {
  const check = prepareJob(data.job, data.seed);
  const claims = new Int32Array(data.claims);
  const lowest = new Int32Array(data.lowest);
  let run = 0;
  let ran = 0;
  let firstFailure: number | null = null;
  fc.check(
    fc.property(check.arbitrary, ([faults, simSeed]) => {
      const i = run++;
      if (!inShard(data.shard, i) || i > Atomics.load(lowest, 0) || Atomics.compareExchange(claims, i, 0, 1) !== 0) return true;
      let ok: boolean;
      try {
        ok = holds(check, faults, simSeed);
      } catch {
        ok = false; // fast-check counts a thrown error as a failure; so does the single thread.
      }
      onDone(++ran);
      if (ok) return true;
      firstFailure = i;
      for (let seen = Atomics.load(lowest, 0); i < seen; seen = Atomics.load(lowest, 0))
        if (Atomics.compareExchange(lowest, 0, seen, i) === seen) break;
      return false; // this thread's later runs come after a failure: no need to run them
    }),
    { numRuns: check.runs, seed: data.seed, endOnFailure: true },
  );
  return { ran, firstFailure };
}

/** How many of `runs` runs fall in the shard. */
function sliceSize(runs: number, shard: Shard): number {
  return Math.floor(runs / shard.count) + (shard.index - 1 < runs % shard.count ? 1 : 0);
}

/** Searches one slice of a check for its first failing run, on `workers` threads. */
export async function searchSlice(job: CheckJob, seed: number, options: SliceOptions = {}): Promise<SliceResult> {
  const shard = options.shard ?? wholeSweep;
  const runs = prepareJob(job, seed).runs;
  const total = sliceSize(runs, shard);
  const workers = Math.max(1, Math.min(options.workers ?? defaultWorkerCount(), total));
  const data: CheckWorkerData = {
    job,
    seed,
    shard,
    claims: new SharedArrayBuffer(4 * runs),
    lowest: new SharedArrayBuffer(4),
  };
  new Int32Array(data.lowest)[0] = runs;
  if (workers === 1) return runClaimedRuns(data, (done) => options.onRun?.(done, total));
  const results = await runWorkers<SliceResult>({
    module: new URL('./check-worker.js', import.meta.url),
    data: Array.from({ length: workers }, () => data),
    onProgress: (done) => options.onRun?.(done, total),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const failures = results.map((r) => r.firstFailure).filter((f): f is number => f !== null);
  return { ran: results.reduce((n, r) => n + r.ran, 0), firstFailure: failures.length > 0 ? Math.min(...failures) : null };
}

/** The check's result from the first failing run over all slices (null: none failed). */
export function finishCheck(job: CheckJob, seed: number, firstFailure: number | null): CheckResult {
  const check = prepareJob(job, seed);
  return firstFailure === null ? passedCheck(check, seed) : shrinkFrom(check, seed, firstFailure);
}

/**
 * {@link checkResilience} for a built-in property, on worker threads: the same result for the
 * same seed, whatever the number of workers. One worker is checkResilience itself.
 */
export async function checkResilienceOnWorkers(
  job: CheckJob,
  options: SliceOptions & { readonly seed?: number; readonly path?: string } = {},
): Promise<CheckResult> {
  const workers = options.workers ?? defaultWorkerCount();
  if (workers === 1 || options.path !== undefined) {
    const { cluster, objects, property, ...rest } = job;
    return checkResilience(cluster, objects, propertyFromSpec(property), {
      ...rest,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.path !== undefined ? { path: options.path } : {}),
      ...(options.onRun ? { onRun: options.onRun } : {}),
    });
  }
  const seed = pickSeed(options.seed);
  const slice = await searchSlice(job, seed, { ...options, workers });
  return finishCheck(job, seed, slice.firstFailure);
}

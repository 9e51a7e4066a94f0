/**
 * `twin plan --search` on worker threads and in shards. Every mix is planned on its own, so the
 * search splits by mix: worker threads claim mixes in small chunks (a shared counter), a shard
 * takes the mixes i with i mod N = I - 1, and the outcomes, put back in the order the mixes are
 * planned, summarise exactly as one thread does (search.ts `summariseSearch`).
 */
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ConfigError } from '../errors.js';
import { ProfileRegistry } from '../load/profiles.js';
import { fingerprint, inShard, shardFileName, wholeSweep, type Shard, type ShardFile } from '../load/shards.js';
import { defaultWorkerCount, runWorkers } from '../load/worker-threads.js';
import type { HardwareProfile } from '../model/hardware-profile.js';
import { writeFileAtomic } from '../report/write.js';
import {
  evaluateMix,
  searchedMixes,
  searchedProfiles,
  summariseSearch,
  type MixOutcome,
  type SearchOptions,
  type SearchResult,
} from './search.js';

/** A search as plain data: the manifests, the profiles it combines, its options. */
export interface SearchJob {
  readonly objects: readonly KubernetesObject[];
  readonly profiles: readonly HardwareProfile[];
  readonly options: Omit<SearchOptions, 'onProgress'>;
}

/** A mix's outcome with its place in the search's order. */
export interface IndexedOutcome extends MixOutcome {
  readonly index: number;
}

export interface SearchSliceOptions {
  /** Worker threads (default: every core); 1 plans in this thread. */
  readonly workers?: number;
  readonly shard?: Shard;
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** The data a search worker starts with. */
export interface SearchWorkerData {
  readonly job: SearchJob;
  /** The mixes of the slice, by index. */
  readonly indices: readonly number[];
  /** Int32[1]: the next position in `indices` to claim. */
  readonly next: SharedArrayBuffer;
}

/** Mixes a worker claims at a time: small enough to balance, large enough that claiming costs nothing. */
const chunk = 4;

/** Plans the mixes a thread claims (a worker's body). */
export function planClaimedMixes(data: SearchWorkerData, onDone: (done: number) => void = () => {}): IndexedOutcome[] {
  const { objects, profiles, options } = data.job;
  const registry = new ProfileRegistry(profiles);
  const mixes = searchedMixes(profiles.length, options.maxNodes);
  const next = new Int32Array(data.next);
  const outcomes: IndexedOutcome[] = [];
  for (let at = Atomics.add(next, 0, chunk); at < data.indices.length; at = Atomics.add(next, 0, chunk))
    for (const index of data.indices.slice(at, at + chunk)) {
      outcomes.push({ index, ...evaluateMix(objects, registry, profiles, options, mixes[index] ?? []) });
      onDone(outcomes.length);
    }
  return outcomes;
}

/** The job for a search over `registry`'s profiles. */
export function searchJob(objects: readonly KubernetesObject[], registry: ProfileRegistry, options: SearchOptions): SearchJob {
  const { onProgress: _, ...rest } = options;
  return { objects, profiles: searchedProfiles(registry, options), options: rest };
}

/** Plans one slice of a search on `workers` threads; the outcomes in the search's order. */
export async function searchSliceOfMixes(job: SearchJob, options: SearchSliceOptions = {}): Promise<IndexedOutcome[]> {
  const shard = options.shard ?? wholeSweep;
  const total = searchedMixes(job.profiles.length, job.options.maxNodes).length;
  const indices = Array.from({ length: total }, (_, i) => i).filter((i) => inShard(shard, i));
  const data: SearchWorkerData = { job, indices, next: new SharedArrayBuffer(4) };
  const workers = Math.max(1, Math.min(options.workers ?? defaultWorkerCount(), Math.ceil(indices.length / chunk)));
  const onProgress = (done: number) => options.onProgress?.(done, indices.length);
  const outcomes =
    workers === 1
      ? planClaimedMixes(data, onProgress)
      : (
          await runWorkers<IndexedOutcome[]>({
            module: new URL('./search-worker.js', import.meta.url),
            data: Array.from({ length: workers }, () => data),
            onProgress,
            ...(options.signal ? { signal: options.signal } : {}),
          })
        ).flat();
  return outcomes.sort((a, b) => a.index - b.index);
}

/** {@link searchMixes} on worker threads: the same result, whatever the number of workers. */
export async function searchMixesOnWorkers(
  objects: readonly KubernetesObject[],
  registry: ProfileRegistry,
  options: SearchOptions & Omit<SearchSliceOptions, 'shard' | 'onProgress'>,
): Promise<SearchResult> {
  const { workers, signal, ...search } = options;
  const outcomes = await searchSliceOfMixes(searchJob(objects, registry, search), {
    ...(workers !== undefined ? { workers } : {}),
    ...(signal ? { signal } : {}),
    ...(search.onProgress ? { onProgress: search.onProgress } : {}),
  });
  return summariseSearch(outcomes);
}

/** What a search shard planned (the `result` of its shard file). */
export interface SearchShardResult {
  /** Mixes of the whole search. */
  readonly mixes: number;
  readonly outcomes: readonly IndexedOutcome[];
}

/** Writes a search shard's file into `dir` (atomically) and returns its path. */
export function writeSearchShard<A>(dir: string, job: SearchJob, shard: Shard, args: A, outcomes: readonly IndexedOutcome[]): string {
  const file: ShardFile<A, SearchShardResult> = {
    kind: 'twin-shard',
    version: 1,
    command: 'plan-search',
    shard,
    seed: null,
    fingerprint: fingerprint(job),
    args,
    result: { mixes: searchedMixes(job.profiles.length, job.options.maxNodes).length, outcomes },
  };
  const path = join(dir, shardFileName(shard));
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}

/** The search's result from its shards' files (readShards checked they belong together). */
export function mergeSearchShards(files: readonly ShardFile[]): SearchResult {
  const outcomes = files
    .flatMap((f) => {
      const held = (f.result as Partial<SearchShardResult>).outcomes;
      return Array.isArray(held) && held.every((o) => typeof o?.index === 'number') ? held : [];
    })
    .sort((a, b) => a.index - b.index);
  const mixes = (files[0]?.result as SearchShardResult | undefined)?.mixes ?? 0;
  const gap = outcomes.findIndex((o, i) => o.index !== i);
  if (outcomes.length !== mixes || gap >= 0)
    throw ConfigError.single(
      'twin merge',
      '',
      `the shards hold ${outcomes.length} of ${mixes} mixes`,
      'rerun the shards with the same flags',
    );
  return summariseSearch(outcomes);
}

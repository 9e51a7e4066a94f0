/**
 * `twin check --shard I/N`: a shard searches its slice of the runs (parallel.ts) and writes where
 * its first failure is; merging takes the first failure over all shards, in fast-check's global
 * run order, and shrinks from it in this process: the minimal failure and the reproduction file
 * are the ones one unsharded run with the same seed finds.
 */
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { fingerprint, shardFileName, type Shard, type ShardFile } from '../load/shards.js';
import { writeFileAtomic } from '../report/write.js';
import type { CheckResult } from './check.js';
import { finishCheck, prepareJob, type CheckJob, type SliceResult } from './parallel.js';

/** What a check shard found in its slice (the `result` of its shard file). */
export interface CheckShardResult extends SliceResult {
  /** Runs of the whole check (every shard's slice together). */
  readonly runs: number;
}

/** The digest shards of one check share: the resolved cluster, manifests, property, bounds, runs and seed. */
export function checkFingerprint(job: CheckJob, seed: number): string {
  return fingerprint({ job, seed });
}

/** Writes a check shard's file into `dir` (atomically) and returns its path. */
export function writeCheckShard<A>(dir: string, job: CheckJob, seed: number, shard: Shard, args: A, slice: SliceResult): string {
  const file: ShardFile<A, CheckShardResult> = {
    kind: 'twin-shard',
    version: 1,
    command: 'check',
    shard,
    seed,
    fingerprint: checkFingerprint(job, seed),
    args,
    result: { runs: prepareJob(job, seed).runs, ...slice },
  };
  const path = join(dir, shardFileName(shard));
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}

/** The check's result from its shards' files, `job` being the inputs loaded again from their flags. */
export function mergeCheckShards(files: readonly ShardFile[], job: CheckJob): CheckResult {
  const first = files[0];
  if (!first || first.seed === null)
    throw ConfigError.single('twin merge', '', 'no check shard given', 'name the shards\u2019 --out directories');
  const seed = first.seed;
  if (checkFingerprint(job, seed) !== first.fingerprint)
    throw ConfigError.single(
      `shard ${first.shard.index}/${first.shard.count}`,
      'fingerprint',
      'the cluster, manifests or flags differ now from what the shards ran',
      'merge where the shards\u2019 inputs are, unchanged, or rerun the shards',
    );
  const failures = files
    .map((f) => (f.result as Partial<CheckShardResult>).firstFailure)
    .filter((f): f is number => typeof f === 'number' && Number.isInteger(f) && f >= 0);
  return finishCheck(job, seed, failures.length > 0 ? Math.min(...failures) : null);
}

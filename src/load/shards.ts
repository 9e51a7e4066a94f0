/**
 * Shards: `--shard I/N` runs the I-th of N deterministic slices of a sweep (`twin check`,
 * `twin plan --search`) and writes its partial result as a shard file; `twin merge` reads the
 * N files back. This module parses the flag and reads and cross-checks the files; what a slice
 * holds and how results combine belong to the sweep (testing/shards.ts, plan/search-shards.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { displayPath } from './files.js';

/** One slice of N: `index` counts from 1. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The whole sweep, as one shard. */
export const wholeSweep: Shard = Object.freeze({ index: 1, count: 1 });

/** More shards than this is a typo: each shard is a process, usually a pod. */
const maxShards = 10_000;

/**
 * `--shard I/N`, 1 ≤ I ≤ N. `auto/N` takes I from `JOB_COMPLETION_INDEX` (0-based), the index a
 * Kubernetes Indexed Job gives each pod (https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode).
 */
export function shardOption(flag: string, written: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const match = /^(\d+|auto)\/(\d+)$/.exec(written.trim());
  const count = match ? Number(match[2]) : Number.NaN;
  const fromJob = env['JOB_COMPLETION_INDEX'];
  if (match?.[1] === 'auto' && (fromJob === undefined || !/^\d+$/.test(fromJob)))
    throw ConfigError.single(
      flag,
      '',
      `"${written}" needs JOB_COMPLETION_INDEX (an Indexed Job's pod index)`,
      `give the index: --shard 1/${count}`,
    );
  const index = match?.[1] === 'auto' ? Number(fromJob) + 1 : Number(match?.[1]);
  if (!match || count < 1 || count > maxShards || index < 1 || index > count)
    throw ConfigError.single(
      flag,
      '',
      `"${written}" is not a shard I/N with 1 ≤ I ≤ N ≤ ${maxShards}`,
      'e.g. --shard 2/3 runs the second of three slices',
    );
  return { index, count };
}

/** Whether run `i` (0-based, in the sweep's order) belongs to the shard: every N-th, from I - 1. */
export function inShard(shard: Shard, i: number): boolean {
  return i % shard.count === shard.index - 1;
}

/** The file a shard writes into its `--out` directory. */
export function shardFileName(shard: Shard): string {
  return `shard-${shard.index}-of-${shard.count}.json`;
}

/** A stable digest of a sweep's inputs: shards of one sweep carry the same. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** What every shard file starts with; `result` is the sweep's own. */
export interface ShardFile<A = unknown, R = unknown> {
  readonly kind: 'twin-shard';
  readonly version: 1;
  readonly command: 'check' | 'plan-search';
  readonly shard: Shard;
  readonly seed: number | null;
  readonly fingerprint: string;
  /** The command's flags, so that `twin merge` can load the same inputs and print the same output. */
  readonly args: A;
  readonly result: R;
}

/** Shard files named by `paths`: a directory stands for the `shard-*.json` files in it. */
function shardPaths(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    if (!existsSync(path)) throw ConfigError.single(displayPath(path), '', 'not found', 'name the --out directory of each shard');
    if (!statSync(path).isDirectory()) return [path];
    const files = readdirSync(path)
      .filter((name) => /^shard-\d+-of-\d+\.json$/.test(name))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .map((name) => join(path, name));
    if (files.length === 0)
      throw ConfigError.single(displayPath(path), '', 'holds no shard-I-of-N.json file', 'name the --out directory of a --shard run');
    return files;
  });
}

function readShardFile(path: string): ShardFile {
  const file = displayPath(path);
  let parsed: Partial<ShardFile>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ShardFile>;
  } catch (error) {
    throw ConfigError.single(file, '', `not JSON: ${(error as Error).message}`, 'rerun the shard that wrote it');
  }
  const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (
    !isObject(parsed) ||
    parsed.kind !== 'twin-shard' ||
    parsed.version !== 1 ||
    !isObject(parsed.shard) ||
    parsed.args === undefined ||
    !isObject(parsed.result)
  )
    throw ConfigError.single(
      file,
      'kind',
      'is not a twin shard file (kind twin-shard, version 1)',
      'name files written by --shard I/N --out',
    );
  return parsed as ShardFile;
}

/**
 * Reads the shard files of one sweep, in shard order: one for every index 1..N, all from the
 * same command, seed and inputs. Anything else is one line naming the file and the fix.
 */
export function readShards(paths: readonly string[]): ShardFile[] {
  const files = shardPaths(paths).map((path) => ({ path, shard: readShardFile(path) }));
  const first = files[0];
  if (!first) throw ConfigError.single('twin merge', '', 'no shard file given', 'name the --out directories of the shards');
  const rerun = (what: string) => `rerun it with the same flags as the others${what}, or leave it out`;
  const byIndex = new Map<number, string>();
  for (const { path, shard } of files) {
    const file = displayPath(path);
    if (shard.command !== first.shard.command)
      throw ConfigError.single(
        file,
        'command',
        `is a ${shard.command} shard, ${displayPath(first.path)} a ${first.shard.command} one`,
        rerun(''),
      );
    if (shard.shard.count !== first.shard.shard.count)
      throw ConfigError.single(
        file,
        'shard',
        `is one of ${shard.shard.count} shards, ${displayPath(first.path)} one of ${first.shard.shard.count}`,
        rerun(` (--shard I/${first.shard.shard.count})`),
      );
    if (shard.seed !== first.shard.seed)
      throw ConfigError.single(file, 'seed', `has seed ${shard.seed}, ${displayPath(first.path)} seed ${first.shard.seed}`, rerun(''));
    if (shard.fingerprint !== first.shard.fingerprint)
      throw ConfigError.single(
        file,
        'fingerprint',
        `ran other inputs than ${displayPath(first.path)} (cluster, manifests or flags)`,
        rerun(''),
      );
    const seen = byIndex.get(shard.shard.index);
    if (seen !== undefined)
      throw ConfigError.single(
        file,
        'shard',
        `shard ${shard.shard.index}/${shard.shard.count} again (also in ${seen})`,
        'name each shard once',
      );
    byIndex.set(shard.shard.index, file);
  }
  const count = first.shard.shard.count;
  for (let index = 1; index <= count; index++)
    if (!byIndex.has(index))
      throw ConfigError.single(
        displayPath(first.path),
        'shard',
        `shard ${index}/${count} is missing`,
        `run it with --shard ${index}/${count} and name its --out directory too`,
      );
  return files.map((f) => f.shard).sort((a, b) => a.shard.index - b.shard.index);
}

/**
 * The lines a shard's pod prints around its shard file (`twin export job`): the pods' logs carry
 * the results, and `twin merge --from-job` cuts each file out of its pod's log.
 */
export const shardLogMarkers = Object.freeze({
  begin: '----- begin twin shard file -----',
  end: '----- end twin shard file -----',
});

/** The shard file a pod's log holds between {@link shardLogMarkers}, or null when it holds none (the last one, if several). */
export function shardFromLog(log: string): string | null {
  const lines = log.split('\n');
  const begin = lines.lastIndexOf(shardLogMarkers.begin);
  if (begin < 0) return null;
  const end = lines.indexOf(shardLogMarkers.end, begin + 1);
  if (end < 0) return null;
  return `${lines.slice(begin + 1, end).join('\n')}\n`;
}

/** `plan --search` on worker threads (run from source here) gives one thread's result, and so do its shards merged. */
import { describe, expect, it } from 'vitest';
import { loadManifests } from '../src/load/manifests.js';
import { ProfileRegistry } from '../src/load/profiles.js';
import { searchMixes } from '../src/plan/search.js';
import {
  mergeSearchShards,
  searchJob,
  searchMixesOnWorkers,
  searchSliceOfMixes,
  type SearchShardResult,
} from '../src/plan/search-parallel.js';
import type { ShardFile } from '../src/load/shards.js';

const registry = ProfileRegistry.load();
const objects = loadManifests(['scenarios/workloads/taskmaster']).map((m) => m.object);
const options = { profiles: ['pi4b-2gb', 'pi4b-4gb', 'pi5-4gb', 'pi5-8gb'], maxNodes: 4, tolerate: 1, budget: 500 };

describe('plan --search on worker threads', () => {
  it('ranks and groups rejections as one thread does, with 1, 2 and 3 workers and in 3 shards', async () => {
    const reference = JSON.stringify(searchMixes(objects, registry, options));
    expect(JSON.parse(reference).evaluated).toBe(69);
    for (const workers of [1, 2, 3])
      expect(JSON.stringify(await searchMixesOnWorkers(objects, registry, { ...options, workers })), `${workers} worker(s)`).toBe(
        reference,
      );
    const job = searchJob(objects, registry, options);
    const files = await Promise.all(
      [1, 2, 3].map(async (index): Promise<ShardFile> => {
        const outcomes = await searchSliceOfMixes(job, { shard: { index, count: 3 }, workers: 1 });
        const result: SearchShardResult = { mixes: 69, outcomes };
        return {
          kind: 'twin-shard',
          version: 1,
          command: 'plan-search',
          shard: { index, count: 3 },
          seed: null,
          fingerprint: '',
          args: {},
          result,
        };
      }),
    );
    expect(JSON.stringify(mergeSearchShards(files))).toBe(reference);
    expect(() => mergeSearchShards(files.slice(1))).toThrow(/the shards hold \d+ of 69 mixes/);
  });
});

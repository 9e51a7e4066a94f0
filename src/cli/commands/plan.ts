import type { Argv, CommandModule } from 'yargs';
import { ConfigError, ExpectationsFailedError } from '../../errors.js';
import { loadClusterFile } from '../../load/cluster.js';
import { loadManifests } from '../../load/manifests.js';
import { comparePlans, type ComparedPlan } from '../../plan/compare.js';
import { planCluster } from '../../plan/plan.js';
import { renderPlanHtml } from '../../plan/html.js';
import { renderCompareText, renderPlanText } from '../../plan/render.js';
import { searchMixes } from '../../plan/search.js';
import { searchJob, searchMixesOnWorkers, searchSliceOfMixes, writeSearchShard } from '../../plan/search-parallel.js';
import { displayPath } from '../../load/files.js';
import { shardOption } from '../../load/shards.js';
import { defaultWorkerCount, workerCountOption } from '../../load/worker-threads.js';
import { interruptible } from '../interrupt.js';
import { loadSearchInputs, maxSearchNodes, numberFlag, optionalNumber, printSearch } from '../search-job.js';
import { ProfileRegistry } from '../../load/profiles.js';
import { writeFileAtomic } from '../../report/write.js';
import { calibrationLoad, calibrationOption } from '../flags.js';
import { renderTable, writeOut } from '../output.js';

interface PlanArgs {
  readonly cluster?: string;
  readonly workloads: string[];
  readonly tolerate: string;
  readonly 'kwh-price'?: string;
  readonly json: boolean;
  readonly html?: string;
  readonly compare: string[];
  readonly search: boolean;
  readonly profiles: string;
  readonly 'max-nodes': string;
  readonly budget?: string;
  readonly 'max-watts'?: string;
  readonly 'profiles-dir': string[];
  readonly workers?: string;
  readonly shard?: string;
  readonly out?: string;
  readonly calibration?: string;
}

export const planCommand: CommandModule<object, PlanArgs> = {
  command: 'plan [cluster]',
  describe:
    'Capacity planning before buying hardware: fit, headroom, N-1 tolerance, power and cost; compare clusters or search hardware mixes',
  builder: (yargs: Argv) =>
    yargs
      .positional('cluster', { type: 'string', describe: 'cluster file' })
      .option('workloads', { alias: 'w', type: 'string', array: true, default: [] as string[], describe: 'manifest files or directories' })
      .option('tolerate', { type: 'string', default: '1', describe: 'failures to check: 1 = every node, 2 = every pair' })
      .option('kwh-price', { type: 'string', describe: 'electricity price in USD per kWh (default 0.165)' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
      .option('html', { type: 'string', describe: 'also write the plan as an HTML section to this file' })
      .option('compare', { type: 'string', array: true, default: [] as string[], describe: 'compare these cluster files side by side' })
      .option('search', { type: 'boolean', default: false, describe: 'search hardware mixes for the workloads' })
      .option('profiles', { type: 'string', default: 'pi4b-2gb,pi4b-4gb,pi5-4gb,pi5-8gb', describe: 'profiles to combine in --search' })
      .option('max-nodes', { type: 'string', default: '6', describe: `largest cluster in --search (1 to ${maxSearchNodes})` })
      .option('budget', { type: 'string', describe: 'hardware budget in USD for --search' })
      .option('max-watts', { type: 'string', describe: 'power limit in W for --search' })
      .option('workers', { type: 'string', describe: `worker threads for --search (default: every core, ${defaultWorkerCount()} here)` })
      .option('shard', { type: 'string', describe: '--search only slice I of N (I/N, or auto/N from JOB_COMPLETION_INDEX); needs --out' })
      .option('out', { type: 'string', describe: 'directory a --shard run writes its shard file to (twin merge joins them)' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .option('calibration', calibrationOption)
      .example('$0 plan scenarios/clusters/edgestack-pi3.ts -w scenarios/workloads/edgestack', 'fit, N-1, power for seed 000')
      .example(
        '$0 plan --compare scenarios/clusters/edgestack-pi3.ts scenarios/clusters/edgestack-pi4.yaml -w scenarios/workloads/edgestack',
        'seed 000: 7 × Pi 3B+ against 2 × Pi 4',
      )
      .example('$0 plan --search -w scenarios/workloads/edgestack --max-nodes 4 --budget 250', 'cheapest mixes that run it'),
  handler: async (args) => {
    const tolerate = numberFlag('--tolerate', args.tolerate, {
      integer: true,
      min: 1,
      max: 2,
      what: '1 or 2',
      hint: '1 checks every node, 2 every pair',
    });
    const kwhPrice = optionalNumber('--kwh-price', args['kwh-price'], {
      min: 0,
      what: 'a price of 0 or more USD per kWh',
      hint: 'e.g. --kwh-price 0.30',
    });
    const price = kwhPrice !== undefined ? { kwhPrice } : {};
    if (args.search) {
      if (args.cluster !== undefined || args.compare.length || args.html !== undefined)
        throw ConfigError.single(
          '--search',
          '',
          'builds its own clusters from --profiles',
          'drop CLUSTER, --compare and --html with --search',
        );
      const { objects, registry, options: search } = loadSearchInputs(args);
      const options = { ...search, ...searchProgress() };
      const workers = args.workers !== undefined ? workerCountOption('--workers', args.workers) : defaultWorkerCount();
      const shard = args.shard !== undefined ? shardOption('--shard', args.shard) : undefined;
      if (shard && args.out === undefined)
        throw ConfigError.single('--shard', '', 'needs --out, the directory its shard file goes to', 'e.g. --shard 1/3 --out shards/1');
      if (shard && args.out !== undefined) {
        const job = searchJob(objects, registry, options);
        const progress = options.onProgress ? { onProgress: options.onProgress } : {};
        const outcomes = await interruptible((signal) => searchSliceOfMixes(job, { shard, workers, signal, ...progress }));
        const file = writeSearchShard(args.out, job, shard, { json: args.json }, outcomes);
        writeOut(
          `shard ${shard.index}/${shard.count}: ${outcomes.length} mix(es) planned; wrote ${displayPath(file)} (twin merge joins them)`,
        );
        return;
      }
      const result =
        workers === 1
          ? searchMixes(objects, registry, options)
          : await interruptible((signal) => searchMixesOnWorkers(objects, registry, { ...options, workers, signal }));
      printSearch(result, args);
      return;
    }
    if (args.workers !== undefined || args.shard !== undefined || args.out !== undefined)
      throw ConfigError.single('--workers/--shard/--out', '', 'are for --search', 'add --search, or drop them');
    const registry = ProfileRegistry.load(args['profiles-dir']);
    const objects = loadManifests(args.workloads).map((m) => m.object);
    const files = args.compare.length ? args.compare : args.cluster ? [args.cluster] : [];
    if (files.length === 0)
      throw ConfigError.single('twin plan', 'CLUSTER', 'no cluster given', 'name a cluster file, or use --compare A B or --search');
    const clusters = [];
    for (const file of files) clusters.push(await loadClusterFile(file, { profiles: registry, ...calibrationLoad(args.calibration) }));
    const options = { tolerate, ...price };
    const plans: ComparedPlan[] = args.compare.length
      ? comparePlans(clusters, objects, options)
      : clusters.map((cluster) => ({ plan: planCluster(cluster, objects, options), bringUp: null }));
    if (args.html) writeFileAtomic(args.html, renderPlanHtml(plans.map(({ plan }) => plan)));
    if (args.json) writeOut(JSON.stringify(args.compare.length ? plans : plans[0]?.plan, null, 2));
    else if (args.compare.length) writeOut(renderCompareText(plans, renderTable));
    else if (plans[0]) writeOut(renderPlanText(plans[0].plan, renderTable));
    // Exit 1, like a failed expectation: a plan whose pods do not fit or that does not survive N-1 is a "no".
    const problems: string[] = [];
    for (const { plan } of plans) {
      if (!plan.fits) problems.push(`${plan.cluster}: ${plan.pending.length} pod(s) do not fit`);
      if (plan.tolerance.survives) continue;
      const worst = plan.tolerance.weakest ? ` (worst: losing ${plan.tolerance.weakest})` : '';
      problems.push(`${plan.cluster}: fails the N-${tolerate} check${worst}`);
    }
    if (problems.length) throw new ExpectationsFailedError(`plan: ${problems.join('; ')}`);
  },
};

/** Progress of a long search on stderr, on a terminal only (a line rewritten in place, about every 2 %). */
function searchProgress(): { onProgress?: (done: number, total: number) => void } {
  if (!process.stderr.isTTY || process.env['CI']) return {};
  return {
    onProgress: (done, total) => {
      if (total < 50) return;
      const step = Math.max(1, Math.floor(total / 50));
      if (done % step !== 0 && done !== total) return;
      process.stderr.write(`\rsearching: ${done}/${total} mixes planned${done === total ? '\n' : ''}`);
    },
  };
}

import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../../errors.js';
import { loadClusterFile } from '../../load/cluster.js';
import { loadManifests } from '../../load/manifests.js';
import { comparePlans, type ComparedPlan } from '../../plan/compare.js';
import { planCluster } from '../../plan/plan.js';
import { renderPlanHtml } from '../../plan/html.js';
import { renderCompareText, renderPlanText, renderSearchText } from '../../plan/render.js';
import { searchMixes } from '../../plan/search.js';
import { ProfileRegistry } from '../../load/profiles.js';
import { writeFileAtomic } from '../../report/write.js';
import { renderTable, writeOut } from '../output.js';

interface PlanArgs {
  readonly cluster?: string;
  readonly workloads: string[];
  readonly tolerate: number;
  readonly 'kwh-price'?: number;
  readonly json: boolean;
  readonly html?: string;
  readonly compare: string[];
  readonly search: boolean;
  readonly profiles: string;
  readonly 'max-nodes': number;
  readonly budget?: number;
  readonly 'max-watts'?: number;
  readonly 'profiles-dir': string[];
}

export const planCommand: CommandModule<object, PlanArgs> = {
  command: 'plan [cluster]',
  describe:
    'Capacity planning before buying hardware: fit, headroom, N-1 tolerance, power and cost; compare clusters or search hardware mixes',
  builder: (yargs: Argv) =>
    yargs
      .positional('cluster', { type: 'string', describe: 'cluster file' })
      .option('workloads', { alias: 'w', type: 'string', array: true, default: [] as string[], describe: 'manifest files or directories' })
      .option('tolerate', { type: 'number', default: 1, describe: 'failures to check: 1 = every node, 2 = every pair' })
      .option('kwh-price', { type: 'number', describe: 'electricity price in USD per kWh (default 0.165)' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
      .option('html', { type: 'string', describe: 'also write the plan as an HTML section to this file' })
      .option('compare', { type: 'string', array: true, default: [] as string[], describe: 'compare these cluster files side by side' })
      .option('search', { type: 'boolean', default: false, describe: 'search hardware mixes for the workloads' })
      .option('profiles', { type: 'string', default: 'pi4b-2gb,pi4b-4gb,pi5-4gb,pi5-8gb', describe: 'profiles to combine in --search' })
      .option('max-nodes', { type: 'number', default: 6, describe: 'largest cluster in --search' })
      .option('budget', { type: 'number', describe: 'hardware budget in USD for --search' })
      .option('max-watts', { type: 'number', describe: 'power limit in W for --search' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .example('$0 plan scenarios/clusters/edgestack-pi3.ts -w scenarios/workloads/edgestack', 'fit, N-1, power for seed 000')
      .example(
        '$0 plan --compare scenarios/clusters/edgestack-pi3.ts scenarios/clusters/edgestack-pi4.yaml -w scenarios/workloads/edgestack',
        'seed 000: 7 × Pi 3B+ against 2 × Pi 4',
      )
      .example('$0 plan --search -w scenarios/workloads/edgestack --max-nodes 4 --budget 250', 'cheapest mixes that run it'),
  handler: async (args) => {
    if (args.tolerate !== 1 && args.tolerate !== 2)
      throw ConfigError.single('--tolerate', '', `${args.tolerate} is not supported`, 'use 1 (every node) or 2 (every pair)');
    const registry = ProfileRegistry.load(args['profiles-dir']);
    const objects = loadManifests(args.workloads).map((m) => m.object);
    const price = args['kwh-price'] !== undefined ? { kwhPrice: args['kwh-price'] } : {};
    if (args.search) {
      const profiles = args.profiles
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      for (const p of profiles)
        if (!registry.get(p))
          throw ConfigError.single('--profiles', '', `unknown hardware profile "${p}"`, `use one of: ${registry.names().join(', ')}`);
      const result = searchMixes(objects, registry, {
        profiles,
        maxNodes: args['max-nodes'],
        tolerate: args.tolerate > 0 ? 1 : 0,
        ...(args.budget !== undefined ? { budget: args.budget } : {}),
        ...(args['max-watts'] !== undefined ? { maxWatts: args['max-watts'] } : {}),
        ...price,
      });
      writeOut(args.json ? JSON.stringify(result, null, 2) : renderSearchText(result, renderTable));
      return;
    }
    const files = args.compare.length ? args.compare : args.cluster ? [args.cluster] : [];
    if (files.length === 0)
      throw ConfigError.single('twin plan', 'CLUSTER', 'no cluster given', 'name a cluster file, or use --compare A B or --search');
    const clusters = [];
    for (const file of files) clusters.push(await loadClusterFile(file, { profiles: registry }));
    const options = { tolerate: args.tolerate, ...price };
    const plans: ComparedPlan[] = args.compare.length
      ? comparePlans(clusters, objects, options)
      : clusters.map((cluster) => ({ plan: planCluster(cluster, objects, options), bringUp: null }));
    if (args.html) writeFileAtomic(args.html, renderPlanHtml(plans.map(({ plan }) => plan)));
    if (args.json) writeOut(JSON.stringify(args.compare.length ? plans : plans[0]?.plan, null, 2));
    else if (args.compare.length) writeOut(renderCompareText(plans, renderTable));
    else if (plans[0]) writeOut(renderPlanText(plans[0].plan, renderTable));
  },
};

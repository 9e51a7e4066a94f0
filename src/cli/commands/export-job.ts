import { dirname, join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../../errors.js';
import {
  checkJobName,
  checkNamespace,
  readInputFiles,
  relativeInput,
  renderShardJob,
  shardJob,
  type InputPath,
  type InputsSource,
  type SweepCommand,
} from '../../export/job.js';
import { readTextFile } from '../../load/files.js';
import { moduleExtensions } from '../../load/modules.js';
import { workerCountOption } from '../../load/worker-threads.js';
import { parseYamlDocuments } from '../../model/validation.js';
import { writeFileAtomic } from '../../report/write.js';
import { builtinProperties } from '../../testing/properties.js';
import { checkArgv, checkInputArgs, loadCheckJob, type CheckInputArgs } from '../check-job.js';
import { integerAtLeast, nonEmpty, nonNegativeInt, oneOf, positiveInt, requireArgument } from '../flags.js';
import { writeOut } from '../output.js';
import { loadSearchInputs, maxSearchNodes, searchArgv, type SearchInputArgs } from '../search-job.js';

interface ExportJobArgs {
  readonly sweep: string;
  readonly cluster?: string;
  readonly workloads: string[];
  readonly 'profiles-dir': string[];
  readonly calibration?: string;
  readonly workers?: string;
  // twin check's
  readonly property?: string;
  readonly service?: string;
  readonly 'at-least'?: string;
  readonly within?: string;
  readonly runs?: string;
  readonly seed?: string;
  readonly 'max-faults'?: string;
  readonly kinds?: string;
  // twin plan --search's
  readonly search?: boolean;
  readonly profiles?: string;
  readonly 'max-nodes'?: string;
  readonly budget?: string;
  readonly 'max-watts'?: string;
  readonly 'kwh-price'?: string;
  readonly json?: boolean;
  // the Job's
  readonly completions?: string;
  readonly parallelism?: string;
  readonly image?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly inputs: string;
  readonly 'backoff-limit': string;
  readonly output?: string;
}

const checkOnly = ['property', 'service', 'at-least', 'within', 'runs', 'seed', 'max-faults', 'kinds'] as const;
const searchOnly = ['search', 'profiles', 'max-nodes', 'budget', 'max-watts', 'kwh-price', 'json'] as const;
const inputsSources: readonly InputsSource[] = ['configmap', 'image'];

/** Refuses the other sweep's flags: each pod would refuse them too, after the Job was applied. */
function refuseFlags(args: ExportJobArgs, flags: readonly (keyof ExportJobArgs)[], sweep: string, other: string): void {
  const given = flags.filter((flag) => args[flag] !== undefined && args[flag] !== false);
  if (given.length > 0)
    throw ConfigError.single(
      `--${given[0] ?? ''}`,
      '',
      `is a flag of twin ${other}, not of twin ${sweep}`,
      `drop it, or export the other sweep: twin export job ${other === 'check' ? 'check' : 'plan --search'} …`,
    );
}

/** The files a YAML cluster file names (profile directories, a calibration), relative to it. */
function clusterReferences(cluster: string): InputPath[] {
  const documents = parseYamlDocuments(readTextFile(cluster), cluster);
  const spec = (documents.find((d) => (d.data as { kind?: unknown }).kind === 'Cluster')?.data as { spec?: Record<string, unknown> })?.spec;
  const base = dirname(cluster);
  const dirs = Array.isArray(spec?.['profileDirs']) ? spec['profileDirs'].filter((d): d is string => typeof d === 'string') : [];
  const calibration = typeof spec?.['calibration'] === 'string' ? [spec['calibration']] : [];
  return [
    ...dirs.map((d): InputPath => ({ flag: `${cluster}: spec.profileDirs`, path: join(base, d), kind: 'yaml-dir' })),
    ...calibration.map((c): InputPath => ({ flag: `${cluster}: spec.calibration`, path: join(base, c), kind: 'file' })),
  ];
}

/** twin check's arguments for every pod, and the files they read; the check is loaded once here to refuse bad input now. */
async function checkSweep(args: ExportJobArgs, inputs: InputsSource): Promise<{ argv: string[]; paths: InputPath[] }> {
  refuseFlags(args, searchOnly, 'check', 'plan --search');
  const cluster = requireArgument('twin export job check', 'CLUSTER', args.cluster, 'write twin export job check <cluster file> …');
  if (args.seed === undefined)
    throw ConfigError.single('--seed', '', 'is needed: every shard must draw the same schedules', 'give one, e.g. --seed 42');
  const check: CheckInputArgs = checkInputArgs({
    cluster,
    workloads: args.workloads,
    property: args.property ?? 'deployments-recover',
    runs: args.runs ?? '100',
    'profiles-dir': args['profiles-dir'],
    ...Object.fromEntries(
      (['service', 'at-least', 'within', 'seed', 'max-faults', 'kinds', 'calibration'] as const)
        .filter((key) => args[key] !== undefined)
        .map((key) => [key, args[key]]),
    ),
  });
  const module = moduleExtensions.test(cluster);
  if (module && inputs === 'configmap')
    throw ConfigError.single(
      'CLUSTER',
      '',
      `"${cluster}" is a TypeScript or JavaScript module, which may import files a ConfigMap of the inputs would not hold`,
      'give a YAML cluster file (kind: Cluster), or build an image FROM twin\u2019s with your files in /work and pass --inputs image',
    );
  const named: InputPath[] = [
    { flag: 'CLUSTER', path: cluster, kind: 'file' },
    ...check.workloads.map((path): InputPath => ({ flag: '-w', path, kind: 'either' })),
    ...check['profiles-dir'].map((path): InputPath => ({ flag: '--profiles-dir', path, kind: 'yaml-dir' })),
    ...(check.calibration !== undefined ? [{ flag: '--calibration', path: check.calibration, kind: 'file' } as const] : []),
  ];
  for (const input of named) relativeInput(input);
  await loadCheckJob(check);
  return { argv: checkArgv(check), paths: [...named, ...(module ? [] : clusterReferences(cluster))] };
}

/** twin plan --search's arguments for every pod, and the files they read (loaded once here to refuse bad input now). */
function searchSweep(args: ExportJobArgs): { argv: string[]; paths: InputPath[] } {
  refuseFlags(args, checkOnly, 'plan --search', 'check');
  if (args.search !== true) throw ConfigError.single('twin export job plan', '', 'runs twin plan --search only', 'add --search');
  if (args.cluster !== undefined)
    throw ConfigError.single('twin export job plan', 'CLUSTER', '--search builds its own clusters from --profiles', 'drop CLUSTER');
  const search: SearchInputArgs = {
    workloads: args.workloads,
    profiles: args.profiles ?? 'pi4b-2gb,pi4b-4gb,pi5-4gb,pi5-8gb',
    'max-nodes': args['max-nodes'] ?? '6',
    'profiles-dir': args['profiles-dir'],
    json: args.json === true,
    ...Object.fromEntries(
      (['budget', 'max-watts', 'kwh-price', 'calibration'] as const)
        .filter((key) => args[key] !== undefined)
        .map((key) => [key, args[key]]),
    ),
  };
  const paths: InputPath[] = [
    ...search.workloads.map((path): InputPath => ({ flag: '-w', path, kind: 'either' })),
    ...search['profiles-dir'].map((path): InputPath => ({ flag: '--profiles-dir', path, kind: 'yaml-dir' })),
    ...(search.calibration !== undefined ? [{ flag: '--calibration', path: search.calibration, kind: 'file' } as const] : []),
  ];
  for (const input of paths) relativeInput(input);
  loadSearchInputs(search);
  return { argv: searchArgv(search), paths };
}

/** The words of the command line, quoted for a shell where needed (the file's header comment). */
function shellLine(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export const exportJobCommand: CommandModule<object, ExportJobArgs> = {
  command: 'job <sweep> [cluster]',
  describe: 'Write a Kubernetes Indexed Job that runs twin check or twin plan --search in N shards; twin merge --from-job joins them',
  builder: (yargs: Argv) =>
    yargs
      .positional('sweep', { type: 'string', demandOption: true, describe: 'check, or plan (with --search)' })
      .positional('cluster', { type: 'string', describe: 'check: the cluster file' })
      .option('workloads', { alias: 'w', type: 'string', array: true, default: [] as string[], describe: 'manifest files or directories' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .option('calibration', { type: 'string', describe: 'a Calibration file (twin calibrate) for the model' })
      .option('workers', { type: 'string', describe: 'worker threads in each pod (default: every core of its node)' })
      .option('property', { type: 'string', describe: `check: one of ${Object.keys(builtinProperties).join(', ')}` })
      .option('service', { type: 'string', describe: 'check: namespace/name, for service-availability' })
      .option('at-least', { type: 'string', describe: 'check: availability share for service-availability' })
      .option('within', { type: 'string', describe: 'check: recovery time (e.g. 10m)' })
      .option('runs', { type: 'string', describe: 'check: schedules to generate over all shards (default 100)' })
      .option('seed', { type: 'string', describe: 'check: fast-check seed, the same for every shard (required)' })
      .option('max-faults', { type: 'string', describe: 'check: faults per schedule at most' })
      .option('kinds', { type: 'string', describe: 'check: fault kinds, comma-separated' })
      .option('search', { type: 'boolean', describe: 'plan: search hardware mixes (required)' })
      .option('profiles', { type: 'string', describe: 'plan: profiles to combine (default pi4b-2gb,pi4b-4gb,pi5-4gb,pi5-8gb)' })
      .option('max-nodes', { type: 'string', describe: `plan: largest cluster, 1 to ${maxSearchNodes} (default 6)` })
      .option('budget', { type: 'string', describe: 'plan: hardware budget in USD' })
      .option('max-watts', { type: 'string', describe: 'plan: power limit in W' })
      .option('kwh-price', { type: 'string', describe: 'plan: electricity price in USD per kWh' })
      .option('json', { type: 'boolean', describe: 'plan: twin merge prints JSON' })
      .option('completions', { type: 'string', describe: 'N: the shards, one pod each (required)' })
      .option('parallelism', { type: 'string', describe: 'pods at a time (default: N)' })
      .option('image', { type: 'string', describe: "twin's image, built from the repository's Dockerfile (required)" })
      .option('name', { type: 'string', describe: "the Job's name (default twin-check or twin-plan-search)" })
      .option('namespace', { type: 'string', describe: "the Job's namespace (default: kubectl's)" })
      .option('inputs', {
        type: 'string',
        default: 'configmap',
        describe: 'configmap: the input files in a ConfigMap; image: the image holds them in /work',
      })
      .option('backoff-limit', { type: 'string', default: '6', describe: "failed pods before the Job fails (Kubernetes' backoffLimit)" })
      .option('output', {
        alias: 'o',
        type: 'string',
        coerce: (v: unknown) => (v === undefined ? undefined : nonEmpty('--output', v, 'a file path')),
        describe: 'write here instead of stdout',
      })
      .example(
        '$0 export job check c.yaml -w k8s/ --runs 30000 --seed 7 --completions 30 --parallelism 10 --image reg.lan/twin:0.1.0',
        '30 shards, 10 pods at a time',
      )
      .example(
        '$0 export job plan --search -w k8s/ --max-nodes 10 --completions 8 --image registry.lan/twin:0.1.0 -o job.yaml',
        'a hardware search in 8 shards',
      ),
  handler: async (args) => {
    const command = oneOf('twin export job', args.sweep, ['check', 'plan']);
    const sweep: SweepCommand = command === 'check' ? 'check' : 'plan-search';
    const inputs = oneOf('--inputs', args.inputs, inputsSources);
    if (args.completions === undefined)
      throw ConfigError.single('--completions', '', 'is needed: the number of shards', 'e.g. --completions 10');
    const completions = integerAtLeast('--completions', args.completions, 1, 'a whole number of shards from 1');
    if (completions > 10_000)
      throw ConfigError.single('--completions', '', `"${args.completions}" is more than 10000 shards`, 'e.g. --completions 100');
    const parallelism = args.parallelism === undefined ? completions : positiveInt('--parallelism', args.parallelism);
    if (parallelism > completions)
      throw ConfigError.single(
        '--parallelism',
        '',
        `${parallelism} is more than --completions ${completions}: at most ${completions} pods run at once`,
        `give --parallelism ${completions} or less`,
      );
    const backoffLimit = nonNegativeInt('--backoff-limit', args['backoff-limit']);
    if (args.image === undefined || args.image.trim() === '' || /\s/.test(args.image))
      throw ConfigError.single(
        '--image',
        '',
        args.image === undefined ? 'is needed: the image the pods run twin from' : `"${args.image}" is not an image name`,
        "build one from the repository's Dockerfile and push it, e.g. --image registry.lan/twin:0.1.0",
      );
    const name = checkJobName('--name', args.name ?? (sweep === 'check' ? 'twin-check' : 'twin-plan-search'));
    const namespace = args.namespace !== undefined ? checkNamespace('--namespace', args.namespace) : undefined;
    const workers = args.workers !== undefined ? ['--workers', String(workerCountOption('--workers', args.workers))] : [];
    const { argv, paths } = sweep === 'check' ? await checkSweep(args, inputs) : searchSweep(args);
    const files = readInputFiles(paths);
    const objects = shardJob({
      command: sweep,
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      image: args.image,
      completions,
      parallelism,
      backoffLimit,
      args: [...argv, ...workers],
      inputs,
      files: inputs === 'configmap' ? files : new Map(),
    });
    const ns = namespace !== undefined ? ` -n ${namespace}` : '';
    const file = args.output ?? 'job.yaml';
    const text = renderShardJob(objects, [
      `twin ${shellLine([...argv, ...workers])}`,
      `in ${completions} shards (${parallelism} pods at a time), image ${args.image}; written by twin export job.`,
      `Run it:    kubectl apply${ns} -f ${file}`,
      `Wait:      kubectl wait${ns} --for=condition=complete job/${name} --timeout=1h`,
      `Merge:     twin merge --from-job ${name}${ns}   (from this directory: a check loads its inputs again)`,
      `Clean up:  kubectl delete${ns} job/${name}${inputs === 'configmap' ? ` configmap/${name}-inputs` : ''}`,
      ...(inputs === 'image' ? [`The image must hold, under /work: ${[...files.keys()].join(', ') || 'nothing'}.`] : []),
    ]);
    if (args.output) writeFileAtomic(args.output, text, { flag: '--output' });
    else writeOut(text.trimEnd());
  },
};

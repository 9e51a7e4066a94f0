import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../../errors.js';
import { displayPath } from '../../load/files.js';
import { readShards, shardFileName, type ShardFile } from '../../load/shards.js';
import { mergeSearchShards } from '../../plan/search-parallel.js';
import { writeFileAtomic } from '../../report/write.js';
import { mergeCheckShards } from '../../testing/shards.js';
import { loadCheckJob, recordedCheckArgs, reportCheck } from '../check-job.js';
import { nonEmpty } from '../flags.js';
import { printSearch } from '../search-job.js';

interface MergeArgs {
  readonly dirs: string[];
  readonly out: string;
  readonly junit?: string;
  readonly 'from-job'?: string;
  readonly namespace: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly save?: string;
}

/** The kubeconfig client tools use when none is named: the first of `KUBECONFIG`, else ~/.kube/config. */
function defaultKubeconfig(): string {
  const first = (process.env['KUBECONFIG'] ?? '').split(delimiter).find((p) => p.trim() !== '');
  return first ?? join(homedir(), '.kube', 'config');
}

/** The shard files of an Indexed Job's pods, written into `dir` as `twin merge DIR` reads them. */
async function saveJobShards(args: MergeArgs, name: string, dir: string): Promise<void> {
  // The Kubernetes client is loaded only here: `twin merge DIR…` needs none of it.
  const [{ readJobShards }, { loadKubeConfig }] = await Promise.all([
    import('../../import/job-shards.js'),
    import('../../import/kube-client.js'),
  ]);
  const cluster = loadKubeConfig(args.kubeconfig ?? defaultKubeconfig(), args.context);
  const shards = await readJobShards(cluster, name, args.namespace);
  for (const { index, pod, text } of shards) {
    let shard: Partial<ShardFile> | undefined;
    try {
      shard = JSON.parse(text) as Partial<ShardFile>;
    } catch {
      // readShards names the file and what is wrong with it.
    }
    const file = shard?.shard ? shardFileName(shard.shard) : `shard-${index + 1}-of-${shards.length}.json`;
    if (shard?.shard && shard.shard.index !== index + 1)
      throw ConfigError.single(`pod ${pod}`, 'shard', `index ${index} printed shard ${shard.shard.index}`, 'rerun the Job');
    writeFileAtomic(join(dir, file), text);
  }
}

export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge [dirs..]',
  describe: 'Join the shard files of a twin check or twin plan --search run with --shard I/N: the output of one unsharded run',
  builder: (yargs: Argv) =>
    yargs
      .positional('dirs', { type: 'string', array: true, default: [] as string[], describe: 'shard --out directories (or shard files)' })
      .option('from-job', {
        type: 'string',
        coerce: (v: unknown) => (v === undefined ? undefined : nonEmpty('--from-job', v, 'a Job name')),
        describe: 'read the shard files from the pod logs of this Indexed Job (twin export job)',
      })
      .option('namespace', { alias: 'n', type: 'string', default: 'default', describe: "--from-job: the Job's namespace" })
      .option('kubeconfig', { type: 'string', describe: '--from-job: the cluster (default: $KUBECONFIG, else ~/.kube/config)' })
      .option('context', { type: 'string', describe: '--from-job: kubeconfig context' })
      .option('save', { type: 'string', describe: "--from-job: keep the pods' shard files in this directory" })
      .option('out', {
        type: 'string',
        default: 'reports/check',
        describe: 'check: where a failing schedule is written as a scenario file',
      })
      .option('junit', { type: 'string', describe: 'check: write JUnit XML here' })
      .example('$0 merge shards/1 shards/2 shards/3', 'the result of the three shards, as one run prints it')
      .example('$0 merge --from-job twin-check', 'the same from the logs of an Indexed Job written by twin export job'),
  handler: async (args) => {
    const job = args['from-job'];
    if ((job === undefined) === (args.dirs.length === 0))
      throw ConfigError.single(
        'twin merge',
        '',
        job === undefined ? 'no shards given' : 'takes shard directories or --from-job, not both',
        job === undefined ? 'name the --out directories of the shards, or --from-job JOB' : 'drop the directories or --from-job',
      );
    // Shard files already in --save would be merged with this Job's (or refused as not belonging together).
    if (job !== undefined && args.save !== undefined && existsSync(args.save) && readdirSync(args.save).length > 0)
      throw ConfigError.single(
        '--save',
        '',
        `"${args.save}" is not empty: shard files of another run there would be merged with this Job's`,
        'name a new or empty directory',
      );
    const temporary = job !== undefined && args.save === undefined ? mkdtempSync(join(tmpdir(), 'twin-merge-')) : undefined;
    try {
      let dirs = args.dirs;
      if (job !== undefined) {
        const dir = args.save ?? temporary ?? '';
        await saveJobShards(args, job, dir);
        if (args.save !== undefined) process.stderr.write(`twin merge: the shard files of job ${job} are in ${displayPath(dir)}\n`);
        dirs = [dir];
      }
      const files = readShards(dirs);
      const first = files[0];
      if (first?.command === 'plan-search') {
        printSearch(mergeSearchShards(files), { json: (first.args as { json?: unknown }).json === true });
        return;
      }
      const recorded = recordedCheckArgs(first?.args);
      const { job: check, property } = await loadCheckJob(recorded);
      reportCheck(recorded, { out: args.out, junit: args.junit }, property, mergeCheckShards(files, check));
    } finally {
      if (temporary) rmSync(temporary, { recursive: true, force: true });
    }
  },
};

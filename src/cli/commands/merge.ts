import type { Argv, CommandModule } from 'yargs';
import { readShards } from '../../load/shards.js';
import { mergeSearchShards } from '../../plan/search-parallel.js';
import { mergeCheckShards } from '../../testing/shards.js';
import { loadCheckJob, recordedCheckArgs, reportCheck } from '../check-job.js';
import { printSearch } from '../search-job.js';

interface MergeArgs {
  readonly dirs: string[];
  readonly out: string;
  readonly junit?: string;
}

export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <dirs..>',
  describe: 'Join the shard files of a twin check or twin plan --search run with --shard I/N: the output of one unsharded run',
  builder: (yargs: Argv) =>
    yargs
      .positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'shard --out directories (or shard files)' })
      .option('out', {
        type: 'string',
        default: 'reports/check',
        describe: 'check: where a failing schedule is written as a scenario file',
      })
      .option('junit', { type: 'string', describe: 'check: write JUnit XML here' })
      .example('$0 merge shards/1 shards/2 shards/3', 'the result of the three shards, as one run prints it'),
  handler: async (args) => {
    const files = readShards(args.dirs);
    const first = files[0];
    if (first?.command === 'plan-search') {
      printSearch(mergeSearchShards(files), { json: (first.args as { json?: unknown }).json === true });
      return;
    }
    const recorded = recordedCheckArgs(first?.args);
    const { job, property } = await loadCheckJob(recorded);
    reportCheck(recorded, { out: args.out, junit: args.junit }, property, mergeCheckShards(files, job));
  },
};

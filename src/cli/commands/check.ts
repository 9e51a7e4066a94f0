import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../../errors.js';
import { displayPath } from '../../load/files.js';
import { shardOption } from '../../load/shards.js';
import { defaultWorkerCount, workerCountOption } from '../../load/worker-threads.js';
import { checkResilienceOnWorkers, pickSeed, searchSlice } from '../../testing/parallel.js';
import { builtinProperties } from '../../testing/properties.js';
import { writeCheckShard } from '../../testing/shards.js';
import { checkLimits, pathOption } from '../../testing/options.js';
import { generatedFaultKinds } from '../../testing/schedules.js';
import { checkInputArgs, checkProgress, loadCheckJob, reportCheck, type CheckInputArgs } from '../check-job.js';
import { calibrationOption } from '../flags.js';
import { interruptible } from '../interrupt.js';
import { writeOut } from '../output.js';

interface CheckArgs extends CheckInputArgs {
  readonly path?: string;
  readonly junit?: string;
  readonly out: string;
  readonly workers?: string;
  readonly shard?: string;
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check <cluster>',
  describe: 'Property-based resilience check: generated fault schedules on the sim engine, shrunk to a minimal failure',
  builder: (yargs: Argv) =>
    yargs
      .positional('cluster', { type: 'string', demandOption: true, describe: 'cluster file' })
      .option('workloads', { alias: 'w', type: 'string', array: true, default: [] as string[], describe: 'manifest files or directories' })
      .option('property', {
        type: 'string',
        default: 'deployments-recover',
        describe: `one of: ${Object.keys(builtinProperties).join(', ')}`,
      })
      .option('service', { type: 'string', describe: 'namespace/name, for service-availability' })
      .option('at-least', { type: 'string', describe: 'availability share for service-availability, 0 to 1 (default 0.99)' })
      .option('within', { type: 'string', describe: 'recovery time for deployments-recover / power-cut-recovery (e.g. 10m)' })
      .option('runs', {
        type: 'string',
        default: '100',
        describe: `schedules to generate (${checkLimits.runs.min}..${checkLimits.runs.max})`,
      })
      .option('seed', { type: 'string', describe: 'fast-check seed, a 32-bit integer (replay)' })
      .option('path', { type: 'string', describe: 'fast-check path of a failure (replay it directly)' })
      .option('max-faults', {
        type: 'string',
        describe: `faults per schedule at most, ${checkLimits.maxFaults.min}..${checkLimits.maxFaults.max} (default 2; api-available: 1)`,
      })
      .option('kinds', { type: 'string', describe: `fault kinds, comma-separated (${generatedFaultKinds.join(', ')})` })
      .option('junit', { type: 'string', describe: 'write JUnit XML here' })
      .option('out', {
        type: 'string',
        default: 'reports/check',
        describe: 'where a failing schedule is written as a scenario file (and a --shard run its shard file)',
      })
      .option('workers', { type: 'string', describe: `worker threads (default: every core, ${defaultWorkerCount()} here)` })
      .option('shard', {
        type: 'string',
        describe: 'run only slice I of N (I/N; auto/N takes I from JOB_COMPLETION_INDEX); twin merge joins them',
      })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .option('calibration', calibrationOption)
      .example(
        '$0 check scenarios/clusters/edgestack-pi4.yaml -w scenarios/workloads/edgestack --property deployments-recover --runs 200',
        'any fault schedule: do Deployments recover?',
      ),
  handler: async (args) => {
    const path = args.path !== undefined ? pathOption('--path', args.path) : undefined;
    const workers = args.workers !== undefined ? workerCountOption('--workers', args.workers) : defaultWorkerCount();
    const shard = args.shard !== undefined ? shardOption('--shard', args.shard) : undefined;
    if (shard && (args.seed === undefined || path !== undefined))
      throw ConfigError.single(
        '--shard',
        '',
        args.seed === undefined ? 'needs --seed, so that every shard draws the same schedules' : 'cannot replay a --path',
        args.seed === undefined ? 'give every shard the same --seed, e.g. --seed 42' : 'drop --shard to replay a failure',
      );
    const { job, property, seed } = await loadCheckJob(args);
    const onRun = checkProgress();
    const progress = onRun ? { onRun } : {};
    if (shard) {
      const shardSeed = pickSeed(seed);
      const slice = await interruptible((signal) => searchSlice(job, shardSeed, { shard, workers, signal, ...progress }));
      if (onRun) process.stderr.write('\n');
      const file = writeCheckShard(args.out, job, shardSeed, shard, checkInputArgs(args), slice);
      const found = slice.firstFailure === null ? 'no failure' : `first failure at run ${slice.firstFailure + 1}`;
      writeOut(
        `shard ${shard.index}/${shard.count}: ${slice.ran} run(s), ${found}; wrote ${displayPath(file)} (twin merge joins the shards)`,
      );
      return;
    }
    const options = { workers, ...(seed !== undefined ? { seed } : {}), ...(path !== undefined ? { path } : {}), ...progress };
    const result =
      workers === 1 || path !== undefined
        ? await checkResilienceOnWorkers(job, options)
        : await interruptible((signal) => checkResilienceOnWorkers(job, { ...options, signal }));
    if (onRun) process.stderr.write('\n');
    reportCheck(args, { out: args.out, junit: args.junit }, property, result);
  },
};

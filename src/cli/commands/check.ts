import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ConfigError, ExpectationsFailedError } from '../../errors.js';
import { loadClusterFile } from '../../load/cluster.js';
import { loadManifests } from '../../load/manifests.js';
import { parseDuration } from '../../model/units.js';
import { displayPath } from '../../load/files.js';
import { ProfileRegistry } from '../../load/profiles.js';
import { renderCheckJunit } from '../../report/junit.js';
import { writeFileAtomic } from '../../report/write.js';
import { describeFault } from '../../scenario/faults.js';
import { checkResilience } from '../../testing/check.js';
import { builtinProperties, type ResilienceProperty } from '../../testing/properties.js';
import { writeReproduction } from '../../testing/reproduce.js';
import type { GeneratedFaultKind } from '../../testing/schedules.js';
import { writeOut } from '../output.js';

interface CheckArgs {
  readonly cluster: string;
  readonly workloads: string[];
  readonly property: string;
  readonly service?: string;
  readonly 'at-least'?: number;
  readonly within?: string;
  readonly runs: number;
  readonly seed?: number;
  readonly path?: string;
  readonly 'max-faults': number;
  readonly kinds?: string;
  readonly junit?: string;
  readonly out: string;
  readonly 'profiles-dir': string[];
}

function property(args: CheckArgs): ResilienceProperty {
  switch (args.property) {
    case 'deployments-recover':
      return builtinProperties['deployments-recover'](args.within ? { within: args.within } : {});
    case 'service-availability':
      if (!args.service) throw ConfigError.single('--service', '', 'service-availability needs a service', 'pass --service namespace/name');
      return builtinProperties['service-availability']({
        service: args.service,
        ...(args['at-least'] !== undefined ? { atLeast: args['at-least'] } : {}),
      });
    case 'api-available':
      return builtinProperties['api-available']();
    case 'no-oom-kills':
      return builtinProperties['no-oom-kills']();
    case 'power-cut-recovery':
      return builtinProperties['power-cut-recovery'](args.within ? { within: args.within } : {});
    default:
      throw ConfigError.single(
        '--property',
        '',
        `unknown property "${args.property}"`,
        `use one of: ${Object.keys(builtinProperties).join(', ')}`,
      );
  }
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
      .option('at-least', { type: 'number', describe: 'availability share for service-availability (default 0.99)' })
      .option('within', { type: 'string', describe: 'recovery time for deployments-recover / power-cut-recovery (e.g. 10m)' })
      .option('runs', { type: 'number', default: 100, describe: 'schedules to generate' })
      .option('seed', { type: 'number', describe: 'fast-check seed (replay)' })
      .option('path', { type: 'string', describe: 'fast-check path of a failure (replay it directly)' })
      .option('max-faults', { type: 'number', default: 2, describe: 'faults per schedule at most' })
      .option('kinds', {
        type: 'string',
        describe:
          'fault kinds, comma-separated (power-off, reboot, k3s-restart, partition, control-plane-down, ' +
          'memory-leak, site-power-cut, slow-storage, rancher-down)',
      })
      .option('junit', { type: 'string', describe: 'write JUnit XML here' })
      .option('out', { type: 'string', default: 'reports/check', describe: 'where a failing schedule is written as a scenario file' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .example(
        '$0 check scenarios/clusters/edgestack-pi4.yaml -w scenarios/workloads/edgestack --property deployments-recover --runs 200',
        'any fault schedule: do Deployments recover?',
      ),
  handler: async (args) => {
    if (!Number.isInteger(args.runs) || args.runs < 1)
      throw ConfigError.single('--runs', '', `"${args.runs}" is not a number of runs`, 'use a positive integer');
    if (args.path !== undefined && !/^\d+(:\d+)*$/.test(args.path))
      throw ConfigError.single(
        '--path',
        '',
        `"${args.path}" is not a replay path`,
        'copy it from the "replay:" line of a failed check, e.g. 3:0:1',
      );
    if (args.within) parseDuration(args.within);
    const chosen = property(args);
    const cluster = await loadClusterFile(args.cluster, { profiles: ProfileRegistry.load(args['profiles-dir']) });
    const objects = loadManifests(args.workloads).map((m) => m.object);
    const tty = Boolean(process.stderr.isTTY) && !process.env['CI'];
    const kinds = args.kinds?.split(',').map((k) => k.trim()) as GeneratedFaultKind[] | undefined;
    const result = checkResilience(cluster, objects, chosen, {
      runs: args.runs,
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      ...(args.path !== undefined ? { path: args.path } : {}),
      bounds: { maxFaults: args['max-faults'], ...(kinds ? { kinds } : {}) },
      onRun: (run, total) => {
        if (!tty) return;
        const width = 30;
        const done = Math.round((width * run) / total);
        process.stderr.write(`\r  [${'#'.repeat(done)}${'-'.repeat(width - done)}] ${run}/${total} schedules`);
      },
    });
    if (tty) process.stderr.write('\n');
    if (args.junit) writeFileAtomic(args.junit, renderCheckJunit(result, chosen.description));
    if (result.ok) {
      writeOut(`✔ ${chosen.name}: ${chosen.description} — held for ${result.runs} generated schedules (seed ${result.seed})`);
      return;
    }
    const failure = result.failure;
    if (!failure) return;
    const file = writeReproduction(
      failure,
      chosen.name,
      { cluster: resolve(args.cluster), workloads: args.workloads.map((w) => resolve(w)) },
      args.out,
    );
    writeOut(`✘ ${chosen.name}: ${chosen.description} — fails`);
    const schedule = failure.faults.map(
      (f) => `${describeFault(f)} at ${String(f.at)}s${f.for !== undefined ? ` for ${String(f.for)}s` : ''}`,
    );
    writeOut(`  minimal schedule (${failure.shrinks} shrink step(s)): ${schedule.join('; ')}`);
    writeOut(`  why: ${failure.explanation}`);
    writeOut(`  replay: twin check ${args.cluster} --property ${chosen.name} --seed ${result.seed} --path ${failure.path}`);
    writeOut(`  scenario: ${displayPath(file)} (twin run ${displayPath(file)} reproduces it)`);
    throw new ExpectationsFailedError(`property ${chosen.name} failed (seed ${result.seed}, path ${failure.path})`);
  },
};

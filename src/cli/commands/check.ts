import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ConfigError, ExpectationsFailedError } from '../../errors.js';
import { loadClusterFile } from '../../load/cluster.js';
import { loadManifests } from '../../load/manifests.js';
import { didYouMean } from '../../model/suggest.js';
import { readWorkloads } from '../../model/workloads.js';
import { displayPath } from '../../load/files.js';
import { ProfileRegistry } from '../../load/profiles.js';
import { renderCheckJunit } from '../../report/junit.js';
import { writeFileAtomic } from '../../report/write.js';
import { describeFault } from '../../scenario/faults.js';
import { checkResilience } from '../../testing/check.js';
import { builtinProperties, type ResilienceProperty } from '../../testing/properties.js';
import { writeReproduction } from '../../testing/reproduce.js';
import { checkLimits, durationOption, integerOption, kindsOption, pathOption, shareOption } from '../../testing/options.js';
import { generatedFaultKinds } from '../../testing/schedules.js';
import { Problems } from '../../scenario/fields.js';
import { KnownNames } from '../../scenario/names.js';
import { calibrationLoad, calibrationOption } from '../flags.js';
import { writeOut } from '../output.js';

interface CheckArgs {
  readonly cluster: string;
  readonly workloads: string[];
  readonly property: string;
  readonly service?: string;
  readonly 'at-least'?: string;
  readonly within?: string;
  readonly runs: string;
  readonly seed?: string;
  readonly path?: string;
  readonly 'max-faults'?: string;
  readonly kinds?: string;
  readonly junit?: string;
  readonly out: string;
  readonly 'profiles-dir': string[];
  readonly calibration?: string;
}

/** The property a check judges, from `--property` and the flags it takes. */
function property(args: CheckArgs): ResilienceProperty {
  const within = args.within !== undefined ? { within: durationOption('--within', args.within, checkLimits.within) } : {};
  switch (args.property) {
    case 'deployments-recover':
      return builtinProperties['deployments-recover'](within);
    case 'service-availability':
      if (!args.service) throw ConfigError.single('--service', '', 'service-availability needs a Service', 'pass --service namespace/name');
      return builtinProperties['service-availability']({
        service: args.service,
        ...(args['at-least'] !== undefined ? { atLeast: shareOption('--at-least', args['at-least']) } : {}),
      });
    case 'api-available':
      return builtinProperties['api-available']();
    case 'no-oom-kills':
      return builtinProperties['no-oom-kills']();
    case 'power-cut-recovery':
      return builtinProperties['power-cut-recovery'](within);
    default: {
      const names = Object.keys(builtinProperties);
      throw ConfigError.single(
        '--property',
        '',
        `unknown property "${args.property}"`,
        `${didYouMean(args.property, names)}use one of: ${names.join(', ')}`,
      );
    }
  }
}

/** A word the shell passes through as it is, or the word in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `twin check …` with every flag that chooses the property, the manifests and the schedules: it replays the same failure. */
function replayCommand(args: CheckArgs, seed: number, path: string): string {
  const words = ['twin', 'check', args.cluster];
  for (const w of args.workloads) words.push('-w', w);
  for (const d of args['profiles-dir']) words.push('--profiles-dir', d);
  if (args.calibration !== undefined) words.push('--calibration', args.calibration);
  words.push('--property', args.property);
  const flags: Array<[string, string | undefined]> = [
    ['--service', args.service],
    ['--at-least', args['at-least']],
    ['--within', args.within],
    ['--max-faults', args['max-faults']],
    ['--kinds', args.kinds],
    ['--runs', args.runs],
    ['--seed', String(seed)],
    ['--path', path],
  ];
  for (const [flag, value] of flags) if (value !== undefined) words.push(flag, value);
  return words.map(shellWord).join(' ');
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
      .option('out', { type: 'string', default: 'reports/check', describe: 'where a failing schedule is written as a scenario file' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .option('calibration', calibrationOption)
      .example(
        '$0 check scenarios/clusters/edgestack-pi4.yaml -w scenarios/workloads/edgestack --property deployments-recover --runs 200',
        'any fault schedule: do Deployments recover?',
      ),
  handler: async (args) => {
    const runs = integerOption('--runs', args.runs, checkLimits.runs);
    const seed = args.seed !== undefined ? integerOption('--seed', args.seed, checkLimits.seed) : undefined;
    const path = args.path !== undefined ? pathOption('--path', args.path) : undefined;
    const maxFaults =
      args['max-faults'] !== undefined ? integerOption('--max-faults', args['max-faults'], checkLimits.maxFaults) : undefined;
    const kinds = args.kinds !== undefined ? kindsOption('--kinds', args.kinds) : undefined;
    const chosen = property(args);
    const cluster = await loadClusterFile(args.cluster, {
      profiles: ProfileRegistry.load(args['profiles-dir']),
      ...calibrationLoad(args.calibration),
    });
    const objects = loadManifests(args.workloads).map((m) => m.object);
    if (args.service !== undefined) {
      const problems = new Problems();
      const where = args.workloads.length > 0 ? `the manifests given with -w (${args.workloads.join(', ')})` : 'any manifest (no -w given)';
      new KnownNames(cluster, readWorkloads(objects)).service(problems, '', args.service, '', where);
      if (problems.list.length > 0) throw new ConfigError('--service', problems.list);
    }
    const tty = Boolean(process.stderr.isTTY) && !process.env['CI'];
    const result = checkResilience(cluster, objects, chosen, {
      runs,
      ...(seed !== undefined ? { seed } : {}),
      ...(path !== undefined ? { path } : {}),
      bounds: { ...(maxFaults !== undefined ? { maxFaults } : {}), ...(kinds ? { kinds } : {}) },
      onRun: (run, total) => {
        if (!tty) return;
        const width = 30;
        const done = Math.round((width * run) / total);
        process.stderr.write(`\r  [${'#'.repeat(done)}${'-'.repeat(width - done)}] ${run}/${total} schedules`);
      },
    });
    if (tty) process.stderr.write('\n');
    if (args.junit) writeFileAtomic(args.junit, renderCheckJunit(result, chosen.description));
    const drawn = `schedules of up to ${result.schedules.maxFaults} fault(s) of ${result.schedules.kinds.join(', ')}`;
    if (result.ok) {
      writeOut(`✔ ${chosen.name}: ${chosen.description} — held for ${result.runs} generated schedules (seed ${result.seed})`);
      writeOut(`  ${drawn}`);
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
    writeOut(`  ${drawn}`);
    const schedule = failure.faults.map(
      (f) => `${describeFault(f)} at ${String(f.at)}s${f.for !== undefined ? ` for ${String(f.for)}s` : ''}`,
    );
    writeOut(`  minimal schedule (${failure.shrinks} shrink step(s)): ${schedule.join('; ')}`);
    writeOut(`  why: ${failure.explanation}`);
    writeOut(`  replay: ${replayCommand(args, result.seed, failure.path)}`);
    writeOut(`  scenario: ${displayPath(file)} (twin run ${displayPath(file)} reproduces it)`);
    throw new ExpectationsFailedError(`property ${chosen.name} failed (seed ${result.seed}, path ${failure.path})`);
  },
};

/**
 * What `twin check` and `twin merge` (of check shards) share: the check a set of flags describes,
 * loaded, and the way its result is printed, so that a merged run prints what one run prints.
 */
import { resolve } from 'node:path';
import { ConfigError, ExpectationsFailedError } from '../errors.js';
import { loadClusterFile } from '../load/cluster.js';
import { calibrationLoad } from './flags.js';
import { displayPath } from '../load/files.js';
import { loadManifests } from '../load/manifests.js';
import { ProfileRegistry } from '../load/profiles.js';
import { didYouMean } from '../model/suggest.js';
import { readWorkloads } from '../model/workloads.js';
import { renderCheckJunit } from '../report/junit.js';
import { writeFileAtomic } from '../report/write.js';
import { describeFault } from '../scenario/faults.js';
import { Problems } from '../scenario/fields.js';
import { KnownNames } from '../scenario/names.js';
import type { CheckResult } from '../testing/check.js';
import { checkLimits, durationOption, integerOption, kindsOption, shareOption } from '../testing/options.js';
import type { CheckJob } from '../testing/parallel.js';
import { builtinProperties, propertyFromSpec, type PropertySpec, type ResilienceProperty } from '../testing/properties.js';
import { writeReproduction } from '../testing/reproduce.js';
import { writeOut } from './output.js';

/** The flags that choose a check's inputs; a shard file records them for `twin merge`. */
export interface CheckInputArgs {
  readonly cluster: string;
  readonly workloads: readonly string[];
  readonly property: string;
  readonly service?: string;
  readonly 'at-least'?: string;
  readonly within?: string;
  readonly runs: string;
  readonly seed?: string;
  readonly 'max-faults'?: string;
  readonly kinds?: string;
  readonly 'profiles-dir': readonly string[];
  readonly calibration?: string;
}

/** Only the input flags of `args` (yargs adds aliases and `_`), as a shard file records them. */
export function checkInputArgs(args: CheckInputArgs): CheckInputArgs {
  const optional = ['service', 'at-least', 'within', 'seed', 'max-faults', 'kinds', 'calibration'] as const;
  const picked: Record<string, string> = {};
  for (const key of optional) if (args[key] !== undefined) picked[key] = args[key];
  return {
    cluster: args.cluster,
    workloads: [...args.workloads],
    property: args.property,
    runs: args.runs,
    'profiles-dir': [...args['profiles-dir']],
    ...picked,
  };
}

/** A shard file's recorded flags, checked for the fields a check needs. */
export function recordedCheckArgs(value: unknown): CheckInputArgs {
  const args = value as Partial<CheckInputArgs> | undefined;
  const strings = (list: unknown) => Array.isArray(list) && list.every((item) => typeof item === 'string');
  if (
    typeof args?.cluster !== 'string' ||
    typeof args.property !== 'string' ||
    typeof args.runs !== 'string' ||
    !strings(args.workloads) ||
    !strings(args['profiles-dir'])
  )
    throw ConfigError.single('shard file', 'args', 'lacks the check flags (cluster, property, runs, workloads)', 'rerun the shards');
  return args as CheckInputArgs;
}

/** The property a check judges, from `--property` and the flags it takes. */
function propertySpec(args: CheckInputArgs): PropertySpec {
  const within = args.within !== undefined ? { within: durationOption('--within', args.within, checkLimits.within) } : {};
  switch (args.property) {
    case 'deployments-recover':
    case 'power-cut-recovery':
      return { name: args.property, ...within };
    case 'service-availability':
      if (!args.service) throw ConfigError.single('--service', '', 'service-availability needs a Service', 'pass --service namespace/name');
      return {
        name: 'service-availability',
        service: args.service,
        ...(args['at-least'] !== undefined ? { atLeast: shareOption('--at-least', args['at-least']) } : {}),
      };
    case 'api-available':
    case 'no-oom-kills':
      return { name: args.property };
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

/** Reads the flags, loads the cluster and manifests: the check they describe, and its property. */
export async function loadCheckJob(args: CheckInputArgs): Promise<{ job: CheckJob; property: ResilienceProperty; seed?: number }> {
  const runs = integerOption('--runs', args.runs, checkLimits.runs);
  const seed = args.seed !== undefined ? integerOption('--seed', args.seed, checkLimits.seed) : undefined;
  const maxFaults = args['max-faults'] !== undefined ? integerOption('--max-faults', args['max-faults'], checkLimits.maxFaults) : undefined;
  const kinds = args.kinds !== undefined ? kindsOption('--kinds', args.kinds) : undefined;
  const spec = propertySpec(args);
  const property = propertyFromSpec(spec);
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
  const bounds = { ...(maxFaults !== undefined ? { maxFaults } : {}), ...(kinds ? { kinds } : {}) };
  return { job: { cluster, objects, property: spec, runs, bounds }, property, ...(seed !== undefined ? { seed } : {}) };
}

/** A word the shell passes through as it is, or the word in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `check …` with every flag that chooses the property, the manifests and the schedules, as words:
 * the same check wherever it runs (a replay, a shard's pod).
 */
export function checkArgv(args: CheckInputArgs): string[] {
  const words = ['check', args.cluster];
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
    ['--seed', args.seed],
  ];
  for (const [flag, value] of flags) if (value !== undefined) words.push(flag, value);
  return words;
}

/** `twin check …` that replays the same failure. */
function replayCommand(args: CheckInputArgs, seed: number, path: string): string {
  return ['twin', ...checkArgv({ ...args, seed: String(seed) }), '--path', path].map(shellWord).join(' ');
}

/** A progress bar on stderr, on a terminal outside CI only. */
export function checkProgress(): ((run: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY || process.env['CI']) return undefined;
  return (run, total) => {
    const width = 30;
    const done = Math.round((width * run) / total);
    process.stderr.write(`\r  [${'#'.repeat(done)}${'-'.repeat(width - done)}] ${run}/${total} schedules`);
  };
}

/** Prints a check's result, writes its JUnit file and, on failure, its reproduction scenario; a failure throws (exit 1). */
export function reportCheck(
  args: CheckInputArgs,
  output: { readonly out: string; readonly junit?: string | undefined },
  property: ResilienceProperty,
  result: CheckResult,
): void {
  if (output.junit) writeFileAtomic(output.junit, renderCheckJunit(result, property.description));
  const drawn = `schedules of up to ${result.schedules.maxFaults} fault(s) of ${result.schedules.kinds.join(', ')}`;
  if (result.ok) {
    writeOut(`✔ ${property.name}: ${property.description} — held for ${result.runs} generated schedules (seed ${result.seed})`);
    writeOut(`  ${drawn}`);
    return;
  }
  const failure = result.failure;
  if (!failure) return;
  const sources = { cluster: resolve(args.cluster), workloads: args.workloads.map((w) => resolve(w)) };
  const file = writeReproduction(failure, property.name, sources, output.out);
  writeOut(`✘ ${property.name}: ${property.description} — fails`);
  writeOut(`  ${drawn}`);
  const schedule = failure.faults.map(
    (f) => `${describeFault(f)} at ${String(f.at)}s${f.for !== undefined ? ` for ${String(f.for)}s` : ''}`,
  );
  writeOut(`  minimal schedule (${failure.shrinks} shrink step(s)): ${schedule.join('; ')}`);
  writeOut(`  why: ${failure.explanation}`);
  writeOut(`  replay: ${replayCommand(args, result.seed, failure.path)}`);
  writeOut(`  scenario: ${displayPath(file)} (twin run ${displayPath(file)} reproduces it)`);
  throw new ExpectationsFailedError(`property ${property.name} failed (seed ${result.seed}, path ${failure.path})`);
}

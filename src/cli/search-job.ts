/**
 * What `twin plan --search`, `twin export job plan` and `twin merge` (of search shards) share: the
 * search a set of flags describes, loaded, and how its result is printed.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { ConfigError } from '../errors.js';
import { loadCalibrationFile } from '../load/calibration.js';
import { loadManifests } from '../load/manifests.js';
import { ProfileRegistry } from '../load/profiles.js';
import { renderSearchText } from '../plan/render.js';
import type { SearchOptions, SearchResult } from '../plan/search.js';
import { renderTable, writeOut } from './output.js';

/** The flags a search shard file records for `twin merge`: the output's form. */
export interface SearchOutputArgs {
  readonly json: boolean;
}

export function printSearch(result: SearchResult, args: SearchOutputArgs): void {
  writeOut(args.json ? JSON.stringify(result, null, 2) : renderSearchText(result, renderTable));
}

/** The largest cluster `--search` builds: every mix up to it is planned, so the count grows fast. */
export const maxSearchNodes = 12;

export interface NumberRule {
  readonly min: number;
  readonly max?: number;
  readonly integer?: boolean;
  /** `min` itself is refused. */
  readonly exclusive?: boolean;
  /** What the flag takes, completing `"-1" is not …`. */
  readonly what: string;
  readonly hint: string;
}

/** A numeric flag, checked against its rule; the error names the flag and the value as typed. */
export function numberFlag(flag: string, raw: string, rule: NumberRule): number {
  const value = raw.trim() === '' ? NaN : Number(raw);
  const ok =
    Number.isFinite(value) &&
    (rule.exclusive ? value > rule.min : value >= rule.min) &&
    (rule.max === undefined || value <= rule.max) &&
    (!rule.integer || Number.isInteger(value));
  if (!ok) throw ConfigError.single(flag, '', `"${raw}" is not ${rule.what}`, rule.hint);
  return value;
}

export function optionalNumber(flag: string, raw: string | undefined, rule: NumberRule): number | undefined {
  return raw === undefined ? undefined : numberFlag(flag, raw, rule);
}

/** The flags that choose a search's inputs. */
export interface SearchInputArgs extends SearchOutputArgs {
  readonly workloads: readonly string[];
  readonly profiles: string;
  readonly 'max-nodes': string;
  readonly budget?: string;
  readonly 'max-watts'?: string;
  readonly 'kwh-price'?: string;
  readonly 'profiles-dir': readonly string[];
  readonly calibration?: string;
}

/** Reads the flags, loads the manifests and profiles: the search they describe. */
export function loadSearchInputs(args: SearchInputArgs): {
  objects: KubernetesObject[];
  registry: ProfileRegistry;
  options: SearchOptions;
} {
  const maxNodes = numberFlag('--max-nodes', args['max-nodes'], {
    integer: true,
    min: 1,
    max: maxSearchNodes,
    what: `a whole number from 1 to ${maxSearchNodes}`,
    hint: 'the search plans every mix up to that size',
  });
  const budget = optionalNumber('--budget', args.budget, {
    min: 0,
    exclusive: true,
    what: 'an amount above 0 USD',
    hint: 'e.g. --budget 300',
  });
  const maxWatts = optionalNumber('--max-watts', args['max-watts'], {
    min: 0,
    exclusive: true,
    what: 'a power above 0 W',
    hint: 'e.g. --max-watts 25',
  });
  const kwhPrice = optionalNumber('--kwh-price', args['kwh-price'], {
    min: 0,
    what: 'a price of 0 or more USD per kWh',
    hint: 'e.g. --kwh-price 0.30',
  });
  const registry = ProfileRegistry.load(args['profiles-dir']);
  const profiles = [
    ...new Set(
      args.profiles
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    ),
  ];
  if (profiles.length === 0)
    throw ConfigError.single('--profiles', '', `"${args.profiles}" names no profile`, `use some of: ${registry.names().join(', ')}`);
  for (const p of profiles)
    if (!registry.get(p))
      throw ConfigError.single('--profiles', '', `unknown hardware profile "${p}"`, `use one of: ${registry.names().join(', ')}`);
  const objects = loadManifests(args.workloads).map((m) => m.object);
  const options: SearchOptions = {
    profiles,
    maxNodes,
    tolerate: 1,
    ...(budget !== undefined ? { budget } : {}),
    ...(maxWatts !== undefined ? { maxWatts } : {}),
    ...(args.calibration !== undefined ? { calibration: loadCalibrationFile(args.calibration) } : {}),
    ...(kwhPrice !== undefined ? { kwhPrice } : {}),
  };
  return { objects, registry, options };
}

/** `plan --search …` with every flag that chooses the search and its output, as words. */
export function searchArgv(args: SearchInputArgs): string[] {
  const words = ['plan', '--search'];
  for (const w of args.workloads) words.push('-w', w);
  for (const d of args['profiles-dir']) words.push('--profiles-dir', d);
  if (args.calibration !== undefined) words.push('--calibration', args.calibration);
  words.push('--profiles', args.profiles, '--max-nodes', args['max-nodes']);
  const flags: Array<[string, string | undefined]> = [
    ['--budget', args.budget],
    ['--max-watts', args['max-watts']],
    ['--kwh-price', args['kwh-price']],
  ];
  for (const [flag, value] of flags) if (value !== undefined) words.push(flag, value);
  if (args.json) words.push('--json');
  return words;
}

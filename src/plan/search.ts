/**
 * Searching hardware mixes: every multiset of the given profiles up to a node count, the
 * biggest board as the K3s server, checked for fit and (optionally) N-1 agent failures,
 * then filtered by budget and watts and ranked by cost and by power.
 */
import type { CalibrationSource } from '../model/calibration-apply.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import { clusterFromDefinition } from '../load/cluster.js';
import type { ProfileRegistry } from '../load/profiles.js';
import type { HardwareProfile } from '../model/hardware-profile.js';
import { ConfigError } from '../errors.js';
import { planCluster, type PendingEntry } from './plan.js';

export interface SearchOptions {
  readonly profiles: readonly string[];
  readonly maxNodes: number;
  readonly budget?: number;
  readonly maxWatts?: number;
  /** Agent failures each mix must survive (0 or 1). */
  readonly tolerate: number;
  readonly kwhPrice?: number;
  readonly k3sVersion?: string;
  /** Measured figures: a candidate's boards of a measured profile use the profile's pooled figures. */
  readonly calibration?: CalibrationSource;
  /** Called after each mix is evaluated (progress of a long search). */
  readonly onProgress?: (evaluated: number, total: number) => void;
}

export interface Candidate {
  readonly mix: string;
  readonly nodes: number;
  readonly purchaseUsd: number;
  readonly expectedWatts: number;
  readonly costPerMonth: number;
  readonly fits: boolean;
  readonly survivesN1: boolean;
  /** Why it was rejected, or null. */
  readonly rejected: string | null;
}

export interface SearchResult {
  readonly evaluated: number;
  readonly byCost: readonly Candidate[];
  readonly byPower: readonly Candidate[];
  /** Rejections grouped by reason, with a count, the cheapest example and what would change the verdict. */
  readonly rejections: ReadonlyArray<{ reason: string; count: number; example: string; fix: string }>;
}

/** A rejection, and the family it is summarised in (no counts, no node names). */
export interface Rejection {
  readonly text: string;
  readonly family: string;
  readonly fix: string;
}

/** `0/3 nodes are available: 2 Insufficient memory, 1 node(s) had …` → `Insufficient memory, node(s) had …`. */
function reasonKinds(message: string): string {
  const colon = message.indexOf(': ');
  if (!/^0\/\d+ nodes are available/.test(message) || colon < 0) return message;
  return message
    .slice(colon + 2)
    .split(', ')
    .map((r) => r.replace(/^\d+ /, ''))
    .join(', ');
}

function doesNotFit(pending: readonly PendingEntry[]): Rejection {
  const first = pending[0];
  if (!first) return { text: 'does not fit', family: 'does not fit', fix: 'more or bigger nodes' };
  const workloads = new Set(pending.map((p) => p.workload)).size;
  const more = pending.length > 1 ? ` (${pending.length} pods of ${workloads} workload(s) pending)` : '';
  return {
    text: `does not fit: ${first.pod}: ${first.reason}${more}`,
    family: `does not fit: ${first.workload}: ${reasonKinds(first.reason)}`,
    fix: /node affinity\/selector/.test(first.reason)
      ? `${first.fix}; the search's nodes carry only the labels K3s sets: plan a cluster file of your own instead`
      : first.fix,
  };
}

/** Checks the search's own options (the CLI checks its flags first, naming the value typed). */
function checkSearchOptions(options: SearchOptions): void {
  const problems: Array<{ field: string; message: string; hint: string }> = [];
  if (!Number.isInteger(options.maxNodes) || options.maxNodes < 1)
    problems.push({ field: 'maxNodes', message: `${options.maxNodes} is not a node count`, hint: 'give a whole number, 1 or more' });
  if (options.budget !== undefined && !(Number.isFinite(options.budget) && options.budget > 0))
    problems.push({ field: 'budget', message: `${options.budget} is not a budget`, hint: 'give USD, more than 0' });
  if (options.maxWatts !== undefined && !(Number.isFinite(options.maxWatts) && options.maxWatts > 0))
    problems.push({ field: 'maxWatts', message: `${options.maxWatts} is not a power limit`, hint: 'give watts, more than 0' });
  if (options.profiles.length === 0) problems.push({ field: 'profiles', message: 'no profiles to combine', hint: 'name at least one' });
  if (problems.length) throw new ConfigError('search options', problems);
}

function multisets(count: number, size: number): number[][] {
  const out: number[][] = [];
  const walk = (start: number, current: number[]) => {
    if (current.length === size) {
      out.push([...current]);
      return;
    }
    for (let i = start; i < count; i++) walk(i, [...current, i]);
  };
  walk(0, []);
  return out;
}

/** A mix evaluated: the candidate, and why it was rejected (null: accepted). */
export interface MixOutcome {
  readonly candidate: Candidate;
  readonly rejection: Rejection | null;
}

/** Every mix a search plans, in the order it plans them: index lists into `profiles`, by size. */
export function searchedMixes(profileCount: number, maxNodes: number): number[][] {
  const mixes: number[][] = [];
  for (let size = 1; size <= maxNodes; size++) mixes.push(...multisets(profileCount, size));
  return mixes;
}

/** The profiles a search combines, in `options.profiles` order (unknown names were refused before). */
export function searchedProfiles(registry: ProfileRegistry, options: SearchOptions): HardwareProfile[] {
  checkSearchOptions(options);
  return options.profiles.map((name) => registry.get(name)).filter((p): p is HardwareProfile => !!p);
}

export function searchMixes(objects: readonly KubernetesObject[], registry: ProfileRegistry, options: SearchOptions): SearchResult {
  const profiles = searchedProfiles(registry, options);
  const mixes = searchedMixes(profiles.length, options.maxNodes);
  const outcomes: MixOutcome[] = [];
  for (const mix of mixes) {
    outcomes.push(evaluateMix(objects, registry, profiles, options, mix));
    options.onProgress?.(outcomes.length, mixes.length);
  }
  return summariseSearch(outcomes);
}

/** Plans one mix: the biggest board as the server, fit, budget, watts and N-1. */
export function evaluateMix(
  objects: readonly KubernetesObject[],
  registry: ProfileRegistry,
  profiles: readonly HardwareProfile[],
  options: SearchOptions,
  mix: readonly number[],
): MixOutcome {
  const price = options.kwhPrice !== undefined ? { kwhPrice: options.kwhPrice } : {};
  const size = mix.length;
  const chosen = mix
    .map((i) => profiles[i] as HardwareProfile)
    .sort(
      (a, b) => b.spec.memory.value - a.spec.memory.value || b.spec.cpu.relativePerformance.value - a.spec.cpu.relativePerformance.value,
    );
  const counts = new Map<string, number>();
  for (const p of chosen) counts.set(p.metadata.name, (counts.get(p.metadata.name) ?? 0) + 1);
  const label = [...counts].map(([name, n]) => `${n} × ${name}`).join(' + ');
  const cluster = clusterFromDefinition(
    {
      name: 'candidate',
      ...(options.k3sVersion ? { k3s: { version: options.k3sVersion } } : {}),
      nodes: chosen.map((p, i) => ({
        name: i === 0 ? 'server' : `agent-${i}`,
        profile: p.metadata.name,
        role: i === 0 ? 'server' : 'agent',
      })),
    },
    'search',
    { profiles: registry, ...(options.calibration ? { calibration: options.calibration } : {}) },
  );
  const plan = planCluster(cluster, objects, { skipTolerance: true, ...price });
  let survives = true;
  let rejected: Rejection | null = null;
  if (!plan.fits) rejected = doesNotFit(plan.pending);
  else if (options.budget !== undefined && plan.power.purchaseUsd > options.budget)
    rejected = {
      text: `over budget: $${plan.power.purchaseUsd} > $${options.budget}`,
      family: 'over budget',
      fix: 'raise --budget, or add cheaper profiles to --profiles',
    };
  else if (options.maxWatts !== undefined && plan.power.expectedWatts > options.maxWatts)
    rejected = {
      text: `draws too much: ${plan.power.expectedWatts} W > ${options.maxWatts} W`,
      family: 'draws too much',
      fix: 'raise --max-watts, or add more frugal profiles to --profiles',
    };
  else if (options.tolerate > 0) {
    const withFailures = planCluster(cluster, objects, { tolerate: 1, ...price });
    const agentFailures = withFailures.tolerance.failures.filter((f) => f.failed.every((n) => n !== 'server'));
    const broken = agentFailures.find((f) => f.pending.some((p) => p.kind === 'capacity' || p.kind === 'placement'));
    if (size === 1) {
      survives = false;
      rejected = {
        text: 'fails N-1: a single node has nothing to fail over to',
        family: 'fails N-1: a single node has nothing to fail over to',
        fix: 'allow 2 nodes or more (--max-nodes)',
      };
    } else if (broken) {
      survives = false;
      const stuck = broken.pending.find((p) => p.kind === 'capacity' || p.kind === 'placement') ?? broken.pending[0];
      rejected = {
        text:
          `fails N-1: losing ${broken.failed.join(' + ')} leaves ${broken.pending.length} pod(s) pending ` +
          `(${broken.pending[0]?.reason ?? ''})`,
        family: `fails N-1: losing an agent leaves ${stuck?.workload ?? 'pods'} pending: ${reasonKinds(stuck?.reason ?? '')}`,
        fix: `the other nodes must have room for any one agent's pods: ${stuck?.fix ?? 'add nodes'}`,
      };
    }
  }
  const candidate: Candidate = {
    mix: label,
    nodes: size,
    purchaseUsd: plan.power.purchaseUsd,
    expectedWatts: plan.power.expectedWatts,
    costPerMonth: plan.power.costPerMonth,
    fits: plan.fits,
    survivesN1: survives,
    rejected: rejected?.text ?? null,
  };
  return { candidate, rejection: rejected };
}

/** The search's result from its mixes' outcomes, in the order the mixes are planned. */
export function summariseSearch(outcomes: readonly MixOutcome[]): SearchResult {
  const candidates = outcomes.map((o) => o.candidate);
  const rejections = new Map<Candidate, Rejection>();
  for (const { candidate, rejection } of outcomes) if (rejection) rejections.set(candidate, rejection);
  const accepted = candidates.filter((c) => c.rejected === null);
  const groups = new Map<string, { count: number; example: Candidate; fix: string }>();
  for (const [c, rejection] of rejections) {
    const group = groups.get(rejection.family);
    if (!group) groups.set(rejection.family, { count: 1, example: c, fix: rejection.fix });
    else {
      group.count++;
      if (c.purchaseUsd < group.example.purchaseUsd) group.example = c;
    }
  }
  return {
    evaluated: candidates.length,
    byCost: [...accepted].sort((a, b) => a.purchaseUsd - b.purchaseUsd || a.expectedWatts - b.expectedWatts || a.mix.localeCompare(b.mix)),
    byPower: [...accepted].sort((a, b) => a.expectedWatts - b.expectedWatts || a.purchaseUsd - b.purchaseUsd || a.mix.localeCompare(b.mix)),
    rejections: [...groups]
      .map(([reason, g]) => ({ reason, count: g.count, example: `${g.example.mix}: ${g.example.rejected}`, fix: g.fix }))
      .sort((a, b) => b.count - a.count),
  };
}

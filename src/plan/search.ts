/**
 * Searching hardware mixes: every multiset of the given profiles up to a node count, the
 * biggest board as the K3s server, checked for fit and (optionally) N-1 agent failures,
 * then filtered by budget and watts and ranked by cost and by power.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { clusterFromDefinition } from '../load/cluster.js';
import type { ProfileRegistry } from '../load/profiles.js';
import type { HardwareProfile } from '../model/hardware-profile.js';
import { planCluster } from './plan.js';

export interface SearchOptions {
  readonly profiles: readonly string[];
  readonly maxNodes: number;
  readonly budget?: number;
  readonly maxWatts?: number;
  /** Agent failures each mix must survive (0 or 1). */
  readonly tolerate: number;
  readonly kwhPrice?: number;
  readonly k3sVersion?: string;
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
  /** Rejections grouped by reason, with a count and the cheapest example. */
  readonly rejections: ReadonlyArray<{ reason: string; count: number; example: string }>;
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

export function searchMixes(objects: readonly KubernetesObject[], registry: ProfileRegistry, options: SearchOptions): SearchResult {
  const profiles = options.profiles.map((name) => registry.get(name)).filter((p): p is HardwareProfile => !!p);
  const candidates: Candidate[] = [];
  for (let size = 1; size <= options.maxNodes; size++) {
    for (const mix of multisets(profiles.length, size)) {
      const chosen = mix
        .map((i) => profiles[i] as HardwareProfile)
        .sort(
          (a, b) =>
            b.spec.memory.value - a.spec.memory.value || b.spec.cpu.relativePerformance.value - a.spec.cpu.relativePerformance.value,
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
        { profiles: registry },
      );
      const plan = planCluster(cluster, objects, {
        skipTolerance: true,
        ...(options.kwhPrice !== undefined ? { kwhPrice: options.kwhPrice } : {}),
      });
      let survives = true;
      let rejected: string | null = null;
      if (!plan.fits) rejected = `does not fit: ${plan.pending[0]?.reason ?? 'pods pending'}`;
      else if (options.budget !== undefined && plan.power.purchaseUsd > options.budget)
        rejected = `over budget: $${plan.power.purchaseUsd} > $${options.budget}`;
      else if (options.maxWatts !== undefined && plan.power.expectedWatts > options.maxWatts)
        rejected = `draws too much: ${plan.power.expectedWatts} W > ${options.maxWatts} W`;
      else if (options.tolerate > 0) {
        const withFailures = planCluster(cluster, objects, {
          tolerate: 1,
          ...(options.kwhPrice !== undefined ? { kwhPrice: options.kwhPrice } : {}),
        });
        const agentFailures = withFailures.tolerance.failures.filter((f) => f.failed.every((n) => n !== 'server'));
        const broken = agentFailures.find((f) => f.pending.some((p) => p.kind === 'capacity' || p.kind === 'placement'));
        if (size === 1) {
          survives = false;
          rejected = 'fails N-1: a single node has nothing to fail over to';
        } else if (broken) {
          survives = false;
          rejected =
            `fails N-1: losing ${broken.failed.join(' + ')} leaves ${broken.pending.length} pod(s) pending ` +
            `(${broken.pending[0]?.reason ?? ''})`;
        }
      }
      candidates.push({
        mix: label,
        nodes: size,
        purchaseUsd: plan.power.purchaseUsd,
        expectedWatts: plan.power.expectedWatts,
        costPerMonth: plan.power.costPerMonth,
        fits: plan.fits,
        survivesN1: survives,
        rejected,
      });
    }
  }
  const accepted = candidates.filter((c) => c.rejected === null);
  const groups = new Map<string, { count: number; example: Candidate }>();
  for (const c of candidates) {
    if (!c.rejected) continue;
    const reason = c.rejected
      .replace(/\d+(\.\d+)?/g, 'N')
      .replace(/agent-N|server/g, 'a node')
      .slice(0, 140);
    const group = groups.get(reason);
    if (!group) groups.set(reason, { count: 1, example: c });
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
      .map(([reason, g]) => ({ reason, count: g.count, example: `${g.example.mix}: ${g.example.rejected}` }))
      .sort((a, b) => b.count - a.count),
  };
}

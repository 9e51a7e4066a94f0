/**
 * fast-check arbitraries for fault schedules over a given cluster: which nodes, which
 * fault kinds, when, for how long, overlapping or not — within bounds the user sets.
 * Every generated fault is reverted (`for`), so a schedule always heals.
 */
import fc from 'fast-check';
import { ConfigError } from '../errors.js';
import type { Cluster } from '../model/cluster.js';
import type { Fault } from '../scenario/faults.js';

/** The fault kinds a schedule can be drawn from. */
export const generatedFaultKinds = [
  'power-off',
  'reboot',
  'k3s-restart',
  'partition',
  'control-plane-down',
  'memory-leak',
  'site-power-cut',
  'slow-storage',
  'rancher-down',
] as const;
export type GeneratedFaultKind = (typeof generatedFaultKinds)[number];

export interface ScheduleBounds {
  /** Fault kinds to draw from (default: power-off, reboot, k3s-restart, partition). */
  readonly kinds?: readonly GeneratedFaultKind[];
  /** At most this many faults in one schedule (default 2). */
  readonly maxFaults?: number;
  /** Faults start within this many seconds after bring-up (default 900). */
  readonly window?: number;
  /** Fault durations in seconds (default 30..600). */
  readonly minDuration?: number;
  readonly maxDuration?: number;
  /** Allow faults to overlap in time (default true). */
  readonly overlap?: boolean;
  /** Nodes that may be hit (default: every server and agent; power cuts hit the whole site). */
  readonly nodes?: readonly string[];
  /** Workload keys for memory-leak faults (`Deployment/default/api`). */
  readonly workloads?: readonly string[];
}

/** The defaults a schedule arbitrary uses; exported so reports can state them. */
export const defaultBounds = Object.freeze({
  kinds: ['power-off', 'reboot', 'k3s-restart', 'partition'] as GeneratedFaultKind[],
  maxFaults: 2,
  window: 900,
  minDuration: 30,
  maxDuration: 600,
  overlap: true,
});

/** One fault against the cluster (time and duration in seconds). */
export function faultArbitrary(cluster: Cluster, bounds: ScheduleBounds = {}): fc.Arbitrary<Fault> {
  const b = { ...defaultBounds, ...bounds };
  const clusterNodes = b.nodes ?? cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent').map((n) => n.name);
  const servers = cluster.nodes.filter((n) => n.role === 'server').map((n) => n.name);
  const at = fc.integer({ min: 0, max: b.window });
  const duration = fc.integer({ min: b.minDuration, max: b.maxDuration });
  const node = fc.constantFrom(...clusterNodes);
  const byKind: Record<GeneratedFaultKind, fc.Arbitrary<Fault> | null> = {
    'power-off': fc.record({ at, for: duration, node }).map((f) => ({ kind: 'power-off', ...f })),
    reboot: fc.record({ at, node }).map((f) => ({ kind: 'reboot', ...f })),
    'k3s-restart': fc.record({ at, node }).map((f) => ({ kind: 'k3s-restart', ...f })),
    partition:
      clusterNodes.length > 1
        ? fc
            .record({ at, for: duration, group: fc.subarray([...clusterNodes], { minLength: 1, maxLength: clusterNodes.length - 1 }) })
            .map((f) => ({ kind: 'partition', at: f.at, for: f.for, groups: [f.group] }))
        : null,
    'control-plane-down': fc
      .record({ at, for: duration, server: fc.constantFrom(...servers) })
      .map((f) => ({ kind: 'control-plane-down', at: f.at, for: f.for, servers: [f.server] })),
    'memory-leak': b.workloads?.length
      ? fc
          .record({ at, for: duration, workload: fc.constantFrom(...b.workloads), rate: fc.integer({ min: 1, max: 8 }) })
          .map((f) => ({ kind: 'memory-leak', at: f.at, for: f.for, workload: f.workload, rate: `${f.rate}Mi/s` }))
      : null,
    // Power returns in any order, up to a minute apart per machine.
    'site-power-cut': fc
      .record({
        at,
        for: duration,
        order: fc.shuffledSubarray(
          cluster.nodes.map((n) => n.name),
          { minLength: cluster.nodes.length, maxLength: cluster.nodes.length },
        ),
        interval: fc.integer({ min: 0, max: 60 }),
      })
      .map((f) => ({ kind: 'site-power-cut', at: f.at, for: f.for, order: f.order, interval: f.interval })),
    'slow-storage': fc
      .record({ at, for: duration, node, latency: fc.integer({ min: 50, max: 5000 }) })
      .map((f) => ({ kind: 'slow-storage', at: f.at, for: f.for, node: f.node, latency: `${f.latency}ms` })),
    'rancher-down': cluster.rancher ? fc.record({ at, for: duration }).map((f) => ({ kind: 'rancher-down', ...f })) : null,
  };
  const choices = b.kinds.map((k) => byKind[k]).filter((a): a is fc.Arbitrary<Fault> => a !== null);
  if (choices.length === 0) {
    const why: Partial<Record<GeneratedFaultKind, string>> = {
      partition: 'needs two nodes',
      'memory-leak': 'needs a Deployment in the manifests',
      'rancher-down': 'needs a Rancher in the cluster',
    };
    const reasons = b.kinds.map((k) => `${k} ${why[k] ?? 'does not apply'}`).join('; ');
    throw ConfigError.single(
      'fault kinds',
      '',
      `no fault kind asked for applies to cluster ${cluster.name}: ${reasons}`,
      'choose others with --kinds, or bounds.kinds',
    );
  }
  return fc.oneof(...choices);
}

/** When a fault is over (reverted), in seconds after the fault phase starts. */
export function healedAt(fault: Fault): number {
  const at = typeof fault.at === 'number' ? fault.at : 0;
  const duration = typeof fault.for === 'number' ? fault.for : 0;
  // A reboot or k3s restart heals by itself; allow for the node to come back.
  return at + duration;
}

/** A fault schedule: up to maxFaults faults, with ids f1, f2, … in time order. */
export function scheduleArbitrary(cluster: Cluster, bounds: ScheduleBounds = {}): fc.Arbitrary<Fault[]> {
  const b = { ...defaultBounds, ...bounds };
  return fc.array(faultArbitrary(cluster, b), { minLength: 1, maxLength: b.maxFaults }).map((faults) => {
    const sorted = [...faults].sort((x, y) => Number(x.at) - Number(y.at));
    if (!b.overlap) {
      let free = 0;
      for (const [i, f] of sorted.entries()) {
        const start = Math.max(Number(f.at), free);
        sorted[i] = { ...f, at: start } as Fault;
        free = healedAt(sorted[i] as Fault) + 1;
      }
    }
    return sorted.map((f, i) => ({ ...f, id: `f${i + 1}` }) as Fault);
  });
}

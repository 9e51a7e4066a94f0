/**
 * Entry point of the simulation core: a cluster plus its workloads in, a {@link Simulation}
 * out. Pure: callers read files; this only computes.
 */
import type { Cluster } from '../model/cluster.js';
import { systemObjects } from '../model/k3s-components.js';
import { readWorkloads, type WorkloadSet } from '../model/workloads.js';
import { Simulation } from './simulation.js';

interface SimulationInputBase {
  readonly cluster: Cluster;
  readonly seed: number;
  /** Seconds between samples of the series (default 10). */
  readonly sampleInterval?: number;
  /** False: no series are sampled (the timeline's events are the same). */
  readonly series?: boolean;
}

export interface SimulationInput extends SimulationInputBase {
  /** The user's workloads, read once from their manifests (`readWorkloads`). */
  readonly workloads: WorkloadSet;
}

/**
 * The K3s components' workloads of each cluster, read once: a check or a plan search runs the same
 * cluster thousands of times, and the simulation only reads a WorkloadSet (the user's is shared
 * across runs the same way).
 */
const systemWorkloads = new WeakMap<Cluster, WorkloadSet>();

function systemWorkloadsOf(cluster: Cluster): WorkloadSet {
  let set = systemWorkloads.get(cluster);
  if (!set) {
    set = readWorkloads(systemObjects(cluster), { system: true });
    systemWorkloads.set(cluster, set);
  }
  return set;
}

export function createSimulation(input: SimulationInput): Simulation {
  return new Simulation({
    cluster: input.cluster,
    workloads: input.workloads,
    systemWorkloads: systemWorkloadsOf(input.cluster),
    seed: input.seed,
    ...(input.sampleInterval !== undefined ? { sampleInterval: input.sampleInterval } : {}),
    ...(input.series === false ? { series: false } : {}),
  });
}

export { Simulation } from './simulation.js';
export { Priority } from './priority.js';
export type { BringUpState } from './context.js';

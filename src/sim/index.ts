/**
 * Entry point of the simulation core: a cluster plus its workloads in, a {@link Simulation}
 * out. Pure: callers read files; this only computes.
 */
import type { Cluster } from '../model/cluster.js';
import { systemWorkloadsOf } from '../model/system-workloads.js';
import type { WorkloadSet } from '../model/workloads.js';
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

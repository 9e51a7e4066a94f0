/**
 * Entry point of the simulation core: a cluster plus Kubernetes objects in, a
 * {@link Simulation} out. Pure: callers read files; this only computes.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from '../model/cluster.js';
import { systemObjects } from '../model/k3s-components.js';
import { readWorkloads, type WorkloadSet } from '../model/workloads.js';
import { Simulation } from './simulation.js';

export interface SimulationInput {
  readonly cluster: Cluster;
  /** The user's manifests (Deployments, StatefulSets, Services, PVCs…). */
  readonly objects: readonly KubernetesObject[];
  /** `objects` already read (a scenario's loader reads them once); read here when not given. */
  readonly workloads?: WorkloadSet;
  readonly seed: number;
  /** Seconds between samples of the series (default 10). */
  readonly sampleInterval?: number;
}

export function createSimulation(input: SimulationInput): Simulation {
  return new Simulation({
    cluster: input.cluster,
    workloads: input.workloads ?? readWorkloads(input.objects),
    systemWorkloads: readWorkloads(systemObjects(input.cluster), { system: true }),
    seed: input.seed,
    ...(input.sampleInterval !== undefined ? { sampleInterval: input.sampleInterval } : {}),
  });
}

export { Simulation, Priority } from './simulation.js';
export type { BringUpState } from './simulation.js';

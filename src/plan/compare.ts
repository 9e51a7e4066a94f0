/**
 * Clusters side by side (`twin plan --compare`): each one's capacity plan, and how long its
 * bring-up takes in the model (boot, K3s, image pulls on each board), run on the sim engine.
 */
import { readWorkloads } from '../model/workloads.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from '../model/cluster.js';
import { createSimulation } from '../sim/index.js';
import { planCluster, type PlanOptions, type PlanResult } from './plan.js';

export interface ComparedPlan {
  readonly plan: PlanResult;
  /** Seconds from power-on until the workloads are ready in the model; null if not within an hour. */
  readonly bringUp: number | null;
}

/** The model's seed for the bring-up: fixed, so a comparison is the same every time. */
const bringUpSeed = 1;
const bringUpLimit = 3600;

export function simulatedBringUp(cluster: Cluster, objects: readonly KubernetesObject[]): number | null {
  const sim = createSimulation({ cluster, workloads: readWorkloads(objects), seed: bringUpSeed });
  return sim.runUntilCondition(() => sim.bringUp.workloadsReady !== null, bringUpLimit);
}

export function comparePlans(
  clusters: readonly Cluster[],
  objects: readonly KubernetesObject[],
  options: PlanOptions = {},
): ComparedPlan[] {
  return clusters.map((cluster) => ({ plan: planCluster(cluster, objects, options), bringUp: simulatedBringUp(cluster, objects) }));
}

/**
 * Clusters side by side (`twin plan --compare`): each one's capacity plan, and how long its
 * bring-up takes in the model (boot, K3s, image pulls on each board), run on the sim engine;
 * a bring-up that does not finish says what it waited for.
 */
import { readWorkloads } from '../model/workloads.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from '../model/cluster.js';
import { analyseBringUp } from '../report/bringup.js';
import { unfinishedBringUp, type UnfinishedItem } from '../report/unfinished.js';
import { createSimulation } from '../sim/index.js';
import { planCluster, type PlanOptions, type PlanResult } from './plan.js';

export interface ComparedPlan {
  readonly plan: PlanResult;
  /** Seconds from power-on until the workloads are ready in the model; null if not within an hour. */
  readonly bringUp: number | null;
  /** Present only when the bring-up did not finish: what it waited for, why, and the fix. */
  readonly unfinished?: readonly UnfinishedItem[];
}

/** The model's seed for the bring-up: fixed, so a comparison is the same every time. */
const bringUpSeed = 1;
const bringUpLimit = 3600;

export interface SimulatedBringUp {
  readonly seconds: number | null;
  readonly unfinished?: readonly UnfinishedItem[];
}

export function simulatedBringUp(cluster: Cluster, objects: readonly KubernetesObject[]): SimulatedBringUp {
  const workloads = readWorkloads(objects);
  const sim = createSimulation({ cluster, workloads, seed: bringUpSeed });
  const seconds = sim.runUntilCondition(() => sim.bringUp.workloadsReady !== null, bringUpLimit);
  if (seconds !== null) return { seconds };
  const timeline = sim.timeline();
  const names = cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent').map((n) => n.name);
  const analysis = analyseBringUp(timeline, names, sim.now);
  const unfinished = unfinishedBringUp(timeline, sim.now, cluster, workloads, analysis);
  return unfinished ? { seconds, unfinished } : { seconds };
}

export function comparePlans(
  clusters: readonly Cluster[],
  objects: readonly KubernetesObject[],
  options: PlanOptions = {},
): ComparedPlan[] {
  return clusters.map((cluster) => {
    const plan = planCluster(cluster, objects, options);
    const { seconds, unfinished } = simulatedBringUp(cluster, objects);
    return { plan, bringUp: seconds, ...(unfinished ? { unfinished } : {}) };
  });
}

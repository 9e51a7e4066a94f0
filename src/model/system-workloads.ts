/**
 * The K3s components' workloads of a cluster (`systemObjects`), read once and shared: a check runs
 * the same cluster thousands of times and a plan search plans a thousand clusters with the same K3s
 * options. Nothing that takes a WorkloadSet changes it (the simulation, planning and name checks
 * only read it). Looked up by the cluster first, then by the component objects themselves, which
 * are all that decides the set.
 */
import type { Cluster } from './cluster.js';
import { systemObjects } from './k3s-components.js';
import { readWorkloads, type WorkloadSet } from './workloads.js';

const byCluster = new WeakMap<Cluster, WorkloadSet>();
const byObjects = new Map<string, WorkloadSet>();

export function systemWorkloadsOf(cluster: Cluster): WorkloadSet {
  let set = byCluster.get(cluster);
  if (set) return set;
  const objects = systemObjects(cluster);
  const key = JSON.stringify(objects);
  set = byObjects.get(key);
  if (!set) {
    // A handful of K3s configurations in one process; the bound keeps a long-lived one from growing.
    if (byObjects.size >= 64) byObjects.clear();
    set = readWorkloads(objects, { system: true });
    byObjects.set(key, set);
  }
  byCluster.set(cluster, set);
  return set;
}

import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from '../model/cluster.js';
import { systemObjects } from '../model/k3s-components.js';
import { readWorkloads, type WorkloadSet } from '../model/workloads.js';

/**
 * The user's workloads of a manifest list, read once per list, and the K3s components' workloads,
 * read once per set of component objects: `plan --search` plans the same manifests on a thousand
 * mixes, and reading them again for each was a quarter of its time. Planning only reads a WorkloadSet.
 */
const userWorkloads = new WeakMap<readonly KubernetesObject[], WorkloadSet>();
const systemWorkloads = new Map<string, WorkloadSet>();

export function userWorkloadsOf(objects: readonly KubernetesObject[]): WorkloadSet {
  let set = userWorkloads.get(objects);
  if (!set) {
    set = readWorkloads(objects);
    userWorkloads.set(objects, set);
  }
  return set;
}

export function systemWorkloadsOf(cluster: Cluster): WorkloadSet {
  const objects = systemObjects(cluster);
  const key = JSON.stringify(objects);
  let set = systemWorkloads.get(key);
  if (!set) {
    // A handful of K3s configurations in one process; the bound keeps a long-lived one from growing.
    if (systemWorkloads.size >= 64) systemWorkloads.clear();
    set = readWorkloads(objects, { system: true });
    systemWorkloads.set(key, set);
  }
  return set;
}

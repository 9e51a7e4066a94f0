import type { KubernetesObject } from '@kubernetes/client-node';
import { readWorkloads, type WorkloadSet } from '../model/workloads.js';

/**
 * The user's workloads of a manifest list, read once per list: `plan --search` plans the same
 * manifests on a thousand mixes, and reading them again for each was a quarter of its time (the K3s
 * components' are shared the same way: model/system-workloads.ts). Planning only reads a WorkloadSet.
 */
const userWorkloads = new WeakMap<readonly KubernetesObject[], WorkloadSet>();

export function userWorkloadsOf(objects: readonly KubernetesObject[]): WorkloadSet {
  let set = userWorkloads.get(objects);
  if (!set) {
    set = readWorkloads(objects);
    userWorkloads.set(objects, set);
  }
  return set;
}

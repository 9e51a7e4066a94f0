/**
 * Static placement: every pod of a workload set, scheduled once onto healthy nodes with the
 * sim engine's own Filter and Score functions and its overhead model, so `twin plan` and
 * `twin run` never disagree about what fits where.
 */
import type { Cluster } from '../model/cluster.js';
import type { WorkloadSet } from '../model/workloads.js';
import { Rng } from '../sim/rng.js';
import { assignToNode, chooseNode, daemonEligibleOn, filterNode } from '../sim/scheduling.js';
import { createNode, newPod, newWorkloadState, type SimNode, type SimPod, type WorkloadState } from '../sim/state.js';

export type PendingKind = 'capacity' | 'volume' | 'placement' | 'control-plane';

export interface PendingPod {
  readonly pod: SimPod;
  readonly kind: PendingKind;
  /** In the scheduler's words: `0/3 nodes are available: 2 Insufficient memory, …`. */
  readonly reason: string;
}

export interface Placement {
  readonly nodes: SimNode[];
  readonly workloads: WorkloadState[];
  readonly pending: PendingPod[];
}

function classify(reasons: Map<string, number>): PendingKind {
  const text = [...reasons.keys()].join(' ');
  if (/PersistentVolume/.test(text)) return 'volume';
  if (/Insufficient|Too many pods/.test(text)) return 'capacity';
  return 'placement';
}

function describe(reasons: Map<string, number>, total: number): string {
  const detail = [...reasons].map(([reason, n]) => `${n} ${reason}`).join(', ');
  return `0/${total} nodes are available${detail ? `: ${detail}` : ''}`;
}

const isLocalClass = (storageClass: string | undefined, set: WorkloadSet, system: WorkloadSet) =>
  storageClass === 'local-path' ||
  (storageClass === undefined &&
    [...system.storageClasses, ...set.storageClasses].some((c) => c.isDefault && c.provisioner === 'rancher.io/local-path'));

/** Builds healthy, registered, Ready nodes for every server and agent of the cluster. */
export function healthyNodes(cluster: Cluster): SimNode[] {
  const etcd = cluster.k3s.datastore === 'embedded-etcd';
  return cluster.nodes
    .map((spec, index) => createNode(spec, index, cluster.settings, etcd))
    .filter((n) => n.inCluster)
    .map((n) => {
      n.powered = true;
      n.booted = true;
      n.k3s = 'running';
      n.registered = true;
      n.apiReady = 'True';
      return n;
    });
}

/** Places `pods` (in order) onto `nodes`; returns those that do not fit. */
export function placeAll(
  pods: readonly SimPod[],
  nodes: SimNode[],
  maxPods: number,
  rng: Rng,
  claimNodes: Map<string, string>,
  localClaims: Set<string>,
): PendingPod[] {
  const pending: PendingPod[] = [];
  for (const pod of pods) {
    for (const claim of pod.template.claims) {
      const node = claimNodes.get(`${pod.namespace}/${claim}`);
      if (node && !pod.pinnedNode) pod.pinnedNode = node;
    }
    const feasible: SimNode[] = [];
    const reasons = new Map<string, number>();
    for (const node of nodes) {
      const reason = filterNode(pod, node, maxPods);
      if (reason === null) feasible.push(node);
      else reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    if (pod.pinnedNode && !nodes.some((n) => n.name === pod.pinnedNode))
      reasons.set(`node(s) didn't match PersistentVolume's node affinity (local volume on ${pod.pinnedNode})`, 1);
    if (feasible.length === 0) {
      pending.push({ pod, kind: classify(reasons), reason: describe(reasons, nodes.length) });
      continue;
    }
    const node = chooseNode(pod, feasible, rng);
    assignToNode(pod, node);
    for (const claim of pod.template.claims)
      if (localClaims.has(`${pod.namespace}/${claim}`)) claimNodes.set(`${pod.namespace}/${claim}`, node.name);
    if (
      pod.workload.spec.kind === 'StatefulSet' &&
      pod.workload.spec.volumeClaimTemplates.some((t) => localClaims.has(`template:${t.storageClass ?? ''}`))
    )
      pod.workload.volumeNodes.set(pod.ordinal, node.name);
  }
  return pending;
}

/** Every pod the workloads want on these nodes, in scheduling order (priority, then manifest order). */
export function expandPods(workloads: WorkloadState[], nodes: readonly SimNode[]): SimPod[] {
  let id = 1;
  const pods: SimPod[] = [];
  for (const workload of workloads) {
    const spec = workload.spec;
    const count = spec.kind === 'DaemonSet' ? 0 : spec.kind === 'Job' ? Math.min(spec.parallelism, spec.completions) : spec.replicas;
    for (let ordinal = 0; ordinal < count; ordinal++) {
      const name = spec.kind === 'StatefulSet' ? `${spec.name}-${ordinal}` : count > 1 ? `${spec.name}-${ordinal + 1}` : spec.name;
      pods.push(newPod(id++, name, workload, ordinal, 0, null));
    }
    if (spec.kind === 'DaemonSet') {
      for (const node of nodes)
        if (daemonEligibleOn(workload.template, node))
          pods.push(newPod(id++, `${spec.name}-${node.name}`, workload, node.index, 0, node.name));
    }
    workload.nextOrdinal = count;
  }
  return pods.sort((a, b) => b.template.priority - a.template.priority || a.id - b.id);
}

/** Places the user's and K3s's workloads on a healthy cluster. */
export function place(cluster: Cluster, user: WorkloadSet, system: WorkloadSet, seed = 1): Placement {
  const nodes = healthyNodes(cluster);
  const workloads = [...system.workloads, ...user.workloads].map(newWorkloadState);
  const pods = expandPods(workloads, nodes);
  for (const pod of pods) pod.workload.pods.add(pod);
  const localClaims = new Set<string>();
  for (const claim of [...system.claims, ...user.claims])
    if (isLocalClass(claim.storageClass, user, system)) localClaims.add(`${claim.namespace}/${claim.name}`);
  for (const w of workloads)
    for (const t of w.spec.volumeClaimTemplates)
      if (isLocalClass(t.storageClass, user, system)) localClaims.add(`template:${t.storageClass ?? ''}`);
  const pending = placeAll(pods, nodes, cluster.settings.maxPods, new Rng(seed), new Map(), localClaims);
  return { nodes, workloads, pending };
}

/** Whether a pod keeps a local volume on its node (local-path PV with required node affinity). */
export function hasLocalVolume(pod: SimPod, user: WorkloadSet, system: WorkloadSet): boolean {
  if (
    pod.workload.spec.kind === 'StatefulSet' &&
    pod.workload.spec.volumeClaimTemplates.some((t) => isLocalClass(t.storageClass, user, system))
  )
    return true;
  return pod.template.claims.some((claim) =>
    [...system.claims, ...user.claims].some(
      (c) => c.name === claim && c.namespace === pod.namespace && isLocalClass(c.storageClass, user, system),
    ),
  );
}

/**
 * The scheduler's pure parts, shared with the capacity planner (`src/plan/placement.ts`) so
 * `twin plan` and `twin run` never disagree about what fits where: the Filter and Score
 * plugins of the default profile, the bookkeeping of a bind, and which nodes a DaemonSet wants.
 */
import type { V1NodeSelectorTerm } from '@kubernetes/client-node';
import type { Taint } from '../model/cluster-schema.js';
import { selectorMatches, type PodTemplate } from '../model/pod-template.js';
import type { Rng } from './rng.js';
import type { SimNode, SimPod } from './state.js';
import { taintKeys, tolerates } from './taints.js';

/** Scheduler's stand-in request for pods that set none, used only in scoring (KK pkg/scheduler/util/pod_resources.go). */
const nonZeroCpu = 100;
const nonZeroMemory = 200 * 1024 * 1024;
/** ImageLocality thresholds (KK pkg/scheduler/framework/plugins/imagelocality: 23 MB to 1000 MB). */
const imageMin = 23 * 1024 * 1024;
const imageMax = 1000 * 1024 * 1024;

function expressionMatches(labels: Readonly<Record<string, string>>, e: { key: string; operator: string; values?: string[] }): boolean {
  const value = labels[e.key];
  const values = e.values ?? [];
  switch (e.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

function nodeAffinityMatches(terms: readonly V1NodeSelectorTerm[], node: SimNode): boolean {
  if (terms.length === 0) return true;
  return terms.some(
    (term) =>
      (term.matchExpressions ?? []).every((e) => expressionMatches(node.spec.labels, e)) &&
      (term.matchFields ?? []).every((e) => expressionMatches({ 'metadata.name': node.name }, e)),
  );
}

/** Tolerations a pod effectively has: its own plus those DaemonSets get automatically. */
function podToleratesTaint(pod: SimPod, taint: Taint): boolean {
  if (pod.template.tolerations.some((t) => tolerates(t, taint))) return true;
  if (pod.workload.spec.kind === 'DaemonSet') {
    // DaemonSet pods tolerate node-health and pressure taints (K8sDocs daemonset#taints-and-tolerations).
    return [
      taintKeys.notReady,
      taintKeys.unreachable,
      taintKeys.memoryPressure,
      taintKeys.diskPressure,
      'node.kubernetes.io/unschedulable',
    ].includes(taint.key as never);
  }
  // DefaultTolerationSeconds adds not-ready/unreachable:NoExecute tolerations, which also count for scheduling.
  return taint.effect === 'NoExecute' && (taint.key === taintKeys.notReady || taint.key === taintKeys.unreachable);
}

/** Why a node with taints cannot take the pod, or null (the TaintToleration filter). */
function untoleratedTaint(pod: SimPod, node: SimNode): string | null {
  for (const taint of node.apiTaints) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!podToleratesTaint(pod, taint)) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  }
  for (const taint of node.spec.taints) {
    if (taint.effect !== 'PreferNoSchedule' && !podToleratesTaint(pod, taint))
      return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  }
  return null;
}

/** A pod's Filter plugins, with everything that depends only on the pod worked out once. */
export type NodeFilter = (node: SimNode) => string | null;

/**
 * The scheduler's Filter plugins for one pod: `filter(node)` says why `node` cannot take the pod, or null
 * if it can. The checks and their order are those of {@link filterNode}; what depends only on the pod
 * (selector entries, pinned node, requests, anti-affinity terms) is read once, not once per node.
 */
export function nodeFilter(pod: SimPod, maxPods: number): NodeFilter {
  const template = pod.template;
  const selector = Object.entries(template.nodeSelector);
  const affinity = template.nodeAffinity;
  const pinned = pinnedNode(pod);
  const requestCpu = template.requestCpu;
  const requestMemory = template.requestMemory;
  const ownAnti = template.antiAffinityHostname.length > 0;
  return (node) => {
    if (node.apiTaints.length > 0 || node.hasSpecTaints) {
      const reason = untoleratedTaint(pod, node);
      if (reason !== null) return reason;
    }
    for (let i = 0; i < selector.length; i++) {
      const [key, value] = selector[i] as [string, string];
      if (node.spec.labels[key] !== value) return "node(s) didn't match Pod's node affinity/selector";
    }
    if (affinity.length > 0 && !nodeAffinityMatches(affinity, node)) return "node(s) didn't match Pod's node affinity/selector";
    if (pinned && pinned.node !== node.name) return pinned.reason;
    if (node.podCount >= maxPods) return 'Too many pods';
    if (node.requestedCpu + requestCpu > node.allocatableCpu) return 'Insufficient cpu';
    if (node.requestedMemory + requestMemory > node.allocatableMemory) return 'Insufficient memory';
    // `antiAffinityPods` counts the node's pods with hostname anti-affinity, so a node without any is not scanned.
    if (ownAnti || (node.antiAffinityPods ?? 0) > 0) return antiAffinityConflict(pod, node);
    return null;
  };
}

/** Why `node` cannot take `pod`, in the scheduler's words, or null if it can (the scheduler's Filter plugins). */
export function filterNode(pod: SimPod, node: SimNode, maxPods: number): string | null {
  return nodeFilter(pod, maxPods)(node);
}

/** The InterPodAffinity filter for hostname anti-affinity, either way round. */
function antiAffinityConflict(pod: SimPod, node: SimNode): string | null {
  const template = pod.template;
  for (const other of node.pods) {
    if (other.namespace !== pod.namespace) continue;
    if (template.antiAffinityHostname.some((s) => selectorMatches(s, other.template.labels)))
      return "node(s) didn't match pod anti-affinity rules";
    if (other.template.antiAffinityHostname.some((s) => selectorMatches(s, template.labels)))
      return "node(s) didn't satisfy existing pods anti-affinity rules";
  }
  return null;
}

/** Node a pod is bound to by a DaemonSet or a local volume already provisioned on one node. */
export function pinnedNode(pod: SimPod): { node: string; reason: string } | null {
  if (pod.pinnedNode) {
    const reason =
      pod.workload.spec.kind === 'DaemonSet'
        ? "node(s) didn't match Pod's node affinity/selector"
        : "node(s) didn't match PersistentVolume's node affinity";
    return { node: pod.pinnedNode, reason };
  }
  return null;
}

/** Scoring's per-node columns, reused from pod to pod (grown when a pod has more feasible nodes). */
let scratch = new Float64Array(3 * 128);

/**
 * Copies a workload's per-node pod counts onto the nodes (`sameOwnerPods`), so scoring reads a field of each
 * feasible node, already in cache from filtering, instead of probing the map (most feasible nodes have none of
 * the workload's pods, and a miss costs the most). `clearOwnerCounts` puts the zeros back.
 */
function layOutOwnerCounts(podsPerNode: ReadonlyMap<SimNode, number>): void {
  for (const [node, count] of podsPerNode) node.sameOwnerPods = count;
}

function clearOwnerCounts(podsPerNode: ReadonlyMap<SimNode, number>): void {
  for (const node of podsPerNode.keys()) node.sameOwnerPods = 0;
}

/** The highest-scoring feasible node, ties broken by the seeded RNG (the scheduler's Score plugins). */
export function chooseNode(pod: SimPod, feasible: SimNode[], rng: Rng): SimNode {
  if (feasible.length === 1) return feasible[0] as SimNode;
  const template = pod.template;
  const cpu = template.requestCpu || nonZeroCpu;
  const memory = template.requestMemory || nonZeroMemory;
  const count = feasible.length;
  // One buffer, three columns: pods of the same owner, PreferNoSchedule taints, preferred anti-affinity matches.
  const sameOwner = 0;
  const preferNoSchedule = count;
  const preferredAnti = 2 * count;
  if (scratch.length < 3 * count) scratch = new Float64Array(3 * count);
  const columns = scratch;
  let maxSame = 0;
  let maxPrefer = 0;
  let maxAnti = 0;
  const podsPerNode = pod.workload.podsPerNode;
  // Laid out only when that costs less than probing the map for every feasible node.
  const laidOut = podsPerNode.size <= count;
  if (laidOut) layOutOwnerCounts(podsPerNode);
  const checkAnti = template.preferredAntiAffinityHostname.length > 0;
  for (let i = 0; i < count; i++) {
    const node = feasible[i] as SimNode;
    const same = laidOut ? node.sameOwnerPods : (podsPerNode.get(node) ?? 0);
    columns[sameOwner + i] = same;
    if (same > maxSame) maxSame = same;
    let prefer = 0;
    if (node.apiTaints.length > 0 || node.hasSpecTaints) {
      for (const t of node.apiTaints) if (t.effect === 'PreferNoSchedule' && !podToleratesTaint(pod, t)) prefer++;
      for (const t of node.spec.taints) if (t.effect === 'PreferNoSchedule' && !podToleratesTaint(pod, t)) prefer++;
    }
    columns[preferNoSchedule + i] = prefer;
    if (prefer > maxPrefer) maxPrefer = prefer;
    let matches = 0;
    if (checkAnti) {
      for (const other of node.pods)
        if (template.preferredAntiAffinityHostname.some((s) => selectorMatches(s, other.template.labels))) matches++;
      if (matches > maxAnti) maxAnti = matches;
    }
    columns[preferredAnti + i] = matches;
  }
  if (laidOut) clearOwnerCounts(podsPerNode);
  const imageName = template.containers[0]?.image ?? '';
  const imageScore = Math.min(1, Math.max(0, (template.compressedImageBytes - imageMin) / (imageMax - imageMin))) * 100;
  let best: SimNode[] = [];
  let bestScore = -Infinity;
  for (let i = 0; i < count; i++) {
    const node = feasible[i] as SimNode;
    const cpuFree = (node.allocatableCpu - node.requestedCpu - cpu) / node.allocatableCpu;
    const memFree = (node.allocatableMemory - node.requestedMemory - memory) / node.allocatableMemory;
    // Weights of the default profile (KK pkg/scheduler/apis/config/v1/default_plugins.go; calibration.md 1.6).
    const leastAllocated = Math.max(0, ((cpuFree + memFree) / 2) * 100);
    const balanced = 100 - Math.abs(memFree - cpuFree) * 100;
    const spread = maxSame === 0 ? 100 : (100 * (maxSame - (columns[sameOwner + i] as number))) / maxSame;
    const taintScore = maxPrefer === 0 ? 100 : (100 * (maxPrefer - (columns[preferNoSchedule + i] as number))) / maxPrefer;
    const antiScore = maxAnti === 0 ? 100 : (100 * (maxAnti - (columns[preferredAnti + i] as number))) / maxAnti;
    const image = imageScore > 0 && node.images.has(imageName) ? imageScore : 0;
    const total = 3 * taintScore + 2 * spread + 2 * antiScore + leastAllocated + balanced + image;
    if (total > bestScore + 1e-9) {
      bestScore = total;
      best = [node];
    } else if (Math.abs(total - bestScore) <= 1e-9) {
      best.push(node);
    }
  }
  return best.length === 1 ? (best[0] as SimNode) : (best[rng.int(best.length)] as SimNode);
}

/**
 * Whether a DaemonSet wants a pod on this node: its selector matches and it tolerates the node's own taints
 * (node-health taints are tolerated by DaemonSets).
 */
export function daemonEligibleOn(template: PodTemplate, node: SimNode): boolean {
  for (const [key, value] of Object.entries(template.nodeSelector)) if (node.spec.labels[key] !== value) return false;
  for (const taint of node.spec.taints) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (
      !template.tolerations.some(
        (t) =>
          (t.operator === 'Exists' && (!t.key || t.key === taint.key)) || (t.key === taint.key && (t.value ?? '') === (taint.value ?? '')),
      )
    )
      return false;
  }
  return true;
}

/** Accounts a pod on a node as a bind does: the node's pods, its per-workload count and its requests. */
export function assignToNode(pod: SimPod, node: SimNode): void {
  pod.nodeName = node.name;
  node.pods.add(pod);
  node.podCount = node.pods.size;
  node.usageChanged = true;
  pod.workload.podsPerNode.set(node, (pod.workload.podsPerNode.get(node) ?? 0) + 1);
  node.requestedCpu += pod.template.requestCpu;
  node.requestedMemory += pod.template.requestMemory;
  if (pod.template.antiAffinityHostname.length > 0) node.antiAffinityPods = (node.antiAffinityPods ?? 0) + 1;
}

/** Releases what `assignToNode` accounted; false if the pod was not on the node. */
export function releaseFromNode(pod: SimPod, node: SimNode): boolean {
  if (!node.pods.delete(pod)) return false;
  node.podCount = node.pods.size;
  node.usageChanged = true;
  pod.workload.podsPerNode.set(node, (pod.workload.podsPerNode.get(node) ?? 1) - 1);
  node.requestedCpu -= pod.template.requestCpu;
  node.requestedMemory -= pod.template.requestMemory;
  if (pod.template.antiAffinityHostname.length > 0) node.antiAffinityPods = (node.antiAffinityPods ?? 1) - 1;
  return true;
}

/**
 * The scheduler's pure parts, shared with the capacity planner (`src/plan/placement.ts`) so
 * `twin plan` and `twin run` never disagree about what fits where: the Filter plugins of the
 * default profile and the pick among the feasible nodes (its Score plugins are in `scoring.ts`),
 * the bookkeeping of a bind, and which nodes a DaemonSet wants.
 */
import type { V1NodeSelectorTerm } from '@kubernetes/client-node';
import { selectorMatches, type PodTemplate } from '../model/pod-template.js';
import type { Rng } from './rng.js';
import type { SimNode, SimPod } from './state.js';
import { NodeScorer, resourceScores, scoredCpu, scoredMemory } from './scoring.js';
import { podToleratesTaint } from './taints.js';

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
    const lacking = lackingResource(node, requestCpu, requestMemory, maxPods);
    if (lacking !== null) return lacking;
    // `antiAffinityPods` counts the node's pods with hostname anti-affinity, so a node without any is not scanned.
    if (ownAnti || (node.antiAffinityPods ?? 0) > 0) return antiAffinityConflict(pod, node);
    return null;
  };
}

/** The NodeResourcesFit filter (with the kubelet's pod limit): what the node lacks for these requests, or null. */
export function lackingResource(node: SimNode, requestCpu: number, requestMemory: number, maxPods: number): string | null {
  return lacking(
    node.podCount,
    node.requestedCpu + requestCpu,
    node.allocatableCpu,
    node.requestedMemory + requestMemory,
    node.allocatableMemory,
    maxPods,
  );
}

/** {@link lackingResource} from a node's figures: its pods, and its requests with the pod's against allocatable. */
export function lacking(
  pods: number,
  cpu: number,
  allocatableCpu: number,
  memory: number,
  allocatableMemory: number,
  maxPods: number,
): string | null {
  if (pods >= maxPods) return 'Too many pods';
  if (cpu > allocatableCpu) return 'Insufficient cpu';
  if (memory > allocatableMemory) return 'Insufficient memory';
  return null;
}

/**
 * Whether only {@link lackingResource} of the Filter plugins can fail for this pod: it sets no node selector,
 * node affinity, pinned node or hostname anti-affinity of its own (the nodes' taints and anti-affinity pods
 * are checked node by node, see {@link filtersOnlyResources}).
 */
export function needsOnlyResources(pod: SimPod): boolean {
  const template = pod.template;
  for (const key in template.nodeSelector) if (Object.hasOwn(template.nodeSelector, key)) return false;
  return template.nodeAffinity.length === 0 && pinnedNode(pod) === null && template.antiAffinityHostname.length === 0;
}

/** For a pod that {@link needsOnlyResources}: whether the node has nothing else to filter (no taint, no anti-affinity pod). */
export function filtersOnlyResources(node: SimNode): boolean {
  return node.apiTaints.length === 0 && !node.hasSpecTaints && !((node.antiAffinityPods ?? 0) > 0);
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

const scorer = new NodeScorer();
const resources = { leastAllocated: new Float64Array(1), balanced: new Float64Array(1) };

/** The highest-scoring feasible node, ties broken by the seeded RNG (the scheduler's Score plugins). */
export function chooseNode(pod: SimPod, feasible: readonly SimNode[], rng: Rng): SimNode {
  if (feasible.length === 1) return feasible[0] as SimNode;
  const podsPerNode = pod.workload.podsPerNode;
  const cpu = scoredCpu(pod);
  const memory = scoredMemory(pod);
  scorer.begin(pod);
  for (const node of feasible) {
    resourceScores(node.requestedCpu, node.allocatableCpu, node.requestedMemory, node.allocatableMemory, cpu, memory, resources, 0);
    const tainted = node.apiTaints.length > 0 || node.hasSpecTaints;
    scorer.add(node, podsPerNode.get(node) ?? 0, resources.leastAllocated[0] as number, resources.balanced[0] as number, tainted);
  }
  return scorer.choose(rng);
}

/**
 * Whether a DaemonSet wants a pod on this node: its selector matches and it tolerates the node's own taints
 * (node-health taints are tolerated by DaemonSets).
 */
export function daemonEligibleOn(template: PodTemplate, node: SimNode): boolean {
  for (const key in template.nodeSelector) if (node.spec.labels[key] !== template.nodeSelector[key]) return false;
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

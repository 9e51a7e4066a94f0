/**
 * PodDisruptionBudgets and the Eviction API, computed live from the API view of the pods.
 *
 * The disruption controller's status (KK pkg/controller/disruption/disruption.go) and the eviction
 * subresource's decision (KK pkg/registry/core/pod/storage/eviction.go). The model has no lag
 * between an eviction and the controller's next status: an evicted pod gets its deletionTimestamp
 * at once and stops counting as healthy, which is what the API server's own decrement of
 * `disruptionsAllowed` (and its DisruptedPods map) achieves in between.
 */
import { scaledBudgetValue, type DisruptionBudgetSpec } from '../model/disruption-budgets.js';
import { selectorMatches } from '../model/pod-template.js';
import type { SimPod, WorkloadState } from './state.js';

export interface BudgetStatus {
  readonly expectedPods: number;
  readonly desiredHealthy: number;
  readonly currentHealthy: number;
  readonly disruptionsAllowed: number;
}

/** The pods a budget selects: its namespace, its selector (a null selector selects none). */
export function budgetPods(budget: DisruptionBudgetSpec, workloads: readonly WorkloadState[]): SimPod[] {
  const selector = budget.selector;
  if (!selector) return [];
  const pods: SimPod[] = [];
  for (const workload of workloads) {
    if (workload.spec.namespace !== budget.namespace) continue;
    for (const pod of workload.pods) if (pod.apiExists && selectorMatches(selector, pod.template.labels)) pods.push(pod);
  }
  return pods;
}

/**
 * Sum of the scale of the controllers of `pods` (getExpectedScale): Deployments, ReplicaSets and
 * StatefulSets have one; a pod without a controller is left out; a DaemonSet or Job is not a
 * controller the disruption controller can scale ("found no controllers"), so null (fail safe).
 */
function expectedScale(pods: readonly SimPod[]): number | null {
  const seen = new Set<WorkloadState>();
  let total = 0;
  for (const pod of pods) {
    const workload = pod.workload;
    if (workload.spec.kind === 'Pod' || seen.has(workload)) continue;
    if (workload.spec.kind === 'DaemonSet' || workload.spec.kind === 'Job') return null;
    seen.add(workload);
    total += workload.replicas;
  }
  return total;
}

/** The budget's status as the disruption controller writes it (getExpectedPodCount, countHealthyPods, updatePdbStatus). */
export function budgetStatus(budget: DisruptionBudgetSpec, workloads: readonly WorkloadState[]): BudgetStatus {
  const pods = budgetPods(budget, workloads);
  // A pod being deleted does not count as healthy; a Ready one does.
  const currentHealthy = pods.filter((p) => p.deletionRequestedAt === null && p.apiReady).length;
  let expectedPods = 0;
  let desiredHealthy = 0;
  if (budget.maxUnavailable !== null) {
    const scale = expectedScale(pods);
    // failSafe: a status the controller cannot compute allows no disruption.
    if (scale === null) return { expectedPods: 0, desiredHealthy: 0, currentHealthy, disruptionsAllowed: 0 };
    expectedPods = scale;
    desiredHealthy = Math.max(0, scale - scaledBudgetValue(budget.maxUnavailable, scale));
  } else if (budget.minAvailable !== null) {
    if (typeof budget.minAvailable === 'number') {
      desiredHealthy = budget.minAvailable;
      expectedPods = pods.length;
    } else {
      const scale = expectedScale(pods);
      if (scale === null) return { expectedPods: 0, desiredHealthy: 0, currentHealthy, disruptionsAllowed: 0 };
      expectedPods = scale;
      desiredHealthy = scaledBudgetValue(budget.minAvailable, scale);
    }
  }
  const allowed = currentHealthy - desiredHealthy;
  // "We require expectedCount to be > 0 so that PDBs which currently match no pods are in a safe state."
  return { expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed: expectedPods <= 0 || allowed <= 0 ? 0 : allowed };
}

/** The Eviction API's answer: evict, 429 (a budget forbids it now; retry), or 500 (an error kubectl gives up on). */
export type EvictionAnswer =
  { readonly allowed: true } | { readonly allowed: false; readonly code: 429 | 500; readonly message: string; readonly budget: string };

/** Whether the Eviction API lets `pod` go now. */
export function evictionAnswer(pod: SimPod, budgets: readonly DisruptionBudgetSpec[], workloads: readonly WorkloadState[]): EvictionAnswer {
  // canIgnorePDB: terminal, Pending and already-terminating pods are deleted without asking any budget.
  if (pod.apiPhase !== 'Running' || pod.deletionRequestedAt !== null) return { allowed: true };
  const matching = budgets.filter(
    (b) => b.namespace === pod.namespace && b.selector !== null && selectorMatches(b.selector, pod.template.labels),
  );
  if (matching.length === 0) return { allowed: true };
  const budget = matching[0] as DisruptionBudgetSpec;
  if (matching.length > 1)
    return {
      allowed: false,
      code: 500,
      budget: budget.key,
      message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    };
  const status = budgetStatus(budget, workloads);
  if (!pod.apiReady) {
    // unhealthyPodEvictionPolicy: an unready pod goes when the application is not disrupted (IfHealthyBudget) or always.
    if (budget.unhealthyPodEvictionPolicy === 'AlwaysAllow') return { allowed: true };
    if (status.currentHealthy >= status.desiredHealthy && status.desiredHealthy > 0) return { allowed: true };
  }
  if (status.disruptionsAllowed > 0) return { allowed: true };
  return {
    allowed: false,
    code: 429,
    budget: budget.key,
    message:
      "Cannot evict pod as it would violate the pod's disruption budget. " +
      `The disruption budget ${budget.name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`,
  };
}

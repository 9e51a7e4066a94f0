/**
 * Node taints the control plane sets, and how pods tolerate them
 * (pure; the scheduler, the kubelet and the node lifecycle controller share them).
 */
import type { V1Toleration } from '@kubernetes/client-node';
import type { Taint } from '../model/cluster-schema.js';
import type { SimPod } from './state.js';

export const taintKeys = {
  notReady: 'node.kubernetes.io/not-ready',
  unreachable: 'node.kubernetes.io/unreachable',
  memoryPressure: 'node.kubernetes.io/memory-pressure',
  diskPressure: 'node.kubernetes.io/disk-pressure',
  /** Non-graceful node shutdown, set by an operator (KK staging/src/k8s.io/api/core/v1/well_known_taints.go TaintNodeOutOfService). */
  outOfService: 'node.kubernetes.io/out-of-service',
} as const;

/** Does a toleration match a taint (key, operator, value, effect)? */
export function tolerates(toleration: V1Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.operator === 'Exists') return !toleration.key || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? '') === (taint.value ?? '');
}

/**
 * Seconds a pod may stay on a node with this NoExecute taint: null = forever, 0 = evict now.
 * DaemonSet pods tolerate not-ready/unreachable forever; other pods get 300 s from the
 * DefaultTolerationSeconds admission plugin unless they carry their own toleration.
 */
export function tolerationSeconds(pod: SimPod, taint: Taint, defaultSeconds: number): number | null {
  const isDaemon = pod.workload.spec.kind === 'DaemonSet';
  const isNodeHealthTaint = taint.key === taintKeys.notReady || taint.key === taintKeys.unreachable;
  if (isDaemon && isNodeHealthTaint) return null;
  let best: number | null | undefined;
  for (const toleration of pod.template.tolerations) {
    if (!tolerates(toleration, taint)) continue;
    const seconds = toleration.tolerationSeconds ?? null;
    if (seconds === null) return null;
    best = best === undefined || best === null ? seconds : Math.max(best, seconds);
  }
  if (best !== undefined) return best;
  return isNodeHealthTaint ? defaultSeconds : 0;
}

/** Tolerations a pod effectively has: its own plus those DaemonSets get automatically. */
export function podToleratesTaint(pod: SimPod, taint: Taint): boolean {
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

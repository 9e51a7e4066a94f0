/**
 * What the kubelet's eviction manager may evict: a running pod that is not critical. `evictPod`
 * refuses a pod of priority ≥ system-cluster-critical's 2000000000 (KK pkg/kubelet/eviction/
 * eviction_manager.go evictPod, pkg/kubelet/types/pod_update.go IsCriticalPod) and the manager moves
 * on to the next in rank. Pure module.
 */
import { systemCriticalPriority } from './shutdown.js';
import type { SimPod } from './state.js';

/**
 * When the manager's next pass comes after it evicted a pod: it kills the pod with a 1 s grace period
 * (immediateEvictionGracePeriodSeconds) and, instead of sleeping its monitoring interval, polls every
 * second (podCleanupPollFreq, up to podCleanupTimeout 30 s) until the pod is cleaned up, then passes
 * again (KK pkg/kubelet/eviction/eviction_manager.go Start, waitForPodsCleanup). So a node that stays
 * over a threshold loses its pods about 2 s apart (1.9 s and 3.2 s on a real K3s v1.31.4 node).
 */
export const passAfterEviction = 2;

export function evictable(pod: SimPod): boolean {
  return pod.running && !pod.evicted && pod.template.priority < systemCriticalPriority;
}

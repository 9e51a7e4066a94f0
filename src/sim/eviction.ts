/**
 * What the kubelet's eviction manager may evict: a running pod that is not critical. `evictPod`
 * refuses a pod of priority ≥ system-cluster-critical's 2000000000 (KK pkg/kubelet/eviction/
 * eviction_manager.go evictPod, pkg/kubelet/types/pod_update.go IsCriticalPod) and the manager moves
 * on to the next in rank. Pure module.
 */
import { systemCriticalPriority } from './shutdown.js';
import type { SimPod } from './state.js';

export function evictable(pod: SimPod): boolean {
  return pod.running && !pod.evicted && pod.template.priority < systemCriticalPriority;
}

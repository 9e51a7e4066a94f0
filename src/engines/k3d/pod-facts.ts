/**
 * What a real pod's API object says about it, for the k3d engine's watches and samplers: the workload
 * it belongs to, the kubelet's current back-off and a container's latest OOM kill. Pure functions.
 */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

/** The workload a pod belongs to: a ReplicaSet that a Deployment made counts as that Deployment. */
export function workloadOf(pod: V1Pod): string {
  const namespace = pod.metadata?.namespace ?? 'default';
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  if (!owner) return `Pod/${namespace}/${pod.metadata?.name ?? ''}`;
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`))
    return `Deployment/${namespace}/${owner.name.slice(0, -hash.length - 1)}`;
  return `${owner.kind}/${namespace}/${owner.name}`;
}

/**
 * The kubelet's back-off from a waiting container's message
 * (`back-off 40s restarting failed container=api pod=…`, a Go duration), in seconds.
 */
export function backOffSeconds(message: string): number | null {
  const match = /back-off (?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?/.exec(message);
  if (!match || (!match[1] && !match[2] && !match[3])) return null;
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

/**
 * A container's latest termination if it was an OOM kill, as a key (its container id, else its name and finish
 * time): its state if it has not restarted since, else its last state. A termination first shown as Error may
 * turn OOMKilled once containerd's OOM event is in, so only OOM kills are keys.
 */
export function oomKillOf(status: V1ContainerStatus): string | undefined {
  const terminated = status.state?.terminated ?? status.lastState?.terminated;
  if (terminated?.reason !== 'OOMKilled') return undefined;
  return terminated.containerID ?? `${status.name}@${String(terminated.finishedAt)}`;
}

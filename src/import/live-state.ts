/**
 * The state a live cluster is in right now, as its API objects show it: where each workload's
 * pods run, their readiness, phase and restarts; each node's Ready condition, cordon and taints;
 * which node each local-path volume lives on. Pure: objects in, values out. `twin whatif` starts
 * the model from this instead of a fresh bring-up (src/engines/sim/live-start.ts).
 */
import type { KubernetesObject, V1Lease, V1Node, V1PersistentVolume, V1Pod } from '@kubernetes/client-node';

/** Namespaces of K3s's and Rancher's own components: the twin models its own (as `importApiObjects` skips them). */
const systemNamespaces = /^(kube-system|kube-public|kube-node-lease|cattle-.*|fleet-.*|local)$/;

export interface LiveNode {
  readonly name: string;
  /** The Ready condition's status: `True`, `False`, or `Unknown` (the node lifecycle controller lost its heartbeats). */
  readonly ready: 'True' | 'False' | 'Unknown';
  /** `spec.unschedulable`: cordoned. */
  readonly unschedulable: boolean;
  /** Every taint, `key[=value]:Effect`, health taints included. */
  readonly taints: readonly string[];
  /** The kubelet's last heartbeat: its Lease's renewTime in `kube-node-lease` (ISO), when it was read. */
  readonly leaseRenewed: string | null;
}

export interface LivePod {
  readonly namespace: string;
  readonly name: string;
  /** The twin's workload key (`Deployment/default/web`, `StatefulSet/default/db`, `Pod/default/debug`); null when no workload owns it. */
  readonly workload: string | null;
  /** StatefulSet ordinal (`db-1` → 1); null for other kinds. */
  readonly ordinal: number | null;
  readonly node: string | null;
  readonly phase: string;
  readonly ready: boolean;
  /** Sum of the containers' restartCount. */
  readonly restarts: number;
  /** Being deleted (metadata.deletionTimestamp set): Terminating in kubectl. */
  readonly terminating: boolean;
}

export interface LiveVolume {
  /** `namespace/claim` the PV is bound to. */
  readonly claim: string;
  readonly volume: string;
  /** The node its `kubernetes.io/hostname` node affinity requires (local-path). */
  readonly node: string;
}

export interface LiveState {
  readonly nodes: readonly LiveNode[];
  /** Pods of the user's workloads (system namespaces left out, as the twin models K3s's own components). */
  readonly pods: readonly LivePod[];
  readonly volumes: readonly LiveVolume[];
}

function readyOf(node: V1Node): LiveNode['ready'] {
  const status = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return status === 'True' || status === 'False' ? status : 'Unknown';
}

/** The workload key of a pod from its controller owner; a ReplicaSet's Deployment is its name minus the pod-template-hash. */
function workloadOf(pod: V1Pod): { key: string | null; ordinal: number | null } {
  const namespace = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  if (!owner) return { key: `Pod/${namespace}/${name}`, ordinal: null };
  switch (owner.kind) {
    case 'ReplicaSet': {
      // The Deployment controller names its ReplicaSets `<deployment>-<pod-template-hash>`
      // (kubernetes pkg/controller/deployment/sync.go, getNewReplicaSet).
      const hash = pod.metadata?.labels?.['pod-template-hash'];
      const deployment = hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : null;
      return { key: deployment ? `Deployment/${namespace}/${deployment}` : `ReplicaSet/${namespace}/${owner.name}`, ordinal: null };
    }
    case 'StatefulSet': {
      const ordinal = /-(\d+)$/.exec(name)?.[1];
      return { key: `StatefulSet/${namespace}/${owner.name}`, ordinal: ordinal !== undefined ? Number(ordinal) : null };
    }
    case 'DaemonSet':
    case 'Job':
      return { key: `${owner.kind}/${namespace}/${owner.name}`, ordinal: null };
    default:
      return { key: null, ordinal: null };
  }
}

function hostnameAffinity(volume: V1PersistentVolume): string | null {
  for (const term of volume.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const expression of term.matchExpressions ?? []) {
      if (expression.key === 'kubernetes.io/hostname' && expression.operator === 'In' && expression.values?.length === 1)
        return expression.values[0] ?? null;
    }
  }
  return null;
}

/** The live state from listed objects (nodes, pods, PVs; other kinds are ignored). */
export function liveStateFromObjects(items: readonly KubernetesObject[]): LiveState {
  // Each kubelet renews the Lease named after its node in kube-node-lease (KK pkg/kubelet/kubelet.go, nodeLeaseNamespace).
  const renewed = new Map<string, string>();
  for (const lease of items.filter((i) => i.kind === 'Lease' && i.metadata?.namespace === 'kube-node-lease') as V1Lease[]) {
    const time = lease.spec?.renewTime;
    if (lease.metadata?.name && time) renewed.set(lease.metadata.name, new Date(time).toISOString());
  }
  const nodes = (items.filter((i) => i.kind === 'Node') as V1Node[]).map((node) => ({
    name: node.metadata?.name ?? '',
    ready: readyOf(node),
    unschedulable: node.spec?.unschedulable === true,
    taints: (node.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
    leaseRenewed: renewed.get(node.metadata?.name ?? '') ?? null,
  }));
  const pods: LivePod[] = [];
  for (const pod of items.filter((i) => i.kind === 'Pod') as V1Pod[]) {
    const namespace = pod.metadata?.namespace ?? 'default';
    if (systemNamespaces.test(namespace)) continue;
    const { key, ordinal } = workloadOf(pod);
    pods.push({
      namespace,
      name: pod.metadata?.name ?? '',
      workload: key,
      ordinal,
      node: pod.spec?.nodeName ?? null,
      phase: pod.status?.phase ?? 'Unknown',
      ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      restarts: (pod.status?.containerStatuses ?? []).reduce((sum, c) => sum + (c.restartCount ?? 0), 0),
      terminating: pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null,
    });
  }
  const volumes: LiveVolume[] = [];
  for (const volume of items.filter((i) => i.kind === 'PersistentVolume') as V1PersistentVolume[]) {
    const node = hostnameAffinity(volume);
    const claim = volume.spec?.claimRef;
    if (!node || !claim?.name) continue;
    volumes.push({ claim: `${claim.namespace ?? 'default'}/${claim.name}`, volume: volume.metadata?.name ?? '', node });
  }
  return { nodes, pods, volumes };
}

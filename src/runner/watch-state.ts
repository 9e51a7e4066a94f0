/**
 * What `twin watch` shows of the real cluster, from its listed objects: each node Ready or not
 * with its pods, each workload's Ready replicas against desired. Pure; also the fingerprint that
 * says whether two snapshots differ in anything the model reads.
 */
import { createHash } from 'node:crypto';
import type { KubernetesObject, V1DaemonSet, V1Deployment, V1Node, V1Pod, V1StatefulSet } from '@kubernetes/client-node';

export interface NodeShown {
  readonly name: string;
  /** `control-plane`, `master`, `etcd` from the node-role.kubernetes.io/* labels; empty for a worker. */
  readonly roles: readonly string[];
  /** The Ready condition as the API shows it. */
  readonly ready: 'Ready' | 'NotReady' | 'Unknown';
  /** Cordoned (spec.unschedulable). */
  readonly unschedulable: boolean;
  /** Pods bound to it that have not finished, and how many of them are Ready. */
  readonly pods: number;
  readonly podsReady: number;
}

export interface WorkloadShown {
  /** `Deployment/default/web`. */
  readonly workload: string;
  readonly desired: number;
  readonly ready: number;
}

export interface ClusterShown {
  readonly nodes: readonly NodeShown[];
  readonly workloads: readonly WorkloadShown[];
  readonly pods: number;
  readonly podsReady: number;
}

const rolePrefix = 'node-role.kubernetes.io/';

function nodeReady(node: V1Node): NodeShown['ready'] {
  const status = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return status === 'True' ? 'Ready' : status === 'False' ? 'NotReady' : 'Unknown';
}

function podReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Pods that have finished (Succeeded, Failed) hold no place on a node. */
function running(pod: V1Pod): boolean {
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

const ofKind = <T>(items: readonly KubernetesObject[], kind: string) => items.filter((i) => i.kind === kind) as T[];
const byName = (a: { name?: string; workload?: string }, b: { name?: string; workload?: string }) =>
  (a.name ?? a.workload ?? '').localeCompare(b.name ?? b.workload ?? '');

export function clusterShown(items: readonly KubernetesObject[]): ClusterShown {
  const pods = ofKind<V1Pod>(items, 'Pod').filter(running);
  const nodes = ofKind<V1Node>(items, 'Node').map((node): NodeShown => {
    const name = node.metadata?.name ?? '';
    const here = pods.filter((p) => p.spec?.nodeName === name);
    return {
      name,
      roles: Object.keys(node.metadata?.labels ?? {})
        .filter((l) => l.startsWith(rolePrefix))
        .map((l) => l.slice(rolePrefix.length))
        .sort(),
      ready: nodeReady(node),
      unschedulable: node.spec?.unschedulable === true,
      pods: here.length,
      podsReady: here.filter(podReady).length,
    };
  });
  const key = (kind: string, o: KubernetesObject) => `${kind}/${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}`;
  const workloads: WorkloadShown[] = [
    ...ofKind<V1Deployment>(items, 'Deployment').map((d) => ({
      workload: key('Deployment', d),
      desired: d.spec?.replicas ?? 1,
      ready: d.status?.readyReplicas ?? 0,
    })),
    ...ofKind<V1StatefulSet>(items, 'StatefulSet').map((s) => ({
      workload: key('StatefulSet', s),
      desired: s.spec?.replicas ?? 1,
      ready: s.status?.readyReplicas ?? 0,
    })),
    ...ofKind<V1DaemonSet>(items, 'DaemonSet').map((d) => ({
      workload: key('DaemonSet', d),
      desired: d.status?.desiredNumberScheduled ?? 0,
      ready: d.status?.numberReady ?? 0,
    })),
  ];
  return {
    nodes: nodes.sort(byName),
    workloads: workloads.sort(byName),
    pods: pods.length,
    podsReady: pods.filter(podReady).length,
  };
}

/**
 * Fields that change without the cluster changing: the object's version, who wrote which field,
 * heartbeats and probe times (kubelets re-post node status on a timer, KK pkg/kubelet/kubelet_node_status.go),
 * and the node's image list. Times are kept out altogether (a taint's timeAdded too): a list gives them as Date, a watch as text.
 */
const volatile = new Set(['resourceVersion', 'managedFields', 'generation', 'observedGeneration', 'images', 'startedAt', 'finishedAt']);

const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function stable(value: unknown): unknown {
  if (value instanceof Date || (typeof value === 'string' && isoTime.test(value))) return undefined;
  if (Array.isArray(value)) return value.map(stable);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (volatile.has(key) || /(Time|Timestamp)$/.test(key)) continue;
    out[key] = stable((value as Record<string, unknown>)[key]);
  }
  return out;
}

/** A hash of the snapshot without its volatile fields: equal when nothing the model reads has changed. */
export function snapshotFingerprint(items: readonly KubernetesObject[]): string {
  const sorted = [...items].sort((a, b) =>
    `${a.kind}/${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.kind}/${b.metadata?.namespace}/${b.metadata?.name}`),
  );
  return createHash('sha256')
    .update(JSON.stringify(sorted.map(stable)))
    .digest('hex')
    .slice(0, 16);
}

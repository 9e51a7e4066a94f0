/**
 * Reads a live cluster through @kubernetes/client-node: list calls only (nodes, pods,
 * Deployments, StatefulSets, DaemonSets, Services, PVCs, PVs). It never writes.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { clientNode } from '../load/lazy.js';
import { clusterError, loadKubeConfig, withTimeout } from './kube-client.js';

function withKind<T extends { items: object[] }>(list: T, kind: string, apiVersion: string): KubernetesObject[] {
  return list.items.map((item) => ({ ...item, kind, apiVersion }) as KubernetesObject);
}

/**
 * The objects of a live cluster. With `nodeLeases`, also the kubelets' heartbeat Leases
 * (`kube-node-lease`), when readable: `twin whatif` starts the model's heartbeats in their phase.
 */
export async function readLiveCluster(
  kubeconfig: string,
  context?: string,
  options: { readonly nodeLeases?: boolean } = {},
): Promise<KubernetesObject[]> {
  const cluster = loadKubeConfig(kubeconfig, context);
  const { AppsV1Api, CoordinationV1Api, CoreV1Api } = clientNode();
  const core = cluster.config.makeApiClient(CoreV1Api);
  const apps = cluster.config.makeApiClient(AppsV1Api);
  try {
    const [nodes, pods, services, claims, volumes, deployments, statefulSets, daemonSets] = await withTimeout(
      Promise.all([
        core.listNode(),
        core.listPodForAllNamespaces(),
        core.listServiceForAllNamespaces(),
        core.listPersistentVolumeClaimForAllNamespaces(),
        core.listPersistentVolume(),
        apps.listDeploymentForAllNamespaces(),
        apps.listStatefulSetForAllNamespaces(),
        apps.listDaemonSetForAllNamespaces(),
      ]),
    );
    // Optional: a refusal (RBAC) or an old API server leaves the model's own heartbeat phase.
    const leases = options.nodeLeases
      ? await withTimeout(cluster.config.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: 'kube-node-lease' })).then(
          (list) => withKind(list, 'Lease', 'coordination.k8s.io/v1'),
          () => [],
        )
      : [];
    return [
      ...leases,
      ...withKind(nodes, 'Node', 'v1'),
      ...withKind(pods, 'Pod', 'v1'),
      ...withKind(services, 'Service', 'v1'),
      ...withKind(claims, 'PersistentVolumeClaim', 'v1'),
      ...withKind(volumes, 'PersistentVolume', 'v1'),
      ...withKind(deployments, 'Deployment', 'apps/v1'),
      ...withKind(statefulSets, 'StatefulSet', 'apps/v1'),
      ...withKind(daemonSets, 'DaemonSet', 'apps/v1'),
    ];
  } catch (error) {
    throw clusterError(
      cluster,
      error,
      'list nodes and workloads',
      'list nodes, pods, services, PVCs, PVs, Deployments, StatefulSets, DaemonSets',
    );
  }
}

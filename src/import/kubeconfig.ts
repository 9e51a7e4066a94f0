/**
 * Reads a live cluster through @kubernetes/client-node: list calls only (nodes, pods,
 * Deployments, StatefulSets, DaemonSets, Services, PVCs, PVs). It never writes.
 */
import { AppsV1Api, CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { clusterError, loadKubeConfig, withTimeout } from './kube-client.js';

function withKind<T extends { items: object[] }>(list: T, kind: string, apiVersion: string): KubernetesObject[] {
  return list.items.map((item) => ({ ...item, kind, apiVersion }) as KubernetesObject);
}

export async function readLiveCluster(kubeconfig: string, context?: string): Promise<KubernetesObject[]> {
  const cluster = loadKubeConfig(kubeconfig, context);
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
    return [
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

/**
 * Reads a live cluster through @kubernetes/client-node: list calls only (nodes, pods,
 * Deployments, StatefulSets, DaemonSets, Services, PVCs, PVs). It never writes.
 */
import { AppsV1Api, CoreV1Api, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { ConfigError, ExternalCommandError } from '../errors.js';

function withKind<T extends { items: object[] }>(list: T, kind: string, apiVersion: string): KubernetesObject[] {
  return list.items.map((item) => ({ ...item, kind, apiVersion }) as KubernetesObject);
}

export async function readLiveCluster(kubeconfig: string, context?: string): Promise<KubernetesObject[]> {
  const config = new KubeConfig();
  try {
    config.loadFromFile(kubeconfig);
  } catch (error) {
    throw ConfigError.single(
      kubeconfig,
      '',
      `cannot read kubeconfig: ${(error as Error).message.split('\n')[0]}`,
      'give the path of a kubeconfig file',
    );
  }
  if (context) {
    if (!config.getContexts().some((c) => c.name === context))
      throw ConfigError.single(
        kubeconfig,
        'contexts',
        `no context "${context}"`,
        `use one of: ${config
          .getContexts()
          .map((c) => c.name)
          .join(', ')}`,
      );
    config.setCurrentContext(context);
  }
  const server = config.getCurrentCluster()?.server ?? 'the API server';
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  try {
    const [nodes, pods, services, claims, volumes, deployments, statefulSets, daemonSets] = await Promise.all([
      core.listNode(),
      core.listPodForAllNamespaces(),
      core.listServiceForAllNamespaces(),
      core.listPersistentVolumeClaimForAllNamespaces(),
      core.listPersistentVolume(),
      apps.listDeploymentForAllNamespaces(),
      apps.listStatefulSetForAllNamespaces(),
      apps.listDaemonSetForAllNamespaces(),
    ]);
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
    const message = (error as Error).message ?? String(error);
    throw new ExternalCommandError(`list objects from ${server}`, undefined, message.split('\n')[0] ?? message);
  }
}

/**
 * The Kubernetes side of watching a real cluster: the cluster's kubeconfig (over loopback),
 * informers (list + watch, re-listed after the API comes back) on Nodes, Pods, EndpointSlices,
 * Leases, Jobs and Deployments, and a probe of the API itself.
 */
import { request } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CoordinationV1Api,
  DiscoveryV1Api,
  KubeConfig,
  makeInformer,
  type Informer,
  type KubernetesObject,
  type V1EndpointSlice,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import type { LiveClock } from './clock.js';
import type { WatchTranslator } from './observe.js';

/**
 * The Kubernetes API answers `/readyz` within two seconds: at the kubeconfig's server, or `via` a gateway's
 * address (its certificate checked against the name the servers were given with --tls-san).
 */
export async function apiReady(config: KubeConfig, via?: { readonly address: string; readonly name: string }): Promise<boolean> {
  const server = via ? `https://${via.address}:6443` : config.getCurrentCluster()?.server;
  if (!server) return false;
  const options: Parameters<typeof request>[1] = { method: 'GET', timeout: 2000 };
  await config.applyToHTTPSOptions(options);
  // Connecting by address, the certificate is checked against the gateway's name (its --tls-san), not the address.
  if (via) options.checkServerIdentity = (_host, cert) => checkServerIdentity(via.name, cert);
  return new Promise((resolve) => {
    const req = request(new URL('/readyz', server.replace('://0.0.0.0:', '://127.0.0.1:')), options, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** The cluster's kubeconfig, connecting over loopback. */
export function loadKubeConfig(kubeconfigPath: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const cluster = config.getCurrentCluster();
  if (cluster?.server.includes('://0.0.0.0:')) {
    // k3d writes 0.0.0.0 as the server address; connect over loopback.
    config.clusters = config.clusters.map((c) => ({ ...c, server: c.server.replace('://0.0.0.0:', '://127.0.0.1:') }));
  }
  return config;
}

/** Where the informers keep what they see, whom they tell, and how they know to stop. */
export interface InformerHost {
  readonly nodeObjects: Map<string, V1Node>;
  readonly podObjects: Map<string, V1Pod>;
  readonly slices: Map<string, V1EndpointSlice>;
  readonly informers: Array<Informer<KubernetesObject>>;
  readonly timers: NodeJS.Timeout[];
  readonly translator: WatchTranslator;
  readonly clock: LiveClock;
  stopped(): boolean;
}

/** Informers on Nodes, Pods, EndpointSlices, Leases, Jobs and Deployments; each event goes to the translator. */
export async function startInformers(config: KubeConfig, host: InformerHost): Promise<void> {
  const core = config.makeApiClient(CoreV1Api);
  const discovery = config.makeApiClient(DiscoveryV1Api);
  const coordination = config.makeApiClient(CoordinationV1Api);
  const batch = config.makeApiClient(BatchV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  const watched: Array<
    [
      string,
      string,
      () => Promise<{ items: KubernetesObject[]; metadata?: { resourceVersion?: string } }>,
      Map<string, KubernetesObject> | null,
    ]
  > = [
    ['/api/v1/nodes', 'Node', () => core.listNode(), host.nodeObjects as Map<string, KubernetesObject>],
    ['/api/v1/pods', 'Pod', () => core.listPodForAllNamespaces(), host.podObjects as Map<string, KubernetesObject>],
    [
      '/apis/discovery.k8s.io/v1/endpointslices',
      'EndpointSlice',
      () => discovery.listEndpointSliceForAllNamespaces(),
      host.slices as Map<string, KubernetesObject>,
    ],
    [
      '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases',
      'Lease',
      () => coordination.listNamespacedLease({ namespace: 'kube-system' }),
      null,
    ],
    // Each kubelet's Lease: a node whose condition stayed Ready through an outage shows its return here.
    [
      '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
      'Lease',
      () => coordination.listNamespacedLease({ namespace: 'kube-node-lease' }),
      null,
    ],
    ['/apis/batch/v1/jobs', 'Job', () => batch.listJobForAllNamespaces(), null],
    ['/apis/apps/v1/deployments', 'Deployment', () => apps.listDeploymentForAllNamespaces(), null],
  ];
  for (const [path, kind, list, store] of watched) {
    const informer = makeInformer<KubernetesObject>(config, path, list);
    const key = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
    const seen = (type: 'ADDED' | 'MODIFIED' | 'DELETED') => (object: KubernetesObject) => {
      if (type === 'DELETED') store?.delete(key(object));
      else store?.set(key(object), object);
      host.translator.translate(type, { ...object, kind }, host.clock.now());
    };
    informer.on('add', seen('ADDED'));
    informer.on('update', seen('MODIFIED'));
    informer.on('delete', seen('DELETED'));
    // The watch breaks while the API is down: start again (re-list, then watch) until stopped.
    informer.on('error', () => {
      if (!host.stopped()) host.timers.push(setTimeout(() => void informer.start().catch(() => undefined), 2000));
    });
    host.informers.push(informer);
    await informer.start().catch(() => undefined);
  }
}

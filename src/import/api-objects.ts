/**
 * The digital-twin direction: a running cluster, as the Kubernetes API shows it (a
 * `kubectl get nodes,pods,deploy,sts,ds,svc,pvc,pv -A -o json` dump, or live through a
 * kubeconfig), turned into a cluster spec and a manifests set. Nothing is ever written
 * to the source cluster.
 */
import type { KubernetesObject, V1Node } from '@kubernetes/client-node';
import { ConfigError } from '../errors.js';
import { parseBytes, parseMillicores } from '../model/units.js';
import type { HardwareProfile } from '../model/hardware-profile.js';
import { inferProfile, type Inference } from './infer.js';

/** Namespaces of K3s's and Rancher's own components; twin adds those itself. */
const systemNamespaces = /^(kube-system|kube-public|kube-node-lease|cattle-.*|fleet-.*|local)$/;
const workloadKinds = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Service',
  'PersistentVolumeClaim',
  'Job',
  'CronJob',
  'Ingress',
  'ConfigMap',
]);
/** Labels Kubernetes, K3s and Rancher set themselves, and twin's own profile label: left out of an imported node's labels. */
const wellKnownLabel =
  /^(((beta|node|node-role|topology)\.)?kubernetes\.io\/|k3s\.io\/|twin\.dev\/profile$|(p2p\.k3s|plan\.upgrade)\.cattle\.io\/)/;
const healthTaint = /^node\.(kubernetes\.io|cloudprovider\.kubernetes\.io)\//;
/** Prefixes of annotations kubectl, Deployments, Helm and Rancher keep for their own bookkeeping: dropped. */
const droppedAnnotations = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
  'meta.helm.sh/',
  'objectset.rio.cattle.io/',
];

export interface ApiImport {
  readonly cluster: Record<string, unknown>;
  readonly manifests: KubernetesObject[];
  readonly inferences: ReadonlyArray<{ node: string; inference: Inference }>;
  /** What was left out and why, e.g. `Pod/default/web-abc (owned by ReplicaSet)`. */
  readonly skipped: string[];
}

function clean(object: KubernetesObject & { spec?: Record<string, unknown> }): KubernetesObject {
  const metadata = object.metadata ?? {};
  const dropped = (key: string) => droppedAnnotations.some((prefix) => key.startsWith(prefix));
  const annotations = Object.fromEntries(Object.entries(metadata.annotations ?? {}).filter(([k]) => !dropped(k)));
  // Fields the API server assigns; a fresh cluster assigns its own.
  const assigned =
    object.kind === 'PersistentVolumeClaim'
      ? ['volumeName']
      : object.kind === 'Service'
        ? ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'internalTrafficPolicy', 'sessionAffinity']
        : [];
  const spec = Object.fromEntries(Object.entries(object.spec ?? {}).filter(([key]) => !assigned.includes(key)));
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: {
      name: metadata.name,
      ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
      ...(metadata.labels ? { labels: metadata.labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec,
  } as KubernetesObject;
}

/**
 * The K3s version a kubelet reports: `v1.31.4+k3s1` as it is; another build of the same Kubernetes
 * release (`v1.31.4+twin1`, a vendor's `+rke2r1`) by its Kubernetes version, which is what the model's
 * version-dependent defaults follow (the node-monitor grace period went from 40 s to 50 s in v1.32).
 */
function k3sVersionOf(version: string | undefined): string | undefined {
  const match = /^(v1\.\d+\.\d+)(\+[0-9A-Za-z.-]+)?$/.exec(version ?? '');
  if (!match) return undefined;
  return /^\+k3s\d+$/.test(match[2] ?? '') ? version : match[1];
}

export function importApiObjects(
  items: readonly KubernetesObject[],
  source: string,
  profiles: readonly HardwareProfile[],
  options: { name?: string; profiles?: Readonly<Record<string, string>>; firmwareReserve: number },
): ApiImport {
  const nodes = items.filter((i) => i.kind === 'Node') as V1Node[];
  if (nodes.length === 0)
    throw ConfigError.single(source, 'items', 'no Node objects', 'dump with: kubectl get nodes,pods,deploy,sts,ds,svc,pvc,pv -A -o json');
  const inferences: Array<{ node: string; inference: Inference }> = [];
  let version: string | undefined;
  const clusterNodes = nodes.map((node, index) => {
    const name = node.metadata?.name ?? `node-${index}`;
    const labels = node.metadata?.labels ?? {};
    const info = node.status?.nodeInfo;
    const capacity = (node.status?.capacity ?? {}) as Record<string, string>;
    const facts = {
      name,
      architecture: info?.architecture ?? labels['kubernetes.io/arch'] ?? 'arm64',
      cpus: Math.round(parseMillicores(capacity['cpu'] ?? '4') / 1000),
      memory: parseBytes(capacity['memory'] ?? '1Gi'),
      kernel: info?.kernelVersion ?? '',
      labels,
    };
    const override = options.profiles?.[name];
    const inference = override
      ? { profile: override, reason: '--profiles override', alternatives: [] }
      : inferProfile(facts, profiles, options.firmwareReserve);
    inferences.push({ node: name, inference });
    const isServer = labels['node-role.kubernetes.io/control-plane'] === 'true' || labels['node-role.kubernetes.io/master'] === 'true';
    if (isServer && !version) version = info?.kubeletVersion;
    const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    const userLabels = Object.fromEntries(Object.entries(labels).filter(([k]) => !wellKnownLabel.test(k)));
    const taints = (node.spec?.taints ?? [])
      .filter((t) => !healthTaint.test(t.key))
      .map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
    const architecture = facts.architecture === 'arm' ? 'armv7' : undefined;
    return {
      name,
      profile: inference.profile,
      role: isServer ? 'server' : 'agent',
      ...(ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip) ? { ip } : {}),
      ...(architecture ? { architecture } : {}),
      ...(Object.keys(userLabels).length ? { labels: userLabels } : {}),
      ...(taints.length ? { taints } : {}),
    };
  });
  const servers = clusterNodes.filter((n) => n.role === 'server').length;
  const etcd = nodes.some((n) => n.metadata?.labels?.['node-role.kubernetes.io/etcd'] === 'true');
  const manifests: KubernetesObject[] = [];
  const skipped: string[] = [];
  for (const item of items) {
    const kind = item.kind ?? '';
    const namespace = item.metadata?.namespace ?? '';
    const id = `${kind}/${namespace ? `${namespace}/` : ''}${item.metadata?.name ?? ''}`;
    if (kind === 'Node') continue;
    if (namespace && systemNamespaces.test(namespace)) {
      skipped.push(`${id} (K3s/Rancher system component: twin models its own)`);
      continue;
    }
    if (kind === 'Pod') {
      if (item.metadata?.ownerReferences?.length) continue;
      manifests.push(clean(item));
      continue;
    }
    if (kind === 'PersistentVolume') {
      skipped.push(`${id} (provisioned again by local-path in the twin)`);
      continue;
    }
    if (kind === 'Service' && namespace === 'default' && item.metadata?.name === 'kubernetes') continue;
    if (kind === 'ReplicaSet' && item.metadata?.ownerReferences?.length) continue;
    if (!workloadKinds.has(kind)) {
      skipped.push(`${id} (kind not imported)`);
      continue;
    }
    manifests.push(clean(item));
  }
  return {
    cluster: {
      apiVersion: 'twin/v1alpha1',
      kind: 'Cluster',
      metadata: { name: options.name ?? 'imported', description: `Imported from ${source}` },
      spec: {
        k3s: {
          ...(k3sVersionOf(version) ? { version: k3sVersionOf(version) } : {}),
          datastore: servers > 1 || etcd ? 'embedded-etcd' : 'sqlite',
        },
        nodes: clusterNodes,
      },
    },
    manifests,
    inferences,
    skipped,
  };
}

/** Reads a `kubectl … -o json` dump (a List). */
export function parseDump(text: string, file: string): KubernetesObject[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw ConfigError.single(
      file,
      '',
      `not valid JSON: ${(error as Error).message}`,
      'dump with kubectl get nodes,pods,deploy,sts,ds,svc,pvc,pv -A -o json',
    );
  }
  const list = data as { kind?: string; items?: unknown };
  if (!Array.isArray(list.items)) throw ConfigError.single(file, 'items', 'not a Kubernetes List', 'dump with kubectl get … -o json');
  return list.items as KubernetesObject[];
}

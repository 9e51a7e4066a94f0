/**
 * The components a K3s server deploys by itself (K3s `manifests/`), and Rancher's
 * cattle-cluster-agent once the cluster is imported. They compete with the user's pods
 * for a Pi's memory, so the model runs them like any other workload.
 *
 * Requests are K3s's own (calibration.md 2.6). Real memory use (`twin.dev/memory-usage`) is the
 * working set `kubectl top pods -n kube-system` showed for the same upstream builds on twin's node
 * image (docs/model-vs-real.md, "K3s's packaged components"), idle with seed 003's workloads,
 * rounded up to the next MiB; the local-path provisioner's is an estimate (it runs inside the
 * node binary there, not as a pod).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from './cluster.js';

export const packagedComponents = ['coredns', 'servicelb', 'traefik', 'local-storage', 'metrics-server'] as const;
export type PackagedComponent = (typeof packagedComponents)[number];

/** The workloads each packaged component runs (as systemObjects below names them), `namespace/name`. */
export const componentWorkloads: Readonly<Record<PackagedComponent, readonly string[]>> = {
  coredns: ['kube-system/coredns'],
  servicelb: ['kube-system/svclb-traefik'],
  traefik: ['kube-system/traefik'],
  'local-storage': ['kube-system/local-path-provisioner'],
  'metrics-server': ['kube-system/metrics-server'],
};

/** Components switched off with `--disable` (repeated or comma-separated, `=` or a separate word). */
export function disabledComponents(serverArgs: readonly string[]): Set<string> {
  const disabled = new Set<string>();
  for (let i = 0; i < serverArgs.length; i++) {
    const arg = serverArgs[i] ?? '';
    let value: string | undefined;
    if (arg.startsWith('--disable=')) value = arg.slice('--disable='.length);
    else if (arg === '--disable') value = serverArgs[++i];
    for (const item of (value ?? '').split(',')) if (item.trim()) disabled.add(item.trim());
  }
  return disabled;
}

const controlPlaneTolerations = [
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
  { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
];

function deployment(
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
  annotations: Record<string, string>,
  labels: Record<string, string> = { app: name },
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { namespace, name, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels, annotations }, spec },
    },
  };
}

/** The system objects K3s (and Rancher's import manifest) add to a cluster. */
export function systemObjects(cluster: Cluster): KubernetesObject[] {
  const disabled = disabledComponents(cluster.k3s.serverArgs);
  const objects: KubernetesObject[] = [];
  if (!disabled.has('coredns')) {
    objects.push(
      deployment(
        'kube-system',
        'coredns',
        {
          priorityClassName: 'system-cluster-critical',
          tolerations: controlPlaneTolerations,
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          containers: [
            {
              name: 'coredns',
              image: 'rancher/mirrored-coredns-coredns:1.12.0',
              resources: { requests: { cpu: '100m', memory: '70Mi' }, limits: { memory: '170Mi' } },
              readinessProbe: { periodSeconds: 2 },
            },
          ],
        },
        { 'twin.dev/memory-usage': '8Mi', 'twin.dev/cpu-usage': '3m' },
        { 'k8s-app': 'kube-dns' },
      ),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { namespace: 'kube-system', name: 'kube-dns' },
        spec: { selector: { 'k8s-app': 'kube-dns' } },
      } as KubernetesObject,
    );
  }
  if (!disabled.has('local-storage')) {
    objects.push(
      deployment(
        'kube-system',
        'local-path-provisioner',
        {
          priorityClassName: 'system-node-critical',
          tolerations: controlPlaneTolerations,
          containers: [{ name: 'local-path-provisioner', image: 'rancher/local-path-provisioner:v0.0.30' }],
        },
        { 'twin.dev/memory-usage': '15Mi', 'twin.dev/cpu-usage': '2m' },
      ),
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
        provisioner: 'rancher.io/local-path',
      } as KubernetesObject,
    );
  }
  if (!disabled.has('metrics-server')) {
    objects.push(
      deployment(
        'kube-system',
        'metrics-server',
        {
          priorityClassName: 'system-cluster-critical',
          tolerations: controlPlaneTolerations,
          containers: [
            {
              name: 'metrics-server',
              image: 'rancher/mirrored-metrics-server:v0.7.2',
              // Upstream manifest requests (kubernetes-sigs/metrics-server manifests/base/deployment.yaml; calibration.md 2.6).
              resources: { requests: { cpu: '100m', memory: '200Mi' } },
              readinessProbe: { initialDelaySeconds: 20, periodSeconds: 10 },
            },
          ],
          // K3s manifests/metrics-server/metrics-server-deployment.yaml mounts an emptyDir at /tmp:
          // `kubectl drain` refuses the node it runs on without --delete-emptydir-data.
          volumes: [{ name: 'tmp-dir', emptyDir: {} }],
        },
        { 'twin.dev/memory-usage': '16Mi', 'twin.dev/cpu-usage': '4m' },
        { 'k8s-app': 'metrics-server' },
      ),
    );
  }
  if (!disabled.has('traefik')) {
    objects.push(
      deployment(
        'kube-system',
        'traefik',
        {
          priorityClassName: 'system-cluster-critical',
          tolerations: controlPlaneTolerations,
          containers: [
            {
              name: 'traefik',
              image: 'rancher/mirrored-library-traefik:3.3.2',
              readinessProbe: { initialDelaySeconds: 2, periodSeconds: 10 },
            },
          ],
          // The traefik chart K3s ships keeps `data` and `tmp` in emptyDir volumes (traefik/traefik-helm-chart
          // templates/_podtemplate.tpl, persistence disabled as K3s installs it).
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
        { 'twin.dev/memory-usage': '29Mi', 'twin.dev/cpu-usage': '1m' },
        { 'app.kubernetes.io/name': 'traefik' },
      ),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { namespace: 'kube-system', name: 'traefik' },
        spec: { type: 'LoadBalancer', selector: { 'app.kubernetes.io/name': 'traefik' } },
      } as KubernetesObject,
    );
    if (!disabled.has('servicelb')) {
      // ServiceLB runs one svclb pod per node for each LoadBalancer Service (K3sDocs networking/networking-services).
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { namespace: 'kube-system', name: 'svclb-traefik' },
        spec: {
          selector: { matchLabels: { app: 'svclb-traefik' } },
          template: {
            metadata: { labels: { app: 'svclb-traefik' }, annotations: { 'twin.dev/memory-usage': '1Mi', 'twin.dev/cpu-usage': '1m' } },
            spec: {
              priorityClassName: 'system-node-critical',
              tolerations: [
                { operator: 'Exists', effect: 'NoSchedule' },
                { key: 'CriticalAddonsOnly', operator: 'Exists' },
              ],
              containers: [{ name: 'lb-tcp-80', image: 'rancher/klipper-lb:v0.4.9' }],
            },
          },
        },
      } as KubernetesObject);
    }
  }
  if (cluster.rancher) {
    // The import manifest's agent: no default requests; recommended 50m / 100Mi (calibration.md 3).
    objects.push(
      deployment(
        'cattle-system',
        'cattle-cluster-agent',
        {
          tolerations: controlPlaneTolerations,
          containers: [{ name: 'cluster-register', image: `rancher/rancher-agent:${cluster.rancher.version}` }],
        },
        { 'twin.dev/memory-usage': '120Mi', 'twin.dev/cpu-usage': '10m' },
        { app: 'cattle-cluster-agent', 'twin.dev/rancher-agent': 'true' },
      ),
    );
  }
  return objects;
}

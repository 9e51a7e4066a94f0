/**
 * Renders a twin cluster as a k3d config file (`apiVersion: k3d.io/v1alpha5`, `kind: Simple`),
 * so the same cluster runs as real K3s in Docker — by twin, or by hand with
 * `k3d cluster create --config`. Node names follow the cluster spec (`--node-name` per node
 * filter), and every container carries twin's labels so twin only ever touches what it made.
 */
import type { Cluster, ClusterNode } from '../../model/cluster.js';
import { nodeFilter, runLabel, runNames, type RunNames } from './run-names.js';
import { k3dMemoryOption, nodeThrottle, type HostCalibration } from './throttle.js';

export const managedLabel = 'twin.dev/managed';

/** The node container's CPU quota in µs per 100 ms, `docker update --cpus` from its first start (node-image/entrypoint). */
export const cpuQuotaEnv = 'TWIN_CPU_QUOTA_US';
/** The node container's variable that turns on the board's storage latency (node-image/slowfs). */
export const storageLatencyEnv = 'TWIN_STORAGE_LATENCY';
/** The file in the node container whose latency, while it exists, replaces the board's (a slow-storage fault). */
export const storageLatencyFile = '/etc/twin/storage-latency';
/** Set on the nodes a disk-full fault names: their kubelet directory gets a disk of its own (node-image/entrypoint). */
export const nodefsEnv = 'TWIN_NODEFS';

/** Seconds as a Go duration (`time.ParseDuration`), to the microsecond: 0.001 → "1000us". */
export function goDuration(seconds: number): string {
  return `${Math.round(seconds * 1e6)}us`;
}

export interface K3dNodeFilterValue {
  readonly nodeFilters: string[];
}

export interface K3dConfig {
  apiVersion: 'k3d.io/v1alpha5';
  kind: 'Simple';
  metadata: { name: string };
  servers: number;
  agents: number;
  image: string;
  network: string;
  token?: string;
  env: Array<{ envVar: string } & K3dNodeFilterValue>;
  options: {
    k3d: { wait: boolean; timeout: string; disableLoadbalancer: boolean };
    k3s: { extraArgs: Array<{ arg: string } & K3dNodeFilterValue>; nodeLabels: Array<{ label: string } & K3dNodeFilterValue> };
    kubeconfig: { updateDefaultKubeconfig: boolean; switchCurrentContext: boolean };
    runtime: { serversMemory?: string; agentsMemory?: string; labels: Array<{ label: string } & K3dNodeFilterValue> };
  };
}

/** The K3s image tag for a version (`v1.31.4+k3s1` → `rancher/k3s:v1.31.4-k3s1`). */
export function k3sImage(version: string): string {
  return `rancher/k3s:${version.replace('+', '-')}`;
}

/**
 * The k3d config of a cluster. `names` are the run's (its id in every name and in a `twin.dev/run`
 * label); without them the config is for use by hand: `twin-<cluster>`, no run label.
 */
export function renderK3dConfig(
  cluster: Cluster,
  calibration: HostCalibration,
  options: {
    image?: string;
    names?: RunNames;
    /**
     * k3d's server load balancer in front of several servers (its default). twin's own runs go
     * without: its image (ghcr.io/k3d-io/k3d-proxy) cannot be had offline, agents balance over the
     * servers themselves as K3s agents do, and twin watches through its own relay (api-failover.ts).
     */
    serverLoadBalancer?: boolean;
    /** Nodes a disk-full fault names: their kubelet directory goes on a disk the fault can fill. */
    diskFullNodes?: ReadonlySet<string>;
  } = {},
): K3dConfig {
  const names = options.names ?? runNames(cluster, null);
  const members = cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent');
  const servers = members.filter((n) => n.role === 'server');
  const agents = members.filter((n) => n.role === 'agent');
  const extraArgs: K3dConfig['options']['k3s']['extraArgs'] = [];
  for (const arg of cluster.k3s.serverArgs) extraArgs.push({ arg, nodeFilters: ['server:*'] });
  // k3d passes --cluster-init to server-0 only when there are several servers (its config
  // transform); one server on embedded etcd needs it too, or K3s would run it on SQLite.
  if (cluster.k3s.datastore === 'embedded-etcd' && servers.length === 1 && !cluster.k3s.serverArgs.includes('--cluster-init'))
    extraArgs.push({ arg: '--cluster-init', nodeFilters: ['server:0'] });
  for (const arg of cluster.k3s.agentArgs) if (agents.length) extraArgs.push({ arg, nodeFilters: ['agent:*'] });
  // k3d gives agents server-0 as K3S_URL; another registration address is their --server (which wins over
  // K3S_URL, as in K3s), and a gateway's name goes into the servers' certificates (--tls-san), as K3s's docs say.
  for (const gateway of cluster.nodes.filter((n) => n.role === 'external' && n.services?.includes('haproxy')))
    extraArgs.push({ arg: `--tls-san=${names.external(gateway)}`, nodeFilters: ['server:*'] });
  const registration = cluster.nodes.find((n) => n.name === cluster.k3s.registrationNode);
  // A config for use by hand (no run id) has no gateway container to join through: its agents keep server-0.
  if (agents.length && registration && registration !== servers[0] && (registration.role !== 'external' || names.runId !== null)) {
    const address = registration.role === 'external' ? names.external(registration) : names.container(registration);
    extraArgs.push({ arg: `--server=https://${address}:6443`, nodeFilters: ['agent:*'] });
  }
  const nodeLabels: K3dConfig['options']['k3s']['nodeLabels'] = [];
  const env: K3dConfig['env'] = [];
  const runtimeLabels: K3dConfig['options']['runtime']['labels'] = [
    { label: `${managedLabel}=true`, nodeFilters: ['all'] },
    { label: `twin.dev/cluster=${cluster.name}`, nodeFilters: ['all'] },
    ...(names.runId !== null ? [{ label: `${runLabel}=${names.runId}`, nodeFilters: ['all'] }] : []),
  ];
  for (const node of members) {
    const filter = nodeFilter(cluster, node);
    const throttle = nodeThrottle(node, cluster, calibration);
    extraArgs.push({ arg: `--node-name=${node.name}`, nodeFilters: [filter] });
    for (const taint of node.taints)
      extraArgs.push({
        arg: `--node-taint=${taint.key}${taint.value !== undefined ? `=${taint.value}` : ''}:${taint.effect}`,
        nodeFilters: [filter],
      });
    // Allocatable CPU matches the board's cores: the host's extra cores are reserved away.
    if (throttle.reservedCpu > 0)
      extraArgs.push({ arg: `--kubelet-arg=system-reserved=cpu=${throttle.reservedCpu}m`, nodeFilters: [filter] });
    for (const [key, value] of Object.entries(node.labels)) {
      if (/^(kubernetes\.io\/|node-role\.kubernetes\.io\/|node\.kubernetes\.io\/)/.test(key)) continue;
      nodeLabels.push({ label: `${key}=${value}`, nodeFilters: [filter] });
    }
    runtimeLabels.push({ label: `twin.dev/node=${node.name}`, nodeFilters: [filter] });
    // twin's node image runs at the board's CPU speed and puts the datastore and local-path volumes on
    // twin-slowfs at the board's write latency from the container's first start, before K3s
    // (node-image/entrypoint); another image ignores both.
    env.push({ envVar: `${cpuQuotaEnv}=${Math.round(throttle.cpus * 100000)}`, nodeFilters: [filter] });
    env.push({ envVar: `${storageLatencyEnv}=${goDuration(throttle.writeLatency)}`, nodeFilters: [filter] });
    if (options.diskFullNodes?.has(node.name)) env.push({ envVar: `${nodefsEnv}=1`, nodeFilters: [filter] });
  }
  // k3d's memory option is per role: the largest board of the role; twin rewrites the fake
  // meminfo of smaller boards after creation (meminfoOverrides).
  const roleMemory = (nodes: ClusterNode[]) =>
    nodes.length ? k3dMemoryOption(Math.max(...nodes.map((n) => nodeThrottle(n, cluster, calibration).memoryBytes))) : undefined;
  const serversMemory = roleMemory(servers);
  const agentsMemory = roleMemory(agents);
  return {
    apiVersion: 'k3d.io/v1alpha5',
    kind: 'Simple',
    metadata: { name: names.cluster },
    servers: servers.length,
    agents: agents.length,
    image: options.image ?? k3sImage(cluster.k3s.version),
    network: names.network,
    ...(cluster.k3s.token ? { token: cluster.k3s.token } : {}),
    env,
    options: {
      k3d: { wait: true, timeout: '600s', disableLoadbalancer: servers.length === 1 || options.serverLoadBalancer === false },
      k3s: { extraArgs, nodeLabels },
      kubeconfig: { updateDefaultKubeconfig: false, switchCurrentContext: false },
      runtime: { ...(serversMemory ? { serversMemory } : {}), ...(agentsMemory ? { agentsMemory } : {}), labels: runtimeLabels },
    },
  };
}

/**
 * Nodes whose board has less memory than their role's k3d memory option (k3d sets memory per
 * role): the memory their kubelet must see instead.
 */
export function meminfoOverrides(cluster: Cluster, calibration: HostCalibration): Array<{ node: ClusterNode; memoryBytes: number }> {
  const config = renderK3dConfig(cluster, calibration);
  const out: Array<{ node: ClusterNode; memoryBytes: number }> = [];
  for (const node of cluster.nodes) {
    if (node.role !== 'server' && node.role !== 'agent') continue;
    const option = node.role === 'server' ? config.options.runtime.serversMemory : config.options.runtime.agentsMemory;
    const memoryBytes = nodeThrottle(node, cluster, calibration).memoryBytes;
    if (option !== k3dMemoryOption(memoryBytes)) out.push({ node, memoryBytes });
  }
  return out;
}

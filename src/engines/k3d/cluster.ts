/**
 * The cluster's life on the host: `k3d cluster create` from its rendered config, every node
 * container throttled to its board, the Rancher host beside it and the cluster imported into it,
 * the workloads applied, and everything torn down again — by the run, or by `twin down` for what
 * earlier runs left behind. twin only ever touches what it created.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import type { ClusterNode } from '../../model/cluster.js';
import type { RunPlan } from '../engine.js';
import { ApiFailover, type ApiTarget } from './api-failover.js';
import { managedLabel, meminfoOverrides, renderK3dConfig } from './config.js';
import { kubectl, type K3dRunContext } from './context.js';
import { pid, removeManaged } from './docker.js';
import { routeExternalHosts, startRegistrationGateway } from './external.js';
import type { Exec } from './exec.js';
import { registerWithRancher, type RancherTransport, type Registration } from './rancher.js';
import { runLabelArgs } from './run-names.js';
import { fakeMeminfo, nodeThrottle, tbfArgs } from './throttle.js';

/** The run's k3d config and kubeconfig in twin's state directory, named after its cluster. */
export function stateFiles(ctx: Pick<K3dRunContext, 'stateDir' | 'names'>): {
  config: string;
  kubeconfig: string;
  failoverKubeconfig: string;
} {
  return {
    config: join(ctx.stateDir, `${ctx.names.cluster}.k3d.yaml`),
    kubeconfig: join(ctx.stateDir, `${ctx.names.cluster}.kubeconfig`),
    /** twin's own view through its API failover (several servers); lives only as long as the run. */
    failoverKubeconfig: join(ctx.stateDir, `${ctx.names.cluster}.failover.kubeconfig`),
  };
}

/**
 * With several servers, twin watches the cluster through a loopback relay to whichever server
 * accepts (api-failover.ts) rather than through server-0 alone; returns the kubeconfig that uses it
 * and the relay, or null with one server.
 */
export async function startApiFailover(
  ctx: K3dRunContext,
  plan: RunPlan,
  kubeconfig: string,
): Promise<{ kubeconfig: string; relay: ApiFailover } | null> {
  const servers = plan.cluster.nodes.filter((n) => n.role === 'server');
  if (servers.length < 2) return null;
  const targets: ApiTarget[] = [];
  for (const server of servers) {
    const container = ctx.names.container(server);
    const found = await ctx.exec('docker', ['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', container]);
    const ip = found.stdout.trim().split(' ')[0] || (ctx.exec.dryRun ? `<ip of ${container}>` : '');
    if (!ip) throw new Error(`${container} has no address on the cluster's network`);
    targets.push({ host: ip, port: 6443 });
  }
  if (ctx.exec.dryRun) return null;
  const relay = new ApiFailover(targets);
  const port = await relay.listen();
  const config = parse(readFileSync(kubeconfig, 'utf8')) as { clusters?: Array<{ cluster?: { server?: string } }> };
  for (const entry of config.clusters ?? []) if (entry.cluster) entry.cluster.server = `https://127.0.0.1:${port}`;
  const file = stateFiles(ctx).failoverKubeconfig;
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return { kubeconfig: file, relay };
}

/** `k3d cluster create` from the rendered config, and twin's own kubeconfig for it. Returns the kubeconfig's path. */
export async function createCluster(ctx: K3dRunContext, plan: RunPlan): Promise<string> {
  const { cluster } = plan;
  const name = ctx.names.cluster;
  mkdirSync(ctx.stateDir, { recursive: true });
  const configFile = stateFiles(ctx).config;
  const diskFullNodes = new Set(
    plan.faults.flatMap(({ fault }) => (fault.kind === 'disk-full' || fault.kind === 'disk-free' ? [fault.node] : [])),
  );
  const options = { names: ctx.names, serverLoadBalancer: false, diskFullNodes, ...(ctx.image ? { image: ctx.image } : {}) };
  writeFileSync(configFile, stringify(renderK3dConfig(cluster, ctx.calibration, options), { lineWidth: 0 }));
  await startRegistrationGateway(ctx, plan);
  await ctx.exec('k3d', ['cluster', 'create', '--config', configFile]);
  // k3d's memory option is per role: smaller boards of a role get their own fake meminfo, read by their kubelet on a restart of K3s.
  for (const { node, memoryBytes } of meminfoOverrides(cluster, ctx.calibration)) {
    const container = ctx.names.container(node);
    const mounts = await ctx.exec('docker', [
      'inspect',
      '--format',
      '{{range .Mounts}}{{if eq .Destination "/proc/meminfo"}}{{.Source}}{{end}}{{end}}',
      container,
    ]);
    const path = mounts.stdout.trim() || (ctx.exec.dryRun ? `<fake meminfo of ${container}>` : '');
    if (!path) throw new Error(`${container} has no fake /proc/meminfo mounted by k3d`);
    await ctx.exec('tee', [path], { input: fakeMeminfo(memoryBytes) });
    if (ctx.serviceManager) await ctx.exec('docker', ['exec', container, 'k3s', 'service', 'restart']);
    else await ctx.exec('docker', ['restart', container]);
  }
  const kubeconfig = stateFiles(ctx).kubeconfig;
  await ctx.exec('k3d', ['kubeconfig', 'write', name, '--output', kubeconfig]);
  return kubeconfig;
}

/** Memory, CPU and link shaping for one node container (done again after every restart: tc lives in its network namespace). */
export async function shape(ctx: K3dRunContext, plan: RunPlan, node: ClusterNode): Promise<void> {
  if (node.role !== 'server' && node.role !== 'agent') return;
  const throttle = nodeThrottle(node, plan.cluster, ctx.calibration);
  const container = ctx.names.container(node);
  await ctx.exec('docker', [
    'update',
    '--memory',
    `${throttle.memoryBytes}`,
    '--memory-swap',
    `${throttle.memoryBytes}`,
    '--cpus',
    `${throttle.cpus}`,
    container,
  ]);
  await ctx.exec('nsenter', ['-t', await pid(ctx.exec, container), '-n', 'tc', ...tbfArgs('eth0', throttle.rateBits, 'replace')]);
  // A started container has a new network namespace: the external hosts' spec IPs again (external.ts).
  await routeExternalHosts(ctx, plan, [node]);
}

/** Memory, CPU and link shaping on every node container. */
export async function throttleNodes(ctx: K3dRunContext, plan: RunPlan): Promise<void> {
  for (const node of plan.cluster.nodes) await shape(ctx, plan, node);
}

/**
 * The Rancher host beside the cluster, on its Docker network, started as Rancher's Docker install
 * does (privileged; the admin's bootstrap password in CATTLE_BOOTSTRAP_PASSWORD; the agent image
 * in CATTLE_AGENT_IMAGE when it is twin's stand-in).
 */
export async function startRancher(ctx: K3dRunContext, plan: RunPlan, password: string): Promise<string | null> {
  const { cluster } = plan;
  if (!cluster.rancher) return null;
  const env = [
    '-e',
    `CATTLE_BOOTSTRAP_PASSWORD=${password}`,
    ...(ctx.rancherAgentImage ? ['-e', `CATTLE_AGENT_IMAGE=${ctx.rancherAgentImage}`] : []),
  ];
  await ctx.exec('docker', [
    'run',
    '-d',
    '--init',
    '--name',
    ctx.names.rancher,
    '--network',
    ctx.names.network,
    '--privileged',
    ...env,
    '--label',
    `${managedLabel}=true`,
    '--label',
    `twin.dev/cluster=${cluster.name}`,
    ...runLabelArgs(ctx.names),
    '--label',
    `twin.dev/node=${cluster.rancher.node}`,
    ctx.rancherImage ?? `rancher/rancher:${cluster.rancher.version}`,
  ]);
  return ctx.names.rancher;
}

/** Registers the cluster with Rancher through its API and applies the import manifest Rancher serves. */
export async function importIntoRancher(
  ctx: K3dRunContext,
  plan: RunPlan,
  address: string,
  password: string,
  transport: RancherTransport,
  sleep: (ms: number) => Promise<void>,
): Promise<Registration> {
  const registration = await registerWithRancher(transport, address, plan.cluster.name, password, sleep);
  await kubectl(ctx, plan.cluster, ['apply', '-f', '-'], registration.manifest);
  return registration;
}

/** The user's workloads, as `kubectl apply` would send them. */
export async function applyWorkloads(ctx: K3dRunContext, plan: RunPlan, objects: readonly KubernetesObject[]): Promise<void> {
  if (objects.length > 0)
    await kubectl(ctx, plan.cluster, ['apply', '-f', '-'], objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
}

/**
 * Removes what this run created — its k3d cluster, the containers carrying its run id (the Rancher
 * host, the external hosts, the probe), its network and state files — and nothing of another run's, even of the same
 * cluster on the same host.
 */
export async function teardown(ctx: K3dRunContext): Promise<void> {
  if (ctx.keep) return;
  await ctx.exec('k3d', ['cluster', 'delete', ctx.names.cluster], { allowFailure: true });
  if (ctx.names.runId !== null) await removeManaged(ctx.exec, { run: ctx.names.runId }).catch(() => undefined);
  // k3d leaves a network named in its config behind; it is the run's own.
  await ctx.exec('docker', ['network', 'rm', ctx.names.network], { allowFailure: true });
  if (!ctx.exec.dryRun) for (const file of Object.values(stateFiles(ctx))) rmSync(file, { force: true });
}

/** What `twin down` removed (or, dry, would remove). */
export interface Leftovers {
  readonly clusters: readonly string[];
  readonly containers: readonly string[];
  readonly networks: readonly string[];
  /** k3d's `twin-…-net` networks that no container uses any more. */
  readonly k3dNetworks: readonly string[];
}

/** The network twin's k3d config names for a cluster (`twin-<name>-net`, config.ts). */
const twinK3dNetwork = /^twin-.+-net$/;

/**
 * Everything earlier runs left on the host: twin's k3d clusters, the containers and networks
 * carrying twin's label, and the k3d networks of twin's clusters that no container is attached to
 * any more. k3d labels its networks itself (`app=k3d`, never twin's label), so a run killed before
 * its teardown leaves one behind; only those named as twin's config names them, and empty, go.
 */
export async function removeLeftovers(exec: Exec): Promise<Leftovers> {
  const list = await exec('k3d', ['cluster', 'list', '-o', 'json'], { allowFailure: true }).catch(() => null);
  const clusters =
    list && list.exitCode === 0 && list.stdout.trim()
      ? (JSON.parse(list.stdout) as Array<{ name: string }>).map((c) => c.name).filter((n) => n.startsWith('twin-'))
      : [];
  for (const name of clusters) await exec('k3d', ['cluster', 'delete', name]);
  const { containers, networks } = await removeManaged(exec);
  const k3dNetworks: string[] = [];
  const candidates = (await exec('docker', ['network', 'ls', '--filter', 'label=app=k3d', '--format', '{{.Name}}'])).stdout
    .split('\n')
    .filter((n) => twinK3dNetwork.test(n.trim()));
  for (const network of candidates.map((n) => n.trim())) {
    const attached = await exec('docker', ['network', 'inspect', '--format', '{{len .Containers}}', network], { allowFailure: true });
    if (attached.exitCode !== 0 || attached.stdout.trim() !== '0') continue;
    const removed = await exec('docker', ['network', 'rm', network], { allowFailure: true });
    if (removed.exitCode === 0) k3dNetworks.push(network);
  }
  return { clusters, containers, networks, k3dNetworks };
}

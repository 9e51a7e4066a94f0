/**
 * Machines outside Kubernetes (`role: external`: a NAS, a database box, a gateway) as containers on
 * the run's Docker network, from twin's external host image (node-image/external), running the
 * services their spec lists. Workloads reach them by the spec's IP (e.g. DATABASE_URL
 * mysql://…@192.168.1.203:3306): no Docker network is ever made with the spec's LAN subnet (it
 * could shadow the user's real LAN); instead, in each node container's network namespace, an
 * iptables DNAT rule sends the spec IP to the host container's Docker address — for the node's
 * own processes (OUTPUT) and for its pods' traffic routed through it (PREROUTING). The rules live
 * in the node's namespace, so they are written again whenever a node or a host container starts.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterNode } from '../../model/cluster.js';
import type { RunPlan } from '../engine.js';
import { managedLabel } from './config.js';
import type { K3dRunContext } from './context.js';
import { pid } from './docker.js';
import { twinExternalImage } from './offline-build.js';
import { runLabelArgs } from './run-names.js';

/** The nat chain twin owns in a node container's namespace: one DNAT rule per external host. */
export const externalChain = 'TWIN-EXTERNAL';

export function externalNodes(plan: Pick<RunPlan, 'cluster'>): ClusterNode[] {
  return plan.cluster.nodes.filter((n) => n.role === 'external');
}

/**
 * The MariaDB accounts the workloads' connection strings name for this host (`mysql://user[:password]@<ip>[:port]/database`
 * in a container's env), as `user:password@database` for the host image's TWIN_MARIADB_ACCOUNTS.
 */
export function mariadbAccounts(objects: readonly KubernetesObject[], ip: string | undefined): string[] {
  if (!ip) return [];
  const accounts = new Set<string>();
  const pattern = /mysql:\/\/([^:@/\s]+)(?::([^@/\s]*))?@([^:/\s]+)(?::\d+)?\/([A-Za-z0-9_$-]+)/g;
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(pattern)) if (m[3] === ip) accounts.add(`${m[1]}:${m[2] ?? ''}@${m[4]}`);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  objects.forEach(visit);
  return [...accounts].sort();
}

/** `docker run` for one external host: on the run's network, with its labels, the services in env. */
export function externalRunArgs(ctx: Pick<K3dRunContext, 'names' | 'externalImage'>, plan: RunPlan, node: ClusterNode): string[] {
  const services = node.services ?? [];
  const servers = plan.cluster.nodes.filter((n) => n.role === 'server');
  const env: string[] = [`TWIN_SERVICES=${services.join(' ')}`];
  if (services.includes('mariadb')) env.push(`TWIN_MARIADB_ACCOUNTS=${mariadbAccounts(plan.objects, node.ip).join(' ')}`);
  // HAProxy in front of the API servers, by their containers' names on the run's network (Docker's DNS).
  if (services.includes('haproxy'))
    env.push(`TWIN_HAPROXY_SERVERS=${servers.map((s) => `${s.name}=${ctx.names.container(s)}:6443`).join(' ')}`);
  return [
    'run',
    '-d',
    '--init',
    '--name',
    ctx.names.external(node),
    '--hostname',
    node.name,
    '--network',
    ctx.names.network,
    // nfs-ganesha's VFS backend opens files by handle (name_to_handle_at/open_by_handle_at, which need
    // CAP_DAC_READ_SEARCH); under Docker's default seccomp profile the lookup of the export still failed
    // here with EPERM, so that container runs unconfined. The export is a volume, not the overlay root.
    ...(services.includes('nfs') ? ['--cap-add', 'DAC_READ_SEARCH', '--security-opt', 'seccomp=unconfined', '-v', '/srv/nfs'] : []),
    ...env.flatMap((e) => ['-e', e]),
    '--label',
    `${managedLabel}=true`,
    '--label',
    `twin.dev/cluster=${plan.cluster.name}`,
    ...runLabelArgs(ctx.names),
    '--label',
    `twin.dev/node=${node.name}`,
    ctx.externalImage ?? twinExternalImage,
  ];
}

/**
 * The gateway the agents join through (`k3s.registrationAddress` naming a role external machine), which must
 * be up before `k3d cluster create` starts them; null when they join through a server.
 */
export function registrationGateway(plan: Pick<RunPlan, 'cluster'>): ClusterNode | null {
  const node = plan.cluster.nodes.find((n) => n.name === plan.cluster.k3s.registrationNode);
  return node?.role === 'external' && plan.cluster.nodes.some((n) => n.role === 'agent') ? node : null;
}

/**
 * Before `k3d cluster create`: the run's network (k3d joins an existing one and leaves it in place; `down`
 * removes it) and the registration gateway on it, whose HAProxy resolves the servers' containers as they come.
 */
export async function startRegistrationGateway(ctx: K3dRunContext, plan: RunPlan): Promise<void> {
  const gateway = registrationGateway(plan);
  if (!gateway) return;
  await ctx.exec('docker', [
    'network',
    'create',
    '--label',
    `${managedLabel}=true`,
    '--label',
    `twin.dev/cluster=${plan.cluster.name}`,
    ...runLabelArgs(ctx.names),
    ctx.names.network,
  ]);
  await ctx.exec('docker', externalRunArgs(ctx, plan, gateway));
}

/** Starts every external host of the cluster not started yet (before the nodes are shaped, which routes their spec IPs). */
export async function startExternalHosts(ctx: K3dRunContext, plan: RunPlan): Promise<void> {
  const gateway = registrationGateway(plan);
  for (const node of externalNodes(plan)) if (node !== gateway) await ctx.exec('docker', externalRunArgs(ctx, plan, node));
}

/** A host container's address on the run's network, or null while it is down or cut off. */
async function dockerAddress(ctx: K3dRunContext, container: string, network: string): Promise<string | null> {
  const found = await ctx.exec(
    'docker',
    ['inspect', '--format', `{{with index .NetworkSettings.Networks "${network}"}}{{.IPAddress}}{{end}}`, container],
    { allowFailure: true },
  );
  if (ctx.exec.dryRun) return `<address of ${container}>`;
  const address = found.exitCode === 0 ? found.stdout.trim() : '';
  return address || null;
}

/**
 * The spec IP → Docker address rules in the given node containers' namespaces (all servers and
 * agents when none are given), replacing what was there: run when the cluster is created, when a
 * node container starts again (a new namespace), and when a host container starts or reconnects
 * (Docker may give it another address).
 */
export async function routeExternalHosts(ctx: K3dRunContext, plan: RunPlan, only?: readonly ClusterNode[]): Promise<void> {
  const hosts = externalNodes(plan).filter((n) => n.ip);
  if (hosts.length === 0) return;
  const targets = only ?? plan.cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent');
  const rules: Array<{ ip: string; address: string }> = [];
  for (const host of hosts) {
    const address = await dockerAddress(ctx, ctx.names.external(host), ctx.names.network);
    if (address && host.ip) rules.push({ ip: host.ip, address });
  }
  for (const node of targets) {
    const container = ctx.names.container(node);
    const state = await ctx.exec('docker', ['inspect', '-f', '{{.State.Running}}', container], { allowFailure: true });
    if (!ctx.exec.dryRun && state.stdout.trim() !== 'true') continue;
    const netns = ['-t', await pid(ctx.exec, container), '-n'];
    const iptables = (args: string[], allowFailure = false) =>
      ctx.exec('nsenter', [...netns, 'iptables', '-w', '-t', 'nat', ...args], { allowFailure });
    await iptables(['-N', externalChain], true);
    await iptables(['-F', externalChain]);
    for (const hook of ['PREROUTING', 'OUTPUT']) {
      await iptables(['-D', hook, '-j', externalChain], true);
      await iptables(['-I', hook, '1', '-j', externalChain]);
    }
    for (const { ip, address } of rules) await iptables(['-A', externalChain, '-d', `${ip}/32`, '-j', 'DNAT', '--to-destination', address]);
  }
}

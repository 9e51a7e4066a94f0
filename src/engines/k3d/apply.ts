/**
 * What each fault does to the containers of a created cluster: power is `docker kill` / `start`,
 * a partition is a network disconnect, a slow link a token bucket in the node's namespace, K3s
 * stopped through twin's service manager (or the whole container on a stock K3s image), memory
 * through the node's containerd, workloads through kubectl. The schedule decides when.
 */
import type { ClusterNode } from '../../model/cluster.js';
import { workloadMatches } from '../../model/workloads.js';
import type { ResolvedFault } from '../../scenario/faults.js';
import type { RunPlan } from '../engine.js';
import { shape } from './cluster.js';
import { goDuration } from './config.js';
import { kubectl, type K3dRunContext } from './context.js';
import { containerFaults, pid } from './docker.js';
import { routeExternalHosts } from './external.js';
import type { NodeMemoryFaults } from './memory.js';
import { setDiskFull } from './disk-fill.js';
import { setLinkImpairment } from './link-impairment.js';
import { setStorageLatency } from './storage-latency.js';
import { tbfArgs } from './throttle.js';

/** Faults the schedule does itself (a board boots before its container starts); never handed to {@link applyFault}. */
export type ScheduledFault = Extract<ResolvedFault, { kind: 'site-power-restore' }>;

/**
 * What one fault does to the containers. Returns why it failed when a fault that goes through the
 * API could not be applied (kubectl's own error, e.g. the API server refusing connections while
 * the control plane is down); the schedule records that as `fault.failed`.
 */
/** A kubectl command a user would type; its failure is the fault's outcome, not the run's. */
async function throughApi(ctx: K3dRunContext, plan: RunPlan, args: readonly string[]): Promise<string | undefined> {
  // Any API server that answers will do, as for a kubeconfig pointing at the servers' load balancer
  // (and as the sim engine's API availability): try each server's own kubectl in turn.
  let why = '';
  for (const server of plan.cluster.nodes.filter((n) => n.role === 'server')) {
    const result = await kubectl(ctx, plan.cluster, args, undefined, { allowFailure: true, server });
    if (result.exitCode === 0) return undefined;
    why = (result.stderr.trim().split('\n').pop() ?? '').slice(0, 300) || `exit ${result.exitCode}`;
  }
  return `kubectl ${args.slice(0, 2).join(' ')} failed: ${why}; nothing was changed`;
}

/**
 * Faults whose effect on the node comes measurably later than twin's ask: a process started or signalled
 * with `docker exec` in a node held to its board's CPU quota takes seconds. {@link applyFault} reports
 * when these took effect, and the schedule records them then (as the model has them take effect at once).
 */
export function effectReported(fault: ResolvedFault): fault is Extract<ResolvedFault, { kind: 'memory-fill' | 'memory-leak' }> {
  return fault.kind === 'memory-fill' || fault.kind === 'memory-leak';
}

export async function applyFault(
  ctx: K3dRunContext,
  plan: RunPlan,
  fault: Exclude<ResolvedFault, ScheduledFault>,
  /** Handed, for a fault {@link effectReported}, the wall-clock ms at which it took effect (undefined: not seen), which may come later. */
  tookEffect: (at: Promise<number | undefined>) => void = () => undefined,
): Promise<string | undefined> {
  const { cluster } = plan;
  const exec = ctx.exec;
  const node = (name: string) => cluster.nodes.find((n) => n.name === name) as ClusterNode;
  const container = (name: string) => {
    const n = node(name);
    if (n.role === 'rancher') return ctx.names.rancher;
    return n.role === 'external' ? ctx.names.external(n) : ctx.names.container(n);
  };
  /** A host container started or reconnected may have another Docker address: every node's rule again. */
  const rerouteIfExternal = (name: string) => (node(name).role === 'external' ? routeExternalHosts(ctx, plan) : Promise.resolve());
  const network = ctx.names.network;
  const servers = (names?: readonly string[]) =>
    (names ?? cluster.nodes.filter((n) => n.role === 'server').map((n) => n.name)).map(container);
  switch (fault.kind) {
    case 'power-off':
      await containerFaults.powerOff(exec, container(fault.node));
      return;
    case 'power-on':
      await containerFaults.powerOn(exec, container(fault.node));
      await shape(ctx, plan, node(fault.node));
      await rerouteIfExternal(fault.node);
      return;
    case 'reboot':
      await containerFaults.reboot(exec, container(fault.node));
      await shape(ctx, plan, node(fault.node));
      await rerouteIfExternal(fault.node);
      return;
    case 'k3s-restart':
      if (ctx.serviceManager) {
        await exec('docker', ['exec', container(fault.node), 'k3s', 'service', 'restart']);
        return;
      }
      await exec('docker', ['restart', '--time', '10', container(fault.node)]);
      await shape(ctx, plan, node(fault.node));
      return;
    case 'control-plane-down':
      // `systemctl stop k3s` on the server: with twin's node image only K3s stops and the pods
      // keep running, as on a Pi; a stock K3s image can only be stopped as a whole container.
      for (const c of servers(fault.servers)) {
        if (ctx.serviceManager) await exec('docker', ['exec', c, 'k3s', 'service', 'stop']);
        else await containerFaults.stop(exec, c);
      }
      return;
    case 'control-plane-up':
      for (const c of servers(fault.servers)) {
        if (ctx.serviceManager) await exec('docker', ['exec', c, 'k3s', 'service', 'start']);
        else await containerFaults.powerOn(exec, c);
      }
      return;
    case 'rancher-down':
      await containerFaults.stop(exec, ctx.names.rancher);
      return;
    case 'rancher-up':
      await containerFaults.powerOn(exec, ctx.names.rancher);
      return;
    case 'partition':
      for (const group of fault.groups) for (const name of group) await containerFaults.disconnect(exec, network, container(name));
      return;
    case 'heal-partition':
      for (const n of cluster.nodes)
        if (n.role === 'server' || n.role === 'agent' || n.role === 'external')
          await containerFaults.connect(exec, network, container(n.name)).catch(() => undefined);
      if (cluster.nodes.some((n) => n.role === 'external')) await routeExternalHosts(ctx, plan);
      return;
    case 'link-degrade': {
      // A link-degrade replaces the link as a whole, as on the sim engine: what it does not give is the profile's.
      const target = node(fault.node);
      const given = fault.bandwidth;
      if (given === null) await shape(ctx, plan, target);
      else {
        const rate = 'fraction' in given ? target.network.throughput.value * 8 * given.fraction : given.bitsPerSecond;
        await exec('nsenter', ['-t', await pid(exec, container(fault.node)), '-n', 'tc', ...tbfArgs('eth0', rate, 'replace')]);
      }
      if (fault.delay > 0 || fault.loss > 0 || (ctx.linkImpairment && (target.role === 'server' || target.role === 'agent')))
        return setLinkImpairment(exec, container(fault.node), fault.delay, fault.loss, `link-degrade ${fault.node}`);
      return;
    }
    case 'link-restore': {
      await shape(ctx, plan, node(fault.node));
      const role = node(fault.node).role;
      if (ctx.linkImpairment && (role === 'server' || role === 'agent'))
        return setLinkImpairment(exec, container(fault.node), 0, 0, `link-restore ${fault.node}`);
      return;
    }
    case 'site-power-cut':
      // Every machine on the site's power, the external hosts (twin's containers for them) included.
      for (const n of cluster.nodes) await containerFaults.powerOff(exec, container(n.name));
      return;
    case 'memory-leak':
      tookEffect(Promise.resolve(await memoryFaults(ctx).leak(fault.workload, fault.rate)));
      return;
    case 'memory-fill':
      tookEffect((await memoryFaults(ctx).fill(fault.node, fault.amount)).tookEffect);
      return;
    case 'scale':
      return throughApi(ctx, plan, ['scale', `--replicas=${fault.replicas}`, ...workloadRef(plan, fault.workload)]);
    case 'rollout-restart':
      return throughApi(ctx, plan, ['rollout', 'restart', ...workloadRef(plan, fault.workload)]);
    // --- node maintenance: the Node object through kubectl, an orderly shutdown as a container stop
    case 'delete-node':
      return throughApi(ctx, plan, ['delete', 'node', fault.node]);
    case 'out-of-service':
      return throughApi(ctx, plan, [
        'taint',
        'nodes',
        fault.node,
        `node.kubernetes.io/out-of-service=nodeshutdown:${fault.effect ?? 'NoExecute'}`,
      ]);
    case 'return-to-service':
      return throughApi(ctx, plan, ['taint', 'nodes', fault.node, 'node.kubernetes.io/out-of-service-']);
    case 'shutdown':
      // `docker stop`: SIGTERM to k3s, then the container ends, as systemd stops k3s before power-off. The
      // kubelet's graceful node shutdown needs systemd-logind, which a node container lacks (supports.ts).
      await containerFaults.stop(exec, container(fault.node));
      return;
    // ---- maintenance: kubectl as a user types it; its error (a PDB that never allows, a refused pod) is the fault's outcome
    case 'cordon':
    case 'uncordon':
      return throughApi(ctx, plan, [fault.kind, fault.node]);
    case 'drain':
      return throughApi(ctx, plan, drainArgs(fault));
    case 'slow-storage':
    case 'storage-restore':
      // twin-slowfs re-reads its latency file on SIGHUP (node-image/slowfs): with it every synchronous write on the
      // node's datastore and volumes takes this long from now on, one at a time; without it, the board's latency again.
      // A node that is off takes it at its next power-on (storage-latency.ts); one without twin-slowfs (no FUSE)
      // cannot take it: the fault is recorded as failed.
      return setStorageLatency(
        exec,
        container(fault.node),
        fault.kind === 'slow-storage' ? goDuration(fault.latency) : null,
        `${fault.kind} on ${fault.node}`,
      );
    case 'disk-full':
    case 'disk-free':
      // The node's kubelet directory is on an ext4 disk of its own (node-image/entrypoint/k3d-entrypoint-twin-nodefs.sh);
      // a node that is off takes the fault at its next power-on (disk-fill.ts).
      return setDiskFull(exec, container(fault.node), fault.kind === 'disk-full', `${fault.kind} on ${fault.node}`);
    case 'k3s-upgrade':
      // Refused by supports() before anything runs (supports.ts says why).
      throw new Error(`fault ${fault.kind} cannot be done on the k3d engine`);
    default: {
      const unknown: never = fault;
      throw new Error(`fault ${(unknown as ResolvedFault).kind} cannot be done on the k3d engine`);
    }
  }
}

/** `kubectl drain` with the fault's flags (twin's defaults resolved: DaemonSet pods are left). */
export function drainArgs(fault: Extract<ResolvedFault, { kind: 'drain' }>): string[] {
  return [
    'drain',
    fault.node,
    ...(fault.ignoreDaemonSets ? ['--ignore-daemonsets'] : []),
    ...(fault.deleteEmptyDirData ? ['--delete-emptydir-data'] : []),
    ...(fault.force ? ['--force'] : []),
    ...(fault.gracePeriod !== null ? [`--grace-period=${Math.round(fault.gracePeriod)}`] : []),
    // kubectl's --timeout=0s means "wait forever", as the fault without a timeout.
    `--timeout=${fault.timeout !== null ? Math.round(fault.timeout) : 0}s`,
  ];
}

function memoryFaults(ctx: K3dRunContext): NodeMemoryFaults {
  if (!ctx.memory) throw new Error("memory faults need the run's node memory driver");
  return ctx.memory;
}

/** kubectl's arguments for a workload named as scenarios name it (`Kind/ns/name`, `ns/name` or `name`), found in the plan. */
function workloadRef(plan: RunPlan, wanted: string): string[] {
  const key = plan.workloads.workloads.find((w) => workloadMatches(w.key, wanted))?.key ?? wanted;
  const [first = '', second = '', third = ''] = key.split('/');
  const parts = key.split('/').length;
  if (parts === 3) return [`${first.toLowerCase()}/${third}`, '-n', second];
  if (parts === 2) return [`deployment/${second}`, '-n', first];
  return [`deployment/${key}`];
}

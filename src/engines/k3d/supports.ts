/**
 * What of a plan the k3d engine cannot do, found before anything is created: fault kinds real
 * containers cannot show, and fault triggers on events this engine never observes while it runs.
 * Every fault kind and every trigger kind is decided here, so nothing is refused once the cluster
 * is built.
 */
import type { Cluster } from '../../model/cluster.js';
import { componentWorkloads, disabledComponents, packagedComponents } from '../../model/k3s-components.js';
import type { TimelineEventKind } from '../../model/timeline.js';
import { workloadMatches, type WorkloadSet } from '../../model/workloads.js';
import type { ResolvedFault as Fault } from '../../scenario/faults.js';
import type { PlannedFault, Refusal } from '../engine.js';
import type { NodeImageCapabilities } from './capabilities.js';

export interface SupportOptions {
  /** The node image the run would use: memory-fill needs twin's. */
  readonly nodeImage?: 'twin' | 'k3s';
  /** Rancher's view of the agent comes from twin's stand-in's log, read after the run, not live. */
  readonly rancherStandIn?: boolean;
  /** The cluster sets shutdownGracePeriod > 0 (the kubelet's graceful node shutdown). */
  readonly gracefulNodeShutdown?: boolean;
}

/** Why one fault cannot be done to real containers, or null when it can. */
function faultRefusal(id: string, fault: Fault, options: SupportOptions): string | null {
  switch (fault.kind) {
    case 'memory-fill':
      return options.nodeImage === 'k3s'
        ? `fault ${id} (memory-fill): the memory is taken by memhog inside the node container, ` +
            "which only twin's node image has (scripts/build-k3s-image.sh)"
        : null;
    case 'link-degrade':
      return fault.bandwidth !== null && 'fraction' in fault.bandwidth && fault.bandwidth.fraction <= 0
        ? `fault ${id}: a bandwidth of 0 is a partition; use partition`
        : null;
    // --- node maintenance
    case 'reboot':
    case 'shutdown':
      return options.gracefulNodeShutdown
        ? `fault ${id} (${fault.kind}): the kubelet's graceful node shutdown (shutdownGracePeriod) waits for systemd-logind's ` +
            'shutdown signal over D-Bus, which a k3d node container does not have, so its pods would not be terminated first'
        : null;
    case 'k3s-upgrade':
      return (
        `fault ${id} (k3s-upgrade): a rolling K3s upgrade needs a second K3s version's node image, and the k3d engine has ` +
        "one offline image (twin.local/k3s, or the host's rancher/k3s) whose binary cannot be swapped in a running node container"
      );
    case 'delete-node':
    case 'out-of-service':
    case 'return-to-service':
    case 'cordon':
    case 'uncordon':
    case 'drain':
      return null;
    case 'power-off':
    case 'power-on':
    case 'k3s-restart':
    case 'control-plane-down':
    case 'control-plane-up':
    case 'rancher-down':
    case 'rancher-up':
    case 'memory-leak':
    case 'partition':
    case 'heal-partition':
    case 'link-restore':
    case 'site-power-cut':
    case 'site-power-restore':
    case 'scale':
    case 'rollout-restart':
    case 'disk-full': // twin's node image gives the node's kubelet directory a disk of its own (unsupportedStack checks the image)
    case 'disk-free':
    case 'slow-storage': // twin's node image serves the datastore through twin-slowfs (unsupportedStack checks the image)
    case 'storage-restore':
      return null;
    default: {
      const unknown: never = fault;
      return `fault ${id} (${(unknown as Fault).kind}): not known to the k3d engine`;
    }
  }
}

/** Faults this engine cannot do to real containers, with the reason; refused before anything runs. */
export function unsupportedFaults(faults: readonly PlannedFault[], options: SupportOptions = {}): string[] {
  return faults.flatMap(({ id, fault }) => faultRefusal(id, fault, options) ?? []);
}

/**
 * The events a k3d run observes while it runs (informers, probes, Docker's events, the schedule,
 * the memory driver), so a fault may wait for them. The rest never reach a k3d timeline, or only
 * after the run.
 */
const observedLive: ReadonlySet<TimelineEventKind> = new Set<TimelineEventKind>([
  'run.started',
  'run.finished',
  'bringup.step',
  'fault.injected',
  'fault.healed',
  'fault.notApplied',
  'fault.failed',
  'node.power',
  'node.booted',
  'node.network',
  'node.oomKiller',
  'node.registered',
  'node.deleted',
  'node.condition',
  'node.taint',
  'pod.created',
  'pod.scheduled',
  'pod.started',
  'pod.ready',
  'pod.unready',
  'pod.oomKilled',
  'pod.backOff',
  'pod.evicted',
  'pod.terminating',
  'pod.deleted',
  'pod.succeeded',
  'pod.failed',
  'service.outageStarted',
  'service.outageEnded',
  'api.available',
  'api.unavailable',
  'gateway.available',
  'gateway.unavailable',
  'leader.acquired',
  'rancher.available',
  'rancher.unavailable',
  'rancher.agentConnected',
  'rancher.agentDisconnected',
]);

/** Triggers (`at: { after: … }`) that would never fire on this engine, with the reason. */
export function unsupportedTriggers(faults: readonly PlannedFault[], options: SupportOptions = {}): Refusal[] {
  const out: Refusal[] = [];
  for (const { id, at } of faults) {
    if (typeof at === 'number') continue;
    const kind = at.after.kind as TimelineEventKind;
    const subject = `fault ${id} trigger (after ${at.after.kind})`;
    if (!observedLive.has(kind))
      out.push({
        subject,
        reason: `${subject}: the k3d engine never observes ${at.after.kind} events while it runs, so the fault would never fire`,
      });
    else if (options.rancherStandIn && (kind === 'rancher.agentConnected' || kind === 'rancher.agentDisconnected')) {
      out.push({
        subject,
        reason:
          `${subject}: with twin's Rancher stand-in the agent's connection is read from Rancher's log after the run, ` +
          'not while it runs',
      });
    }
  }
  return out;
}

/**
 * Nodes declaring swap: a node container shares the host's kernel, so it can have neither its own zram
 * device nor its own swap file, and the kubelet inside reads the host's /proc/swaps; a run would show
 * the host's swap (or none), not the board's. Refused rather than run without it.
 */
export function unsupportedCluster(cluster: Pick<Cluster, 'nodes'>): Refusal[] {
  return cluster.nodes
    .filter((n) => n.swap)
    .map((n) => ({
      subject: `node ${n.name} (swap)`,
      reason:
        `node ${n.name} declares swap: a k3d node container shares the host's kernel and swap, so the board's zram ` +
        'and swap file cannot be reproduced; use the sim engine',
    }));
}

/** Everything of the plan this engine cannot do. */
export function refusals(faults: readonly PlannedFault[], options: SupportOptions = {}): Refusal[] {
  const byFault = faults.flatMap(({ id, fault }) => {
    const reason = faultRefusal(id, fault, options);
    return reason ? [{ subject: `fault ${id} (${fault.kind})`, reason }] : [];
  });
  return [...byFault, ...unsupportedTriggers(faults, options)];
}

/** The nodes a fault names (its target, a partition's groups, a power order, a list of servers). */
function faultNodes(fault: Fault): string[] {
  const named: string[] = [];
  if ('node' in fault) named.push(fault.node);
  if ('groups' in fault) named.push(...fault.groups.flat());
  if ('order' in fault && fault.order) named.push(...fault.order);
  if ('servers' in fault && fault.servers) named.push(...fault.servers);
  return named;
}

/**
 * Faults that may name a machine outside Kubernetes (role external): it is a container of its own
 * (external.ts), so its power, its link and its place on the network can be cut as any machine's.
 * The rest act on K3s or on a Kubernetes Node, which such a machine has not.
 */
const externalHostFaults: ReadonlySet<Fault['kind']> = new Set<Fault['kind']>([
  'power-off',
  'power-on',
  'reboot',
  'shutdown',
  'partition',
  'heal-partition',
  'link-degrade',
  'link-restore',
  'site-power-cut',
  'site-power-restore',
]);

/**
 * What of the cluster's stack the node image cannot run, from the capabilities it declares
 * (capabilities.ts): a datastore it has not, more servers than it can join, faults on a packaged
 * component it does not deploy; and faults that would act on K3s or a Kubernetes Node of a machine
 * outside Kubernetes (role external), which runs as twin's external host container and has neither.
 */
export function unsupportedStack(
  plan: { readonly cluster: Cluster; readonly workloads: WorkloadSet; readonly faults: readonly PlannedFault[] },
  capabilities: NodeImageCapabilities,
): Refusal[] {
  const { cluster } = plan;
  const out: Refusal[] = [];
  const image = capabilities.source;
  const datastore = cluster.k3s.datastore;
  if (!capabilities.datastores.includes(datastore)) {
    const consequence =
      datastore === 'embedded-etcd'
        ? 'its servers would not form an etcd quorum, so quorum loss and its recovery would not happen for real'
        : 'the servers would not keep their state where the scenario says';
    out.push({
      subject: `k3s.datastore (${datastore})`,
      reason:
        `datastore ${datastore}: the node image runs ${capabilities.datastores.join(', ')} only (${image}); ${consequence}; ` +
        'use --engine sim, or a node image with it (scripts/build-k3s-image.sh; twin doctor shows what the image runs)',
    });
  }
  const servers = cluster.nodes.filter((n) => n.role === 'server');
  if (capabilities.maxServers > 0 && servers.length > capabilities.maxServers)
    out.push({
      subject: `servers (${servers.length})`,
      reason:
        `${servers.length} servers (${servers.map((n) => n.name).join(', ')}): the node image joins at most ` +
        `${capabilities.maxServers} (${image}); use --engine sim`,
    });
  const external = new Set(cluster.nodes.filter((n) => n.role === 'external').map((n) => n.name));
  const disabled = disabledComponents(cluster.k3s.serverArgs);
  const absent = packagedComponents.filter((c) => !disabled.has(c) && !capabilities.components.includes(c));
  for (const { id, fault } of plan.faults) {
    const subject = `fault ${id} (${fault.kind})`;
    if (fault.kind === 'slow-storage' && !capabilities.storageLatency)
      out.push({
        subject,
        reason:
          `${subject}: the node image cannot add a write latency to a node's storage (${image}): Docker caps throughput only; ` +
          "twin's node image serves the datastore through twin-slowfs (scripts/build-k3s-image.sh), or use --engine sim",
      });
    if ((fault.kind === 'disk-full' || fault.kind === 'disk-free') && !capabilities.diskFill)
      out.push({
        subject,
        reason:
          `${subject}: the node image keeps the kubelet's directory on the host's disk (${image}), and filling it would fill ` +
          "the host's; twin's node image gives it a disk of its own (scripts/build-k3s-image.sh), or use --engine sim",
      });
    if (fault.kind === 'link-degrade' && (fault.delay > 0 || fault.loss > 0)) {
      const role = cluster.nodes.find((n) => n.name === fault.node)?.role;
      const why = !capabilities.linkImpairment
        ? `the node image has no twin-netq to delay or drop packets (${image}), and this kernel's tc has no netem; ` +
          "twin's node image has it (scripts/build-k3s-image.sh)"
        : role !== 'server' && role !== 'agent'
          ? `${fault.node} is not a K3s node: only twin's node image has twin-netq to delay or drop its packets`
          : null;
      if (why !== null) out.push({ subject, reason: `${subject}: ${why}; bandwidth alone works, or use --engine sim` });
    }
    const hosts = [...new Set(faultNodes(fault).filter((n) => external.has(n)))];
    if (hosts.length > 0 && !externalHostFaults.has(fault.kind))
      out.push({
        subject,
        reason:
          `${subject}: ${hosts.join(', ')} ${hosts.length === 1 ? 'is a machine' : 'are machines'} outside Kubernetes (role external), ` +
          `with no K3s and no Kubernetes Node for ${fault.kind} to act on; only power, link and partition faults apply to it`,
      });
    if ('workload' in fault) {
      const wanted = fault.workload;
      if (plan.workloads.workloads.some((w) => workloadMatches(w.key, wanted))) continue;
      const component = absent.find((c) =>
        componentWorkloads[c].some((key) => workloadMatches(`Deployment/${key}`, wanted) || workloadMatches(`DaemonSet/${key}`, wanted)),
      );
      if (component)
        out.push({
          subject,
          reason: `${subject}: ${wanted} is K3s's ${component}, which the node image does not deploy (${image}); use --engine sim`,
        });
    }
  }
  return out;
}

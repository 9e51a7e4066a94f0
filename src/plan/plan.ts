/**
 * Capacity planning before buying hardware: does everything schedule, how much headroom
 * is left once the OS and K3s have taken their share, what happens when any node (or any
 * pair) dies, what the cluster draws from the wall and what it costs. Uses the sim engine's
 * scheduler functions and overhead model throughout.
 */
import type { Cluster } from '../model/cluster.js';
import { ConfigError } from '../errors.js';
import { bringUpFindings, type Finding } from '../model/findings.js';
import { schedulingFixes, type NodeLabels } from '../report/fixes.js';
import { systemWorkloadsOf } from '../model/system-workloads.js';
import { workloadDefaults } from '../model/workload-defaults.js';
import type { WorkloadSet } from '../model/workloads.js';
import { Rng } from '../sim/rng.js';
import { newPod, newWorkloadState, watts, type SimNode, type SimPod } from '../sim/state.js';
import { assignToNode } from '../sim/scheduling.js';
import { hasLocalVolume, healthyNodes, place, placeAll, type PendingKind, type Placement } from './placement.js';
import { userWorkloadsOf } from './workload-sets.js';
import type { KubernetesObject } from '@kubernetes/client-node';

/** Hours in an average month (8,760 h / 12). */
export const hoursPerMonth = 730;

export interface NodePlan {
  readonly name: string;
  readonly role: string;
  readonly profile: string;
  readonly board: string;
  readonly pods: number;
  readonly capacityCpu: number;
  readonly capacityMemory: number;
  /** What the scheduler sees (K3s reserves nothing, so close to capacity). */
  readonly schedulerAllocatableMemory: number;
  /** Capacity minus the OS and K3s's own memory for this node's role and datastore. */
  readonly effectiveAllocatableMemory: number;
  readonly effectiveAllocatableCpu: number;
  readonly requestedCpu: number;
  readonly requestedMemory: number;
  readonly limitCpu: number;
  readonly limitMemory: number;
  /** Memory really in use: OS, K3s and every pod's usage. */
  readonly usedMemory: number;
  readonly usedCpu: number;
  readonly headroomMemory: number;
  readonly headroomMemoryPercent: number;
  readonly headroomCpu: number;
  readonly headroomCpuPercent: number;
  readonly idleWatts: number;
  readonly expectedWatts: number;
  readonly loadWatts: number;
  readonly supplyWatts: number;
  readonly poeWatts: number | null;
  readonly powerBudget: string;
}

export interface PendingEntry {
  readonly pod: string;
  readonly workload: string;
  readonly kind: PendingKind;
  readonly reason: string;
  /** What to change so it fits. */
  readonly fix: string;
}

export interface FailureResult {
  readonly failed: readonly string[];
  readonly apiAvailable: boolean;
  readonly rescheduled: number;
  /** DaemonSet pods that simply go with their node. */
  readonly lost: number;
  readonly pending: readonly PendingEntry[];
}

export interface PlanResult {
  readonly cluster: string;
  /** With a calibration: where its figures (per-node memory, K3s overhead) were measured, and when. */
  readonly measured?: string;
  readonly fits: boolean;
  readonly nodes: readonly NodePlan[];
  readonly pending: readonly PendingEntry[];
  readonly tolerance: {
    readonly tolerate: number;
    readonly failures: readonly FailureResult[];
    /** No failure leaves a pod pending for lack of capacity. */
    readonly survives: boolean;
    readonly weakest: string | null;
    readonly controlPlane: string;
  };
  readonly power: {
    readonly idleWatts: number;
    readonly expectedWatts: number;
    readonly kwhPerMonth: number;
    readonly kwhPrice: number;
    readonly costPerMonth: number;
    readonly purchaseUsd: number;
  };
  readonly assumptions: readonly string[];
  readonly findings: readonly Finding[];
}

export interface PlanOptions {
  /** Nodes that may fail together: 1 (every single node) or 2 (every pair). */
  readonly tolerate?: number;
  /** Price of a kWh in USD. */
  readonly kwhPrice?: number;
  readonly seed?: number;
  /** Skip the failure analysis (search uses its own). */
  readonly skipTolerance?: boolean;
}

/** An average residential price, used when none is given (U.S. EIA 2024 average ≈ 16.5 ¢/kWh; estimate). */
export const defaultKwhPrice = 0.165;

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function podMemoryUse(pod: SimPod): number {
  return pod.template.containers.reduce((sum, c) => sum + c.memoryUsage, 0);
}

function pendingEntries(pending: Placement['pending'], nodes: readonly NodeLabels[]): PendingEntry[] {
  return pending.map((p) => ({
    pod: `${p.pod.namespace}/${p.pod.name}`,
    workload: p.pod.workload.spec.key,
    kind: p.kind,
    reason: p.reason,
    fix: schedulingFixes(p.reason, p.pod.workload.spec, nodes).join('; or '),
  }));
}

/** Rejects options no plan can be made with (the CLI checks its flags first, naming the value typed). */
export function checkPlanOptions(options: PlanOptions): void {
  const problems: Array<{ field: string; message: string; hint: string }> = [];
  if (options.tolerate !== undefined && options.tolerate !== 1 && options.tolerate !== 2)
    problems.push({ field: 'tolerate', message: `${options.tolerate} is not supported`, hint: 'use 1 (every node) or 2 (every pair)' });
  if (options.kwhPrice !== undefined && !(Number.isFinite(options.kwhPrice) && options.kwhPrice >= 0))
    problems.push({ field: 'kwhPrice', message: `${options.kwhPrice} is not a price`, hint: 'give USD per kWh, 0 or more, e.g. 0.30' });
  if (problems.length) throw new ConfigError('plan options', problems);
}

/** Whether the API survives losing these servers (one SQLite/external server, or etcd quorum). */
function apiSurvives(cluster: Cluster, failed: ReadonlySet<string>): boolean {
  const servers = cluster.nodes.filter((n) => n.role === 'server');
  const alive = servers.filter((s) => !failed.has(s.name)).length;
  if (cluster.k3s.datastore === 'embedded-etcd') return alive >= Math.floor(servers.length / 2) + 1;
  return alive > 0 && !failed.has(servers[0]?.name ?? '');
}

/** What happens to the pods of `failed` nodes once they are evicted (after the 300 s toleration). */
export function evaluateFailure(
  cluster: Cluster,
  base: Placement,
  user: WorkloadSet,
  system: WorkloadSet,
  failed: ReadonlySet<string>,
  seed = 1,
): FailureResult {
  const nodes: SimNode[] = healthyNodes(cluster).filter((n) => !failed.has(n.name));
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const apiAvailable = apiSurvives(cluster, failed);
  let id = 1;
  const displaced: SimPod[] = [];
  let lost = 0;
  const pending: PendingEntry[] = [];
  for (const original of base.workloads) {
    const workload = newWorkloadState(original.spec);
    for (const pod of original.pods) {
      if (!pod.nodeName) continue;
      const copy = newPod(id++, pod.name, workload, pod.ordinal, 0, pod.pinnedNode);
      const target = byName.get(pod.nodeName);
      if (target) {
        assignToNode(copy, target);
        continue;
      }
      if (workload.spec.kind === 'DaemonSet') {
        lost++;
        continue;
      }
      if (hasLocalVolume(copy, user, system)) {
        pending.push({
          pod: `${copy.namespace}/${copy.name}`,
          workload: workload.spec.key,
          kind: 'volume',
          reason:
            `its local-path volume is on ${pod.nodeName}: it waits for that node ` +
            '(a StatefulSet pod is not even replaced until the old one is gone)',
          fix: 'use replicated or network storage (NFS, Longhorn) for it, or accept the wait for the node',
        });
        continue;
      }
      displaced.push(copy);
    }
  }
  if (!apiAvailable) {
    for (const pod of displaced)
      pending.push({
        pod: `${pod.namespace}/${pod.name}`,
        workload: pod.workload.spec.key,
        kind: 'control-plane',
        reason: 'the Kubernetes API is down with the failed server(s): nothing is rescheduled',
        fix: 'run 3 servers with embedded etcd, so the API survives losing one',
      });
    return { failed: [...failed], apiAvailable, rescheduled: 0, lost, pending };
  }
  displaced.sort((a, b) => b.template.priority - a.template.priority || a.id - b.id);
  const stuck = placeAll(displaced, nodes, cluster.settings.maxPods, new Rng(seed), new Map(), new Set());
  pending.push(...pendingEntries(stuck, cluster.nodes));
  return { failed: [...failed], apiAvailable, rescheduled: displaced.length - stuck.length, lost, pending };
}

function combinations<T>(items: readonly T[], k: number): T[][] {
  if (k === 1) return items.map((i) => [i]);
  const out: T[][] = [];
  items.forEach((item, i) => {
    for (const rest of combinations(items.slice(i + 1), k - 1)) out.push([item, ...rest]);
  });
  return out;
}

function nodePlan(node: SimNode): NodePlan {
  const profile = node.spec.profile.spec;
  const pods = [...node.pods];
  const limitCpu = pods.reduce((s, p) => s + p.template.containers.reduce((t, c) => t + c.limitCpu, 0), 0);
  const limitMemory = pods.reduce((s, p) => s + p.template.containers.reduce((t, c) => t + c.limitMemory, 0), 0);
  const usedMemory = node.overheadMemory + pods.reduce((s, p) => s + podMemoryUse(p), 0);
  node.powered = true;
  const usedCpu = Math.min(
    node.capacityCpu,
    node.overheadCpu + pods.reduce((s, p) => s + p.template.containers.reduce((t, c) => t + c.cpuUsage, 0), 0),
  );
  const effectiveMemory = Math.max(0, node.allocatableMemory - node.overheadMemory);
  const effectiveCpu = Math.max(0, node.allocatableCpu - node.overheadCpu);
  const load = profile.power.load.value;
  const supply = profile.power.supply.value;
  const poe = profile.power.poe?.value ?? null;
  const poeBudget = poe === null ? ', no PoE' : load <= poe ? `; PoE ${poe} W ok` : `; PoE ${poe} W too small`;
  const budget = load > supply ? `over: load ${load} W > supply ${supply} W` : `ok: load ${load} W of ${supply} W supply${poeBudget}`;
  return {
    name: node.name,
    role: node.spec.role,
    profile: node.spec.profile.metadata.name,
    board: node.spec.profile.metadata.displayName,
    pods: pods.length,
    capacityCpu: node.capacityCpu,
    capacityMemory: node.capacityMemory,
    schedulerAllocatableMemory: node.allocatableMemory,
    effectiveAllocatableMemory: effectiveMemory,
    effectiveAllocatableCpu: effectiveCpu,
    requestedCpu: node.requestedCpu,
    requestedMemory: node.requestedMemory,
    limitCpu,
    limitMemory,
    usedMemory,
    usedCpu,
    headroomMemory: effectiveMemory - node.requestedMemory,
    headroomMemoryPercent: effectiveMemory > 0 ? round((100 * (effectiveMemory - node.requestedMemory)) / effectiveMemory, 1) : 0,
    headroomCpu: effectiveCpu - node.requestedCpu,
    headroomCpuPercent: effectiveCpu > 0 ? round((100 * (effectiveCpu - node.requestedCpu)) / effectiveCpu, 1) : 0,
    idleWatts: profile.power.idle.value,
    expectedWatts: round(watts(node, usedCpu)),
    loadWatts: load,
    supplyWatts: supply,
    poeWatts: poe,
    powerBudget: budget,
  };
}

/** The whole plan for one cluster and its workloads. */
export function planCluster(cluster: Cluster, objects: readonly KubernetesObject[], options: PlanOptions = {}): PlanResult {
  checkPlanOptions(options);
  const user = userWorkloadsOf(objects);
  const system = systemWorkloadsOf(cluster);
  const seed = options.seed ?? 1;
  const base = place(cluster, user, system, seed);
  const nodes = base.nodes.map((n) => nodePlan(n));
  const tolerate = options.tolerate ?? 1;
  const clusterNodeNames = base.nodes.map((n) => n.name);
  const failures = options.skipTolerance
    ? []
    : combinations(clusterNodeNames, Math.min(tolerate, clusterNodeNames.length)).map((set) =>
        evaluateFailure(cluster, base, user, system, new Set(set), seed),
      );
  const capacityFailure = (f: FailureResult) => f.pending.filter((p) => p.kind === 'capacity' || p.kind === 'placement').length;
  const weakest = failures.length
    ? [...failures].sort((a, b) => b.pending.length - a.pending.length || capacityFailure(b) - capacityFailure(a))[0]
    : undefined;
  const servers = cluster.nodes.filter((n) => n.role === 'server');
  const controlPlane =
    cluster.k3s.datastore === 'embedded-etcd'
      ? `${servers.length} etcd servers: the API survives ${Math.floor((servers.length - 1) / 2)} server failure(s)`
      : `single server ${servers[0]?.name ?? ''} (${cluster.k3s.datastore}): ` +
        'losing it stops the API — running pods continue, nothing is rescheduled';
  // Machines outside the cluster (Rancher, NFS, gateway) draw power too.
  const outside = cluster.nodes.filter((n) => n.role === 'rancher' || n.role === 'external');
  const idleWatts = round(nodes.reduce((s, n) => s + n.idleWatts, 0) + outside.reduce((s, n) => s + n.profile.spec.power.idle.value, 0));
  const expectedWatts = round(
    nodes.reduce((s, n) => s + n.expectedWatts, 0) + outside.reduce((s, n) => s + n.profile.spec.power.idle.value, 0),
  );
  const kwhPrice = options.kwhPrice ?? defaultKwhPrice;
  const kwhPerMonth = round((expectedWatts * hoursPerMonth) / 1000);
  const priceNote = options.kwhPrice === undefined ? ' (default; set --kwh-price)' : '';
  const assumptions = [
    "power from CPU use, linear between each board's idle and full-load draw; " +
      `${hoursPerMonth} h per month; ${kwhPrice} USD/kWh${priceNote}`,
    'N-1: pods of a failed node are evicted after their 300 s toleration and placed again on the survivors; ' +
      'DaemonSet pods go with their node',
  ];
  if (user.withoutRequests.length) {
    const examples = `${user.withoutRequests.slice(0, 4).join('; ')}${user.withoutRequests.length > 4 ? '; …' : ''}`;
    const memoryMi = Math.round(workloadDefaults.memoryUsageWithoutRequest.value / 1048576);
    assumptions.push(
      `${user.withoutRequests.length} container(s) set no resource requests (${examples}): ` +
        'the scheduler counts them as 0, so they always "fit"; ' +
        `the plan assumes they really use ${memoryMi} MiB and ${workloadDefaults.cpuUsageWithoutRequest.value}m each ` +
        '(set twin.dev/memory-usage, or better, requests)',
    );
  }
  return {
    cluster: cluster.name,
    ...(cluster.calibration ? { measured: `${cluster.calibration.cluster.server} at ${cluster.calibration.measuredAt}` } : {}),
    fits: base.pending.length === 0,
    nodes,
    pending: pendingEntries(base.pending, cluster.nodes),
    tolerance: {
      tolerate,
      failures,
      survives: failures.every((f) => capacityFailure(f) === 0 && f.apiAvailable),
      weakest: weakest && weakest.pending.length > 0 ? weakest.failed.join(' + ') : null,
      controlPlane,
    },
    power: {
      idleWatts,
      expectedWatts,
      kwhPerMonth,
      kwhPrice,
      costPerMonth: round(kwhPerMonth * kwhPrice),
      purchaseUsd: cluster.nodes.reduce((s, n) => s + n.profile.spec.price.value, 0),
    },
    assumptions,
    findings: bringUpFindings(cluster, user),
  };
}

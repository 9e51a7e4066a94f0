/**
 * The simulated world. Every node and pod keeps two views apart:
 * - ground truth (`powered`, `running`, real memory use), which no API shows;
 * - what the Kubernetes API records (`api*` fields), which is what kubectl prints.
 */
import type { ClusterNode } from '../model/cluster.js';
import type { Taint } from '../model/cluster-schema.js';
import { usableMemory, type ModelSettings } from '../model/settings.js';
import type { PodTemplate } from '../model/pod-template.js';
import type { Workload } from '../model/workloads.js';
import type { JobStatus } from './job-status.js';
import { healthyLink, type Link } from './link.js';
import { measuredTimes, type MeasuredTimes } from './measured.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';
export type K3sState = 'stopped' | 'starting' | 'running';

/** Relative CPU performance of a Pi 4 Model B; K3s overhead figures were measured on one. */
export const pi4RelativePerformance = 2.4;

export interface SimNode {
  readonly name: string;
  readonly index: number;
  readonly spec: ClusterNode;
  /** Runs a kubelet (server or agent). */
  readonly inCluster: boolean;
  readonly isServer: boolean;
  /** Work on this node takes `1 / cpuFactor` as long as on a Pi 4. */
  readonly cpuFactor: number;

  // ---- capacity (what the kubelet reports) and real overhead
  readonly capacityCpu: number;
  readonly capacityMemory: number;
  readonly allocatableCpu: number;
  readonly allocatableMemory: number;
  /** OS plus K3s process memory: real use outside pods. */
  readonly overheadMemory: number;
  readonly overheadCpu: number;
  /** What a calibration measured on this node or its profile, over the model's own figures. */
  readonly measuredTimes: MeasuredTimes;

  // ---- ground truth
  powered: boolean;
  /** OS is up (after boot). */
  booted: boolean;
  k3s: K3sState;
  /** Network partition group; nodes talk only within their group. 0 is the site LAN. */
  partition: number;
  link: Link;
  /** Absolute fsync latency override from a slow-storage fault (s), or null. */
  writeLatencyOverride: number | null;
  diskFull: boolean;
  /** Memory taken by something outside Kubernetes (a fault). */
  foreignMemory: number;
  /** Images on disk, survive reboots. */
  readonly images: Set<string>;
  /** Image → time its pull completes, while in flight. */
  readonly pulling: Map<string, number>;
  networkFreeAt: number;
  diskFreeAt: number;
  /** Bumped on every power or k3s stop, so callbacks scheduled before it are ignored. */
  epoch: number;

  // ---- kubelet heartbeats (analytic: renewals at anchor + k * interval while the path is healthy)
  heartbeatHealthy: boolean;
  renewAnchor: number;
  lastRenewFrozen: number;
  /** Until when the Lease's phase is known (read live just before): a loss of the API until then keeps it. */
  leasePhaseKnownUntil: number;
  /** The kubelet epoch that lost the API while it kept running (-1: none): it posts status again at its next tick. */
  apiLostEpoch: number;

  /** The agent joined once and keeps the servers it learned (agent/etc/k3s-agent-load-balancer.json): no registration address needed. */
  learnedServers: boolean;

  // ---- API view
  registered: boolean;
  /** Epoch whose kubelet saw its Node deleted: it never registers again, the next one does (KK #71398). */
  nodeObjectDeletedEpoch: number | null;
  apiReady: ConditionStatus;
  apiMemoryPressure: boolean;
  apiDiskPressure: boolean;
  pressureUnknown: boolean; // the node lifecycle controller set them Unknown; the kubelet has not posted since
  readonly apiTaints: Taint[];
  readyTransitionAt: number;

  // ---- scheduler accounting (pods bound in the API)
  requestedCpu: number;
  requestedMemory: number;
  readonly pods: Set<SimPod>;
  podCount: number; // pods.size, beside the requests: the filter reads it on hundreds of nodes per pod
  readonly hasSpecTaints: boolean; // spec.taints (fixed) has any: the filter and scoring need not read the spec
  /** Set when what the sampler sums here may have changed (power, k3s, pods, a pod's running or memory, foreign memory). */
  usageChanged: boolean;
  antiAffinityPods?: number; // bound pods with required hostname anti-affinity (unset: none), so the filter scans only then

  // ---- node lifecycle controller's private view
  probeTimestamp: number;
  lastObservedRenew: number;
  noExecuteQueued: boolean;
}

export interface SimPod {
  readonly id: number;
  readonly name: string;
  readonly namespace: string;
  /** `pod/<namespace>/<name>`, built once: the subject of each of the pod's timeline events (see `podSubject`). */
  readonly subject: string;
  readonly workload: WorkloadState;
  readonly template: PodTemplate;
  readonly ordinal: number;
  readonly revision: number;
  readonly createdAt: number;
  /** Node fixed by a DaemonSet or a PVC's volume node affinity. */
  pinnedNode: string | null;

  // ---- API view
  apiExists: boolean;
  apiPhase: PodPhase;
  nodeName: string | null;
  apiReady: boolean;
  /** When the Ready condition last became True (its lastTransitionTime; minReadySeconds counts from it). */
  apiReadySince: number;
  apiReason: string;
  apiRestarts: number;
  deletionRequestedAt: number | null;
  /** Evicted by the kubelet (phase Failed, reason Evicted). */
  evicted: boolean;

  // ---- scheduler
  schedulingAttempts: number;
  backoffUntil: number;
  inQueue: boolean;
  lastUnschedulableReason: string;

  // ---- ground truth on the node
  running: boolean;
  ready: boolean;
  startedAt: number;
  /** Memory use right now = base + growth since growthSince. */
  baseMemory: number;
  memoryGrowthRate: number;
  growthSince: number;
  restarts: number;
  restartBackoff: number;
  /** Set while the container waits: ContainerCreating, ImagePullBackOff, CrashLoopBackOff, ErrImagePull. */
  waitingReason: string;
  imageBackoff: number;
  succeeded: boolean;
  epoch: number;
  /** Taint-eviction deadline handle (time), or null. */
  evictionAt: number | null;
}

export interface WorkloadState {
  readonly spec: Workload;
  /** Desired replicas (can change with a scale action). */
  replicas: number;
  revision: number;
  template: PodTemplate;
  readonly pods: Set<SimPod>;
  /** Bound pods per node, for spreading without scanning every pod (one small map per workload stays in cache). */
  readonly podsPerNode: Map<SimNode, number>;
  nextOrdinal: number;
  succeeded: number;
  failed: number;
  complete: boolean;
  /** Job: its controller's status (see `job-status.ts`). */
  job: JobStatus;
  /** StatefulSet ordinal → node its local-path volume is bound to. */
  readonly volumeNodes: Map<number, string>;
  lastReadyCount: number;
  wasFullyReady: boolean;
  /** Set by WorkloadControllers.markDirty and createPod, which follow any change to its pods' phase, readiness or deletion. */
  changedSinceSample: boolean;
}

/** Memory a pod really uses at `now`. */
export function podMemory(pod: SimPod, now: number): number {
  if (!pod.running) return 0;
  return pod.baseMemory + (pod.memoryGrowthRate > 0 ? pod.memoryGrowthRate * Math.max(0, now - pod.growthSince) : 0);
}

export function podCpuUsage(pod: SimPod): number {
  if (!pod.running) return 0;
  let total = 0;
  for (const c of pod.template.containers) total += c.cpuUsage;
  return total;
}

/** Builds a node with its capacity and real overhead derived from its hardware profile and role. */
export function createNode(spec: ClusterNode, index: number, settings: ModelSettings, datastoreIsEtcd: boolean): SimNode {
  const profile = spec.profile.spec;
  const inCluster = spec.role === 'server' || spec.role === 'agent';
  const isServer = spec.role === 'server';
  const cpuFactor = profile.cpu.relativePerformance.value / pi4RelativePerformance;
  const measured = spec.measured ?? {}; // a setting a measurement replaces is not read: the range sweep skips it
  const capacityMemory = measured.memoryCapacity?.value ?? usableMemory(profile.memory.value, settings);
  const capacityCpu = profile.cpu.cores.value * 1000;
  const k3sMemory = (): number =>
    !inCluster ? 0 : isServer ? settings.k3sServerMemory + (datastoreIsEtcd ? settings.k3sEtcdExtraMemory : 0) : settings.k3sAgentMemory;
  const k3sCpu = measured.k3sCpu?.value ?? (!inCluster ? 0 : (isServer ? settings.k3sServerCpu : settings.k3sAgentCpu) / cpuFactor);
  // K3s reserves nothing by default (no kube-reserved/system-reserved), so allocatable = capacity minus
  // the hard eviction threshold (unset by K3s for memory), unless measured (capacity less allocatable).
  const reserved = measured.memoryReserved?.value ?? settings.evictionHardMemoryAvailable ?? 0;
  // The scheduler's fields first: V8 lays a literal's fields out in order, so filtering touches fewer cache lines.
  return {
    spec,
    apiTaints: [],
    pods: new Set(),
    podCount: 0,
    hasSpecTaints: spec.taints.length > 0,
    usageChanged: true,
    requestedCpu: 0,
    requestedMemory: 0,
    allocatableCpu: capacityCpu,
    allocatableMemory: Math.max(0, capacityMemory - reserved),
    name: spec.name,
    index,
    inCluster,
    isServer,
    cpuFactor,
    capacityCpu,
    capacityMemory,
    overheadMemory: measured.memoryOutsidePods?.value ?? settings.osMemoryUsage + k3sMemory(),
    overheadCpu: Math.round(k3sCpu),
    measuredTimes: measuredTimes(spec),
    powered: false,
    booted: false,
    k3s: 'stopped',
    partition: 0,
    link: healthyLink(),
    writeLatencyOverride: null,
    diskFull: false,
    foreignMemory: 0,
    images: new Set(),
    pulling: new Map(),
    networkFreeAt: 0,
    diskFreeAt: 0,
    epoch: 0,
    heartbeatHealthy: false,
    renewAnchor: 0,
    lastRenewFrozen: -Infinity,
    leasePhaseKnownUntil: -Infinity,
    apiLostEpoch: -1,
    learnedServers: false,
    registered: false,
    nodeObjectDeletedEpoch: null,
    apiReady: 'Unknown',
    apiMemoryPressure: false,
    apiDiskPressure: false,
    pressureUnknown: false,
    readyTransitionAt: 0,
    probeTimestamp: 0,
    lastObservedRenew: -Infinity,
    noExecuteQueued: false,
  };
}

/** One synchronous write's latency on the node's storage (s): 1 / 4K random write IOPS, unless a fault overrides it. */
export function fsyncLatency(node: SimNode): number {
  return node.writeLatencyOverride ?? 1 / node.spec.storage.randomWriteIops.value;
}

/** Power draw from CPU utilisation, linear between the profile's idle and load figures. */
export function watts(node: SimNode, cpuUsed: number): number {
  if (!node.powered) return 0;
  const power = node.spec.profile.spec.power;
  const utilisation = Math.min(1, cpuUsed / node.capacityCpu);
  return power.idle.value + (power.load.value - power.idle.value) * utilisation;
}

/** A new pod object as its controller creates it: Pending, unscheduled, not running. */
export function newPod(
  id: number,
  name: string,
  workload: WorkloadState,
  ordinal: number,
  createdAt: number,
  pinnedNode: string | null,
): SimPod {
  // What every sample and every controller pass reads first: V8 lays an object literal's fields out in order, so
  // these share cache lines (a workload's sync reads all its pods, scattered over the heap, several times a minute).
  return {
    running: false,
    deletionRequestedAt: null,
    succeeded: false,
    evicted: false,
    apiPhase: 'Pending',
    apiReady: false,
    revision: workload.revision,
    template: workload.template,
    baseMemory: 0,
    memoryGrowthRate: 0,
    growthSince: 0,
    id,
    name,
    namespace: workload.spec.namespace,
    subject: `pod/${workload.spec.namespace}/${name}`,
    workload,
    ordinal,
    createdAt,
    pinnedNode,
    apiExists: true,
    nodeName: null,
    apiReadySince: 0,
    apiReason: '',
    apiRestarts: 0,
    schedulingAttempts: 0,
    backoffUntil: 0,
    inQueue: false,
    lastUnschedulableReason: '',
    ready: false,
    startedAt: 0,
    restarts: 0,
    restartBackoff: 0,
    waitingReason: '',
    imageBackoff: 0,
    epoch: 0,
    evictionAt: null,
  };
}

/** A workload's controller state, before any pod exists. */
export function newWorkloadState(spec: Workload): WorkloadState {
  return {
    spec,
    replicas: spec.replicas,
    revision: 1,
    template: spec.template,
    pods: new Set(),
    podsPerNode: new Map(),
    nextOrdinal: 0,
    succeeded: 0,
    failed: 0,
    complete: false,
    job: { startedAt: null, failedReason: null, backoffUntil: 0, failuresSinceSuccess: 0, terminal: null, deletedAt: null },
    volumeNodes: new Map(),
    lastReadyCount: 0,
    wasFullyReady: false,
    changedSinceSample: true,
  };
}

/** A pod as a timeline subject: `pod/<namespace>/<name>`. */
export function podSubject(pod: SimPod): string {
  return pod.subject;
}

/**
 * What each part of the model may see and call: the one module of context types.
 *
 * Like a SimPy process gets its environment and nothing else, a component here gets a narrow
 * context: the clock and queue, the timeline, the seeded jitter, read access to the world,
 * and the few calls into other components it really makes, each named by a port below.
 * Components import this module (types only) and pure helpers, never each other's classes,
 * so `src/sim` has no import cycle; `wiring.ts` builds one object that satisfies them all.
 */
import type { Taint } from '../model/cluster-schema.js';
import type { Cluster } from '../model/cluster.js';
import type { ModelSettings } from '../model/settings.js';
import type { DetailValue, TimelineEventKind, TimelineView } from '../model/timeline.js';
import type { ClaimSpec, ServiceSpec, StorageClassSpec, Workload, WorkloadSet } from '../model/workloads.js';
import type { Link } from './link.js';
import type { SimNode, SimPod, WorkloadState } from './state.js';

// ---------------------------------------------------------------- shared by every component

/** The virtual clock and the event queue (see `environment.ts`). */
export interface Clock {
  /** Virtual seconds since power-on; only the environment advances it. */
  readonly now: number;
  /** Runs `fn` at absolute virtual time `time` (never in the past). */
  at(time: number, priority: number, fn: () => void): void;
  /** Runs `fn` after `delay` virtual seconds. */
  after(delay: number, priority: number, fn: () => void): void;
}

/** Records a timeline event at the current virtual time. */
export type Emit = (
  kind: TimelineEventKind,
  subject: string,
  view: TimelineView,
  message: string,
  details?: Record<string, DetailValue>,
) => void;

/** The simulated machines and API objects, read-only to components (see `world.ts`). */
export interface WorldView {
  readonly cluster: Cluster;
  readonly nodes: readonly SimNode[];
  readonly nodeByName: ReadonlyMap<string, SimNode>;
  /** Nodes that run a kubelet (servers and agents). */
  readonly clusterNodes: readonly SimNode[];
  readonly servers: readonly SimNode[];
  readonly workloads: readonly WorkloadState[];
  readonly workloadByKey: ReadonlyMap<string, WorkloadState>;
  readonly services: readonly ServiceSpec[];
  readonly claims: readonly ClaimSpec[];
  /** K3s's and the user's StorageClasses (the default one decides where unnamed claims go). */
  readonly storageClasses: readonly StorageClassSpec[];
  /** Workload key → memory growth rate (bytes/s) injected by an OOM-pressure fault. */
  readonly memoryGrowth: ReadonlyMap<string, number>;
  /** The next pod id (ids order pods like creation timestamps). */
  newPodId(): number;
}

export interface SimContext {
  readonly env: Clock;
  readonly settings: ModelSettings;
  readonly world: WorldView;
  readonly emit: Emit;
  /** A modelled delay with the cluster's jitter drawn from the seed. */
  jitter(seconds: number): number;
  /** Asks for one pass of controllers, scheduler and service endpoints at the end of this instant. */
  requestFlush(): void;
}

// ---------------------------------------------------------------- ports: what a component offers the others

export interface MachinesPort {
  /** Starts the k3s service (systemd). */
  startK3s(node: SimNode): void;
  stopK3s(node: SimNode, reason: string): void;
  /** Nodes whose join the server refused (token or version), with the reason. */
  readonly joinRejected: ReadonlyMap<string, string>;
}

/** Bring-up milestones, in virtual seconds; null until reached. */
export interface BringUpState {
  apiFirstAvailable: number | null;
  clusterReady: number | null;
  workloadsApplied: number | null;
  workloadsReady: number | null;
  rancherImported: number | null;
  readonly nodeReady: Map<string, number>;
}

export interface BringUpPort {
  readonly state: Readonly<BringUpState>;
  /** The API answered (records the first time, which starts joining servers and K3s's components). */
  onApiAvailable(): void;
  onNodeReady(node: SimNode): void;
  onRancherAvailable(): void;
  /** Records "workloads ready" once every user workload reached its desired state. */
  checkWorkloadsReady(): void;
}

export interface ControlPlanePort {
  readonly apiUp: boolean;
  /** kube-controller-manager acts: a server holds its Lease and reaches the API (see `leader-election.ts`). */
  readonly controllersUp: boolean;
  /** kube-scheduler acts: a server holds its Lease and reaches the API. */
  readonly schedulerUp: boolean;
  /** Bumped whenever the controller-manager stops acting, so its periodic loops end. */
  readonly generation: number;
  /** Whether the node's requests reach the API (over `link`, by default the node's own). */
  nodeReachesApi(node: SimNode, starting?: boolean, link?: Link): boolean;
  /** Re-evaluates the control plane; `changed`: the one node whose power or k3s changed, when that is all that changed. */
  refresh(changed?: SimNode): void;
  /** Whether this server's controller-manager and scheduler reach a working API server (their Lease requests land). */
  leaseRenewable(server: SimNode): boolean;
  /** A component starts acting (`fresh`: a new leader; else the same one back on the API) or stops. */
  onLeaseActive(component: LeaseComponent, active: boolean, fresh: boolean): void;
}

/** The components that hold a leader Lease in kube-system (one Lease each). */
export type LeaseComponent = 'kube-controller-manager' | 'kube-scheduler';

export interface LeaderElectionPort {
  /** The component acts: a server holds its Lease and its renewals land. */
  active(component: LeaseComponent): boolean;
  /** The server whose component holds the Lease (ground truth), or null. */
  holder(component: LeaseComponent): SimNode | null;
  /** K3s runs leader election (not with SQLite, where the components run with --leader-elect=false). */
  readonly elects: boolean;
  /** Re-evaluates holders and candidates after a change to servers, the network or the API. */
  refresh(): void;
  /** Leader election lost on `server` (its renewals failed or were too slow): its components and k3s exit. */
  giveUp(server: SimNode, why: string, details?: Record<string, number>): void;
}

export interface NodeLifecyclePort {
  updateHeartbeat(node: SimNode): void;
  /** The kubelet stops reaching the API now: its last Lease renewal and what the controller had seen of it. */
  heartbeatStopped(node: SimNode): void;
  /** The Lease's renewTime as the API holds it at time t. */
  lastRenew(node: SimNode, t: number): number;
  addTaint(node: SimNode, taint: Taint): void;
  removeTaint(node: SimNode, key: string, effect: Taint['effect']): void;
  /** The controller-manager starts acting: `fresh` for a new leader (empty memory), else the same one back on the API. */
  onControllersStarted(fresh: boolean): void;
}

export interface SchedulerPort {
  enqueue(pod: SimPod): void;
  remove(pod: SimPod): void;
  unbind(pod: SimPod): void;
  onClusterChanged(): void;
  schedulePending(): void;
}

export interface KubeletPort {
  onKubeletStarted(node: SimNode): void;
  onApiReachable(node: SimNode): void;
  onPodBound(pod: SimPod, node: SimNode): void;
  onNodeDown(node: SimNode): void;
  /** Graceful node shutdown: terminate the node's pods by priority group, then `done` (shutdown.ts). */
  shutDownPods(node: SimNode, done: () => void): void;
  report(pod: SimPod): void;
  containerExited(pod: SimPod, node: SimNode, reason: 'OOMKilled' | 'Error', detail: string): void;
  terminate(pod: SimPod, node: SimNode): void;
}

export interface ProbesPort {
  scheduleReadiness(pod: SimPod, node: SimNode): void;
  refreshDependencies(): void;
  /** The node's swap file write traffic changed: its pods' probes may time out, or answer again. */
  refreshSwap(node: SimNode): void;
}

export interface NodePressurePort {
  nodeMemoryUsed(node: SimNode): number;
  nodeCpuUsed(node: SimNode): number;
  scheduleMemoryCheck(node: SimNode): void;
  /** A readiness probe's latency on this node now (s), from its swap file's traffic (swap.ts); 0 without. */
  probeLatency(node: SimNode): number;
  /** The node lost power: its memory checks and eviction loop end. */
  onNodeDown(node: SimNode): void;
  /** Kubelet eviction: the pod fails with reason Evicted; its controller replaces it. */
  evict(pod: SimPod, node: SimNode, reason: string): void;
}

/** The eviction manager on the node filesystem (`disk-pressure.ts`). */
export interface DiskPressurePort {
  /** A disk-full fault (`full`), or its end. */
  set(node: SimNode, full: boolean): void;
  /** Its kubelet started (k3s start, power-on): the eviction manager looks at a disk that is still full. */
  onKubeletStarted(node: SimNode): void;
  /** The kubelet stopped: its passes end. */
  onNodeDown(node: SimNode): void;
}

export interface ControllersPort {
  markDirty(workload: WorkloadState): void;
  markAllDirty(): void;
  reconcileDirty(): void;
  onPodBound(pod: SimPod, node: SimNode): void;
  onPodFailed(pod: SimPod, reason: string): void;
  requestDeletion(pod: SimPod, reason: string): void;
  removePod(pod: SimPod): void;
}

export interface ServicesPort {
  reindex(): void;
  markDirty(pod: SimPod): void;
  markAllDirty(): void;
  update(): void;
  availability(): Array<{ key: string; value: number }>;
}

export interface RancherPort {
  readonly available: boolean;
  startServer(): void;
  stopServer(reason: string): void;
  reachableFrom(node: SimNode): boolean;
  onAgentConnected(pod: SimPod): void;
  onAgentStopped(): void;
  refresh(): void;
}

// ---------------------------------------------------------------- each component's context

export interface MachinesContext extends SimContext {
  readonly controlPlane: Pick<ControlPlanePort, 'refresh' | 'nodeReachesApi'>;
  readonly kubelets: Pick<KubeletPort, 'onKubeletStarted' | 'onNodeDown' | 'shutDownPods'>;
  readonly diskPressure: Pick<DiskPressurePort, 'onKubeletStarted'>;
  readonly probes: Pick<ProbesPort, 'refreshDependencies'>;
  readonly rancher: Pick<RancherPort, 'startServer' | 'stopServer'>;
  readonly bringUp: Pick<BringUpPort, 'state'>;
}

/** Leader election (a helper of the control plane, `leader-election.ts`). */
export interface LeaderElectionContext extends SimContext {
  readonly machines: Pick<MachinesPort, 'startK3s' | 'stopK3s'>;
  readonly controlPlane: Pick<ControlPlanePort, 'leaseRenewable' | 'onLeaseActive'>;
}

export interface BringUpContext extends SimContext {
  readonly machines: Pick<MachinesPort, 'startK3s' | 'joinRejected'>;
  readonly controlPlane: Pick<ControlPlanePort, 'apiUp'>;
  readonly rancher: Pick<RancherPort, 'available'>;
  /** `kubectl apply` of a workload set. */
  applyWorkloads(set: WorkloadSet): void;
  /** The user's workload set and K3s's, as read from the manifests. */
  readonly initialWorkloads: { readonly user: WorkloadSet; readonly system: WorkloadSet };
}

export interface ControlPlaneContext extends SimContext {
  readonly machines: Pick<MachinesPort, 'startK3s' | 'stopK3s'>;
  readonly leaderElection: LeaderElectionPort;
  readonly bringUp: Pick<BringUpPort, 'onApiAvailable'>;
  readonly lifecycle: Pick<NodeLifecyclePort, 'updateHeartbeat' | 'onControllersStarted'>;
  readonly scheduler: Pick<SchedulerPort, 'onClusterChanged'>;
  readonly controllers: Pick<ControllersPort, 'markAllDirty'>;
  readonly serviceMonitor: Pick<ServicesPort, 'markAllDirty'>;
  readonly rancher: Pick<RancherPort, 'refresh'>;
}

export interface NodeLifecycleContext extends SimContext {
  readonly controlPlane: Pick<ControlPlanePort, 'nodeReachesApi' | 'controllersUp' | 'generation'>;
  readonly bringUp: Pick<BringUpPort, 'onNodeReady'>;
  readonly kubelets: Pick<KubeletPort, 'onApiReachable'>;
  readonly scheduler: Pick<SchedulerPort, 'onClusterChanged'>;
  readonly controllers: Pick<ControllersPort, 'markDirty' | 'markAllDirty' | 'requestDeletion'>;
  readonly serviceMonitor: Pick<ServicesPort, 'markAllDirty'>;
}

export interface SchedulerContext extends SimContext {
  readonly controlPlane: Pick<ControlPlanePort, 'schedulerUp'>;
  readonly controllers: Pick<ControllersPort, 'onPodBound'>;
  readonly kubelets: Pick<KubeletPort, 'onPodBound'>;
}

export interface KubeletContext extends SimContext {
  readonly lifecycle: Pick<NodeLifecyclePort, 'updateHeartbeat' | 'heartbeatStopped' | 'addTaint'>;
  readonly probes: Pick<ProbesPort, 'scheduleReadiness' | 'refreshDependencies'>;
  readonly pressure: Pick<NodePressurePort, 'scheduleMemoryCheck' | 'onNodeDown'>;
  readonly controllers: Pick<ControllersPort, 'markDirty' | 'onPodFailed' | 'removePod'>;
  readonly serviceMonitor: Pick<ServicesPort, 'markDirty'>;
  readonly rancher: Pick<RancherPort, 'reachableFrom' | 'onAgentConnected' | 'onAgentStopped'>;
}

export interface ProbesContext extends SimContext {
  readonly kubelets: Pick<KubeletPort, 'report'>;
  readonly pressure: Pick<NodePressurePort, 'probeLatency'>;
}

export interface NodePressureContext extends SimContext {
  readonly kubelets: Pick<KubeletPort, 'report' | 'containerExited'>;
  readonly lifecycle: Pick<NodeLifecyclePort, 'addTaint' | 'removeTaint'>;
  readonly controllers: Pick<ControllersPort, 'onPodFailed'>;
  readonly serviceMonitor: Pick<ServicesPort, 'markDirty'>;
  readonly probes: Pick<ProbesPort, 'refreshSwap'>;
  readonly diskPressure: Pick<DiskPressurePort, 'onNodeDown'>;
}

export interface DiskPressureContext extends SimContext {
  readonly lifecycle: Pick<NodeLifecyclePort, 'addTaint' | 'removeTaint'>;
  readonly pressure: Pick<NodePressurePort, 'evict'>;
}

export interface ControllersContext extends SimContext {
  /** The CronJob controller creates Jobs (`kubectl create` of an object in the API). */
  readonly world: WorldView & { addWorkload(spec: Workload): { state: WorkloadState; created: boolean } };
  readonly controlPlane: Pick<ControlPlanePort, 'controllersUp'>;
  readonly bringUp: Pick<BringUpPort, 'checkWorkloadsReady'>;
  readonly scheduler: Pick<SchedulerPort, 'enqueue' | 'remove' | 'unbind'>;
  readonly kubelets: Pick<KubeletPort, 'terminate'>;
  readonly serviceMonitor: Pick<ServicesPort, 'markDirty'>;
}

export type ServicesContext = SimContext;

export interface SamplerContext extends SimContext {
  readonly pressure: Pick<NodePressurePort, 'nodeCpuUsed' | 'nodeMemoryUsed'>;
  readonly serviceMonitor: Pick<ServicesPort, 'availability'>;
}

export interface RancherContext extends SimContext {
  readonly bringUp: Pick<BringUpPort, 'onRancherAvailable'>;
}

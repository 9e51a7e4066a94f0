/**
 * The discrete-event model of a K3s cluster on Pi hardware. Pure: no I/O, no wall clock,
 * no ambient randomness. The same cluster, workloads, actions and seed give the same
 * event log, byte for byte.
 */
import type { Cluster } from '../model/cluster.js';
import type { ModelSettings } from '../model/settings.js';
import type { DetailValue, Timeline, TimelineEvent, TimelineEventKind, TimelineView } from '../model/timeline.js';
import type { WorkloadSet, Workload, ServiceSpec } from '../model/workloads.js';
import { EventQueue } from './queue.js';
import { Rng } from './rng.js';
import { createNode, newWorkloadState, podMemory, type SimNode, type SimPod, type WorkloadState } from './state.js';
import { ControlPlane } from './controlplane.js';
import { NodeLifecycle } from './nodelifecycle.js';
import { Scheduler } from './scheduler.js';
import { Kubelets } from './kubelet.js';
import { WorkloadControllers } from './controllers.js';
import { Services } from './services.js';
import { Sampler } from './sampler.js';
import { Rancher } from './rancher.js';

/** Event priorities within one instant: faults first, then machines, then the API's reactions. */
export const Priority = {
  fault: 0,
  truth: 10,
  kubelet: 20,
  controller: 30,
  scheduler: 40,
  flush: 90,
  sample: 100,
} as const;

export interface SimulationOptions {
  readonly cluster: Cluster;
  /** The user's workloads (manifests already read). */
  readonly workloads: WorkloadSet;
  /** K3s's own components and Rancher's agent. */
  readonly systemWorkloads: WorkloadSet;
  readonly seed: number;
  /** Seconds between samples of the series. */
  readonly sampleInterval?: number;
}

/** Milestones of the bring-up, in virtual seconds; null until reached. */
export interface BringUpState {
  apiFirstAvailable: number | null;
  clusterReady: number | null;
  workloadsApplied: number | null;
  workloadsReady: number | null;
  rancherImported: number | null;
  readonly nodeReady: Map<string, number>;
}

export class Simulation {
  readonly cluster: Cluster;
  readonly settings: ModelSettings;
  readonly rng: Rng;
  readonly queue = new EventQueue();
  now = 0;
  readonly events: TimelineEvent[] = [];

  readonly nodes: SimNode[];
  readonly nodeByName = new Map<string, SimNode>();
  readonly clusterNodes: SimNode[];
  readonly servers: SimNode[];
  readonly workloads: WorkloadState[] = [];
  readonly workloadByKey = new Map<string, WorkloadState>();
  readonly services: ServiceSpec[] = [];
  readonly claims: WorkloadSet['claims'];
  /** Workload key → memory growth rate (bytes/s) injected by an OOM-pressure fault. */
  readonly memoryGrowth = new Map<string, number>();

  readonly controlPlane: ControlPlane;
  readonly lifecycle: NodeLifecycle;
  readonly scheduler: Scheduler;
  readonly kubelets: Kubelets;
  readonly controllers: WorkloadControllers;
  readonly serviceMonitor: Services;
  readonly sampler: Sampler;
  readonly rancher: Rancher;
  readonly bringUp: BringUpState = { apiFirstAvailable: null, clusterReady: null, workloadsApplied: null, workloadsReady: null, rancherImported: null, nodeReady: new Map() };

  private readonly userWorkloads: WorkloadSet;
  private readonly systemWorkloads: WorkloadSet;
  private nextPodId = 1;
  private flushPending = false;
  private started = false;
  private readonly jitterRng: Rng;

  constructor(options: SimulationOptions) {
    this.cluster = options.cluster;
    this.settings = options.cluster.settings;
    this.rng = new Rng(options.seed);
    this.jitterRng = this.rng.fork('jitter');
    const etcd = this.cluster.k3s.datastore === 'embedded-etcd';
    this.nodes = this.cluster.nodes.map((spec, index) => createNode(spec, index, this.settings, etcd));
    for (const node of this.nodes) this.nodeByName.set(node.name, node);
    this.clusterNodes = this.nodes.filter((n) => n.inCluster);
    this.servers = this.nodes.filter((n) => n.isServer);
    this.userWorkloads = options.workloads;
    this.systemWorkloads = options.systemWorkloads;
    this.claims = [...options.systemWorkloads.claims, ...options.workloads.claims];
    this.controlPlane = new ControlPlane(this);
    this.lifecycle = new NodeLifecycle(this);
    this.scheduler = new Scheduler(this, this.rng.fork('scheduler'));
    this.kubelets = new Kubelets(this);
    this.controllers = new WorkloadControllers(this);
    this.serviceMonitor = new Services(this);
    this.sampler = new Sampler(this, options.sampleInterval ?? 10);
    this.rancher = new Rancher(this);
  }

  // ---------------------------------------------------------------- clock and events

  /** Runs `fn` at absolute virtual time `time` (never in the past). */
  at(time: number, priority: number, fn: () => void): void {
    this.queue.push(Math.max(time, this.now), priority, fn);
  }

  /** Runs `fn` after `delay` virtual seconds. */
  after(delay: number, priority: number, fn: () => void): void {
    this.queue.push(this.now + Math.max(0, delay), priority, fn);
  }

  /** A modelled delay with the cluster's jitter drawn from the seed. */
  jitter(seconds: number): number {
    return this.jitterRng.jitter(seconds, this.settings.bootJitter);
  }

  emit(kind: TimelineEventKind, subject: string, view: TimelineView, message: string, details?: Record<string, DetailValue>): void {
    const t = Math.round(this.now * 1000) / 1000;
    const event: TimelineEvent = details ? { t, kind, subject, view, message, details } : { t, kind, subject, view, message };
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
  }

  private readonly listeners: Array<(event: TimelineEvent) => void> = [];

  /** Calls `listener` with every event from now on (scenario triggers, live views). */
  onEvent(listener: (event: TimelineEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Asks for one pass of controllers, scheduler and service endpoints at the end of this instant. */
  requestFlush(): void {
    if (this.flushPending) return;
    this.flushPending = true;
    this.at(this.now, Priority.flush, () => {
      this.flushPending = false;
      this.controllers.reconcileDirty();
      this.scheduler.schedulePending();
      this.serviceMonitor.update();
    });
  }

  /** Starts the bring-up at t = 0: power on every machine, then K3s installs and joins as in the real scripts. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.emit('run.started', 'cluster', 'truth', `bring-up of ${this.cluster.name} starts: ${this.nodes.length} machines powered on`);
    this.sampler.start();
    for (const node of this.nodes) this.powerOn(node, 'bring-up');
  }

  /** Advances virtual time to `until`, running every event on the way. */
  runUntil(until: number): void {
    this.start();
    for (;;) {
      const next = this.queue.peek();
      if (!next || next.time > until) break;
      this.queue.pop();
      this.now = next.time;
      if (!next.cancelled) next.run();
    }
    this.now = Math.max(this.now, until);
  }

  /** Runs until `predicate` holds (checked after each event) or `limit` is reached; returns the time or null. */
  runUntilCondition(predicate: () => boolean, limit: number): number | null {
    this.start();
    if (predicate()) return this.now;
    for (;;) {
      const next = this.queue.peek();
      if (!next || next.time > limit) break;
      this.queue.pop();
      this.now = next.time;
      if (!next.cancelled) next.run();
      if (predicate()) return this.now;
    }
    this.now = Math.max(this.now, limit);
    return null;
  }

  timeline(): Timeline {
    return { events: this.events, series: this.sampler.series(), duration: this.now };
  }

  // ---------------------------------------------------------------- workloads

  /** Creates the API objects of a workload set (kubectl apply). */
  applyWorkloads(set: WorkloadSet): void {
    for (const service of set.services) this.services.push(service);
    for (const spec of set.workloads) this.addWorkload(spec);
    this.serviceMonitor.reindex();
  }

  addWorkload(spec: Workload): WorkloadState {
    const existing = this.workloadByKey.get(spec.key);
    if (existing) return existing;
    const state = newWorkloadState(spec);
    this.workloads.push(state);
    this.workloadByKey.set(spec.key, state);
    this.controllers.markDirty(state);
    return state;
  }

  newPodId(): number {
    return this.nextPodId++;
  }

  podSubject(pod: SimPod): string {
    return `pod/${pod.namespace}/${pod.name}`;
  }

  /** The user's workload set and K3s's, for bring-up. */
  get initialWorkloads(): { user: WorkloadSet; system: WorkloadSet } {
    return { user: this.userWorkloads, system: this.systemWorkloads };
  }

  // ---------------------------------------------------------------- machines (ground truth)

  node(name: string): SimNode {
    const node = this.nodeByName.get(name);
    if (!node) throw new Error(`no node named ${name}`);
    return node;
  }

  powerOn(node: SimNode, reason: string): void {
    if (node.powered) return;
    node.powered = true;
    node.epoch++;
    const epoch = node.epoch;
    this.emit('node.power', `node/${node.name}`, 'truth', `${node.name} powered on (${reason})`, { on: true });
    const boot = this.jitter(node.spec.profile.spec.bootTime.value);
    this.after(boot, Priority.truth, () => {
      if (node.epoch !== epoch) return;
      node.booted = true;
      this.emit('node.booted', `node/${node.name}`, 'truth', `${node.name} booted after ${boot.toFixed(1)} s`);
      this.onBooted(node);
    });
  }

  /** Nodes that went through OS preparation / have the k3s binary (both survive reboots). */
  private readonly prepared = new Set<SimNode>();
  private readonly installed = new Set<SimNode>();
  /** Nodes whose join the server refused (token or version), reported once. */
  readonly joinRejected = new Map<string, string>();

  private onBooted(node: SimNode): void {
    if (node.spec.role === 'rancher') {
      this.rancher.startServer();
      return;
    }
    if (!node.inCluster) {
      this.controlPlane.refresh();
      this.kubelets.refreshDependencies();
      return;
    }
    const epoch = node.epoch;
    if (this.cluster.bringUp.prepareOs && !this.prepared.has(node)) {
      // The install scripts enable memory cgroups (cmdline.txt) and reboot before K3s (calibration.md 2.5).
      this.after(this.jitter(this.settings.osPreparationTime / node.cpuFactor), Priority.truth, () => {
        if (node.epoch !== epoch) return;
        this.prepared.add(node);
        this.emit('bringup.step', `node/${node.name}`, 'truth', `${node.name}: OS prepared (memory cgroups enabled); rebooting`, { step: 'os-prepared', node: node.name });
        this.powerOff(node, 'reboot after enabling cgroups');
        this.powerOn(node, 'reboot after enabling cgroups');
      });
      return;
    }
    if (this.cluster.bringUp.downloadK3s && !this.installed.has(node)) {
      const rate = Math.min(node.spec.network.throughput.value * node.bandwidthFactor, this.settings.internetBandwidth);
      const seconds = this.settings.k3sBinarySize / rate;
      this.after(this.jitter(seconds), Priority.truth, () => {
        if (node.epoch !== epoch) return;
        this.installed.add(node);
        this.emit('bringup.step', `node/${node.name}`, 'truth', `${node.name}: k3s ${node.spec.k3sVersion} downloaded in ${seconds.toFixed(1)} s`, { step: 'k3s-downloaded', node: node.name });
        this.onBooted(node);
      });
      return;
    }
    // Joining servers wait for the first one (the install script needs its token and API).
    if (node.isServer && node !== this.servers[0] && this.bringUp.apiFirstAvailable === null) return;
    this.startK3s(node);
  }

  /** Why the first server refuses this node's join, or null (token, version skew policy). */
  private joinRefusal(node: SimNode): string | null {
    const first = this.servers[0];
    if (!first || node === first) return null;
    const token = node.spec.token;
    const serverToken = first.spec.token;
    if (token !== undefined && serverToken !== undefined && token !== serverToken) return 'the server rejects its token (401 Unauthorized)';
    const minor = (v: string) => Number(/^v1\.(\d+)/.exec(v)?.[1] ?? 0);
    const skew = minor(node.spec.k3sVersion) - minor(first.spec.k3sVersion);
    if (node.isServer && Math.abs(skew) > 1) return `servers may differ by one minor version at most (${node.spec.k3sVersion} vs ${first.spec.k3sVersion})`;
    // Version skew policy: a kubelet may not be newer than the API server, and at most 3 minors older (K8sDocs releases/version-skew-policy).
    if (!node.isServer && skew > 0) return `its kubelet ${node.spec.k3sVersion} is newer than the API server ${first.spec.k3sVersion}`;
    if (!node.isServer && skew < -3) return `its kubelet ${node.spec.k3sVersion} is more than 3 minor versions older than the API server ${first.spec.k3sVersion}`;
    return null;
  }

  /** Starts the k3s service (systemd). */
  startK3s(node: SimNode): void {
    if (!node.powered || !node.booted || node.k3s !== 'stopped') return;
    node.k3s = 'starting';
    const epoch = node.epoch;
    this.emit('node.k3s', `node/${node.name}`, 'truth', `k3s ${node.isServer ? 'server' : 'agent'} starting on ${node.name}`, { state: 'starting' });
    const base = node.isServer ? this.settings.k3sServerStartTime : this.settings.k3sAgentStartTime;
    this.after(this.jitter(base / node.cpuFactor), Priority.truth, () => {
      if (node.epoch !== epoch || node.k3s !== 'starting') return;
      this.k3sStarted(node);
    });
  }

  private k3sStarted(node: SimNode): void {
    const refusal = this.joinRefusal(node);
    if (refusal) {
      if (!this.joinRejected.has(node.name)) {
        this.joinRejected.set(node.name, refusal);
        this.emit('bringup.step', `node/${node.name}`, 'truth', `${node.name} cannot join: ${refusal}; k3s keeps restarting`, { step: 'join-rejected', node: node.name, reason: refusal });
      }
      const epoch = node.epoch;
      this.after(5, Priority.truth, () => {
        if (node.epoch === epoch && node.k3s === 'starting') this.k3sStarted(node);
      });
      return;
    }
    if (!node.isServer && !this.controlPlane.nodeReachesApi(node, true)) {
      // An agent cannot start without a server to join; systemd restarts it (Restart=always,
      // RestartSec=5s in the K3s install script's unit; issue k3s-io/k3s#10036).
      const epoch = node.epoch;
      this.after(5, Priority.truth, () => {
        if (node.epoch === epoch && node.k3s === 'starting') this.k3sStarted(node);
      });
      return;
    }
    node.k3s = 'running';
    this.emit('node.k3s', `node/${node.name}`, 'truth', `k3s ${node.isServer ? 'server' : 'agent'} running on ${node.name}`, { state: 'running' });
    this.kubelets.onKubeletStarted(node);
    this.controlPlane.refresh();
  }

  /** Stops the k3s service: the kubelet and, on a server, the API and controllers. Containers keep running (K3s's killall script is not run). */
  stopK3s(node: SimNode, reason: string): void {
    if (node.k3s === 'stopped') return;
    node.k3s = 'stopped';
    node.epoch++;
    this.emit('node.k3s', `node/${node.name}`, 'truth', `k3s stopped on ${node.name} (${reason})`, { state: 'stopped' });
    this.controlPlane.refresh();
  }

  powerOff(node: SimNode, reason: string): void {
    if (!node.powered) return;
    node.powered = false;
    node.booted = false;
    node.k3s = 'stopped';
    node.epoch++;
    node.pulling.clear();
    const how = reason.startsWith('reboot') ? 'shut down' : 'lost power';
    this.emit('node.power', `node/${node.name}`, 'truth', `${node.name} ${how} (${reason})`, { on: false });
    this.kubelets.onNodeDown(node);
    if (node.spec.role === 'rancher') this.rancher.stopServer('host powered off');
    this.controlPlane.refresh();
  }

  /** Orderly reboot: shutdown, then power cycle and boot. */
  reboot(node: SimNode): void {
    if (!node.powered) return;
    const epoch = node.epoch;
    this.stopK3s(node, 'reboot');
    this.after(this.settings.shutdownTime, Priority.truth, () => {
      if (node.epoch !== epoch + 1) return;
      this.powerOff(node, 'reboot');
      this.powerOn(node, 'reboot');
    });
  }

  /** Network partition: each group can only talk within itself; unlisted nodes stay with the site LAN. */
  partition(groups: ReadonlyArray<readonly string[]>): void {
    for (const node of this.nodes) node.partition = 0;
    groups.forEach((group, i) => {
      for (const name of group) this.node(name).partition = i + 1;
    });
    for (const node of this.nodes) {
      if (node.partition !== 0) this.emit('node.network', `node/${node.name}`, 'truth', `${node.name} partitioned into group ${node.partition}`, { partition: node.partition });
    }
    this.controlPlane.refresh();
    this.rancher.refresh();
    this.serviceMonitor.markAllDirty();
  }

  // ---------------------------------------------------------------- bring-up milestones

  /** The first server's API answers: joining servers start, K3s deploys its packaged components. */
  onApiFirstAvailable(): void {
    this.bringUp.apiFirstAvailable = this.now;
    const first = this.servers[0];
    this.emit('bringup.step', 'bringup', 'api', `k3s server on ${first?.name ?? '?'} is up; token available; ${this.servers.length > 1 ? 'other servers join' : 'agents join'}`, { step: 'api' });
    for (const server of this.servers) if (server !== first && server.booted) this.startK3s(server);
    const system = this.systemWorkloads;
    this.applyWorkloads({ ...system, workloads: system.workloads.filter((w) => w.namespace !== 'cattle-system') });
    this.maybeImportIntoRancher();
  }

  onNodeReady(node: SimNode): void {
    if (!this.bringUp.nodeReady.has(node.name)) this.bringUp.nodeReady.set(node.name, this.now);
    this.scheduler.onClusterChanged();
    this.controllers.markAllDirty();
    if (this.bringUp.clusterReady === null && this.clusterNodes.every((n) => n.apiReady === 'True' || this.joinRejected.has(n.name))) {
      this.bringUp.clusterReady = this.now;
      const ready = this.clusterNodes.filter((n) => n.apiReady === 'True').length;
      this.emit('bringup.step', 'bringup', 'api', `cluster ready: ${ready} node(s) Ready${this.joinRejected.size ? ` (${this.joinRejected.size} could not join)` : ''}; applying workloads`, { step: 'cluster-ready' });
      this.bringUp.workloadsApplied = this.now;
      this.applyWorkloads(this.userWorkloads);
      this.checkBringUp();
    }
  }

  onRancherAvailable(): void {
    this.maybeImportIntoRancher();
  }

  /** `kubectl apply` of Rancher's import manifest once both Rancher and the cluster API are up. */
  private maybeImportIntoRancher(): void {
    if (this.bringUp.rancherImported !== null || !this.rancher.available || !this.controlPlane.apiUp) return;
    this.bringUp.rancherImported = this.now;
    this.emit('bringup.step', 'bringup', 'api', 'Rancher import manifest applied: cattle-cluster-agent deploying', { step: 'rancher-import' });
    const system = this.systemWorkloads;
    this.applyWorkloads({ ...system, services: [], workloads: system.workloads.filter((w) => w.namespace === 'cattle-system') });
  }

  /** Records "workloads ready" once every user workload reached its desired state. */
  checkBringUp(): void {
    if (this.bringUp.workloadsApplied === null || this.bringUp.workloadsReady !== null) return;
    for (const spec of this.userWorkloads.workloads) if (!this.workloadByKey.get(spec.key)?.wasFullyReady) return;
    this.bringUp.workloadsReady = this.now;
    this.emit('bringup.step', 'bringup', 'api', `workloads ready: ${this.userWorkloads.workloads.length} workload(s) at their desired state`, { step: 'workloads-ready' });
  }

  // ---------------------------------------------------------------- faults and actions

  restartK3s(node: SimNode): void {
    this.stopK3s(node, 'systemctl restart k3s');
    this.startK3s(node);
  }

  /** Limits a node's network to `factor` of its measured throughput (1 = normal). */
  degradeLink(node: SimNode, factor: number): void {
    node.bandwidthFactor = factor;
    this.emit('node.network', `node/${node.name}`, 'truth', factor === 1 ? `${node.name} link back to full speed` : `${node.name} link degraded to ${Math.round(factor * 100)} % of its throughput`, { bandwidthFactor: factor });
  }

  /** Sets a node's fsync latency (SD card wear, a failing card), or null to restore its profile. */
  slowStorage(node: SimNode, latency: number | null): void {
    node.writeLatencyOverride = latency;
    const effective = latency ?? 1 / node.spec.storage.randomWriteIops.value;
    this.emit('node.storage', `node/${node.name}`, 'truth', latency === null ? `${node.name} storage back to normal` : `${node.name} storage slow: ${Math.round(latency * 1000)} ms per synchronous write`, { writeLatency: effective });
    if (node.isServer) {
      const transaction = this.controlPlane.transactionLatency(node);
      if (latency !== null) this.emit('datastore.slow', 'datastore', 'truth', `datastore on ${node.name}: ${transaction.toFixed(2)} s per transaction`, { latency: Number(transaction.toFixed(3)) });
    }
    this.controlPlane.refresh();
    this.controlPlane.watchLeaderRenewalsIfLeading();
  }

  diskFull(node: SimNode, full: boolean): void {
    this.emit('node.storage', `node/${node.name}`, 'truth', full ? `${node.name} disk full` : `${node.name} disk space freed`, { diskFull: full });
    this.kubelets.diskPressure(node, full);
  }

  /** A workload's containers start leaking memory at `rate` bytes/s (0 stops the growth). */
  growMemory(workloadKey: string, rate: number): void {
    const workload = this.workloadByKey.get(workloadKey);
    if (!workload) throw new Error(`no workload ${workloadKey}`);
    if (rate > 0) this.memoryGrowth.set(workloadKey, rate);
    else this.memoryGrowth.delete(workloadKey);
    const nodes = new Set<SimNode>();
    for (const pod of workload.pods) {
      if (!pod.running) continue;
      pod.baseMemory = podMemory(pod, this.now);
      pod.growthSince = this.now;
      pod.memoryGrowthRate = rate;
      const node = pod.nodeName ? this.nodeByName.get(pod.nodeName) : undefined;
      if (node) nodes.add(node);
    }
    for (const node of nodes) this.kubelets.scheduleMemoryCheck(node);
  }

  /** Something outside Kubernetes takes `bytes` of a node's memory (0 releases it). */
  fillMemory(node: SimNode, bytes: number): void {
    node.foreignMemory = bytes;
    this.emit('node.storage', `node/${node.name}`, 'truth', bytes > 0 ? `${Math.round(bytes / 1048576)}Mi of ${node.name}'s memory taken outside Kubernetes` : `${node.name}'s memory released`, { foreignMemory: bytes });
    this.kubelets.scheduleMemoryCheck(node);
  }

  rancherDown(): void {
    this.rancher.stopServer('Rancher container stopped');
  }

  rancherUp(): void {
    this.rancher.startServer();
  }

  /** `kubectl scale`. */
  scale(workloadKey: string, replicas: number): void {
    const workload = this.workloadByKey.get(workloadKey);
    if (!workload) throw new Error(`no workload ${workloadKey}`);
    workload.replicas = replicas;
    this.controllers.markDirty(workload);
  }

  /** `kubectl rollout restart`: a new template revision rolled out with maxSurge/maxUnavailable. */
  rollout(workloadKey: string): void {
    const workload = this.workloadByKey.get(workloadKey);
    if (!workload) throw new Error(`no workload ${workloadKey}`);
    this.controllers.rollout(workload);
  }

  healPartition(): void {
    for (const node of this.nodes) {
      if (node.partition !== 0) this.emit('node.network', `node/${node.name}`, 'truth', `${node.name} rejoined the site network`, { partition: 0 });
      node.partition = 0;
    }
    this.controlPlane.refresh();
    this.rancher.refresh();
    this.serviceMonitor.markAllDirty();
  }
}

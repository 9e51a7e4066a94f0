/**
 * The discrete-event model of a K3s cluster on Pi hardware. Pure: no I/O, no wall clock,
 * no ambient randomness. The same cluster, workloads, actions and seed give the same
 * event log, byte for byte.
 *
 * This is the model's public surface: run it, read its state and timeline, and act on its
 * machines. Faults (`src/engines/sim/faults.ts`) are built from this surface.
 */
import type { Cluster } from '../model/cluster.js';
import type { ModelSettings } from '../model/settings.js';
import type { Timeline, TimelineEvent } from '../model/timeline.js';
import type { WorkloadSet } from '../model/workloads.js';
import type { BringUpState, Emit } from './context.js';
import { Environment } from './environment.js';
import { TimelineRecorder } from './recorder.js';
import { Rng } from './rng.js';
import type { SimNode, WorkloadState } from './state.js';
import { Wiring } from './wiring.js';
import { World } from './world.js';

export interface SimulationOptions {
  readonly cluster: Cluster;
  /** The user's workloads (manifests already read). */
  readonly workloads: WorkloadSet;
  /** K3s's own components and Rancher's agent. */
  readonly systemWorkloads: WorkloadSet;
  readonly seed: number;
  /** Seconds between samples of the series. */
  readonly sampleInterval?: number;
  /** False: the sampler never runs and the series stay empty; it only reads the model, so the events are the same. */
  readonly series?: boolean;
}

export class Simulation {
  readonly cluster: Cluster;
  readonly settings: ModelSettings;
  /** The clock and event queue. */
  readonly env = new Environment();
  readonly world: World;
  readonly events: readonly TimelineEvent[];
  readonly emit: Emit;

  readonly nodes: readonly SimNode[];
  readonly nodeByName: ReadonlyMap<string, SimNode>;
  readonly clusterNodes: readonly SimNode[];
  readonly servers: readonly SimNode[];
  readonly workloads: readonly WorkloadState[];
  readonly workloadByKey: ReadonlyMap<string, WorkloadState>;

  readonly machines: Wiring['machines'];
  readonly controlPlane: Wiring['controlPlane'];
  readonly lifecycle: Wiring['lifecycle'];
  readonly scheduler: Wiring['scheduler'];
  readonly kubelets: Wiring['kubelets'];
  readonly probes: Wiring['probes'];
  readonly pressure: Wiring['pressure'];
  readonly diskPressure: Wiring['diskPressure'];
  readonly controllers: Wiring['controllers'];
  readonly serviceMonitor: Wiring['serviceMonitor'];
  readonly sampler: Wiring['sampler'];
  private readonly sampleSeries: boolean;
  readonly rancher: Wiring['rancher'];
  /** Bring-up milestones, in virtual seconds; null until reached. */
  readonly bringUp: Readonly<BringUpState>;
  /** Nodes whose join the server refused (token or version), with the reason. */
  readonly joinRejected: ReadonlyMap<string, string>;

  private readonly recorder: TimelineRecorder;
  private readonly wiring: Wiring;
  private started = false;

  constructor(options: SimulationOptions) {
    this.cluster = options.cluster;
    this.settings = options.cluster.settings;
    this.recorder = new TimelineRecorder(this.env);
    this.events = this.recorder.events;
    this.emit = this.recorder.emit;
    const world = new World(options.cluster, options.workloads, options.systemWorkloads);
    this.world = world;
    this.nodes = world.nodes;
    this.nodeByName = world.nodeByName;
    this.clusterNodes = world.clusterNodes;
    this.servers = world.servers;
    this.workloads = world.workloads;
    this.workloadByKey = world.workloadByKey;
    const wiring = new Wiring({
      env: this.env,
      world,
      emit: this.emit,
      rng: new Rng(options.seed),
      user: options.workloads,
      system: options.systemWorkloads,
      sampleInterval: options.sampleInterval ?? 10,
    });
    this.wiring = wiring;
    this.sampleSeries = options.series !== false;
    this.machines = wiring.machines;
    this.controlPlane = wiring.controlPlane;
    this.lifecycle = wiring.lifecycle;
    this.scheduler = wiring.scheduler;
    this.kubelets = wiring.kubelets;
    this.probes = wiring.probes;
    this.pressure = wiring.pressure;
    this.diskPressure = wiring.diskPressure;
    this.controllers = wiring.controllers;
    this.serviceMonitor = wiring.serviceMonitor;
    this.sampler = wiring.sampler;
    this.rancher = wiring.rancher;
    this.bringUp = wiring.bringUp.state;
    this.joinRejected = wiring.machines.joinRejected;
  }

  // ---------------------------------------------------------------- clock and events

  get now(): number {
    return this.env.now;
  }

  /** Runs `fn` at absolute virtual time `time` (never in the past). */
  at(time: number, priority: number, fn: () => void): void {
    this.env.at(time, priority, fn);
  }

  /** Runs `fn` after `delay` virtual seconds. */
  after(delay: number, priority: number, fn: () => void): void {
    this.env.after(delay, priority, fn);
  }

  /** Calls `listener` with every event from now on (scenario triggers, live views). */
  onEvent(listener: (event: TimelineEvent) => void): void {
    this.recorder.onEvent(listener);
  }

  /** Starts the bring-up at t = 0: power on every machine, then K3s installs and joins as in the real scripts. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const held = this.wiring.bringUp.heldOff;
    const on = this.nodes.filter((node) => !held.has(node.name));
    this.emit(
      'run.started',
      'cluster',
      'truth',
      `bring-up of ${this.cluster.name} starts: ${on.length} machines powered on${held.size ? ` (${[...held].join(', ')} held off)` : ''}`,
    );
    if (this.sampleSeries) this.sampler.start();
    for (const node of on) this.machines.powerOn(node, 'bring-up');
  }

  /**
   * Before the start: leave this machine powered off through the bring-up, which does not wait for it
   * (a live start's NotReady node). It stays off until a fault powers it on.
   */
  holdPoweredOff(node: SimNode): void {
    if (!this.started) this.wiring.bringUp.heldOff.add(node.name);
  }

  /** Advances virtual time to `until`, running every event on the way. */
  runUntil(until: number): void {
    this.start();
    this.env.runUntil(until);
  }

  /** Runs until `predicate` holds (checked after each event) or `limit` is reached; returns the time or null. */
  runUntilCondition(predicate: () => boolean, limit: number): number | null {
    this.start();
    return this.env.runUntilCondition(predicate, limit);
  }

  timeline(): Timeline {
    return { events: this.recorder.events, series: this.sampler.series(), duration: this.env.now };
  }

  // ---------------------------------------------------------------- API objects

  /** Creates the API objects of a workload set (kubectl apply). */
  applyWorkloads(set: WorkloadSet): void {
    this.wiring.applyWorkloads(set);
  }

  // ---------------------------------------------------------------- machines (ground truth)

  node(name: string): SimNode {
    return this.world.node(name);
  }

  powerOn(node: SimNode, reason: string): void {
    this.machines.powerOn(node, reason);
  }

  powerOff(node: SimNode, reason: string): void {
    this.machines.powerOff(node, reason);
  }

  /** Orderly reboot: shutdown, then power cycle and boot. */
  reboot(node: SimNode): void {
    this.machines.reboot(node);
  }

  /** Orderly `systemctl poweroff`: graceful node shutdown if the kubelet has it on, k3s stops, power off. */
  shutdown(node: SimNode): void {
    this.machines.shutdown(node, 'shutdown (systemctl poweroff)', false);
  }

  startK3s(node: SimNode): void {
    this.machines.startK3s(node);
  }

  stopK3s(node: SimNode, reason: string): void {
    this.machines.stopK3s(node, reason);
  }

  /** After nodes changed partition: the control plane, Rancher's tunnel and service endpoints re-evaluate who reaches whom. */
  networkChanged(): void {
    this.controlPlane.refresh();
    this.rancher.refresh();
    this.serviceMonitor.markAllDirty();
  }
}

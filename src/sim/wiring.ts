/**
 * Builds the components and wires them together. The object built here is the one context
 * every component receives, each typed by its own narrow context (see `context.ts`); besides
 * the wiring it does only what belongs to no component: the end-of-instant flush and
 * `kubectl apply`.
 */
import type { ModelSettings } from '../model/settings.js';
import type { WorkloadSet } from '../model/workloads.js';
import { BringUp } from './bringup.js';
import type {
  BringUpContext,
  ControllersContext,
  ControlPlaneContext,
  Emit,
  KubeletContext,
  LeaderElectionContext,
  MachinesContext,
  NodeLifecycleContext,
  NodePressureContext,
  ProbesContext,
  RancherContext,
  SamplerContext,
  SchedulerContext,
  ServicesContext,
} from './context.js';
import { WorkloadControllers } from './controllers.js';
import { ControlPlane } from './controlplane.js';
import type { Environment } from './environment.js';
import { Kubelets } from './kubelet.js';
import { LeaderElection } from './leader-election.js';
import { Machines } from './machines.js';
import { NodePressure } from './node-pressure.js';
import { DiskPressure } from './disk-pressure.js';
import { NodeLifecycle } from './nodelifecycle.js';
import { Priority } from './priority.js';
import { ReadinessProbes } from './probes.js';
import { Rancher } from './rancher.js';
import type { Rng } from './rng.js';
import { Sampler } from './sampler.js';
import { Scheduler } from './scheduler.js';
import { Services } from './services.js';
import type { World } from './world.js';

export interface WiringOptions {
  readonly env: Environment;
  readonly world: World;
  readonly emit: Emit;
  readonly rng: Rng;
  readonly user: WorkloadSet;
  readonly system: WorkloadSet;
  readonly sampleInterval: number;
}

export class Wiring
  implements
    MachinesContext,
    BringUpContext,
    ControlPlaneContext,
    LeaderElectionContext,
    NodeLifecycleContext,
    SchedulerContext,
    KubeletContext,
    ProbesContext,
    NodePressureContext,
    ControllersContext,
    ServicesContext,
    SamplerContext,
    RancherContext
{
  readonly env: Environment;
  readonly world: World;
  readonly settings: ModelSettings;
  readonly emit: Emit;
  readonly initialWorkloads: { readonly user: WorkloadSet; readonly system: WorkloadSet };

  readonly machines: Machines;
  readonly bringUp: BringUp;
  readonly controlPlane: ControlPlane;
  readonly leaderElection: LeaderElection;
  readonly lifecycle: NodeLifecycle;
  readonly scheduler: Scheduler;
  readonly kubelets: Kubelets;
  readonly probes: ReadinessProbes;
  readonly pressure: NodePressure;
  readonly diskPressure: DiskPressure;
  readonly controllers: WorkloadControllers;
  readonly serviceMonitor: Services;
  readonly sampler: Sampler;
  readonly rancher: Rancher;

  private readonly jitterRng: Rng;
  private flushPending = false;

  constructor(options: WiringOptions) {
    this.env = options.env;
    this.world = options.world;
    this.settings = options.world.settings;
    this.emit = options.emit;
    this.initialWorkloads = { user: options.user, system: options.system };
    // Forks in this order (jitter, scheduler, names): each fork draws from the seed's stream.
    this.jitterRng = options.rng.fork('jitter');
    // Components only store the context here; none calls another before the run starts.
    this.machines = new Machines(this);
    this.bringUp = new BringUp(this);
    this.controlPlane = new ControlPlane(this);
    this.leaderElection = new LeaderElection(this);
    this.lifecycle = new NodeLifecycle(this);
    this.scheduler = new Scheduler(this, options.rng.fork('scheduler'));
    this.kubelets = new Kubelets(this);
    this.probes = new ReadinessProbes(this);
    this.pressure = new NodePressure(this);
    this.diskPressure = new DiskPressure(this);
    this.controllers = new WorkloadControllers(this, options.rng.fork('names'));
    this.serviceMonitor = new Services(this);
    this.sampler = new Sampler(this, options.sampleInterval);
    this.rancher = new Rancher(this);
  }

  jitter(seconds: number): number {
    return this.jitterRng.jitter(seconds, this.settings.bootJitter);
  }

  requestFlush(): void {
    if (this.flushPending) return;
    this.flushPending = true;
    this.env.at(this.env.now, Priority.flush, this.flush);
  }

  private readonly flush = (): void => {
    this.flushPending = false;
    this.controllers.reconcileDirty();
    this.scheduler.schedulePending();
    this.serviceMonitor.update();
  };

  /** Creates the API objects of a workload set (kubectl apply). */
  applyWorkloads(set: WorkloadSet): void {
    for (const service of set.services) this.world.services.push(service);
    for (const spec of set.workloads) {
      const { state, created } = this.world.addWorkload(spec);
      if (created) this.controllers.markDirty(state);
    }
    this.serviceMonitor.reindex();
  }
}

/**
 * The K3s control plane: whether the API answers (server process up, datastore usable,
 * etcd quorum among the servers that can reach each other), and whether the controllers
 * and scheduler run (they need the API and a leader lease).
 */
import type { ControlPlaneContext, ControlPlanePort } from './context.js';
import { Priority } from './priority.js';
import { fsyncLatency, type SimNode } from './state.js';

export class ControlPlane implements ControlPlanePort {
  apiUp = false;
  /** Partition group the serving API lives in. */
  apiGroup = -1;
  quorum = true;
  controllersUp = false;
  /** Bumped whenever controllers stop, so their periodic loops end. */
  generation = 0;
  private leaderLeaseUntil = -Infinity;
  /** etcd members: a server joins the etcd cluster the first time its k3s runs (`--cluster-init`, then `--server`). */
  private readonly members = new Set<SimNode>();
  private resumePending = false;

  constructor(private readonly ctx: ControlPlaneContext) {}

  /** A server whose process runs and whose disk keeps up with the datastore. */
  private serving(node: SimNode): boolean {
    return node.powered && node.k3s === 'running';
  }

  /** etcd members that can keep up: a member whose fsync stalls past the election timeout falls out. */
  private healthyMember(node: SimNode): boolean {
    return this.serving(node) && fsyncLatency(node) <= this.ctx.settings.etcdElectionTimeout;
  }

  /** Seconds one datastore transaction takes on a server's storage. */
  transactionLatency(node: SimNode): number {
    return fsyncLatency(node) * this.ctx.settings.datastoreWritesPerRequest;
  }

  /** Can this node's kubelet (or, with `starting`, its k3s agent) talk to a serving API? */
  nodeReachesApi(node: SimNode, starting = false): boolean {
    if (!this.apiUp || !node.powered) return false;
    if (!starting && node.k3s !== 'running') return false;
    return node.partition === this.apiGroup;
  }

  private computeApi(): { up: boolean; group: number; quorum: boolean } {
    const ctx = this.ctx;
    const datastore = ctx.world.cluster.k3s.datastore;
    if (datastore === 'embedded-etcd') {
      for (const server of ctx.world.servers) if (this.serving(server)) this.members.add(server);
      const total = this.members.size;
      const needed = Math.floor(total / 2) + 1;
      const counts = new Map<number, number>();
      for (const server of ctx.world.servers)
        if (this.healthyMember(server)) counts.set(server.partition, (counts.get(server.partition) ?? 0) + 1);
      for (const [group, count] of counts) if (count >= needed) return { up: true, group, quorum: true };
      return { up: false, group: -1, quorum: false };
    }
    const external = datastore === 'external' ? ctx.world.cluster.k3s.externalDatastore?.node : undefined;
    const database = external ? ctx.world.nodeByName.get(external) : undefined;
    for (const server of ctx.world.servers) {
      if (!this.serving(server)) continue;
      if (database && (!database.booted || database.partition !== server.partition)) continue;
      return { up: true, group: server.partition, quorum: true };
    }
    return { up: false, group: -1, quorum: true };
  }

  /** Re-evaluates the control plane after any change to servers, storage or the network. */
  refresh(): void {
    const ctx = this.ctx;
    const next = this.computeApi();
    if (ctx.world.cluster.k3s.datastore === 'embedded-etcd' && next.quorum !== this.quorum) {
      this.quorum = next.quorum;
      const healthy = [...this.members].filter((s) => this.healthyMember(s)).length;
      const total = this.members.size;
      if (next.quorum)
        ctx.emit('datastore.quorumRegained', 'datastore', 'truth', `etcd quorum regained (${healthy}/${total} members)`, {
          members: healthy,
        });
      else
        ctx.emit(
          'datastore.quorumLost',
          'datastore',
          'truth',
          `etcd quorum lost: ${healthy} of ${total} members healthy, ${Math.floor(total / 2) + 1} needed`,
          { members: healthy },
        );
    }
    const groupChanged = next.up && this.apiUp && next.group !== this.apiGroup;
    if (next.up !== this.apiUp || groupChanged) {
      this.apiUp = next.up;
      this.apiGroup = next.group;
      if (next.up) {
        ctx.emit('api.available', 'api', 'api', 'Kubernetes API available');
        ctx.bringUp.onApiAvailable();
      } else {
        ctx.emit(
          'api.unavailable',
          'api',
          'api',
          'Kubernetes API unavailable: kubectl, scheduling and controllers stop; running pods keep running',
        );
      }
    }
    if (!this.apiUp && this.controllersUp) this.stopControllers('API unavailable');
    if (this.apiUp && !this.controllersUp && !this.resumePending) this.scheduleResume();
    for (const node of ctx.world.clusterNodes) ctx.lifecycle.updateHeartbeat(node);
    ctx.rancher.refresh();
    ctx.serviceMonitor.markAllDirty();
    ctx.requestFlush();
  }

  private stopControllers(reason: string): void {
    this.controllersUp = false;
    this.generation++;
    this.leaderLeaseUntil = this.ctx.env.now + this.ctx.settings.leaderElectionLeaseDuration;
    this.ctx.emit('leader.lost', 'controllers', 'api', `controller-manager and scheduler stop (${reason})`);
  }

  /** Leader election: a new leader waits for the old lease to expire, then acquires on its next retry. */
  private scheduleResume(): void {
    const ctx = this.ctx;
    this.resumePending = true;
    const wait = Math.max(0, this.leaderLeaseUntil - ctx.env.now) + ctx.settings.leaderElectionRetryPeriod;
    ctx.env.after(ctx.jitter(wait), Priority.controller, () => {
      this.resumePending = false;
      if (!this.apiUp || this.controllersUp) return;
      this.controllersUp = true;
      ctx.emit(
        'leader.acquired',
        'controllers',
        'api',
        'controller-manager and scheduler acquired leadership; controllers restart their timers',
      );
      ctx.lifecycle.onControllersStarted();
      ctx.controllers.markAllDirty();
      ctx.scheduler.onClusterChanged();
      ctx.requestFlush();
      this.watchLeaderRenewals();
    });
  }

  /** After a storage change: start watching the current leader's renewals if it now writes too slowly. */
  watchLeaderRenewalsIfLeading(): void {
    if (this.controllersUp) this.watchLeaderRenewals();
  }

  /**
   * Leader leases are renewed through the datastore. When one transaction takes longer than
   * renewDeadline (multi-second fsync on an SD card), leadership is lost and K3s exits; systemd
   * restarts it (issues k3s-io/k3s#2644, #2625; calibration.md 2.1).
   */
  private watchLeaderRenewals(): void {
    const ctx = this.ctx;
    const generation = this.generation;
    const leader = ctx.world.servers.find((s) => this.serving(s) && s.partition === this.apiGroup);
    if (!leader) return;
    if (this.transactionLatency(leader) <= ctx.settings.leaderElectionRenewDeadline) return;
    ctx.env.after(ctx.settings.leaderElectionRenewDeadline, Priority.controller, () => {
      if (generation !== this.generation || !this.controllersUp) return;
      if (this.transactionLatency(leader) <= ctx.settings.leaderElectionRenewDeadline) return;
      ctx.emit(
        'leader.lost',
        `node/${leader.name}`,
        'truth',
        `leader election lost on ${leader.name}: a datastore write took ${this.transactionLatency(leader).toFixed(1)} s ` +
          `(> renewDeadline ${ctx.settings.leaderElectionRenewDeadline} s); k3s exits`,
        {
          latency: Number(this.transactionLatency(leader).toFixed(3)),
        },
      );
      ctx.machines.stopK3s(leader, 'leader election lost');
      const epoch = leader.epoch;
      // systemd restarts k3s (RestartSec=5s in the install script's unit).
      ctx.env.after(5, Priority.truth, () => {
        if (leader.epoch === epoch) ctx.machines.startK3s(leader);
      });
    });
  }
}

/**
 * The K3s control plane: whether the API answers (server process up, datastore usable,
 * etcd quorum among the servers that can reach each other), and whether the controllers
 * and scheduler act (each needs the API and its leader Lease: `leader-election.ts`).
 */
import type { ControlPlaneContext, ControlPlanePort, LeaseComponent } from './context.js';
import { etcdMemberCut, heartbeatsLost, type Link } from './link.js';
import { Priority } from './priority.js';
import { fsyncLatency, type SimNode } from './state.js';

export class ControlPlane implements ControlPlanePort {
  apiUp = false;
  /** Partition group the serving API lives in. */
  apiGroup = -1;
  quorum = true;
  /** Bumped whenever the controller-manager stops acting, so its periodic loops end. */
  generation = 0;
  /** When the acting controller-manager process started its controllers (its periodic loops count from then). */
  controllersStartedAt: number | null = null;
  /** etcd members: a server joins the etcd cluster the first time its k3s runs (`--cluster-init`, then `--server`). */
  private readonly members = new Set<SimNode>();
  /**
   * Nodes whose power or k3s changed since the last heartbeat pass, and the API's state that pass saw: while
   * the API stays as it was, only these kubelets' paths to it can have changed (see `updateHeartbeats`).
   */
  private readonly changedNodes = new Set<SimNode>();
  private heartbeatsSeen: { up: boolean; group: number } | null = null;
  /** Gateways (role external, haproxy in front of the servers) and whether the API answered through each at the last refresh. */
  private gatewayState: Map<SimNode, boolean> | null = null;

  constructor(private readonly ctx: ControlPlaneContext) {}

  private get election() {
    return this.ctx.leaderElection;
  }

  get controllersUp(): boolean {
    return this.election.active('kube-controller-manager');
  }

  get schedulerUp(): boolean {
    return this.election.active('kube-scheduler');
  }

  /** The server holding a component's Lease (ground truth), or null while none does. */
  leaseHolder(component: LeaseComponent): SimNode | null {
    return this.election.holder(component);
  }

  /**
   * A server's controller-manager and scheduler talk to its own API server (K3s points their
   * kubeconfigs at the local apiserver), which answers only while it reaches the datastore: the
   * server runs and sits in the partition group that serves the API.
   */
  leaseRenewable(server: SimNode): boolean {
    return this.apiUp && this.serving(server) && server.partition === this.apiGroup;
  }

  /** A server whose process runs and whose disk keeps up with the datastore. */
  private serving(node: SimNode): boolean {
    return node.powered && node.k3s === 'running';
  }

  /** etcd members that can keep up: a member whose fsync stalls past the election timeout falls out. */
  private healthyMember(node: SimNode): boolean {
    const settings = this.ctx.settings;
    if (!this.serving(node) || fsyncLatency(node) > settings.etcdElectionTimeout) return false;
    return this.ctx.world.servers.length === 1 || !etcdMemberCut(node.link, settings);
  }

  /** Seconds one datastore transaction takes on a server's storage. */
  transactionLatency(node: SimNode): number {
    return fsyncLatency(node) * this.ctx.settings.datastoreWritesPerRequest;
  }

  /** Can this node's kubelet (or, with `starting`, its k3s agent) talk to a serving API? */
  nodeReachesApi(node: SimNode, starting = false, link: Link = node.link): boolean {
    if (!this.apiUp || !node.powered) return false;
    if (!starting && node.k3s !== 'running') return false;
    if (node.partition !== this.apiGroup) return false;
    // A server's kubelet talks to its own API server, which needs the other etcd members over its link;
    // any other node's requests cross its link.
    const ctx = this.ctx;
    if (!node.isServer) return !heartbeatsLost(link, ctx.settings);
    return ctx.world.cluster.k3s.datastore !== 'embedded-etcd' || ctx.world.servers.length === 1 || !etcdMemberCut(link, ctx.settings);
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

  /**
   * Re-evaluates the control plane after any change to servers, storage or the network. `changed` names the
   * one node whose power or k3s state changed, when nothing else did (the machines' calls); without it every
   * node's heartbeat is checked.
   */
  refresh(changed?: SimNode): void {
    const ctx = this.ctx;
    if (changed) this.changedNodes.add(changed);
    else this.heartbeatsSeen = null;
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
    this.refreshGateways();
    this.election.refresh();
    this.updateHeartbeats();
    ctx.rancher.refresh();
    ctx.serviceMonitor.markAllDirty();
    ctx.requestFlush();
  }

  /**
   * The API through each gateway: HAProxy runs from the machine's boot and forwards TCP :6443 to a server whose
   * API answers, so it serves while the machine is up and the API is up on its side of any partition. Its health
   * checks (inter 2s, fall 3: HAProxy's defaults) let a few connections reach a server that has just died; the
   * model leaves those out.
   */
  private refreshGateways(): void {
    const ctx = this.ctx;
    if (!this.gatewayState) {
      this.gatewayState = new Map();
      for (const node of ctx.world.nodes)
        if (node.spec.role === 'external' && node.spec.services?.includes('haproxy')) this.gatewayState.set(node, false);
    }
    for (const [gateway, was] of this.gatewayState) {
      const up = gateway.booted && this.apiUp && gateway.partition === this.apiGroup;
      if (up === was) continue;
      this.gatewayState.set(gateway, up);
      const subject = `node/${gateway.name}`;
      if (up) ctx.emit('gateway.available', subject, 'api', `Kubernetes API available through ${gateway.name}`);
      else {
        const why = !gateway.booted ? `${gateway.name} is down` : 'no server answers behind it';
        ctx.emit(
          'gateway.unavailable',
          subject,
          'api',
          `Kubernetes API unreachable through ${gateway.name} (${why}): kubectl and clients given its address fail`,
        );
      }
    }
  }

  /**
   * Every kubelet whose path to the API changed updates its heartbeat, in node order. updateHeartbeat acts only
   * when its health (exactly nodeReachesApi) differs from the heartbeat's; that changes only with the API's
   * state or the node's power, k3s state or partition, and the last two come here as `changed` nodes (a
   * partition is a refresh without one). So while the API's state is the one the last pass saw, the changed
   * nodes are all there is to check: a fleet's bring-up, one refresh per node, does not scan every node each time.
   */
  private updateHeartbeats(): void {
    const ctx = this.ctx;
    const seen = this.heartbeatsSeen;
    const nodes =
      seen && seen.up === this.apiUp && seen.group === this.apiGroup
        ? [...this.changedNodes].sort((a, b) => a.index - b.index)
        : ctx.world.clusterNodes;
    this.heartbeatsSeen = { up: this.apiUp, group: this.apiGroup };
    this.changedNodes.clear();
    for (const node of nodes)
      if (node.inCluster && this.nodeReachesApi(node) !== node.heartbeatHealthy) ctx.lifecycle.updateHeartbeat(node);
  }

  /** Both components follow their Lease: the controller-manager's loops restart on every start and end on every stop. */
  onLeaseActive(component: LeaseComponent, active: boolean, fresh: boolean): void {
    const ctx = this.ctx;
    if (component === 'kube-scheduler') {
      if (active) ctx.scheduler.onClusterChanged();
      ctx.requestFlush();
      return;
    }
    if (!active) {
      this.generation++;
      return;
    }
    if (fresh || this.controllersStartedAt === null) this.controllersStartedAt = ctx.env.now;
    ctx.lifecycle.onControllersStarted(fresh);
    ctx.controllers.markAllDirty();
    ctx.requestFlush();
    this.watchLeaderRenewals();
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
    const leader = this.election.holder('kube-controller-manager');
    // Without leader election (SQLite) nothing is renewed, so a slow disk cannot end leadership.
    if (!leader || !this.election.elects) return;
    if (this.transactionLatency(leader) <= ctx.settings.leaderElectionRenewDeadline) return;
    ctx.env.after(ctx.settings.leaderElectionRenewDeadline, Priority.controller, () => {
      if (generation !== this.generation || !this.controllersUp) return;
      if (this.election.holder('kube-controller-manager') !== leader) return;
      const latency = this.transactionLatency(leader);
      if (latency <= ctx.settings.leaderElectionRenewDeadline) return;
      this.election.giveUp(
        leader,
        `could not renew: a datastore write took ${latency.toFixed(1)} s (> renewDeadline ${ctx.settings.leaderElectionRenewDeadline} s)`,
        { latency: Number(latency.toFixed(3)) },
      );
    });
  }
}

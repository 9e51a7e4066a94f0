/**
 * Kubelet heartbeats and the node lifecycle controller, including taint-based eviction.
 *
 * Heartbeats are analytic: while a node's path to the API is healthy its Lease is renewed at `anchor + k * renewInterval`,
 * so no event is needed per renewal. The controller, every nodeMonitorPeriod, notices a renewal it has not seen before
 * and stamps its own probe time; a node silent for longer than nodeMonitorGracePeriod becomes Unknown and gets the
 * `unreachable` taints (KK pkg/controller/nodelifecycle; calibration.md 1.1–1.3).
 */
import type { Taint } from '../model/cluster-schema.js';
import type { NodeLifecycleContext, NodeLifecyclePort } from './context.js';
import { nextStatusPost, PassGrid, phaseAtLoss, renewFraction } from './heartbeat-phase.js';
import { Priority } from './priority.js';
import { landRenewalInFlight } from './renewal-in-flight.js';
import { markPressureUnknown, postPressureConditions } from './pressure-conditions.js';
import { podSubject, type SimNode, type SimPod } from './state.js';
import { taintKeys, tolerationSeconds } from './taints.js';
import { evictionRate, zoneCounts, zoneEffect, zoneState, type ZoneState } from './zone.js';

export class NodeLifecycle implements NodeLifecyclePort {
  private nextNoExecuteAt = -Infinity;
  /** Nodes whose Ready condition was not True when a monitor pass began. */
  private readonly taintEligible = new Set<SimNode>();
  /** When each taint was added (the taint manager counts tolerations from TimeAdded). */
  private readonly taintAdded = new WeakMap<Taint, number>();
  private taintPassPending = false;
  private zone: ZoneState = 'Normal';
  /** Bumped to end the running chain of monitor passes (a new leader, or a lost kubelet's phase). */
  private monitorChain = 0;
  private passesFrom = 0; // the current chain's first pass
  private controllersStartedAt = -Infinity; // the current leader's (its first pass stamps every probe time)

  constructor(private readonly ctx: NodeLifecycleContext) {}

  private interval(): number {
    return this.ctx.settings.nodeLeaseDuration * renewFraction;
  }

  /** The Lease's renewTime as the API holds it at time t. */
  lastRenew(node: SimNode, t: number): number {
    if (!node.heartbeatHealthy || t < node.renewAnchor) return node.lastRenewFrozen;
    const interval = this.interval();
    return node.renewAnchor + Math.floor((t - node.renewAnchor) / interval) * interval;
  }

  /** Re-evaluates whether the kubelet can reach the API; reconnecting posts status and resyncs pods. */
  updateHeartbeat(node: SimNode): void {
    const ctx = this.ctx;
    const healthy = node.powered && node.k3s === 'running' && ctx.controlPlane.nodeReachesApi(node);
    if (healthy === node.heartbeatHealthy) return;
    if (!healthy) {
      this.heartbeatStopped(node);
      return;
    }
    node.heartbeatHealthy = true;
    // The lease client retries with back-off from 200 ms (K8sDocs nodes#node-heartbeats): the first renewal lands within a second or so.
    const anchor = (node.renewAnchor = ctx.env.now + ctx.jitter(1)); // this reconnection's: a later one sets its own
    const epoch = node.epoch;
    const statusAt = node.apiLostEpoch === epoch && node.apiReady !== 'True' ? nextStatusPost(ctx.env.now, ctx.settings) : 0;
    node.apiLostEpoch = -1;
    ctx.env.at(anchor, Priority.kubelet, () => {
      if (node.epoch !== epoch || !node.heartbeatHealthy) return;
      // A kubelet registers its Node once, at start-up, and not again once it is deleted (KK pkg/kubelet/kubelet_node_status.go
      // registerWithAPIServer, kubernetes/kubernetes#71398). A restarted one posts Ready at once (a calibration's k3sStart,
      // to that first post, holds its whole start); one that kept running, marked NotReady, at its status loop's next tick.
      if (!node.registered) {
        if (node.nodeObjectDeletedEpoch !== node.epoch) this.register(node);
      } else if (statusAt <= ctx.env.now) this.postReady(node);
      else ctx.env.at(statusAt, Priority.kubelet, () => node.renewAnchor === anchor && node.heartbeatHealthy && this.postReady(node));
      ctx.kubelets.onApiReachable(node);
    });
  }

  private register(node: SimNode): void {
    const ctx = this.ctx;
    node.registered = true;
    node.pressureUnknown = false;
    // Registered NotReady until the CNI is up ("container runtime network not ready").
    node.apiReady = 'False';
    node.apiTaints.push({ key: taintKeys.notReady, effect: 'NoSchedule' });
    node.probeTimestamp = ctx.env.now;
    node.lastObservedRenew = this.lastRenew(node, ctx.env.now);
    ctx.emit(
      'node.registered',
      `node/${node.name}`,
      'api',
      `${node.name} registered (${node.spec.profile.metadata.displayName}, ${node.spec.role})`,
    );
    const epoch = node.epoch;
    const ready = node.measuredTimes.nodeReady ?? ctx.settings.nodeReadyAfterRegistration / node.cpuFactor;
    ctx.env.after(ctx.jitter(ready), Priority.kubelet, () => {
      if (node.epoch === epoch && node.heartbeatHealthy) this.postReady(node);
    });
  }

  /** The kubelet posts Ready=True (status changed, so it is posted at once). */
  private postReady(node: SimNode): void {
    const ctx = this.ctx;
    if (node.apiReady === 'True') {
      // Reconnected before anyone noticed: nothing in its status changed, so the kubelet patches none (until
      // nodeStatusReportFrequency, KK kubelet_node_status.go tryUpdateNodeStatus); its renewed Lease shows it back.
      ctx.emit('node.condition', `node/${node.name}`, 'api', `${node.name} kubelet renews its Lease again (condition stayed Ready)`, {
        type: 'Ready',
        status: 'True',
        transition: false,
      });
      return;
    }
    node.apiReady = 'True';
    node.readyTransitionAt = ctx.env.now;
    ctx.emit('node.condition', `node/${node.name}`, 'api', `${node.name} is Ready`, { type: 'Ready', status: 'True' });
    postPressureConditions(ctx.emit, node);
    ctx.scheduler.onClusterChanged();
    ctx.controllers.markAllDirty();
    ctx.bringUp.onNodeReady(node);
    if (ctx.controlPlane.controllersUp) this.removeHealthTaints(node);
  }

  onControllersStarted(fresh: boolean): void {
    const ctx = this.ctx;
    // A new leader's controller starts with an empty nodeHealthMap: its first look at a node records
    // probeTimestamp = now ("Missing timestamp for Node. Assuming now as a timestamp", tryUpdateNodeHealth
    // in KK pkg/controller/nodelifecycle/node_lifecycle_controller.go), so every node gets a full grace
    // period from now. The same leader back on the API within renewDeadline keeps what it had seen.
    for (const node of ctx.world.clusterNodes) {
      if (!node.registered || !fresh) continue;
      node.probeTimestamp = ctx.env.now;
      node.lastObservedRenew = this.lastRenew(node, ctx.env.now);
    }
    // The taint manager rebuilds its timers from each taint's TimeAdded.
    for (const node of ctx.world.clusterNodes) {
      for (const taint of node.apiTaints)
        if (taint.effect === 'NoExecute') for (const pod of node.pods) this.scheduleTaintEviction(pod, node, taint);
    }
    if (fresh) this.controllersStartedAt = ctx.env.now;
    this.startMonitor(0);
  }

  /** Monitor passes every nodeMonitorPeriod from `delay` on, for as long as this leader and this chain last. */
  private startMonitor(delay: number): void {
    const ctx = this.ctx;
    const generation = ctx.controlPlane.generation;
    const chain = ++this.monitorChain;
    this.passesFrom = ctx.env.now + delay;
    const tick = () => {
      if (generation !== ctx.controlPlane.generation || chain !== this.monitorChain) return;
      this.monitor();
      ctx.env.after(ctx.settings.nodeMonitorPeriod, Priority.controller, tick);
    };
    ctx.env.after(delay, Priority.controller, tick);
  }

  /**
   * The kubelet stops reaching the API now: its last renewal and the controller's memory of it (heartbeat-phase.ts). The
   * passes move to the estimated phase unless another node waits on them (for its NotReady or its NoExecute taint).
   */
  heartbeatStopped(node: SimNode): void {
    const ctx = this.ctx;
    const now = ctx.env.now;
    const current = this.lastRenew(node, now);
    node.heartbeatHealthy = false;
    node.lastRenewFrozen = current;
    if (node.powered && node.k3s === 'running') node.apiLostEpoch = node.epoch;
    if (!node.registered || now < node.renewAnchor) return;
    const waiting = ctx.world.clusterNodes.some(
      (n) => n !== node && n.registered && (!n.heartbeatHealthy || n.apiReady !== 'True') && !this.hasNoExecuteHealthTaint(n),
    );
    const passes = waiting ? new PassGrid(this.passesFrom, ctx.settings.nodeMonitorPeriod) : null;
    const known = now <= node.leasePhaseKnownUntil ? current : null;
    const phase = phaseAtLoss(now, this.interval(), node.renewAnchor, known, passes, ctx.settings);
    node.lastRenewFrozen = phase.renewed;
    landRenewalInFlight(ctx, node, phase.renewed, this.interval());
    if (!ctx.controlPlane.controllersUp) return;
    if (phase.seen)
      [node.lastObservedRenew, node.probeTimestamp] = [phase.seen.renewal, Math.max(phase.seen.at, this.controllersStartedAt)];
    if (!waiting) this.startMonitor(phase.grid.after(now) - now);
  }

  private monitor(): void {
    const ctx = this.ctx;
    const grace = ctx.settings.nodeMonitorGracePeriod;
    for (const node of ctx.world.clusterNodes) {
      if (!node.registered) continue;
      // NoExecute tainting judges the Ready condition as observed before this pass updates it
      // (processTaintBaseEviction gets observedReadyCondition, a copy taken first in
      // tryUpdateNodeHealth): a node marked Unknown now is tainted one nodeMonitorPeriod later.
      if (node.apiReady !== 'True') this.taintEligible.add(node);
      else if (this.taintEligible.size > 0) this.taintEligible.delete(node);
      const renew = this.lastRenew(node, ctx.env.now);
      if (renew > node.lastObservedRenew) {
        node.lastObservedRenew = renew;
        node.probeTimestamp = ctx.env.now;
      }
      // The passes are nodeMonitorPeriod apart after each pass ends (wait.UntilWithContext is sliding), so a probe stamped
      // by one pass is more than the grace old at the pass a whole number of periods later when that number covers it.
      if (node.apiReady !== 'Unknown' && ctx.env.now - node.probeTimestamp > grace - 1e-6) {
        this.markUnknown(node);
      } else if (node.apiReady === 'True' && node.apiTaints.length > 0) {
        this.removeHealthTaints(node);
      }
    }
    this.updateZone();
    this.requestTaintPass();
  }

  private markUnknown(node: SimNode): void {
    const ctx = this.ctx;
    node.apiReady = 'Unknown';
    node.readyTransitionAt = ctx.env.now;
    const silent = `kubelet stopped posting status for more than ${ctx.settings.nodeMonitorGracePeriod} s`;
    ctx.emit('node.condition', `node/${node.name}`, 'api', `${node.name} is NotReady (Unknown): ${silent}`, {
      type: 'Ready',
      status: 'Unknown',
    });
    markPressureUnknown(ctx.emit, this, node);
    this.addTaint(node, { key: taintKeys.unreachable, effect: 'NoSchedule' });
    // MarkPodsNotReady: endpoints drop the node's pods (calibration.md 1.1).
    for (const pod of node.pods) {
      if (pod.apiReady) {
        pod.apiReady = false;
        ctx.emit(
          'pod.unready',
          podSubject(pod),
          'api',
          `${pod.name} marked not ready: node ${node.name} unreachable (phase still ${pod.apiPhase})`,
          { node: node.name, reason: 'NodeUnreachable' },
        );
        ctx.controllers.markDirty(pod.workload);
      }
    }
    ctx.serviceMonitor.markAllDirty();
    ctx.requestFlush();
  }

  addTaint(node: SimNode, taint: Taint): void {
    if (node.apiTaints.some((t) => t.key === taint.key && t.effect === taint.effect)) return;
    node.apiTaints.push(taint);
    this.taintAdded.set(taint, this.ctx.env.now);
    this.ctx.emit('node.taint', `node/${node.name}`, 'api', `taint ${taint.key}:${taint.effect} added to ${node.name}`, {
      key: taint.key,
      effect: taint.effect,
      action: 'added',
    });
    if (taint.effect === 'NoExecute') this.onNoExecute(node, taint);
  }

  removeTaint(node: SimNode, key: string, effect: Taint['effect']): void {
    const index = node.apiTaints.findIndex((t) => t.key === key && t.effect === effect);
    if (index < 0) return;
    node.apiTaints.splice(index, 1);
    this.ctx.emit('node.taint', `node/${node.name}`, 'api', `taint ${key}:${effect} removed from ${node.name}`, {
      key,
      effect,
      action: 'removed',
    });
    this.ctx.scheduler.onClusterChanged();
  }

  private removeHealthTaints(node: SimNode): void {
    for (const key of [taintKeys.unreachable, taintKeys.notReady]) {
      this.removeTaint(node, key, 'NoExecute');
      this.removeTaint(node, key, 'NoSchedule');
    }
  }

  /** Zone state from the share of not-Ready nodes (zone.ts). */
  private updateZone(): void {
    const ctx = this.ctx;
    const { total, notReady } = zoneCounts(ctx.world.clusterNodes);
    const state = zoneState(notReady, total, ctx.settings);
    if (state === this.zone) return;
    const registered = ctx.world.clusterNodes.filter((n) => n.registered); // listed before the event, as it was
    this.zone = state;
    const effect = zoneEffect(state, total, ctx.settings);
    ctx.emit('zone.state', 'zone/default', 'api', `zone ${state}: ${notReady}/${total} nodes NotReady; ${effect}`, {
      state,
      notReady,
      total,
    });
    if (state === 'FullDisruption') {
      for (const node of registered) {
        this.removeTaint(node, taintKeys.unreachable, 'NoExecute');
        this.removeTaint(node, taintKeys.notReady, 'NoExecute');
      }
    }
  }

  private evictionRate(): number {
    return evictionRate(this.zone, this.ctx.world.clusterNodes.filter((n) => n.registered).length, this.ctx.settings);
  }

  /** NoExecute tainting goes through a rate-limited queue: one node at once, then one per 1/rate seconds. */
  private requestTaintPass(): void {
    const ctx = this.ctx;
    // A candidate is in taintEligible: with none there, no walk over the nodes.
    if (this.taintPassPending || this.taintEligible.size === 0) return;
    const candidates = ctx.world.clusterNodes.some((n) => this.taintCandidate(n));
    if (!candidates) return;
    const rate = this.evictionRate();
    if (rate <= 0) return;
    this.taintPassPending = true;
    const generation = ctx.controlPlane.generation;
    ctx.env.at(Math.max(ctx.env.now, this.nextNoExecuteAt), Priority.controller, () => {
      this.taintPassPending = false;
      if (generation !== ctx.controlPlane.generation || this.evictionRate() <= 0) return;
      const node = ctx.world.clusterNodes.find((n) => this.taintCandidate(n));
      if (!node) return;
      const key = node.apiReady === 'Unknown' ? taintKeys.unreachable : taintKeys.notReady;
      this.addTaint(node, { key, effect: 'NoExecute' });
      this.nextNoExecuteAt = ctx.env.now + 1 / this.evictionRate();
      this.requestTaintPass();
    });
  }

  private taintCandidate(node: SimNode): boolean {
    return node.registered && node.apiReady !== 'True' && this.taintEligible.has(node) && !this.hasNoExecuteHealthTaint(node);
  }

  private hasNoExecuteHealthTaint(node: SimNode): boolean {
    return node.apiTaints.some((t) => t.effect === 'NoExecute' && (t.key === taintKeys.unreachable || t.key === taintKeys.notReady));
  }

  /** Taint-based eviction: each pod leaves after its toleration, unless the taint is gone by then. */
  private onNoExecute(node: SimNode, taint: Taint): void {
    const ctx = this.ctx;
    for (const pod of node.pods) this.scheduleTaintEviction(pod, node, taint);
    ctx.requestFlush();
  }

  scheduleTaintEviction(pod: SimPod, node: SimNode, taint: Taint): void {
    const ctx = this.ctx;
    if (pod.deletionRequestedAt !== null) return;
    const seconds = tolerationSeconds(
      pod,
      taint,
      taint.key === taintKeys.unreachable
        ? ctx.settings.defaultUnreachableTolerationSeconds
        : ctx.settings.defaultNotReadyTolerationSeconds,
    );
    if (seconds === null) return;
    const generation = ctx.controlPlane.generation;
    const added = this.taintAdded.get(taint) ?? ctx.env.now;
    ctx.env.at(added + seconds, Priority.controller, () => {
      if (generation !== ctx.controlPlane.generation) return;
      if (pod.deletionRequestedAt !== null || pod.nodeName !== node.name || !pod.apiExists) return;
      if (!node.apiTaints.some((t) => t.key === taint.key && t.effect === 'NoExecute')) return;
      ctx.controllers.requestDeletion(pod, `taint ${taint.key}:NoExecute tolerated for ${seconds} s`);
    });
  }
}

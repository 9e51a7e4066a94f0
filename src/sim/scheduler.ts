/**
 * kube-scheduler: filter nodes (taints, selectors, affinity, resources, anti-affinity,
 * volume node affinity), score the feasible ones like the default profile, bind the best.
 * Unschedulable pods wait with back-off and are retried when the cluster changes.
 * Nothing is scheduled while the control plane is down or no server holds the kube-scheduler Lease.
 */
import type { Rng } from './rng.js';
import type { SchedulerContext, SchedulerPort } from './context.js';
import { Priority } from './priority.js';
import { assignToNode, filterNode, lacking, needsOnlyResources, nodeFilter, releaseFromNode, type NodeFilter } from './scheduling.js';
import { NodeColumns } from './node-columns.js';
import { choosePlain, NodeScorer, scoredCpu, scoredMemory, scoresPlainly } from './scoring.js';
import { podSubject, type SimNode, type SimPod } from './state.js';

/**
 * A node to prefer for a pod among the feasible ones, or null to score as usual. Only a start
 * from a live cluster's state sets one (`twin whatif`): each pod goes back where it runs live.
 */
export type PlacementPreference = (pod: SimPod, feasible: readonly SimNode[]) => SimNode | null;

const isTainted = (node: SimNode): boolean => node.apiTaints.length > 0 || node.hasSpecTaints;

export class Scheduler implements SchedulerPort {
  private readonly active = new Set<SimPod>();
  private readonly unschedulable = new Set<SimPod>();
  private nextStartIndex = 0;
  private retryAt = Infinity;
  private preference: PlacementPreference | null = null;
  /** Scores each pod's feasible nodes as the filter finds them (columns reused from pod to pod). */
  private readonly scorer = new NodeScorer();
  /** The figures of the nodes the filter reads, copied at the start of a pass (see `node-columns.ts`). */
  private readonly columns = new NodeColumns();
  private readonly registered: SimNode[] = [];

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly rng: Rng,
  ) {}

  get pendingCount(): number {
    return this.active.size + this.unschedulable.size;
  }

  enqueue(pod: SimPod): void {
    pod.inQueue = true;
    this.active.add(pod);
    this.ctx.requestFlush();
  }

  remove(pod: SimPod): void {
    pod.inQueue = false;
    this.active.delete(pod);
    this.unschedulable.delete(pod);
  }

  /** A node became ready, a pod left, a taint was removed: unschedulable pods get another try. */
  onClusterChanged(): void {
    if (this.unschedulable.size === 0) return;
    for (const pod of this.unschedulable) this.active.add(pod);
    this.unschedulable.clear();
    this.ctx.requestFlush();
  }

  schedulePending(): void {
    const ctx = this.ctx;
    // Only the holder of the kube-scheduler Lease schedules (leader-election.ts).
    if (!ctx.controlPlane.schedulerUp || this.active.size === 0) return;
    const ordered = [...this.active].sort((a, b) => b.template.priority - a.template.priority || a.id - b.id);
    let earliestBackoff = Infinity;
    // The registered nodes, in one array kept from pass to pass (the columns hold it only until the next refresh).
    const nodes = this.registered;
    nodes.length = 0;
    for (const node of ctx.world.clusterNodes) if (node.registered) nodes.push(node);
    this.columns.refresh(nodes, ctx.world.nodes.length);
    for (const pod of ordered) {
      if (!pod.apiExists || pod.deletionRequestedAt !== null || pod.nodeName !== null) {
        this.remove(pod);
        continue;
      }
      if (pod.backoffUntil > ctx.env.now) {
        earliestBackoff = Math.min(earliestBackoff, pod.backoffUntil);
        continue;
      }
      this.active.delete(pod);
      this.tryPod(pod, nodes);
    }
    if (earliestBackoff < Infinity) this.wakeAt(earliestBackoff);
  }

  private wakeAt(time: number): void {
    if (time >= this.retryAt && this.retryAt > this.ctx.env.now) return;
    this.retryAt = time;
    this.ctx.env.at(time, Priority.scheduler, () => {
      if (this.retryAt === time) this.retryAt = Infinity;
      this.ctx.requestFlush();
    });
  }

  /** Sets (or, with null, clears) the placement preference consulted before scoring. */
  preferPlacement(preference: PlacementPreference | null): void {
    this.preference = preference;
  }

  /** Why `node` cannot take `pod`, in the scheduler's words, or null if it can. */
  filter(pod: SimPod, node: SimNode): string | null {
    return filterNode(pod, node, this.ctx.settings.maxPods);
  }

  private tryPod(pod: SimPod, nodes: readonly SimNode[]): void {
    const ctx = this.ctx;
    const maxPods = ctx.settings.maxPods;
    const columns = this.columns;
    const {
      podCount,
      requestedCpu,
      allocatableCpu,
      requestedMemory,
      allocatableMemory,
      onlyResources,
      sameOwner,
      scoredCpu: cpuScored,
    } = columns;
    const memoryScored = columns.scoredMemory;
    // Made on the first node filtered out: most pods pass every node they look at.
    let reasons: Map<string, number> | null = null;
    const count = nodes.length;
    // percentageOfNodesToScore: adaptive, at least 100 nodes (calibration.md 1.6).
    const toFind = count < 100 ? count : Math.max(100, Math.floor((count * Math.max(5, 50 - count / 125)) / 100));
    // Most pods and nodes need only the resource check, done here on the columns; the full filter is made when one needs more.
    const simplePod = needsOnlyResources(pod);
    const cpu = pod.template.requestCpu;
    const memory = pod.template.requestMemory;
    const scoreCpu = scoredCpu(pod);
    const scoreMemory = scoredMemory(pod);
    let filter: NodeFilter | null = null;
    // The workload's pods per node are laid out in a column when that costs less than a map probe per node.
    const podsPerNode = pod.workload.podsPerNode;
    const laidOut = columns.holds(podsPerNode) || podsPerNode.size <= toFind;
    if (laidOut) columns.layOut(podsPerNode);
    // One walk filters and gathers the feasible nodes' positions, their workload's pods and whether any is tainted.
    const { feasible, same } = columns;
    let found = 0;
    let maxSame = 0;
    let tainted = false;
    // From nextStartIndex round the list; the index wraps by a compare, not a `%` (an integer division per node).
    let at = count > 0 ? this.nextStartIndex % count : 0;
    for (let i = 0; i < count && found < toFind; i++) {
      const p = at;
      if (++at === count) at = 0;
      const simple = simplePod && onlyResources[p] === 1;
      if (
        simple &&
        (podCount[p] as number) < maxPods &&
        (requestedCpu[p] as number) + cpu <= (allocatableCpu[p] as number) &&
        (requestedMemory[p] as number) + memory <= (allocatableMemory[p] as number)
      ) {
        // The common case, `lacking`'s checks passed inline: feasible, untainted.
        const owned = laidOut ? (sameOwner[p] as number) : (podsPerNode.get(nodes[p] as SimNode) ?? 0);
        feasible[found] = p;
        same[found++] = owned;
        if (owned > maxSame) maxSame = owned;
        // `score`'s own check, inline: a method call per node costs as much as the rest of the scan.
        if (cpuScored[p] !== scoreCpu || memoryScored[p] !== scoreMemory) columns.score(p, scoreCpu, scoreMemory);
        continue;
      }
      const reason = simple
        ? lacking(
            podCount[p] as number,
            (requestedCpu[p] as number) + cpu,
            allocatableCpu[p] as number,
            (requestedMemory[p] as number) + memory,
            allocatableMemory[p] as number,
            maxPods,
          )
        : (filter ??= nodeFilter(pod, maxPods))(nodes[p] as SimNode);
      if (reason === null) {
        const owned = laidOut ? (sameOwner[p] as number) : (podsPerNode.get(nodes[p] as SimNode) ?? 0);
        feasible[found] = p;
        same[found++] = owned;
        if (owned > maxSame) maxSame = owned;
        if (!simple && isTainted(nodes[p] as SimNode)) tainted = true;
        columns.score(p, scoreCpu, scoreMemory);
      } else (reasons ??= new Map()).set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    if (count > 0) this.nextStartIndex = (this.nextStartIndex + found) % count;
    if (found === 0) {
      pod.schedulingAttempts++;
      const backoff = Math.min(ctx.settings.podInitialBackoff * 2 ** (pod.schedulingAttempts - 1), ctx.settings.podMaxBackoff);
      pod.backoffUntil = ctx.env.now + backoff;
      const detail = [...(reasons ?? [])].map(([reason, n]) => `${n} ${reason}`).join(', ');
      const message = `0/${count} nodes are available${detail ? `: ${detail}` : ''}`;
      if (message !== pod.lastUnschedulableReason) {
        pod.lastUnschedulableReason = message;
        ctx.emit('pod.unschedulable', podSubject(pod), 'api', `${pod.name} unschedulable: ${message}`, { reason: message });
      }
      this.unschedulable.add(pod);
      // Leftover unschedulable pods are retried after podMaxInUnschedulablePodsDuration at the latest.
      this.wakeAtFlush(ctx.env.now + ctx.settings.podMaxInUnschedulablePodsDuration);
      return;
    }
    const preferred =
      this.preference?.(
        pod,
        Array.from(feasible.subarray(0, found), (p) => nodes[p] as SimNode),
      ) ?? null;
    this.bind(pod, preferred ?? this.choose(pod, nodes, found, maxSame, tainted));
  }

  /** The best of the `found` feasible nodes (positions in `columns.feasible`), by the default profile's scores. */
  private choose(pod: SimPod, nodes: readonly SimNode[], found: number, maxSame: number, tainted: boolean): SimNode {
    const { columns, scorer } = this;
    const { feasible, same } = columns;
    if (found === 1) return nodes[feasible[0] as number] as SimNode;
    if (!tainted && scoresPlainly(pod))
      return nodes[choosePlain(feasible, same, found, maxSame, columns, columns.ties, this.rng)] as SimNode;
    scorer.begin(pod);
    for (let i = 0; i < found; i++) {
      const p = feasible[i] as number;
      const node = nodes[p] as SimNode;
      scorer.add(node, same[i] as number, columns.leastAllocated[p] as number, columns.balanced[p] as number, isTainted(node));
    }
    return scorer.choose(this.rng);
  }

  private wakeAtFlush(time: number): void {
    const ctx = this.ctx;
    ctx.env.at(time, Priority.scheduler, () => this.onClusterChanged());
  }

  private bind(pod: SimPod, node: SimNode): void {
    const ctx = this.ctx;
    pod.inQueue = false;
    pod.lastUnschedulableReason = '';
    assignToNode(pod, node);
    this.columns.bound(node);
    ctx.controllers.onPodBound(pod, node);
    ctx.emit('pod.scheduled', podSubject(pod), 'api', `${pod.name} assigned to ${node.name}`, { node: node.name });
    ctx.kubelets.onPodBound(pod, node);
  }

  /** Releases a pod's requests on its node once the API object is gone. */
  unbind(pod: SimPod): void {
    if (!pod.nodeName) return;
    const node = this.ctx.world.nodeByName.get(pod.nodeName);
    if (!node || !releaseFromNode(pod, node)) return;
    this.onClusterChanged();
  }
}

/**
 * What the scheduler's filter and scores read of each node, copied into typed arrays at the start of a
 * scheduling pass. A pass at 10,000 nodes filters hundreds of nodes for each of thousands of pods: read
 * from the node objects, each check follows pointers to several cache lines (the object, its taint list,
 * the boxed numbers of its memory figures); read from these columns, a node's figures sit side by side.
 *
 * Within a pass only a bind changes what the columns hold (taints, registrations and pod deletions come
 * from other events), and the scheduler updates the bound node's entry (`bound`).
 */
import type { SimNode } from './state.js';
import { filtersOnlyResources } from './scheduling.js';
import { resourceScores, totalScore } from './scoring.js';

export class NodeColumns {
  /** The nodes of the pass, in the scheduler's order; the columns are indexed by position in it. */
  nodes: readonly SimNode[] = [];
  podCount = new Int32Array(0);
  requestedCpu = new Float64Array(0);
  allocatableCpu = new Float64Array(0);
  requestedMemory = new Float64Array(0);
  allocatableMemory = new Float64Array(0);
  /** 1 when nothing but the resources can filter the node out (see `filtersOnlyResources`). */
  onlyResources = new Uint8Array(0);
  /** Scoring's scratch: the scored pod's workload's pods on the node (0 otherwise; see `layOut`). */
  sameOwner = new Float64Array(0);
  /**
   * The node's resource scores (`resourceScores`) for a pod requesting `scoredCpu` and `scoredMemory` (NaN: none yet):
   * a node's requests change only when it is bound a pod, while hundreds of pods, most of them alike, look at it between.
   */
  leastAllocated = new Float64Array(0);
  balanced = new Float64Array(0);
  /** The total of a node without the workload's pods, for a pod that `scoresPlainly` (see `choosePlain`). */
  plainTotal = new Float64Array(0);
  /** The scan's scratch: the positions of one pod's feasible nodes, the workload's pods on each, and the ties. */
  feasible = new Int32Array(0);
  same = new Float64Array(0);
  ties = new Int32Array(0);
  /** The request the resource scores were worked out for (NaN: none yet); read by the scan, written by `score`. */
  scoredCpu = new Float64Array(0);
  scoredMemory = new Float64Array(0);
  /** The per-node pod counts `sameOwner` holds, or null (see `layOut`). */
  private laidOut: ReadonlyMap<SimNode, number> | null = null;
  /** Position of each node (by `SimNode.index`) in `nodes`, -1 when not in it. */
  private position = new Int32Array(0);

  /** Copies the figures of `nodes` (every SimNode index is below `indexBound`). */
  refresh(nodes: readonly SimNode[], indexBound: number): void {
    // Pods may have come and gone since the last pass: no layout is kept from it.
    this.clear();
    const count = nodes.length;
    if (this.requestedCpu.length < count) {
      this.podCount = new Int32Array(count);
      this.requestedCpu = new Float64Array(count);
      this.allocatableCpu = new Float64Array(count);
      this.requestedMemory = new Float64Array(count);
      this.allocatableMemory = new Float64Array(count);
      this.onlyResources = new Uint8Array(count);
      this.sameOwner = new Float64Array(count);
      this.leastAllocated = new Float64Array(count);
      this.balanced = new Float64Array(count);
      this.plainTotal = new Float64Array(count);
      this.feasible = new Int32Array(count);
      this.same = new Float64Array(count);
      this.ties = new Int32Array(count);
      this.scoredCpu = new Float64Array(count);
      this.scoredMemory = new Float64Array(count);
    }
    if (this.position.length < indexBound) this.position = new Int32Array(indexBound);
    this.position.fill(-1);
    this.nodes = nodes;
    for (let p = 0; p < count; p++) {
      const node = nodes[p] as SimNode;
      this.position[node.index] = p;
      this.allocatableCpu[p] = node.allocatableCpu;
      this.allocatableMemory[p] = node.allocatableMemory;
      this.update(p, node);
    }
  }

  /** The node was bound a pod: its entry is copied again. */
  bound(node: SimNode): void {
    const p = this.position[node.index] ?? -1;
    if (p < 0) return;
    this.update(p, node);
    if (this.laidOut !== null) this.sameOwner[p] = this.laidOut.get(node) ?? 0;
  }

  private update(p: number, node: SimNode): void {
    this.podCount[p] = node.podCount;
    this.requestedCpu[p] = node.requestedCpu;
    this.requestedMemory[p] = node.requestedMemory;
    this.onlyResources[p] = filtersOnlyResources(node) ? 1 : 0;
    this.scoredCpu[p] = NaN;
  }

  /** Makes `leastAllocated[p]` and `balanced[p]` those for a pod counted as requesting `cpu` and `memory`. */
  score(p: number, cpu: number, memory: number): void {
    if (this.scoredCpu[p] === cpu && this.scoredMemory[p] === memory) return;
    resourceScores(
      this.requestedCpu[p] as number,
      this.allocatableCpu[p] as number,
      this.requestedMemory[p] as number,
      this.allocatableMemory[p] as number,
      cpu,
      memory,
      this,
      p,
    );
    this.plainTotal[p] = totalScore(100, 100, 100, this.leastAllocated[p] as number, this.balanced[p] as number, 0);
    this.scoredCpu[p] = cpu;
    this.scoredMemory[p] = memory;
  }

  /**
   * Makes `sameOwner` hold a workload's pods per node. Pods are tried in id order, so a Deployment's replicas come
   * one after another: the counts are laid out once for them all and kept up by `bound`, and put back to zeros only
   * for the next workload's (or at the next pass).
   */
  layOut(podsPerNode: ReadonlyMap<SimNode, number>): void {
    if (this.laidOut === podsPerNode) return;
    this.clear();
    for (const [node, count] of podsPerNode) {
      const p = this.position[node.index] ?? -1;
      if (p >= 0) this.sameOwner[p] = count;
    }
    this.laidOut = podsPerNode;
  }

  /** Whether `sameOwner` holds these counts. */
  holds(podsPerNode: ReadonlyMap<SimNode, number>): boolean {
    return this.laidOut === podsPerNode;
  }

  private clear(): void {
    if (this.laidOut === null) return;
    for (const node of this.laidOut.keys()) {
      const p = this.position[node.index] ?? -1;
      if (p >= 0) this.sameOwner[p] = 0;
    }
    this.laidOut = null;
  }
}

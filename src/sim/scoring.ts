/**
 * The scheduler's Score plugins of the default profile. A pod's score on a node is worked out as the node is
 * found feasible (`add`), so the scheduler reads each node once, in the walk that filters it; the pick among
 * the feasible nodes (`choose`) needs the whole set, as the spreading, taint and anti-affinity scores are
 * normalised by their largest value among them (KK pkg/scheduler/framework/plugins/helper/normalize_score.go).
 */
import { selectorMatches } from '../model/pod-template.js';
import type { Rng } from './rng.js';
import type { SimNode, SimPod } from './state.js';
import { podToleratesTaint } from './taints.js';

/** Scheduler's stand-in request for pods that set none, used only in scoring (KK pkg/scheduler/util/pod_resources.go). */
const nonZeroCpu = 100;
const nonZeroMemory = 200 * 1024 * 1024;
/** ImageLocality thresholds (KK pkg/scheduler/framework/plugins/imagelocality: 23 MB to 1000 MB). */
const imageMin = 23 * 1024 * 1024;
const imageMax = 1000 * 1024 * 1024;

/** The CPU (millicores) a pod counts as requesting when scoring. */
export const scoredCpu = (pod: SimPod): number => pod.template.requestCpu || nonZeroCpu;
/** The memory (bytes) a pod counts as requesting when scoring. */
export const scoredMemory = (pod: SimPod): number => pod.template.requestMemory || nonZeroMemory;

/**
 * LeastAllocated and BalancedAllocation (KK pkg/scheduler/framework/plugins/noderesources) of a node with these
 * requests and allocatable, were it to take a pod requesting `cpu` and `memory`: written to `into[at]`.
 */
export function resourceScores(
  requestedCpu: number,
  allocatableCpu: number,
  requestedMemory: number,
  allocatableMemory: number,
  cpu: number,
  memory: number,
  into: { leastAllocated: Float64Array; balanced: Float64Array },
  at: number,
): void {
  const cpuFree = (allocatableCpu - requestedCpu - cpu) / allocatableCpu;
  const memFree = (allocatableMemory - requestedMemory - memory) / allocatableMemory;
  into.leastAllocated[at] = Math.max(0, ((cpuFree + memFree) / 2) * 100);
  into.balanced[at] = 100 - Math.abs(memFree - cpuFree) * 100;
}

/** A normalised score: 100 where `value` is 0, 0 where it is `most`, the largest among the feasible nodes. */
const inverseScore = (most: number, value: number): number => (most === 0 ? 100 : (100 * (most - value)) / most);

/** A node's total: weights of the default profile (KK pkg/scheduler/apis/config/v1/default_plugins.go; calibration.md 1.6). */
export const totalScore = (taint: number, spread: number, anti: number, leastAllocated: number, balanced: number, image: number): number =>
  3 * taint + 2 * spread + 2 * anti + leastAllocated + balanced + image;

/** The ImageLocality score of a node holding the pod's image. */
const imageScoreOf = (pod: SimPod): number =>
  Math.min(1, Math.max(0, (pod.template.compressedImageBytes - imageMin) / (imageMax - imageMin))) * 100;

/**
 * Whether the pod's scores on untainted nodes depend only on its workload's pods there and the node's resource
 * scores: it has no preferred anti-affinity and no image large enough to score (see {@link choosePlain}).
 */
export const scoresPlainly = (pod: SimPod): boolean => pod.template.preferredAntiAffinityHostname.length === 0 && imageScoreOf(pod) === 0;

/**
 * What {@link NodeScorer.choose} picks, for a pod that {@link scoresPlainly} among untainted nodes, read from the
 * scheduler's columns by position: the taint and anti-affinity scores are then 100 and the image score 0 on every
 * node, so a node without the workload's pods (spread 100) totals its `plainTotal`, worked out once per node state.
 * `feasible` holds the positions, `same` the workload's pods on each; returns the chosen position.
 */
export function choosePlain(
  feasible: Int32Array,
  same: Float64Array,
  count: number,
  maxSame: number,
  columns: { readonly leastAllocated: Float64Array; readonly balanced: Float64Array; readonly plainTotal: Float64Array },
  ties: Int32Array,
  rng: Rng,
): number {
  const { leastAllocated, balanced, plainTotal } = columns;
  let tied = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < count; i++) {
    const p = feasible[i] as number;
    const owned = same[i] as number;
    const total =
      owned === 0
        ? (plainTotal[p] as number)
        : totalScore(100, inverseScore(maxSame, owned), 100, leastAllocated[p] as number, balanced[p] as number, 0);
    if (total > bestScore + 1e-9) {
      bestScore = total;
      ties[0] = p;
      tied = 1;
    } else if (Math.abs(total - bestScore) <= 1e-9) {
      ties[tied++] = p;
    }
  }
  return ties[tied === 1 ? 0 : rng.int(tied)] as number;
}

/**
 * One pod's scores on its feasible nodes, in columns reused from pod to pod (typed arrays, grown when a pod
 * has more feasible nodes): `begin` for the pod, `add` for each feasible node in order, then `choose`.
 */
export class NodeScorer {
  /** Feasible nodes added since `begin`. */
  count = 0;
  private readonly nodes: SimNode[] = [];
  private capacity = 0;
  private sameOwner = new Float64Array(0);
  private preferNoSchedule = new Float64Array(0);
  private preferredAnti = new Float64Array(0);
  private leastAllocated = new Float64Array(0);
  private balanced = new Float64Array(0);
  private image = new Float64Array(0);
  private best = new Int32Array(0);
  private maxSame = 0;
  private maxPrefer = 0;
  private maxAnti = 0;
  // What depends only on the pod, read once in `begin`.
  private pod: SimPod | null = null;
  private imageName = '';
  private imageScore = 0;
  private checkAnti = false;

  constructor() {
    this.grow(128);
  }

  /** Starts scoring `pod`. */
  begin(pod: SimPod): void {
    const template = pod.template;
    this.pod = pod;
    this.count = 0;
    this.maxSame = 0;
    this.maxPrefer = 0;
    this.maxAnti = 0;
    this.imageName = template.containers[0]?.image ?? '';
    this.imageScore = imageScoreOf(pod);
    this.checkAnti = template.preferredAntiAffinityHostname.length > 0;
  }

  /**
   * Scores the next feasible node: `same` of the pod's workload's pods are on it, `leastAllocated` and `balanced` are
   * its {@link resourceScores} for the pod, and `tainted` if it has any taint.
   */
  add(node: SimNode, same: number, leastAllocated: number, balanced: number, tainted: boolean): void {
    const i = this.count;
    if (i === this.capacity) this.grow(2 * i);
    this.nodes[i] = node;
    this.sameOwner[i] = same;
    if (same > this.maxSame) this.maxSame = same;
    let prefer = 0;
    if (tainted) {
      const pod = this.pod as SimPod;
      for (const t of node.apiTaints) if (t.effect === 'PreferNoSchedule' && !podToleratesTaint(pod, t)) prefer++;
      for (const t of node.spec.taints) if (t.effect === 'PreferNoSchedule' && !podToleratesTaint(pod, t)) prefer++;
      if (prefer > this.maxPrefer) this.maxPrefer = prefer;
    }
    this.preferNoSchedule[i] = prefer;
    this.preferredAnti[i] = this.checkAnti ? this.antiMatches(node) : 0;
    this.leastAllocated[i] = leastAllocated;
    this.balanced[i] = balanced;
    this.image[i] = this.imageScore > 0 && node.images.has(this.imageName) ? this.imageScore : 0;
    this.count = i + 1;
  }

  /** The node's pods matching the pod's preferred hostname anti-affinity terms. */
  private antiMatches(node: SimNode): number {
    const terms = (this.pod as SimPod).template.preferredAntiAffinityHostname;
    let matches = 0;
    for (const other of node.pods) if (terms.some((s) => selectorMatches(s, other.template.labels))) matches++;
    if (matches > this.maxAnti) this.maxAnti = matches;
    return matches;
  }

  /** The highest-scoring node added, ties broken by the seeded RNG (drawn only when there is a tie). */
  choose(rng: Rng): SimNode {
    const count = this.count;
    const nodes = this.nodes;
    if (count === 1) return nodes[0] as SimNode;
    const { maxSame, maxPrefer, maxAnti, sameOwner, preferNoSchedule, preferredAnti, leastAllocated, balanced, image, best } = this;
    let ties = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < count; i++) {
      const spread = inverseScore(maxSame, sameOwner[i] as number);
      const taintScore = inverseScore(maxPrefer, preferNoSchedule[i] as number);
      const antiScore = inverseScore(maxAnti, preferredAnti[i] as number);
      const total = totalScore(taintScore, spread, antiScore, leastAllocated[i] as number, balanced[i] as number, image[i] as number);
      if (total > bestScore + 1e-9) {
        bestScore = total;
        best[0] = i;
        ties = 1;
      } else if (Math.abs(total - bestScore) <= 1e-9) {
        best[ties++] = i;
      }
    }
    return nodes[best[ties === 1 ? 0 : rng.int(ties)] as number] as SimNode;
  }

  private grow(capacity: number): void {
    const grown = (column: Float64Array) => {
      const next = new Float64Array(capacity);
      next.set(column);
      return next;
    };
    this.sameOwner = grown(this.sameOwner);
    this.preferNoSchedule = grown(this.preferNoSchedule);
    this.preferredAnti = grown(this.preferredAnti);
    this.leastAllocated = grown(this.leastAllocated);
    this.balanced = grown(this.balanced);
    this.image = grown(this.image);
    this.best = new Int32Array(capacity);
    this.capacity = capacity;
  }
}

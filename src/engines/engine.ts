/**
 * The contract every engine fully implements: take a resolved plan (cluster, workloads, faults
 * in seconds), say up front what of it the engine cannot do, bring the cluster up, apply the
 * faults and return the timeline. `sim` runs on a virtual clock, `k3d` on the wall clock; both
 * emit the same timeline events, live, to the observer.
 */
import type { Cluster } from '../model/cluster.js';
import type { Timeline, TimelineEvent } from '../model/timeline.js';
import type { RunPlan } from '../scenario/plan.js';

export type { PlannedFault, RunPlan } from '../scenario/plan.js';

/** Bring-up milestones in seconds from power-on; null when not reached. */
export interface BringUpSummary {
  readonly apiAvailable: number | null;
  readonly clusterReady: number | null;
  readonly workloadsReady: number | null;
  readonly rancherImported: number | null;
  readonly nodeReady: Readonly<Record<string, number>>;
}

export interface EngineResult {
  readonly timeline: Timeline;
  /** When faults started (bring-up complete, or its timeout). */
  readonly phaseStart: number;
  readonly phaseEnd: number;
  readonly bringUp: BringUpSummary;
  /** What the run left running on request (`keep`), and how to reach it; absent when nothing was kept. */
  readonly kept?: string;
  /** A run started from a live state (`plan.live`): how much of it the model reproduced. */
  readonly live?: LiveStartOutcome;
}

/** How closely the settled model matches the live state it started from. */
export interface LiveStartOutcome {
  readonly source: string;
  readonly readAt: string;
  readonly nodes: number;
  /** Pods of the user's workloads running on a node live. */
  readonly pods: number;
  /** Of those, how many run on the same node in the model. */
  readonly reproduced: number;
  /** Every difference between the live state and the model's, one line each. */
  readonly differences: readonly string[];
}

/** Receives every timeline event as it happens, from every engine (live views, log lines). */
export interface RunObserver {
  onEvent?(event: TimelineEvent): void;
}

export interface EngineAvailability {
  readonly available: boolean;
  /** Why not, and what to do about it. */
  readonly reason?: string;
}

/** Something in a plan the engine cannot do, found before anything starts. */
export interface Refusal {
  /** What is refused: `fault f2 (slow-storage)`, `fault f3 trigger (after node.condition)`. */
  readonly subject: string;
  readonly reason: string;
}

export interface EngineRunOptions {
  /** Aborting tears down what the run created and rejects with the signal's reason; never `process.exit`. */
  readonly signal?: AbortSignal;
  /** Leave the cluster running after the run (k3d): for a look with kubectl; `down()` removes it. */
  readonly keep?: boolean;
}

/** One line of `twin doctor`. */
export interface Capability {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface Engine {
  readonly name: string;
  readonly description: string;
  /** Whether this host can run the engine at all (cheap; probed once per run by the runner). */
  available(): Promise<EngineAvailability>;
  /** Every part of the plan (fault kinds, trigger kinds, node features) this engine cannot do; empty when it can run it all. */
  supports(plan: RunPlan): Promise<readonly Refusal[]>;
  run(plan: RunPlan, observer?: RunObserver, options?: EngineRunOptions): Promise<EngineResult>;
  /** What a run would do, as lines, with nothing executed (`twin run --dry-run`). */
  dryRun(plan: RunPlan): Promise<readonly string[]>;
  /** Remove whatever earlier runs of this engine left on the host; returns what was (or, dry, would be) done. */
  down(options?: { readonly dryRun?: boolean }): Promise<readonly string[]>;
  /** What this host can and cannot do for the engine (`twin doctor`). */
  doctor(): Promise<readonly Capability[]>;
  /** The cluster in the engine's own configuration format (`twin export ENGINE CLUSTER`). */
  exportCluster(cluster: Cluster, options?: { readonly image?: string }): string;
}

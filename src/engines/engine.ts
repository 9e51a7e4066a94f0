/**
 * The contract every engine implements: take a cluster, its workloads and a fault plan,
 * bring the cluster up, apply the faults, and return the timeline. `sim` runs on a
 * virtual clock, `k3d` on the wall clock; both emit the same timeline events.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from '../model/cluster.js';
import type { Timeline, TimelineEvent } from '../model/timeline.js';
import type { PlannedFault } from '../scenario/load.js';

export interface RunPlan {
  readonly cluster: Cluster;
  readonly objects: readonly KubernetesObject[];
  readonly faults: readonly PlannedFault[];
  /** Seconds of fault phase after bring-up. */
  readonly duration: number;
  readonly seed: number;
  readonly bringUpTimeout: number;
  readonly sampleInterval: number;
}

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
}

/** Progress for live views and log lines. */
export interface RunObserver {
  onEvent?(event: TimelineEvent): void;
}

export interface EngineAvailability {
  readonly available: boolean;
  /** Why not, and what to do about it. */
  readonly reason?: string;
}

/** How a run treats what it creates. */
export interface EngineRunOptions {
  /** Leave the cluster running after the run (k3d): for a look with kubectl; `twin down` removes it. */
  readonly keep?: boolean;
}

export interface Engine {
  readonly name: string;
  readonly description: string;
  check(): Promise<EngineAvailability>;
  run(plan: RunPlan, observer?: RunObserver, options?: EngineRunOptions): Promise<EngineResult>;
}

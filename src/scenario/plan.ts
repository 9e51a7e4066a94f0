/**
 * What an engine runs: a scenario resolved into numbers once, at the edge. Engines, `judge` and
 * `twin check` consume only this; nothing downstream parses a duration, size or rate again.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from '../model/cluster.js';
import type { TimelineEventKind } from '../model/timeline.js';
import type { WorkloadSet } from '../model/workloads.js';
import type { LiveState } from '../import/live-state.js';
import type { ResolvedFault } from './faults.js';

/** The timeline event a fault waits for: `{ kind: 'node.condition', subject: 'node/dcn3' }`. */
export interface FaultTrigger {
  readonly kind: TimelineEventKind;
  readonly subject?: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

/** A fault with its id, quantities and times resolved to numbers, and what reverting it means. */
export interface PlannedFault {
  readonly id: string;
  readonly fault: ResolvedFault;
  /** One line in the scenario's words, for the timeline: "memory-leak api at 2Mi/s". */
  readonly description: string;
  /** Seconds after the fault phase starts, or a trigger event plus a delay in seconds. */
  readonly at: number | { readonly after: FaultTrigger; readonly delay: number };
  /** Seconds after firing that the scenario asks for the fault to be reverted (`for`). */
  readonly revertAfter: number | null;
  /** What reverting means, when the fault can be reverted (a reboot cannot: it ends by itself). */
  readonly revert: { readonly fault: ResolvedFault; readonly description: string } | null;
}

export interface RunPlan {
  readonly cluster: Cluster;
  readonly objects: readonly KubernetesObject[];
  /** The objects read once, by the loader. */
  readonly workloads: WorkloadSet;
  readonly faults: readonly PlannedFault[];
  /** Seconds of fault phase after bring-up. */
  readonly duration: number;
  readonly seed: number;
  readonly bringUpTimeout: number;
  readonly sampleInterval: number;
  /**
   * False: sample no series (`timeline.series` stays empty). A property check judges each run on its
   * events alone and keeps no report of it; sampling them was about a seventh of its allocation.
   */
  readonly series?: boolean;
  /**
   * Start from a live cluster's state instead of a fresh bring-up (`twin whatif`): the bring-up
   * reproduces it (placement, NotReady nodes, cordons, restarts) and the faults start once it has.
   */
  readonly live?: LiveStart;
}

/** A live cluster's state and where it was read. */
export interface LiveStart {
  readonly state: LiveState;
  /** The API server (and kubeconfig context) it was read from. */
  readonly source: string;
  /** When it was read (ISO 8601); shown in the report, never used as a clock. */
  readonly readAt: string;
}

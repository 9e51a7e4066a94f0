/**
 * What an engine runs: a scenario resolved into numbers once, at the edge. Engines, `judge` and
 * `twin check` consume only this; nothing downstream parses a duration, size or rate again.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from '../model/cluster.js';
import type { Fault } from './faults.js';

/** A fault with its id and times resolved to seconds. */
export interface PlannedFault {
  readonly id: string;
  readonly fault: Fault;
  /** Seconds after the fault phase starts, or a trigger event plus delay. */
  readonly at: number | { readonly after: { kind: string; subject?: string; details?: Readonly<Record<string, string | number | boolean>> }; readonly delay: number };
  readonly revertAfter: number | null;
}

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

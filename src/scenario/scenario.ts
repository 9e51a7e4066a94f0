/**
 * `defineScenario()`: a cluster, its workloads, a fault schedule and the behaviour the
 * user expects. The typed form catches a misspelt node name at compile time when the
 * cluster is a `defineCluster()` value; the loader checks everything again at run time.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { z } from 'zod';
import type { ClusterInput } from '../model/cluster.js';
import { expectationSchema, type Expectation } from './expectations.js';
import { faultSchema, type Fault } from './faults.js';
import { duration } from './fields.js';

export interface ScenarioInput<N extends string = string> {
  /** Defaults to the file name. */
  readonly name?: string;
  readonly description?: string;
  /**
   * A `defineCluster()` value, a path to a cluster file relative to the scenario, or `{ live: true }`:
   * the cluster as it runs right now, read by `twin whatif --kubeconfig` (workloads come from it too).
   */
  readonly cluster: ClusterInput<N> | string | LiveClusterRef;
  /** Manifest files or directories (relative to the scenario), or Kubernetes objects. */
  readonly workloads?: ReadonlyArray<string | KubernetesObject>;
  /** How long faults and observation run after the bring-up completes (`30m`). */
  readonly duration: string | number;
  readonly seed?: number;
  readonly bringUp?: {
    /** Give up waiting for "workloads ready" after this long (default 1h); faults start then anyway. */
    readonly timeout?: string | number;
  };
  readonly faults?: ReadonlyArray<Fault<NoInfer<N>>>;
  readonly expect: ReadonlyArray<Expectation<NoInfer<N>>>;
  readonly engine?: {
    readonly sim?: { readonly sampleInterval?: string | number };
  };
}

/** A scenario about the live cluster `twin whatif --kubeconfig` reads, from its current state. */
export interface LiveClusterRef {
  readonly live: true;
}

/** Declares a scenario; an identity function that makes editors and `tsc` check it. */
export function defineScenario<const N extends string>(scenario: ScenarioInput<N>): ScenarioInput<N> {
  return scenario;
}

// ---------------------------------------------------------------------------- run-time schema

export const scenarioSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes')
    .optional(),
  description: z.string().optional(),
  cluster: z.union([
    z.string().min(1),
    z.strictObject({ live: z.literal(true) }),
    z.looseObject({ name: z.string(), nodes: z.array(z.unknown()) }),
  ]),
  workloads: z.array(z.union([z.string().min(1), z.looseObject({ apiVersion: z.string(), kind: z.string() })])).default([]),
  duration,
  seed: z.number().int().nonnegative().default(1),
  bringUp: z.strictObject({ timeout: duration.optional() }).optional(),
  faults: z.array(faultSchema).default([]),
  expect: z.array(expectationSchema).min(1, 'a scenario needs at least one expectation: what do you believe happens?'),
  engine: z.strictObject({ sim: z.strictObject({ sampleInterval: duration.optional() }).optional() }).optional(),
});

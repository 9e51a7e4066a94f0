/**
 * `defineScenario()`: a cluster, its workloads, a fault schedule and the behaviour the
 * user expects. The typed form catches a misspelt node name at compile time when the
 * cluster is a `defineCluster()` value; the loader checks everything again at run time.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { z } from 'zod';
import type { ClusterInput } from '../model/cluster.js';
import type { Expectation } from './expectations.js';
import type { Fault } from './faults.js';
import { timelineEventKinds } from '../model/timeline.js';

export interface ScenarioInput<N extends string = string> {
  /** Defaults to the file name. */
  readonly name?: string;
  readonly description?: string;
  /** A `defineCluster()` value, or a path to a cluster file relative to the scenario. */
  readonly cluster: ClusterInput<N> | string;
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

/** Declares a scenario; an identity function that makes editors and `tsc` check it. */
export function defineScenario<const N extends string>(scenario: ScenarioInput<N>): ScenarioInput<N> {
  return scenario;
}

// ---------------------------------------------------------------------------- run-time schema

const duration = z.union([z.string(), z.number().nonnegative()]);
const anchor = z.union([z.string(), z.number()]);
const name = z.string().min(1);

const faultTime = z.union([
  duration,
  z.strictObject({
    after: z.strictObject({
      kind: z.enum(timelineEventKinds),
      subject: z.string().optional(),
      details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    }),
    delay: duration.optional(),
  }),
]);

const faultBase = { id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes').optional(), at: faultTime, for: duration.optional() };
const f = <K extends string, S extends z.ZodRawShape>(kind: K, shape: S) => z.strictObject({ ...faultBase, kind: z.literal(kind), ...shape });

export const faultSchema = z.discriminatedUnion('kind', [
  f('power-off', { node: name }),
  f('power-on', { node: name }),
  f('reboot', { node: name }),
  f('k3s-restart', { node: name }),
  f('control-plane-down', { servers: z.array(name).optional() }),
  f('control-plane-up', { servers: z.array(name).optional() }),
  f('rancher-down', {}),
  f('rancher-up', {}),
  f('memory-leak', { workload: name, rate: z.string() }),
  f('memory-fill', { node: name, amount: z.string() }),
  f('partition', { groups: z.array(z.array(name).min(1)).min(1) }),
  f('heal-partition', {}),
  f('link-degrade', { node: name, bandwidth: z.union([z.string(), z.number().positive().max(1)]) }),
  f('link-restore', { node: name }),
  f('slow-storage', { node: name, latency: duration }),
  f('storage-restore', { node: name }),
  f('disk-full', { node: name }),
  f('disk-free', { node: name }),
  f('site-power-cut', { order: z.array(name).optional(), interval: duration.optional() }),
  f('site-power-restore', { order: z.array(name).optional(), interval: duration.optional() }),
  f('scale', { workload: name, replicas: z.number().int().nonnegative() }),
  f('rollout-restart', { workload: name }),
]);

const expectationBase = { id: z.string().optional(), description: z.string().optional() };
const x = <K extends string, S extends z.ZodRawShape>(kind: K, shape: S) => z.strictObject({ ...expectationBase, kind: z.literal(kind), ...shape });
const window = { from: anchor.optional(), to: anchor.optional() };

export const expectationSchema = z.discriminatedUnion('kind', [
  x('node-condition', { node: name, status: z.enum(['Ready', 'NotReady']), after: anchor.optional(), within: duration, notBefore: duration.optional() }),
  x('pods-ready', { workload: name, atLeast: z.number().int().nonnegative(), ...window }),
  x('no-scheduling', { from: anchor, to: anchor.optional() }),
  x('service-availability', { service: name, atLeast: z.number().min(0).max(1).optional(), atMost: z.number().min(0).max(1).optional(), ...window }).refine((e) => e.atLeast !== undefined || e.atMost !== undefined, { message: 'give atLeast or atMost (a share of time between 0 and 1)', path: ['atLeast'] }),
  x('oom-killed', { workload: name, after: anchor.optional(), within: duration.optional(), backoff: z.boolean().optional() }),
  x('no-oom-kills', window),
  x('workloads-unaffected', { ...window, workloads: z.array(name).optional() }),
  x('api-unavailable', { after: anchor.optional(), within: duration }),
  x('api-available', { after: anchor.optional(), within: duration }),
  x('api-stays-available', window),
  x('bring-up-within', { within: duration }),
  x('replacement-ready', { workload: name, after: anchor.optional(), within: duration }),
  x('not-replaced', { workload: name, ...window }),
  x('shown-running', { node: name, after: anchor.optional(), forAtLeast: duration }),
  x('rancher-unavailable', { after: anchor.optional(), within: duration }),
  x('rancher-reconnects', { after: anchor.optional(), within: duration }),
]);

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes').optional(),
  description: z.string().optional(),
  cluster: z.union([z.string().min(1), z.looseObject({ name: z.string(), nodes: z.array(z.unknown()) })]),
  workloads: z.array(z.union([z.string().min(1), z.looseObject({ apiVersion: z.string(), kind: z.string() })])).default([]),
  duration,
  seed: z.number().int().nonnegative().default(1),
  bringUp: z.strictObject({ timeout: duration.optional() }).optional(),
  faults: z.array(faultSchema).default([]),
  expect: z.array(expectationSchema).min(1, 'a scenario needs at least one expectation: what do you believe happens?'),
  engine: z.strictObject({ sim: z.strictObject({ sampleInterval: duration.optional() }).optional() }).optional(),
});

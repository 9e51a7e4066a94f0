// Type tests, checked by `npm run typecheck`: an unused @ts-expect-error fails the build,
// so each line below proves the compiler rejects that mistake.
import { defineCluster, defineScenario } from '../../src/index.js';
import type { Bandwidth, Expectation, Fault, FaultKind, ResolvedAnchor, ResolvedExpectation, ResolvedFault } from '../../src/index.js';

const cluster = defineCluster({
  name: 'typed',
  nodes: [
    { name: 'server-1', profile: 'pi5-8gb', role: 'server' },
    { name: 'worker-1', profile: 'pi4b-4gb', role: 'agent' },
  ],
});

export const ok = defineScenario({
  cluster,
  duration: '10m',
  faults: [{ at: '1m', kind: 'power-off', node: 'worker-1', for: '5m' }],
  expect: [{ kind: 'node-condition', node: 'worker-1', status: 'NotReady', within: '1m' }],
});

export const misspeltFaultNode = defineScenario({
  cluster,
  duration: '10m',
  // @ts-expect-error 'worker-2' is not a node of this cluster
  faults: [{ at: '1m', kind: 'power-off', node: 'worker-2' }],
  expect: [{ kind: 'bring-up-within', within: '5m' }],
});

export const misspeltExpectationNode = defineScenario({
  cluster,
  duration: '10m',
  // @ts-expect-error 'wrker-1' is not a node of this cluster
  expect: [{ kind: 'node-condition', node: 'wrker-1', status: 'Ready', within: '1m' }],
});

export const unknownFaultKind = defineScenario({
  cluster,
  duration: '10m',
  // @ts-expect-error there is no 'meteor-strike' fault
  faults: [{ at: '1m', kind: 'meteor-strike' }],
  expect: [{ kind: 'bring-up-within', within: '5m' }],
});

export const missingExpectations = defineScenario(
  // @ts-expect-error a scenario must say what it expects
  { cluster, duration: '10m' },
);

// @ts-expect-error profile names are checked for shape: a role is required
defineCluster({ name: 'x', nodes: [{ name: 'a', profile: 'pi4b-4gb' }] });

// ---------------------------------------------------------------- one vocabulary, resolved once

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T | undefined => undefined;
type Of<U, K> = Extract<U, { kind: K }>;

// The user's forms keep the node-name generic, on every node field.
export const typedPartition: Fault<'a' | 'b'> = { kind: 'partition', at: '1m', groups: [['a'], ['b']] };
// @ts-expect-error 'c' is not one of the nodes
export const wrongGroup: Fault<'a' | 'b'> = { kind: 'partition', at: '1m', groups: [['c']] };
// @ts-expect-error 'c' is not one of the servers
export const wrongServer: Fault<'a' | 'b'> = { kind: 'control-plane-down', at: 0, servers: ['c'] };
// @ts-expect-error 'c' is not in the power-on order
export const wrongOrder: Fault<'a' | 'b'> = { kind: 'site-power-restore', at: 0, order: ['a', 'c'] };
// @ts-expect-error 'c' is not a node to upgrade
export const wrongUpgrade: Fault<'a' | 'b'> = { kind: 'k3s-upgrade', at: 0, version: 'v1.32.3+k3s1', nodes: ['a', 'c'] };
// @ts-expect-error 'c' is not a node to drain
export const wrongDrain: Fault<'a' | 'b'> = { kind: 'drain', at: 0, node: 'c' };
// @ts-expect-error 'c' is not a node
export const wrongShown: Expectation<'a'> = { kind: 'shown-running', node: 'c', forAtLeast: '1m' };
// Workloads are not nodes: any name compiles, the loader checks it.
export const anyWorkload: Fault<'a'> = { kind: 'scale', at: 0, workload: 'web', replicas: 2 };
assertType<Equal<FaultKind, Fault['kind']>>();

// Resolved faults carry numbers, and no time of their own (the plan has it).
assertType<Equal<Of<ResolvedFault, 'memory-leak'>['rate'], number>>();
assertType<Equal<Of<ResolvedFault, 'memory-fill'>['amount'], number>>();
assertType<Equal<Of<ResolvedFault, 'slow-storage'>['latency'], number>>();
assertType<Equal<Of<ResolvedFault, 'site-power-cut'>['interval'], number>>();
assertType<Equal<Of<ResolvedFault, 'link-degrade'>['bandwidth'], Bandwidth | null>>();
assertType<Equal<Of<ResolvedFault, 'link-degrade'>['delay'], number>>();
assertType<Equal<Of<ResolvedFault, 'drain'>['timeout'], number | null>>();
assertType<Equal<Of<ResolvedFault, 'k3s-upgrade'>['concurrency'], number>>();
assertType<Equal<'at' extends keyof Of<ResolvedFault, 'power-off'> ? true : false, false>>();

// Resolved expectations: an id, durations in seconds, every anchor parsed and present.
assertType<Equal<ResolvedExpectation['id'], string>>();
assertType<Equal<Of<ResolvedExpectation, 'node-condition'>['within'], number>>();
assertType<Equal<Of<ResolvedExpectation, 'node-condition'>['notBefore'], number | undefined>>();
assertType<Equal<Of<ResolvedExpectation, 'oom-killed'>['after'], ResolvedAnchor>>();
assertType<Equal<Of<ResolvedExpectation, 'pods-ready'>['to'], ResolvedAnchor>>();

// A live scenario (`twin whatif --scenario`): the cluster is read at run time, so any node name type-checks.
export const live = defineScenario({
  cluster: { live: true },
  duration: '15m',
  faults: [{ at: '0s', kind: 'power-off', node: 'node3' }],
  expect: [{ kind: 'node-condition', node: 'node3', status: 'NotReady', within: '1m' }],
});

// @ts-expect-error live must be true: a cluster is either live or described
export const notLive = defineScenario({ cluster: { live: false }, duration: '1m', expect: [{ kind: 'bring-up-within', within: '5m' }] });

// Type tests, checked by `npm run typecheck`: an unused @ts-expect-error fails the build,
// so each line below proves the compiler rejects that mistake.
import { defineCluster, defineScenario } from '../../src/index.js';

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

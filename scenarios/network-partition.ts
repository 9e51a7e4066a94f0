/**
 * Seed 002: the Pi Zero 2 W workers are on 2.4 GHz Wi-Fi, one service per Zero. zero-3
 * (cache) and zero-4 (files) drop off the network for 12 minutes. Clients lose those
 * services at once; Kubernetes notices after the grace period, evicts after 5 minutes, and
 * the replacements stay Pending — no other node may run them. When Wi-Fi returns the old
 * pods are cleaned up and the services come back on their own Zeros.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'zero-3 and zero-4 lose Wi-Fi for 12 minutes',
  cluster: './clusters/pi4-zero-fleet.yaml',
  workloads: ['./workloads/zero-fleet'],
  duration: '30m',
  seed: 11,
  faults: [{ id: 'wifi', at: '2m', kind: 'partition', groups: [['zero-3', 'zero-4']], for: '12m' }],
  expect: [
    {
      kind: 'node-condition',
      node: 'zero-3',
      status: 'NotReady',
      after: 'fault:wifi',
      notBefore: '40s',
      within: '60s',
      description: 'The cut-off Zeros become NotReady after the 50 s grace period (K3s v1.32)',
    },
    { kind: 'node-condition', node: 'zero-4', status: 'NotReady', after: 'fault:wifi', notBefore: '40s', within: '60s' },
    {
      kind: 'service-availability',
      service: 'default/api-gateway',
      atLeast: 1,
      description: 'Services on the connected Zeros are not affected',
    },
    {
      kind: 'workloads-unaffected',
      workloads: ['api-gateway', 'auth', 'tasks', 'logging'],
      description: 'Nothing moves on the nodes that kept their network',
    },
    {
      kind: 'service-availability',
      service: 'default/cache',
      atMost: 0.05,
      from: 'fault:wifi',
      to: 'heal:wifi',
      description:
        'Surprise: the cache is gone for the whole partition — clients lose it at once, ' +
        'and its replacement stays Pending, pinned to zero-3',
    },
    {
      kind: 'node-condition',
      node: 'zero-3',
      status: 'Ready',
      after: 'heal:wifi',
      within: '30s',
      description: 'The Zeros rejoin as soon as Wi-Fi is back',
    },
    {
      kind: 'pods-ready',
      workload: 'cache',
      atLeast: 1,
      from: 'heal:wifi+2m',
      description: 'The cache returns only when zero-3 does: the Pending replacement lands there once the old pod is cleaned up',
    },
    { kind: 'pods-ready', workload: 'files', atLeast: 1, from: 'heal:wifi+2m' },
  ],
});

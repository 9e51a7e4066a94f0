/**
 * Drives the real cluster through the moments `twin calibrate` learns from (engine k3d, kept
 * running): a worker power cycle, a K3s restart on the server, and a rollout. The e2e test then
 * calibrates against the cluster this leaves behind.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'A worker power cycle, a K3s restart on the server and a rollout, for twin calibrate to measure',
  cluster: './cluster.yaml',
  workloads: ['../../scenarios/workloads/edgestack'],
  duration: '4m',
  seed: 42,
  faults: [
    { id: 'cycle', at: '10s', kind: 'power-off', node: 'dcn3', for: '20s' },
    { id: 'restart', at: '1m45s', kind: 'k3s-restart', node: 'dcn1' },
    { id: 'rollout', at: '2m45s', kind: 'rollout-restart', workload: 'Deployment/default/web' },
  ],
  expect: [
    {
      kind: 'node-condition',
      node: 'dcn3',
      status: 'Ready',
      after: 'heal:cycle',
      within: '3m',
      description: 'The power-cycled worker rejoins',
    },
    { kind: 'pods-ready', workload: 'Deployment/default/web', atLeast: 2, from: 'fault:rollout+1m', description: 'The rollout completes' },
  ],
});

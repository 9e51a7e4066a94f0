/**
 * CI-length form of scenarios/site-power-cut.ts for real Kubernetes (engine k3d) and the model side
 * by side, on the end-to-end cluster: every machine loses power for 2 minutes and all restart at once.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'Site power cut for 2 minutes; everything restarts at once',
  cluster: './cluster.yaml',
  workloads: ['../../scenarios/workloads/edgestack'],
  duration: '9m',
  seed: 5,
  faults: [{ id: 'cut', at: '30s', kind: 'site-power-cut', for: '2m' }],
  expect: [
    { kind: 'api-unavailable', after: 'fault:cut', within: '5s', description: 'Everything is down at once' },
    { kind: 'api-available', after: 'heal:cut', within: '3m', description: 'The server boots and K3s is back within minutes' },
    { kind: 'node-condition', node: 'dcn2', status: 'Ready', after: 'heal:cut', within: '4m', description: 'The worker rejoins by itself' },
    {
      kind: 'pods-ready',
      workload: 'Deployment/default/web',
      atLeast: 3,
      from: 'heal:cut+5m',
      description: 'Workloads are back without manual steps',
    },
    {
      kind: 'pods-ready',
      workload: 'StatefulSet/default/postgres',
      atLeast: 1,
      from: 'heal:cut+5m',
      description: 'Postgres comes back on its own node (its local volume survived)',
    },
  ],
});

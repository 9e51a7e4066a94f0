/**
 * CI-length form of scenarios/worker-power-loss.ts for real Kubernetes (engine k3d) and the
 * model side by side: dcn2, the worker with the database, loses power for 6 minutes — long
 * enough for the grace period, the 300 s toleration and the rejoin.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'dcn2 (the worker with the database and its SSD) loses power for 6 minutes',
  cluster: './cluster.yaml',
  workloads: ['../../scenarios/workloads/edgestack'],
  duration: '10m',
  seed: 42,
  faults: [{ id: 'power', at: '30s', kind: 'power-off', node: 'dcn2', for: '6m' }],
  expect: [
    {
      kind: 'node-condition',
      node: 'dcn2',
      status: 'NotReady',
      after: 'fault:power',
      notBefore: '30s',
      within: '55s',
      description: 'The node is marked NotReady after the 40 s grace period (K3s v1.31)',
    },
    {
      kind: 'shown-running',
      node: 'dcn2',
      after: 'fault:power',
      forAtLeast: '5m',
      description: "For minutes kubectl still lists the dead node's pods",
    },
    {
      kind: 'not-replaced',
      workload: 'StatefulSet/default/postgres',
      from: 'fault:power',
      to: 'heal:power',
      description: 'The Postgres StatefulSet pod is not rescheduled while the node is down',
    },
    { kind: 'service-availability', service: 'default/web', atLeast: 1, description: 'The web Service keeps serving from the other nodes' },
    {
      kind: 'node-condition',
      node: 'dcn2',
      status: 'Ready',
      after: 'heal:power',
      within: '3m',
      description: 'When the node returns it rejoins automatically',
    },
    {
      kind: 'pods-ready',
      workload: 'StatefulSet/default/postgres',
      atLeast: 1,
      from: 'heal:power+3m',
      description: 'Postgres is back once its node is (its volume lives there)',
    },
  ],
});

/**
 * CI-length form of scenarios/network-partition.ts for real Kubernetes (engine k3d) and the model
 * side by side, on the end-to-end cluster: dcn3 is cut off from the rest of the network for
 * 3 minutes (on k3d: its container is disconnected from the cluster's Docker network).
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'dcn3 loses its network for 3 minutes',
  cluster: './cluster.yaml',
  workloads: ['../../scenarios/workloads/edgestack'],
  duration: '6m',
  seed: 11,
  faults: [{ id: 'cut', at: '30s', kind: 'partition', groups: [['dcn3']], for: '3m' }],
  expect: [
    {
      kind: 'node-condition',
      node: 'dcn3',
      status: 'NotReady',
      after: 'fault:cut',
      notBefore: '30s',
      within: '60s',
      description: 'The cut-off worker becomes NotReady after the 40 s grace period (K3s v1.31)',
    },
    {
      kind: 'service-availability',
      service: 'default/web',
      atLeast: 0.9,
      description: 'The web Service keeps serving from the nodes that kept their network',
    },
    {
      kind: 'node-condition',
      node: 'dcn3',
      status: 'Ready',
      after: 'heal:cut',
      within: '60s',
      description: 'dcn3 rejoins as soon as its network is back',
    },
  ],
});

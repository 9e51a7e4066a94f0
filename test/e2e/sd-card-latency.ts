/**
 * CI-length form of scenarios/sd-card-latency.ts for real Kubernetes (engine k3d) and the model
 * side by side: the single server's card (twin-slowfs in twin's node image) takes 4 s per
 * synchronous write for 4 minutes.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: "dcn1's SD card stalls at 4 s per synchronous write for 4 minutes (single server on embedded etcd)",
  cluster: './etcd-cluster.yaml',
  workloads: ['../../scenarios/workloads/edgestack'],
  duration: '9m',
  seed: 9,
  faults: [{ id: 'sd', at: '1m', kind: 'slow-storage', node: 'dcn1', latency: '4s', for: '4m' }],
  expect: [
    {
      kind: 'api-unavailable',
      after: 'fault:sd',
      within: '30s',
      description: 'Leader election is lost and k3s restarts: the API goes away',
    },
    { kind: 'service-availability', service: 'default/web', atLeast: 1, description: 'The web Service keeps serving from the agents' },
    { kind: 'api-stays-available', from: 'heal:sd+3m', description: 'Once the card recovers the control plane is stable again' },
  ],
});

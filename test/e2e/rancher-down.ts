/**
 * CI-length form of scenarios/rancher-down.ts for real Kubernetes (engine k3d) and the model
 * side by side: the Rancher host's container stops for 2 minutes.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'The Rancher container on dcn0 stops for 2 minutes',
  cluster: './cluster.yaml',
  workloads: ['../../scenarios/workloads/edgestack'],
  duration: '5m',
  seed: 7,
  faults: [{ id: 'rancher', at: '30s', kind: 'rancher-down', for: '2m' }],
  expect: [
    { kind: 'rancher-unavailable', after: 'fault:rancher', within: '5s', description: 'UI unavailable' },
    { kind: 'workloads-unaffected', description: 'No workloads affected' },
    { kind: 'api-stays-available', description: 'The cluster continues: the Kubernetes API never goes down' },
    { kind: 'service-availability', service: 'default/web', atLeast: 1, description: 'The web Service serves throughout' },
    {
      kind: 'rancher-reconnects',
      after: 'heal:rancher',
      within: '3m',
      description: 'The cattle-cluster-agent reconnects by itself once Rancher is back',
    },
  ],
});

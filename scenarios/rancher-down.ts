/**
 * Seed 000: "Rancher down — cluster continues, no workloads affected, UI unavailable only."
 */
import { defineScenario } from 'twin';
import cluster from './clusters/edgestack-pi3.js';

export default defineScenario({
  description: 'The Rancher container on dcn0 stops for 20 minutes',
  cluster,
  workloads: ['./workloads/edgestack'],
  duration: '40m',
  seed: 7,
  faults: [{ id: 'rancher', at: '2m', kind: 'rancher-down', for: '20m' }],
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

/**
 * The classic SD-card failure (issues k3s-io/k3s#2644, #2625): the server's worn microSD
 * card takes seconds per synchronous write. Each datastore transaction outlasts the 10 s
 * renew deadline, the controller-manager loses its lease, K3s exits and systemd restarts
 * it — again and again, while the workloads on the agents keep running.
 */
import { defineScenario } from 'twin';
import cluster from './clusters/edgestack-pi3.js';

export default defineScenario({
  description: "dcn1's SD card stalls at 4 s per synchronous write for 10 minutes",
  cluster,
  workloads: ['./workloads/edgestack'],
  duration: '30m',
  seed: 9,
  faults: [{ id: 'sd', at: '2m', kind: 'slow-storage', node: 'dcn1', latency: '4s', for: '10m' }],
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

/**
 * The classic SD-card failure (issues k3s-io/k3s#2615, #2644, #2625): the server's worn microSD
 * card takes seconds per synchronous write. Each datastore transaction outlasts the 10 s
 * renew deadline, the controller-manager loses its lease, K3s exits and systemd restarts
 * it — again and again, while the workloads on the agents keep running.
 *
 * It needs leader election, so embedded etcd (`--cluster-init`, as in k3s-io/k3s#2615; #1850's
 * user moved from SQLite to etcd too): with SQLite, K3s's default, K3s runs the controller-manager
 * with `--leader-elect=false` (kine: SQLite needs no election) and a slow card only slows the API.
 */
import { defineCluster, defineScenario } from 'twin';
import base from './clusters/edgestack-pi3.js';

const cluster = defineCluster({
  ...base,
  name: 'edgestack-pi3-etcd',
  description: 'Seed 000 with its single server on embedded etcd (--cluster-init) instead of SQLite',
  k3s: { ...base.k3s, datastore: 'embedded-etcd' },
});

export default defineScenario({
  description: "dcn1's SD card stalls at 4 s per synchronous write for 10 minutes (single server on embedded etcd)",
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

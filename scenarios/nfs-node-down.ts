/**
 * Seed 003: node3 (a Pi 2 B outside the cluster) serves MariaDB and NFS. When it goes down,
 * Kubernetes sees nothing wrong with any node — but lil-linko's health check fails and its
 * Service goes dark. The portfolio site, which needs nothing from node3, is unaffected.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'The NFS/MariaDB box (node3) is powered off for 10 minutes',
  cluster: './clusters/homelab-nfs.yaml',
  workloads: ['./workloads/homelab'],
  duration: '25m',
  seed: 4,
  faults: [{ id: 'nfs', at: '2m', kind: 'power-off', node: 'node3', for: '10m' }],
  expect: [
    { kind: 'api-stays-available', description: 'The cluster itself is healthy: node3 is not a Kubernetes node' },
    { kind: 'workloads-unaffected', workloads: ['portfolio'], description: 'Portfolio needs nothing from node3 and keeps serving' },
    {
      kind: 'service-availability',
      service: 'default/lil-linko',
      atLeast: 0.5,
      description: 'lil-linko is down while its database is: its readiness probe fails',
    },
    {
      kind: 'pods-ready',
      workload: 'lil-linko',
      atLeast: 2,
      from: 'heal:nfs+2m',
      description: 'lil-linko recovers on its own once node3 is back',
    },
  ],
});

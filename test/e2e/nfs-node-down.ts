/**
 * CI-length form of scenarios/nfs-node-down.ts (seed 003) for real Kubernetes (engine k3d) and the
 * model side by side: node3, the MariaDB/NFS machine outside the cluster, is powered off for 4
 * minutes. Its container runs MariaDB (Debian's mariadb-server); lil-linko's readiness needs it.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'The NFS/MariaDB box (node3) is powered off for 4 minutes',
  cluster: '../../scenarios/clusters/homelab-nfs.yaml',
  // nfs-share mounts node3's export; its server going away unmounts nothing (the mount is hard, nginx never reads it).
  workloads: ['../../scenarios/workloads/homelab', './workloads/nfs-share'],
  duration: '9m',
  seed: 4,
  faults: [{ id: 'nfs', at: '1m', kind: 'power-off', node: 'node3', for: '4m' }],
  expect: [
    { kind: 'api-stays-available', description: 'The cluster itself is healthy: node3 is not a Kubernetes node' },
    { kind: 'workloads-unaffected', workloads: ['portfolio'], description: 'Portfolio needs nothing from node3 and keeps serving' },
    {
      kind: 'workloads-unaffected',
      workloads: ['nfs-share'],
      description: "A pod with node3's export mounted (before the fault) keeps running: nothing unmounts it",
    },
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

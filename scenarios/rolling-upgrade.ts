/**
 * Seed 000's cluster upgraded from K3s v1.31 to v1.32 the way the K3s docs recommend: the
 * system-upgrade-controller's server plan, then its agent plan, one node at a time, each
 * cordoned, drained, its binary replaced and k3s restarted. What a user expects ("a rolling
 * upgrade keeps everything up") holds only for what is replicated and guarded: web (3 replicas
 * and a PodDisruptionBudget) keeps serving; the Postgres StatefulSet, whose local-path volume
 * ties it to dcn2, is down from dcn2's drain until dcn2 is uncordoned, and so are CoreDNS and
 * Traefik (one replica each, no budget) while their node drains; the single server's API is gone
 * while its k3s restarts.
 */
import { defineScenario } from 'twin';
import cluster from './clusters/edgestack-pi3.js';

export default defineScenario({
  description: 'K3s v1.31.4 → v1.32.3 on seed 000, node by node (system-upgrade-controller, drain on)',
  cluster,
  workloads: ['./workloads/edgestack', './workloads/rolling-upgrade/web-pdb.yaml'],
  duration: '30m',
  seed: 42,
  faults: [{ id: 'upgrade', at: '2m', kind: 'k3s-upgrade', version: 'v1.32.3+k3s1' }],
  expect: [
    {
      kind: 'service-availability',
      service: 'default/web',
      atLeast: 1,
      from: 'fault:upgrade',
      description: 'web keeps an answering endpoint throughout: 3 replicas, and its PDB lets only one go at a time',
    },
    {
      kind: 'pods-ready',
      workload: 'Deployment/default/web',
      atLeast: 2,
      from: 'fault:upgrade',
      description: 'At most one web replica is unready at any moment (maxUnavailable 1)',
    },
    {
      kind: 'service-availability',
      service: 'default/postgres',
      atMost: 0.9,
      from: 'fault:upgrade',
      to: 'fault:upgrade+5m',
      description: 'Surprise: Postgres is down while dcn2 drains and restarts (its volume lives there; a drain is no failover)',
    },
    {
      kind: 'pods-ready',
      workload: 'StatefulSet/default/postgres',
      atLeast: 1,
      from: '25m',
      description: 'Postgres is back on dcn2 once the node is uncordoned',
    },
    {
      kind: 'api-unavailable',
      after: 'fault:upgrade',
      within: '1m',
      description: 'Surprise: the single server is upgraded first, and while its k3s restarts there is no API',
    },
    {
      kind: 'api-available',
      after: 'fault:upgrade',
      within: '5m',
      description: 'The API is back once the server runs the new version',
    },
  ],
});

/**
 * Seed 000's OOM pressure without Edge-Pulse: on dcn2 (a 1 GiB Pi 3B+, 906Mi usable) something
 * outside Kubernetes takes 850Mi for two minutes. K3s sets no memory.available eviction threshold,
 * so the kubelet evicts nothing; the kernel's OOM killer acts at once, by oom_score_adj plus memory
 * share: the pods on dcn2 go first (Burstable, adj near 1000), then the process itself. The web
 * Service keeps serving from the other nodes. Compare scenarios/oom-edge-pulse.ts.
 */
import { defineScenario } from 'twin';
import cluster from './clusters/edgestack-pi3.js';

export default defineScenario({
  description: 'dcn2 runs out of memory outside Kubernetes for 2 minutes, without swap',
  cluster,
  workloads: ['./workloads/edgestack'],
  duration: '8m',
  seed: 11,
  faults: [{ id: 'fill', at: '1m', kind: 'memory-fill', node: 'dcn2', amount: '850Mi', for: '2m' }],
  expect: [
    {
      kind: 'oom-killed',
      workload: 'StatefulSet/default/postgres',
      after: 'fault:fill',
      within: '10s',
      description: 'No eviction threshold in K3s: the kernel OOM killer kills the pods on dcn2 at once, Postgres among them',
    },
    { kind: 'service-availability', service: 'default/web', atLeast: 1, description: 'The web Service keeps serving from the other nodes' },
    {
      kind: 'pods-ready',
      workload: 'StatefulSet/default/postgres',
      atLeast: 1,
      from: 'heal:fill+2m',
      description: 'Postgres is Ready again once the memory is back',
    },
  ],
});

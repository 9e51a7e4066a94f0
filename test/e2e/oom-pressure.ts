/**
 * CI-length OOM pressure for real Kubernetes (engine k3d) and the model side by side:
 * - first a process outside Kubernetes takes 850Mi on dcn2 (a 1 GiB Pi 3B+, 906Mi of it usable)
 *   for a minute. K3s sets no memory.available eviction threshold, so the kubelet evicts nothing: the kernel's OOM
 *   killer acts, killing by oom_score_adj plus memory share (the pods, then the process itself),
 *   and the Service keeps serving from the other nodes;
 * - then the API leaks 8 MiB/s for 2½ minutes: each container is OOMKilled at its 160Mi limit,
 *   restarted at once the first time and then with CrashLoopBackOff (10 s, 20 s, 40 s…), and
 *   recovers once the leak stops.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'dcn2 runs out of memory outside Kubernetes for a minute; then the API leaks memory for 2½ minutes',
  cluster: './cluster.yaml',
  workloads: ['../../scenarios/workloads/edgestack'],
  duration: '7m',
  seed: 7,
  faults: [
    { id: 'fill', at: '30s', kind: 'memory-fill', node: 'dcn2', amount: '850Mi', for: '1m' },
    { id: 'leak', at: '2m', kind: 'memory-leak', workload: 'default/api', rate: '8Mi/s', for: '150s' },
  ],
  expect: [
    {
      kind: 'oom-killed',
      workload: 'default/api',
      after: 'fault:leak',
      within: '1m',
      backoff: true,
      description: 'The API is OOMKilled at its 160Mi limit and restarted with back-off',
    },
    { kind: 'pods-ready', workload: 'default/api', atLeast: 2, from: 'heal:leak+2m', description: 'The API recovers once the leak stops' },
    {
      kind: 'oom-killed',
      workload: 'default/web',
      after: 'fault:fill',
      within: '30s',
      description: 'With no memory eviction threshold in K3s the kernel OOM killer acts on dcn2 and kills web among others',
    },
    { kind: 'service-availability', service: 'default/web', atLeast: 1, description: 'The web Service keeps serving from the other nodes' },
    {
      kind: 'pods-ready',
      workload: 'StatefulSet/default/postgres',
      atLeast: 1,
      from: 'heal:fill+1m',
      description: 'Postgres is Ready once the memory is back',
    },
  ],
});

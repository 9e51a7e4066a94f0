/**
 * CI-length form of scenarios/ha-quorum-loss.ts for real Kubernetes (engine k3d) and the model
 * side by side: three servers with embedded etcd; losing one keeps the API, losing a second loses
 * etcd's quorum and with it the API, while the workloads keep serving; the second's return
 * brings quorum and the API back.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'arkveld fails, then reydau for 3 minutes: etcd loses quorum until reydau returns',
  cluster: './ha-cluster.yaml',
  workloads: ['../../scenarios/workloads/edgestack'],
  duration: '7m',
  seed: 21,
  faults: [
    { id: 'first', at: '30s', kind: 'power-off', node: 'arkveld' },
    { id: 'second', at: '2m', kind: 'power-off', node: 'reydau', for: '3m' },
  ],
  expect: [
    {
      kind: 'api-stays-available',
      from: 'fault:first+20s',
      to: 'fault:second',
      description: 'One server down: the API stays available (2 of 3 etcd members)',
    },
    {
      kind: 'api-unavailable',
      after: 'fault:second',
      within: '30s',
      description: 'Two servers down: etcd has no quorum, the API is unavailable',
    },
    {
      kind: 'service-availability',
      service: 'default/web',
      atLeast: 1,
      from: 'fault:second',
      to: 'heal:second',
      description: 'Workloads keep serving without a control plane',
    },
    { kind: 'api-available', after: 'heal:second', within: '2m', description: 'Quorum and the API return with the second server' },
  ],
});

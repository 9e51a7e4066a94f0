/**
 * Seed 004: three Pi 5 servers with embedded etcd. Losing one is survivable; losing two
 * loses quorum and with it the API — while every running workload carries on serving.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'arkveld fails, then reydau: etcd loses quorum until reydau returns',
  cluster: './clusters/ha-gallade.yaml',
  workloads: ['./workloads/ha-gallade'],
  duration: '30m',
  seed: 21,
  faults: [
    { id: 'first', at: '2m', kind: 'power-off', node: 'arkveld' },
    { id: 'second', at: '8m', kind: 'power-off', node: 'reydau', for: '10m' },
  ],
  expect: [
    {
      kind: 'api-stays-available',
      from: 'fault:first',
      to: 'fault:second',
      description: 'One server down: the API stays available (2 of 3 members)',
    },
    { kind: 'api-unavailable', after: 'fault:second', within: '1s', description: 'Two servers down: quorum lost, API unavailable' },
    {
      kind: 'service-availability',
      service: 'default/whoami',
      atLeast: 1,
      from: 'fault:second',
      to: 'heal:second',
      description: 'Workloads keep serving without a control plane',
    },
    { kind: 'no-scheduling', from: 'fault:second', to: 'heal:second', description: 'Nothing is scheduled without quorum' },
    { kind: 'api-available', after: 'heal:second', within: '2m', description: 'Quorum and the API return with the second server' },
  ],
});

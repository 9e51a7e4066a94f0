/**
 * A power cut takes out the whole site (seed 000's Pi 4 form and its Rancher box). Power
 * returns after 5 minutes; every machine boots, K3s comes back from its SQLite file on the
 * server's SD card, and the workloads return without anyone touching them.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'Site power cut for 5 minutes; everything restarts at once',
  cluster: './clusters/edgestack-pi4.yaml',
  workloads: ['./workloads/edgestack'],
  duration: '40m',
  seed: 5,
  faults: [{ id: 'cut', at: '5m', kind: 'site-power-cut', for: '5m' }],
  expect: [
    { kind: 'api-unavailable', after: 'fault:cut', within: '1s', description: 'Everything is down at once' },
    { kind: 'api-available', after: 'heal:cut', within: '3m', description: 'The server boots and K3s is back within minutes' },
    { kind: 'node-condition', node: 'dcn2', status: 'Ready', after: 'heal:cut', within: '4m', description: 'The worker rejoins by itself' },
    {
      kind: 'pods-ready',
      workload: 'Deployment/default/web',
      atLeast: 3,
      from: 'heal:cut+8m',
      description: 'Workloads are back without manual steps',
    },
    {
      kind: 'pods-ready',
      workload: 'StatefulSet/default/postgres',
      atLeast: 1,
      from: 'heal:cut+8m',
      description: 'Postgres comes back on its own node (its local volume survived)',
    },
  ],
});

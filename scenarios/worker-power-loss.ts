/**
 * Seed 000's failure table says: "Worker power loss — scheduler marks node NotReady; pods
 * rescheduled to other workers; when node returns, it rejoins automatically." True, but
 * slower and less complete than most people think: NotReady only after the grace period,
 * replacements only after the 300 s toleration, and the StatefulSet's database not at all
 * until the node is back.
 */
import { defineScenario } from 'twin';
import cluster from './clusters/edgestack-pi3.js';

export default defineScenario({
  description: 'dcn2 (the worker with the database and its SSD) loses power for 15 minutes',
  cluster,
  workloads: ['./workloads/edgestack'],
  duration: '30m',
  seed: 42,
  faults: [{ id: 'power', at: '1m', kind: 'power-off', node: 'dcn2', for: '15m' }],
  expect: [
    {
      kind: 'node-condition',
      node: 'dcn2',
      status: 'NotReady',
      after: 'fault:power',
      notBefore: '30s',
      within: '50s',
      description: 'The node is marked NotReady after the 40 s grace period (K3s v1.31)',
    },
    {
      kind: 'shown-running',
      node: 'dcn2',
      after: 'fault:power',
      forAtLeast: '5m',
      description: "Surprise: for minutes kubectl still lists the dead node's pods",
    },
    {
      kind: 'not-replaced',
      workload: 'StatefulSet/default/postgres',
      from: 'fault:power',
      to: 'heal:power',
      description: 'Surprise: the Postgres StatefulSet pod is NOT rescheduled while the node is down',
    },
    {
      kind: 'service-availability',
      service: 'default/web',
      atLeast: 1,
      description: 'The web Service keeps serving from the other workers',
    },
    { kind: 'pods-ready', workload: 'Deployment/default/web', atLeast: 2, description: 'At most one web replica is lost at a time' },
    {
      kind: 'node-condition',
      node: 'dcn2',
      status: 'Ready',
      after: 'heal:power',
      within: '3m',
      description: 'When the node returns it rejoins automatically',
    },
    {
      kind: 'pods-ready',
      workload: 'StatefulSet/default/postgres',
      atLeast: 1,
      from: 'heal:power+4m',
      description: 'Postgres is back once its node is (its volume lives there)',
    },
  ],
});

/**
 * Seed 001's workshop (one Pi 4, 4 GB): the backend starts leaking memory. Its container is
 * OOMKilled at its 256Mi limit and restarted with CrashLoopBackOff (10 s, 20 s, 40 s…);
 * the frontend and the database on the same node are not touched.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'The taskmaster backend leaks 2 MiB/s for 20 minutes on the single-node workshop cluster',
  cluster: './clusters/taskmaster-workshop.yaml',
  workloads: ['./workloads/taskmaster'],
  duration: '30m',
  seed: 3,
  faults: [{ id: 'leak', at: '1m', kind: 'memory-leak', workload: 'taskmaster/backend', rate: '2Mi/s', for: '20m' }],
  expect: [
    {
      kind: 'oom-killed',
      workload: 'taskmaster/backend',
      after: 'fault:leak',
      within: '2m',
      backoff: true,
      description: 'The backend is OOMKilled at its limit and restarted with back-off',
    },
    {
      kind: 'workloads-unaffected',
      workloads: ['taskmaster/frontend', 'taskmaster/postgres'],
      description: 'The frontend and Postgres are untouched (the limit protects the node)',
    },
    { kind: 'service-availability', service: 'taskmaster/frontend-svc', atLeast: 1, description: 'The frontend keeps serving' },
    {
      kind: 'pods-ready',
      workload: 'taskmaster/backend',
      atLeast: 2,
      from: 'heal:leak+6m',
      description: 'The backend recovers once the leak stops',
    },
  ],
});

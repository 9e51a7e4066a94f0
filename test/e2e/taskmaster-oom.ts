/**
 * CI-length form of scenarios/oom-pressure.ts (seed 001's single-node workshop) for real
 * Kubernetes (engine k3d) and the model side by side: the taskmaster backend leaks 2 MiB/s for 4
 * minutes, is OOMKilled at its 256Mi limit and restarted with back-off; the frontend and Postgres
 * on the same node are untouched.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'The taskmaster backend leaks 2 MiB/s for 4 minutes on the single-node workshop cluster',
  cluster: '../../scenarios/clusters/taskmaster-workshop.yaml',
  workloads: ['../../scenarios/workloads/taskmaster'],
  duration: '10m',
  seed: 3,
  faults: [{ id: 'leak', at: '1m', kind: 'memory-leak', workload: 'taskmaster/backend', rate: '2Mi/s', for: '4m' }],
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
      from: 'heal:leak+4m',
      description: 'The backend recovers once the leak stops',
    },
  ],
});

/**
 * CI-length form of scenarios/gateway-down.ts (seed 004) for real Kubernetes (engine k3d) and the
 * model side by side: the agents joined through gallade's HAProxy; gallade is off for 5 minutes, and
 * meanwhile rathalos loses power for 90 s. The API through gallade goes; the API itself, the
 * workloads and the agent's return do not need it.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'The gateway gallade is off for 5 minutes; rathalos loses power for 90 s meanwhile',
  cluster: './gateway-cluster.yaml',
  workloads: ['../../scenarios/workloads/edgestack'],
  duration: '8m',
  seed: 12,
  faults: [
    { id: 'gateway', at: '30s', kind: 'power-off', node: 'gallade', for: '5m' },
    { id: 'agent', at: '1m30s', kind: 'power-off', node: 'rathalos', for: '90s' },
  ],
  expect: [
    { kind: 'api-unavailable', via: 'gallade', after: 'fault:gateway', within: '10s', description: 'kubectl through gallade fails' },
    { kind: 'api-stays-available', description: 'The API servers themselves carry on' },
    {
      kind: 'node-condition',
      node: 'rathalos',
      status: 'Ready',
      after: 'heal:agent',
      within: '2m',
      description: 'The agent rejoins through the servers it learned, with the gateway still down',
    },
    {
      kind: 'api-available',
      via: 'gallade',
      after: 'heal:gateway',
      within: '1m',
      description: 'kubectl through gallade works again once it is back',
    },
  ],
});

/**
 * Seed 004: gallade, the Rocky Linux box in front of the Pis, runs HAProxy on :6443 for the three
 * API servers, and the agents joined through it. A K3s agent learns every server from the API and
 * then talks to them itself (its client load balancer keeps the list across restarts), so losing
 * the gateway costs kubectl (Lens, anyone given its address) and nothing inside the cluster — even
 * an agent that reboots meanwhile comes back without it.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'The gateway gallade (HAProxy in front of the API servers) is off for 10 minutes; an agent loses power meanwhile',
  cluster: './clusters/ha-gallade.yaml',
  workloads: ['./workloads/ha-gallade'],
  duration: '20m',
  seed: 12,
  faults: [
    { id: 'gateway', at: '2m', kind: 'power-off', node: 'gallade', for: '10m' },
    { id: 'agent', at: '4m', kind: 'power-off', node: 'rathalos', for: '3m' },
  ],
  expect: [
    {
      kind: 'api-unavailable',
      via: 'gallade',
      after: 'fault:gateway',
      within: '1s',
      description: 'kubectl through gallade fails at once',
    },
    { kind: 'api-stays-available', description: 'The API servers themselves carry on' },
    {
      kind: 'node-condition',
      node: 'rathalos',
      status: 'Ready',
      after: 'heal:agent',
      within: '3m',
      description: 'The agent rejoins through the servers it learned, with the gateway still down',
    },
    {
      kind: 'service-availability',
      service: 'default/whoami',
      atLeast: 0.95,
      description: 'whoami keeps serving from the other agents',
    },
    {
      kind: 'api-available',
      via: 'gallade',
      after: 'heal:gateway',
      within: '2m',
      description: 'kubectl through gallade works again once it has booted',
    },
  ],
});

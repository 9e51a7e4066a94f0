/**
 * CI-length form of scenarios/control-plane-down.ts for real Kubernetes (engine k3d) and the
 * model side by side: K3s on the only server stops for 3 minutes; a worker dies meanwhile.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: 'K3s on the only server stops for 3 minutes; a worker dies while it is down',
  cluster: './cluster.yaml',
  workloads: ['../../scenarios/workloads/edgestack'],
  duration: '6m',
  seed: 42,
  faults: [
    { id: 'cp', at: '30s', kind: 'control-plane-down', for: '3m' },
    { id: 'worker', at: '1m30s', kind: 'power-off', node: 'dcn3' },
  ],
  expect: [
    { kind: 'api-unavailable', after: 'fault:cp', within: '5s', description: 'kubectl stops answering as soon as the server is down' },
    { kind: 'workloads-unaffected', from: 'fault:cp', to: 'fault:worker', description: 'Existing pods continue running' },
    {
      kind: 'service-availability',
      service: 'default/web',
      atLeast: 1,
      from: 'fault:cp',
      to: 'fault:worker',
      description: 'The web Service keeps serving',
    },
    { kind: 'no-scheduling', from: 'fault:cp', to: 'heal:cp', description: 'No new scheduling while the control plane is down' },
    {
      kind: 'shown-running',
      node: 'dcn3',
      after: 'fault:worker',
      forAtLeast: '2m',
      description: "The dead worker's pods stay listed as Running: nobody is watching",
    },
    { kind: 'api-available', after: 'heal:cp', within: '2m', description: 'Recovery: the API is back once k3s restarts' },
    {
      kind: 'node-condition',
      node: 'dcn3',
      status: 'NotReady',
      after: 'heal:cp',
      notBefore: '40s',
      // k3s restarts (about a minute on a Pi 3, an estimate: see the range sweep), then its new
      // controller-manager gives every node a full 40 s grace period from its own start (on SQLite
      // without a Lease to wait for: K3s runs it with --leader-elect=false).
      within: '2m30s',
      description: 'The worker lost meanwhile is only noticed a full grace period after the control plane returns',
    },
  ],
});

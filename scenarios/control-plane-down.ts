/**
 * Seed 000's failure table: "Control Plane Down — no new scheduling; existing pods continue
 * running; recovery needed for changes." The single K3s server (dcn1, SQLite) stops for ten
 * minutes; meanwhile a worker loses power. What kubectl shows, and when the cluster reacts.
 */
import { defineScenario } from 'twin';
import cluster from './clusters/edgestack-pi3.js';

export default defineScenario({
  description: 'The only K3s server stops for 10 minutes; a worker dies while it is down',
  cluster,
  workloads: ['./workloads/edgestack'],
  duration: '30m',
  seed: 42,
  faults: [
    { id: 'cp', at: '2m', kind: 'control-plane-down', for: '10m' },
    { id: 'worker', at: '5m', kind: 'power-off', node: 'dcn5' },
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
      node: 'dcn5',
      after: 'fault:worker',
      forAtLeast: '7m',
      description: "Surprise: the dead worker's pods stay listed as Running — nobody is watching",
    },
    { kind: 'api-available', after: 'heal:cp', within: '2m', description: 'Recovery: the API is back once k3s restarts' },
    {
      kind: 'node-condition',
      node: 'dcn5',
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

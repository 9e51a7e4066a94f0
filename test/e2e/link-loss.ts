/**
 * A link-degrade's delay and loss for real Kubernetes (engine k3d) and the model side by side, on the
 * end-to-end cluster. dcn3's link first turns into poor Wi-Fi (200 ms more per packet, 10 % of its packets
 * lost) for 2 minutes, then stalls (12 s per packet) for 2 minutes. On k3d, twin-netq holds or drops the
 * packets its container sends (node-image/netq: this kernel's tc has no netem).
 * TCP retries a lost request within the kubelet's 10 s heartbeat timeout, so poor Wi-Fi changes nothing
 * Kubernetes shows; a 12 s delay outlasts that timeout, so the node goes NotReady after the grace period.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: "dcn3's link gets 200 ms of delay and 10 % loss, then stalls at 12 s per packet",
  cluster: './cluster.yaml',
  workloads: ['../../scenarios/workloads/edgestack'],
  duration: '7m',
  seed: 13,
  faults: [
    { id: 'wifi', at: '30s', kind: 'link-degrade', node: 'dcn3', delay: '200ms', loss: '10%', for: '2m' },
    { id: 'stall', at: '3m', kind: 'link-degrade', node: 'dcn3', delay: '12s', for: '2m' },
  ],
  expect: [
    {
      kind: 'workloads-unaffected',
      from: 'fault:wifi',
      to: 'heal:wifi',
      description: 'Poor Wi-Fi disturbs no pod: TCP gets every heartbeat through within its 10 s timeout',
    },
    {
      kind: 'node-condition',
      node: 'dcn3',
      status: 'NotReady',
      after: 'fault:stall',
      notBefore: '30s',
      within: '70s',
      description: '12 s per packet outlasts the heartbeat timeout: NotReady after the grace period (40 s, K3s v1.31)',
    },
    {
      kind: 'node-condition',
      node: 'dcn3',
      status: 'Ready',
      after: 'heal:stall',
      within: '60s',
      description: 'dcn3 is Ready again once its link is',
    },
  ],
});

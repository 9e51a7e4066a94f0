/**
 * CI-length form of a disk-full fault for real Kubernetes (engine k3d) and the model side by side:
 * dcn3's card fills for 3 minutes. On twin's node image the kubelet directory of a node a disk-full
 * fault names sits on an ext4 disk of its own, which the fault fills with fallocate (node-image/README.md).
 * The kubelet reports DiskPressure, is tainted, evicts its pods one pass at a time, and keeps the
 * condition for the 5 minutes of evictionPressureTransitionPeriod after the card has room again.
 */
import { defineScenario } from 'twin';

export default defineScenario({
  description: "dcn3's SD card fills up for 3 minutes; its pods are evicted and run elsewhere",
  cluster: './cluster.yaml',
  workloads: ['../../scenarios/workloads/edgestack'],
  duration: '10m',
  seed: 5,
  faults: [{ id: 'full', at: '1m', kind: 'disk-full', node: 'dcn3', for: '3m' }],
  expect: [
    {
      kind: 'replacement-ready',
      workload: 'web',
      after: 'fault:full',
      within: '3m',
      description: 'The web pods evicted from dcn3 run again on the other nodes',
    },
    { kind: 'service-availability', service: 'default/web', atLeast: 0.9, description: 'The web Service keeps serving' },
  ],
});

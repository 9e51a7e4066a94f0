/**
 * Seed 000's OOM pressure with Edge-Pulse (zram plus a USB swap file below Kubernetes): the same
 * 850Mi taken outside Kubernetes on dcn2 for two minutes. The kernel swaps what lies outside
 * Kubernetes (the filler, the OS, K3s: pods get no swap under K3s's default NoSwap) into zram, then
 * about 258Mi into the file, so it never reaches the OOM killer: no pod is killed. The cost: writing
 * those pages at the USB drive's 4K random write rate keeps it saturated for about 26 s (the
 * `node.swap` events), and readiness probes on dcn2 time out meanwhile (an estimate: see
 * swapPagesPerProbe). Postgres on dcn2 goes unready after 3 failed probes 10 s apart: a 26 s stall
 * holds 2 or 3 probe times depending on the probe's phase (3 in 6 of 10 phases), so whether it drops
 * out of its Service for a moment is luck; once the writes end its next probe passes. A swap file on
 * the microSD card (1,000 IOPS: about 66 s) would drop it every time. Compare scenarios/oom-pressure-pi3.ts.
 */
import { defineScenario } from 'twin';
import cluster from './clusters/edgestack-pi3-edge-pulse.js';

export default defineScenario({
  description: 'dcn2 runs out of memory outside Kubernetes for 2 minutes, with zram and a USB swap file',
  cluster,
  workloads: ['./workloads/edgestack'],
  duration: '8m',
  seed: 11,
  faults: [{ id: 'fill', at: '1m', kind: 'memory-fill', node: 'dcn2', amount: '850Mi', for: '2m' }],
  expect: [
    { kind: 'no-oom-kills', description: 'zram and the swap file absorb the overflow: the kernel OOM killer never acts' },
    { kind: 'service-availability', service: 'default/web', atLeast: 1, description: 'The web Service keeps serving' },
    {
      kind: 'pods-ready',
      workload: 'StatefulSet/default/postgres',
      atLeast: 1,
      from: 'fault:fill+1m',
      description: 'Postgres on dcn2 is Ready again within a probe period of the 26 s of swap file writes ending, and stays so',
    },
  ],
});

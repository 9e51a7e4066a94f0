// Example: a resilience test for your own CI. Copy this file into your project's tests,
// point it at your cluster and manifests, and run it with vitest.
import { describe, expect, it } from 'vitest';
import { checkResilience, deploymentsRecover, loadClusterFile, loadManifests } from 'twin/testing';

describe('our Pi cluster', () => {
  it('recovers every Deployment after any two node failures', async () => {
    const cluster = await loadClusterFile('scenarios/clusters/edgestack-pi4.yaml');
    const workloads = loadManifests(['scenarios/workloads/edgestack']).map((m) => m.object);

    const result = checkResilience(cluster, workloads, deploymentsRecover({ within: '10m' }), {
      runs: 40,
      seed: 2026,
      bounds: { kinds: ['power-off', 'reboot', 'k3s-restart', 'partition'], maxFaults: 2 },
    });

    // On failure this prints the minimal schedule and how to replay it.
    expect(result.failure?.explanation ?? 'ok').toBe('ok');
    expect(result.ok).toBe(true);
  });
});

/**
 * A check on worker threads gives the result of one thread for the same seed: the same first
 * failure, the same shrunk minimal schedule, the same fast-check path and the same counts.
 */
import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../src/errors.js';
import { cluster, deployment, service } from './helpers/sim.js';
import { checkResilience } from '../src/testing/check.js';
import { checkResilienceOnWorkers, type CheckJob } from '../src/testing/parallel.js';
import { propertyFromSpec } from '../src/testing/properties.js';

const nodes = [{ name: 's1', role: 'server' as const }, ...['w1', 'w2', 'w3', 'w4', 'w5', 'w6'].map((name) => ({ name }))];
/** Two replicas forced onto w1: a fault on w1 (one schedule in six or so) breaks the Service. */
const fragile: CheckJob = {
  cluster: cluster(nodes),
  bounds: { kinds: ['power-off', 'reboot'], maxFaults: 1 },
  objects: [
    deployment('frontend', 2, { requests: { cpu: '50m', memory: '32Mi' }, spec: { nodeSelector: { 'kubernetes.io/hostname': 'w1' } } }),
    service('frontend'),
  ],
  property: { name: 'service-availability', service: 'default/frontend', atLeast: 0.99 },
  runs: 40,
};
/** Spread replicas and a property about the API on a single server: nothing a worker fault breaks. */
const sturdy: CheckJob = {
  cluster: cluster(nodes),
  objects: [deployment('api', 3, { requests: { cpu: '50m', memory: '32Mi' } })],
  property: { name: 'deployments-recover', within: '10m' },
  runs: 12,
  bounds: { kinds: ['reboot', 'k3s-restart'], nodes: ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'] },
};

const single = (job: CheckJob, seed: number) =>
  checkResilience(job.cluster, job.objects, propertyFromSpec(job.property), {
    ...(job.runs !== undefined ? { runs: job.runs } : {}),
    ...(job.bounds ? { bounds: job.bounds } : {}),
    seed,
  });

describe('twin check on worker threads', () => {
  it('finds and shrinks the same first failure with 1, 2 and 3 workers', async () => {
    const reference = single(fragile, 2);
    expect(reference.ok).toBe(false);
    expect(reference.runs, 'a failure after some passing runs').toBeGreaterThan(2);
    for (const workers of [1, 2, 3]) {
      const result = await checkResilienceOnWorkers(fragile, { workers, seed: 2 });
      expect(JSON.stringify(result), `${workers} worker(s)`).toBe(JSON.stringify(reference));
    }
  });

  it('passes with the same counts with 1, 2 and 3 workers', async () => {
    const reference = single(sturdy, 3);
    expect(reference.ok).toBe(true);
    for (const workers of [1, 2, 3]) {
      const result = await checkResilienceOnWorkers(sturdy, { workers, seed: 3 });
      expect(JSON.stringify(result), `${workers} worker(s)`).toBe(JSON.stringify(reference));
    }
  });

  it("stops its workers when the signal aborts (Ctrl-C), with the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new InterruptedError('run interrupted');
    const started = checkResilienceOnWorkers(
      { ...sturdy, runs: 5000 },
      { workers: 2, seed: 3, signal: controller.signal, onRun: () => controller.abort(reason) },
    );
    await expect(started).rejects.toBe(reason);
  });
});

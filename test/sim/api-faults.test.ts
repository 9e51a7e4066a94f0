/**
 * Faults that go through the API (kubectl scale, kubectl rollout restart) fail while no API
 * server answers, as kubectl does ("The connection to the server … was refused"); they are not
 * queued for later.
 */
import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/runner/run-scenario.js';

describe('faults through the API', () => {
  it('a scale while the control plane is down fails with fault.failed and changes nothing, then or later', async () => {
    const scenario = await resolveScenario(
      {
        cluster: 'clusters/edgestack-pi3.ts',
        workloads: ['workloads/edgestack'],
        duration: '15m',
        seed: 3,
        faults: [
          { id: 'cp', at: '1m', kind: 'control-plane-down', for: '5m' },
          { id: 'grow', at: '3m', kind: 'scale', workload: 'Deployment/default/web', replicas: 5 },
          { id: 'restart', at: '4m', kind: 'rollout-restart', workload: 'Deployment/default/web' },
        ],
        expect: [{ kind: 'api-available', after: 'fault:cp', within: '10m' }],
      },
      'api-faults.ts',
      'scenarios',
    );
    const report = await runScenario(scenario);
    const failed = report.timeline.events.filter((e) => e.kind === 'fault.failed');
    expect(failed.map((e) => e.subject)).toEqual(['fault/grow', 'fault/restart']);
    expect(failed[0]!.message).toMatch(/kubectl scale --replicas=5 failed: the connection to the API server was refused/);
    const created = report.timeline.events.filter((e) => e.kind === 'pod.created' && /^pod\/default\/web-/.test(e.subject));
    expect(created.filter((e) => e.t > report.phase.start)).toHaveLength(0);
  });

  it('the same scale with the API up is applied', async () => {
    const scenario = await resolveScenario(
      {
        cluster: 'clusters/edgestack-pi3.ts',
        workloads: ['workloads/edgestack'],
        duration: '10m',
        seed: 3,
        faults: [{ id: 'grow', at: '1m', kind: 'scale', workload: 'Deployment/default/web', replicas: 5 }],
        expect: [{ kind: 'pods-ready', workload: 'Deployment/default/web', atLeast: 5, from: 'end' }],
      },
      'api-faults.ts',
      'scenarios',
    );
    const report = await runScenario(scenario);
    expect(report.timeline.events.filter((e) => e.kind === 'fault.failed')).toHaveLength(0);
    const created = report.timeline.events.filter((e) => e.kind === 'pod.created' && /^pod\/default\/web-/.test(e.subject));
    expect(created.filter((e) => e.t > report.phase.start).length).toBeGreaterThan(0);
  });
});

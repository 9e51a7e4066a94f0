import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../src/scenario/load.js';
import { runScenario } from '../src/runner/run-scenario.js';

describe('fault triggers', () => {
  it('a fault can fire a delay after a timeline event ("30 s after dcn3 is NotReady")', async () => {
    const scenario = await resolveScenario(
      {
        cluster: 'clusters/edgestack-pi3.ts',
        workloads: ['workloads/edgestack'],
        duration: '15m',
        seed: 4,
        faults: [
          { id: 'first', at: '1m', kind: 'power-off', node: 'dcn3' },
          { id: 'second', at: { after: { kind: 'node.condition', subject: 'node/dcn3', details: { status: 'Unknown' } }, delay: '30s' }, kind: 'power-off', node: 'dcn4' },
        ],
        expect: [{ kind: 'node-condition', node: 'dcn4', status: 'NotReady', after: 'fault:second', within: '60s' }],
      },
      'trigger-test.ts',
      'scenarios',
    );
    const report = await runScenario(scenario);
    const notReady = report.timeline.events.find((e) => e.kind === 'node.condition' && e.subject === 'node/dcn3' && e.details?.['status'] === 'Unknown')!;
    const second = report.faults.find((f) => f.id === 'second')!;
    expect(second.injectedAt! - notReady.t).toBeCloseTo(30, 2);
    expect(report.status).toBe('pass');
  });
});

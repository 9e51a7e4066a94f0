import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../src/scenario/load.js';
import { runScenario } from '../src/runner/run-scenario.js';
import { faultSteps } from '../src/scenario/fault-plan.js';

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
          {
            id: 'second',
            at: { after: { kind: 'node.condition', subject: 'node/dcn3', details: { status: 'Unknown' } }, delay: '30s' },
            kind: 'power-off',
            node: 'dcn4',
          },
        ],
        expect: [{ kind: 'node-condition', node: 'dcn4', status: 'NotReady', after: 'fault:second', within: '60s' }],
      },
      'trigger-test.ts',
      'scenarios',
    );
    const report = await runScenario(scenario);
    const notReady = report.timeline.events.find(
      (e) => e.kind === 'node.condition' && e.subject === 'node/dcn3' && e.details?.['status'] === 'Unknown',
    )!;
    const second = report.faults.find((f) => f.id === 'second')!;
    expect(second.injectedAt! - notReady.t).toBeCloseTo(30, 2);
    expect(report.status).toBe('pass');
  });
});

describe('one vocabulary, resolved once at the edge', () => {
  const base = { cluster: 'clusters/edgestack-pi3.ts', workloads: ['workloads/edgestack'], duration: '20m' } as const;

  it("turns every quantity, duration and anchor into numbers, and plans each fault's steps", async () => {
    const scenario = await resolveScenario(
      {
        ...base,
        faults: [
          { id: 'leak', at: '1m', for: '5m', kind: 'memory-leak', workload: 'api', rate: '2Mi/s' },
          { id: 'fill', at: 90, kind: 'memory-fill', node: 'dcn2', amount: '512Mi' },
          { id: 'wifi', at: '2m', for: '1m', kind: 'link-degrade', node: 'dcn2', bandwidth: '10Mbit/s' },
          { id: 'half', at: '2m', kind: 'link-degrade', node: 'dcn3', bandwidth: 0.5 },
          { id: 'lossy', at: '2m', kind: 'link-degrade', node: 'dcn4', delay: '150ms', loss: '2.5%' },
          { id: 'sd', at: '3m', for: '1m', kind: 'slow-storage', node: 'dcn2', latency: '800ms' },
          { id: 'cut', at: '4m', for: '2m', kind: 'site-power-cut', interval: '30s' },
        ],
        expect: [
          { kind: 'node-condition', node: 'dcn2', status: 'NotReady', after: 'heal:cut+2m', within: '5m', notBefore: '10s' },
          { id: 'window', kind: 'pods-ready', workload: 'web', atLeast: 1, from: '5m+30s' },
          { kind: 'api-available', after: 30, within: 60 },
        ],
      },
      'resolve-test.ts',
      'scenarios',
    );
    const byId = new Map(scenario.faults.map((f) => [f.id, f]));
    expect(byId.get('leak')).toMatchObject({
      fault: { kind: 'memory-leak', rate: 2 * 1024 ** 2 },
      at: 60,
      revertAfter: 300,
      revert: { fault: { rate: 0 }, description: 'memory-leak api at 0' },
    });
    expect(byId.get('fill')?.fault).toEqual({ kind: 'memory-fill', node: 'dcn2', amount: 512 * 1024 ** 2 });
    expect(byId.get('wifi')?.fault).toEqual({ kind: 'link-degrade', node: 'dcn2', bandwidth: { bitsPerSecond: 10e6 }, delay: 0, loss: 0 });
    expect(byId.get('half')?.fault).toEqual({ kind: 'link-degrade', node: 'dcn3', bandwidth: { fraction: 0.5 }, delay: 0, loss: 0 });
    expect(byId.get('lossy')).toMatchObject({
      fault: { kind: 'link-degrade', node: 'dcn4', bandwidth: null, delay: 0.15, loss: 0.025 },
      description: 'link-degrade dcn4 +150ms delay, 2.5% loss',
    });
    expect(byId.get('sd')?.fault).toEqual({ kind: 'slow-storage', node: 'dcn2', latency: 0.8 });
    expect(byId.get('cut')).toMatchObject({
      fault: { kind: 'site-power-cut', interval: 30 },
      revert: { fault: { kind: 'site-power-restore', interval: 30 } },
    });
    expect(faultSteps(byId.get('leak')!).map((s) => [s.offset, s.event.kind, s.event.subject, s.event.message])).toEqual([
      [0, 'fault.injected', 'fault/leak', 'fault leak: memory-leak api at 2Mi/s'],
      [300, 'fault.healed', 'fault/leak', 'fault leak healed: memory-leak api at 0'],
    ]);
    // No `for`: no heal step.
    expect(faultSteps(byId.get('half')!)).toHaveLength(1);

    const [condition, window, api] = scenario.expectations;
    expect(condition).toMatchObject({
      id: 'e1',
      within: 300,
      notBefore: 10,
      after: { ref: 'heal', id: 'cut', offset: 120, label: 'healing of cut+2m' },
    });
    expect(window).toMatchObject({ id: 'window', from: { ref: 'start', offset: 330 }, to: { ref: 'end', offset: 0 } });
    expect(api).toMatchObject({ within: 60, after: { ref: 'start', offset: 30, label: '30s into the faults' } });
    expect(scenario.workloads.workloads.map((w) => w.key)).toContain('Deployment/default/api');
  });

  it('reports every bad quantity and anchor at its field, once, at load', async () => {
    const load = resolveScenario(
      {
        ...base,
        faults: [
          { id: 'cut', at: '1m', for: '2m', kind: 'site-power-cut', interval: 'soon' },
          { id: 'lossy', at: '1m', kind: 'link-degrade', node: 'dcn2', loss: '120%', delay: '2m' },
          { id: 'none', at: '1m', kind: 'link-degrade', node: 'dcn2' },
        ],
        expect: [
          { kind: 'api-available', after: 'fault:nope+1m', within: '1m' },
          { kind: 'no-oom-kills', from: 'later', to: 'end+x' },
        ],
      },
      'bad.ts',
      'scenarios',
    );
    await expect(load).rejects.toThrow(
      [
        'bad.ts: faults[0].interval: "soon" is not a valid duration; write e.g. 40s, 5m, 1h30m or 250ms',
        'bad.ts: faults[1].delay: 120 s is longer than twin holds a packet (use at most 60s)',
        'bad.ts: faults[1].loss: "120%" is not a loss: write a percentage from 0% to 100%, e.g. 5%',
        'bad.ts: faults[2]: link-degrade changes nothing (give bandwidth: 10Mbit/s or 0.5, delay: 200ms or loss: 5%)',
        'bad.ts: expect[0].after: no fault with id "nope" (fault ids: cut, lossy, none)',
        'bad.ts: expect[1].from: "later" is not a valid duration; write e.g. 40s, 5m, 1h30m or 250ms',
        'bad.ts: expect[1].to: "x" is not a valid duration; write e.g. 40s, 5m, 1h30m or 250ms',
      ].join('\n'),
    );
  });

  it('an anchor on a fault that never fired is a failed expectation, not an error', async () => {
    const scenario = await resolveScenario(
      {
        ...base,
        duration: '3m',
        faults: [{ id: 'never', at: { after: { kind: 'node.condition', subject: 'node/dcn9' } }, kind: 'reboot', node: 'dcn2' }],
        expect: [{ kind: 'node-condition', node: 'dcn2', status: 'NotReady', after: 'fault:never', within: '1m' }],
      },
      'never.ts',
      'scenarios',
    );
    const report = await runScenario(scenario);
    expect(report.expectations[0]).toMatchObject({
      status: 'fail',
      observed: 'the anchor never happened',
      explanation: 'fault never is not in the timeline',
    });
  });
});

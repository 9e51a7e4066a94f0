import { describe, expect, it } from 'vitest';
import type { RunPlan } from '../../src/engines/engine.js';
import { simEngine } from '../../src/engines/sim/engine.js';
import { readWorkloads } from '../../src/model/workloads.js';
import { planFault } from '../../src/scenario/fault-plan.js';
import { Problems } from '../../src/scenario/fields.js';
import { cluster, deployment } from '../helpers/sim.js';

const objects = [deployment('web', 2)];
const plan: RunPlan = {
  cluster: cluster([{ name: 's', role: 'server' }, { name: 'a' }]),
  objects,
  workloads: readWorkloads(objects),
  faults: [],
  duration: 3600,
  seed: 1,
  bringUpTimeout: 3600,
  sampleInterval: 10,
};

describe('sim engine and AbortSignal', () => {
  it('rejects with the reason when the signal is already aborted', async () => {
    const reason = new Error('not wanted');
    await expect(simEngine.run(plan, undefined, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('stops with the reason when aborted during the run', async () => {
    const controller = new AbortController();
    const reason = new Error('seen enough');
    const observer = { onEvent: (event: { kind: string }) => (event.kind === 'node.booted' ? controller.abort(reason) : undefined) };
    await expect(simEngine.run(plan, observer, { signal: controller.signal })).rejects.toBe(reason);
  });

  it('lets an abort from outside through a long run', async () => {
    // Ten virtual years of a two-node cluster take tens of seconds of work: far longer than the
    // 10 ms timer, however fast the model gets (14 days took ~0.1 s in December 2026, too close).
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('timed out')), 10);
    await expect(simEngine.run({ ...plan, duration: 10 * 365 * 24 * 3600 }, undefined, { signal: controller.signal })).rejects.toThrow(
      'timed out',
    );
  });

  it('gives the same result with a signal as without (runs in slices, same timeline)', async () => {
    const withFaults: RunPlan = {
      ...plan,
      faults: [
        planFault({ id: 'f1', kind: 'power-off', node: 'a', at: 65, for: 400 }, 0, new Problems()),
        planFault(
          { id: 'f2', kind: 'partition', groups: [['s']], at: { after: { kind: 'node.power', subject: 'node/a' }, delay: 7 }, for: 100 },
          1,
          new Problems(),
        ),
      ],
    };
    const plain = await simEngine.run(withFaults);
    const sliced = await simEngine.run(withFaults, undefined, { signal: new AbortController().signal });
    expect(sliced.timeline.events.some((e) => e.kind === 'fault.healed')).toBe(true);
    expect(sliced).toEqual(plain);
  });
});

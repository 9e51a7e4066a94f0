import { describe, expect, it } from 'vitest';
import type { TimelineEvent, TimelineEventKind } from '../../src/model/timeline.js';
import { planFault } from '../../src/scenario/fault-plan.js';
import type { Fault } from '../../src/scenario/faults.js';
import { Problems } from '../../src/scenario/fields.js';
import { loadScenarioFile, planOf, type PlannedFault } from '../../src/scenario/load.js';
import type { Clock } from '../../src/engines/k3d/clock.js';
import { interruptible } from '../../src/engines/k3d/clock.js';
import { runNames } from '../../src/engines/k3d/run-names.js';
import { createExec } from '../../src/engines/k3d/exec.js';
import { runFaults } from '../../src/engines/k3d/schedule.js';
import type { NodeMemoryFaults } from '../../src/engines/k3d/memory.js';

/** A clock on virtual time that moves to the next timer only once everything else has settled (one timer per macrotask). */
function steppedClock(): Clock & { stop(): void } {
  let now = 0;
  const timers: Array<{ at: number; seq: number; resolve: () => void }> = [];
  let seq = 0;
  const driver = setInterval(() => {
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = timers.shift();
    if (!next) return;
    now = Math.max(now, next.at);
    next.resolve();
  }, 0);
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason as Error);
        const timer = { at: now + ms, seq: seq++, resolve };
        timers.push(timer);
        signal?.addEventListener(
          'abort',
          () => {
            const pending = timers.indexOf(timer);
            if (pending < 0) return;
            timers.splice(pending, 1);
            reject(signal.reason as Error);
          },
          { once: true },
        );
      }),
    stop: () => clearInterval(driver),
  };
}

const scenario = await loadScenarioFile('scenarios/worker-power-loss.ts');
const basePlan = planOf(scenario);
const node = (name: string) => basePlan.cluster.nodes.find((n) => n.name === name)!;
const after = (kind: string, subject: string, details: Record<string, string>, delay: number) => ({
  after: { kind: kind as TimelineEventKind, subject, details },
  delay,
});

describe('k3d fault schedule', () => {
  const triggeredFaultTitle =
    'fires a triggered fault `delay` s after the first matching event of the fault phase, heals it, and never after the phase';
  it(triggeredFaultTitle, async () => {
    const faults: PlannedFault[] = [
      { id: 'timed', at: 10, kind: 'power-off', node: 'dcn2' },
      { id: 'chained', at: after('node.condition', 'node/dcn2', { status: 'Unknown' }, 30), for: 20, kind: 'power-off', node: 'dcn3' },
      { id: 'early', at: after('node.condition', 'node/dcn4', { status: 'Unknown' }, 0), kind: 'reboot', node: 'dcn4' },
      { id: 'late', at: after('node.condition', 'node/dcn2', { status: 'Unknown' }, 500), kind: 'reboot', node: 'dcn2' },
      { id: 'on-fault', at: after('fault.injected', 'fault/timed', {}, 5), kind: 'scale', workload: 'default/web', replicas: 1 },
    ].map((fault, i) => planFault(fault as Fault, i, new Problems()));
    const plan = { ...basePlan, faults, duration: 100 };
    const clock = steppedClock();
    const exec = createExec({ dryRun: true });
    let listener: ((event: TimelineEvent) => void) | null = null;
    const seen: TimelineEvent[] = [];
    const condition = (t: number, name: string): TimelineEvent => ({
      t,
      kind: 'node.condition',
      subject: `node/${name}`,
      view: 'api',
      message: '',
      details: { type: 'Ready', status: 'Unknown' },
    });
    // The run's origin is 0 and its fault phase starts at 1 s: dcn4's event comes before it.
    const emitAt = (t: number, event: TimelineEvent) => void clock.sleep(t * 1000).then(() => listener?.(event));
    emitAt(0.5, condition(0.5, 'dcn4'));
    emitAt(40, condition(40, 'dcn2'));
    emitAt(50, condition(50, 'dcn2'));
    const events = await runFaults(
      {
        exec,
        calibration: { singleCoreEvents: null, cores: 4, source: 'test' },
        stateDir: '.twin',
        names: runNames(basePlan.cluster, 'ab12cd'),
        clock,
      },
      plan,
      1000,
      {
        origin: 0,
        record: (event) => {
          seen.push(event);
          // The schedule's own events reach the triggers too, on the run's time line.
          listener?.({ ...event, t: event.t + 1 });
        },
        observe: (l) => {
          listener = l;
          return () => (listener = null);
        },
      },
    ).finally(() => clock.stop());
    expect(events).toEqual(seen);
    expect(events.map((e) => `${e.t} ${e.kind} ${e.subject}`)).toEqual([
      '10 fault.injected fault/timed',
      '15 fault.injected fault/on-fault',
      '69 fault.injected fault/chained',
      '89 fault.healed fault/chained',
      '89 node.power node/dcn3',
    ]);
    const kill = (name: string) =>
      exec.transcript.indexOf(`docker kill --signal KILL ${runNames(plan.cluster, 'ab12cd').container(node(name))}`);
    expect(kill('dcn3')).toBeGreaterThan(kill('dcn2'));
    expect(exec.transcript.filter((l) => l.startsWith('docker restart'))).toEqual([]);
    expect(exec.transcript).toContain(`docker start ${runNames(plan.cluster, 'ab12cd').container(node('dcn3'))}`);
  });

  it('records a memory fault when it took effect on the node, with how long after the ask', async () => {
    const clock = steppedClock();
    // The hog starts 7 s after it was asked for and is gone 2 s after its kill; the leak never reaches a container.
    const memory = {
      fill: (_node: string, bytes: number) => Promise.resolve({ tookEffect: clock.sleep(bytes > 0 ? 7000 : 2000).then(() => clock.now()) }),
      leak: () => Promise.resolve(undefined),
    } as unknown as NodeMemoryFaults;
    const faults = [
      { id: 'fill', at: 30, for: 60, kind: 'memory-fill', node: 'dcn2', amount: '850Mi' },
      { id: 'leak', at: 120, kind: 'memory-leak', workload: 'default/web', rate: '8Mi/s' },
      { id: 'off', at: 31, kind: 'power-off', node: 'dcn3' },
    ].map((fault, i) => planFault(fault as Fault, i, new Problems()));
    const events = await runFaults(
      {
        exec: createExec({ dryRun: true }),
        calibration: { singleCoreEvents: null, cores: 4, source: 'test' },
        stateDir: '.twin',
        names: runNames(basePlan.cluster, 'ab12cd'),
        clock,
        memory,
      },
      { ...basePlan, faults, duration: 200 },
      0,
    ).finally(() => clock.stop());
    expect(events.map((e) => `${e.t} ${e.kind} ${e.subject} ${String(e.details?.['effectLag'])}`)).toEqual([
      // Asked for at 31 s, recorded then (a power-off is a `docker kill`, its effect at once): the hog's start held nothing up.
      '31 fault.injected fault/off undefined',
      '37 fault.injected fault/fill 7',
      '92 fault.healed fault/fill 2',
      // No container took the leak: its time stays where twin asked.
      '120 fault.injected fault/leak undefined',
    ]);
    expect(events[1]?.message).toContain('took effect on the node 7 s after twin asked');
  });

  it('a dry run says which faults wait for an event (none is observed there)', async () => {
    const faults: PlannedFault[] = [
      planFault(
        { id: 'f1', at: after('node.condition', 'node/dcn2', { status: 'Unknown' }, 30), kind: 'power-off', node: 'dcn3' },
        0,
        new Problems(),
      ),
    ];
    const exec = createExec({ dryRun: true });
    const clock = steppedClock();
    const events = await runFaults(
      {
        exec,
        calibration: { singleCoreEvents: null, cores: 4, source: 'test' },
        stateDir: '.twin',
        names: runNames(basePlan.cluster, 'ab12cd'),
        clock,
        dryRun: true,
      },
      { ...basePlan, faults, duration: 10 },
      0,
    ).finally(() => clock.stop());
    expect(events).toEqual([]);
    expect(exec.transcript).toEqual([
      '# fault f1 waits for an event (30 s after the first node.condition of node/dcn2 {"status":"Unknown"} in the fault phase): ' +
        'power-off dcn3; a dry run observes none',
    ]);
  });

  it("aborting the run ends its waits with the signal's reason", async () => {
    const run = new AbortController();
    const clock = steppedClock();
    const exec = createExec({ dryRun: true });
    const reason = new Error('interrupted by the user');
    const plan = {
      ...basePlan,
      faults: [planFault({ id: 'f', at: 60, kind: 'power-off', node: 'dcn2' }, 0, new Problems())],
      duration: 100,
    };
    const running = runFaults(
      {
        exec,
        calibration: { singleCoreEvents: null, cores: 4, source: 'test' },
        stateDir: '.twin',
        names: runNames(basePlan.cluster, 'ab12cd'),
        clock: interruptible(clock, run.signal),
        signal: run.signal,
      },
      plan,
      0,
    );
    // Aborted while the schedule waits for its first step (the clock moves on the next macrotask).
    run.abort(reason);
    await expect(running).rejects.toBe(reason);
    clock.stop();
    expect(exec.transcript).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { Engine } from '../src/engines/engine.js';
import { simEngine } from '../src/engines/sim/engine.js';
import { EngineUnavailableError, InterruptedError } from '../src/errors.js';
import type { Reporter } from '../src/runner/reporter.js';
import { runScenarios } from '../src/runner/runner.js';
import { loadScenarioFile } from '../src/scenario/load.js';

const file = 'test/e2e/control-plane-down.ts';

/** The sim engine under another name, counting what the runner asks of it. */
function counted(name: string, overrides: Partial<Engine> = {}) {
  const calls = { available: 0, supports: 0, run: 0 };
  const engine: Engine = {
    ...simEngine,
    name,
    available: () => (calls.available++, simEngine.available()),
    supports: (plan) => (calls.supports++, simEngine.supports(plan)),
    run: (plan, observer, options) => (calls.run++, simEngine.run(plan, observer, options)),
    ...overrides,
  };
  return { engine, calls };
}

function recorder(): Reporter & { readonly log: string[] } {
  const log: string[] = [];
  let events = 0;
  return {
    log,
    onRunStart: ({ scenarios, engines }) => void log.push(`start ${scenarios.length}×${engines.map((e) => e.name).join(',')}`),
    onScenarioStart: (scenario, engine) => void log.push(`scenario ${scenario.name} on ${engine.name}`),
    onEvent: () => void events++,
    onScenarioEnd: (report) =>
      void log.push(`end ${report.engine} ${report.status}${report.comparison ? ' compared' : ''} events>0:${events > 0}`),
    onRunEnd: (reports, end) => void log.push(`run end ${reports.length}${end.error ? ` ${(end.error as Error).name}` : ''}`),
  };
}

describe('runner', () => {
  it('probes each engine once, asks supports() for every scenario × engine, and feeds every hook in order', async () => {
    const model = counted('model');
    const real = counted('real');
    const reporter = recorder();
    const scenario = await loadScenarioFile(file);
    const reports = await runScenarios([file, scenario], { engines: [model.engine, real.engine], reporters: [reporter] });
    expect(reports.map((r) => r.engine)).toEqual(['model', 'real', 'model', 'real']);
    expect(model.calls).toEqual({ available: 1, supports: 2, run: 2 });
    expect(real.calls).toEqual({ available: 1, supports: 2, run: 2 });
    expect(reports[1]?.comparison?.engines).toEqual({ model: 'model', real: 'real' });
    expect(reports[0]?.comparison).toBeUndefined();
    expect(reporter.log).toEqual([
      'start 2×model,real',
      'scenario control-plane-down on model',
      'end model pass events>0:true',
      'scenario control-plane-down on real',
      'end real pass compared events>0:true',
      'scenario control-plane-down on model',
      'end model pass events>0:true',
      'scenario control-plane-down on real',
      'end real pass compared events>0:true',
      'run end 4',
    ]);
  });

  it('a refusal stops the run before anything starts, with one line naming every refusal', async () => {
    const picky = counted('picky', {
      supports: () => Promise.resolve([{ subject: 'fault cp (control-plane-down)', reason: 'no control plane to stop' }]),
    });
    const reporter = recorder();
    const run = runScenarios([file], { engines: ['sim', picky.engine], reporters: [reporter] });
    await expect(run).rejects.toThrow(EngineUnavailableError);
    await expect(run).rejects.toThrow(/^engine picky cannot run this scenario: fault cp \(control-plane-down\): no control plane to stop$/);
    expect(picky.calls.run).toBe(0);
    expect(reporter.log).toEqual([]);
  });

  it('an unavailable engine is refused with its reason; an unknown one is bad input', async () => {
    const absent = counted('absent', { available: () => Promise.resolve({ available: false, reason: 'no host for it' }) });
    await expect(runScenarios([file], { engines: [absent.engine] })).rejects.toThrow(/^engine absent unavailable: no host for it$/);
    await expect(runScenarios([file], { engines: ['nope'] })).rejects.toThrow(/--engine: unknown engine "nope"/);
  });

  it('aborting passes the signal to the engine, starts nothing further and rejects with the reason', async () => {
    const controller = new AbortController();
    const seen: Array<AbortSignal | undefined> = [];
    const first = counted('first', {
      run: (plan, observer, options) => {
        seen.push(options?.signal);
        controller.abort(new InterruptedError('run interrupted'));
        return simEngine.run(plan, observer, {});
      },
    });
    const second = counted('second');
    const reporter = recorder();
    await expect(
      runScenarios([file], { engines: [first.engine, second.engine], reporters: [reporter], signal: controller.signal }),
    ).rejects.toThrow(InterruptedError);
    expect(seen).toEqual([controller.signal]);
    expect(second.calls.run).toBe(0);
    expect(reporter.log.at(-1)).toBe('run end 1 InterruptedError');
  });
});

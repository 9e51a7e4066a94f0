/** The embedded engine: the discrete-event model, orders of magnitude faster than real time. */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { stringify } from 'yaml';
import { faultSteps, triggerMatches } from '../../scenario/fault-plan.js';
import { createSimulation } from '../../sim/index.js';
import { Priority } from '../../sim/priority.js';
import type { Simulation } from '../../sim/simulation.js';
import type { Engine, EngineResult, EngineRunOptions, PlannedFault, RunObserver, RunPlan } from '../engine.js';
import { applyFault } from './apply.js';
import { prepareLiveStart, settleLiveStart } from './live-start.js';

/**
 * With a signal, the run pauses every this many virtual seconds to look at it. Running in
 * slices gives the same timeline: nothing is scheduled between two slices.
 */
const sliceSeconds = 10;
/** Wall milliseconds of model work between turns of the event loop, so an abort (Ctrl-C) gets through. */
const turnMilliseconds = 50;

function inject(sim: Simulation, planned: PlannedFault): void {
  for (const step of faultSteps(planned)) {
    const apply = () => {
      sim.emit(step.event.kind, step.event.subject, 'truth', step.event.message, step.event.details);
      const failed = applyFault(sim, step.fault, `fault ${step.id}${step.heal ? ' healed' : ''}`);
      if (failed !== undefined) sim.emit('fault.failed', step.event.subject, 'api', `${step.id}: ${failed}`, { fault: step.fault.kind });
    };
    if (step.heal) sim.after(step.offset, Priority.fault, apply);
    else apply();
  }
}

/**
 * The run as a generator that pauses (yields) every `slice` virtual seconds: bring-up until
 * the workloads are ready (or its timeout), then the faults and the observation phase.
 */
function* runInSlices(plan: RunPlan, observer: RunObserver | undefined, slice: number): Generator<void, EngineResult, void> {
  const sim = createSimulation({
    cluster: plan.cluster,
    workloads: plan.workloads,
    seed: plan.seed,
    sampleInterval: plan.sampleInterval,
    ...(plan.series === false ? { series: false } : {}),
  });
  if (observer?.onEvent) sim.onEvent(observer.onEvent);
  if (plan.live) prepareLiveStart(sim, plan.live);
  const workloadsReady = () => sim.bringUp.workloadsReady !== null;
  let ready: number | null = null;
  for (let limit = Math.min(slice, plan.bringUpTimeout); ; limit = Math.min(limit + slice, plan.bringUpTimeout)) {
    ready = sim.runUntilCondition(workloadsReady, limit);
    if (ready !== null || limit >= plan.bringUpTimeout) break;
    yield;
  }
  const phaseStart = sim.now;
  if (ready === null) {
    sim.emit('bringup.step', 'bringup', 'api', `bring-up incomplete after ${plan.bringUpTimeout} s; faults start anyway`, {
      step: 'timeout',
    });
  }
  const live = plan.live ? settleLiveStart(sim, plan.live) : undefined;
  for (const planned of plan.faults) {
    const at = planned.at;
    if (typeof at === 'number') {
      sim.at(phaseStart + at, Priority.fault, () => inject(sim, planned));
      continue;
    }
    let fired = false;
    sim.onEvent((event) => {
      if (fired || event.t < phaseStart || !triggerMatches(event, at.after)) return;
      fired = true;
      sim.after(at.delay, Priority.fault, () => inject(sim, planned));
    });
  }
  const phaseEnd = phaseStart + plan.duration;
  for (let until = Math.min(phaseStart + slice, phaseEnd); ; until = Math.min(until + slice, phaseEnd)) {
    sim.runUntil(until);
    if (until >= phaseEnd) break;
    yield;
  }
  sim.emit('run.finished', 'cluster', 'truth', `run finished after ${plan.duration} s of faults and observation`);
  // Reported at the timeline's resolution (events carry millisecond times).
  const ms = (t: number) => Math.round(t * 1000) / 1000;
  return {
    timeline: sim.timeline(),
    phaseStart: ms(phaseStart),
    phaseEnd: ms(phaseEnd),
    bringUp: {
      apiAvailable: sim.bringUp.apiFirstAvailable,
      clusterReady: sim.bringUp.clusterReady,
      workloadsReady: sim.bringUp.workloadsReady,
      rancherImported: sim.bringUp.rancherImported,
      nodeReady: Object.fromEntries(sim.bringUp.nodeReady),
    },
    ...(live ? { live } : {}),
  };
}

/** Runs a plan on the model, synchronously (property tests call this thousands of times). */
export function runPlanSync(plan: RunPlan, observer?: RunObserver): EngineResult {
  const run = runInSlices(plan, observer, Infinity);
  for (;;) {
    const step = run.next();
    if (step.done) return step.value;
  }
}

/**
 * Runs a plan, stopping with the signal's reason once it is aborted: checked at every slice,
 * and the event loop gets a turn every {@link turnMilliseconds} of work so an abort from
 * outside (a signal handler, a timeout) is seen.
 */
async function runPlan(plan: RunPlan, observer: RunObserver | undefined, signal: AbortSignal): Promise<EngineResult> {
  signal.throwIfAborted();
  const run = runInSlices(plan, observer, sliceSeconds);
  let turnAt = performance.now() + turnMilliseconds;
  for (;;) {
    const step = run.next();
    if (step.done) return step.value;
    signal.throwIfAborted();
    if (performance.now() >= turnAt) {
      await nextTurn();
      signal.throwIfAborted();
      turnAt = performance.now() + turnMilliseconds;
    }
  }
}

export const simEngine: Engine = {
  name: 'sim',
  description: 'embedded discrete-event model of K3s on Pi hardware (virtual clock)',
  available: () => Promise.resolve({ available: true }),
  supports: () => Promise.resolve([]),
  run: (plan: RunPlan, observer?: RunObserver, options?: EngineRunOptions): Promise<EngineResult> => {
    const signal = options?.signal;
    if (!signal) return Promise.resolve(runPlanSync(plan, observer));
    return runPlan(plan, observer, signal);
  },
  dryRun: (plan: RunPlan) =>
    Promise.resolve([
      `# sim: bring up ${plan.cluster.name} (${plan.cluster.nodes.length} machines) in virtual time, ` +
        `seed ${plan.seed}, then ${plan.duration} s of faults`,
      ...plan.faults.map((f) => {
        const at = typeof f.at === 'number' ? `+${f.at} s` : `${f.at.delay} s after ${f.at.after.kind}`;
        const revert = f.revertAfter !== null ? `, reverted after ${f.revertAfter} s` : '';
        return `# ${at}: fault ${f.id}: ${f.description}${revert}`;
      }),
    ]),
  down: () => Promise.resolve([]),
  doctor: () => Promise.resolve([{ name: 'sim engine', ok: true, detail: 'embedded model; needs nothing from the host' }]),
  exportCluster: (cluster) =>
    stringify(
      {
        apiVersion: 'twin/v1alpha1',
        kind: 'ResolvedCluster',
        cluster: {
          name: cluster.name,
          k3s: cluster.k3s,
          nodes: cluster.nodes.map((n) => ({ name: n.name, role: n.role, profile: n.profile.metadata.name })),
          settings: cluster.settings,
        },
      },
      { lineWidth: 0 },
    ),
};

/**
 * The fault schedule on the wall clock (a virtual clock in dry runs). Timed faults fire at their
 * offset from the start of the fault phase; a fault triggered by a timeline event fires `delay`
 * seconds after the first event of the fault phase that matches (the sim engine's rule), as the
 * run observes it live. A board powered on boots for its profile's boot time before its container
 * (and K3s) starts, as the sim engine models it; the schedule goes on meanwhile.
 */
import type { TimelineEvent } from '../../model/timeline.js';
import { faultSteps, triggerMatches, type FaultStep } from '../../scenario/fault-plan.js';
import type { ResolvedFault } from '../../scenario/faults.js';
import type { PlannedFault, RunPlan } from '../engine.js';
import { applyFault, effectReported } from './apply.js';
import { settledLater, wallClock } from './clock.js';
import type { K3dRunContext } from './context.js';

type Trigger = Exclude<PlannedFault['at'], number>;

/** A fault step on the wall clock: seconds from the start of the fault phase. */
interface Step extends FaultStep {
  readonly at: number;
}

/** What the live run lends the schedule; a dry run lends nothing (no event is observed there). */
export interface ScheduleHooks {
  /** Wall-clock ms of the timeline's t = 0; observed events' times count from it. */
  readonly origin: number;
  /** Each fault event as it is recorded (its t in seconds from the start of the fault phase, as returned). */
  readonly record?: (event: TimelineEvent) => void;
  /** Subscribes to the run's events as they are observed (t from `origin`); returns the unsubscribe. */
  readonly observe?: (listener: (event: TimelineEvent) => void) => () => void;
}

function describeTrigger(trigger: Trigger): string {
  const { kind, subject, details } = trigger.after;
  const of = subject ? ` of ${subject}` : '';
  const matching = details ? ` ${JSON.stringify(details)}` : '';
  return `${trigger.delay} s after the first ${kind}${of}${matching} in the fault phase`;
}

/**
 * Runs the fault schedule against a created cluster, recording fault events (t from the start of
 * the fault phase); the caller merges these with the observed timeline. Triggered faults that have
 * not fired when the phase ends never fire, as on the sim engine.
 */
export async function runFaults(ctx: K3dRunContext, plan: RunPlan, phaseStart: number, hooks?: ScheduleHooks): Promise<TimelineEvent[]> {
  const clock = ctx.clock ?? wallClock;
  const events: TimelineEvent[] = [];
  const record = (event: TimelineEvent) => {
    events.push(event);
    hooks?.record?.(event);
  };
  const steps: Step[] = [];
  const triggered: Array<PlannedFault & { at: Trigger }> = [];
  for (const planned of plan.faults) {
    if (typeof planned.at !== 'number') {
      triggered.push({ ...planned, at: planned.at });
      continue;
    }
    const at = planned.at;
    steps.push(...faultSteps(planned).map((step) => ({ ...step, at: at + step.offset })));
  }
  steps.sort((a, b) => a.at - b.at);
  const booting: Array<Promise<void>> = [];
  const boot = (name: string, t: number, reason: string) => {
    const node = plan.cluster.nodes.find((n) => n.name === name);
    if (!node) return Promise.resolve();
    const seconds = node.profile.spec.bootTime.value;
    // A machine outside Kubernetes (role external) boots too, then starts its services (external.ts).
    const then = node.role === 'external' ? 'its services start' : 'K3s starts';
    record({
      t,
      kind: 'node.power',
      subject: `node/${name}`,
      view: 'truth',
      message: `${name} powered on (${reason}); boots for ${seconds} s (board's boot time) before ${then}`,
      details: { on: true },
    });
    return clock.sleep(ctx.dryRun ? 0 : seconds * 1000);
  };
  // One fault at a time: a triggered fault waits for the step being applied, as timed steps do.
  let applying: Promise<void> = Promise.resolve();
  const serially = (work: () => Promise<void>) => {
    const done = applying.then(work);
    applying = done.catch(() => undefined);
    return done;
  };
  const failedEvent = (step: FaultStep, failed: string): TimelineEvent => ({
    t: (clock.now() - phaseStart) / 1000,
    kind: 'fault.failed',
    subject: step.event.subject,
    view: 'api',
    message: `${step.id}: ${failed}`,
    details: { fault: step.fault.kind },
  });
  const inject = (step: FaultStep) => {
    const fault = step.fault;
    if (effectReported(fault)) return serially(() => injectMeasured(step, fault));
    const t = (clock.now() - phaseStart) / 1000;
    record({
      t,
      kind: step.event.kind,
      subject: step.event.subject,
      view: 'truth',
      message: step.event.message,
      details: step.event.details,
    });
    if (fault.kind === 'power-on') {
      booting.push(settledLater(boot(fault.node, t, `fault ${step.id}`).then(() => applyFault(ctx, plan, fault).then(() => undefined))));
      return Promise.resolve();
    }
    if (fault.kind === 'site-power-restore') {
      booting.push(settledLater(restoreSite(ctx, plan, fault, t, boot)));
      return Promise.resolve();
    }
    return serially(async () => {
      const failed = await applyFault(ctx, plan, fault);
      if (failed !== undefined) record(failedEvent(step, failed));
    });
  };
  /**
   * A fault that reports when it took effect on the node is recorded then, with the lag after twin's ask beside it;
   * the schedule goes on meanwhile.
   */
  const measuring: Array<Promise<void>> = [];
  const injectMeasured = async (step: FaultStep, fault: Parameters<typeof applyFault>[2]) => {
    const asked = clock.now();
    let effect: Promise<number | undefined> = Promise.resolve(undefined);
    const failed = await applyFault(ctx, plan, fault, (at) => (effect = at));
    const recorded = effect.then((at) => {
      const lag = at === undefined ? 0 : Math.max(0, Math.round(at - asked) / 1000);
      record({
        t: (asked - phaseStart) / 1000 + lag,
        kind: step.event.kind,
        subject: step.event.subject,
        view: 'truth',
        message:
          at === undefined
            ? step.event.message
            : `${step.event.message} (took effect on the node ${lag} s after twin asked: docker exec at the board's CPU quota)`,
        details: at === undefined ? step.event.details : { ...step.event.details, effectLag: lag },
      });
    });
    measuring.push(settledLater(recorded));
    if (failed !== undefined) record(failedEvent(step, failed));
  };

  const phaseOver = new AbortController();
  /** Waits until wall-clock `due`; false once the fault phase is over. */
  const waitUntil = async (due: number) => {
    const wait = due - clock.now();
    try {
      if (wait > 0) await clock.sleep(wait, phaseOver.signal);
    } catch (error) {
      if (phaseOver.signal.aborted && !ctx.signal?.aborted) return false;
      throw error;
    }
    return !phaseOver.signal.aborted;
  };
  const fire = async (planned: PlannedFault & { at: Trigger }, due: number) => {
    const [injectStep, healStep] = faultSteps(planned);
    if (!injectStep || !(await waitUntil(due))) return;
    await inject(injectStep);
    if (healStep && (await waitUntil(due + healStep.offset * 1000))) await inject(healStep);
  };
  const firing: Array<Promise<void>> = [];
  for (const planned of triggered)
    if (ctx.dryRun)
      ctx.exec.note(
        `fault ${planned.id} waits for an event (${describeTrigger(planned.at)}): ${planned.description}; a dry run observes none`,
      );
  const origin = hooks?.origin ?? phaseStart;
  const phaseT = Math.round(phaseStart - origin) / 1000;
  const waiting = new Set(triggered);
  const unsubscribe =
    waiting.size > 0
      ? hooks?.observe?.((event) => {
          for (const planned of [...waiting]) {
            if (event.t < phaseT || !triggerMatches(event, planned.at.after)) continue;
            waiting.delete(planned);
            firing.push(settledLater(fire(planned, origin + (event.t + planned.at.delay) * 1000)));
          }
        })
      : undefined;
  try {
    for (const step of steps) {
      const wait = phaseStart + step.at * 1000 - clock.now();
      if (wait > 0) await clock.sleep(wait);
      await inject(step);
    }
    const end = phaseStart + plan.duration * 1000 - clock.now();
    if (end > 0) await clock.sleep(end);
  } finally {
    unsubscribe?.();
    phaseOver.abort(new Error('fault phase over'));
  }
  await Promise.all(firing);
  await Promise.all(booting);
  // A memory fault still waiting to take effect is recorded when it does (within 30 s), unless the run is stopped.
  const stopped = new Promise<void>((resolve) =>
    ctx.signal?.aborted ? resolve() : ctx.signal?.addEventListener('abort', () => resolve(), { once: true }),
  );
  await Promise.race([Promise.all(measuring), stopped]);
  return events;
}

/** Site power back: nodes in order (servers first unless the scenario orders them), each booting for its board's time. */
async function restoreSite(
  ctx: K3dRunContext,
  plan: RunPlan,
  fault: Extract<ResolvedFault, { kind: 'site-power-restore' }>,
  t: number,
  boot: (name: string, t: number, reason: string) => Promise<void>,
): Promise<void> {
  const { cluster } = plan;
  const clock = ctx.clock ?? wallClock;
  const interval = fault.interval;
  const order =
    fault.order ??
    [...cluster.nodes.filter((n) => n.role === 'server'), ...cluster.nodes.filter((n) => n.role !== 'server')].map((n) => n.name);
  const starts: Array<Promise<void>> = [];
  for (const [i, name] of order.entries()) {
    const node = cluster.nodes.find((n) => n.name === name);
    if (!node) continue;
    if (i > 0 && interval > 0) await clock.sleep(interval * 1000);
    starts.push(
      settledLater(
        boot(name, t + (i > 0 ? i * interval : 0), 'site power restored').then(() =>
          applyFault(ctx, plan, { ...fault, kind: 'power-on', node: name }).then(() => undefined),
        ),
      ),
    );
  }
  await Promise.all(starts);
}

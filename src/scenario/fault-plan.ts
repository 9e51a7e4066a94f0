/**
 * From a fault as written to what engines do: its plan (id, numbers, times, revert), resolved once
 * by the loader and by `twin check`, and its steps (inject, heal) with the timeline event each
 * records, the same on every engine.
 */
import type { TimelineEvent, TimelineEventKind } from '../model/timeline.js';
import { Problems } from './fields.js';
import { describeFault, inverse, resolveFault, type Fault, type FaultKind, type ResolvedFault } from './faults.js';
import type { FaultTrigger, PlannedFault } from './plan.js';

/** Resolves the `index`th fault of a schedule; bad quantities are reported at `faults[index].…`. */
export function planFault(fault: Fault, index: number, problems: Problems): PlannedFault {
  const field = `faults[${index}]`;
  const resolved = resolveFault(fault, field, problems);
  const when = fault.at;
  const at: PlannedFault['at'] =
    typeof when === 'object'
      ? { after: when.after, delay: problems.duration(`${field}.at.delay`, when.delay ?? 0, 0) }
      : problems.duration(`${field}.at`, when, 0);
  const revertFor = fault.for;
  const revertAfter = revertFor === undefined ? null : problems.duration(`${field}.for`, revertFor, 0);
  const undo = inverse(fault);
  // The inverse's quantities come from the fault's own, already checked above.
  const revert = undo ? { fault: resolveFault(undo, field, new Problems()), description: describeFault(undo) } : null;
  return { id: fault.id ?? `f${index + 1}`, fault: resolved, description: describeFault(fault), at, revertAfter, revert };
}

/** One thing an engine does for a fault, and the timeline event it records. */
export interface FaultStep {
  readonly id: string;
  /** Seconds after the fault fires. */
  readonly offset: number;
  readonly heal: boolean;
  readonly fault: ResolvedFault;
  readonly event: {
    readonly kind: Extract<TimelineEventKind, 'fault.injected' | 'fault.healed'>;
    readonly subject: string;
    readonly message: string;
    readonly details: { readonly fault: FaultKind };
  };
}

/** The inject step, and the heal step `revertAfter` later when the scenario asks for one and the fault has an inverse. */
export function faultSteps(planned: PlannedFault): FaultStep[] {
  const subject = `fault/${planned.id}`;
  const steps: FaultStep[] = [
    {
      id: planned.id,
      offset: 0,
      heal: false,
      fault: planned.fault,
      event: {
        kind: 'fault.injected',
        subject,
        message: `fault ${planned.id}: ${planned.description}`,
        details: { fault: planned.fault.kind },
      },
    },
  ];
  const { revert, revertAfter } = planned;
  if (revert && revertAfter !== null) {
    steps.push({
      id: planned.id,
      offset: revertAfter,
      heal: true,
      fault: revert.fault,
      event: {
        kind: 'fault.healed',
        subject,
        message: `fault ${planned.id} healed: ${revert.description}`,
        details: { fault: revert.fault.kind },
      },
    });
  }
  return steps;
}

/** Whether an event triggers a fault waiting for it: same kind, same subject if one is named, every named detail equal (both engines). */
export function triggerMatches(event: TimelineEvent, trigger: FaultTrigger): boolean {
  if (event.kind !== trigger.kind) return false;
  if (trigger.subject !== undefined && event.subject !== trigger.subject) return false;
  for (const [key, value] of Object.entries(trigger.details ?? {})) if (event.details?.[key] !== value) return false;
  return true;
}

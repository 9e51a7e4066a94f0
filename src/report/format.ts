import type { TimelineEvent } from '../model/timeline.js';
import { formatDuration } from '../model/units.js';
import type { RunReport } from './types.js';

/** Time of an event as a report shows it: relative to the start of faults, or into bring-up. */
export function when(report: RunReport, t: number): string {
  const rel = t - report.phase.start;
  if (rel < 0) return `bring-up ${formatDuration(t)}`;
  return `T+${formatDuration(rel)}`;
}

const routine = new Set(['pod.pulling', 'pod.pulled']);

/** Events worth a line in a report: everything in the fault phase but routine pulls, and the bring-up milestones. */
export function notableEvents(report: RunReport, limit = 400): { events: TimelineEvent[]; omitted: number } {
  const all = report.timeline.events.filter((e) => {
    if (routine.has(e.kind)) return false;
    if (e.t >= report.phase.start - 1e-6) return true;
    return (
      ['bringup.step', 'node.registered', 'api.available', 'rancher.available', 'workload.ready', 'fault.injected'].includes(e.kind) ||
      (e.kind === 'node.condition' && e.details?.['status'] === 'True')
    );
  });
  return { events: all.slice(0, limit), omitted: Math.max(0, all.length - limit) };
}

/**
 * The `job` expectation: a Job — or any Job a CronJob created — reaches the terminal condition
 * `kubectl get job` shows as STATUS (Complete, or Failed with its reason), judged on the
 * timeline's `job.complete` / `job.failed` events alone, as both engines record them.
 */
import type { TimelineEvent } from '../model/timeline.js';
import type { ResolvedExpectation, Verdict } from './expectations.js';
import type { TimelineIndex } from './timeline-index.js';
import { fmt, verdict } from './verdicts.js';

type JobExpectation = Extract<ResolvedExpectation, { kind: 'job' }>;

/** Whether a terminal event is of the Job named, or of a Job the named CronJob created. */
function ofJob(index: TimelineIndex, event: TimelineEvent, wanted: string): boolean {
  const [, namespace, , name] = event.subject.split('/');
  if (index.workloadMatches(`Job/${namespace}/${name}`, wanted)) return true;
  const cronJob = event.details?.['cronJob'];
  return typeof cronJob === 'string' && index.workloadMatches(cronJob, wanted);
}

export function judgeJob(e: JobExpectation, index: TimelineIndex): Verdict {
  const anchor = index.at(e.after);
  const limit = e.within ?? Math.max(0, index.context.phaseEnd - anchor);
  const wantedText = `${e.condition}${e.reason ? ` (${e.reason})` : ''}`;
  const expected = `Job ${e.job} ${wantedText} within ${fmt(limit)} of ${e.after.label}`;
  if (anchor === Infinity) return verdict(e, false, expected, 'the anchor never happened', `${e.after.label} is not in the timeline`);
  const terminal = index.events.filter((ev) => (ev.kind === 'job.complete' || ev.kind === 'job.failed') && ofJob(index, ev, e.job));
  const matches = (ev: TimelineEvent) =>
    ev.details?.['condition'] === e.condition && (e.reason === undefined || ev.details?.['reason'] === e.reason);
  const inWindow = terminal.filter((ev) => ev.t >= anchor - 0.0005 && ev.t <= anchor + limit + 0.0005);
  const hit = inWindow.find(matches);
  if (hit)
    return verdict(
      e,
      true,
      expected,
      `after ${fmt(hit.t - anchor)} (${hit.message})`,
      `observed ${fmt(hit.t - anchor)} after ${e.after.label}`,
    );
  const first = inWindow[0] ?? terminal.find((ev) => ev.t > anchor + limit) ?? terminal[terminal.length - 1];
  if (!first) return verdict(e, false, expected, 'never finished', `Job ${e.job} reached neither Complete nor Failed in the whole run`);
  const when = first.t < anchor ? `${fmt(anchor - first.t)} before ${e.after.label}` : `after ${fmt(first.t - anchor)}`;
  const ended = String(first.details?.['condition'] ?? '');
  const endedReason = ended === 'Failed' && first.details?.['reason'] ? ` (${first.details['reason']})` : '';
  const why = !matches(first)
    ? `it ended ${ended}${endedReason} instead`
    : first.t < anchor
      ? `it was ${wantedText} before ${e.after.label}`
      : `${fmt(first.t - anchor - limit)} later than expected`;
  return verdict(e, false, expected, `${when} (${first.message})`, why);
}

/**
 * The pieces every verdict is made of: durations as reports print them, windows, and "an event
 * within a limit of an anchor"; each verdict's measured quantity (`measure`).
 */
import { formatDuration } from '../model/units.js';
import type { TimelineEvent } from '../model/timeline.js';
import type { ResolvedAnchor } from './anchors.js';
import type { Measure, ResolvedExpectation, Verdict } from './expectations.js';
import type { TimelineIndex } from './timeline-index.js';

export const fmt = (seconds: number) => formatDuration(Math.max(0, seconds));

export function verdict(
  expectation: ResolvedExpectation,
  pass: boolean,
  expected: string,
  observed: string,
  explanation: string,
  measure?: Measure,
): Verdict {
  return {
    id: expectation.id,
    kind: expectation.kind,
    description: expectation.description ?? expected,
    status: pass ? 'pass' : 'fail',
    expected,
    observed,
    explanation,
    ...(measure ? { measure } : {}),
  };
}

export const seconds = (value: number): Measure => ({ value: Math.round(value * 1000) / 1000, unit: 'seconds' });
export const count = (value: number): Measure => ({ value, unit: 'count' });

export function windowText(index: TimelineIndex, from: number, to: number): string {
  const start = index.context.phaseStart;
  return `from ${fmt(from - start)} to ${to === Infinity ? 'the end' : fmt(to - start)} after faults start`;
}

/** An event within `limit` of an anchor (and not before `notBefore`). */
export function within(
  e: ResolvedExpectation & { readonly after: ResolvedAnchor },
  anchor: number,
  limit: number,
  match: TimelineEvent | undefined,
  what: string,
  notBefore = 0,
): Verdict {
  const anchorName = e.after.label;
  const expected =
    notBefore > 0
      ? `${what} between ${fmt(notBefore)} and ${fmt(limit)} after ${anchorName}`
      : `${what} within ${fmt(limit)} of ${anchorName}`;
  if (anchor === Infinity) return verdict(e, false, expected, 'the anchor never happened', `${anchorName} is not in the timeline`);
  if (!match) return verdict(e, false, expected, 'never', `no such event after ${anchorName} in the whole run`);
  const delay = match.t - anchor;
  const pass = delay <= limit + 1e-6 && delay >= notBefore - 1e-6;
  const observed = `after ${fmt(delay)} (${match.message})`;
  return verdict(
    e,
    pass,
    expected,
    observed,
    pass
      ? `observed ${fmt(delay)} after ${anchorName}`
      : `took ${fmt(delay)}: ${delay > limit ? `${fmt(delay - limit)} later` : `${fmt(notBefore - delay)} earlier`} than expected`,
    seconds(delay),
  );
}

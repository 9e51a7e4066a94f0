/**
 * Anchors: the points in a run that expectations measure from. Written as `start` (bring-up
 * complete, faults begin), `end`, a duration from start (`5m`, or seconds as a number),
 * `fault:<id>` or `heal:<id>`, optionally plus an offset (`fault:cp+30s`); parsed once, by the
 * loader, into a reference and an offset in seconds.
 */
import { formatDuration } from '../model/units.js';
import type { Problems } from './fields.js';

/** An anchor as a scenario writes it. */
export type Anchor = string | number;

/** A parsed anchor: a reference point of the run plus an offset in seconds. */
export interface ResolvedAnchor {
  readonly ref: 'start' | 'end' | 'fault' | 'heal';
  /** The fault, for `fault` and `heal`. */
  readonly id?: string;
  readonly offset: number;
  /** How verdicts name it: "the start of faults", "healing of cp+2m", "2m into the faults". */
  readonly label: string;
}

const startOfFaults = 'the start of faults';

/** Where an anchor left out points: `start` for `after` and `from`, `end` for `to`. */
export function defaultAnchor(ref: 'start' | 'end'): ResolvedAnchor {
  return { ref, offset: 0, label: ref === 'start' ? startOfFaults : 'the end of the run' };
}

/** Parses an anchor; a bad duration or an unknown fault id is reported at `field`. */
export function resolveAnchor(written: Anchor, field: string, problems: Problems, faultIds: ReadonlySet<string>): ResolvedAnchor {
  if (typeof written === 'number') {
    const offset = written < 0 ? written : problems.duration(field, written, 0);
    return { ref: 'start', offset, label: `${formatDuration(Math.max(0, offset))} into the faults` };
  }
  const label = written === 'start' ? startOfFaults : written.replace(/^fault:/, 'fault ').replace(/^heal:/, 'healing of ');
  const [base = '', offsetText] = written.split('+');
  const reference = /^(fault|heal):(.+)$/.exec(base);
  const id = reference?.[2] ?? '';
  if (reference && !faultIds.has(id)) problems.add(field, `no fault with id "${id}"`, `fault ids: ${[...faultIds].join(', ') || '(none)'}`);
  const fromStart = !reference && base !== 'start' && base !== 'end' ? problems.duration(field, base, 0) : 0;
  const offset = offsetText ? problems.duration(field, offsetText, 0) : 0;
  if (reference) return { ref: reference[1] === 'fault' ? 'fault' : 'heal', id, offset, label };
  return { ref: base === 'end' ? 'end' : 'start', offset: fromStart + offset, label };
}

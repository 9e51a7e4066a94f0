/**
 * Docker's events as timeline events while the run goes on. The translation of docker-events.ts looks a
 * little ahead (a network connect ~210 ms before the start it belongs to) and a start is a boot's
 * end when the schedule powered the board on just before, so an event is handed on only once
 * `settleMs` have passed: later lines can no longer change it.
 */
import type { ClusterNode } from '../../model/cluster.js';
import type { TimelineEvent } from '../../model/timeline.js';
import { dockerEventsToTimeline } from './docker-events.js';

/** Beyond docker-events.ts's 300 ms look-ahead and the 0.5 s by which a power-on may follow Docker's start. */
const settleMs = 1500;

/** A start that follows twin's own power-on is the end of the board's boot, not a second power-on. */
export function bootsAfterPowerOn(
  events: readonly TimelineEvent[],
  faults: readonly TimelineEvent[],
  members: readonly ClusterNode[],
): TimelineEvent[] {
  return events.map((e) => {
    const machine = members.find((n) => `node/${n.name}` === e.subject);
    const boot = machine?.profile.spec.bootTime.value ?? 0;
    const powered = faults.find((f) => f.kind === 'node.power' && f.subject === e.subject && f.t <= e.t + 0.5 && e.t - f.t < boot + 60);
    if (e.kind !== 'node.power' || e.details?.['on'] !== true || !powered) return e;
    const starting = machine?.role === 'external' ? 'its services starting' : 'K3s starting';
    return { ...e, kind: 'node.booted' as const, message: `${e.subject.slice(5)} booted: container started, ${starting}` };
  });
}

export class DockerTimeline {
  private readonly lines: string[] = [];
  private handed = 0;
  /** Lines read and events they made at the last flush: nothing to do while neither moves. */
  private read = 0;
  private translated = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly members: readonly ClusterNode[],
    private readonly nodeOf: (container: string) => string | undefined,
    /** Wall-clock ms of t = 0, and now. */
    private readonly origin: number,
    private readonly now: () => number,
    /** The schedule's fault events so far (t from the origin). */
    private readonly faults: () => readonly TimelineEvent[],
    private readonly emit: (event: TimelineEvent) => void,
  ) {}

  /** One line of `docker events`. */
  add(line: string): void {
    try {
      JSON.parse(line);
      this.lines.push(line);
    } catch {
      // Not JSON: a docker warning line; ignored.
    }
  }

  /** Hands on settled events every half second until {@link close}. */
  open(): void {
    this.timer ??= setInterval(() => this.flush(false), 500);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush(true);
  }

  /** Hands on every event that later lines can no longer change (all of them with `all`). */
  flush(all: boolean): void {
    if (this.handed === this.translated && this.lines.length === this.read) return;
    this.read = this.lines.length;
    const settled = all ? Infinity : (this.now() - this.origin - settleMs) / 1000;
    const events = bootsAfterPowerOn(dockerEventsToTimeline(this.lines, this.nodeOf, this.origin), this.faults(), this.members);
    this.translated = events.length;
    while (this.handed < events.length && (events[this.handed] as TimelineEvent).t <= settled)
      this.emit(events[this.handed++] as TimelineEvent);
  }
}

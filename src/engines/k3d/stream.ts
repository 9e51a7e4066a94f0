/**
 * The live run's events as they are observed, handed on twice: at once to the run's own listeners
 * (fault triggers), and in time order to the observer. Sources report late by different amounts
 * (a probe's event carries the time it was sent, Docker's events are held until later lines can no
 * longer change them), so events are held for `holdMs` and released in order of time.
 */
import type { TimelineEvent } from '../../model/timeline.js';
import type { RunObserver } from '../engine.js';

/** Longer than the latest source: an API probe (2 s timeout) or Docker's settling (docker-stream.ts). */
const defaultHoldMs = 3000;

export class TimelineStream {
  private readonly listeners = new Set<(event: TimelineEvent) => void>();
  private held: Array<{ readonly event: TimelineEvent; readonly seq: number }> = [];
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The first error the observer threw; the run ends with it once torn down. */
  failure: unknown = null;

  constructor(
    private readonly observer: RunObserver | undefined,
    /** Wall-clock ms now, and of t = 0. */
    private readonly now: () => number,
    private readonly origin: number,
    private readonly holdMs = defaultHoldMs,
  ) {}

  /** An observed event (t in seconds from the origin). */
  push(event: TimelineEvent): void {
    for (const listener of this.listeners) listener(event);
    if (this.observer?.onEvent) this.held.push({ event, seq: this.seq++ });
  }

  /** Sees every event at once, in the order observed; returns the unsubscribe. */
  subscribe(listener: (event: TimelineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Releases held events every half second until {@link close}. */
  open(): void {
    this.timer ??= setInterval(() => this.release(false), 500);
  }

  /** Releases every held event (the run is over) and stops the timer. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.release(true);
  }

  /** Hands the observer every held event older than the hold (all of them with `all`), in time order. */
  release(all: boolean): void {
    const cutoff = all ? Infinity : (this.now() - this.origin - this.holdMs) / 1000;
    this.held.sort((a, b) => a.event.t - b.event.t || a.seq - b.seq);
    const due = this.held.filter((h) => h.event.t <= cutoff);
    if (due.length === 0) return;
    this.held = this.held.slice(due.length);
    for (const { event } of due) {
      if (this.failure !== null) return;
      try {
        this.observer?.onEvent?.(event);
      } catch (error) {
        this.failure = error;
      }
    }
  }
}

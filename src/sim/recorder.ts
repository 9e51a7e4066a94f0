/** The timeline of a run as it is written: every event, stamped with the virtual time, and live listeners. */
import type { TimelineEvent } from '../model/timeline.js';
import type { Emit } from './context.js';

export class TimelineRecorder {
  readonly events: TimelineEvent[] = [];
  private readonly listeners: Array<(event: TimelineEvent) => void> = [];

  constructor(private readonly clock: { readonly now: number }) {}

  /** A field, not a method, so components can hold it without binding. */
  readonly emit: Emit = (kind, subject, view, message, details) => {
    const t = Math.round(this.clock.now * 1000) / 1000;
    const event: TimelineEvent = details ? { t, kind, subject, view, message, details } : { t, kind, subject, view, message };
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
  };

  /** Calls `listener` with every event from now on (scenario triggers, live views). */
  onEvent(listener: (event: TimelineEvent) => void): void {
    this.listeners.push(listener);
  }
}

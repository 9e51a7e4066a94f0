/**
 * The environment of the discrete-event model, in SimPy's shape: a virtual clock and an event
 * queue ordered by (time, priority, sequence), advanced one event at a time by `step()`.
 * It knows nothing of Kubernetes; the components schedule their callbacks on it.
 */
import type { Clock } from './context.js';
import { EventQueue } from './queue.js';

export class Environment implements Clock {
  /** Virtual seconds since power-on; advanced only by `step()` and the run methods. */
  now = 0;
  private readonly queue = new EventQueue();

  at(time: number, priority: number, fn: () => void): void {
    this.queue.push(Math.max(time, this.now), priority, fn);
  }

  after(delay: number, priority: number, fn: () => void): void {
    this.queue.push(this.now + Math.max(0, delay), priority, fn);
  }

  /** Runs the next event if one is due by `limit`; false when none is. */
  step(limit: number): boolean {
    const next = this.queue.peek();
    if (!next || next.time > limit) return false;
    this.queue.pop();
    this.now = next.time;
    if (!next.cancelled) next.run();
    return true;
  }

  /** Advances virtual time to `until`, running every event on the way. */
  runUntil(until: number): void {
    while (this.step(until));
    this.now = Math.max(this.now, until);
  }

  /** Runs until `predicate` holds (checked after each event) or `limit` is reached; returns the time or null. */
  runUntilCondition(predicate: () => boolean, limit: number): number | null {
    if (predicate()) return this.now;
    while (this.step(limit)) if (predicate()) return this.now;
    this.now = Math.max(this.now, limit);
    return null;
  }
}

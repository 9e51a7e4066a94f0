/**
 * Samples and their summary: what `twin calibrate` keeps of each observation (the value in
 * twin's base unit and when it was made), and how a figure follows from them (median, range,
 * window). Also the timing of a core/v1 Event, which has three ways of saying when it happened.
 * Pure module: no I/O, no clock.
 */
import type { CoreV1Event } from '@kubernetes/client-node';

/** One observation: the value in the figure's base unit (s, bytes, bytes/s, millicores) and when, in epoch seconds. */
export interface Sample {
  readonly value: number;
  readonly at: number;
}

/** The samples of one figure on one node and how they were obtained. */
export interface FigureSamples {
  readonly samples: readonly Sample[];
  /** What was read and how the figure follows from it. */
  readonly source: string;
}

/** A time as the API gives it: a Date from client-node, an RFC 3339 text from a recorded `-o json`. */
export type ApiTime = Date | string | null | undefined;

/** Epoch seconds of an API time, or undefined when absent or unparsable. */
export function epochSeconds(time: ApiTime): number | undefined {
  if (time === null || time === undefined || time === '') return undefined;
  const ms = time instanceof Date ? time.getTime() : Date.parse(time);
  // The zero time.Time of Go, as the API serialises an unset MicroTime in some versions.
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : undefined;
}

/** When an Event first and last happened, and how often. */
export interface EventTimes {
  readonly first: number;
  readonly last: number;
  readonly count: number;
  /**
   * The middle of the time the first stamp stands for: legacy stamps are truncated to whole seconds
   * (the event happened in [first, first + 1)), so first + 0.5; an eventTime (µs) is itself.
   */
  readonly moment: number;
}

/**
 * An Event's times. Two recorders write core/v1 Events:
 * - the legacy one (client-go tools/record, used by the kubelet and the node controller) sets
 *   firstTimestamp = lastTimestamp = the moment, count 1; its EventCorrelator then folds a repeat of
 *   the same event by the same process into that object: count + 1, lastTimestamp = the repeat,
 *   firstTimestamp kept (client-go tools/record/events_cache.go, eventLogger.eventObserve). The cache
 *   lives in the process, so a restarted kubelet writes a new object (name `<object>.<unix nanos>`,
 *   tools/record/event.go makeEvent). Both stamps are whole seconds.
 * - the events.k8s.io one (client-go tools/events, used by the scheduler) sets eventTime
 *   (microseconds) and leaves first/lastTimestamp empty; repeats go into series.count and
 *   series.lastObservedTime (tools/events/event_recorder.go, event_broadcaster.go).
 */
export function eventTimes(event: CoreV1Event): EventTimes | undefined {
  const legacy = epochSeconds(event.firstTimestamp);
  const first = legacy ?? epochSeconds(event.eventTime);
  if (first === undefined) return undefined;
  const last = epochSeconds(event.lastTimestamp) ?? epochSeconds(event.series?.lastObservedTime) ?? first;
  const count = event.count ?? event.series?.count ?? 1;
  return { first, last: Math.max(first, last), count, moment: legacy === undefined ? first : first + 0.5 };
}

/** The component that wrote an Event (`kubelet`, `node-controller`, `default-scheduler`). */
export function eventComponent(event: CoreV1Event): string {
  return event.source?.component || event.reportingComponent || '';
}

/** The node an Event's writer ran on (the kubelet's host), when it says. */
export function eventHost(event: CoreV1Event): string | undefined {
  return event.source?.host || event.reportingInstance || undefined;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** A figure's summary in base units: the median, the range and the window of its samples. */
export interface Summary {
  readonly value: number;
  readonly samples: number;
  readonly low: number;
  readonly high: number;
  readonly from: number;
  readonly to: number;
}

export function summarize(samples: readonly Sample[]): Summary | undefined {
  if (samples.length === 0) return undefined;
  const values = samples.map((s) => s.value);
  const times = samples.map((s) => s.at);
  return {
    value: median(values),
    samples: samples.length,
    low: Math.min(...values),
    high: Math.max(...values),
    from: Math.min(...times),
    to: Math.max(...times),
  };
}

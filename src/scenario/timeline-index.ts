/**
 * An index over one run's timeline for the questions expectations ask; built once per run and
 * shared by every expectation judged on it.
 */
import type { Timeline, TimelineEvent } from '../model/timeline.js';
import { workloadMatches } from '../model/workloads.js';
import type { ResolvedAnchor } from './anchors.js';

/** What expectations need besides the timeline: where the fault phase starts and ends. */
export interface JudgeContext {
  readonly phaseStart: number;
  readonly phaseEnd: number;
  /** Namespaces of system components, excluded from "workloads". */
  readonly systemNamespaces?: readonly string[];
}

export class TimelineIndex {
  readonly podWorkload = new Map<string, string>();
  readonly podNode = new Map<string, string>();

  constructor(
    readonly timeline: Timeline,
    readonly context: JudgeContext,
  ) {
    for (const e of timeline.events) {
      if (e.kind === 'pod.created' && typeof e.details?.['workload'] === 'string') this.podWorkload.set(e.subject, e.details['workload']);
      if (e.kind === 'pod.scheduled' && typeof e.details?.['node'] === 'string') this.podNode.set(e.subject, e.details['node']);
    }
  }

  get events(): TimelineEvent[] {
    return this.timeline.events;
  }

  /** The time an anchor points at in this run; Infinity when its fault never fired or never healed. */
  at(anchor: ResolvedAnchor): number {
    switch (anchor.ref) {
      case 'start':
        return this.context.phaseStart + anchor.offset;
      case 'end':
        return this.context.phaseEnd + anchor.offset;
      case 'fault':
      case 'heal': {
        const kind = anchor.ref === 'fault' ? 'fault.injected' : 'fault.healed';
        const event = this.events.find((e) => e.kind === kind && e.subject === `fault/${anchor.id}`);
        return event ? event.t + anchor.offset : Infinity;
      }
    }
  }
  /** Matches `Deployment/default/web`, `default/web` or just `web`. */
  workloadMatches(key: string | undefined, wanted: string): boolean {
    return workloadMatches(key, wanted);
  }

  podsOf(wanted: string): Set<string> {
    const pods = new Set<string>();
    for (const [pod, key] of this.podWorkload) if (this.workloadMatches(key, wanted)) pods.add(pod);
    return pods;
  }

  isUserPod(pod: string): boolean {
    const namespace = pod.split('/')[1] ?? '';
    return !(this.context.systemNamespaces ?? ['kube-system', 'cattle-system']).includes(namespace);
  }

  /** Ready pods of a workload over time, replayed from pod events: [time, count] steps. */
  readySteps(wanted: string): Array<[number, number]> {
    const pods = this.podsOf(wanted);
    const ready = new Set<string>();
    const steps: Array<[number, number]> = [[0, 0]];
    for (const e of this.events) {
      if (!pods.has(e.subject)) continue;
      const before = ready.size;
      if (e.kind === 'pod.ready') ready.add(e.subject);
      else if (['pod.unready', 'pod.terminating', 'pod.deleted', 'pod.failed', 'pod.evicted'].includes(e.kind)) ready.delete(e.subject);
      if (ready.size !== before) steps.push([e.t, ready.size]);
    }
    return steps;
  }

  /** Intervals in [from, to] during which a service had no answering endpoint. */
  outages(service: string, from: number, to: number): Array<[number, number]> {
    const subject = service.includes('/') ? `service/${service}` : `service/default/${service}`;
    const windows: Array<[number, number]> = [];
    let start: number | null = null;
    for (const e of this.events) {
      if (e.subject !== subject) continue;
      if (e.kind === 'service.outageStarted') start = e.t;
      if (e.kind === 'service.outageEnded' && start !== null) {
        windows.push([start, e.t]);
        start = null;
      }
    }
    if (start !== null) windows.push([start, Infinity]);
    return windows.map(([a, b]) => [Math.max(a, from), Math.min(b, to)] as [number, number]).filter(([a, b]) => b > a);
  }

  between(from: number, to: number, predicate: (e: TimelineEvent) => boolean): TimelineEvent[] {
    return this.events.filter((e) => e.t >= from - 0.0005 && e.t < to - 0.0005 && predicate(e));
  }

  firstAfter(from: number, predicate: (e: TimelineEvent) => boolean): TimelineEvent | undefined {
    return this.events.find((e) => e.t >= from - 0.0005 && predicate(e));
  }
}

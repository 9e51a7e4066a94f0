/**
 * Expectations: the behaviour the user believes in, as temporal checks over the timeline.
 * Each is judged on the timeline alone (events and series), so it means the same on every
 * engine, and reports expected, observed, a verdict and a one-line explanation.
 *
 * Times are anchors: `start` (bring-up complete, faults begin), `end`, a duration from
 * start (`5m`), `fault:<id>` or `heal:<id>`, optionally plus an offset (`fault:cp+30s`).
 */
import type { Timeline, TimelineEvent } from '../model/timeline.js';
import { formatDuration, parseDuration } from '../model/units.js';
import { workloadMatches } from '../model/workloads.js';

export type Anchor = string | number;

interface Base {
  readonly id?: string;
  /** The belief in the user's words, e.g. "Rancher down: no workloads affected". */
  readonly description?: string;
}

export type Expectation<N extends string = string> = Base &
  (
    | { readonly kind: 'node-condition'; readonly node: N; readonly status: 'Ready' | 'NotReady'; readonly after?: Anchor; readonly within: string | number; readonly notBefore?: string | number }
    | { readonly kind: 'pods-ready'; readonly workload: string; readonly atLeast: number; readonly from?: Anchor; readonly to?: Anchor }
    | { readonly kind: 'no-scheduling'; readonly from: Anchor; readonly to?: Anchor }
    | { readonly kind: 'service-availability'; readonly service: string; readonly atLeast?: number; readonly atMost?: number; readonly from?: Anchor; readonly to?: Anchor }
    | { readonly kind: 'oom-killed'; readonly workload: string; readonly after?: Anchor; readonly within?: string | number; readonly backoff?: boolean }
    | { readonly kind: 'no-oom-kills'; readonly from?: Anchor; readonly to?: Anchor }
    | { readonly kind: 'workloads-unaffected'; readonly from?: Anchor; readonly to?: Anchor; readonly workloads?: readonly string[] }
    | { readonly kind: 'api-unavailable'; readonly after?: Anchor; readonly within: string | number }
    | { readonly kind: 'api-available'; readonly after?: Anchor; readonly within: string | number }
    | { readonly kind: 'api-stays-available'; readonly from?: Anchor; readonly to?: Anchor }
    | { readonly kind: 'bring-up-within'; readonly within: string | number }
    | { readonly kind: 'replacement-ready'; readonly workload: string; readonly after?: Anchor; readonly within: string | number }
    | { readonly kind: 'not-replaced'; readonly workload: string; readonly from?: Anchor; readonly to?: Anchor }
    | { readonly kind: 'shown-running'; readonly node: N; readonly after?: Anchor; readonly forAtLeast: string | number }
    | { readonly kind: 'rancher-unavailable'; readonly after?: Anchor; readonly within: string | number }
    | { readonly kind: 'rancher-reconnects'; readonly after?: Anchor; readonly within: string | number }
  );

export type ExpectationKind = Expectation['kind'];

export const expectationKinds: readonly ExpectationKind[] = [
  'node-condition',
  'pods-ready',
  'no-scheduling',
  'service-availability',
  'oom-killed',
  'no-oom-kills',
  'workloads-unaffected',
  'api-unavailable',
  'api-available',
  'api-stays-available',
  'bring-up-within',
  'replacement-ready',
  'not-replaced',
  'shown-running',
  'rancher-unavailable',
  'rancher-reconnects',
];

export interface Verdict {
  readonly id: string;
  readonly kind: ExpectationKind;
  readonly description: string;
  readonly status: 'pass' | 'fail';
  readonly expected: string;
  readonly observed: string;
  /** One line: why it passed or failed, from the timeline. */
  readonly explanation: string;
}

/** What expectations need besides the timeline: where the fault phase starts and ends. */
export interface JudgeContext {
  readonly phaseStart: number;
  readonly phaseEnd: number;
  /** Namespaces of system components, excluded from "workloads". */
  readonly systemNamespaces?: readonly string[];
}

/** Thrown when an anchor names no fault of the scenario; the loader reports it as bad input. */
export class AnchorError extends Error {}

const fmt = (seconds: number) => formatDuration(Math.max(0, seconds));
const seconds = (d: string | number) => parseDuration(d);

/** An index over the timeline for the questions expectations ask. */
class TimelineIndex {
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

  resolve(anchor: Anchor | undefined, fallback: 'start' | 'end'): number {
    const a = anchor ?? fallback;
    if (typeof a === 'number') return this.context.phaseStart + a;
    const [base = '', offset] = a.split('+');
    const plus = offset ? seconds(offset) : 0;
    if (base === 'start') return this.context.phaseStart + plus;
    if (base === 'end') return this.context.phaseEnd + plus;
    const match = /^(fault|heal):(.+)$/.exec(base);
    if (match) {
      const kind = match[1] === 'fault' ? 'fault.injected' : 'fault.healed';
      const event = this.events.find((e) => e.kind === kind && e.subject === `fault/${match[2]}`);
      if (!event) {
        if (match[1] === 'fault') throw new AnchorError(`no fault with id "${match[2]}"`);
        return Infinity;
      }
      return event.t + plus;
    }
    return this.context.phaseStart + seconds(base) + plus;
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

function verdict(id: string, expectation: Expectation, pass: boolean, expected: string, observed: string, explanation: string): Verdict {
  return { id, kind: expectation.kind, description: expectation.description ?? expected, status: pass ? 'pass' : 'fail', expected, observed, explanation };
}

function windowText(index: TimelineIndex, from: number, to: number): string {
  const start = index.context.phaseStart;
  return `from ${fmt(from - start)} to ${to === Infinity ? 'the end' : fmt(to - start)} after faults start`;
}

function within(index: TimelineIndex, id: string, e: Expectation, anchor: number, limit: number, match: TimelineEvent | undefined, what: string, notBefore = 0): Verdict {
  const expected = notBefore > 0 ? `${what} between ${fmt(notBefore)} and ${fmt(limit)} after ${anchorName(e)}` : `${what} within ${fmt(limit)} of ${anchorName(e)}`;
  if (anchor === Infinity) return verdict(id, e, false, expected, 'the anchor never happened', `${anchorName(e)} is not in the timeline`);
  if (!match) return verdict(id, e, false, expected, 'never', `no such event after ${anchorName(e)} in the whole run`);
  const delay = match.t - anchor;
  const pass = delay <= limit + 1e-6 && delay >= notBefore - 1e-6;
  const observed = `after ${fmt(delay)} (${match.message})`;
  return verdict(id, e, pass, expected, observed, pass ? `observed ${fmt(delay)} after ${anchorName(e)}` : `took ${fmt(delay)}: ${delay > limit ? `${fmt(delay - limit)} later than expected` : `${fmt(notBefore - delay)} earlier than expected`}`);
}

function anchorName(e: Expectation): string {
  const a = 'after' in e ? e.after : 'from' in e ? e.from : undefined;
  if (a === undefined || a === 'start') return 'the start of faults';
  if (typeof a === 'number') return `${fmt(a)} into the faults`;
  return a.replace(/^fault:/, 'fault ').replace(/^heal:/, 'healing of ');
}

/** Judges one expectation on a timeline. */
export function judge(expectation: Expectation, id: string, timeline: Timeline, context: JudgeContext): Verdict {
  const index = new TimelineIndex(timeline, context);
  const e = expectation;
  switch (e.kind) {
    case 'node-condition': {
      const anchor = index.resolve(e.after, 'start');
      const wanted = e.status === 'Ready' ? ['True'] : ['Unknown', 'False'];
      const match = index.firstAfter(anchor, (ev) => ev.kind === 'node.condition' && ev.subject === `node/${e.node}` && ev.details?.['type'] === 'Ready' && wanted.includes(String(ev.details?.['status'])));
      return within(index, id, e, anchor, seconds(e.within), match, `${e.node} ${e.status}`, e.notBefore !== undefined ? seconds(e.notBefore) : 0);
    }
    case 'pods-ready': {
      const from = index.resolve(e.from, 'start');
      const to = index.resolve(e.to, 'end');
      const steps = index.readySteps(e.workload);
      let atFrom = 0;
      for (const [t, n] of steps) if (t <= from + 1e-6) atFrom = n;
      let minimum = atFrom;
      let minimumAt = from;
      for (const [t, n] of steps) if (t > from && t <= to && n < minimum) [minimum, minimumAt] = [n, t];
      const pass = minimum >= e.atLeast;
      const expected = `${e.workload}: at least ${e.atLeast} pod(s) Ready ${windowText(index, from, to)}`;
      return verdict(id, e, pass, expected, `minimum ${minimum} Ready${pass ? '' : ` at ${fmt(minimumAt - context.phaseStart)}`}`, pass ? `never fewer than ${minimum} Ready` : `dropped to ${minimum} Ready at ${fmt(minimumAt - context.phaseStart)} after faults start`);
    }
    case 'no-scheduling': {
      const from = index.resolve(e.from, 'start');
      const to = index.resolve(e.to, 'end');
      const scheduled = index.between(from, to, (ev) => ev.kind === 'pod.scheduled');
      const expected = `no pod scheduled ${windowText(index, from, to)}`;
      return verdict(id, e, scheduled.length === 0, expected, scheduled.length === 0 ? 'none scheduled' : `${scheduled.length} scheduled`, scheduled.length === 0 ? 'the scheduler bound nothing in the window' : `first: ${scheduled[0]?.message} at ${fmt((scheduled[0]?.t ?? 0) - context.phaseStart)}`);
    }
    case 'service-availability': {
      const from = index.resolve(e.from, 'start');
      const to = Math.min(index.resolve(e.to, 'end'), context.phaseEnd);
      const outages = index.outages(e.service, from, to);
      const down = outages.reduce((sum, [a, b]) => sum + (Math.min(b, to) - a), 0);
      const ratio = to > from ? 1 - down / (to - from) : 1;
      const atLeast = e.atLeast ?? 0;
      const atMost = e.atMost ?? 1;
      const pass = ratio >= atLeast - 1e-9 && ratio <= atMost + 1e-9;
      const bound = e.atMost !== undefined && e.atLeast === undefined ? `≤ ${(atMost * 100).toFixed(2)} %` : e.atMost !== undefined ? `between ${(atLeast * 100).toFixed(2)} % and ${(atMost * 100).toFixed(2)} %` : `≥ ${(atLeast * 100).toFixed(2)} %`;
      const expected = `service ${e.service} available ${bound} ${windowText(index, from, to)}`;
      const observed = `${(ratio * 100).toFixed(2)} %${outages.length ? `, ${outages.length} outage(s), longest ${fmt(Math.max(...outages.map(([a, b]) => Math.min(b, to) - a)))}` : ', no outage'}`;
      return verdict(id, e, pass, expected, observed, outages.length === 0 ? 'at least one endpoint answered throughout' : `down ${fmt(down)} in total, first at ${fmt((outages[0]?.[0] ?? 0) - context.phaseStart)}`);
    }
    case 'oom-killed': {
      const anchor = index.resolve(e.after, 'start');
      const limit = e.within !== undefined ? seconds(e.within) : context.phaseEnd - anchor;
      const pods = index.podsOf(e.workload);
      const kills = index.between(anchor, anchor + limit, (ev) => ev.kind === 'pod.oomKilled' && pods.has(ev.subject));
      const backoffEvents = index.between(anchor, context.phaseEnd, (ev) => ev.kind === 'pod.backOff' && pods.has(ev.subject) && ev.details?.['reason'] === 'CrashLoopBackOff');
      const perPod = new Map<string, number[]>();
      for (const ev of backoffEvents) perPod.set(ev.subject, [...(perPod.get(ev.subject) ?? []), Number(ev.details?.['backoff'])]);
      // Each container doubles its own back-off up to 300 s (a reset to 10 s after a long healthy run is allowed).
      const doubling = [...perPod.values()].every((list) => list.every((b, i) => i === 0 || b === Math.min((list[i - 1] ?? b) * 2, 300) || b === 10));
      const backoffs = [...perPod.values()][0] ?? [];
      const pass = kills.length > 0 && (!e.backoff || (backoffs.length > 0 && doubling));
      const expected = `${e.workload} OOMKilled within ${fmt(limit)} of ${anchorName(e)}${e.backoff ? ', restarted with CrashLoopBackOff back-off' : ''}`;
      const backoffText = backoffs.length ? `; back-off ${backoffs.slice(0, 6).join(', ')}${backoffs.length > 6 ? '…' : ''} s` : '';
      const observed = kills.length ? `${kills.length} OOM kill(s), first after ${fmt((kills[0]?.t ?? 0) - anchor)}${backoffText}` : 'no OOM kill';
      const why = !pass ? (kills.length === 0 ? 'memory never reached the limit in the window' : backoffs.length === 0 ? 'never held in CrashLoopBackOff (the kubelet restarts a first exit at once)' : 'back-off did not double as expected') : e.backoff ? 'OOMKilled and restarted with doubling back-off' : 'OOMKilled in the window';
      return verdict(id, e, pass, expected, observed, why);
    }
    case 'no-oom-kills': {
      const from = index.resolve(e.from, 'start');
      const to = index.resolve(e.to, 'end');
      const kills = index.between(from, to, (ev) => ev.kind === 'pod.oomKilled');
      return verdict(id, e, kills.length === 0, `no container OOMKilled ${windowText(index, from, to)}`, kills.length ? `${kills.length} OOM kill(s)` : 'none', kills.length ? `first: ${kills[0]?.message}` : 'memory stayed within limits and capacity');
    }
    case 'workloads-unaffected': {
      const from = index.resolve(e.from, 'start');
      const to = index.resolve(e.to, 'end');
      const disruptive = new Set(['pod.terminating', 'pod.stopped', 'pod.oomKilled', 'pod.unready', 'pod.evicted', 'pod.backOff', 'pod.failed']);
      const selected = (pod: string) => (e.workloads ? e.workloads.some((w) => index.workloadMatches(index.podWorkload.get(pod), w)) : index.isUserPod(pod));
      // Service outages count only when the check is about all user workloads (a service's pods are not named in the timeline).
      const hits = index.between(from, to, (ev) => (disruptive.has(ev.kind) && selected(ev.subject)) || (!e.workloads && ev.kind === 'service.outageStarted' && index.isUserPod(ev.subject.replace(/^service/, 'pod'))));
      const expected = `${e.workloads ? e.workloads.join(', ') : 'user workloads'} unaffected ${windowText(index, from, to)}`;
      return verdict(id, e, hits.length === 0, expected, hits.length ? `${hits.length} disruption(s)` : 'no pod disrupted, no service outage', hits.length ? `first: ${hits[0]?.message} at ${fmt((hits[0]?.t ?? 0) - context.phaseStart)}` : 'every pod kept running and ready');
    }
    case 'api-unavailable':
    case 'api-available': {
      const anchor = index.resolve(e.after, 'start');
      const kind = e.kind === 'api-unavailable' ? 'api.unavailable' : 'api.available';
      return within(index, id, e, anchor, seconds(e.within), index.firstAfter(anchor, (ev) => ev.kind === kind), e.kind === 'api-unavailable' ? 'Kubernetes API unavailable' : 'Kubernetes API available again');
    }
    case 'api-stays-available': {
      const from = index.resolve(e.from, 'start');
      const to = index.resolve(e.to, 'end');
      const outages = index.between(from, to, (ev) => ev.kind === 'api.unavailable');
      return verdict(id, e, outages.length === 0, `Kubernetes API available ${windowText(index, from, to)}`, outages.length ? `unavailable at ${fmt((outages[0]?.t ?? 0) - context.phaseStart)}` : 'always available', outages.length ? (outages[0]?.message ?? '') : 'quorum held throughout');
    }
    case 'bring-up-within': {
      const ready = index.events.find((ev) => ev.kind === 'bringup.step' && ev.details?.['step'] === 'workloads-ready');
      const limit = seconds(e.within);
      const pass = !!ready && ready.t <= limit;
      return verdict(id, e, pass, `bring-up complete (workloads ready) within ${fmt(limit)}`, ready ? `${fmt(ready.t)}` : 'never completed', ready ? `workloads ready at ${fmt(ready.t)} after power-on` : 'some workload never reached its desired state');
    }
    case 'replacement-ready': {
      const anchor = index.resolve(e.after, 'start');
      const limit = seconds(e.within);
      const pods = () => index.podsOf(e.workload);
      const created = index.firstAfter(anchor, (ev) => ev.kind === 'pod.created' && ev.details?.['replacement'] === true && index.workloadMatches(String(ev.details?.['workload']), e.workload));
      const ready = created ? index.firstAfter(created.t, (ev) => ev.kind === 'pod.ready' && ev.subject === created.subject) : undefined;
      const expected = `a replacement ${e.workload} pod Ready within ${fmt(limit)} of ${anchorName(e)}`;
      if (!created) return verdict(id, e, false, expected, 'no replacement created', `no replacement pod for ${e.workload} (${pods().size} pod(s) seen) after ${anchorName(e)}`);
      if (!ready) return verdict(id, e, false, expected, `replacement created after ${fmt(created.t - anchor)}, never Ready`, 'the replacement never became Ready');
      const delay = ready.t - anchor;
      return verdict(id, e, delay <= limit, expected, `Ready after ${fmt(delay)} (created after ${fmt(created.t - anchor)})`, delay <= limit ? 'replaced in time' : `created only after ${fmt(created.t - anchor)}: the node must first be NotReady (grace period) and the pod's toleration (300 s) expire`);
    }
    case 'not-replaced': {
      const from = index.resolve(e.from, 'start');
      const to = index.resolve(e.to, 'end');
      const created = index.between(from, to, (ev) => ev.kind === 'pod.created' && index.workloadMatches(String(ev.details?.['workload']), e.workload));
      return verdict(id, e, created.length === 0, `no replacement for ${e.workload} ${windowText(index, from, to)}`, created.length ? `replacement created at ${fmt((created[0]?.t ?? 0) - context.phaseStart)}` : 'no replacement (old pod still Terminating)', created.length ? (created[0]?.message ?? '') : 'the controller waits for the old pod object to be gone');
    }
    case 'shown-running': {
      const anchor = index.resolve(e.after, 'start');
      const limit = seconds(e.forAtLeast);
      const onNode = [...index.podNode].filter(([pod, node]) => node === e.node && index.isUserPod(pod)).map(([pod]) => pod);
      const gone = index.firstAfter(anchor, (ev) => (ev.kind === 'pod.deleted' || ev.kind === 'pod.failed') && onNode.includes(ev.subject));
      const shownFor = (gone?.t ?? context.phaseEnd) - anchor;
      const pass = onNode.length > 0 && shownFor >= limit;
      return verdict(id, e, pass, `pods on ${e.node} still listed by the API for at least ${fmt(limit)} after ${anchorName(e)}`, onNode.length ? `listed for ${gone ? fmt(shownFor) : `the rest of the run (${fmt(shownFor)})`}` : 'no user pod on that node', pass ? 'kubectl keeps showing the pods (Running, later Terminating) while the node is dead' : 'the pods disappeared sooner');
    }
    case 'rancher-unavailable':
    case 'rancher-reconnects': {
      const anchor = index.resolve(e.after, 'start');
      const kind = e.kind === 'rancher-unavailable' ? 'rancher.unavailable' : 'rancher.agentConnected';
      return within(index, id, e, anchor, seconds(e.within), index.firstAfter(anchor, (ev) => ev.kind === kind), e.kind === 'rancher-unavailable' ? 'Rancher UI unavailable' : 'cattle-cluster-agent reconnected to Rancher');
    }
  }
}

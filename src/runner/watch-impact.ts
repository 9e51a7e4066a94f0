/**
 * What losing one node would do, read off a run of the model in which that node lost power:
 * the N-1 analysis of `twin plan` told as time, per workload and Service. Pure: a function of
 * the run's timeline, so it is tested on the sim engine's own reports.
 *
 * Time counts from the power cut, not from when the API notices (the node's grace period
 * later): a pod that stopped with its node stops serving at once, whatever `kubectl` still
 * shows (the `pod.stopped` truth event, docs/timeline.md).
 */
import type { Timeline, TimelineEvent } from '../model/timeline.js';
import { formatDuration } from '../model/units.js';
import type { RunReport } from '../report/types.js';

/** The run of one node's loss, as the reducer needs it. */
export interface LossRun {
  readonly node: string;
  readonly timeline: Pick<Timeline, 'events'>;
  /** When the node lost power, seconds on the run's clock. */
  readonly faultAt: number;
  /** The end of observation, seconds on the run's clock. */
  readonly end: number;
  /** Desired replicas per workload (`Deployment/default/web`) as the cluster asks, for workloads the run never reports on. */
  readonly desired?: Readonly<Record<string, number>>;
}

/** A `twin run` / `whatIf` report whose first fault cut one node's power. */
export function lossRunOf(node: string, report: Pick<RunReport, 'timeline' | 'faults' | 'phase'>): LossRun {
  const fault = report.faults.find((f) => f.injectedAt !== null);
  return { node, timeline: report.timeline, faultAt: fault?.injectedAt ?? report.phase.start, end: report.phase.end };
}

export interface WorkloadImpact {
  /** `Deployment/default/web`. */
  readonly workload: string;
  readonly desired: number;
  /** The fewest pods that answered after the loss. */
  readonly minReady: number;
  /** Seconds after the loss when it fell below its replicas (0: a pod of it died with the node). */
  readonly belowFrom: number;
  /** Seconds below its replicas: until it was whole again, or to the end of the horizon. */
  readonly belowFor: number;
  /** Whole again before the end of the horizon. */
  readonly restored: boolean;
  /** False when a pod it lost was not started again elsewhere within the horizon. */
  readonly rescheduled: boolean;
  /** Why it was not rescheduled, when it was not. */
  readonly reason?: string;
}

export interface ServiceImpact {
  /** `default/web`. */
  readonly service: string;
  /** Seconds in which no endpoint answered, to the end of the horizon when it never did again. */
  readonly outageFor: number;
  readonly restored: boolean;
}

export interface NodeImpact {
  readonly node: string;
  /** Seconds after the loss the run looked at. */
  readonly horizon: number;
  /** Seconds the Kubernetes API did not answer; null when it stayed up. */
  readonly apiDownFor: number | null;
  readonly apiRestored: boolean;
  /** Workloads that fell below their replicas, worst first. */
  readonly workloads: readonly WorkloadImpact[];
  readonly services: readonly ServiceImpact[];
  /** For ranking nodes (see {@link impactScore}); 0 when the loss hurts nothing. */
  readonly score: number;
  /** "losing dcn2 now would take default/api below its replicas for 6m32s; default/postgres would not be rescheduled …". */
  readonly text: string;
}

/**
 * Kinds judged by replicas. A DaemonSet's pod belongs to its node (losing it is the node's loss,
 * nothing to reschedule); Jobs and CronJobs count completions, not replicas.
 */
const replicated = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'Pod']);

/** Pod events after which the pod no longer answers (the API's view), as live-state.ts counts them. */
const gone = new Set(['pod.unready', 'pod.terminating', 'pod.deleted', 'pod.failed', 'pod.evicted', 'pod.oomKilled', 'pod.stopped']);

/** `workload/default/Deployment/web` → `Deployment/default/web`. */
function workloadKey(subject: string): string {
  const [, namespace, kind, name] = subject.split('/');
  return `${kind}/${namespace}/${name}`;
}

interface Tracked {
  desired: number | null;
  /** Pods not answering since the loss. */
  readonly down: Set<string>;
  /** Pods that came up since the loss and were not down: replacements. */
  replacements: number;
  mostMissing: number;
  below: { from: number; to: number | null } | null;
  /** A replacement pod became Ready on another node. */
  startedElsewhere: boolean;
  /** The latest reason a pod of it could not be scheduled, or its pod stays Terminating. */
  stuck: string | null;
}

/** Pod → workload, from the run's `pod.created` events, or by name when the run started from a live cluster's pods. */
function podOwners(events: readonly TimelineEvent[], workloads: readonly string[]): (pod: string) => string | null {
  const owners = new Map<string, string>();
  for (const e of events) {
    const owner = e.details?.['workload'];
    if (e.kind === 'pod.created' && typeof owner === 'string') owners.set(e.subject, owner);
  }
  // Controllers name pods after their workload: web-7f9c-abcde, postgres-0. The longest name wins (web-api before web).
  const byName = [...workloads].sort((a, b) => b.length - a.length);
  return (pod) => {
    const known = owners.get(pod);
    if (known) return known;
    const [, namespace, name] = pod.split('/');
    return (
      byName.find((w) => {
        const [, ns, workload] = w.split('/');
        return ns === namespace && (name === workload || name?.startsWith(`${workload}-`));
      }) ?? null
    );
  };
}

/** Seconds to the millisecond, as reports keep times. */
const ms = (t: number) => Math.round(t * 1000) / 1000;

const noApi = 'without the API nothing is rescheduled';

/** What the loss did to each workload the run mentions. */
function workloadImpacts(run: LossRun, apiGone: boolean): WorkloadImpact[] {
  const events = run.timeline.events;
  const keys = new Set<string>(Object.keys(run.desired ?? {}));
  for (const e of events) {
    if (e.subject.startsWith('workload/')) keys.add(workloadKey(e.subject));
    const owner = e.details?.['workload'];
    if (e.kind === 'pod.created' && typeof owner === 'string') keys.add(owner);
  }
  const ownerOf = podOwners(events, [...keys]);
  const tracked = new Map<string, Tracked>();
  const track = (key: string): Tracked => {
    let t = tracked.get(key);
    if (!t) {
      const desired = run.desired?.[key] ?? null;
      t = { desired, down: new Set(), replacements: 0, mostMissing: 0, below: null, startedElsewhere: false, stuck: null };
      tracked.set(key, t);
    }
    return t;
  };
  const settle = (t: Tracked, at: number, missing: number) => {
    t.mostMissing = Math.max(t.mostMissing, missing);
    if (missing > 0 && (t.below === null || t.below.to !== null)) t.below = { from: t.below?.from ?? at, to: null };
    if (missing === 0 && t.below && t.below.to === null) t.below.to = at;
  };
  for (const e of events) {
    if (e.kind.startsWith('workload.') && e.t < run.faultAt) {
      const desired = e.details?.['desired'];
      if (typeof desired === 'number') track(workloadKey(e.subject)).desired ??= desired;
    }
    if (e.t < run.faultAt) continue;
    const at = e.t - run.faultAt;
    if (e.kind === 'workload.ready' || e.kind === 'workload.degraded') {
      const t = track(workloadKey(e.subject));
      const ready = e.details?.['ready'];
      const desired = e.details?.['desired'];
      if (typeof desired === 'number') t.desired = desired;
      if (e.kind === 'workload.ready') {
        t.down.clear();
        t.replacements = 0;
        settle(t, at, 0);
      } else if (typeof ready === 'number' && typeof desired === 'number') settle(t, at, Math.max(0, desired - ready));
      continue;
    }
    if (!e.kind.startsWith('pod.')) continue;
    const owner = ownerOf(e.subject);
    if (!owner) continue;
    const t = track(owner);
    const node = e.details?.['node'];
    if (e.kind === 'pod.unschedulable') t.stuck = `${String(e.details?.['reason'] ?? e.message)}`;
    if (e.kind === 'pod.terminating' && node === run.node && owner.startsWith('StatefulSet/'))
      t.stuck = `its pod stays Terminating until ${run.node} answers, and a StatefulSet never runs a second copy`;
    if (gone.has(e.kind)) t.down.add(e.subject);
    else if (e.kind === 'pod.ready') {
      if (t.down.has(e.subject)) t.down.delete(e.subject);
      else t.replacements++;
      if (node !== run.node) t.startedElsewhere = true;
    } else continue;
    settle(t, at, Math.max(0, t.down.size - t.replacements));
  }
  const horizon = run.end - run.faultAt;
  const impacts: WorkloadImpact[] = [];
  for (const [workload, t] of tracked) {
    if (!replicated.has(workload.split('/')[0] ?? '') || t.below === null) continue;
    const desired = t.desired ?? t.mostMissing;
    const restored = t.below.to !== null;
    const rescheduled = restored || t.startedElsewhere;
    impacts.push({
      workload,
      desired,
      minReady: Math.max(0, desired - t.mostMissing),
      belowFrom: ms(t.below.from),
      belowFor: ms((t.below.to ?? horizon) - t.below.from),
      restored,
      rescheduled,
      ...(rescheduled ? {} : { reason: t.stuck ?? (apiGone ? noApi : `nothing replaced it within ${formatDuration(horizon)}`) }),
    });
  }
  return impacts.sort((a, b) => lostShare(b) * b.belowFor - lostShare(a) * a.belowFor || a.workload.localeCompare(b.workload));
}

/** The share of a workload's replicas that did not answer at worst, 0..1. */
function lostShare(w: WorkloadImpact): number {
  return w.desired > 0 ? (w.desired - w.minReady) / w.desired : 1;
}

/** Outages from start/end events of one subject after the loss: seconds down in total, and whether it ended up. */
function outages(events: readonly TimelineEvent[], run: LossRun, start: string, end: string) {
  const spans = new Map<string, { total: number; since: number | null }>();
  for (const e of events) {
    if (e.t < run.faultAt || (e.kind !== start && e.kind !== end)) continue;
    const s = spans.get(e.subject) ?? { total: 0, since: null };
    if (e.kind === start && s.since === null) s.since = e.t;
    if (e.kind === end && s.since !== null) {
      s.total += e.t - s.since;
      s.since = null;
    }
    spans.set(e.subject, s);
  }
  return [...spans].map(([subject, s]) => ({
    subject,
    down: ms(s.total + (s.since === null ? 0 : run.end - s.since)),
    restored: s.since === null,
  }));
}

/**
 * An API outage stops every controller: nothing is rescheduled and no rollout moves while it
 * lasts, so each second of it weighs as much as this many workloads losing every replica.
 */
export const apiOutageWeight = 10;

/**
 * The ranking: seconds below replicas weighted by the share of replicas lost, summed over the
 * workloads, plus each Service's seconds without an answering endpoint, plus the API's outage
 * weighted by {@link apiOutageWeight}.
 */
export function impactScore(impact: Pick<NodeImpact, 'workloads' | 'services' | 'apiDownFor'>): number {
  const workloads = impact.workloads.reduce((sum, w) => sum + lostShare(w) * w.belowFor, 0);
  const services = impact.services.reduce((sum, s) => sum + s.outageFor, 0);
  return Math.round(workloads + services + (impact.apiDownFor ?? 0) * apiOutageWeight);
}

/** `Deployment/default/web` → `default/web`, as people say it. */
export function workloadName(key: string): string {
  return key.split('/').slice(1).join('/');
}

/** One sentence for a node's loss. */
export function impactText(impact: Omit<NodeImpact, 'text'>): string {
  const parts: string[] = [];
  if (impact.apiDownFor !== null)
    parts.push(`would stop the Kubernetes API for ${formatDuration(impact.apiDownFor)}${impact.apiRestored ? '' : ' or more'}`);
  const hurt = impact.workloads;
  const below = hurt.filter((w) => w.rescheduled);
  if (below.length > 0)
    parts.push(
      `would take ${below
        .map((w) => `${workloadName(w.workload)} below its replicas for ${formatDuration(w.belowFor)}${w.restored ? '' : ' or more'}`)
        .join(', ')}`,
    );
  const stranded = new Map<string, string[]>();
  for (const w of hurt.filter((h) => !h.rescheduled))
    stranded.set(w.reason ?? '', [...(stranded.get(w.reason ?? '') ?? []), workloadName(w.workload)]);
  for (const [reason, names] of stranded) parts.push(`${names.join(', ')} would not be rescheduled${reason ? ` (${reason})` : ''}`);
  const dark = impact.services.filter((s) => !hurt.some((w) => workloadName(w.workload) === s.service));
  if (dark.length > 0)
    parts.push(
      `${dark.length > 1 ? 'Services' : 'Service'} ${dark
        .map((s) => `${s.service} would not answer for ${formatDuration(s.outageFor)}${s.restored ? '' : ' or more'}`)
        .join(', ')}`,
    );
  if (parts.length === 0) return `losing ${impact.node} now would hurt nothing the twin models`;
  return `losing ${impact.node} now ${parts.join('; ')}`;
}

/** What losing `run.node` would do, reduced from the run of that loss. */
export function nodeImpact(run: LossRun): NodeImpact {
  const events = run.timeline.events;
  const api = outages(events, run, 'api.unavailable', 'api.available').find((o) => o.subject === 'api');
  const services = outages(events, run, 'service.outageStarted', 'service.outageEnded')
    .map((o) => ({ service: o.subject.replace(/^service\//, ''), outageFor: o.down, restored: o.restored }))
    .sort((a, b) => b.outageFor - a.outageFor || a.service.localeCompare(b.service));
  const base = {
    node: run.node,
    horizon: run.end - run.faultAt,
    apiDownFor: api ? api.down : null,
    apiRestored: api ? api.restored : true,
    workloads: workloadImpacts(run, api !== undefined && !api.restored),
    services,
  };
  const scored = { ...base, score: impactScore(base) };
  return { ...scored, text: impactText(scored) };
}

/** Worst first; ties by node name, so the order is stable. */
export function rankImpacts(impacts: readonly NodeImpact[]): NodeImpact[] {
  return [...impacts].sort((a, b) => b.score - a.score || a.node.localeCompare(b.node));
}

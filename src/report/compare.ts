/**
 * Model against reality: the same scenario run on the sim engine and on real K3s (k3d), set
 * side by side — every expectation's verdict on both, and the key moments of each fault (node
 * NotReady, eviction, replacement Ready, recovery, API and Rancher outages) as delays from the
 * fault, with the difference. Both timelines share one schema, so this reads the timelines only.
 */
import { outsideKubernetesVictim, type TimelineEvent } from '../model/timeline.js';
import { workloadMatches } from '../model/workloads.js';
import { formatDuration } from '../model/units.js';
import type { Comparison, ComparisonMoment, RunReport } from './types.js';

/** Relative tolerance, and the absolute one under which small delays count as agreeing. */
export const comparisonTolerance = { relative: 0.2, seconds: 5 } as const;

type Matcher = (e: TimelineEvent, anchorT: number, events: readonly TimelineEvent[]) => boolean;

interface MomentSpec {
  readonly what: string;
  /** A fault or its healing; `then`: the first event of that kind after it instead (the API or Rancher back). */
  readonly anchor: { kind: 'fault.injected' | 'fault.healed'; id: string; then?: 'api.available' | 'rancher.available' };
  readonly match: Matcher;
}

/** How a moment's anchor reads when it waits for the API or Rancher to come back. */
const thenLabels: Record<NonNullable<MomentSpec['anchor']['then']>, string> = {
  'api.available': ' → API available',
  'rancher.available': ' → Rancher available',
};

const notReady =
  (node: string): Matcher =>
  (e) =>
    e.kind === 'node.condition' && e.subject === `node/${node}` && e.details?.['type'] === 'Ready' && e.details?.['status'] !== 'True';
const ready =
  (node: string): Matcher =>
  (e) =>
    e.kind === 'node.condition' && e.subject === `node/${node}` && e.details?.['type'] === 'Ready' && e.details?.['status'] === 'True';
/**
 * Ready after having been shown NotReady since the fault: a node whose status nobody could
 * change meanwhile (no control plane, no etcd quorum) stays Ready as the API shows it, and has
 * no "Ready again".
 */
const readyAgain =
  (node: string, faultId: string): Matcher =>
  (e, anchorT, events) => {
    if (!ready(node)(e, anchorT, events)) return false;
    const injected = events.find((c) => c.kind === 'fault.injected' && c.subject === `fault/${faultId}`)?.t ?? Number.NEGATIVE_INFINITY;
    return events.some((c) => c.t >= injected && c.t < e.t && notReady(node)(c, anchorT, events));
  };
const isUserPod = (subject: string) =>
  subject.startsWith('pod/') && !['kube-system', 'cattle-system'].includes(subject.split('/')[1] ?? '');

/** A Service of the user's workloads, not one of K3s's or Rancher's (their outages differ by what each side deploys). */
const isUserService = (subject: string) =>
  subject.startsWith('service/') && !['kube-system', 'cattle-system'].includes(subject.split('/')[1] ?? '');

/** The first user pod created as a replacement after the anchor becomes Ready. */
const replacementReady: Matcher = (e, anchorT, events) =>
  e.kind === 'pod.ready' &&
  isUserPod(e.subject) &&
  events.some((c) => c.kind === 'pod.created' && c.subject === e.subject && c.details?.['replacement'] === true && c.t >= anchorT - 0.0005);

/** Whether a pod belongs to a workload, from the workload its `pod.created` event names. */
const podsOfWorkload =
  (wanted: string) =>
  (subject: string, events: readonly TimelineEvent[]): boolean =>
    events.some((c) => c.kind === 'pod.created' && c.subject === subject && workloadMatches(String(c.details?.['workload'] ?? ''), wanted));

function momentsFor(events: readonly TimelineEvent[]): MomentSpec[] {
  const specs: MomentSpec[] = [];
  const injectedFaults = events.filter((e) => e.kind === 'fault.injected');
  for (const fault of injectedFaults) {
    const id = fault.subject.replace(/^fault\//, '');
    const kind = String(fault.details?.['fault'] ?? '');
    const node = /power-off (\S+)|reboot (\S+)/.exec(fault.message);
    const name = node?.[1] ?? node?.[2];
    const at = { kind: 'fault.injected' as const, id };
    const healed = { kind: 'fault.healed' as const, id };
    // A machine outside Kubernetes (a database or NFS host) has no Node: what it takes down is the Services that need it.
    const outsideKubernetes = name !== undefined && !events.some((e) => e.kind === 'node.condition' && e.subject === `node/${name}`);
    const gateway = name !== undefined && events.some((e) => e.kind.startsWith('gateway.') && e.subject === `node/${name}`);
    if (name && gateway && (kind === 'power-off' || kind === 'reboot')) {
      // A gateway in front of the servers: what it takes down is the API as reached through it.
      specs.push({
        what: `Kubernetes API unreachable through ${name}`,
        anchor: at,
        match: (e) => e.kind === 'gateway.unavailable' && e.subject === `node/${name}`,
      });
      specs.push({
        what: `Kubernetes API through ${name} again`,
        anchor: kind === 'power-off' ? healed : at,
        match: (e) => e.kind === 'gateway.available' && e.subject === `node/${name}`,
      });
    } else if (name && outsideKubernetes && (kind === 'power-off' || kind === 'reboot')) {
      specs.push({
        what: `first Service outage (${name} is outside Kubernetes)`,
        anchor: at,
        match: (e) => e.kind === 'service.outageStarted' && isUserService(e.subject),
      });
      specs.push({
        what: 'a Service serving again',
        anchor: kind === 'power-off' ? healed : at,
        match: (e) => e.kind === 'service.outageEnded' && isUserService(e.subject),
      });
    } else if (name && (kind === 'power-off' || kind === 'reboot')) {
      specs.push({ what: `${name} NotReady`, anchor: at, match: notReady(name) });
      if (kind === 'power-off') {
        specs.push({
          what: `${name} tainted NoExecute (unreachable)`,
          anchor: at,
          match: (e) =>
            e.kind === 'node.taint' &&
            e.subject === `node/${name}` &&
            e.details?.['effect'] === 'NoExecute' &&
            e.details?.['action'] === 'added',
        });
        specs.push({
          what: `first pod on ${name} evicted (Terminating)`,
          anchor: at,
          match: (e) => e.kind === 'pod.terminating' && isUserPod(e.subject) && e.details?.['node'] === name,
        });
        specs.push({ what: 'first replacement pod Ready', anchor: at, match: replacementReady });
        specs.push({ what: `${name} Ready again`, anchor: healed, match: readyAgain(name, id) });
      } else specs.push({ what: `${name} Ready again`, anchor: at, match: (e, t) => ready(name)(e, t, []) && e.t > t + 1 });
    }
    if (kind === 'partition') {
      // The Kubernetes nodes the partition names ("partition [dcn3] | [dcn4 dcn5]"): those cut off from the
      // servers go NotReady and come back with the network; those on the servers' side show neither, on both engines.
      const named = [...fault.message.matchAll(/\[([^\]]*)\]/g)].flatMap((m) => (m[1] ?? '').split(' ')).filter(Boolean);
      for (const cut of named.filter((n) => events.some((e) => e.kind === 'node.condition' && e.subject === `node/${n}`))) {
        specs.push({ what: `${cut} NotReady`, anchor: at, match: notReady(cut) });
        specs.push({ what: `${cut} Ready again`, anchor: healed, match: readyAgain(cut, id) });
      }
    }
    if (kind === 'control-plane-down' || kind === 'slow-storage' || kind === 'site-power-cut') {
      specs.push({ what: 'Kubernetes API unavailable', anchor: at, match: (e) => e.kind === 'api.unavailable' });
      specs.push({ what: 'Kubernetes API available again', anchor: healed, match: (e) => e.kind === 'api.available' });
    }
    const fullDisk = kind === 'disk-full' ? /disk-full (\S+)/.exec(fault.message)?.[1] : undefined;
    if (fullDisk) {
      // The kubelet's DiskPressure, seen on both engines as the node lifecycle controller's taint.
      const pressureTaint = (action: string) => (e: TimelineEvent) =>
        e.kind === 'node.taint' &&
        e.subject === `node/${fullDisk}` &&
        e.details?.['key'] === 'node.kubernetes.io/disk-pressure' &&
        e.details?.['action'] === action;
      specs.push({ what: `${fullDisk} tainted disk-pressure`, anchor: at, match: pressureTaint('added') });
      specs.push({
        what: `first pod on ${fullDisk} evicted`,
        anchor: at,
        match: (e) => e.kind === 'pod.evicted' && isUserPod(e.subject) && e.details?.['node'] === fullDisk,
      });
      specs.push({ what: `${fullDisk} disk-pressure taint removed`, anchor: healed, match: pressureTaint('removed') });
    }
    if (kind === 'slow-storage') {
      // A card that stalls every write loses the controller-manager its Lease; after the heal the next K3s takes it again.
      specs.push({
        what: 'kube-controller-manager Lease held again',
        anchor: healed,
        match: (e) => e.kind === 'leader.acquired' && e.subject === 'lease/kube-system/kube-controller-manager',
      });
    }
    if (kind === 'memory-leak') {
      const workload = /memory-leak (\S+) at/.exec(fault.message)?.[1];
      if (workload) {
        const ofWorkload = podsOfWorkload(workload);
        specs.push({
          what: `first OOM kill of ${workload}`,
          anchor: at,
          match: (e, _t, events) => e.kind === 'pod.oomKilled' && ofWorkload(e.subject, events),
        });
        specs.push({
          what: `${workload} first held in CrashLoopBackOff`,
          anchor: at,
          match: (e, _t, events) => e.kind === 'pod.backOff' && ofWorkload(e.subject, events),
        });
        specs.push({
          what: `first ${workload} pod Ready after the leak`,
          anchor: healed,
          match: (e, _t, events) => e.kind === 'pod.ready' && ofWorkload(e.subject, events),
        });
      }
    }
    if (kind === 'memory-fill') {
      const target = /memory-fill (\S+) (\S+)/.exec(fault.message);
      if (target?.[1] && target[2] !== '0') {
        const filled = target[1];
        specs.push({
          what: `first pod OOMKilled on ${filled}`,
          anchor: at,
          match: (e) => e.kind === 'pod.oomKilled' && e.details?.['node'] === filled,
        });
        specs.push({
          what: `kernel OOM killer kills the memory taken outside Kubernetes on ${filled}`,
          anchor: at,
          match: (e) => e.kind === 'node.oomKiller' && e.subject === `node/${filled}` && e.details?.['victim'] === outsideKubernetesVictim,
        });
      }
    }
    if (kind === 'rancher-down') {
      specs.push({ what: 'Rancher unavailable', anchor: at, match: (e) => e.kind === 'rancher.unavailable' });
      specs.push({ what: 'Rancher available again', anchor: healed, match: (e) => e.kind === 'rancher.available' });
      specs.push({ what: 'cattle-cluster-agent reconnected', anchor: healed, match: (e) => e.kind === 'rancher.agentConnected' });
      specs.push({
        what: 'cattle-cluster-agent reconnected',
        anchor: { ...healed, then: 'rancher.available' },
        match: (e) => e.kind === 'rancher.agentConnected',
      });
    }
  }
  // Nodes lost while the control plane was down are noticed only after it returns.
  for (const fault of injectedFaults.filter((f) => f.details?.['fault'] === 'control-plane-down')) {
    const id = fault.subject.replace(/^fault\//, '');
    for (const other of injectedFaults.filter((f) => f.details?.['fault'] === 'power-off' && f.t > fault.t)) {
      const name = /power-off (\S+)/.exec(other.message)?.[1];
      if (!name) continue;
      specs.push({
        what: `${name} NotReady (lost while the control plane was down)`,
        anchor: { kind: 'fault.healed', id },
        match: notReady(name),
      });
      // The same moment counted from the API's return: the controllers' own delay, apart from how long K3s takes to start.
      specs.push({
        what: `${name} NotReady (lost while the control plane was down)`,
        anchor: { kind: 'fault.healed', id, then: 'api.available' },
        match: notReady(name),
      });
    }
  }
  return specs;
}

function anchorOf(events: readonly TimelineEvent[], spec: MomentSpec): TimelineEvent | undefined {
  const fault = events.find((e) => e.kind === spec.anchor.kind && e.subject === `fault/${spec.anchor.id}`);
  const then = spec.anchor.then;
  const anchor = fault && then ? events.find((e) => e.kind === then && e.t >= fault.t - 0.0005) : fault;
  return anchor;
}

function delay(events: readonly TimelineEvent[], spec: MomentSpec): number | null {
  const anchor = anchorOf(events, spec);
  if (!anchor) return null;
  const hit = events.find((e) => e.t >= anchor.t - 0.0005 && spec.match(e, anchor.t, events));
  return hit ? Math.round((hit.t - anchor.t) * 10) / 10 : null;
}

function anchorLabel(spec: MomentSpec): string {
  const then = spec.anchor.then ? thenLabels[spec.anchor.then] : '';
  return `${spec.anchor.kind === 'fault.injected' ? 'fault' : 'heal'}:${spec.anchor.id}${then}`;
}

/** A key moment of one run (the moments the comparison sets side by side): its anchor's time and the delay after it. */
export interface KeyMoment {
  readonly what: string;
  readonly anchor: string;
  /** Seconds from power-on; null when the anchor did not happen. */
  readonly anchorAt: number | null;
  /** Seconds after the anchor; null when the moment did not happen. */
  readonly delay: number | null;
}

/** The key moments of one run's timeline, in the comparison's order. */
export function keyMoments(events: readonly TimelineEvent[]): KeyMoment[] {
  return momentsFor(events).map((spec) => ({
    what: spec.what,
    anchor: anchorLabel(spec),
    anchorAt: anchorOf(events, spec)?.t ?? null,
    delay: delay(events, spec),
  }));
}

export function compareRuns(model: RunReport, real: RunReport): Comparison {
  const moments: ComparisonMoment[] = [];
  for (const spec of momentsFor(model.timeline.events)) {
    // A fault that is never healed has no moments after its healing.
    if (!model.timeline.events.some((e) => e.kind === spec.anchor.kind && e.subject === `fault/${spec.anchor.id}`)) continue;
    const m = delay(model.timeline.events, spec);
    const r = delay(real.timeline.events, spec);
    const difference = m !== null && r !== null ? Math.round((r - m) * 10) / 10 : null;
    const relative = difference !== null && r !== null && r !== 0 ? Math.round((Math.abs(difference) / Math.abs(r)) * 1000) / 1000 : null;
    const agrees =
      m === null && r === null
        ? true
        : difference === null
          ? false
          : Math.abs(difference) <= comparisonTolerance.seconds || (relative !== null && relative <= comparisonTolerance.relative);
    const anchor = anchorLabel(spec);
    const modelRange = model.ranges?.moments.find((x) => x.what === spec.what && x.anchor === anchor)?.range ?? undefined;
    moments.push({ what: spec.what, anchor, model: m, real: r, difference, relative, agrees, ...(modelRange ? { modelRange } : {}) });
  }
  const expectations = model.expectations.map((v) => {
    const other = real.expectations.find((o) => o.id === v.id);
    return {
      id: v.id,
      description: v.description,
      model: { status: v.status, observed: v.observed },
      real: { status: other?.status ?? 'fail', observed: other?.observed ?? 'not judged' },
    };
  });
  const disagreements = moments.filter((m) => !m.agrees).length + expectations.filter((e) => e.model.status !== e.real.status).length;
  return { engines: { model: model.engine, real: real.engine }, expectations, moments, disagreements };
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const seconds = (t: number | null) => (t === null ? 'never' : formatDuration(t));

/** The verdict line of a comparison (report.md and report.html): how many disagreements, beyond which tolerance. */
export function disagreementSummary(c: Comparison): string {
  const count = c.disagreements === 0 ? 'No disagreement' : `${c.disagreements} disagreement(s)`;
  return `${count} beyond ${comparisonTolerance.relative * 100} % (or ${comparisonTolerance.seconds} s).`;
}

/** A moment's difference, real minus model ("+12 s (30 %)"), or "—" when either side never got there. */
export function differenceText(m: Comparison['moments'][number]): string {
  if (m.difference === null) return '—';
  const percent = m.relative !== null ? ` (${Math.round(m.relative * 100)} %)` : '';
  return `${m.difference > 0 ? '+' : ''}${m.difference} s${percent}`;
}

/** The comparison as Markdown (a section of report.md, and docs/model-vs-real.md). */
export function renderComparison(c: Comparison, heading = '##'): string {
  const lines = [`${heading} Model vs real (${c.engines.model} against ${c.engines.real})`, ''];
  lines.push(disagreementSummary(c), '');
  lines.push(`| moment | after | ${c.engines.model} predicts | ${c.engines.real} observed | difference | |`, '|---|---|---|---|---|---|');
  for (const m of c.moments) {
    const diff = differenceText(m);
    const spreadText = m.modelRange ? ` (${seconds(m.modelRange.low)}–${seconds(m.modelRange.high)})` : '';
    const model = `${seconds(m.model)}${spreadText}`;
    lines.push(`| ${cell(m.what)} | ${m.anchor} | ${model} | ${seconds(m.real)} | ${diff} | ${m.agrees ? '✅' : '❌'} |`);
  }
  lines.push('', `| expectation | ${c.engines.model} | ${c.engines.real} |`, '|---|---|---|');
  for (const e of c.expectations) {
    const v = (x: { status: string; observed: string }) => `${x.status === 'pass' ? '✅' : '❌'} ${cell(x.observed)}`;
    lines.push(`| ${cell(e.description)} | ${v(e.model)} | ${v(e.real)} |`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The bring-up read back from the timeline: per-node steps (boot, OS preparation and its
 * reboot, k3s download and start, registration, Ready), the critical path to "cluster
 * ready" and to "workloads ready". Works on any engine's timeline.
 */
import type { Timeline, TimelineEvent } from '../model/timeline.js';
import { formatDuration } from '../model/units.js';

export interface NodeBringUp {
  readonly node: string;
  readonly booted: number | null;
  readonly osPrepared: number | null;
  readonly k3sDownloaded: number | null;
  readonly k3sRunning: number | null;
  readonly registered: number | null;
  readonly ready: number | null;
  /** Why it never joined: the server refused it (token, version), or k3s cannot run in its memory. */
  readonly joinRejected: string | null;
}

export interface BringUpAnalysis {
  readonly nodes: readonly NodeBringUp[];
  readonly apiAvailable: number | null;
  readonly clusterReady: number | null;
  readonly workloadsReady: number | null;
  /** Steps, in order, of the chain that decided when the bring-up finished. */
  readonly criticalPath: readonly string[];
}

function firstTime(events: readonly TimelineEvent[], test: (e: TimelineEvent) => boolean, before = Infinity): number | null {
  const e = events.find((ev) => ev.t <= before && test(ev));
  return e ? e.t : null;
}

export function analyseBringUp(timeline: Timeline, nodeNames: readonly string[], phaseStart: number): BringUpAnalysis {
  // Event times are rounded to the millisecond; compare with the same resolution.
  const events = timeline.events.filter((e) => e.t <= phaseStart + 0.001);
  const step = (name: string) => (e: TimelineEvent) => e.kind === 'bringup.step' && e.details?.['step'] === name;
  const nodes = nodeNames.map((node): NodeBringUp => {
    const subject = `node/${node}`;
    const mine = events.filter((e) => e.subject === subject);
    const rejected = mine.find(
      (e) =>
        e.kind === 'bringup.step' && ['join-rejected', 'k3s-out-of-memory', 'kubelet-swap-refused'].includes(String(e.details?.['step'])),
    );
    return {
      node,
      booted: firstTime(mine, (e) => e.kind === 'node.booted'),
      osPrepared: firstTime(mine, step('os-prepared')),
      k3sDownloaded: firstTime(mine, step('k3s-downloaded')),
      k3sRunning: firstTime(mine, (e) => e.kind === 'node.k3s' && e.details?.['state'] === 'running'),
      registered: firstTime(mine, (e) => e.kind === 'node.registered'),
      ready: firstTime(mine, (e) => e.kind === 'node.condition' && e.details?.['type'] === 'Ready' && e.details?.['status'] === 'True'),
      joinRejected: rejected ? String(rejected.details?.['reason'] ?? rejected.message) : null,
    };
  });
  const apiAvailable = firstTime(events, (e) => e.kind === 'api.available');
  const clusterReady = firstTime(events, step('cluster-ready'));
  const workloadsReady = firstTime(events, step('workloads-ready'));
  const path: string[] = [];
  const last = nodes.filter((n) => n.ready !== null).sort((a, b) => (b.ready ?? 0) - (a.ready ?? 0))[0];
  if (last) {
    const at = (label: string, t: number | null) => (t === null ? [] : [`${formatDuration(t)} ${last.node} ${label}`]);
    path.push(
      ...at('booted', last.booted),
      ...at('OS prepared, rebooting', last.osPrepared),
      ...at('k3s downloaded', last.k3sDownloaded),
      ...at('k3s running', last.k3sRunning),
      ...at('registered', last.registered),
      ...at('Ready (last node: cluster ready)', last.ready),
    );
  }
  if (workloadsReady !== null) {
    const lastWorkload = [...events]
      .reverse()
      .find((e) => e.kind === 'workload.ready' && e.t <= workloadsReady + 0.001 && !/\/(kube-system|cattle-system)\//.test(e.subject));
    // With Rancher the bring-up may end on its agent starting (src/sim/bringup.ts): then the path runs through it.
    const agent = events.find(
      (e) => e.kind === 'pod.started' && /^pod\/cattle-system\//.test(e.subject) && Math.abs(e.t - workloadsReady) <= 0.001,
    );
    if (agent && (!lastWorkload || agent.t > lastWorkload.t + 0.001)) {
      const chain = events.filter((e) => e.subject === agent.subject && e.t <= agent.t + 0.001 && agentSteps.includes(e.kind));
      for (const e of chain) path.push(`${formatDuration(e.t)} ${e.message}`);
      path.push(`${formatDuration(workloadsReady)} workloads ready (last: the cattle-cluster-agent started)`);
    } else if (lastWorkload) {
      const readyPod = [...events].reverse().find((e) => e.kind === 'pod.ready' && Math.abs(e.t - lastWorkload.t) <= 0.001);
      if (readyPod) {
        const chain = events.filter(
          (e) =>
            e.subject === readyPod.subject && ['pod.created', 'pod.scheduled', 'pod.pulled', 'pod.started', 'pod.ready'].includes(e.kind),
        );
        for (const e of chain) path.push(`${formatDuration(e.t)} ${e.message}`);
      }
      path.push(`${formatDuration(workloadsReady)} workloads ready (last: ${lastWorkload.subject.replace(/^workload\//, '')})`);
    }
  }
  return { nodes, apiAvailable, clusterReady, workloadsReady, criticalPath: path };
}

const agentSteps: readonly string[] = ['pod.created', 'pod.scheduled', 'pod.pulled', 'pod.started'];

/**
 * A bring-up that did not finish, explained: each node that never became Ready and each of the
 * user's workloads that never reached its desired state, with the reason Kubernetes gave (the
 * scheduler's FailedScheduling message, the kubelet's wait reason) and what to change. Read from
 * the timeline, so it means the same on every engine.
 */
import type { Cluster } from '../model/cluster.js';
import type { Timeline, TimelineEvent } from '../model/timeline.js';
import { systemWorkloadsOf } from '../model/system-workloads.js';
import { formatDuration } from '../model/units.js';
import type { Workload, WorkloadSet } from '../model/workloads.js';
import type { BringUpAnalysis, NodeBringUp } from './bringup.js';
import { schedulingFixes } from './fixes.js';

/** A node or a workload the bring-up waited for in vain. */
export interface UnfinishedItem {
  readonly kind: 'node' | 'workload';
  /** The node's name, or the workload's key (`Deployment/default/web`). */
  readonly name: string;
  /** The workload's pods in this state (`default/web-5d8f-abcde`); empty for a node. */
  readonly pods: readonly string[];
  /** As kubectl would show it: `Unschedulable`, `ImagePullBackOff`, `CrashLoopBackOff`, `NotReady`, `K3sOutOfMemory`, … */
  readonly reason: string;
  /** In Kubernetes's words where it has some: the scheduler's message, the kubelet's back-off. */
  readonly message: string;
  /** What to change. */
  readonly fix: string;
}

const MiB = 1024 * 1024;
const mi = (bytes: number) => `${Math.round(bytes / MiB)} MiB`;

function nodeItem(cluster: Cluster, node: NodeBringUp, events: readonly TimelineEvent[], apiUp: boolean): UnfinishedItem {
  const spec = cluster.nodes.find((n) => n.name === node.node);
  const mine = events.filter((e) => e.subject === `node/${node.node}` && e.kind === 'bringup.step');
  const memory = mine.find((e) => e.details?.['step'] === 'k3s-out-of-memory');
  const base = { kind: 'node' as const, name: node.node, pods: [] };
  if (memory && spec) {
    const s = cluster.settings;
    const available = Number(memory.details?.['available'] ?? 0);
    const asAgent = spec.role === 'server' && s.osMemoryUsage + s.k3sAgentMemory < available ? `, or make ${node.node} an agent` : '';
    return {
      ...base,
      reason: 'K3sOutOfMemory',
      message: String(memory.details?.['reason'] ?? memory.message),
      fix:
        `use a board with more than ${mi(Number(memory.details?.['needed'] ?? 0) + s.firmwareMemoryReserve)} of RAM ` +
        `for the ${spec.role} role (K3s documents 2 GB for a server, 512 MB for an agent)${asAgent}`,
    };
  }
  if (node.joinRejected) {
    const token = /token/.test(node.joinRejected);
    return {
      ...base,
      reason: 'JoinRejected',
      message: node.joinRejected,
      fix: token ? `give ${node.node} the servers' token` : `install on ${node.node} a K3s version the skew policy allows`,
    };
  }
  const step =
    node.registered !== null
      ? `registered at ${formatDuration(node.registered)} but never Ready`
      : node.k3sRunning !== null
        ? `k3s running at ${formatDuration(node.k3sRunning)} but never registered`
        : node.booted !== null
          ? `booted at ${formatDuration(node.booted)}; ${apiUp ? 'k3s never ran' : 'k3s waits for a server to join'}`
          : 'never booted';
  const fix = !apiUp
    ? 'the Kubernetes API never came up: see the first server'
    : node.booted === null
      ? `power ${node.node} on and check its boot medium`
      : `check ${node.node}'s network to the server and its k3s service (journalctl -u k3s*)`;
  return { ...base, reason: 'NodeNotReady', message: `${node.node} ${step}`, fix };
}

interface PodState {
  readonly pod: string;
  readonly reason: string;
  readonly message: string;
  readonly fix: string;
}

/** Why one pod is not Ready at the end of the bring-up, from its own events; null if it is. */
function podState(
  subject: string,
  events: readonly TimelineEvent[],
  workload: Workload,
  cluster: Cluster,
  apiUp: boolean,
): PodState | null {
  const pod = subject.replace(/^pod\//, '');
  const mine = events.filter((e) => e.subject === subject);
  const last = mine[mine.length - 1];
  if (!last || last.kind === 'pod.ready' || last.kind === 'pod.succeeded' || last.kind === 'pod.deleted') return null;
  const name = `${workload.namespace}/${workload.name}`;
  const scheduledAt = mine.findLastIndex((e) => e.kind === 'pod.scheduled');
  const unschedulable = mine.findLastIndex((e) => e.kind === 'pod.unschedulable');
  if (unschedulable > scheduledAt) {
    const message = String(mine[unschedulable]?.details?.['reason'] ?? mine[unschedulable]?.message ?? '');
    const nodes = cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent');
    return { pod, reason: 'Unschedulable', message, fix: schedulingFixes(message, workload, nodes).join('; or ') };
  }
  if (scheduledAt < 0) {
    const [namespace, podName] = pod.split('/');
    const fix = apiUp
      ? `see the scheduler's events: kubectl describe pod -n ${namespace} ${podName}`
      : 'the Kubernetes API never came up: see the nodes';
    return { pod, reason: 'Pending', message: `${pod} was never scheduled`, fix };
  }
  const since = mine.slice(scheduledAt);
  const backOff = since.findLast((e) => e.kind === 'pod.backOff');
  if (backOff) {
    const reason = String(backOff.details?.['reason'] ?? 'BackOff');
    const detail = String(backOff.details?.['detail'] ?? backOff.details?.['exit'] ?? '');
    const fix =
      reason === 'ImagePullBackOff'
        ? /manifest/.test(detail)
          ? `use an image with a build for the node's architecture, or pin ${name} with nodeSelector kubernetes.io/arch`
          : /no space/.test(detail)
            ? "free space on the node's disk"
            : `check the image name and the registry of ${name}`
        : /OOM/i.test(detail)
          ? oomFix(since, name)
          : `see why the container of ${name} exits (kubectl logs --previous)`;
    return { pod, reason, message: backOff.message, fix };
  }
  const failed = since.findLast((e) => e.kind === 'pod.failed');
  if (failed) return { pod, reason: 'Failed', message: failed.message, fix: `see why ${name} failed (kubectl describe pod)` };
  if (since.some((e) => e.kind === 'pod.started')) {
    const needs = workload.template.dependsOn;
    return {
      pod,
      reason: 'NotReady',
      message: `${pod} is running but its readiness probe never passed`,
      fix: dependencyFix(needs, cluster, name),
    };
  }
  const pulling = since.findLast((e) => e.kind === 'pod.pulling');
  return {
    pod,
    reason: 'ContainerCreating',
    message: pulling ? `${pulling.message}: still in progress` : `${pod} was scheduled but its container never started`,
    fix: 'a slow network, storage or a large image: give the bring-up more time, or use a smaller image',
  };
}

/** An OOM kill at the container's limit, or by the kernel on a node out of memory (the pod within its limit). */
function oomFix(since: readonly TimelineEvent[], name: string): string {
  const kill = since.findLast((e) => e.kind === 'pod.oomKilled');
  if (!kill || !/node out of memory/.test(String(kill.details?.['detail'] ?? '')))
    return `raise limits.memory of ${name}: its container is OOM-killed`;
  const node = String(kill.details?.['node'] ?? 'its node');
  return `${node} is out of memory and the kernel kills ${name} first: give ${node} more memory, or move pods off it (requests.memory)`;
}

/** A readiness probe that needs hosts outside Kubernetes (`twin.dev/depends-on`): bring them up, or add them to the cluster. */
function dependencyFix(needs: readonly string[], cluster: Cluster, name: string): string {
  if (needs.length === 0)
    return `${name} starts slower than the bring-up allowed: check its readiness probe, or give the bring-up more time`;
  const missing = needs.filter((host) => !cluster.nodes.some((n) => n.name === host));
  if (missing.length)
    return (
      `its readiness probe needs ${missing.join(', ')}, which the cluster does not have: ` +
      'add it (role external) to the cluster file, or drop twin.dev/depends-on'
    );
  return `its readiness probe needs ${needs.join(', ')}: bring ${needs.length > 1 ? 'them' : 'it'} up`;
}

function workloadItems(
  workload: Workload,
  events: readonly TimelineEvent[],
  cluster: Cluster,
  apiUp: boolean,
  clusterReady: boolean,
): UnfinishedItem[] {
  const subjects = [
    ...new Set(events.filter((e) => e.kind === 'pod.created' && e.details?.['workload'] === workload.key).map((e) => e.subject)),
  ];
  if (subjects.length === 0) {
    const fix = clusterReady
      ? `${workload.key} created no pods: check its spec`
      : 'your workloads are applied once every node is Ready: fix the nodes above';
    return [{ kind: 'workload', name: workload.key, pods: [], reason: 'NotApplied', message: `${workload.key} was never applied`, fix }];
  }
  const groups = new Map<string, { first: PodState; pods: string[] }>();
  for (const subject of subjects) {
    const state = podState(subject, events, workload, cluster, apiUp);
    if (!state) continue;
    const key = `${state.reason}\n${state.fix}`;
    const group = groups.get(key);
    if (group) group.pods.push(state.pod);
    else groups.set(key, { first: state, pods: [state.pod] });
  }
  // An engine that reports no workload events (k3d) leaves a workload whose pods are all Ready unexplained here: it is done.
  if (groups.size === 0 && !events.some((e) => e.kind === 'workload.ready' || e.kind === 'workload.degraded')) return [];
  if (groups.size === 0) {
    const fix = 'its controller did not create every replica in time: give the bring-up more time';
    return [
      { kind: 'workload', name: workload.key, pods: [], reason: 'Progressing', message: `${workload.key} not at its desired state`, fix },
    ];
  }
  return [...groups.values()].map(({ first, pods }) => ({
    kind: 'workload',
    name: workload.key,
    pods,
    reason: first.reason,
    message: first.message,
    fix: first.fix,
  }));
}

/**
 * Everything the bring-up waited for in vain at `phaseStart`, or undefined when it finished
 * (so reports of finished bring-ups carry no such field).
 */
export function unfinishedBringUp(
  timeline: Timeline,
  phaseStart: number,
  cluster: Cluster,
  user: WorkloadSet,
  analysis: BringUpAnalysis,
): UnfinishedItem[] | undefined {
  if (analysis.workloadsReady !== null) return undefined;
  // Event times are rounded to the millisecond; compare with the same resolution.
  const events = timeline.events.filter((e) => e.t <= phaseStart + 0.001);
  const apiUp = analysis.apiAvailable !== null;
  const items = analysis.nodes.filter((n) => n.ready === null).map((n) => nodeItem(cluster, n, events, apiUp));
  const state = new Map<string, boolean>();
  for (const e of events)
    if (e.kind === 'workload.ready' || e.kind === 'workload.degraded') state.set(e.subject, e.kind === 'workload.ready');
  for (const workload of user.workloads) {
    if (state.get(`workload/${workload.namespace}/${workload.kind}/${workload.name}`)) continue;
    items.push(...workloadItems(workload, events, cluster, apiUp, analysis.clusterReady !== null));
  }
  if (cluster.rancher) items.push(...rancherItems(cluster, events, analysis, apiUp, state));
  return items;
}

/**
 * With Rancher, the bring-up also waits for the import and the cattle-cluster-agent (the sim engine for an agent pod
 * Running, the k3d engine for one Ready): what held them back. The agent is read from its pods' events as a user
 * workload is, so one that is not Ready at the end (crashing, say) is listed even where it did not hold the sim back.
 */
function rancherItems(
  cluster: Cluster,
  events: readonly TimelineEvent[],
  analysis: BringUpAnalysis,
  apiUp: boolean,
  ready: ReadonlyMap<string, boolean>,
): UnfinishedItem[] {
  const host = cluster.rancher?.node ?? '';
  if (!events.some((e) => e.kind === 'bringup.step' && e.details?.['step'] === 'rancher-import')) {
    if (!apiUp) return [];
    const answered = events.some((e) => e.kind === 'rancher.available');
    const message = answered ? 'Rancher answered but the import was not applied' : `Rancher on ${host} never answered`;
    const fix = `check the Rancher container on ${host} (docker logs), or give the bring-up more time`;
    return [{ kind: 'workload', name: 'Rancher import', pods: [], reason: 'NotImported', message, fix }];
  }
  const items: UnfinishedItem[] = [];
  for (const agent of systemWorkloadsOf(cluster).workloads.filter((w) => w.namespace === 'cattle-system')) {
    if (ready.get(`workload/${agent.namespace}/${agent.kind}/${agent.name}`)) continue;
    if (events.some((e) => e.kind === 'pod.created' && e.details?.['workload'] === agent.key)) {
      items.push(...workloadItems(agent, events, cluster, apiUp, analysis.clusterReady !== null));
      continue;
    }
    const fix = `check Rancher on ${host} and the agent's log: kubectl logs -n ${agent.namespace} deploy/${agent.name}`;
    items.push({ kind: 'workload', name: agent.key, pods: [], reason: 'NotReady', message: `${agent.key} never became Ready`, fix });
  }
  return items;
}

/** One line per item, for terminals: `workload Deployment/default/web (2 pods): Unschedulable: 0/3 nodes… — fix: …`. */
export function unfinishedLines(items: readonly UnfinishedItem[]): string[] {
  return items.map((item) => {
    const pods = item.pods.length ? ` (${item.pods.length === 1 ? item.pods[0] : `${item.pods.length} pods`})` : '';
    return `${item.kind} ${item.name}${pods}: ${item.reason}: ${item.message} — fix: ${item.fix}`;
  });
}

/**
 * The timing figures `twin calibrate` reads from a cluster's core/v1 Events: kubelet start →
 * node Ready, K3s process start → kubelet start (agent) or → the API answering (server: the API
 * server's write of the kubernetes EndpointSlice once it is ready), boot after a reboot, pod
 * scheduled → container started, and image pull throughput. Pure functions of recorded objects; no I/O, no clock.
 *
 * Event messages, as the Kubernetes v1.31 sources write them (KK = kubernetes/kubernetes):
 * - `Starting kubelet.` (reason Starting, KK pkg/kubelet/kubelet.go, Kubelet.Run → events.StartingKubelet);
 * - `Node X status is now: NodeReady` (reason NodeReady, KK pkg/kubelet/nodestatus/setters.go ReadyCondition,
 *   written when the kubelet's Ready condition changes);
 * - `Node X has been rebooted, boot id: Y` (reason Rebooted, KK pkg/kubelet/nodestatus/setters.go MachineInfo, when the
 *   node's bootID differs from the one it had);
 * - `Registered Node X in Controller` (reason RegisteredNode, KK pkg/controller/nodelifecycle/node_lifecycle_controller.go,
 *   for every node the node-lifecycle controller sees first after it starts);
 * - `Successfully pulled image "I" in 1.2s (1.5s including waiting). Image size: N bytes.` and
 *   `Container image "I" already present on machine` (reason Pulled, KK pkg/kubelet/images/image_manager.go; the size
 *   clause since v1.30, older kubelets end after "including waiting)" or after the duration: those are skipped);
 * - `Successfully assigned NS/POD to NODE` (reason Scheduled, kube-scheduler, events.k8s.io: eventTime in microseconds).
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import { parseGoDuration } from '../model/k3s-flag-table.js';
import { eventComponent, eventHost, eventTimes, type EventTimes, type FigureSamples, type Sample } from './calibrate-samples.js';

interface Timed {
  readonly event: CoreV1Event;
  readonly times: EventTimes;
}

function timed(events: readonly CoreV1Event[], keep: (event: CoreV1Event) => boolean, from: number, to: number): Timed[] {
  const out: Timed[] = [];
  for (const event of events) {
    if (!keep(event)) continue;
    const times = eventTimes(event);
    if (times && times.first >= from && times.first <= to) out.push({ event, times });
  }
  return out.sort((a, b) => a.times.first - b.times.first);
}

const onNode = (event: CoreV1Event, node: string) => event.involvedObject?.kind === 'Node' && event.involvedObject.name === node;
const isKubeletStart = (e: CoreV1Event) => e.reason === 'Starting' && /^Starting kubelet/.test(e.message ?? '');

/** Every kubelet start on the node in the window (one Event object per kubelet process). */
function kubeletStarts(events: readonly CoreV1Event[], node: string, from: number, to: number): Timed[] {
  return timed(events, (e) => onNode(e, node) && isKubeletStart(e), from, to);
}

const isKubeletReady = (node: string) => (e: CoreV1Event) => onNode(e, node) && e.reason === 'NodeReady' && eventComponent(e) === 'kubelet';

/**
 * Kubelet start → the node's first NodeReady, for the start that registered the node (the Node
 * object was created between the two): what the model's nodeReadyAfterRegistration stands for. A
 * restart of a registered node goes Ready as soon as K3s is up; that is the agent's k3sStart.
 * A NodeReady Event written by the same kubelet process for a later transition is folded into the
 * first one's object (count, lastTimestamp), so its firstTimestamp is the first Ready after that start.
 */
export function nodeReadySamples(
  events: readonly CoreV1Event[],
  node: string,
  created: number | undefined,
  from: number,
  to: number,
): FigureSamples {
  const starts = kubeletStarts(events, node, from, to);
  const ready = timed(events, isKubeletReady(node), from, to);
  const samples: Sample[] = [];
  starts.forEach((start, i) => {
    const next = starts[i + 1]?.times.first ?? Infinity;
    const first = ready.find((r) => r.times.first >= start.times.first && r.times.first < next);
    const registered = created !== undefined && created >= start.times.first && (!first || created <= first.times.first);
    if (first && registered) samples.push({ value: first.times.moment - start.times.moment, at: first.times.first });
  });
  return {
    samples,
    source:
      'kubelet Events: Starting ("Starting kubelet.") → its first NodeReady, for the start that registered the Node ' +
      '(creationTimestamp between them); whole seconds',
  };
}

/**
 * Agent: K3s process start (process_start_time_seconds of its /metrics; the kubelet runs inside
 * the k3s process) → the node Ready again, for a restart of a registered node (its first kubelet
 * NodeReady; its Starting kubelet Event when it never left Ready), or → Starting kubelet when that
 * start registered the node. Only the latest start is visible: one sample.
 */
export function agentStartSamples(
  events: readonly CoreV1Event[],
  node: string,
  created: number | undefined,
  processStart: number,
  to: number,
): FigureSamples {
  // Event stamps are whole seconds, truncated: an Event can read up to 1 s before the process start.
  const from = Math.floor(processStart);
  const start = kubeletStarts(events, node, from, to)[0];
  const registering = created !== undefined && created >= from;
  const ready = registering ? undefined : timed(events, isKubeletReady(node), from, to)[0];
  const end = ready ?? start;
  return {
    samples: end === undefined ? [] : [{ value: Math.max(0, end.times.moment - processStart), at: end.times.first }],
    source:
      'kubelet /metrics process_start_time_seconds (the k3s process) → the node Ready again (restart: first NodeReady, ' +
      'else Starting kubelet; registration: Starting kubelet); latest start only, Events in whole seconds',
  };
}

/**
 * Server: K3s process start → the API answering. The API server's "kubernetes" Service controller
 * takes the server's address out of that Service's endpoints when it stops cleanly (the last API
 * server too: KK pkg/controlplane/reconcilers/lease.go, stopReconcilingCalled) and puts it back
 * once its own /readyz answers 200 after the next start (pkg/controlplane/controller/
 * kubernetesservice, Run, a 100 ms poll): the newest managedFields time of the EndpointSlice's
 * endpoints, when it comes after this start, is that moment, to the second. After a power cut the
 * address was never taken out and there is no such write; then (or when the slice is not
 * readable) between two Events after the start: the server's own kubelet starting (near the API's
 * readiness, on either side: K3s lets a server's own node fetch its kubelet certificate before the
 * API is up, k3s pkg/server/router.go passwordBootstrap) and the node controller's first
 * RegisteredNode (the controller-manager starts once the API answers: later), the figure their
 * middle and its range the two.
 */
export function serverStartSamples(
  events: readonly CoreV1Event[],
  processStart: number,
  to: number,
  created: ReadonlyMap<string, number> = new Map(),
  node?: string,
  endpointWritten?: number,
): FigureSamples {
  // Only nodes that existed before this start: a node that joins later is registered when it joins.
  const existed = (e: CoreV1Event) => (created.get(e.involvedObject?.name ?? '') ?? Infinity) < processStart;
  const registered = timed(
    events,
    (e) => e.reason === 'RegisteredNode' && eventComponent(e) === 'node-controller' && existed(e),
    Math.floor(processStart),
    to,
  )[0];
  // managedFields times are whole seconds, truncated, as the Events' are: the write is at + 0.5 s. It counts when its
  // second began after the start (the API cannot answer within the second it starts; a write before is the old
  // process's) and, when the controller-manager has registered the nodes since, not after that (which needs the API).
  if (
    endpointWritten !== undefined &&
    endpointWritten > processStart &&
    endpointWritten <= to &&
    (registered === undefined || endpointWritten <= registered.times.first)
  )
    return { samples: [{ value: endpointWritten + 0.5 - processStart, at: endpointWritten }], source: serverStartSource };
  if (registered === undefined) return { samples: [], source: serverStartSource };
  const samples = [{ value: Math.max(0, registered.times.moment - processStart), at: registered.times.first }];
  const kubelet = node === undefined ? undefined : kubeletStarts(events, node, Math.floor(processStart), to)[0];
  if (kubelet && kubelet.times.moment < registered.times.moment)
    samples.push({ value: Math.max(0, kubelet.times.moment - processStart), at: kubelet.times.first });
  return { samples, source: serverStartSource };
}

const serverStartSource =
  'process_start_time_seconds of the server (earliest of its kubelet and API server /metrics) → the API answering: ' +
  "the API server's write of the kubernetes EndpointSlice after that start (after a clean stop, its address put back " +
  "once its /readyz answers); without it, between its own kubelet's Starting Event and the first node-controller RegisteredNode Event " +
  '(later); latest start only';

/**
 * Boot after a reboot, as an upper bound: the node controller marks the node NotReady
 * `nodeMonitorGracePeriod` after its last heartbeat, so the power went off no earlier than
 * NodeNotReady − grace; the board then booted and K3s started: boot ≤ K3s start − (NodeNotReady − grace).
 */
export function bootSamples(
  events: readonly CoreV1Event[],
  node: string,
  processStart: number | undefined,
  grace: number,
  from: number,
  to: number,
): FigureSamples & { reason?: string } {
  const source =
    'kubelet Rebooted Event; the node-controller NodeNotReady before it less node-monitor-grace-period (the last heartbeat) → ' +
    'the k3s process start of that boot: an upper bound';
  const reboots = timed(events, (e) => onNode(e, node) && e.reason === 'Rebooted', from, to);
  if (reboots.length === 0) return { samples: [], source, reason: 'no reboot in the window (no Rebooted event)' };
  if (processStart === undefined)
    return { samples: [], source, reason: 'rebooted, but the k3s process start is unknown (/metrics not read)' };
  const notReady = timed(
    events,
    (e) => onNode(e, node) && e.reason === 'NodeNotReady' && eventComponent(e) === 'node-controller',
    from,
    to,
  );
  // Only the boot whose k3s process is the one running now: its start is the one /metrics shows.
  const reboot = reboots.find((r) => r.times.first >= Math.floor(processStart));
  const before = reboot ? notReady.filter((n) => n.times.last <= reboot.times.first).at(-1) : undefined;
  if (!reboot || !before)
    return {
      samples: [],
      source,
      reason: 'no NodeNotReady before the latest reboot to date the power-off (a reboot faster than the grace period)',
    };
  const heartbeat = before.times.last - grace;
  return { samples: [{ value: Math.max(0, processStart - heartbeat), at: reboot.times.first }], source };
}

/** A parsed `Successfully pulled image` message. */
export interface PullMessage {
  readonly image: string;
  /** The pull itself (CRI PullImage), seconds. */
  readonly pull: number;
  /** The pull with its wait in the kubelet's pull queue, seconds. */
  readonly total: number;
  /** Image size in bytes, when the kubelet wrote it (v1.30 and later). */
  readonly size?: number;
}

const pulledPattern = /^Successfully pulled image "(.+)" in (\S+?)(?: \((\S+) including waiting\))?(?:\. Image size: (\d+) bytes\.)?$/;

/**
 * More than 10 Events of one reason for one object within 10 minutes are folded into one whose
 * message is the latest, prefixed (client-go tools/record/events_cache.go, EventAggregate:
 * defaultAggregateMaxEvents, defaultAggregateIntervalInSeconds, "(combined from similar events): ").
 */
const combinedPrefix = /^\(combined from similar events\): /;

export function parsePulledMessage(message: string): PullMessage | undefined {
  const match = pulledPattern.exec(message.trim().replace(combinedPrefix, ''));
  if (!match) return undefined;
  try {
    const pull = parseGoDuration(match[2] ?? '');
    const total = match[3] ? parseGoDuration(match[3]) : pull;
    return { image: match[1] ?? '', pull, total, ...(match[4] ? { size: Number(match[4]) } : {}) };
  } catch {
    return undefined;
  }
}

const isPulled = (e: CoreV1Event) => e.reason === 'Pulled' && eventComponent(e) === 'kubelet';

/** Image pull throughput: the image size over the pull's own duration, one sample per Pulled Event that names a size. */
export function imagePullSamples(events: readonly CoreV1Event[], node: string, from: number, to: number): FigureSamples {
  const samples: Sample[] = [];
  for (const { event, times } of timed(events, (e) => isPulled(e) && eventHost(e) === node, from, to)) {
    const pulled = parsePulledMessage(event.message ?? '');
    if (pulled?.size !== undefined && pulled.pull > 0) samples.push({ value: pulled.size / pulled.pull, at: times.first });
  }
  return {
    samples,
    source: 'kubelet Pulled Events: "Image size: N bytes" ÷ the pull duration (without waiting); messages without a size skipped',
  };
}

/**
 * Pod scheduled (the scheduler's Scheduled Event, microseconds) → its first container started
 * (the kubelet's first Started Event for the pod), less the image pulls that finished before
 * that start (their duration with waiting; 0 when the image was already present).
 */
export function containerStartSamples(
  events: readonly CoreV1Event[],
  node: string,
  from: number,
  to: number,
  nodeOfPod: ReadonlyMap<string, string> = new Map(),
): FigureSamples {
  const byPod = new Map<string, CoreV1Event[]>();
  for (const event of events) {
    const uid = event.involvedObject?.uid;
    if (event.involvedObject?.kind !== 'Pod' || !uid) continue;
    byPod.set(uid, [...(byPod.get(uid) ?? []), event]);
  }
  const samples: Sample[] = [];
  for (const [uid, podEvents] of byPod) {
    const host = (e: CoreV1Event) => eventHost(e) ?? nodeOfPod.get(uid);
    const scheduled = timed(podEvents, (e) => e.reason === 'Scheduled', from, to)[0];
    const started = timed(podEvents, (e) => e.reason === 'Started' && eventComponent(e) === 'kubelet' && host(e) === node, from, to)[0];
    if (!scheduled || !started || started.times.first < Math.floor(scheduled.times.first)) continue;
    const pulls = timed(podEvents, isPulled, Math.floor(scheduled.times.first), started.times.first)
      .map((p) => parsePulledMessage(p.event.message ?? '')?.total ?? 0)
      .reduce((sum, s) => sum + s, 0);
    samples.push({ value: Math.max(0, started.times.moment - scheduled.times.moment - pulls), at: started.times.first });
  }
  return {
    samples,
    source:
      'Scheduled Event (scheduler, µs) → first Started Event of the pod (kubelet, whole seconds: the middle of that second), ' +
      'less its Pulled durations with waiting (0 when already present)',
  };
}

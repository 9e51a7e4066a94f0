/**
 * Turns what a real cluster shows — Kubernetes watch events (Nodes, Pods, EndpointSlices,
 * Leases) — into the same timeline events the sim engine emits, so expectations and reports work
 * unchanged. Docker's own events for ground truth are read in docker-events.ts, the Rancher
 * agent's connection in rancher-events.ts.
 */
import type { KubernetesObject, V1Deployment, V1Job, V1Node, V1Pod, V1Taint } from '@kubernetes/client-node';
import type { TimelineEvent, TimelineEventKind, TimelineView, DetailValue } from '../../model/timeline.js';
import { pressureChanges, pressureStatuses, taintChanges, type PressureStatuses } from './node-conditions.js';
import { backOffSeconds, oomKillOf, workloadOf } from './pod-facts.js';

export { backOffSeconds, workloadOf };

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface PodState {
  readonly node: string | null;
  readonly phase: string;
  readonly ready: boolean;
  readonly restarts: number;
  readonly terminating: boolean;
  readonly waiting: string;
  /** Each container's latest termination seen as an OOM kill (container id, else name and finish time). */
  readonly terminations: ReadonlySet<string>;
}

interface EndpointSliceLike extends KubernetesObject {
  endpoints?: Array<{ conditions?: { ready?: boolean }; nodeName?: string }>;
}

interface LeaseLike extends KubernetesObject {
  spec?: { holderIdentity?: string; renewTime?: string | Date };
}

export interface TranslatorOptions {
  /**
   * Where service outages come from: `endpoints` (no ready endpoint left in the API) or
   * `probe` (a prober outside the API reports them; EndpointSlices are then only tracked).
   */
  readonly serviceOutages?: 'endpoints' | 'probe';
}

export class WatchTranslator {
  private readonly nodes = new Map<string, { ready: string; taints: string[]; pressure: PressureStatuses }>();
  /** Nodes whose kubelet has not renewed its Lease since the API last went away. */
  private readonly silenced = new Set<string>();
  /** Each node's Lease renewTime as last seen. */
  private readonly renewals = new Map<string, string>();
  private readonly pods = new Map<string, PodState>();
  private readonly services = new Map<string, Map<string, number>>();
  private readonly leaders = new Map<string, string>();
  readonly events: TimelineEvent[] = [];
  /** Wall-clock ms after which a controller's new pod counts as a replacement (the fault phase); null before it. */
  replacementsAfter: number | null = null;
  /** Sees each event as it is recorded (the live run's stream). */
  onEvent: ((event: TimelineEvent) => void) | null = null;

  /** `origin`: wall-clock milliseconds of t = 0. */
  constructor(
    private readonly origin: number,
    private readonly options: TranslatorOptions = {},
  ) {}

  /** Ready condition of a node as the API last showed it (`True`, `False`, `Unknown`), or undefined. */
  nodeReady(name: string): string | undefined {
    return this.nodes.get(name)?.ready;
  }

  /** Records an event observed outside the watches (probes, Docker) at wall-clock time `at` (ms). */
  emit(
    at: number,
    kind: TimelineEventKind,
    subject: string,
    view: TimelineView,
    message: string,
    details?: Record<string, DetailValue>,
  ): void {
    const t = Math.round(Math.max(0, at - this.origin)) / 1000;
    const event: TimelineEvent = details ? { t, kind, subject, view, message, details } : { t, kind, subject, view, message };
    if (kind === 'api.unavailable') for (const name of this.nodes.keys()) this.silenced.add(name);
    this.events.push(event);
    this.onEvent?.(event);
  }

  /** Translates one watch event observed at wall-clock time `at` (ms). */
  translate(type: WatchType, object: KubernetesObject, at: number): void {
    switch (object.kind) {
      case 'Node':
        return this.node(type, object as V1Node, at);
      case 'Pod':
        return this.pod(type, object as V1Pod, at);
      case 'EndpointSlice':
        return this.endpointSlice(type, object as EndpointSliceLike, at);
      case 'Lease':
        return this.lease(object as LeaseLike, at);
      case 'Job':
        return this.job(type, object as V1Job, at);
      case 'Deployment':
        return this.deployment(object as V1Deployment, at);
      default:
        return;
    }
  }

  private node(type: WatchType, node: V1Node, at: number): void {
    const name = node.metadata?.name ?? '';
    const subject = `node/${name}`;
    const previous = this.nodes.get(name);
    if (type === 'DELETED') {
      this.nodes.delete(name);
      // `kubectl delete node` (the delete-node fault): the same event the sim engine records.
      if (previous) this.emit(at, 'node.deleted', subject, 'api', `Node ${name} deleted`);
      return;
    }
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
    const taints = (node.spec?.taints ?? []).map((t: V1Taint) => `${t.key}:${t.effect}`);
    if (!previous) this.emit(at, 'node.registered', subject, 'api', `${name} registered`);
    if (!previous || previous.ready !== ready) {
      const text = ready === 'True' ? `${name} is Ready` : `${name} is NotReady (${ready})`;
      this.emit(at, 'node.condition', subject, 'api', text, { type: 'Ready', status: ready });
      this.silenced.delete(name);
    }
    const pressure = pressureStatuses(node);
    for (const c of pressureChanges(name, previous?.pressure, pressure)) {
      this.emit(at, 'node.condition', subject, 'api', c.text, { type: c.type, status: c.status });
    }
    for (const c of taintChanges(name, previous?.taints ?? [], taints)) {
      this.emit(at, 'node.taint', subject, 'api', c.text, { key: c.key, effect: c.effect, action: c.action });
    }
    this.nodes.set(name, { ready, taints, pressure });
  }

  private pod(type: WatchType, pod: V1Pod, at: number): void {
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    const subject = `pod/${namespace}/${name}`;
    const previous = this.pods.get(subject);
    if (type === 'DELETED') {
      this.pods.delete(subject);
      this.emit(at, 'pod.deleted', subject, 'api', `${name} removed from the API`, { node: previous?.node ?? null });
      return;
    }
    const statuses = pod.status?.containerStatuses ?? [];
    const state: PodState = {
      node: pod.spec?.nodeName ?? null,
      phase: pod.status?.phase ?? 'Pending',
      ready: pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
      restarts: statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0),
      terminating: Boolean(pod.metadata?.deletionTimestamp),
      waiting: statuses.map((s) => s.state?.waiting?.reason).find(Boolean) ?? '',
      terminations: new Set(statuses.flatMap((s) => oomKillOf(s) ?? [])),
    };
    if (!previous) {
      const owner = pod.metadata?.ownerReferences?.[0];
      const replacement = !!owner && this.replacementsAfter !== null && at >= this.replacementsAfter;
      this.emit(at, 'pod.created', subject, 'api', `${name} created${owner ? ` by ${owner.kind} ${owner.name}` : ''}`, {
        workload: workloadOf(pod),
        replacement,
      });
    }
    if (state.node && state.node !== previous?.node)
      this.emit(at, 'pod.scheduled', subject, 'api', `${name} assigned to ${state.node}`, { node: state.node });
    if (state.phase === 'Running' && previous?.phase !== 'Running')
      this.emit(at, 'pod.started', subject, 'api', `${name} Running on ${state.node ?? '?'}`, {
        node: state.node,
        restarts: state.restarts,
      });
    // An OOM kill when the API first shows it: as the container's state (terminated) or, when the kubelet
    // restarted it before the watch saw that, as its last state. A container waiting out its back-off
    // keeps its restart count until it restarts, so a count alone would place the kill that much later.
    for (const s of statuses) {
      const kill = oomKillOf(s);
      if (kill === undefined || previous?.terminations.has(kill)) continue;
      const restarts = state.restarts + (s.state?.running ? 0 : 1);
      this.emit(at, 'pod.oomKilled', subject, 'api', `${name} OOMKilled (restarts: ${restarts})`, { node: state.node, restarts });
    }
    if (state.waiting && state.waiting !== previous?.waiting && /BackOff$/.test(state.waiting)) {
      const backoff = backOffSeconds(statuses.map((s) => s.state?.waiting?.message).find(Boolean) ?? '');
      this.emit(at, 'pod.backOff', subject, 'api', `${name} ${state.waiting}${backoff !== null ? `: back-off ${backoff} s` : ''}`, {
        reason: state.waiting,
        node: state.node,
        ...(backoff !== null ? { backoff } : {}),
      });
    }
    if (state.ready !== (previous?.ready ?? false))
      this.emit(
        at,
        state.ready ? 'pod.ready' : 'pod.unready',
        subject,
        'api',
        `${name} ${state.ready ? 'Ready' : 'not ready'}${state.node ? ` on ${state.node}` : ''}`,
        { node: state.node },
      );
    if (state.terminating && !previous?.terminating)
      this.emit(at, 'pod.terminating', subject, 'api', `${name} deleted (Terminating)`, { node: state.node });
    if (state.phase === 'Succeeded' && previous?.phase !== 'Succeeded') this.emit(at, 'pod.succeeded', subject, 'api', `${name} completed`);
    if (state.phase === 'Failed' && previous?.phase !== 'Failed')
      this.emit(
        at,
        pod.status?.reason === 'Evicted' ? 'pod.evicted' : 'pod.failed',
        subject,
        'api',
        `${name} Failed${pod.status?.reason ? ` (${pod.status.reason})` : ''}`,
        { reason: pod.status?.reason ?? '', node: state.node },
      );
    this.pods.set(subject, state);
  }

  /** Service outages as the API sees them: no ready endpoint left in any of its slices. */
  private endpointSlice(type: WatchType, slice: EndpointSliceLike, at: number): void {
    const namespace = slice.metadata?.namespace ?? 'default';
    const service = slice.metadata?.labels?.['kubernetes.io/service-name'];
    if (!service) return;
    const key = `${namespace}/${service}`;
    const slices = this.services.get(key) ?? new Map<string, number>();
    const before = [...slices.values()].reduce((a, b) => a + b, 0);
    const ready = type === 'DELETED' ? 0 : (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
    slices.set(slice.metadata?.name ?? '', ready);
    this.services.set(key, slices);
    const after = [...slices.values()].reduce((a, b) => a + b, 0);
    if (this.options.serviceOutages === 'probe') return;
    if (before > 0 && after === 0)
      this.emit(at, 'service.outageStarted', `service/${key}`, 'api', `service ${key} has no ready endpoint`, { endpoints: 0 });
    if (before === 0 && after > 0 && this.seen.has(key))
      this.emit(at, 'service.outageEnded', `service/${key}`, 'api', `service ${key} has ${after} ready endpoint(s) again`, {
        endpoints: after,
      });
    if (after > 0) this.seen.add(key);
  }

  private readonly seen = new Set<string>();
  /** Deployments whose Progressing condition is False with ProgressDeadlineExceeded. */
  private readonly stuck = new Set<string>();

  /** Progressing=False, reason ProgressDeadlineExceeded (KK pkg/controller/deployment/progress.go), as the sim records it. */
  private deployment(deployment: V1Deployment, at: number): void {
    const namespace = deployment.metadata?.namespace ?? 'default';
    const name = deployment.metadata?.name ?? '';
    const progressing = deployment.status?.conditions?.find((c) => c.type === 'Progressing');
    const stuck = progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded';
    if (stuck && !this.stuck.has(`${namespace}/${name}`))
      this.emit(
        at,
        'workload.progressDeadlineExceeded',
        `workload/${namespace}/Deployment/${name}`,
        'api',
        `Deployment ${name}: Progressing=False (ProgressDeadlineExceeded)`,
        {
          reason: 'ProgressDeadlineExceeded',
          available: deployment.status?.availableReplicas ?? 0,
          desired: deployment.spec?.replicas ?? 1,
        },
      );
    if (stuck) this.stuck.add(`${namespace}/${name}`);
    else this.stuck.delete(`${namespace}/${name}`);
  }

  /** Jobs seen, and the terminal condition (Complete/Failed) already recorded for each. */
  private readonly jobs = new Map<string, string | null>();

  /**
   * A Job's terminal condition as `kubectl get job` shows it (status.conditions Complete or Failed
   * with status True, and the reason), as the sim engine records it; a Job a CronJob created is
   * recorded as that CronJob's run (its `batch.kubernetes.io/cronjob-scheduled-timestamp`, 1.28+).
   */
  private job(type: WatchType, job: V1Job, at: number): void {
    const namespace = job.metadata?.namespace ?? 'default';
    const name = job.metadata?.name ?? '';
    const key = `${namespace}/${name}`;
    const subject = `workload/${namespace}/Job/${name}`;
    if (type === 'DELETED') {
      this.jobs.delete(key);
      return;
    }
    const owner = job.metadata?.ownerReferences?.find((o) => o.kind === 'CronJob');
    const cronJob = owner ? `CronJob/${namespace}/${owner.name}` : null;
    if (!this.jobs.has(key)) {
      this.jobs.set(key, null);
      const scheduledTime = job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'] ?? null;
      if (owner)
        this.emit(
          at,
          'cronjob.scheduled',
          `workload/${namespace}/CronJob/${owner.name}`,
          'api',
          `CronJob ${owner.name} created Job ${name}`,
          {
            job: `Job/${namespace}/${name}`,
            scheduledTime,
          },
        );
    }
    const terminal = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    if (!terminal || this.jobs.get(key) === terminal.type) return;
    this.jobs.set(key, terminal.type);
    const complete = terminal.type === 'Complete';
    this.emit(
      at,
      complete ? 'job.complete' : 'job.failed',
      subject,
      'api',
      complete ? `Job ${name} Complete: ${job.status?.succeeded ?? 0} pod(s) succeeded` : `Job ${name} Failed: ${terminal.reason ?? ''}`,
      {
        condition: terminal.type,
        reason: terminal.reason ?? null,
        succeeded: job.status?.succeeded ?? 0,
        failed: job.status?.failed ?? 0,
        cronJob,
      },
    );
  }

  private lease(lease: LeaseLike, at: number): void {
    const name = lease.metadata?.name ?? '';
    if (lease.metadata?.namespace === 'kube-node-lease') return this.nodeLease(name, String(lease.spec?.renewTime ?? ''), at);
    if (lease.metadata?.namespace !== 'kube-system' || !['kube-controller-manager', 'kube-scheduler'].includes(name)) return;
    const holder = lease.spec?.holderIdentity ?? '';
    // holderIdentity is hostname_UUID, new for every process (KK cmd/kube-controller-manager/app/controllermanager.go),
    // so a restarted leader shows as a change too. The sim engine emits the same event with the same subject.
    const server = holder.split('_')[0] ?? holder;
    if (holder && this.leaders.get(name) !== holder)
      this.emit(at, 'leader.acquired', `lease/kube-system/${name}`, 'api', `${server} acquired the ${name} Lease`, { holder: server });
    this.leaders.set(name, holder);
  }

  /**
   * A kubelet's Lease renewed for the first time since the API went away, on a node whose Ready condition nobody
   * changed meanwhile: the kubelet is back (it patches no unchanged status until nodeStatusReportFrequency, KK
   * kubelet_node_status.go tryUpdateNodeStatus), the moment the sim engine records the same way.
   */
  private nodeLease(node: string, renewTime: string, at: number): void {
    const previous = this.renewals.get(node);
    this.renewals.set(node, renewTime);
    if (previous === undefined || previous === renewTime || this.nodes.get(node)?.ready !== 'True' || !this.silenced.delete(node)) return;
    this.emit(at, 'node.condition', `node/${node}`, 'api', `${node} kubelet renews its Lease again (condition stayed Ready)`, {
      type: 'Ready',
      status: 'True',
      transition: false,
    });
  }
}

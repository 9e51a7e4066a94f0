/**
 * Workload controllers: ReplicaSet/Deployment (with rolling updates), StatefulSet,
 * DaemonSet, Job and bare pods. They only act while the controller-manager runs, and
 * they act on what the API shows, not on ground truth.
 *
 * The behaviours users most often get wrong are here: a pod with a deletionTimestamp no
 * longer counts for its ReplicaSet, so a replacement is made at once (KK
 * pkg/controller/controller_utils.go IsPodActive); a StatefulSet makes no replacement until
 * the old pod object is really gone (K8sDocs tasks/run-application/force-delete-stateful-set-pod).
 * What each kind does on a pass is in `workload-kinds.ts`; this component keeps the pods,
 * volumes and readiness bookkeeping and calls it.
 */
import type { ControllersContext, ControllersPort } from './context.js';
import { cronJobOf, newCronJobsState, syncCronJob } from './cronjobs.js';
import { updateRollout, type Rollouts } from './rollout-progress.js';
import type { Rng } from './rng.js';
import { daemonEligibleOn } from './scheduling.js';
import { newPod, podSubject, type SimNode, type SimPod, type WorkloadState } from './state.js';
import { Priority } from './priority.js';
import { taintKeys, tolerates } from './taints.js';
import {
  activePods,
  onJobPodFailed,
  reconcileDaemonSet,
  reconcileJob,
  reconcileReplicaSet,
  reconcileStatefulSet,
  type PodControls,
} from './workload-kinds.js';

/** A workload's timeline subject, built only for an event (a sync that changes nothing emits none). */
const workloadSubject = (workload: WorkloadState): string =>
  `workload/${workload.spec.namespace}/${workload.spec.kind}/${workload.spec.name}`;

const suffixAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** A pod-template-hash-like name part, stable for a workload revision. */
function templateHash(text: string): string {
  let h = 2166136261;
  let out = '';
  for (let round = 0; out.length < 10; round++) {
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    h = Math.imul(h ^ round, 16777619);
    out += suffixAlphabet[(h >>> 0) % suffixAlphabet.length];
  }
  return out;
}

export class WorkloadControllers implements ControllersPort, PodControls {
  private readonly dirty = new Set<WorkloadState>();
  /** `namespace/claim` → node its local-path volume was provisioned on. */
  private readonly claimNodes = new Map<string, string>();
  /** DaemonSet/node pairs that have had a pod, so a new one there is a replacement. */
  private readonly daemonServed = new Set<string>();
  /** The CronJob controller's and the Deployment controller's memory between syncs. */
  private readonly cronJobs = newCronJobsState();
  private readonly rollouts: Rollouts = new Map();
  private readonly replicaSetNames = new Map<WorkloadState, { revision: number; name: string }>();

  constructor(
    private readonly ctx: ControllersContext,
    /** Draws pod-name suffixes. */
    private readonly rng: Rng,
  ) {}

  private readonly activeScratch: SimPod[] = [];
  private activeInUse = false;
  private readonly markDirtyFn = (workload: WorkloadState): void => this.markDirty(workload);

  markDirty(workload: WorkloadState): void {
    workload.changedSinceSample = true;
    this.dirty.add(workload);
    this.ctx.requestFlush();
  }

  markAllDirty(): void {
    for (const w of this.ctx.world.workloads) {
      w.changedSinceSample = true;
      this.dirty.add(w);
    }
    this.ctx.requestFlush();
  }

  reconcileDirty(): void {
    if (!this.ctx.controlPlane.controllersUp || this.dirty.size === 0) {
      for (const w of this.dirty) this.trackReadiness(w);
      return;
    }
    const batch = [...this.dirty];
    this.dirty.clear();
    for (const workload of batch) {
      switch (workload.spec.kind) {
        case 'Deployment':
        case 'ReplicaSet': {
          // The rollout reads the same active pods unless the sync created or deleted some. The list is one array
          // reused from sync to sync (neither keeps it), unless a sync starts within another (an event listener's).
          const own = !this.activeInUse;
          this.activeInUse = true;
          const active = activePods(workload, own ? this.activeScratch : []);
          const changed = reconcileReplicaSet(this.ctx, this, workload, active);
          if (workload.spec.kind === 'Deployment')
            updateRollout(this.ctx, this.markDirtyFn, this.rollouts, workload, changed ? activePods(workload) : active);
          if (own) this.activeInUse = false;
          break;
        }
        case 'StatefulSet':
          reconcileStatefulSet(this, workload);
          break;
        case 'DaemonSet':
          reconcileDaemonSet(this.ctx, this, workload, this.daemonServed);
          break;
        case 'Job': {
          const starting = workload.job.startedAt === null;
          const terminal = workload.job.terminal;
          reconcileJob(this.ctx, this, workload);
          const deadline = workload.spec.activeDeadlineSeconds;
          if (starting && deadline !== null) this.ctx.env.after(deadline, Priority.controller, () => this.markDirty(workload));
          // The CronJob controller watches its Jobs: one that finished is synced again.
          const owner = cronJobOf(this.ctx, workload);
          if (owner && terminal !== workload.job.terminal) this.markDirty(owner);
          break;
        }
        case 'CronJob':
          syncCronJob(this.ctx, this, this.cronJobs, workload);
          break;
        case 'Pod':
          if (workload.pods.size === 0 && workload.nextOrdinal === 0) this.createPod(workload, 0);
          break;
      }
      this.trackReadiness(workload);
    }
    this.ctx.bringUp.checkWorkloadsReady();
  }

  /** Desired replicas: DaemonSets want one per eligible node. */
  desired(workload: WorkloadState): number {
    if (workload.spec.kind === 'DaemonSet') {
      let eligible = 0;
      for (const node of this.ctx.world.clusterNodes) if (this.daemonEligible(workload, node)) eligible++;
      return eligible;
    }
    if (workload.spec.kind === 'Job')
      return workload.complete ? 0 : Math.min(workload.spec.parallelism, workload.spec.completions - workload.succeeded);
    return workload.replicas;
  }

  readyCount(workload: WorkloadState): number {
    let ready = 0;
    for (const p of workload.pods) if (p.apiReady && p.deletionRequestedAt === null) ready++;
    return ready;
  }

  private trackReadiness(workload: WorkloadState): void {
    const ctx = this.ctx;
    const ready = this.readyCount(workload);
    const desired = this.desired(workload);
    const full = workload.spec.kind === 'Job' ? workload.complete : desired > 0 && ready >= desired;
    if (full && !workload.wasFullyReady) {
      workload.wasFullyReady = true;
      ctx.emit(
        'workload.ready',
        workloadSubject(workload),
        'api',
        `${workload.spec.kind} ${workload.spec.name}: ${workload.spec.kind === 'Job' ? 'complete' : `${ready}/${desired} ready`}`,
        { ready, desired },
      );
    } else if (!full && workload.wasFullyReady && workload.spec.kind !== 'Job') {
      workload.wasFullyReady = false;
      ctx.emit(
        'workload.degraded',
        workloadSubject(workload),
        'api',
        `${workload.spec.kind} ${workload.spec.name}: ${ready}/${desired} ready`,
        {
          ready,
          desired,
        },
      );
    }
    workload.lastReadyCount = ready;
  }

  // ------------------------------------------------------------ pods

  private podName(workload: WorkloadState, ordinal: number): string {
    const spec = workload.spec;
    switch (spec.kind) {
      case 'StatefulSet':
        return `${spec.name}-${ordinal}`;
      case 'Pod':
        return spec.name;
      case 'Deployment':
        return this.replicaSetName(workload) + this.suffix();
      default:
        return `${spec.name}-${this.suffix()}`;
    }
  }

  /** A Deployment's current ReplicaSet name and dash, hashed once per revision (not once per pod). */
  private replicaSetName(workload: WorkloadState): string {
    const known = this.replicaSetNames.get(workload);
    if (known && known.revision === workload.revision) return known.name;
    const name = `${workload.spec.name}-${templateHash(`${workload.spec.key}#${workload.revision}`)}-`;
    this.replicaSetNames.set(workload, { revision: workload.revision, name });
    return name;
  }

  /** Five random characters of the suffix alphabet. */
  private suffix(): string {
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += suffixAlphabet[this.rng.int(suffixAlphabet.length)];
    return suffix;
  }

  createPod(workload: WorkloadState, ordinal: number, pinnedNode: string | null = null, replacement = false): SimPod {
    const ctx = this.ctx;
    const pod = newPod(ctx.world.newPodId(), this.podName(workload, ordinal), workload, ordinal, ctx.env.now, pinnedNode);
    pod.pinnedNode = pinnedNode ?? this.volumeNode(pod);
    workload.pods.add(pod);
    workload.changedSinceSample = true;
    workload.nextOrdinal = Math.max(workload.nextOrdinal, ordinal + 1);
    ctx.emit(
      'pod.created',
      podSubject(pod),
      'api',
      `${pod.name} created by ${workload.spec.kind} ${workload.spec.name}${replacement ? ' (replacement)' : ''}`,
      {
        workload: workload.spec.key,
        replacement,
      },
    );
    ctx.scheduler.enqueue(pod);
    return pod;
  }

  /** A pod whose local-path volume already exists can only go where that volume is. */
  private volumeNode(pod: SimPod): string | null {
    const workload = pod.workload;
    if (workload.spec.kind === 'StatefulSet' && workload.spec.volumeClaimTemplates.some((t) => this.isLocal(t.storageClass))) {
      return workload.volumeNodes.get(pod.ordinal) ?? null;
    }
    for (const claim of pod.template.claims) {
      const node = this.claimNodes.get(`${pod.namespace}/${claim}`);
      if (node) return node;
    }
    return null;
  }

  private isLocal(storageClass: string | undefined): boolean {
    if (storageClass === 'local-path') return true;
    if (storageClass !== undefined) return false;
    // No class named: the default StorageClass, local-path on K3s unless disabled.
    return this.ctx.world.storageClasses.some((c) => c.isDefault && c.provisioner === 'rancher.io/local-path');
  }

  /** Binding provisions local-path volumes on the chosen node (WaitForFirstConsumer). */
  onPodBound(pod: SimPod, node: SimNode): void {
    const workload = pod.workload;
    if (workload.spec.kind === 'StatefulSet' && workload.spec.volumeClaimTemplates.some((t) => this.isLocal(t.storageClass))) {
      if (!workload.volumeNodes.has(pod.ordinal)) workload.volumeNodes.set(pod.ordinal, node.name);
    }
    for (const claimName of pod.template.claims) {
      const claim = this.ctx.world.claims.find((c) => c.name === claimName && c.namespace === pod.namespace);
      const key = `${pod.namespace}/${claimName}`;
      if (claim && this.isLocal(claim.storageClass) && !this.claimNodes.has(key)) this.claimNodes.set(key, node.name);
    }
  }

  /** Deletion through the API (graceful): the pod shows Terminating until its kubelet confirms. */
  requestDeletion(pod: SimPod, reason: string): void {
    const ctx = this.ctx;
    if (pod.deletionRequestedAt !== null || !pod.apiExists) return;
    pod.deletionRequestedAt = ctx.env.now;
    const node = pod.nodeName ? ctx.world.nodeByName.get(pod.nodeName) : undefined;
    const stuck = node && !node.heartbeatHealthy ? ` — stays Terminating until ${node.name}'s kubelet answers` : '';
    ctx.emit('pod.terminating', podSubject(pod), 'api', `${pod.name} deleted (${reason})${stuck}`, { reason, node: pod.nodeName });
    if (pod.apiReady) {
      pod.apiReady = false;
      ctx.serviceMonitor.markDirty(pod);
    }
    this.markDirty(pod.workload);
    if (!node) this.removePod(pod);
    else if (node.heartbeatHealthy) ctx.kubelets.terminate(pod, node);
  }

  /** The API object is gone. */
  removePod(pod: SimPod): void {
    const ctx = this.ctx;
    if (!pod.apiExists) return;
    pod.apiExists = false;
    pod.apiReady = false;
    ctx.scheduler.remove(pod);
    ctx.scheduler.unbind(pod);
    pod.workload.pods.delete(pod);
    ctx.emit('pod.deleted', podSubject(pod), 'api', `${pod.name} removed from the API`, { node: pod.nodeName });
    ctx.serviceMonitor.markDirty(pod);
    this.markDirty(pod.workload);
  }

  onPodFailed(pod: SimPod, reason: string): void {
    if (pod.workload.spec.kind === 'Job') {
      const workload = pod.workload;
      const wait = onJobPodFailed(this.ctx.env.now, workload);
      this.ctx.env.after(wait, Priority.controller, () => this.markDirty(workload));
    }
    this.ctx.emit('pod.failed', podSubject(pod), 'api', `${pod.name} Failed (${reason})`, { reason });
    this.markDirty(pod.workload);
  }

  /** Starts a rollout: new pod template revision (e.g. `kubectl rollout restart`). */
  rollout(workload: WorkloadState): void {
    workload.revision++;
    this.markDirty(workload);
  }

  // ------------------------------------------------------------ DaemonSet

  daemonEligible(workload: WorkloadState, node: SimNode): boolean {
    // The out-of-service taint is not among the tolerations DaemonSet pods get automatically
    // (KK pkg/controller/daemon/util/daemonset_util.go AddOrUpdateDaemonPodTolerations), so no daemon runs there.
    if (!node.registered) return false;
    for (const t of node.apiTaints) {
      if (t.key !== taintKeys.outOfService || t.effect === 'PreferNoSchedule') continue;
      if (!workload.template.tolerations.some((o) => tolerates(o, t))) return false;
    }
    return daemonEligibleOn(workload.template, node);
  }
}

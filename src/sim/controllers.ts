/**
 * Workload controllers: ReplicaSet/Deployment (with rolling updates), StatefulSet,
 * DaemonSet, Job and bare pods. They only act while the controller-manager runs, and
 * they act on what the API shows, not on ground truth.
 *
 * The behaviours users most often get wrong are here: a pod with a deletionTimestamp no
 * longer counts for its ReplicaSet, so a replacement is made at once (KK
 * pkg/controller/controller_utils.go IsPodActive); a StatefulSet makes no replacement until
 * the old pod object is really gone (K8sDocs tasks/run-application/force-delete-stateful-set-pod).
 */
import type { ControllersContext, ControllersPort } from './context.js';
import type { Rng } from './rng.js';
import { daemonEligibleOn } from './scheduling.js';
import { newPod, podSubject, type SimNode, type SimPod, type WorkloadState } from './state.js';

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

export class WorkloadControllers implements ControllersPort {
  private readonly dirty = new Set<WorkloadState>();
  /** `namespace/claim` → node its local-path volume was provisioned on. */
  private readonly claimNodes = new Map<string, string>();
  /** DaemonSet/node pairs that have had a pod, so a new one there is a replacement. */
  private readonly daemonServed = new Set<string>();

  constructor(
    private readonly ctx: ControllersContext,
    /** Draws pod-name suffixes. */
    private readonly rng: Rng,
  ) {}

  markDirty(workload: WorkloadState): void {
    this.dirty.add(workload);
    this.ctx.requestFlush();
  }

  markAllDirty(): void {
    for (const w of this.ctx.world.workloads) this.dirty.add(w);
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
        case 'ReplicaSet':
          this.reconcileReplicaSet(workload);
          break;
        case 'StatefulSet':
          this.reconcileStatefulSet(workload);
          break;
        case 'DaemonSet':
          this.reconcileDaemonSet(workload);
          break;
        case 'Job':
          this.reconcileJob(workload);
          break;
        case 'Pod':
          if (workload.pods.size === 0 && workload.nextOrdinal === 0) this.createPod(workload, 0);
          break;
      }
      this.trackReadiness(workload);
    }
    this.ctx.bringUp.checkWorkloadsReady();
  }

  /** Pods the controller counts: not being deleted, not finished. */
  private active(workload: WorkloadState): SimPod[] {
    return [...workload.pods].filter((p) => p.deletionRequestedAt === null && !p.succeeded && !p.evicted);
  }

  /** Desired replicas: DaemonSets want one per eligible node. */
  desired(workload: WorkloadState): number {
    if (workload.spec.kind === 'DaemonSet') return this.ctx.world.clusterNodes.filter((n) => this.daemonEligible(workload, n)).length;
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
    const subject = `workload/${workload.spec.namespace}/${workload.spec.kind}/${workload.spec.name}`;
    const full = workload.spec.kind === 'Job' ? workload.complete : desired > 0 && ready >= desired;
    if (full && !workload.wasFullyReady) {
      workload.wasFullyReady = true;
      ctx.emit(
        'workload.ready',
        subject,
        'api',
        `${workload.spec.kind} ${workload.spec.name}: ${workload.spec.kind === 'Job' ? 'complete' : `${ready}/${desired} ready`}`,
        { ready, desired },
      );
    } else if (!full && workload.wasFullyReady && workload.spec.kind !== 'Job') {
      workload.wasFullyReady = false;
      ctx.emit('workload.degraded', subject, 'api', `${workload.spec.kind} ${workload.spec.name}: ${ready}/${desired} ready`, {
        ready,
        desired,
      });
    }
    workload.lastReadyCount = ready;
  }

  // ------------------------------------------------------------ pods

  private podName(workload: WorkloadState, ordinal: number): string {
    const spec = workload.spec;
    const suffix = () => Array.from({ length: 5 }, () => suffixAlphabet[this.rng.int(suffixAlphabet.length)]).join('');
    switch (spec.kind) {
      case 'StatefulSet':
        return `${spec.name}-${ordinal}`;
      case 'Pod':
        return spec.name;
      case 'Deployment':
        return `${spec.name}-${templateHash(`${spec.key}#${workload.revision}`)}-${suffix()}`;
      default:
        return `${spec.name}-${suffix()}`;
    }
  }

  createPod(workload: WorkloadState, ordinal: number, pinnedNode: string | null = null, replacement = false): SimPod {
    const ctx = this.ctx;
    const pod = newPod(ctx.world.newPodId(), this.podName(workload, ordinal), workload, ordinal, ctx.env.now, pinnedNode);
    pod.pinnedNode = pinnedNode ?? this.volumeNode(pod);
    workload.pods.add(pod);
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
    if (pod.workload.spec.kind === 'Job') pod.workload.failed++;
    this.ctx.emit('pod.failed', podSubject(pod), 'api', `${pod.name} Failed (${reason})`, { reason });
    this.markDirty(pod.workload);
  }

  // ------------------------------------------------------------ ReplicaSet / Deployment

  private reconcileReplicaSet(workload: WorkloadState): void {
    const active = this.active(workload);
    const desired = workload.replicas;
    const hadPods = workload.nextOrdinal > 0;
    if (workload.spec.kind === 'Deployment' && active.some((p) => p.revision !== workload.revision)) {
      this.rollingUpdate(workload, active);
      return;
    }
    if (active.length < desired) {
      for (let i = active.length; i < desired; i++) this.createPod(workload, workload.nextOrdinal, null, hadPods);
    } else if (active.length > desired) {
      // Delete the least useful first: unscheduled, then not ready, then the newest.
      const ranked = [...active].sort(
        (a, b) =>
          Number(a.nodeName !== null) - Number(b.nodeName !== null) || Number(a.apiReady) - Number(b.apiReady) || b.createdAt - a.createdAt,
      );
      for (const pod of ranked.slice(0, active.length - desired)) this.requestDeletion(pod, 'scaled down');
    }
  }

  /** maxSurge / maxUnavailable (K8sDocs concepts/workloads/controllers/deployment). */
  private rollingUpdate(workload: WorkloadState, active: SimPod[]): void {
    const desired = workload.replicas;
    const current = active.filter((p) => p.revision === workload.revision);
    const old = active.filter((p) => p.revision !== workload.revision);
    const maxTotal = desired + workload.spec.maxSurge;
    const minAvailable = desired - workload.spec.maxUnavailable;
    const canCreate = Math.min(maxTotal - active.length, desired - current.length);
    for (let i = 0; i < canCreate; i++) this.createPod(workload, workload.nextOrdinal);
    const available = active.filter((p) => p.apiReady).length;
    let removable = Math.max(0, available - minAvailable);
    const ranked = [...old].sort((a, b) => Number(a.apiReady) - Number(b.apiReady) || a.createdAt - b.createdAt);
    for (const pod of ranked) {
      if (!pod.apiReady) {
        this.requestDeletion(pod, 'rolling update');
      } else if (removable > 0 && current.length + canCreate > 0) {
        this.requestDeletion(pod, 'rolling update');
        removable--;
      }
    }
  }

  /** Starts a rollout: new pod template revision (e.g. `kubectl rollout restart`). */
  rollout(workload: WorkloadState): void {
    workload.revision++;
    this.markDirty(workload);
  }

  // ------------------------------------------------------------ StatefulSet

  private reconcileStatefulSet(workload: WorkloadState): void {
    const byOrdinal = new Map<number, SimPod>();
    for (const pod of workload.pods) byOrdinal.set(pod.ordinal, pod);
    for (let ordinal = 0; ordinal < workload.replicas; ordinal++) {
      const pod = byOrdinal.get(ordinal);
      if (!pod) {
        // OrderedReady: ordinal N waits for every lower ordinal to be Running and Ready.
        if (workload.spec.podManagementPolicy === 'OrderedReady') {
          let predecessorsReady = true;
          for (let lower = 0; lower < ordinal; lower++) {
            const p = byOrdinal.get(lower);
            if (!p || !p.apiReady || p.deletionRequestedAt !== null) predecessorsReady = false;
          }
          if (!predecessorsReady) return;
        }
        this.createPod(workload, ordinal, null, workload.volumeNodes.has(ordinal) || workload.nextOrdinal > ordinal);
        if (workload.spec.podManagementPolicy === 'OrderedReady') return;
      } else if (pod.evicted && pod.deletionRequestedAt === null) {
        this.requestDeletion(pod, 'StatefulSet recreates failed pods');
      }
      // A pod with a deletionTimestamp keeps its identity: nothing is created until it is gone.
    }
    for (const pod of workload.pods) if (pod.ordinal >= workload.replicas) this.requestDeletion(pod, 'scaled down');
  }

  // ------------------------------------------------------------ DaemonSet

  daemonEligible(workload: WorkloadState, node: SimNode): boolean {
    return node.registered && daemonEligibleOn(workload.template, node);
  }

  private reconcileDaemonSet(workload: WorkloadState): void {
    const byNode = new Map<string, SimPod[]>();
    for (const pod of workload.pods) {
      const target = pod.pinnedNode ?? '';
      byNode.set(target, [...(byNode.get(target) ?? []), pod]);
    }
    for (const node of this.ctx.world.clusterNodes) {
      const pods = (byNode.get(node.name) ?? []).filter((p) => p.deletionRequestedAt === null && !p.evicted);
      const eligible = this.daemonEligible(workload, node);
      const key = `${workload.spec.key}@${node.name}`;
      if (eligible && pods.length === 0) {
        this.createPod(workload, node.index, node.name, this.daemonServed.has(key));
        this.daemonServed.add(key);
      }
      if (!eligible) for (const pod of pods) this.requestDeletion(pod, `node ${node.name} no longer eligible`);
    }
  }

  // ------------------------------------------------------------ Job

  private reconcileJob(workload: WorkloadState): void {
    const ctx = this.ctx;
    workload.succeeded = [...workload.pods].filter((p) => p.succeeded).length;
    if (!workload.complete && workload.succeeded >= workload.spec.completions) {
      workload.complete = true;
      return;
    }
    if (workload.complete || workload.failed > workload.spec.backoffLimit) return;
    const running = this.active(workload).length;
    const wanted = Math.min(workload.spec.parallelism, workload.spec.completions - workload.succeeded) - running;
    for (let i = 0; i < wanted; i++) this.createPod(workload, workload.nextOrdinal, null, workload.failed > 0);
    if (workload.failed > workload.spec.backoffLimit)
      ctx.emit(
        'workload.degraded',
        `workload/${workload.spec.namespace}/Job/${workload.spec.name}`,
        'api',
        `Job ${workload.spec.name} failed: backoffLimit ${workload.spec.backoffLimit} reached`,
      );
  }
}

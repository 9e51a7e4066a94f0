/**
 * What each workload kind's controller does on a pass: ReplicaSet/Deployment (with rolling
 * updates), StatefulSet, DaemonSet and Job. `controllers.ts` (the WorkloadControllers component)
 * calls these for its dirty workloads while the controller-manager runs; they create and delete
 * pods only through the calls in `PodControls`, which that component provides.
 *
 * Pure helpers: no state of their own, no component imported.
 */
import { workloadDefaults } from '../model/workload-defaults.js';
import { resolveRollingLimits } from '../model/workloads.js';
import type { SimContext } from './context.js';
import type { SimNode, SimPod, WorkloadState } from './state.js';

/** The pod calls a kind's controller makes (WorkloadControllers implements them). */
export interface PodControls {
  createPod(workload: WorkloadState, ordinal: number, pinnedNode?: string | null, replacement?: boolean): SimPod;
  /** Deletion through the API (graceful). */
  requestDeletion(pod: SimPod, reason: string): void;
  daemonEligible(workload: WorkloadState, node: SimNode): boolean;
}

/** Pods the controller counts: not being deleted, not finished; written into `into` (emptied first) when given. */
export function activePods(workload: WorkloadState, into: SimPod[] = []): SimPod[] {
  into.length = 0;
  for (const p of workload.pods) if (p.deletionRequestedAt === null && !p.succeeded && !p.evicted) into.push(p);
  return into;
}

/**
 * Ready for at least minReadySeconds (KK pkg/api/v1/pod/util.go IsPodAvailable, counted from the
 * Ready condition's lastTransitionTime); `rollout-progress.ts` requeues the sync for when it is.
 */
export function isAvailable(pod: SimPod, now: number, minReadySeconds: number): boolean {
  return pod.apiReady && (minReadySeconds === 0 || pod.apiReadySince + minReadySeconds <= now + 1e-9);
}

// ------------------------------------------------------------ ReplicaSet / Deployment

/** Returns whether it created or deleted pods (else `active`, its `activePods`, still holds after it). */
export function reconcileReplicaSet(
  ctx: Pick<SimContext, 'env'>,
  controls: PodControls,
  workload: WorkloadState,
  active: SimPod[] = activePods(workload),
): boolean {
  const desired = workload.replicas;
  const hadPods = workload.nextOrdinal > 0;
  if (workload.spec.kind === 'Deployment') {
    if (workload.spec.strategy === 'Recreate' && recreate(controls, workload, active)) return true;
    if (workload.spec.strategy === 'RollingUpdate' && active.some((p) => p.revision !== workload.revision)) {
      rollingUpdate(controls, workload, active, (p) => isAvailable(p, ctx.env.now, workload.spec.minReadySeconds));
      return true;
    }
  }
  if (active.length < desired) {
    for (let i = active.length; i < desired; i++) controls.createPod(workload, workload.nextOrdinal, null, hadPods);
    return true;
  }
  if (active.length > desired) {
    // Delete the least useful first: unscheduled, then not ready, then the newest.
    const ranked = [...active].sort(
      (a, b) =>
        Number(a.nodeName !== null) - Number(b.nodeName !== null) || Number(a.apiReady) - Number(b.apiReady) || b.createdAt - a.createdAt,
    );
    for (const pod of ranked.slice(0, active.length - desired)) controls.requestDeletion(pod, 'scaled down');
    return true;
  }
  return false;
}

/**
 * `strategy: Recreate` (K8sDocs concepts/workloads/controllers/deployment/#recreate-deployment;
 * pkg/controller/deployment/recreate.go): every old pod is deleted, and no new pod is created
 * while any old one is still terminating. Returns true while the old revision is going away.
 */
function recreate(controls: PodControls, workload: WorkloadState, active: SimPod[]): boolean {
  const old = [...workload.pods].filter((p) => p.revision !== workload.revision && !p.succeeded && !p.evicted);
  if (old.length === 0) return false;
  for (const pod of active) if (pod.revision !== workload.revision) controls.requestDeletion(pod, 'recreate: old revision scaled down');
  return true;
}

/**
 * `strategy: RollingUpdate` as the Deployment controller's rolling.go does it: the new revision
 * grows up to replicas + maxSurge pods in all (terminating pods do not count); old pods go, the
 * unready first, only while at least replicas − maxUnavailable stay available (Ready for minReadySeconds).
 */
function rollingUpdate(controls: PodControls, workload: WorkloadState, active: SimPod[], available: (pod: SimPod) => boolean): void {
  const desired = workload.replicas;
  const { surge, unavailable } = resolveRollingLimits(workload.spec.maxSurge, workload.spec.maxUnavailable, desired);
  const current = active.filter((p) => p.revision === workload.revision);
  const old = active.filter((p) => p.revision !== workload.revision);
  const canCreate = Math.max(0, Math.min(desired + surge - active.length, desired - current.length));
  for (let i = 0; i < canCreate; i++) controls.createPod(workload, workload.nextOrdinal);
  const minAvailable = desired - unavailable;
  const newUnavailable = current.length + canCreate - current.filter(available).length;
  // cleanupUnhealthyReplicas: unready old pods, bounded so the new ones still starting are covered.
  let maxScaledDown = active.length + canCreate - minAvailable - newUnavailable;
  const unready = old.filter((p) => !available(p)).sort((a, b) => a.createdAt - b.createdAt);
  for (const pod of unready) {
    if (maxScaledDown <= 0) break;
    controls.requestDeletion(pod, 'rolling update');
    maxScaledDown--;
  }
  // scaleDownOldReplicaSetsForRollingUpdate: ready old pods while enough stay available.
  let removable = active.filter(available).length - minAvailable;
  for (const pod of old.filter(available).sort((a, b) => a.createdAt - b.createdAt)) {
    if (removable <= 0) break;
    controls.requestDeletion(pod, 'rolling update');
    removable--;
  }
}

// ------------------------------------------------------------ StatefulSet

export function reconcileStatefulSet(controls: PodControls, workload: WorkloadState): void {
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
      controls.createPod(workload, ordinal, null, workload.volumeNodes.has(ordinal) || workload.nextOrdinal > ordinal);
      if (workload.spec.podManagementPolicy === 'OrderedReady') return;
    } else if (pod.evicted && pod.deletionRequestedAt === null) {
      controls.requestDeletion(pod, 'StatefulSet recreates failed pods');
    }
    // A pod with a deletionTimestamp keeps its identity: nothing is created until it is gone.
  }
  for (const pod of workload.pods) if (pod.ordinal >= workload.replicas) controls.requestDeletion(pod, 'scaled down');
}

// ------------------------------------------------------------ DaemonSet

export function reconcileDaemonSet(
  ctx: Pick<SimContext, 'world'>,
  controls: PodControls,
  workload: WorkloadState,
  /** DaemonSet/node pairs that have had a pod, so a new one there is a replacement. */
  daemonServed: Set<string>,
): void {
  // The live pods on each node (one pass over the DaemonSet's pods, a list only where a node has some).
  const byNode = new Map<string, SimPod[]>();
  for (const pod of workload.pods) {
    if (pod.deletionRequestedAt !== null || pod.evicted) continue;
    const target = pod.pinnedNode ?? '';
    const list = byNode.get(target);
    if (list) list.push(pod);
    else byNode.set(target, [pod]);
  }
  for (const node of ctx.world.clusterNodes) {
    const pods = byNode.get(node.name);
    const eligible = controls.daemonEligible(workload, node);
    if (eligible && pods === undefined) {
      const key = `${workload.spec.key}@${node.name}`;
      controls.createPod(workload, node.index, node.name, daemonServed.has(key));
      daemonServed.add(key);
    }
    // Pods on a deleted Node are left to the pod GC (KK pkg/controller/daemon/daemon_controller.go manage() walks existing nodes only).
    if (!eligible && node.registered && pods) for (const pod of pods) controls.requestDeletion(pod, `node ${node.name} no longer eligible`);
  }
}

// ------------------------------------------------------------ Job

/**
 * The Job controller (K8sDocs concepts/workloads/controllers/job/; KK pkg/controller/job
 * job_controller.go): pods until `completions` succeed, `parallelism` at a time; after a failed
 * pod the next is created only after the back-off (`onJobPodFailed`); the Job fails with
 * BackoffLimitExceeded when failed pods exceed `backoffLimit` or, with restartPolicy OnFailure,
 * when its running pods' restarts reach it; with DeadlineExceeded once `activeDeadlineSeconds`
 * have passed since it started. A finished Job's running pods are deleted.
 *
 * Without `completions` (a work queue, K8sDocs …/job/#parallel-jobs) `parallelism` pods start, no
 * new one once any has succeeded, and the Job is done when one succeeded and all have ended.
 */
export function reconcileJob(ctx: Pick<SimContext, 'emit' | 'env'>, controls: PodControls, workload: WorkloadState): void {
  const job = workload.job;
  const spec = workload.spec;
  const now = ctx.env.now;
  if (job.deletedAt !== null) return;
  job.startedAt ??= now;
  const succeeded = [...workload.pods].filter((p) => p.succeeded).length;
  if (succeeded > workload.succeeded) job.failuresSinceSuccess = 0;
  workload.succeeded = Math.max(workload.succeeded, succeeded);
  if (job.terminal !== null) return;
  if (workload.complete || job.failedReason !== null) {
    setTerminalCondition(ctx, workload);
    return;
  }
  const active = activePods(workload);
  const met = spec.workQueue ? workload.succeeded > 0 && active.length === 0 : workload.succeeded >= spec.completions;
  if (met) {
    // SuccessCriteriaMet (reason CompletionsReached); pods still running are deleted (job_controller.go syncJob: finishedCondition).
    workload.complete = true;
    for (const pod of active) controls.requestDeletion(pod, 'Job complete');
    setTerminalCondition(ctx, workload);
    return;
  }
  const restarts = spec.template.restartPolicy === 'OnFailure' ? active.reduce((sum, p) => sum + p.restarts, 0) : 0;
  const pastOnFailure =
    spec.template.restartPolicy === 'OnFailure' && (spec.backoffLimit === 0 ? restarts > 0 : restarts >= spec.backoffLimit);
  const reason =
    workload.failed > spec.backoffLimit || pastOnFailure
      ? 'BackoffLimitExceeded'
      : spec.activeDeadlineSeconds !== null && now >= job.startedAt + spec.activeDeadlineSeconds
        ? 'DeadlineExceeded'
        : null;
  if (reason !== null) {
    job.failedReason = reason;
    for (const pod of active) controls.requestDeletion(pod, `Job failed: ${reason}`);
    const why =
      reason === 'DeadlineExceeded'
        ? `active longer than activeDeadlineSeconds ${spec.activeDeadlineSeconds}`
        : `backoffLimit ${spec.backoffLimit} reached (${workload.failed} failed pods, ${restarts} restarts)`;
    ctx.emit('workload.degraded', jobSubject(workload), 'api', `Job ${spec.name} failed: ${reason}, ${why}`, {
      reason,
      failed: workload.failed,
      restarts,
    });
    setTerminalCondition(ctx, workload);
    return;
  }
  if (now < job.backoffUntil) return;
  const wanted = spec.workQueue
    ? (workload.succeeded > 0 ? 0 : spec.parallelism) - active.length
    : Math.min(spec.parallelism, spec.completions - workload.succeeded) - active.length;
  for (let i = 0; i < wanted; i++) controls.createPod(workload, workload.nextOrdinal, null, workload.failed > 0);
}

export function jobSubject(workload: WorkloadState): string {
  return `workload/${workload.spec.namespace}/Job/${workload.spec.name}`;
}

/**
 * The terminal condition `kubectl get job` shows as STATUS. Since Kubernetes 1.31 the controller
 * first sets SuccessCriteriaMet / FailureTarget and adds Complete / Failed only once every pod of
 * the Job has terminated (KK v1.31 pkg/controller/job/job_controller.go newSuccessCondition,
 * newFailureCondition, delayTerminalCondition; K8sDocs …/job/#termination-of-job-pods), so a pod
 * still Terminating on an unreachable node holds the condition back.
 */
function setTerminalCondition(ctx: Pick<SimContext, 'emit' | 'env'>, workload: WorkloadState): void {
  const job = workload.job;
  if (job.terminal !== null) return;
  for (const pod of workload.pods) if (!pod.succeeded && !pod.evicted) return;
  const spec = workload.spec;
  const took = ctx.env.now - (job.startedAt ?? ctx.env.now);
  const cronJob = spec.createdBy ?? null;
  if (workload.complete) {
    job.terminal = 'Complete';
    // Reason CompletionsReached (KK v1.31 batch types JobReasonCompletionsReached).
    ctx.emit('job.complete', jobSubject(workload), 'api', `Job ${spec.name} Complete: ${workload.succeeded} pod(s) succeeded`, {
      condition: 'Complete',
      reason: 'CompletionsReached',
      succeeded: workload.succeeded,
      failed: workload.failed,
      duration: Math.round(took * 1000) / 1000,
      cronJob,
    });
  } else {
    job.terminal = 'Failed';
    ctx.emit('job.failed', jobSubject(workload), 'api', `Job ${spec.name} Failed: ${job.failedReason ?? ''}`, {
      condition: 'Failed',
      reason: job.failedReason,
      succeeded: workload.succeeded,
      failed: workload.failed,
      duration: Math.round(took * 1000) / 1000,
      cronJob,
    });
  }
}

/** A Job pod failed: the next one waits 10 s × 2^(failures since the last success − 1), at most 6 min. Returns the wait. */
export function onJobPodFailed(now: number, workload: WorkloadState): number {
  const job = workload.job;
  workload.failed++;
  job.failuresSinceSuccess++;
  const wait = Math.min(
    workloadDefaults.jobBackoffInitial.value * 2 ** (job.failuresSinceSuccess - 1),
    workloadDefaults.jobBackoffMax.value,
  );
  job.backoffUntil = Math.max(job.backoffUntil, now + wait);
  return wait;
}

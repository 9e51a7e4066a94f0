/**
 * A Deployment's availability and rollout progress, as the Deployment controller tracks them:
 *
 * - `minReadySeconds`: a pod counts as available only once it has been Ready that long
 *   (KK pkg/api/v1/pod/util.go IsPodAvailable, from the Ready condition's lastTransitionTime);
 *   rolling updates wait on available pods, and the controller syncs again when a Ready pod
 *   becomes available (KK pkg/controller/replicaset/replica_set.go: requeue after MinReadySeconds).
 * - `progressDeadlineSeconds` (default 600): while a rollout (a new revision, or the first one)
 *   is not complete, any rise in updated, ready or available pods, or fall in old ones, is progress
 *   (KK pkg/controller/deployment/util/deployment_util.go DeploymentProgressing); with none for
 *   the deadline the Progressing condition turns False, reason ProgressDeadlineExceeded
 *   (DeploymentTimedOut; pkg/controller/deployment/progress.go syncRolloutStatus). A completed
 *   rollout (reason NewReplicaSetAvailable) is not checked again until the next one.
 */
import type { SimContext } from './context.js';
import { activePods, isAvailable } from './workload-kinds.js';
import { Priority } from './priority.js';
import type { SimPod, WorkloadState } from './state.js';

export interface RolloutState {
  revision: number;
  /** Progressing reason NewReplicaSetAvailable: the rollout of `revision` completed. */
  complete: boolean;
  /** The Progressing condition's lastUpdateTime. */
  lastProgressAt: number;
  timedOut: boolean;
  counts: { updated: number; ready: number; available: number; old: number };
  wakeAt: number;
}

/** Each Deployment's rollout as the controller last saw it (held by the WorkloadControllers component). */
export type Rollouts = Map<WorkloadState, RolloutState>;

type Ctx = Pick<SimContext, 'env' | 'emit'>;
type MarkDirty = (workload: WorkloadState) => void;

/** After a Deployment's sync: requeue for pods about to become available, and judge its progress. `active`: its `activePods`. */
export function updateRollout(
  ctx: Ctx,
  markDirty: MarkDirty,
  rollouts: Rollouts,
  workload: WorkloadState,
  active: readonly SimPod[] = activePods(workload),
): void {
  const now = ctx.env.now;
  const spec = workload.spec;
  if (spec.minReadySeconds > 0) {
    const soon = active.filter((p) => p.apiReady && !isAvailable(p, now, spec.minReadySeconds));
    for (const pod of soon) wake(ctx, markDirty, rollouts, workload, pod.apiReadySince + spec.minReadySeconds);
  }
  const counts = { updated: 0, ready: 0, available: 0, old: 0 };
  // One pass, not a filter per count: a Deployment is synced after each of its pods' changes.
  for (const p of active) {
    if (p.revision === workload.revision) counts.updated++;
    else counts.old++;
    if (p.apiReady) counts.ready++;
    if (isAvailable(p, now, spec.minReadySeconds)) counts.available++;
  }
  let state = rollouts.get(workload);
  if (!state || state.revision !== workload.revision) {
    // A new ReplicaSet: Progressing True (NewReplicaSetCreated / FoundNewReplicaSet), its clock restarts.
    state = { revision: workload.revision, complete: false, lastProgressAt: now, timedOut: false, counts, wakeAt: -1 };
    rollouts.set(workload, state);
  }
  if (state.complete) return;
  const desired = workload.replicas;
  // DeploymentComplete: every replica updated and available, no old one left.
  if (counts.updated === desired && counts.available === desired && counts.old === 0) {
    state.complete = true;
    return;
  }
  const before = state.counts;
  state.counts = counts;
  if (counts.updated > before.updated || counts.ready > before.ready || counts.available > before.available || counts.old < before.old) {
    state.lastProgressAt = now;
    state.timedOut = false;
  }
  const deadline = state.lastProgressAt + spec.progressDeadlineSeconds;
  if (state.timedOut) return;
  if (now >= deadline - 1e-9) {
    state.timedOut = true;
    ctx.emit(
      'workload.progressDeadlineExceeded',
      `workload/${spec.namespace}/${spec.kind}/${spec.name}`,
      'api',
      `Deployment ${spec.name}: Progressing=False (ProgressDeadlineExceeded): no progress for ${spec.progressDeadlineSeconds} s ` +
        `(${counts.updated}/${desired} updated, ${counts.available} available)`,
      { reason: 'ProgressDeadlineExceeded', ...counts, desired, progressDeadlineSeconds: spec.progressDeadlineSeconds },
    );
    return;
  }
  // RequeueStuckDeployment: sync again when the deadline would pass.
  wake(ctx, markDirty, rollouts, workload, deadline);
}

function wake(ctx: Ctx, markDirty: MarkDirty, rollouts: Rollouts, workload: WorkloadState, at: number): void {
  const state = rollouts.get(workload);
  if (state && state.wakeAt === at) return;
  if (state) state.wakeAt = at;
  ctx.env.at(at, Priority.controller, () => markDirty(workload));
}

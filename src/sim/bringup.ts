/**
 * The bring-up's milestones, as the install runbook would note them: the first server's API
 * answers (joining servers start, K3s deploys its packaged components), each node is Ready,
 * the cluster is ready (the user's workloads are applied), the workloads are ready, and
 * Rancher's import manifest is applied once both Rancher and the API are up.
 */
import type { BringUpContext, BringUpPort, BringUpState } from './context.js';
import type { SimNode, WorkloadState } from './state.js';

export class BringUp implements BringUpPort {
  readonly state: BringUpState = {
    apiFirstAvailable: null,
    clusterReady: null,
    workloadsApplied: null,
    workloadsReady: null,
    rancherImported: null,
    nodeReady: new Map(),
  };

  /** Nodes the bring-up does not wait for: held powered off from the start (a live start's NotReady nodes). */
  readonly heldOff = new Set<string>();

  constructor(private readonly ctx: BringUpContext) {}

  /**
   * Only the first time the API answers is a milestone: joining servers start, K3s deploys its packaged components.
   * Rancher's import waits for both Rancher and the API, so each return of the API may be the moment it goes in.
   */
  onApiAvailable(): void {
    const ctx = this.ctx;
    if (this.state.apiFirstAvailable !== null) {
      this.maybeImportIntoRancher();
      return;
    }
    this.state.apiFirstAvailable = ctx.env.now;
    const servers = ctx.world.servers;
    const first = servers[0];
    ctx.emit(
      'bringup.step',
      'bringup',
      'api',
      `k3s server on ${first?.name ?? '?'} is up; token available; ${servers.length > 1 ? 'other servers join' : 'agents join'}`,
      { step: 'api' },
    );
    for (const server of servers) if (server !== first && server.booted) ctx.machines.startK3s(server);
    const system = ctx.initialWorkloads.system;
    ctx.applyWorkloads({ ...system, workloads: system.workloads.filter((w) => w.namespace !== 'cattle-system') });
    this.maybeImportIntoRancher();
  }

  onNodeReady(node: SimNode): void {
    const ctx = this.ctx;
    if (!this.state.nodeReady.has(node.name)) this.state.nodeReady.set(node.name, ctx.env.now);
    const rejected = ctx.machines.joinRejected;
    if (
      this.state.clusterReady === null &&
      ctx.world.clusterNodes.every((n) => n.apiReady === 'True' || rejected.has(n.name) || this.heldOff.has(n.name))
    ) {
      this.state.clusterReady = ctx.env.now;
      const ready = ctx.world.clusterNodes.filter((n) => n.apiReady === 'True').length;
      ctx.emit(
        'bringup.step',
        'bringup',
        'api',
        `cluster ready: ${ready} node(s) Ready${rejected.size ? ` (${rejected.size} could not join)` : ''}; applying workloads`,
        { step: 'cluster-ready' },
      );
      this.state.workloadsApplied = ctx.env.now;
      ctx.applyWorkloads(ctx.initialWorkloads.user);
      this.checkWorkloadsReady();
    }
  }

  onRancherAvailable(): void {
    this.maybeImportIntoRancher();
  }

  /** `kubectl apply` of Rancher's import manifest once both Rancher and the cluster API are up. */
  private maybeImportIntoRancher(): void {
    const ctx = this.ctx;
    if (this.state.rancherImported !== null || !ctx.rancher.available || !ctx.controlPlane.apiUp) return;
    this.state.rancherImported = ctx.env.now;
    ctx.emit('bringup.step', 'bringup', 'api', 'Rancher import manifest applied: cattle-cluster-agent deploying', {
      step: 'rancher-import',
    });
    const system = ctx.initialWorkloads.system;
    ctx.applyWorkloads({ ...system, services: [], workloads: system.workloads.filter((w) => w.namespace === 'cattle-system') });
  }

  /** Records "workloads ready" once every user workload is ready or settled. */
  checkWorkloadsReady(): void {
    const ctx = this.ctx;
    if (this.state.workloadsApplied === null || this.state.workloadsReady !== null) return;
    const user = ctx.initialWorkloads.user.workloads;
    for (const spec of user) {
      const workload = ctx.world.workloadByKey.get(spec.key);
      if (!workload || !(workload.wasFullyReady || settled(workload))) return;
    }
    if (!this.rancherAgentReady()) return;
    this.state.workloadsReady = ctx.env.now;
    ctx.emit('bringup.step', 'bringup', 'api', `workloads ready: ${user.length} workload(s) at their desired state`, {
      step: 'workloads-ready',
    });
  }

  /**
   * With a Rancher in the cluster, the bring-up also waits for its import and a cattle-cluster-agent pod Running (its
   * image pulled, its container started), as the k3d engine waits for the agent (src/engines/k3d/run.ts, where the
   * stand-in agent is Ready as it starts): faults then find the agent deployed, not still pulling. An agent that then
   * crashes (Rancher unreachable, its node out of memory) ends the bring-up all the same, in CrashLoopBackOff.
   */
  private rancherAgentReady(): boolean {
    const ctx = this.ctx;
    if (!ctx.world.cluster.rancher) return true;
    if (this.state.rancherImported === null) return false;
    for (const spec of ctx.initialWorkloads.system.workloads) {
      if (spec.namespace !== 'cattle-system') continue;
      const agent = ctx.world.workloadByKey.get(spec.key);
      if (!agent) return false;
      if (agent.wasFullyReady) continue;
      let running = false;
      for (const pod of agent.pods) if (pod.apiPhase === 'Running') running = true;
      if (!running) return false;
    }
    return true;
  }
}

/**
 * Settled without being "ready": a Deployment, ReplicaSet or StatefulSet scaled to 0 (nothing to
 * wait for: `kubectl rollout status` returns at once), and a Job that has all the pods it wants
 * running, or has finished either way — a Job may run for hours and is not a service to wait on.
 */
function settled(workload: WorkloadState): boolean {
  if (workload.spec.kind === 'Job') {
    if (workload.complete || workload.job.failedReason !== null) return true;
    const wanted = Math.min(workload.spec.parallelism, workload.spec.completions - workload.succeeded);
    let running = 0;
    for (const pod of workload.pods) if (pod.apiReady && pod.deletionRequestedAt === null) running++;
    return wanted > 0 && running >= wanted;
  }
  return workload.replicas === 0 && workload.spec.kind !== 'DaemonSet' && workload.spec.kind !== 'Pod';
}

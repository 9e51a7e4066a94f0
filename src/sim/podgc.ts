/**
 * The pod garbage collector of kube-controller-manager (KK pkg/controller/podgc/gc_controller.go,
 * v1.31): every gcCheckPeriod it force-deletes (phase Failed, then a delete with grace period 0,
 * so the object goes at once whatever its kubelet says)
 * - orphaned pods (gcOrphaned): pods bound to a Node that no longer exists, once that Node has been
 *   missing for the quarantine time (its name waits in a delaying queue, then the API is asked again);
 * - terminating pods on an out-of-service node (gcTerminating, non-graceful node shutdown, GA in
 *   1.28): pods with a deletionTimestamp on a node that is not Ready and carries the
 *   `node.kubernetes.io/out-of-service` taint, whatever its effect.
 * It runs only while the controller-manager does; a new leader starts with an empty queue. Its
 * passes fall every gcCheckPeriod from the moment the controller-manager started (wait.Until runs
 * the first pass at once).
 */
import type { Clock, ControlPlanePort, ControllersPort, Emit, KubeletPort, WorldView } from './context.js';
import { Priority } from './priority.js';
import { podSubject, type SimNode, type SimPod } from './state.js';
import { taintKeys } from './taints.js';

/** gcCheckPeriod = 20 * time.Second (KK pkg/controller/podgc/gc_controller.go). */
export const podGcCheckPeriod = 20;
/** quarantineTime = 40 * time.Second: how long a Node must stay missing before its pods go (same file). */
export const podGcQuarantineTime = 40;
/** v1.TaintNodeOutOfService (KK staging/src/k8s.io/api/core/v1/well_known_taints.go). */
export const outOfServiceTaintKey = taintKeys.outOfService;

export interface PodGcContext {
  readonly env: Clock;
  readonly world: WorldView;
  readonly emit: Emit;
  readonly controlPlane: Pick<ControlPlanePort, 'controllersUp' | 'generation'>;
  readonly controllers: Pick<ControllersPort, 'removePod'>;
  /** A kubelet that still runs stops the containers of a pod whose object was deleted. */
  readonly kubelets: Pick<KubeletPort, 'terminate'>;
  /** When the running controller-manager acquired leadership, or null while none runs. */
  controllersStartedAt(): number | null;
}

export function hasOutOfServiceTaint(node: SimNode): boolean {
  return node.apiTaints.some((t) => t.key === outOfServiceTaintKey);
}

export class PodGarbageCollector {
  /** Node name → when its quarantine ends (the delaying queue's ready time). */
  private readonly quarantine = new Map<string, number>();
  private generation = -1;
  private passAt: number | null = null;

  constructor(private readonly ctx: PodGcContext) {}

  /** Something may need collecting (a Node deleted, an out-of-service taint): make sure passes run. */
  wake(): void {
    const ctx = this.ctx;
    const started = ctx.controllersStartedAt();
    if (!ctx.controlPlane.controllersUp || started === null) return;
    const now = ctx.env.now;
    const next = started + Math.ceil((now - started) / podGcCheckPeriod - 1e-9) * podGcCheckPeriod;
    if (this.passAt !== null && this.passAt >= now && this.passAt <= next) return;
    this.passAt = next;
    const generation = ctx.controlPlane.generation;
    ctx.env.at(next, Priority.controller, () => {
      if (this.passAt !== next) return;
      this.passAt = null;
      if (generation !== ctx.controlPlane.generation || !ctx.controlPlane.controllersUp) return;
      this.pass();
    });
  }

  /** A controller-manager (re)started: its collector starts afresh. */
  onControllersStarted(): void {
    this.passAt = null;
    if (this.hasWork()) this.wake();
  }

  private pass(): void {
    const ctx = this.ctx;
    const now = ctx.env.now;
    if (this.generation !== ctx.controlPlane.generation) {
      this.generation = ctx.controlPlane.generation;
      this.quarantine.clear();
    }
    // gcTerminating: terminating pods on a NotReady node tainted out-of-service.
    for (const node of ctx.world.clusterNodes) {
      if (!node.registered || node.apiReady === 'True' || !hasOutOfServiceTaint(node)) continue;
      for (const pod of [...node.pods])
        if (pod.deletionRequestedAt !== null && pod.apiExists)
          this.forceDelete(pod, node, 'PodGC: node is out of service', `${node.name} is NotReady and tainted ${outOfServiceTaintKey}`);
    }
    // gcOrphaned: pods bound to a Node that is gone, after its quarantine.
    const orphans = this.orphans();
    const missing = new Set(orphans.map((pod) => pod.nodeName as string));
    for (const name of [...this.quarantine.keys()]) if (!missing.has(name)) this.quarantine.delete(name);
    for (const name of missing) if (!this.quarantine.has(name)) this.quarantine.set(name, now + podGcQuarantineTime);
    for (const pod of orphans) {
      const name = pod.nodeName as string;
      if ((this.quarantine.get(name) ?? Infinity) > now + 1e-9) continue;
      this.forceDelete(pod, ctx.world.nodeByName.get(name), 'PodGC: node no longer exists', `node ${name} no longer exists`);
    }
    if (this.hasWork()) {
      this.passAt = null;
      const generation = ctx.controlPlane.generation;
      const next = now + podGcCheckPeriod;
      this.passAt = next;
      ctx.env.at(next, Priority.controller, () => {
        if (this.passAt !== next) return;
        this.passAt = null;
        if (generation !== ctx.controlPlane.generation || !ctx.controlPlane.controllersUp) return;
        this.pass();
      });
    }
  }

  /** Pods whose Node object is missing. */
  private orphans(): SimPod[] {
    const out: SimPod[] = [];
    for (const workload of this.ctx.world.workloads)
      for (const pod of workload.pods) {
        if (!pod.apiExists || pod.nodeName === null) continue;
        if (!this.ctx.world.nodeByName.get(pod.nodeName)?.registered) out.push(pod);
      }
    return out;
  }

  private hasWork(): boolean {
    return this.ctx.world.clusterNodes.some((n) => n.registered && hasOutOfServiceTaint(n)) || this.orphans().length > 0;
  }

  /** markFailedAndDeletePod: the object goes at once; a kubelet still running there stops the containers. */
  private forceDelete(pod: SimPod, node: SimNode | undefined, message: string, why: string): void {
    const ctx = this.ctx;
    ctx.emit('pod.terminating', podSubject(pod), 'api', `${pod.name} force-deleted by the pod garbage collector: ${why}`, {
      reason: 'DeletionByPodGC',
      message,
      node: pod.nodeName,
      force: true,
    });
    ctx.controllers.removePod(pod);
    if (node && pod.running) ctx.kubelets.terminate(pod, node);
  }
}

/**
 * The kubelet's eviction manager on the node filesystem (a disk-full fault). K3s sets
 * `nodefs.available<5%` (pkg/daemons/agent/agent.go); the eviction manager checks it every
 * evictionMonitoringPeriod (KK pkg/kubelet/eviction/eviction_manager.go synchronize). While it is
 * met the node reports DiskPressure (the node lifecycle controller taints it NoSchedule), and each
 * pass evicts one pod: the first in rank that is not critical (`evictPod` refuses a pod of priority
 * ≥ system-cluster-critical's 2000000000 and moves to the next), and passes again once that pod is
 * cleaned up (eviction.ts). A disk that stays full is emptied pod by pod, about 2 s apart. When
 * the disk has room again the condition stays until evictionPressureTransitionPeriod (5 min) after
 * the last pass that saw it met (`nodeConditionsObservedSince`). Seen on a real K3s v1.31.4 node:
 * DiskPressure 6-9 s after its kubelet directory filled, evictions 2-3 s apart, cleared 5 min 9 s
 * after it was freed (docs/model-vs-real.md, "disk-full"). Pure module: no I/O, no clock.
 */
import type { DiskPressureContext, DiskPressurePort } from './context.js';
import { evictable, passAfterEviction } from './eviction.js';
import { Priority } from './priority.js';
import type { SimNode, SimPod } from './state.js';
import { taintKeys } from './taints.js';

/** A pass that falls on the transition's very end clears it (the sum of passes drifts by a few ulps). */
const tie = 1e-6;

export class DiskPressure implements DiskPressurePort {
  /** The kubelet run (node epoch: a K3s stop or a power cut ends it) whose eviction manager is passing, per node. */
  private readonly passing = new Map<SimNode, number>();
  private readonly lastMet = new Map<SimNode, number>();

  constructor(private readonly ctx: DiskPressureContext) {}

  /** The disk filled (`full`) or has room again. */
  set(node: SimNode, full: boolean): void {
    node.diskFull = full;
    this.start(node);
  }

  /** A new kubelet remembers no pass of the last one (nodeConditionsLastObservedAt starts empty). */
  onKubeletStarted(node: SimNode): void {
    this.lastMet.delete(node);
    this.start(node);
  }

  onNodeDown(node: SimNode): void {
    this.passing.delete(node);
  }

  /**
   * The eviction manager's passes run all along on a real kubelet, with a phase nobody knows: the
   * first pass after a change comes `evictionPassLag` of a period later (setting, 0–1). They end with
   * the kubelet (k3s stopped, power cut): a pass of an earlier kubelet run does nothing.
   */
  private start(node: SimNode): void {
    const ctx = this.ctx;
    const epoch = node.epoch;
    if (this.passing.get(node) === epoch || !node.powered || node.k3s !== 'running') return;
    if (!node.diskFull && !node.apiDiskPressure) return;
    this.passing.set(node, epoch);
    const period = ctx.settings.evictionMonitoringPeriod;
    const pass = () => {
      if (this.passing.get(node) !== epoch || node.epoch !== epoch || node.k3s !== 'running') return;
      if (node.diskFull) {
        this.lastMet.set(node, ctx.env.now);
        if (!node.apiDiskPressure && node.heartbeatHealthy && node.registered) this.raise(node);
        const victim = this.victim(node);
        if (victim) {
          ctx.pressure.evict(victim, node, 'nodefs.available below 5 %');
          ctx.env.after(passAfterEviction, Priority.kubelet, pass);
          return;
        }
      } else if (node.apiDiskPressure && this.transitionOver(node)) {
        if (node.heartbeatHealthy) this.clear(node);
      } else if (!node.apiDiskPressure) {
        this.passing.delete(node);
        return;
      }
      ctx.env.after(period, Priority.kubelet, pass);
    };
    ctx.env.after(Math.min(Math.max(ctx.settings.evictionPassLag, 0), 1) * period, Priority.kubelet, pass);
  }

  /** evictionPressureTransitionPeriod since the last pass that saw the threshold met. */
  private transitionOver(node: SimNode): boolean {
    return this.ctx.env.now - (this.lastMet.get(node) ?? 0) >= this.ctx.settings.evictionPressureTransitionPeriod - tie;
  }

  private raise(node: SimNode): void {
    const ctx = this.ctx;
    node.apiDiskPressure = true;
    ctx.emit('node.condition', `node/${node.name}`, 'api', `${node.name} DiskPressure: nodefs.available below K3s's 5 % threshold`, {
      type: 'DiskPressure',
      status: 'True',
    });
    ctx.lifecycle.addTaint(node, { key: taintKeys.diskPressure, effect: 'NoSchedule' });
  }

  private clear(node: SimNode): void {
    const ctx = this.ctx;
    node.apiDiskPressure = false;
    ctx.emit('node.condition', `node/${node.name}`, 'api', `${node.name} DiskPressure cleared`, {
      type: 'DiskPressure',
      status: 'False',
    });
    ctx.lifecycle.removeTaint(node, taintKeys.diskPressure, 'NoSchedule');
  }

  /**
   * The kubelet ranks by ephemeral storage over request, then priority, then usage; the model has no
   * per-pod disk usage, so priority then age. DaemonSet pods are left out: their controller puts them
   * straight back (they tolerate the disk-pressure taint), which the model does not loop through.
   */
  private victim(node: SimNode): SimPod | undefined {
    let best: SimPod | undefined;
    for (const pod of node.pods) {
      if (!evictable(pod) || pod.workload.spec.kind === 'DaemonSet') continue;
      if (!best || pod.template.priority < best.template.priority || (pod.template.priority === best.template.priority && pod.id < best.id))
        best = pod;
    }
    return best;
  }
}

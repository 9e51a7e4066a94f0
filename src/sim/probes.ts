/**
 * Readiness probes: a started container turns Ready at its first probe after the application
 * is up, pods whose probe needs an external host (NFS, a database) follow that host, and probes on
 * a node writing to its swap file time out while the writes last (swap.ts).
 */
import type { ProbesContext, ProbesPort } from './context.js';
import { Priority } from './priority.js';
import { readinessProbe } from '../model/pod-template.js';
import type { SimNode, SimPod } from './state.js';

export class ReadinessProbes implements ProbesPort {
  /** Pods whose probe timed out on a swapping node, with their epoch: they turn Ready again once probes answer. */
  private readonly swapUnready = new Map<SimPod, number>();

  constructor(private readonly ctx: ProbesContext) {}

  /** The probe answers later than its timeoutSeconds: the node is writing to its swap file. */
  private swapSlow(pod: SimPod, node: SimNode): boolean {
    const probe = readinessProbe(pod.template);
    return probe !== null && this.ctx.pressure.probeLatency(node) > probe.timeout;
  }

  /**
   * The node's swap file traffic changed: Ready pods whose probe now times out turn unready after
   * failureThreshold × periodSeconds of failures (K8sDocs configure-liveness-readiness-startup-probes);
   * those it made unready turn Ready at the first probe that answers again.
   */
  refreshSwap(node: SimNode): void {
    const ctx = this.ctx;
    for (const pod of node.pods) {
      const probe = readinessProbe(pod.template);
      if (!probe || !pod.running) continue;
      const epoch = pod.epoch;
      if (pod.ready && this.swapSlow(pod, node)) {
        ctx.env.after(probe.period * probe.failureThreshold, Priority.kubelet, () => {
          if (pod.epoch !== epoch || !pod.running || !pod.ready || !this.swapSlow(pod, node)) return;
          pod.ready = false;
          this.swapUnready.set(pod, epoch);
          this.ctx.kubelets.report(pod);
        });
      } else if (!pod.ready && this.swapUnready.get(pod) === epoch && !this.swapSlow(pod, node)) {
        ctx.env.after(probe.period, Priority.kubelet, () => {
          if (pod.epoch !== epoch || !pod.running || pod.ready || this.swapSlow(pod, node) || !this.dependenciesUp(pod, node)) return;
          this.swapUnready.delete(pod);
          pod.ready = true;
          this.ctx.kubelets.report(pod);
        });
      }
    }
  }

  /** Ready at the first probe after the application is up (initialDelaySeconds, then every periodSeconds). */
  scheduleReadiness(pod: SimPod, node: SimNode): void {
    const ctx = this.ctx;
    const epoch = pod.epoch;
    const appReady = ctx.env.now + pod.template.startupTime / node.cpuFactor;
    const probe = readinessProbe(pod.template);
    let readyAt = appReady;
    if (probe) {
      const first = ctx.env.now + probe.initialDelay;
      readyAt = first >= appReady ? first : first + Math.ceil((appReady - first) / probe.period) * probe.period;
    }
    ctx.env.at(readyAt, Priority.kubelet, () => {
      if (pod.epoch !== epoch || !pod.running) return;
      if (!this.dependenciesUp(pod, node)) return;
      if (this.swapSlow(pod, node)) {
        this.swapUnready.set(pod, epoch);
        return;
      }
      pod.ready = true;
      this.ctx.kubelets.report(pod);
    });
  }

  private dependenciesUp(pod: SimPod, node: SimNode): boolean {
    for (const name of pod.template.dependsOn) {
      const dependency = this.ctx.world.nodeByName.get(name);
      if (!dependency || !dependency.booted || dependency.partition !== node.partition) return false;
    }
    return true;
  }

  /**
   * Pods whose readiness probe needs an external host (NFS, database): failing probes take the
   * pod out of endpoints after failureThreshold × period; one success brings it back.
   */
  refreshDependencies(): void {
    const ctx = this.ctx;
    for (const workload of ctx.world.workloads) {
      if (workload.template.dependsOn.length === 0) continue;
      for (const pod of workload.pods) {
        const node = pod.nodeName ? ctx.world.nodeByName.get(pod.nodeName) : undefined;
        if (!node || !pod.running) continue;
        const up = this.dependenciesUp(pod, node);
        const probe = readinessProbe(pod.template);
        const period = probe?.period ?? ctx.settings.nodeStatusUpdateFrequency;
        const threshold = probe?.failureThreshold ?? 3;
        const epoch = pod.epoch;
        if (!up && pod.ready) {
          ctx.env.after(period * threshold, Priority.kubelet, () => {
            if (pod.epoch === epoch && pod.running && !this.dependenciesUp(pod, node)) {
              pod.ready = false;
              this.ctx.kubelets.report(pod);
            }
          });
        } else if (up && !pod.ready && pod.waitingReason === '') {
          ctx.env.after(period, Priority.kubelet, () => {
            if (pod.epoch === epoch && pod.running && this.dependenciesUp(pod, node) && !this.swapSlow(pod, node)) {
              pod.ready = true;
              this.ctx.kubelets.report(pod);
            }
          });
        }
      }
    }
  }
}

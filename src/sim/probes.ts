/**
 * Readiness probes: a started container turns Ready at its first probe after the application
 * is up, and pods whose probe needs an external host (NFS, a database) follow that host.
 */
import type { ProbesContext, ProbesPort } from './context.js';
import { Priority } from './priority.js';
import type { SimNode, SimPod } from './state.js';

export class ReadinessProbes implements ProbesPort {
  constructor(private readonly ctx: ProbesContext) {}

  /** Ready at the first probe after the application is up (initialDelaySeconds, then every periodSeconds). */
  scheduleReadiness(pod: SimPod, node: SimNode): void {
    const ctx = this.ctx;
    const epoch = pod.epoch;
    const appReady = ctx.env.now + pod.template.startupTime / node.cpuFactor;
    const probe = pod.template.containers.map((c) => c.readiness).find((r) => r !== null) ?? null;
    let readyAt = appReady;
    if (probe) {
      const first = ctx.env.now + probe.initialDelay;
      readyAt = first >= appReady ? first : first + Math.ceil((appReady - first) / probe.period) * probe.period;
    }
    ctx.env.at(readyAt, Priority.kubelet, () => {
      if (pod.epoch !== epoch || !pod.running) return;
      if (!this.dependenciesUp(pod, node)) return;
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
        const probe = pod.template.containers.map((c) => c.readiness).find((r) => r !== null);
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
            if (pod.epoch === epoch && pod.running && this.dependenciesUp(pod, node)) {
              pod.ready = true;
              this.ctx.kubelets.report(pod);
            }
          });
        }
      }
    }
  }
}

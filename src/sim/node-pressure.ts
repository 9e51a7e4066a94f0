/**
 * What a node's resources come to: memory and CPU in use, containers crossing their memory
 * limit (OOMKilled), the kernel's OOM killer when the node runs out, and kubelet evictions
 * under memory pressure (only with a configured threshold) or disk pressure.
 */
import type { NodePressureContext, NodePressurePort } from './context.js';
import { outsideKubernetesVictim } from '../model/timeline.js';
import { Priority } from './priority.js';
import { oomScoreAdj, podCpuUsage, podMemory, podMemoryLimit, podSubject, type SimNode, type SimPod } from './state.js';
import { taintKeys } from './taints.js';

const mi = (bytes: number) => `${Math.round(bytes / 1048576)}Mi`;

export class NodePressure implements NodePressurePort {
  private readonly memoryEpoch = new Map<SimNode, number>();
  private readonly evictionLoop = new Set<SimNode>();
  private readonly pressureSince = new Map<SimNode, number>();

  constructor(private readonly ctx: NodePressureContext) {}

  onNodeDown(node: SimNode): void {
    this.evictionLoop.delete(node);
    this.memoryEpoch.set(node, (this.memoryEpoch.get(node) ?? 0) + 1);
  }

  nodeMemoryUsed(node: SimNode): number {
    let used = node.overheadMemory + node.foreignMemory;
    for (const pod of node.pods) used += podMemory(pod, this.ctx.env.now);
    return used;
  }

  nodeCpuUsed(node: SimNode): number {
    if (!node.powered) return 0;
    let used = node.k3s === 'running' ? node.overheadCpu : 0;
    for (const pod of node.pods) used += podCpuUsage(pod);
    return Math.min(used, node.capacityCpu);
  }

  /** Schedules the next instant a container crosses its limit or the node runs out of memory. */
  scheduleMemoryCheck(node: SimNode): void {
    const ctx = this.ctx;
    if (!node.powered) return;
    const epoch = (this.memoryEpoch.get(node) ?? 0) + 1;
    this.memoryEpoch.set(node, epoch);
    let next = Infinity;
    let growth = 0;
    for (const pod of node.pods) {
      if (!pod.running || pod.memoryGrowthRate <= 0) continue;
      growth += pod.memoryGrowthRate;
      const limit = podMemoryLimit(pod);
      if (limit > 0) next = Math.min(next, ctx.env.now + Math.max(0, (limit - podMemory(pod, ctx.env.now)) / pod.memoryGrowthRate));
    }
    const used = this.nodeMemoryUsed(node);
    const threshold = ctx.settings.evictionHardMemoryAvailable;
    if (threshold !== null) {
      if (used > node.capacityMemory - threshold) this.startEvictionLoop(node);
      else if (growth > 0) next = Math.min(next, ctx.env.now + (node.capacityMemory - threshold - used) / growth);
    }
    if (used >= node.capacityMemory) {
      // Only while something can still be killed; otherwise this would spin at one instant.
      if (this.oomVictim(node)) next = ctx.env.now;
    } else if (growth > 0) {
      next = Math.min(next, ctx.env.now + (node.capacityMemory - used) / growth);
    }
    if (next === Infinity) return;
    ctx.env.at(next, Priority.truth, () => {
      if (this.memoryEpoch.get(node) === epoch) this.memoryCheck(node);
    });
  }

  private memoryCheck(node: SimNode): void {
    const ctx = this.ctx;
    if (!node.powered) return;
    for (const pod of [...node.pods]) {
      const limit = podMemoryLimit(pod);
      if (pod.running && limit > 0 && podMemory(pod, ctx.env.now) >= limit - 1) {
        this.ctx.kubelets.containerExited(pod, node, 'OOMKilled', `memory reached its limit of ${Math.round(limit / 1048576)}Mi`);
      }
    }
    // The kernel's OOM killer acts when memory is really exhausted, whatever the kubelet is configured to do.
    while (this.nodeMemoryUsed(node) >= node.capacityMemory) {
      const victim = this.oomVictim(node);
      if (!victim) break;
      const oomKiller = `kernel OOM killer on ${node.name}: ${mi(this.nodeMemoryUsed(node))} used of ${mi(node.capacityMemory)}`;
      if (victim === 'foreign') {
        // The process holding memory outside Kubernetes (oom_score_adj 0) can be the biggest target.
        ctx.emit(
          'node.oomKiller',
          `node/${node.name}`,
          'truth',
          `${oomKiller}; kills the process holding ${mi(node.foreignMemory)} outside Kubernetes (oom_score_adj 0)`,
          {
            victim: outsideKubernetesVictim,
            oomScoreAdj: 0,
          },
        );
        node.foreignMemory = 0;
        continue;
      }
      const adj = oomScoreAdj(victim, node.capacityMemory);
      ctx.emit(
        'node.oomKiller',
        `node/${node.name}`,
        'truth',
        `${oomKiller}; kills ${victim.name} (oom_score_adj ${adj}, ${victim.template.qos})`,
        {
          victim: victim.name,
          oomScoreAdj: adj,
          qos: victim.template.qos,
        },
      );
      this.ctx.kubelets.containerExited(victim, node, 'OOMKilled', `node out of memory, oom_score_adj ${adj}`);
    }
    this.scheduleMemoryCheck(node);
  }

  /**
   * The process the kernel picks: highest oom_score_adj + share of memory (oom_badness), among
   * the pods' containers and the memory taken outside Kubernetes (`foreign`, oom_score_adj 0).
   */
  private oomVictim(node: SimNode): SimPod | 'foreign' | undefined {
    let best: SimPod | 'foreign' | undefined = node.foreignMemory > 0 ? 'foreign' : undefined;
    let bestScore = node.foreignMemory > 0 ? (1000 * node.foreignMemory) / node.capacityMemory : -Infinity;
    for (const pod of node.pods) {
      if (!pod.running) continue;
      const score = oomScoreAdj(pod, node.capacityMemory) + (1000 * podMemory(pod, this.ctx.env.now)) / node.capacityMemory;
      if (score > bestScore) {
        bestScore = score;
        best = pod;
      }
    }
    return best;
  }

  /**
   * Kubelet node-pressure eviction, only when a memory.available threshold is configured
   * (K3s sets none by default): every evictionMonitoringPeriod, evict one pod ranked by
   * usage over request, then priority, then usage minus request (calibration.md 1.5).
   */
  private startEvictionLoop(node: SimNode): void {
    const ctx = this.ctx;
    if (this.evictionLoop.has(node)) return;
    this.evictionLoop.add(node);
    const loop = () => {
      if (!this.evictionLoop.has(node) || !node.powered) return;
      const threshold = ctx.settings.evictionHardMemoryAvailable ?? 0;
      const available = node.capacityMemory - this.nodeMemoryUsed(node);
      if (available < threshold) {
        this.pressureSince.set(node, ctx.env.now);
        if (!node.apiMemoryPressure && node.heartbeatHealthy) {
          node.apiMemoryPressure = true;
          ctx.emit(
            'node.condition',
            `node/${node.name}`,
            'api',
            `${node.name} MemoryPressure: ${Math.round(available / 1048576)}Mi available < ${Math.round(threshold / 1048576)}Mi`,
            { type: 'MemoryPressure', status: 'True' },
          );
          ctx.lifecycle.addTaint(node, { key: taintKeys.memoryPressure, effect: 'NoSchedule' });
        }
        const victim = this.evictionVictim(node);
        if (victim)
          this.evict(victim, node, `memory.available ${Math.round(available / 1048576)}Mi below ${Math.round(threshold / 1048576)}Mi`);
      } else if (
        node.apiMemoryPressure &&
        ctx.env.now - (this.pressureSince.get(node) ?? 0) >= ctx.settings.evictionPressureTransitionPeriod
      ) {
        node.apiMemoryPressure = false;
        ctx.emit('node.condition', `node/${node.name}`, 'api', `${node.name} MemoryPressure cleared`, {
          type: 'MemoryPressure',
          status: 'False',
        });
        ctx.lifecycle.removeTaint(node, taintKeys.memoryPressure, 'NoSchedule');
      } else if (!node.apiMemoryPressure) {
        this.evictionLoop.delete(node);
        return;
      }
      ctx.env.after(ctx.settings.evictionMonitoringPeriod, Priority.kubelet, loop);
    };
    ctx.env.after(0, Priority.kubelet, loop);
  }

  private evictionVictim(node: SimNode): SimPod | undefined {
    const now = this.ctx.env.now;
    const candidates = [...node.pods].filter((p) => p.running && !p.evicted);
    candidates.sort((a, b) => {
      const overA = podMemory(a, now) > a.template.requestMemory ? 1 : 0;
      const overB = podMemory(b, now) > b.template.requestMemory ? 1 : 0;
      if (overA !== overB) return overB - overA;
      if (a.template.priority !== b.template.priority) return a.template.priority - b.template.priority;
      return podMemory(b, now) - b.template.requestMemory - (podMemory(a, now) - a.template.requestMemory) || a.id - b.id;
    });
    return candidates[0];
  }

  /** Kubelet eviction: the pod fails with reason Evicted; its controller replaces it. */
  evict(pod: SimPod, node: SimNode, reason: string): void {
    const ctx = this.ctx;
    pod.running = false;
    pod.ready = false;
    pod.evicted = true;
    pod.epoch++;
    ctx.emit('pod.evicted', podSubject(pod), 'api', `${pod.name} evicted from ${node.name}: ${reason} (${pod.template.qos})`, {
      node: node.name,
      qos: pod.template.qos,
      reason,
    });
    this.ctx.kubelets.report(pod);
    ctx.serviceMonitor.markDirty(pod);
    ctx.controllers.onPodFailed(pod, 'Evicted');
    this.scheduleMemoryCheck(node);
  }

  /** Disk pressure (a disk-full fault): condition, NoSchedule taint, and evictions of the lowest-priority pods. */
  diskPressure(node: SimNode, full: boolean): void {
    const ctx = this.ctx;
    node.diskFull = full;
    if (!node.heartbeatHealthy) return;
    if (full && !node.apiDiskPressure) {
      node.apiDiskPressure = true;
      ctx.emit('node.condition', `node/${node.name}`, 'api', `${node.name} DiskPressure: nodefs.available below K3s's 5 % threshold`, {
        type: 'DiskPressure',
        status: 'True',
      });
      ctx.lifecycle.addTaint(node, { key: taintKeys.diskPressure, effect: 'NoSchedule' });
      const victims = [...node.pods]
        .filter((p) => p.running && p.workload.spec.kind !== 'DaemonSet')
        .sort((a, b) => a.template.priority - b.template.priority || a.id - b.id);
      const victim = victims[0];
      if (victim) this.evict(victim, node, 'nodefs.available below 5 %');
    } else if (!full && node.apiDiskPressure) {
      node.apiDiskPressure = false;
      ctx.emit('node.condition', `node/${node.name}`, 'api', `${node.name} DiskPressure cleared`, {
        type: 'DiskPressure',
        status: 'False',
      });
      ctx.lifecycle.removeTaint(node, taintKeys.diskPressure, 'NoSchedule');
    }
  }
}

/**
 * What a node's resources come to: memory and CPU in use, containers crossing their memory
 * limit (OOMKilled), the kernel's OOM killer when the node runs out, and kubelet evictions
 * under memory pressure (only with a configured threshold) or disk pressure.
 */
import type { NodePressureContext, NodePressurePort } from './context.js';
import { outsideKubernetesVictim } from '../model/timeline.js';
import { evictable, passAfterEviction } from './eviction.js';
import { Priority } from './priority.js';
import { podCpuUsage, podMemory, podSubject, type SimNode, type SimPod } from './state.js';
import { podOomPoint, podSwapLimit, probeLatencyOn, swapCapacity, swapState, SwapTraffic, type SwapState } from './swap.js';
import { taintKeys } from './taints.js';

const mi = (bytes: number) => `${Math.round(bytes / 1048576)}Mi`;

export class NodePressure implements NodePressurePort {
  private readonly memoryEpoch = new Map<SimNode, number>();
  private readonly evictionLoop = new Set<SimNode>();
  private readonly pressureSince = new Map<SimNode, number>();
  /** Swap file writes per node and the swap device each node last used (swap.ts). */
  private readonly swapTraffic = new SwapTraffic();
  private readonly swapLevel = new Map<SimNode, 'zram' | 'file'>();

  constructor(private readonly ctx: NodePressureContext) {}

  onNodeDown(node: SimNode): void {
    this.evictionLoop.delete(node);
    this.memoryEpoch.set(node, (this.memoryEpoch.get(node) ?? 0) + 1);
    this.swapTraffic.forget(node);
    this.swapLevel.delete(node);
    this.ctx.diskPressure.onNodeDown(node);
  }

  probeLatency(node: SimNode): number {
    return probeLatencyOn(node, this.swapTraffic, this.ctx.env.now, this.ctx.settings);
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
      const limit = podOomPoint(pod, node, ctx.settings);
      if (limit > 0) next = Math.min(next, ctx.env.now + Math.max(0, (limit - podMemory(pod, ctx.env.now)) / pod.memoryGrowthRate));
    }
    const used = this.nodeMemoryUsed(node);
    const threshold = ctx.settings.evictionHardMemoryAvailable;
    if (threshold !== null) {
      if (used > node.capacityMemory - threshold) this.startEvictionLoop(node);
      else if (growth > 0) next = Math.min(next, ctx.env.now + (node.capacityMemory - threshold - used) / growth);
    }
    // With swap the kernel moves pages out before it kills: its ceiling is RAM plus what zram and the file free (swap.ts).
    const swap = swapState(node, used, ctx.env.now, ctx.settings);
    this.trackSwap(node, swap, used, growth);
    // A byte of slack: at the predicted instant float rounding can leave `used` a hair below the ceiling,
    // and a re-check a few ulps later would never advance the clock.
    if (used >= swap.ceiling - 1) {
      // Only while something can still be killed; otherwise this would spin at one instant.
      if (this.oomVictim(node)) next = ctx.env.now;
    } else if (growth > 0) {
      next = Math.min(next, ctx.env.now + (swap.ceiling - used) / growth);
      // The moments swapping starts (zram, then the file) are checked too, so the timeline says when.
      for (const from of [node.spec.swap ? node.capacityMemory : Infinity, swap.diskFrom])
        // A byte of slack: at the predicted instant float rounding may leave `used` a hair below `from`.
        if (from - used > 1 && from < swap.ceiling) next = Math.min(next, ctx.env.now + (from - used) / growth);
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
      const limit = podOomPoint(pod, node, ctx.settings);
      if (pod.running && limit > 0 && podMemory(pod, ctx.env.now) >= limit - 1) {
        const swap = podSwapLimit(pod, node, ctx.settings);
        const what = swap > 0 ? `its limit of ${mi(limit - swap)} and its ${mi(swap)} of swap (LimitedSwap)` : `its limit of ${mi(limit)}`;
        this.ctx.kubelets.containerExited(pod, node, 'OOMKilled', `memory reached ${what}`);
      }
    }
    // The kernel's OOM killer acts when memory (and swap) is really exhausted, whatever the kubelet is configured to do.
    while (this.nodeMemoryUsed(node) >= swapState(node, this.nodeMemoryUsed(node), ctx.env.now, ctx.settings).ceiling - 1) {
      const victim = this.oomVictim(node);
      if (!victim) break;
      const swapTotal = swapCapacity(node);
      const ofSwap = swapTotal > 0 ? ` (${mi(swapTotal)} of swap full)` : '';
      const oomKiller = `kernel OOM killer on ${node.name}: ${mi(this.nodeMemoryUsed(node))} used of ${mi(node.capacityMemory)}${ofSwap}`;
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
        node.usageChanged = true;
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
    // oom_badness counts RSS plus swapped pages against RAM plus swap (Linux mm/oom_kill.c, totalpages).
    const total = node.capacityMemory + swapCapacity(node);
    let best: SimPod | 'foreign' | undefined = node.foreignMemory > 0 ? 'foreign' : undefined;
    let bestScore = node.foreignMemory > 0 ? (1000 * node.foreignMemory) / total : -Infinity;
    for (const pod of node.pods) {
      if (!pod.running) continue;
      const score = oomScoreAdj(pod, node.capacityMemory) + (1000 * podMemory(pod, this.ctx.env.now)) / total;
      if (score > bestScore) {
        bestScore = score;
        best = pod;
      }
    }
    return best;
  }

  /**
   * Records where the node's memory sits (RAM, zram, the swap file), says so on the timeline when that
   * changes, and tells the probes when writes to the swap file start, grow or end (swap.ts).
   */
  private trackSwap(node: SimNode, swap: SwapState, used: number, growth: number): void {
    const ctx = this.ctx;
    const config = node.spec.swap;
    if (!config) return;
    const before = this.probeLatency(node);
    const burstEnd = this.swapTraffic.update(node, swap, used, growth, ctx.env.now);
    // Growing at the moment a device starts to fill counts as using it (the check runs exactly then).
    const filling = (from: number) => growth > 0 && used >= from - 1;
    const level =
      swap.disk > 0 || filling(swap.diskFrom)
        ? 'file'
        : swap.zram > 0 || (config.zram && filling(node.capacityMemory))
          ? 'zram'
          : undefined;
    if (level !== this.swapLevel.get(node)) {
      if (level) this.swapLevel.set(node, level);
      else this.swapLevel.delete(node);
      const zram = config.zram ? `${mi(swap.zram)} of pages in zram (${mi(config.zram.size)}, ratio ${config.zram.compressionRatio})` : '';
      const message =
        level === 'file'
          ? `${node.name} writing to its swap file on ${config.file?.storage.name} (${mi(swap.disk)})` +
            `${zram ? ` after ${zram}` : ''}: 4K random writes on that storage; readiness probes slow down`
          : level === 'zram'
            ? `${node.name} swapping to zram (${mi(config.zram?.size ?? 0)}, ratio ${config.zram?.compressionRatio}): ` +
              `memory before the kernel OOM killer acts ${mi(swap.ceiling)} instead of ${mi(node.capacityMemory)}`
            : `${node.name} no longer swapping`;
      ctx.emit('node.swap', `node/${node.name}`, 'truth', message, {
        device: level ?? 'none',
        zram: Math.round(swap.zram),
        file: Math.round(swap.disk),
        ceiling: Math.round(swap.ceiling),
      });
    }
    if (this.probeLatency(node) !== before) ctx.probes.refreshSwap(node);
    if (burstEnd === null) return;
    const epoch = this.memoryEpoch.get(node);
    ctx.env.at(burstEnd, Priority.kubelet, () => {
      if (this.memoryEpoch.get(node) !== epoch || !node.powered || this.probeLatency(node) >= Infinity) return;
      ctx.emit('node.swap', `node/${node.name}`, 'truth', `${node.name}: swap file writes caught up; probes answer again`, {
        device: 'file',
        file: Math.round(this.swapTraffic.disk(node)),
      });
      ctx.probes.refreshSwap(node);
    });
  }

  /**
   * Kubelet node-pressure eviction, only when a memory.available threshold is configured
   * (K3s sets none by default): every evictionMonitoringPeriod, evict one pod ranked by
   * usage over request, then priority, then usage minus request (calibration.md 1.5); after an
   * eviction the next pass comes once the pod is cleaned up (eviction.ts).
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
        if (victim) {
          this.evict(victim, node, `memory.available ${Math.round(available / 1048576)}Mi below ${Math.round(threshold / 1048576)}Mi`);
          ctx.env.after(passAfterEviction, Priority.kubelet, loop);
          return;
        }
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
    const candidates = [...node.pods].filter(evictable);
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
    node.usageChanged = true;
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
}

/** `oom_score_adj` by QoS class (KK pkg/kubelet/qos/policy.go; calibration.md 1.5). */
function oomScoreAdj(pod: SimPod, capacityMemory: number): number {
  switch (pod.template.qos) {
    case 'Guaranteed':
      return -997;
    case 'BestEffort':
      return 1000;
    case 'Burstable':
      return Math.min(Math.max(2, Math.round(1000 - (1000 * pod.template.requestMemory) / capacityMemory)), 999);
  }
}

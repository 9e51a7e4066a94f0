/**
 * Swap below Kubernetes (zram and a swap file, seed 000's "Edge-Pulse") and what the kubelet does
 * with it. Sources:
 * - the kubelet refuses to start on a node with swap while `failSwapOn` is true (KK
 *   pkg/kubelet/cm/container_manager_linux.go: "running with swap on is not supported, please disable
 *   swap! or set --fail-swap-on flag to false"); K3s sets it false (K3s pkg/daemons/agent/agent.go);
 * - pods get swap only under `LimitedSwap` with the NodeSwap gate on, only Burstable containers whose
 *   memory request differs from their limit, and (1.31+) not critical pods; each such container may swap
 *   `request / node memory × node swap` (KK pkg/kubelet/kuberuntime/kuberuntime_container_linux.go,
 *   GetContainerSwapBehavior and calcSwapForBurstablePods; KEP-2400 "Steps to Calculate Swap Limit").
 *   Under `NoSwap` (the default) pods cannot swap, but processes outside Kubernetes can (K8sDocs
 *   concepts/cluster-administration/swap-memory-management);
 * - zram keeps swapped pages compressed in RAM: holding x bytes of pages costs x / ratio of RAM
 *   (Linux Documentation/admin-guide/blockdev/zram.rst), so it frees x × (1 − 1/ratio);
 * - the kubelet's memory.available signal counts neither swap nor swapped pages (KK
 *   pkg/kubelet/eviction/helpers_linux.go, makeMemoryAvailableSignalObservation: AvailableBytes and
 *   WorkingSetBytes only; swap-aware eviction is a KEP-2400 "Beta 3" item), so a configured threshold
 *   evicts before the node swaps at all.
 * Pure module: no I/O, usable from the simulation core.
 */
import type { ModelSettings } from '../model/settings.js';
import { podMemory, type SimNode, type SimPod } from './state.js';

/** The unit the kernel swaps and the storage figures are measured in (4K random write IOPS). */
export const swapPageSize = 4096;

/**
 * Priority of critical pods (system-cluster-critical is 2000000000, KK pkg/apis/scheduling/types.go);
 * from 1.31 they get no swap (kubernetes/kubernetes#125277, KEP-2400 implementation history).
 */
const systemCriticalPriority = 2_000_000_000;

const mi = (bytes: number) => `${Math.round(bytes / 1048576)}Mi`;

function kubeletMinor(node: SimNode): number {
  return Number(/^v1\.(\d+)\./.exec(node.spec.k3sVersion)?.[1] ?? 33);
}

/** Total swap the kubelet sees (/proc/swaps: zram disksize plus the swap file; cadvisor's SwapCapacity). */
export function swapCapacity(node: SimNode): number {
  const swap = node.spec.swap;
  return swap ? (swap.zram?.size ?? 0) + (swap.file?.size ?? 0) : 0;
}

/** Why the kubelet does not start on this node, or null: swap is on and `failSwapOn` is true. */
export function kubeletSwapRefusal(node: SimNode, settings: Pick<ModelSettings, 'failSwapOn'>): string | null {
  const total = swapCapacity(node);
  if (total <= 0 || !settings.failSwapOn) return null;
  return (
    `the kubelet refuses to start with ${mi(total)} of swap on and failSwapOn true ("running with swap on is not supported, ` +
    'please disable swap! or set --fail-swap-on flag to false"); k3s exits and systemd restarts it, so the node never registers'
  );
}

/** What the kubelet really applies to pods on this node: LimitedSwap needs the NodeSwap feature gate. */
export function effectiveSwapBehavior(node: SimNode, settings: Pick<ModelSettings, 'nodeSwapFeatureGate'>): 'NoSwap' | 'LimitedSwap' {
  const swap = node.spec.swap;
  if (!swap || swapCapacity(node) <= 0) return 'NoSwap';
  return swap.swapBehavior === 'LimitedSwap' && settings.nodeSwapFeatureGate ? 'LimitedSwap' : 'NoSwap';
}

/** Swap the kubelet lets this pod's containers use (bytes; 0 under NoSwap, for Guaranteed, BestEffort, critical pods). */
export function podSwapLimit(pod: SimPod, node: SimNode, settings: Pick<ModelSettings, 'nodeSwapFeatureGate'>): number {
  if (effectiveSwapBehavior(node, settings) !== 'LimitedSwap' || pod.template.qos !== 'Burstable') return 0;
  if (kubeletMinor(node) >= 31 && pod.template.priority >= systemCriticalPriority) return 0;
  const total = swapCapacity(node);
  let limit = 0;
  for (const c of pod.template.containers) {
    const noMemory = c.requestMemory === 0 && c.limitMemory === 0;
    if (noMemory || c.requestMemory === c.limitMemory || c.requestMemory > node.capacityMemory) continue;
    limit += Math.floor((c.requestMemory / node.capacityMemory) * total);
  }
  return limit;
}

/** Where a container is OOMKilled: its memory limit plus the swap it may fill (0 = no limit). */
export function podOomPoint(pod: SimPod, node: SimNode, settings: Pick<ModelSettings, 'nodeSwapFeatureGate'>): number {
  const limit = podMemoryLimit(pod);
  return limit > 0 ? limit + podSwapLimit(pod, node, settings) : 0;
}

/** How the node's memory demand sits in RAM, zram and the swap file at one instant. */
export interface SwapState {
  /** Bytes of pages held in zram (before compression) and in the swap file. */
  readonly zram: number;
  readonly disk: number;
  /** Demand at which nothing more can be swapped and the kernel's OOM killer acts. */
  readonly ceiling: number;
  /** Demand at which zram is full and the swap file starts being written (Infinity: no file, or nothing to put there). */
  readonly diskFrom: number;
}

/**
 * Swap use for a memory `demand` (OS + K3s + memory outside Kubernetes + pods): only the memory allowed
 * to swap moves out (everything outside Kubernetes; a pod's part up to its swap limit); zram fills first
 * (the higher-priority device in zram setups), then the file.
 */
export function swapState(node: SimNode, demand: number, now: number, settings: Pick<ModelSettings, 'nodeSwapFeatureGate'>): SwapState {
  const capacity = node.capacityMemory;
  const swap = node.spec.swap;
  if (!swap) return { zram: 0, disk: 0, ceiling: capacity, diskFrom: Infinity };
  let swappable = node.overheadMemory + node.foreignMemory;
  for (const pod of node.pods) if (pod.running) swappable += Math.min(podMemory(pod, now), podSwapLimit(pod, node, settings));
  const saving = swap.zram ? 1 - 1 / swap.zram.compressionRatio : 0;
  const zramHolds = Math.min(swap.zram?.size ?? 0, swappable);
  const zramFrees = zramHolds * saving;
  const fileHolds = Math.min(swap.file?.size ?? 0, swappable - zramHolds);
  const overflow = Math.max(0, demand - capacity);
  const inZram = overflow <= zramFrees ? (saving > 0 ? overflow / saving : 0) : zramHolds;
  const disk = overflow <= zramFrees ? 0 : Math.min(fileHolds, overflow - zramFrees);
  return {
    zram: inZram,
    disk,
    ceiling: capacity + zramFrees + fileHolds,
    diskFrom: fileHolds > 0 ? capacity + zramFrees : Infinity,
  };
}

/** Seconds to write one page to the swap file's storage: 1 / its 4K random write IOPS, or a slow-storage fault's latency. */
export function swapPageLatency(node: SimNode): number {
  const storage = node.spec.swap?.file?.storage;
  if (!storage) return 0;
  if (storage.name === node.spec.storage.name && node.writeLatencyOverride !== null) return node.writeLatencyOverride;
  return 1 / storage.randomWriteIops.value;
}

/**
 * A readiness probe's latency on a node writing to its swap file (s), an estimate: the probe's process
 * faults `pages` back in, each waiting for a page written out to make room (one 4K random write), queued
 * behind the swap-out stream that keeps the device `utilisation` busy (M/M/1: service time / (1 − ρ)).
 * A saturated device (ρ ≥ 1) never answers in time.
 */
export function swapProbeLatency(pages: number, pageLatency: number, utilisation: number): number {
  if (utilisation >= 1) return Infinity;
  return (pages * pageLatency) / (1 - utilisation);
}

/** Per node: what is being written to the swap file, so probes on it can be slowed while it lasts. */
interface Traffic {
  disk: number;
  at: number;
  /** Growth of demand being pushed into the file (bytes/s), 0 when nothing grows there. */
  rate: number;
  /** A step of memory (a fill, a pod start) is written out until then. */
  busyUntil: number;
}

/** The swap file's write traffic per node: bursts after a step of memory, a stream while memory grows into it. */
export class SwapTraffic {
  private readonly traffic = new Map<SimNode, Traffic>();

  /**
   * Records the file's use after a memory change at `now` (`growth`: bytes/s the demand grows); returns
   * the end of a new burst when one started or grew, so the caller can re-check probes then.
   */
  update(node: SimNode, state: SwapState, demand: number, growth: number, now: number): number | null {
    const entry = this.traffic.get(node) ?? { disk: 0, at: now, rate: 0, busyUntil: -Infinity };
    const expected = entry.disk + entry.rate * (now - entry.at);
    const step = state.disk - expected;
    const writeRate = swapPageSize / Math.max(1e-9, swapPageLatency(node));
    let burstEnd: number | null = null;
    if (step > swapPageSize) {
      entry.busyUntil = Math.max(now, entry.busyUntil) + step / writeRate;
      burstEnd = entry.busyUntil;
    }
    entry.disk = state.disk;
    entry.at = now;
    entry.rate = demand >= state.diskFrom - 1 && demand < state.ceiling - 1 ? growth : 0;
    this.traffic.set(node, entry);
    return burstEnd;
  }

  /** The swap file's write stream as a share of what its storage can write (≥ 1: saturated). */
  utilisation(node: SimNode, now: number): number {
    const entry = this.traffic.get(node);
    if (!entry) return 0;
    if (now < entry.busyUntil) return 1;
    return entry.rate > 0 ? (entry.rate * swapPageLatency(node)) / swapPageSize : 0;
  }

  /** Bytes in the swap file at the last update. */
  disk(node: SimNode): number {
    return this.traffic.get(node)?.disk ?? 0;
  }

  forget(node: SimNode): void {
    this.traffic.delete(node);
  }
}

/** Probe latency on this node now (s): 0 while nothing is written to its swap file. */
export function probeLatencyOn(
  node: SimNode,
  traffic: SwapTraffic,
  now: number,
  settings: Pick<ModelSettings, 'swapPagesPerProbe'>,
): number {
  const utilisation = traffic.utilisation(node, now);
  if (utilisation <= 0) return 0;
  return swapProbeLatency(settings.swapPagesPerProbe, swapPageLatency(node), utilisation);
}

/** A pod's memory limit: the sum of its containers' limits, 0 when one has none. */
function podMemoryLimit(pod: SimPod): number {
  let total = 0;
  for (const c of pod.template.containers) {
    if (c.limitMemory <= 0) return 0;
    total += c.limitMemory;
  }
  return total;
}

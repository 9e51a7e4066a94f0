/**
 * How a Docker container is made to behave like a Pi: memory limit, a CPU quota scaled by the
 * board's relative performance against a measured calibration of this host, the kubelet's
 * reserved CPU so allocatable matches the board's cores, network shaping (tc tbf) and block-IO
 * limits for its storage.
 */
import type { Cluster, ClusterNode } from '../../model/cluster.js';
import { usableMemory } from '../../model/settings.js';

/** sysbench 1.0.20 `cpu --threads=4` events/s of a Raspberry Pi 3B+ (leoncode.co.uk; calibration.md 4.2). */
export const pi3bplusSysbench4Threads = 2459.22;

export interface HostCalibration {
  /** sysbench `cpu --threads=1` events/s of one host core, or null when not measured. */
  readonly singleCoreEvents: number | null;
  readonly cores: number;
  readonly source: string;
}

export interface NodeThrottle {
  /**
   * The node container's memory limit: the board's RAM less what its firmware and kernel keep,
   * the capacity a Pi's kubelet reports (the model's capacity too).
   */
  readonly memoryBytes: number;
  /** Docker `--cpus`: host cores' worth of time the board's CPU is worth. */
  readonly cpus: number;
  /** Millicores to reserve so allocatable CPU equals the board's cores. */
  readonly reservedCpu: number;
  /** Egress shaping rate in bits per second. */
  readonly rateBits: number;
  /** Storage throughput for Docker's block-IO limits (bytes/s). */
  readonly writeBps: number;
  readonly readBps: number;
  readonly writeIops: number;
  /** Seconds one synchronous 4 KiB write takes at the storage's random-write IOPS (the model's fsync latency). */
  readonly writeLatency: number;
  /** What could not be made faithful, in words. */
  readonly notes: string[];
}

export function nodeThrottle(node: ClusterNode, cluster: Cluster, host: HostCalibration): NodeThrottle {
  const profile = node.profile.spec;
  const notes: string[] = [];
  const boardEvents = profile.cpu.relativePerformance.value * pi3bplusSysbench4Threads;
  let cpus: number;
  if (host.singleCoreEvents && host.singleCoreEvents > 0) {
    cpus = Math.min(host.cores, Math.max(0.05, boardEvents / host.singleCoreEvents));
    if (boardEvents / host.singleCoreEvents > host.cores)
      notes.push(`CPU capped at the host's ${host.cores} cores (board is faster than this host)`);
  } else {
    cpus = Math.min(host.cores, profile.cpu.cores.value);
    notes.push('host CPU not calibrated (sysbench missing): CPU quota = board cores, speed not emulated');
  }
  const hostMillicores = host.cores * 1000;
  const boardMillicores = profile.cpu.cores.value * 1000;
  return {
    memoryBytes: usableMemory(profile.memory.value, cluster.settings),
    cpus: Math.round(cpus * 100) / 100,
    reservedCpu: Math.max(0, hostMillicores - boardMillicores),
    rateBits: Math.round(node.network.throughput.value * 8),
    writeBps: Math.round(node.storage.sequentialWrite.value),
    readBps: Math.round(node.storage.sequentialRead.value),
    writeIops: Math.round(node.storage.randomWriteIops.value),
    writeLatency: 1 / node.storage.randomWriteIops.value,
    notes,
  };
}

/** `tc` arguments for a token-bucket filter at `rateBits` (burst and latency sized for the rate). */
export function tbfArgs(device: string, rateBits: number, action: 'add' | 'change' | 'replace' = 'replace'): string[] {
  // burst ≥ rate / HZ (250) and at least one full-size frame; 50 ms of queue.
  const burstBytes = Math.max(32 * 1024, Math.ceil(rateBits / 8 / 250));
  return [
    'qdisc',
    action,
    'dev',
    device,
    'root',
    'tbf',
    'rate',
    `${Math.round(rateBits / 1000)}kbit`,
    'burst',
    `${burstBytes}`,
    'latency',
    '50ms',
  ];
}

/**
 * k3d's per-role memory option for nodes of `memoryBytes`. k3d writes the fake /proc/meminfo the
 * kubelet reads as the value divided by 1000 in "kB", which the kernel's format (and so the
 * kubelet) counts in KiB (k3d v5.8.3 pkg/util/infofaker.go, `memoryBytes / dockerunits.KB`):
 * the option is scaled by 1000/1024 so the kubelet sees exactly `memoryBytes`. The container's
 * limit, which k3d sets from the same option, is set to `memoryBytes` by twin's throttling step.
 */
export function k3dMemoryOption(memoryBytes: number): string {
  return String(Math.floor(memoryBytes / 1024) * 1000);
}

/** A /proc/meminfo as k3d fakes it (the fields cadvisor needs), for `memoryBytes` of RAM. */
export function fakeMeminfo(memoryBytes: number): string {
  return `MemTotal: ${Math.floor(memoryBytes / 1024)} kB\nSwapTotal: 0 kB\n`;
}

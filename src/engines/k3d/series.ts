/**
 * The series of a live run, one sample per interval: every node container's CPU and memory from
 * its cgroup, power and readiness, the draw estimated from utilisation, pods by phase, ready pods
 * per workload and each Service's share of answering endpoints.
 */
import { readFileSync } from 'node:fs';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { ClusterNode } from '../../model/cluster.js';
import type { NodeSeries, TimelineSeries } from '../../model/timeline.js';
import { parseBytes, parseMillicores } from '../../model/units.js';
import { workloadOf } from './observe.js';

export interface CgroupReader {
  cpuNanos(): number | null;
  memoryBytes(): number | null;
}

/** Where a container's cgroup files are, for cgroup v1 (cgroupfs driver) and v2. */
export function cgroupReader(id: string): CgroupReader {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  };
  return {
    cpuNanos: () => {
      const v1 = read(`/sys/fs/cgroup/cpu,cpuacct/docker/${id}/cpuacct.usage`) ?? read(`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`);
      if (v1 !== null) return Number(v1.trim());
      const v2 = read(`/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`);
      const usec = v2 ? /usage_usec (\d+)/.exec(v2)?.[1] : undefined;
      return usec ? Number(usec) * 1000 : null;
    },
    memoryBytes: () => {
      // As `docker stats` counts it: usage minus the inactive file cache.
      const v1 = read(`/sys/fs/cgroup/memory/docker/${id}/memory.usage_in_bytes`);
      if (v1 !== null) {
        const stat = read(`/sys/fs/cgroup/memory/docker/${id}/memory.stat`) ?? '';
        const inactive = Number(/total_inactive_file (\d+)/.exec(stat)?.[1] ?? 0);
        return Math.max(0, Number(v1.trim()) - inactive);
      }
      const v2 = read(`/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.current`);
      if (v2 === null) return null;
      const stat = read(`/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.stat`) ?? '';
      return Math.max(0, Number(v2.trim()) - Number(/inactive_file (\d+)/.exec(stat)?.[1] ?? 0));
    },
  };
}

/** What the observer knows at one sample: the API's objects as the informers last saw them, Docker's power, the probes' answers. */
export interface SampleView {
  readonly nodeObjects: ReadonlyMap<string, V1Node>;
  readonly pods: Iterable<V1Pod>;
  readonly powered: ReadonlyMap<string, boolean>;
  readonly cgroups: ReadonlyMap<string, CgroupReader>;
  readonly ready: (node: string) => boolean;
  /** Service → share of its endpoints that answered the last probe round. */
  readonly availability: ReadonlyMap<string, number>;
}

export class SeriesSampler {
  private readonly series: {
    times: number[];
    nodes: Record<string, NodeSeries & { cpu: number[] }>;
    podsByPhase: Record<string, number[]>;
    workloadsReady: Record<string, number[]>;
    serviceAvailability: Record<string, number[]>;
    watts: number[];
  };
  private readonly lastCpu = new Map<string, { at: number; nanos: number }>();

  constructor(
    private readonly members: readonly ClusterNode[],
    private readonly origin: number,
  ) {
    this.series = { times: [], nodes: {}, podsByPhase: {}, workloadsReady: {}, serviceAvailability: {}, watts: [] };
  }

  /** One sample at wall-clock `at` (ms). */
  sample(at: number, view: SampleView): void {
    const t = Math.round(at - this.origin) / 1000;
    const s = this.series;
    const index = s.times.length;
    s.times.push(t);
    const push = (record: Record<string, number[]>, key: string, value: number) => {
      const list = record[key] ?? (record[key] = new Array<number>(index).fill(0));
      list.push(value);
    };
    let watts = 0;
    for (const node of this.members) {
      const object = view.nodeObjects.get(`/${node.name}`);
      const entry = (s.nodes[node.name] ??= {
        cpu: new Array<number>(index).fill(0),
        memory: new Array<number>(index).fill(0),
        ready: new Array<number>(index).fill(0),
        powered: new Array<number>(index).fill(0),
        watts: new Array<number>(index).fill(0),
        capacityCpu: 0,
        capacityMemory: 0,
        allocatableCpu: 0,
        allocatableMemory: 0,
      });
      if (object?.status?.capacity)
        Object.assign(entry, {
          capacityCpu: parseMillicores(object.status.capacity['cpu'] ?? '0'),
          capacityMemory: parseBytes(object.status.capacity['memory'] ?? '0'),
        });
      if (object?.status?.allocatable)
        Object.assign(entry, {
          allocatableCpu: parseMillicores(object.status.allocatable['cpu'] ?? '0'),
          allocatableMemory: parseBytes(object.status.allocatable['memory'] ?? '0'),
        });
      const powered = view.powered.get(node.name) ?? false;
      const cgroup = view.cgroups.get(node.name);
      const nanos = powered ? (cgroup?.cpuNanos() ?? null) : null;
      const last = this.lastCpu.get(node.name);
      let millicores = 0;
      if (nanos !== null) {
        if (last && nanos >= last.nanos && at > last.at) millicores = Math.round((nanos - last.nanos) / 1e6 / ((at - last.at) / 1000));
        this.lastCpu.set(node.name, { at, nanos });
      } else this.lastCpu.delete(node.name);
      entry.cpu.push(millicores);
      entry.memory.push(powered ? (cgroup?.memoryBytes() ?? 0) : 0);
      entry.ready.push(view.ready(node.name) ? 1 : 0);
      entry.powered.push(powered ? 1 : 0);
      // Draw from utilisation, linear between the board's idle and load figures.
      const power = node.profile.spec.power;
      const utilisation = Math.min(1, millicores / (node.profile.spec.cpu.cores.value * 1000));
      const w = powered ? power.idle.value + (power.load.value - power.idle.value) * utilisation : 0;
      entry.watts.push(Math.round(w * 100) / 100);
      watts += w;
    }
    s.watts.push(Math.round(watts * 100) / 100);
    const phases = new Map<string, number>([
      ['Pending', 0],
      ['Running', 0],
      ['Succeeded', 0],
      ['Failed', 0],
      ['Terminating', 0],
    ]);
    const ready = new Map<string, number>();
    for (const pod of view.pods) {
      const phase = pod.metadata?.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Pending');
      phases.set(phase, (phases.get(phase) ?? 0) + 1);
      const workload = workloadOf(pod);
      const isReady = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      ready.set(workload, (ready.get(workload) ?? 0) + (isReady ? 1 : 0));
    }
    for (const [phase, count] of phases) push(s.podsByPhase, phase, count);
    for (const key of new Set([...Object.keys(s.workloadsReady), ...ready.keys()])) push(s.workloadsReady, key, ready.get(key) ?? 0);
    for (const key of new Set([...Object.keys(s.serviceAvailability), ...view.availability.keys()]))
      push(s.serviceAvailability, key, view.availability.get(key) ?? 0);
  }

  /** The series so far. */
  result(interval: number): TimelineSeries {
    return { interval, ...this.series };
  }
}

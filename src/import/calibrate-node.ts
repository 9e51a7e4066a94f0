/**
 * What `twin calibrate` reads from a node's status, its kubelet's summary API and its kubelet
 * configuration (configz): memory figures, K3s's own memory and CPU, and the kubelet settings the
 * model has. Pure functions of recorded objects; no I/O, no clock.
 */
import type { V1Node } from '@kubernetes/client-node';
import { mappedFlags, parseEvictionHard, parseFlagValue, type FlagValueKind } from '../model/k3s-flag-table.js';
import type { SettingName } from '../model/setting-definitions.js';
import { parseBytes } from '../model/units.js';
import { epochSeconds, type FigureSamples } from './calibrate-samples.js';

/** The kubelet summary API's shape, as far as calibrate reads it (KK pkg/kubelet/apis/stats/v1alpha1/types.go). */
export interface StatsSummary {
  readonly node?: {
    readonly memory?: MemoryStats;
    readonly systemContainers?: ReadonlyArray<{ readonly name?: string; readonly memory?: MemoryStats; readonly cpu?: CpuStats }>;
  };
  readonly pods?: ReadonlyArray<{ readonly memory?: MemoryStats }>;
}
interface MemoryStats {
  readonly time?: string;
  readonly workingSetBytes?: number;
}
interface CpuStats {
  readonly time?: string;
  readonly usageNanoCores?: number;
}

const one = (value: number, at: number, source: string): FigureSamples => ({ samples: [{ value, at }], source });

/** Capacity and capacity − allocatable from the Node's status; `at` is when the Node was read. */
export function nodeMemory(node: V1Node, at: number): { memoryCapacity?: FigureSamples; memoryReserved?: FigureSamples } {
  const capacity = node.status?.capacity?.['memory'];
  const allocatable = node.status?.allocatable?.['memory'];
  if (!capacity) return {};
  const bytes = parseBytes(capacity);
  return {
    memoryCapacity: one(bytes, at, 'Node status.capacity.memory'),
    ...(allocatable
      ? {
          memoryReserved: one(
            Math.max(0, bytes - parseBytes(allocatable)),
            at,
            'Node status.capacity.memory − status.allocatable.memory (kube/system reserved and the hard eviction threshold)',
          ),
        }
      : {}),
  };
}

/** What the summary API gives, and why a figure it should give is missing. */
export interface SummaryFigures {
  readonly figures: Partial<Record<'memoryOutsidePods' | 'k3sMemory' | 'k3sCpu', FigureSamples>>;
  readonly missing: Partial<Record<'memoryOutsidePods' | 'k3sMemory' | 'k3sCpu', string>>;
}

/**
 * Node working set less the pods' (memory used by the OS and K3s), and the kubelet system
 * container's memory and CPU: on K3s the kubelet runs inside the k3s process, so its cgroup is
 * K3s's own use (KK pkg/kubelet/server/stats/summary.go lists the system containers whose cgroups
 * the kubelet knows: kubelet, runtime, misc, pods; the recorded k3d nodes list only pods).
 */
export function summaryFigures(summary: StatsSummary, fallbackAt: number): SummaryFigures {
  const figures: SummaryFigures['figures'] = {};
  const missing: SummaryFigures['missing'] = {};
  const nodeMemoryStats = summary.node?.memory;
  if (nodeMemoryStats?.workingSetBytes !== undefined) {
    const pods = (summary.pods ?? []).reduce((sum, pod) => sum + (pod.memory?.workingSetBytes ?? 0), 0);
    figures.memoryOutsidePods = one(
      Math.max(0, nodeMemoryStats.workingSetBytes - pods),
      epochSeconds(nodeMemoryStats.time) ?? fallbackAt,
      'kubelet summary API: node.memory.workingSetBytes − Σ pods[].memory.workingSetBytes, one reading',
    );
  } else missing.memoryOutsidePods = 'the summary API gave no node memory working set';
  const kubelet = summary.node?.systemContainers?.find((c) => c.name === 'kubelet');
  if (!kubelet) {
    const reason = 'the summary API names no "kubelet" system container (the kubelet runs without its own cgroup)';
    missing.k3sMemory = reason;
    missing.k3sCpu = reason;
    return { figures, missing };
  }
  if (kubelet.memory?.workingSetBytes !== undefined)
    figures.k3sMemory = one(
      kubelet.memory.workingSetBytes,
      epochSeconds(kubelet.memory.time) ?? fallbackAt,
      'kubelet summary API: systemContainers "kubelet" memory.workingSetBytes (on K3s: the k3s process), one reading',
    );
  else missing.k3sMemory = 'the kubelet system container reports no memory';
  if (kubelet.cpu?.usageNanoCores !== undefined)
    figures.k3sCpu = one(
      kubelet.cpu.usageNanoCores / 1e6,
      epochSeconds(kubelet.cpu.time) ?? fallbackAt,
      'kubelet summary API: systemContainers "kubelet" cpu.usageNanoCores (on K3s: the k3s process), one reading',
    );
  else missing.k3sCpu = 'the kubelet system container reports no CPU use';
  return { figures, missing };
}

/** Fields of the kubelet configuration (configz) that are not flags in the K3s flag table, with their model setting. */
const configOnlyFields: Readonly<Record<string, { setting: SettingName; kind: Exclude<FlagValueKind, 'eviction-hard'> }>> = {
  // KubeletConfiguration.nodeLeaseDurationSeconds (int32, seconds; KK staging/src/k8s.io/kubelet/config/v1beta1/types.go).
  nodeLeaseDurationSeconds: { setting: 'nodeLeaseDuration', kind: 'int' },
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The model's kubelet settings in a configz answer (`{"kubeletconfig": {...}}`: KK cmd/kubelet/app/server.go
 * initConfigz registers the versioned KubeletConfiguration as configz "kubeletconfig").
 * Field names are the flags' names in camelCase, so the K3s flag table maps them; values are
 * written as the flags take them (Go durations, integers, booleans). Returned in the model's
 * base units: seconds, bytes (null: no memory eviction threshold), numbers, booleans.
 */
export function settingsFromConfigz(configz: unknown): Partial<Record<SettingName, number | boolean | null>> {
  const config = (configz as { kubeletconfig?: Record<string, unknown> } | undefined)?.kubeletconfig;
  if (!config || typeof config !== 'object') return {};
  const out: Partial<Record<SettingName, number | boolean | null>> = {};
  const kubelet = mappedFlags['kubelet'] ?? {};
  for (const [field, raw] of Object.entries(config)) {
    const flag = kubelet[kebab(field)];
    if (flag?.kind === 'eviction-hard') {
      // configz writes the map ({"memory.available": "100Mi"}); K3s sets no memory signal, which turns it off.
      // Only memory.available matters to the model; other signals (nodefs, allocatableMemory…) are not read.
      const value = ((raw ?? {}) as Record<string, unknown>)['memory.available'];
      if (value === undefined) {
        out[flag.setting] = null;
        continue;
      }
      try {
        const memory = parseEvictionHard(`memory.available<${String(value)}`)[0];
        // A percentage of each node's memory has no single size for the whole cluster: the model keeps its own.
        if (memory && !memory.percent) out[flag.setting] = memory.value;
      } catch {
        // An unreadable threshold leaves the model's own value, as for the other fields below.
      }
      continue;
    }
    const mapped = flag ?? configOnlyFields[field];
    if (!mapped || mapped.kind === 'eviction-hard' || (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean'))
      continue;
    try {
      out[mapped.setting] = parseFlagValue(mapped.kind, String(raw));
    } catch {
      // A value the flag syntax refuses (a negative duration): not a setting the model can take.
    }
  }
  return out;
}

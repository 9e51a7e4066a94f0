/**
 * A calibration's figures in the range sweep. A measured figure is not the model's guess: its
 * range is the spread of its samples (low–high, when there are several), and the settings and
 * profile figures it fully replaces are not swept as estimates. Pure module.
 */
import type { MeasuredValue } from './calibration-apply.js';
import type { CalibrationFigureName } from './calibration.js';
import type { Cluster, ClusterNode } from './cluster.js';
import type { Estimate, EstimateUnit } from './estimates.js';
import type { SettingName } from './setting-definitions.js';

/** The figures the simulation reads (k3sMemory only informs: memoryOutsidePods is the node's overhead). */
const sweptFigures: readonly CalibrationFigureName[] = [
  'bootTime',
  'k3sStart',
  'nodeReady',
  'containerStart',
  'imagePull',
  'memoryCapacity',
  'memoryReserved',
  'memoryOutsidePods',
  'k3sCpu',
];

/** Which settings a figure replaces for a node of each role (src/sim/state.ts createNode and the sim's timings). */
const replaces: Partial<
  Record<CalibrationFigureName, { readonly server: readonly SettingName[]; readonly agent: readonly SettingName[] }>
> = {
  k3sStart: { server: ['k3sServerStartTime'], agent: ['k3sAgentStartTime'] },
  nodeReady: { server: ['nodeReadyAfterRegistration'], agent: ['nodeReadyAfterRegistration'] },
  containerStart: { server: ['containerStartTime'], agent: ['containerStartTime'] },
  imagePull: { server: ['decompressRate'], agent: ['decompressRate'] },
  memoryOutsidePods: { server: ['k3sServerMemory', 'k3sEtcdExtraMemory'], agent: ['k3sAgentMemory'] },
  k3sCpu: { server: ['k3sServerCpu'], agent: ['k3sAgentCpu'] },
};

const inCluster = (n: ClusterNode) => n.role === 'server' || n.role === 'agent';

/**
 * Setting names and profile estimate ids (`pi4b-4gb:bootTime`) a calibration replaces: the
 * calibration's own settings, and a setting or profile figure every node that reads it has measured.
 */
export function replacedByMeasurement(cluster: Cluster): Set<string> {
  const out = new Set<string>();
  if (!cluster.calibration) return out;
  for (const name of Object.keys(cluster.calibration.settings)) out.add(name);
  const readers = new Map<string, ClusterNode[]>();
  const add = (key: string, node: ClusterNode) => readers.set(key, [...(readers.get(key) ?? []), node]);
  for (const node of cluster.nodes.filter(inCluster))
    for (const [figure, roles] of Object.entries(replaces))
      for (const setting of roles[node.role === 'server' ? 'server' : 'agent']) add(`${figure}>${setting}`, node);
  for (const [key, nodes] of readers) {
    const [figure, setting] = key.split('>') as [CalibrationFigureName, string];
    if (nodes.every((n) => n.measured?.[figure])) out.add(setting);
  }
  // Nodes outside the cluster (a Rancher host) read the OS memory and the firmware reserve too.
  if (cluster.nodes.every((n) => n.measured?.memoryOutsidePods)) out.add('osMemoryUsage');
  if (cluster.nodes.every((n) => n.measured?.memoryCapacity)) out.add('firmwareMemoryReserve');
  for (const profile of new Set(cluster.nodes.map((n) => n.profile.metadata.name))) {
    const nodes = cluster.nodes.filter((n) => n.profile.metadata.name === profile);
    if (nodes.every((n) => n.measured?.bootTime)) out.add(`${profile}:bootTime`);
    if (nodes.every((n) => n.measured?.memoryCapacity)) out.add(`${profile}:memory`);
  }
  return out;
}

/** `pi-1` for a node's own figure, `pi4b-4gb agents` for one pooled over a profile. */
function ownerOf(node: ClusterNode, m: MeasuredValue): string {
  return m.origin === 'node' ? node.name : `${node.profile.metadata.name} ${node.role}s`;
}

/** One estimate per measured figure with a spread (samples > 1, low < high), over the nodes that use it. */
export function measuredEstimates(cluster: Cluster, unitOf: (figure: CalibrationFigureName) => EstimateUnit): Estimate[] {
  const found = new Map<string, { figure: CalibrationFigureName; owner: string; m: MeasuredValue; nodes: string[] }>();
  for (const node of cluster.nodes)
    for (const figure of sweptFigures) {
      const m = node.measured?.[figure];
      if (!m || m.samples < 2 || m.low === m.high) continue;
      const owner = ownerOf(node, m);
      const id = `measured:${owner}:${figure}`;
      const entry = found.get(id) ?? { figure, owner, m, nodes: [] };
      entry.nodes.push(node.name);
      found.set(id, entry);
    }
  const file = cluster.calibration?.file ?? 'calibration';
  return [...found].map(([id, { figure, owner, m, nodes }]) => ({
    id,
    description: `${figure} measured on ${owner} (${m.samples} samples)`,
    unit: unitOf(figure),
    value: m.value,
    low: m.low,
    high: m.high,
    source: `measured, ${file}: ${m.source}`,
    target: { kind: 'measured', figure, nodes },
  }));
}

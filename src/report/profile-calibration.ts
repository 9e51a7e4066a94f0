/**
 * `twin profiles show NAME --calibration FILE`: what a calibration measured on boards of one
 * profile (its pooled figures per role, and each measured node of that profile) beside the
 * model's own value for the same quantity, from the same code the simulation uses.
 */
import type { CalibrationSource } from '../model/calibration-apply.js';
import { calibrationFigureNames, type CalibrationFigureName, type CalibrationFigures } from '../model/calibration.js';
import type { ClusterNode } from '../model/cluster.js';
import type { HardwareProfile } from '../model/hardware-profile.js';
import { resolveSettings } from '../model/settings.js';
import { createNode } from '../sim/state.js';
import { figureText, measuredText } from './calibration.js';

export interface ProfileMeasuredRow {
  readonly figure: CalibrationFigureName;
  readonly role: 'server' | 'agent';
  /** `pooled over pi-2, old-pi` or `node pi-1`. */
  readonly measuredOn: string;
  readonly measured: string;
  /** The model's own value for a board of this profile and role, with the defaults; `—` where it has none. */
  readonly model: string;
  readonly source: string;
}

/** The model's value of each figure for one board of `profile` in `role`, with the default settings. */
function modelValues(profile: HardwareProfile, role: 'server' | 'agent'): Partial<Record<CalibrationFigureName, number>> {
  const settings = resolveSettings(33);
  const storage = profile.spec.storage.find((s) => s.default) ?? profile.spec.storage[0];
  const network = profile.spec.network[0];
  if (!storage || !network) return { bootTime: profile.spec.bootTime.value };
  const spec: ClusterNode = {
    name: 'board',
    role,
    profile,
    storage,
    network,
    architecture: profile.spec.architecture,
    labels: {},
    taints: [],
    k3sVersion: '',
  };
  const node = createNode(spec, 0, settings, false);
  const k3sStart = role === 'server' ? settings.k3sServerStartTime : settings.k3sAgentStartTime;
  return {
    bootTime: profile.spec.bootTime.value,
    k3sStart: k3sStart / node.cpuFactor,
    nodeReady: settings.nodeReadyAfterRegistration / node.cpuFactor,
    containerStart: settings.containerStartTime / node.cpuFactor,
    memoryCapacity: node.capacityMemory,
    memoryReserved: node.capacityMemory - node.allocatableMemory,
    memoryOutsidePods: node.overheadMemory,
    k3sMemory: node.overheadMemory - settings.osMemoryUsage,
    k3sCpu: node.overheadCpu,
  };
}

/** Every figure the calibration measured on this profile's boards, pooled first, then node by node. */
export function profileMeasuredRows(profile: HardwareProfile, source: CalibrationSource, canonical: (name: string) => string | undefined) {
  const name = profile.metadata.name;
  const { spec } = source.document;
  const rows: ProfileMeasuredRow[] = [];
  const add = (figures: CalibrationFigures, role: 'server' | 'agent', measuredOn: string) => {
    const model = modelValues(profile, role);
    for (const figure of calibrationFigureNames) {
      const m = figures[figure];
      const own = model[figure];
      if (m)
        rows.push({
          figure,
          role,
          measuredOn,
          measured: measuredText(figure, m),
          model: own === undefined ? '—' : figureText(figure, own),
          source: m.source,
        });
    }
  };
  for (const p of spec.profiles) if (canonical(p.profile) === name) add(p.figures, p.role, `pooled over ${p.nodes.join(', ')}`);
  for (const n of spec.nodes) if (n.profile !== undefined && canonical(n.profile) === name) add(n.figures, n.role, `node ${n.name}`);
  const { metadata } = source.document;
  const context = metadata.cluster.context ? ` (context ${metadata.cluster.context})` : '';
  return { headline: `Measured on ${metadata.cluster.server}${context} at ${metadata.measuredAt} (${source.file})`, rows };
}

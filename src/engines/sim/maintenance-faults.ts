/** The maintenance fault kinds on the model: cordon, uncordon, drain (kubectl) and k3s-upgrade (system-upgrade-controller). */
import type { ResolvedFault } from '../../scenario/faults.js';
import type { Simulation } from '../../sim/simulation.js';
import { cordon, drain, uncordon } from './maintenance.js';
import { k3sUpgrade } from './upgrade.js';

type Maintenance = Extract<ResolvedFault, { kind: 'cordon' | 'uncordon' | 'drain' | 'k3s-upgrade' }>;

const kinds: ReadonlySet<string> = new Set(['cordon', 'uncordon', 'drain', 'k3s-upgrade']);

export function isMaintenance(fault: ResolvedFault): fault is Maintenance {
  return kinds.has(fault.kind);
}

/** The command a maintenance fault is, for the message when no API server answers. */
export function maintenanceCommand(fault: Maintenance): string {
  switch (fault.kind) {
    case 'cordon':
    case 'uncordon':
    case 'drain':
      return `kubectl ${fault.kind} ${fault.node}`;
    case 'k3s-upgrade':
      // The upgrade Plans are applied through the API (`kubectl apply`), then the controller acts.
      return `kubectl apply (system-upgrade-controller Plans for ${fault.version})`;
  }
}

/** Applies one; returns why it failed (kubectl's error) when it could not. */
export function applyMaintenance(sim: Simulation, fault: Maintenance): string | undefined {
  switch (fault.kind) {
    case 'cordon':
      return prefixed('cordon', cordon(sim, sim.node(fault.node), 'kubectl cordon'));
    case 'uncordon':
      return prefixed('uncordon', uncordon(sim, sim.node(fault.node), 'kubectl uncordon'));
    case 'drain':
      return drain(sim, sim.node(fault.node), fault, 'kubectl drain');
    case 'k3s-upgrade':
      k3sUpgrade(sim, fault);
      return undefined;
  }
}

function prefixed(command: string, failure: string | undefined): string | undefined {
  return failure === undefined ? undefined : `kubectl ${command} failed: ${failure}; nothing was changed`;
}
